"""The profile object: :class:`DatasetProfile`, the sufficient statistics of a reference set.

Built by :func:`musiceval.profile` (``musiceval.profiles``), merged, saved and loaded here; the
statistics' mathematics lives in ``musiceval._profile_stats`` and the file format in
``musiceval._documents``. Import it as ``musiceval.DatasetProfile`` or
``musiceval.profiles.DatasetProfile``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval import _documents
from musiceval._atomic import atomic_write
from musiceval._checks import (
    check_choice,
    check_instance,
    check_int,
    check_metric_names,
    check_names,
    check_path,
    invalid,
)
from musiceval._profile_codec import (
    SCHEMA,
    SCHEMA_VERSION,
    document_from_fields,
    fields_from_document,
    read_json,
)
from musiceval._profile_parts import (
    check_bar_index,
    check_lowest_pitch,
    check_mergeable,
    check_profile_metrics,
    conventions_dict,
    merge_bar_indexes,
)
from musiceval._profile_stats import (
    MAX_SAMPLES,
    MAX_STEPS,
    check_reservoir,
    check_statistics,
    common_edges,
    frozen,
    merge_reservoirs,
    merge_statistics,
    rebin,
    same_array,
)
from musiceval._profile_vectors import ProfileVectors, profile_frame, scalar_only
from musiceval.exceptions import DocumentError
from musiceval.rolls import make_conventions

if TYPE_CHECKING:
    import pandas as pd

    from musiceval.originality import BarIndex

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "DatasetProfile",
    "check_profile_metrics",
    "conventions_dict",
]

_WHAT = "musiceval profile"


class DatasetProfile:
    """The distribution of metrics over a reference set, per metric and track.

    Build one with :func:`profile` (or :meth:`load`); combine two with :meth:`merge`. A profile
    is immutable: :meth:`merge` returns a new one and every accessor returns a copy.

    It holds, per metric and track, the sufficient statistics ``count`` (defined values),
    ``n_nan`` (undefined values), ``mean`` and ``m2`` (sum of squared deviations from the mean,
    over the defined values), ``min``, ``max`` and a histogram with fixed edges; plus a uniform
    random sample (the reservoir) of up to ``reservoir_size`` samples, each kept whole as its
    ``(n_metrics, n_tracks)`` metric values (NaN included), so that multivariate comparisons
    remain possible. Where a track has no defined value (``count`` 0), its mean, std, min, max
    and quantiles are NaN, without a warning. A vector-valued metric (:attr:`vector_metrics`)
    has the same statistics per track and component, shape ``(n_tracks, *shape)``, but no
    histogram, and its vectors of the reservoir's samples (``musiceval._profile_vectors``).

    Histogram edges depend only on the registry bounds and the sample shape (at most 12,800
    bins whatever the length of the samples: ``musiceval._profile_stats.histogram_edges``,
    ``docs/distances.md``), so profiles of the same shape merge exactly. Bins are closed on
    the left, the last one on both sides (as ``numpy.histogram``); a value rounded a hair past
    a bound is counted in the outer bin.

    Parameters
    ----------
    metrics : sequence of str
        The per-track scalar metrics, in order (may be empty when ``vectors`` is not).
    tracks : sequence of str
        Distinct track names, in the data's order.
    conventions : mapping
        The metric options (the fields of ``musiceval.rolls.Conventions``).
    n_samples, n_steps, n_pitches, lowest_pitch : int
        Samples profiled, and the shape and pitch origin of each sample.
    statistics : mapping
        Per metric, a mapping with the arrays ``count``, ``n_nan``, ``mean``, ``m2``, ``min``,
        ``max`` (shape ``(n_tracks,)``), ``edges`` (``(n_bins + 1,)``) and ``histogram``
        (``(n_tracks, n_bins)``).
    samples : array-like of shape (n_kept, n_metrics, n_tracks)
        The reservoir, ``n_kept = min(reservoir_size, n_samples)``.
    reservoir_size : int
        Capacity of the reservoir.
    seed : int
        Seed of the reservoir sampling (merges draw from it too).
    version : str
        The musiceval version that computed the profile.
    bar_index : BarIndex, optional
        The index of the profiled rolls' bars (:class:`musiceval.originality.BarIndex`: one
        piece per sample, the profile's pitches, tracks and ``steps_per_bar``), or None.
    vectors : mapping, optional
        Per vector-valued metric, in order, a mapping with the arrays ``count``, ``n_nan``,
        ``mean``, ``m2``, ``min``, ``max`` (``(n_tracks, *shape)``) and ``samples``
        (``(n_kept, n_tracks, *shape)``, the rows of ``samples``' samples).

    Raises
    ------
    ValueError
        When the state could not come from data: wrong shapes, counts that do not add up to
        ``n_samples``, a histogram that does not add up to ``count`` or does not span ``min``
        and ``max``, a non-finite ``mean`` with ``count > 0``, a mean outside ``[min, max]``,
        a negative ``m2`` (or one larger than values in ``[min, max]`` can have), extrema
        outside the registry bounds or the histogram's edges, reservoir values outside
        ``[min, max]``, more than 2**40 steps or 2**53 samples; the message names the field.
    """

    __hash__ = None  # type: ignore[assignment]  # __eq__ compares arrays: not hashable

    def __init__(
        self,
        *,
        metrics: Sequence[str],
        tracks: Sequence[str],
        conventions: Mapping[str, Any],
        n_samples: int,
        n_steps: int,
        n_pitches: int,
        lowest_pitch: int,
        statistics: Mapping[str, Mapping[str, Any]],
        samples: Any,
        reservoir_size: int,
        seed: int,
        version: str,
        bar_index: BarIndex | None = None,
        vectors: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self._metrics = check_profile_metrics(list(metrics), vectors=False)
        self._tracks = check_names("tracks", tracks)
        if not self._tracks:
            raise invalid("tracks", "a non-empty sequence of names", tracks)
        self._conventions = conventions_dict(make_conventions(**dict(conventions)))
        self._n_samples = check_int("n_samples", n_samples, maximum=MAX_SAMPLES)
        self._n_steps = check_int("n_steps", n_steps, minimum=0, maximum=MAX_STEPS)
        self._n_pitches = check_int("n_pitches", n_pitches, maximum=128)
        self._lowest_pitch = check_lowest_pitch(lowest_pitch, self._n_pitches)
        self._reservoir_size = check_int("reservoir_size", reservoir_size)
        self._seed = check_int("seed", seed, minimum=0)
        self._version = check_instance("version", version, str, "a str")
        if set(statistics) != set(self._metrics):
            raise invalid(
                "statistics", f"a mapping of exactly the metrics {list(self._metrics)}",
                received=str(list(statistics)),
            )  # fmt: skip
        self._stats = {
            name: check_statistics(name, statistics[name], len(self._tracks), self._n_samples)
            for name in self._metrics
        }
        n_kept = min(self._reservoir_size, self._n_samples)
        shape = (n_kept, len(self._metrics), len(self._tracks))
        self._samples = frozen(np.asarray(samples, dtype=np.float64), "samples", shape)
        for m, name in enumerate(self._metrics):
            check_reservoir(name, self._stats[name], self._samples[:, m], self._n_samples)
        self._vectors = ProfileVectors.check(
            vectors, metrics=self._metrics, n_tracks=len(self._tracks), n_samples=self._n_samples,
            n_kept=n_kept,
        )  # fmt: skip
        self._bar_index = check_bar_index(
            bar_index, n_samples=self._n_samples, n_pitches=self._n_pitches,
            n_tracks=len(self._tracks), lowest_pitch=self._lowest_pitch,
            steps_per_bar=self._conventions["steps_per_bar"],
        )  # fmt: skip

    # ---- description ---------------------------------------------------------------------

    @property
    def metrics(self) -> tuple[str, ...]:
        """The profiled scalar metrics, in order."""
        return self._metrics

    @property
    def vector_metrics(self) -> tuple[str, ...]:
        """The profiled vector-valued metrics, in order (empty when none)."""
        return self._vectors.names

    @property
    def tracks(self) -> tuple[str, ...]:
        """The track names, in the data's order."""
        return self._tracks

    @property
    def n_samples(self) -> int:
        """Number of samples profiled (with or without NaN values)."""
        return self._n_samples

    @property
    def n_steps(self) -> int:
        """Time steps per sample."""
        return self._n_steps

    @property
    def n_pitches(self) -> int:
        """Pitches per sample (the length of the pitch axis)."""
        return self._n_pitches

    @property
    def lowest_pitch(self) -> int:
        """MIDI number of pitch index 0."""
        return self._lowest_pitch

    @property
    def conventions(self) -> dict[str, Any]:
        """The metric options (a new dict; can be passed to ``evaluate(..., **conventions)``)."""
        return {key: list(v) if isinstance(v, list) else v for key, v in self._conventions.items()}

    @property
    def reservoir_size(self) -> int:
        """Capacity of the reservoir of per-sample values."""
        return self._reservoir_size

    @property
    def n_kept(self) -> int:
        """Samples in the reservoir: ``min(reservoir_size, n_samples)``."""
        return self._samples.shape[0]

    @property
    def seed(self) -> int:
        """Seed of the reservoir sampling."""
        return self._seed

    @property
    def version(self) -> str:
        """The musiceval version that computed the profile."""
        return self._version

    @property
    def bar_index(self) -> BarIndex | None:
        """The index of the profiled rolls' bars (``profile(..., bar_index=True)``), or None.

        The object itself (a BarIndex changes in place with ``add``: leave it as it is).
        """
        return self._bar_index

    def with_bar_index(self, bar_index: BarIndex | None) -> DatasetProfile:
        """This profile with ``bar_index`` attached (None: without an index), as a new profile.

        Parameters
        ----------
        bar_index : BarIndex or None
            The index of the same rolls, in the same order:
            ``BarIndex.build(rolls, steps_per_bar=profile.conventions["steps_per_bar"],
            lowest_pitch=profile.lowest_pitch)``.

        Raises
        ------
        musiceval.InvalidParameterError
            An index of another number of pieces (samples), pitches, tracks, lowest pitch or
            bar length; the message names both values.
        """
        return DatasetProfile(**{**self._fields(), "bar_index": bar_index})

    # ---- statistics ----------------------------------------------------------------------

    def _get(self, metric: str, field: str) -> np.ndarray:
        return self._statistics(metric)[field].copy()

    def _statistics(self, metric: str, method: str | None = None) -> Mapping[str, np.ndarray]:
        """The statistics of ``metric``; ``method`` names one that takes scalar metrics only."""
        check_choice("metric", metric, self._metrics + self._vectors.names)
        if metric in self._stats:
            return self._stats[metric]
        if method is not None:
            raise scalar_only(metric, method)
        return self._vectors.statistics[metric]

    def count(self, metric: str) -> np.ndarray:
        """Defined (non-NaN) values of ``metric`` per track, int64 of shape ``(n_tracks,)``
        (``(n_tracks, *shape)`` for a vector-valued metric: per component, as every
        statistic)."""
        return self._get(metric, "count")

    def n_nan(self, metric: str) -> np.ndarray:
        """NaN (undefined) values of ``metric`` per track, int64 of shape ``(n_tracks,)``."""
        return self._get(metric, "n_nan")

    def mean(self, metric: str) -> np.ndarray:
        """Mean of the defined values per track, float64 ``(n_tracks,)``; NaN where none is."""
        return self._get(metric, "mean")

    def std(self, metric: str) -> np.ndarray:
        """Population standard deviation (``ddof=0``) of the defined values per track.

        Returns
        -------
        ndarray of float64, shape (n_tracks,) or (n_tracks, *shape)
            ``sqrt(m2 / count)``; NaN where ``count`` is 0 (no warning).
        """
        stats = self._statistics(metric)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(stats["m2"] / stats["count"])

    def min(self, metric: str) -> np.ndarray:
        """Smallest defined value per track, float64 ``(n_tracks,)``; NaN where none is."""
        return self._get(metric, "min")

    def max(self, metric: str) -> np.ndarray:
        """Largest defined value per track, float64 ``(n_tracks,)``; NaN where none is."""
        return self._get(metric, "max")

    def histogram(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """Histogram of the defined values of ``metric``.

        Returns
        -------
        counts : ndarray of int64, shape (n_tracks, n_bins)
            Values per bin and track (each row sums to ``count(metric)``).
        edges : ndarray of float64, shape (n_bins + 1,)
            Bin edges, as ``numpy.histogram`` returns them.

        Raises
        ------
        musiceval.InvalidParameterError
            For a vector-valued metric (no histogram is kept: see :meth:`samples`).
        """
        stats = self._statistics(metric, "histogram")
        return stats["histogram"].copy(), stats["edges"].copy()

    def samples(self, metric: str | None = None) -> np.ndarray:
        """The reservoir: per-sample values of a uniform random sample of the reference set.

        Parameters
        ----------
        metric : str, optional
            One metric; default: every scalar one.

        Returns
        -------
        ndarray of float64
            ``(n_kept, n_tracks)`` for one metric (``(n_kept, n_tracks, *shape)`` for a
            vector-valued one), ``(n_kept, n_metrics, n_tracks)`` for all; row ``i`` is the
            same sample for every metric. NaN where a value is undefined. Every sample, in data
            order, when ``n_samples <= reservoir_size``.
        """
        if metric is None:
            return self._samples.copy()
        if metric in self._vectors.samples:
            return self._vectors.samples[metric].copy()
        check_choice("metric", metric, self._metrics + self._vectors.names)
        return self._samples[:, self._metrics.index(metric)].copy()

    def quantile(self, metric: str, q: float | Sequence[float] | np.ndarray) -> np.ndarray:
        """Quantiles of the defined values of ``metric`` per track, from the reservoir.

        Exact (``numpy.quantile``'s linear interpolation of the whole set) when every sample is
        kept (``n_samples <= reservoir_size``), an estimate from the uniform sample otherwise.

        Parameters
        ----------
        metric : str
            A profiled metric.
        q : float or sequence of float
            Probabilities in [0, 1].

        Returns
        -------
        ndarray of float64
            Shape ``(n_tracks,)`` for a scalar ``q``, ``(len(q), n_tracks)`` otherwise; NaN for
            a track with no defined value in the reservoir (no warning).

        Raises
        ------
        musiceval.InvalidParameterError
            For a vector-valued metric (see :meth:`samples`).
        """
        self._statistics(metric, "quantile")
        try:
            probabilities = np.asarray(q, dtype=np.float64)
        except (TypeError, ValueError):
            raise invalid("q", "a probability or a 1-d sequence of them in [0, 1]", q) from None
        if probabilities.ndim > 1 or not np.all((probabilities >= 0) & (probabilities <= 1)):
            raise invalid("q", "a probability or a 1-d sequence of them in [0, 1]", q)
        values = self.samples(metric)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN tracks give NaN
            return np.nanquantile(values, probabilities, axis=0)

    def to_frame(self) -> pd.DataFrame:
        """One row per metric and track (metric order, then track order; vector-valued metrics
        after the scalar ones, one row per track and component).

        Returns
        -------
        pandas.DataFrame
            Columns ``metric``, ``track`` (the track name), ``count``, ``n_nan``, ``mean``,
            ``std`` (``ddof=0``), ``min``, ``max`` and the quantiles ``q05``, ``q50``, ``q95``
            (from the reservoir, see :meth:`quantile`). Statistics ignore NaN values; they are
            NaN where a track has no defined value. With vector-valued metrics, a ``bin`` column
            (nullable int, after ``track``, empty for scalar metrics) numbers the components in
            C order, as in :func:`musiceval.evaluate`.
        """
        return profile_frame(self)

    # ---- merge ---------------------------------------------------------------------------

    def merge(self, other: DatasetProfile) -> DatasetProfile:
        """The profile of this set followed by ``other``'s, as a new profile.

        Counts, minima, maxima and histograms equal those of the concatenated data exactly;
        means and standard deviations up to float rounding (Chan et al.'s parallel update of
        ``mean`` and ``m2``). The reservoir is a uniform sample of the union (a hypergeometric
        draw of how many come from each side, then a uniform subset of each side's reservoir),
        of capacity ``min(self.reservoir_size, other.reservoir_size)``, drawn with a generator
        seeded by both seeds and both sizes: merging is deterministic. The result keeps this
        profile's seed and version. Bar indexes are merged (``BarIndex.merge``) when both
        profiles have one; when only one has, the result has none, with a ``UserWarning``.
        Neither profile is changed. Histograms whose edges differ but where every edge of one
        is an edge of the other (a profile of long samples saved by musiceval 0.1.0, one bin
        per integer, and today's of the same shape) are merged on the coarser edges, exactly:
        each of its bins sums bins of the finer one.

        Raises
        ------
        ValueError
            When the profiles differ in metrics, track names or counts, pitch axis, ``n_steps``,
            conventions or histogram edges (neither a coarsening of the other); the message
            names what differs and both values.
        TypeError
            When ``other`` is not a :class:`DatasetProfile`.
        """
        check_instance("other", other, DatasetProfile, "a DatasetProfile")
        check_mergeable(self, other)
        stats = {}
        for name in self._metrics:
            mine, theirs = self._stats[name], other._stats[name]
            edges = common_edges(mine["edges"], theirs["edges"])
            assert edges is not None  # check_mergeable refused the others
            stats[name] = merge_statistics(rebin(mine, edges), rebin(theirs, edges))
        capacity = min(self._reservoir_size, other._reservoir_size)
        rng = np.random.default_rng([self._seed, other._seed, self._n_samples, other._n_samples])
        kept = np.arange(self.n_kept + other.n_kept)  # rows of both reservoirs, concatenated
        rows = merge_reservoirs(
            kept[: self.n_kept], self._n_samples, kept[self.n_kept :], other._n_samples,
            capacity, rng,
        )  # fmt: skip
        samples = np.concatenate([self._samples, other._samples])[rows]
        return DatasetProfile(**{
            **self._fields(),
            "n_samples": self._n_samples + other._n_samples,
            "statistics": stats,
            "samples": samples,
            "reservoir_size": capacity,
            "bar_index": merge_bar_indexes(self._bar_index, other._bar_index),
            "vectors": self._vectors.merge(other._vectors, rows),
        })  # fmt: skip

    # ---- save / load ---------------------------------------------------------------------

    def to_json_dict(self) -> dict[str, Any]:
        """The profile as a JSON-ready dict (the content of :meth:`save`'s file).

        Non-finite floats are the strings ``"nan"``, ``"inf"`` and ``"-inf"``.
        """
        return document_from_fields(self._fields())

    def _fields(self) -> dict[str, Any]:
        """The constructor's arguments that rebuild this profile."""
        return {
            "metrics": self._metrics,
            "tracks": self._tracks,
            "conventions": self.conventions,
            "n_samples": self._n_samples,
            "n_steps": self._n_steps,
            "n_pitches": self._n_pitches,
            "lowest_pitch": self._lowest_pitch,
            "statistics": self._stats,
            "samples": self._samples,
            "reservoir_size": self._reservoir_size,
            "seed": self._seed,
            "version": self._version,
            "bar_index": self._bar_index,
            "vectors": self._vectors.fields(),
        }

    def select(self, metrics: Sequence[str]) -> DatasetProfile:
        """The profile of ``metrics`` only (some of :attr:`metrics` and :attr:`vector_metrics`,
        in any order; each kind keeps that order); it keeps the bar index (of the same rolls)."""
        names = check_metric_names("metrics", metrics, self._metrics + self._vectors.names)
        scalars = [name for name in names if name in self._stats]
        return DatasetProfile(**{
            **self._fields(),
            "metrics": scalars,
            "statistics": {name: self._stats[name] for name in scalars},
            "samples": self._samples[:, [self._metrics.index(name) for name in scalars]],
            "vectors": self._vectors.select(names),
        })  # fmt: skip

    @classmethod
    def from_json_dict(
        cls, document: Mapping[str, Any], *, source: str = "document"
    ) -> DatasetProfile:
        """Rebuild a profile from :meth:`to_json_dict`'s dict, checking schema and version.

        Raises
        ------
        musiceval.exceptions.DocumentError
            A ``ValueError``: ``document`` is not a musiceval profile, has another schema
            version, is malformed or holds values no data gives (see the class's Raises); the
            message names ``source`` and the field.
        """
        document = _documents.check(document, SCHEMA, SCHEMA_VERSION, what=_WHAT, source=source)
        try:
            return cls(**fields_from_document(document, source))
        except (TypeError, ValueError, OverflowError, RecursionError) as exc:
            what = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise DocumentError(f"{source} is a malformed {_WHAT}: {what}") from exc

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the profile as human-readable, versioned JSON, atomically.

        The file is ``{"schema": "musiceval.profile", "version": 1, ...}`` (see
        :meth:`to_json_dict`); a bar index is embedded as the base64 of its ``.npz`` file.
        It is written to a temporary file in the same directory, then renamed over ``path``:
        an interrupted save leaves no file behind and an existing file intact. The directory
        must exist.
        """
        text = _documents.dumps(self.to_json_dict()) + "\n"
        atomic_write(check_path("path", path), lambda file: file.write(text))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DatasetProfile:
        """Read a profile written by :meth:`save` (plain JSON; nothing is unpickled).

        Raises
        ------
        musiceval.exceptions.DocumentError
            A ``ValueError``: the file is not JSON (or nested too deeply to read), not a
            musiceval profile, of another schema version, malformed or holds values no data
            gives; the message names the file and the field.
        """
        path = check_path("path", path)
        return cls.from_json_dict(read_json(path, _WHAT), source=str(path))

    # ---- dunder --------------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        """Equal when every statistic, the reservoir and the description are (NaN == NaN)."""
        if not isinstance(other, DatasetProfile):
            return NotImplemented
        same = (
            self._metrics == other._metrics
            and self._tracks == other._tracks
            and self._conventions == other._conventions
            and (self._n_samples, self._n_steps, self._n_pitches, self._lowest_pitch)
            == (other._n_samples, other._n_steps, other._n_pitches, other._lowest_pitch)
            and (self._reservoir_size, self._seed, self._version)
            == (other._reservoir_size, other._seed, other._version)
            and same_array(self._samples, other._samples)
            and self._bar_index == other._bar_index
            and self._vectors == other._vectors
        )
        return same and all(
            same_array(self._stats[name][field], other._stats[name][field])
            for name in self._metrics
            for field in self._stats[name]
        )

    def __repr__(self) -> str:
        n_vectors = len(self._vectors.names)
        kinds = f"scalar and {n_vectors} vector-valued " if n_vectors else ""
        return (
            f"DatasetProfile({self._n_samples} samples of {self._n_steps} steps, "
            f"{len(self._metrics)} {kinds}metrics, tracks {list(self._tracks)}, "
            f"{self.n_kept} kept)"
        )
