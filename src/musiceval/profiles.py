"""Dataset profiles: the metric distribution of a reference set, mergeable and saved as JSON.

:func:`profile` reads a reference set (the training data) in chunks of samples, computes the
requested metrics on each chunk with one kernel pass, and folds the chunks into a
:class:`DatasetProfile` with :meth:`DatasetProfile.merge`, so memory stays bounded whatever the
size of the set (a ``.npy`` file is memory-mapped, a tensor is thresholded chunk by chunk).

A profile holds *sufficient statistics*, not derived numbers: per metric and track the number of
defined values (``count``) and of NaN values (``n_nan``), the mean and the sum of squared
deviations ``m2`` (merged with Chan et al.'s parallel update), the minimum and maximum, a
histogram with fixed edges taken from the registry bounds, and a uniform random sample (a
reservoir) of whole per-sample metric vectors. Hence ``a.merge(b)`` equals the profile of the
concatenated data: exactly for counts, minima, maxima and histograms, up to float rounding for
means and standard deviations, so a big corpus can be profiled in pieces or in parallel.

Profiles are saved as versioned, human-readable JSON (:meth:`DatasetProfile.save`,
:meth:`DatasetProfile.load`), never pickled; NaN and infinities are written as the strings
``"nan"``, ``"inf"`` and ``"-inf"``, so that the file is standard JSON and the round trip is exact.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._atomic import atomic_write
from musiceval._engine import compute
from musiceval.io import load_rolls
from musiceval.registry import METRICS, PER_TRACK
from musiceval.rolls import (
    LAYOUTS,
    Conventions,
    Roll,
    _is_torch_tensor,
    as_roll,
    check_choice,
    check_positive_int,
    make_conventions,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["N_RATE_BINS", "SCHEMA", "SCHEMA_VERSION", "DatasetProfile", "profile"]

SCHEMA = "musiceval.profile"
"""The ``"schema"`` field of a saved profile."""

SCHEMA_VERSION = 1
"""The ``"version"`` field of a saved profile; :meth:`DatasetProfile.load` reads only this one."""

N_RATE_BINS = 50
"""Histogram bins of the rates and entropies (equal bins over the registry bounds)."""

_INT_FIELDS = ("count", "n_nan")
_FLOAT_FIELDS = ("mean", "m2", "min", "max")
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def profile(
    reference: Any,
    metrics: Sequence[str] | None = None,
    *,
    chunk_size: int = 4096,
    reservoir_size: int = 2000,
    seed: int = 0,
    track_names: Sequence[str] | None = None,
    npz_key: str | None = None,
    layout: str = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    **conventions: Any,
) -> DatasetProfile:
    """Profile a reference set: the distribution of each metric, per track.

    Parameters
    ----------
    reference : ndarray, torch.Tensor, pypianoroll.Multitrack, str or os.PathLike
        The piano rolls, in ``layout`` (any dtype accepted by the metrics), or the path of a
        ``.npy`` file (memory-mapped, read chunk by chunk), an ``.npz`` file holding the roll
        under the key ``"pianoroll"`` (or ``npz_key``; that array is read whole, as ``numpy``
        cannot map a member of an archive), a MIDI file or a folder of MIDI files, or a
        Multitrack: see :func:`musiceval.io.load_rolls`. MIDI and Multitrack inputs are cut
        into samples of 4 bars of ``steps_per_bar`` (default 16) steps at ``steps_per_beat``
        steps per quarter note, and an unreadable MIDI file fails the call; call
        :func:`musiceval.io.load_midi_folder` yourself for other choices.
    metrics : sequence of str, optional
        Names of per-track metrics (see ``musiceval.METRICS``); default: every per-track metric
        (all but ``tonal_distance``, which compares pairs of tracks and is not profiled yet).
    chunk_size : int, default=4096
        Samples per kernel pass. Each chunk becomes a partial profile, merged into the result,
        so memory is bounded by the chunk, not by the set.
    reservoir_size : int, default=2000
        How many per-sample metric vectors to keep (a uniform random sample without
        replacement; every sample when the set is not larger).
    seed : int, default=0
        Seed of the reservoir sampling: the same data, chunking and seed give the same profile.
    track_names : sequence of str, optional
        One distinct name per track; default ``["0", "1", ...]``.
    npz_key : str, optional
        The key of the roll in an ``.npz`` file; default ``"pianoroll"``. Only for ``.npz``
        paths. (It is not called ``key``, which is the musical key of the scale metrics.)
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of the rolls; see ``docs/conventions.md``.
    threshold : float, default=0.0
        A cell is active when ``value > threshold``.
    lowest_pitch : int, optional
        MIDI number of pitch index 0 (required when n_pitches != 128).
    **conventions
        Options of the metrics, shared by all of them and recorded in the profile:
        ``steps_per_bar``, ``steps_per_beat``, ``key``, ``mode``, ``weight``, ``min_steps``,
        ``min_pitches``, ``grid``, ``per``, ``radii``. An unknown option raises ``TypeError``.

    Returns
    -------
    DatasetProfile
        The profile; its ``conventions`` hold every option, with ``steps_per_bar`` resolved
        (16, or the bar length of an ``NBSPK`` input, when not given).

    Raises
    ------
    ValueError
        An empty reference (no sample, pitch or track), a pairwise or unknown metric, a path
        that does not exist or is of another type, an ``.npz`` file without the requested key
        (the message lists the keys it holds), an unreadable MIDI file, ``track_names`` of the
        wrong length, or any bad option.
    TypeError
        An unknown option, or arguments of the wrong type.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> rolls = np.zeros((3, 32, 128, 2), bool)
    >>> rolls[:, :8, 60, 0] = True
    >>> p = musiceval.profile(rolls, ["n_notes", "pitch_range"], track_names=["lead", "bass"])
    >>> p.mean("n_notes").tolist(), p.count("pitch_range").tolist()
    ([1.0, 0.0], [3, 0])
    """
    names = _check_metrics(metrics)
    chunk_size = check_positive_int("chunk_size", chunk_size)
    reservoir_size = check_positive_int("reservoir_size", reservoir_size)
    seed = check_positive_int("seed", seed, minimum=0)
    check_choice("layout", layout, tuple(LAYOUTS))
    options = make_conventions(**conventions)
    x = load_rolls(
        reference,
        layout=layout,
        npz_key=npz_key,
        steps_per_bar=options.steps_per_bar or 16,
        steps_per_beat=options.steps_per_beat,
    )
    from musiceval import __version__

    result: DatasetProfile | None = None
    start = 0
    for chunk in _chunks(x, layout, chunk_size):
        roll = as_roll(chunk, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch)
        if result is None:
            steps_per_bar = options.bar_length(roll)  # raises if it contradicts an NBSPK input
            options = dataclasses.replace(options, steps_per_bar=steps_per_bar)
            tracks = _check_track_names(track_names, roll.n_tracks)
            edges = {name: _edges(name, roll.n_steps, roll.n_pitches) for name in names}
        part = _partial(
            compute(roll, options, names),
            roll=roll,
            tracks=tracks,
            conventions=options,
            edges=edges,
            reservoir_size=reservoir_size,
            rng=np.random.default_rng([seed, start]),
            seed=seed,
            version=__version__,
        )
        result = part if result is None else result.merge(part)
        start += roll.n_samples
    assert result is not None  # _chunks yields at least once; an empty x raised in as_roll
    return result


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
    and quantiles are NaN, without a warning.

    Histogram edges come from the registry bounds: integer-centred bins (``k - 0.5`` to
    ``k + 0.5``) from the lower to the upper bound for the ``"count"`` and ``"pitch"`` kinds
    (for ``n_notes``, whose bound is infinite, up to ``n_pitches * ceil(n_steps / 2)``, the most
    notes a track of the data can hold), and :data:`N_RATE_BINS` equal bins over the bounds for
    rates and entropies. Bins are closed on the left, the last one on both sides (as
    ``numpy.histogram``); a value rounded a hair past a bound is counted in the outer bin.

    Parameters
    ----------
    metrics : sequence of str
        The per-track metrics, in order.
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

    Raises
    ------
    ValueError
        When the state is inconsistent (wrong shapes, counts that do not add up to
        ``n_samples``, a histogram that does not add up to ``count``, ...).
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
    ) -> None:
        self._metrics = _check_metrics(list(metrics))
        if isinstance(tracks, str) or not len(tracks):
            raise ValueError(f"tracks must be a non-empty sequence of names; got {tracks!r}")
        self._tracks = _check_track_names(tracks, len(tracks))
        self._conventions = _conventions_dict(make_conventions(**dict(conventions)))
        self._n_samples = check_positive_int("n_samples", n_samples)
        self._n_steps = check_positive_int("n_steps", n_steps, minimum=0)
        self._n_pitches = check_positive_int("n_pitches", n_pitches)
        self._lowest_pitch = check_positive_int("lowest_pitch", lowest_pitch, minimum=0)
        if self._lowest_pitch + self._n_pitches > 128:
            raise ValueError(
                f"lowest_pitch={self._lowest_pitch} with n_pitches={self._n_pitches} reaches "
                f"MIDI {self._lowest_pitch + self._n_pitches - 1}; expected at most 127"
            )
        self._reservoir_size = check_positive_int("reservoir_size", reservoir_size)
        self._seed = check_positive_int("seed", seed, minimum=0)
        if not isinstance(version, str):
            raise TypeError(f"version must be a str; got {version!r}")
        self._version = version
        if set(statistics) != set(self._metrics):
            raise ValueError(
                f"statistics must hold exactly the metrics {list(self._metrics)}; "
                f"got {list(statistics)}"
            )
        self._stats = {name: self._check_stats(name, statistics[name]) for name in self._metrics}
        n_kept = min(self._reservoir_size, self._n_samples)
        shape = (n_kept, len(self._metrics), len(self._tracks))
        self._samples = _frozen(np.asarray(samples, dtype=np.float64), "samples", shape)

    def _check_stats(self, name: str, stats: Mapping[str, Any]) -> dict[str, np.ndarray]:
        n_tracks = len(self._tracks)
        missing = sorted({*_INT_FIELDS, *_FLOAT_FIELDS, "edges", "histogram"} - set(stats))
        if missing:
            raise ValueError(f"statistics of {name} lack {missing}")
        out = {f: _frozen(_int_array(stats[f], f), f"{name} {f}", (n_tracks,)) for f in _INT_FIELDS}
        for field in _FLOAT_FIELDS:
            out[field] = _frozen(
                np.asarray(stats[field], np.float64), f"{name} {field}", (n_tracks,)
            )
        edges = np.array(stats["edges"], np.float64)
        if edges.ndim != 1 or len(edges) < 2 or not np.all(np.diff(edges) > 0):
            raise ValueError(
                f"histogram edges of {name} must be increasing, at least two; got {edges!r}"
            )
        out["edges"] = _frozen(edges, f"{name} edges", edges.shape)
        hist = _int_array(stats["histogram"], f"{name} histogram")
        out["histogram"] = _frozen(hist, f"{name} histogram", (n_tracks, len(edges) - 1))
        if np.any(out["count"] < 0) or np.any(out["n_nan"] < 0) or np.any(hist < 0):
            raise ValueError(f"counts of {name} must be >= 0")
        if not np.all(out["count"] + out["n_nan"] == self._n_samples):
            raise ValueError(
                f"count + n_nan of {name} must equal n_samples={self._n_samples} for every "
                f"track; got {(out['count'] + out['n_nan']).tolist()}"
            )
        if not np.array_equal(hist.sum(axis=1), out["count"]):
            raise ValueError(
                f"the histogram of {name} must hold count values per track: "
                f"{hist.sum(axis=1).tolist()} != {out['count'].tolist()}"
            )
        return out

    # ---- description ---------------------------------------------------------------------

    @property
    def metrics(self) -> tuple[str, ...]:
        """The profiled metrics, in order."""
        return self._metrics

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

    # ---- statistics ----------------------------------------------------------------------

    def _get(self, metric: str, field: str) -> np.ndarray:
        check_choice("metric", metric, self._metrics)
        return self._stats[metric][field].copy()

    def count(self, metric: str) -> np.ndarray:
        """Defined (non-NaN) values of ``metric`` per track, int64 of shape ``(n_tracks,)``."""
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
        ndarray of float64, shape (n_tracks,)
            ``sqrt(m2 / count)``; NaN where ``count`` is 0 (no warning).
        """
        check_choice("metric", metric, self._metrics)
        stats = self._stats[metric]
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
        """
        return self._get(metric, "histogram"), self._get(metric, "edges")

    def samples(self, metric: str | None = None) -> np.ndarray:
        """The reservoir: per-sample values of a uniform random sample of the reference set.

        Parameters
        ----------
        metric : str, optional
            One metric; default: all of them.

        Returns
        -------
        ndarray of float64
            ``(n_kept, n_tracks)`` for one metric, ``(n_kept, n_metrics, n_tracks)`` for all;
            row ``i`` is the same sample for every metric. NaN where a value is undefined.
            Every sample, in data order, when ``n_samples <= reservoir_size``.
        """
        if metric is None:
            return self._samples.copy()
        check_choice("metric", metric, self._metrics)
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
        """
        probabilities = np.asarray(q, dtype=np.float64)
        if probabilities.ndim > 1 or not np.all((probabilities >= 0) & (probabilities <= 1)):
            raise ValueError(
                f"q must be a probability or a 1-d sequence of them in [0, 1]; got {q}"
            )
        values = self.samples(metric)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN tracks give NaN
            return np.nanquantile(values, probabilities, axis=0)

    def to_frame(self) -> pd.DataFrame:
        """One row per metric and track (metric order, then track order).

        Returns
        -------
        pandas.DataFrame
            Columns ``metric``, ``track`` (the track name), ``count``, ``n_nan``, ``mean``,
            ``std`` (``ddof=0``), ``min``, ``max`` and the quantiles ``q05``, ``q50``, ``q95``
            (from the reservoir, see :meth:`quantile`). Statistics ignore NaN values; they are
            NaN where a track has no defined value.
        """
        import pandas as pd

        n_tracks = len(self._tracks)
        columns: dict[str, list[Any]] = {
            "metric": [name for name in self._metrics for _ in range(n_tracks)],
            "track": list(self._tracks) * len(self._metrics),
        }
        parts: dict[str, list[np.ndarray]] = {
            key: [] for key in ("count", "n_nan", "mean", "std", "min", "max", "q05", "q50", "q95")
        }
        for name in self._metrics:
            for key in ("count", "n_nan", "mean", "min", "max"):
                parts[key].append(self._stats[name][key])
            parts["std"].append(self.std(name))
            quantiles = self.quantile(name, [0.05, 0.5, 0.95])
            for key, row in zip(("q05", "q50", "q95"), quantiles, strict=True):
                parts[key].append(row)
        frame = {**columns, **{key: np.concatenate(arrays) for key, arrays in parts.items()}}
        return pd.DataFrame(frame)

    # ---- merge ---------------------------------------------------------------------------

    def merge(self, other: DatasetProfile) -> DatasetProfile:
        """The profile of this set followed by ``other``'s, as a new profile.

        Counts, minima, maxima and histograms equal those of the concatenated data exactly;
        means and standard deviations up to float rounding (Chan et al.'s parallel update of
        ``mean`` and ``m2``). The reservoir is a uniform sample of the union (a hypergeometric
        draw of how many come from each side, then a uniform subset of each side's reservoir),
        of capacity ``min(self.reservoir_size, other.reservoir_size)``, drawn with a generator
        seeded by both seeds and both sizes: merging is deterministic. The result keeps this
        profile's seed and version. Neither profile is changed.

        Raises
        ------
        ValueError
            When the profiles differ in metrics, track names or counts, pitch axis, ``n_steps``,
            conventions or histogram edges; the message names what differs and both values.
        TypeError
            When ``other`` is not a :class:`DatasetProfile`.
        """
        if not isinstance(other, DatasetProfile):
            raise TypeError(f"other must be a DatasetProfile; got {type(other).__name__}")
        self._check_compatible(other)
        stats = {
            name: _merge_stats(self._stats[name], other._stats[name]) for name in self._metrics
        }
        capacity = min(self._reservoir_size, other._reservoir_size)
        rng = np.random.default_rng([self._seed, other._seed, self._n_samples, other._n_samples])
        samples = _merge_reservoirs(
            self._samples, self._n_samples, other._samples, other._n_samples, capacity, rng
        )
        return DatasetProfile(
            metrics=self._metrics,
            tracks=self._tracks,
            conventions=self._conventions,
            n_samples=self._n_samples + other._n_samples,
            n_steps=self._n_steps,
            n_pitches=self._n_pitches,
            lowest_pitch=self._lowest_pitch,
            statistics=stats,
            samples=samples,
            reservoir_size=capacity,
            seed=self._seed,
            version=self._version,
        )

    def _check_compatible(self, other: DatasetProfile) -> None:
        def differ(what: str, mine: Any, theirs: Any) -> ValueError:
            return ValueError(f"cannot merge profiles with different {what}: {mine} != {theirs}")

        if self._metrics != other._metrics:
            raise differ("metrics", list(self._metrics), list(other._metrics))
        if len(self._tracks) != len(other._tracks):
            raise differ(
                "numbers of tracks",
                f"{len(self._tracks)} {list(self._tracks)}",
                f"{len(other._tracks)} {list(other._tracks)}",
            )
        if self._tracks != other._tracks:
            raise differ("track names", list(self._tracks), list(other._tracks))
        mine = (self._n_pitches, self._lowest_pitch)
        theirs = (other._n_pitches, other._lowest_pitch)
        if mine != theirs:
            raise differ(
                "pitch axes (n_pitches, lowest_pitch)",
                f"n_pitches={mine[0]}, lowest_pitch={mine[1]}",
                f"n_pitches={theirs[0]}, lowest_pitch={theirs[1]}",
            )
        if self._n_steps != other._n_steps:
            raise differ("n_steps", f"n_steps={self._n_steps}", f"n_steps={other._n_steps}")
        if self._conventions != other._conventions:
            keys = [k for k in self._conventions if self._conventions[k] != other._conventions[k]]
            raise differ(
                "conventions",
                ", ".join(f"{k}={self._conventions[k]!r}" for k in keys),
                ", ".join(f"{k}={other._conventions[k]!r}" for k in keys),
            )
        for name in self._metrics:
            mine_edges, theirs_edges = self._stats[name]["edges"], other._stats[name]["edges"]
            if not np.array_equal(mine_edges, theirs_edges):
                raise differ(
                    f"histogram edges for {name}",
                    _describe_edges(mine_edges),
                    _describe_edges(theirs_edges),
                )

    # ---- save / load ---------------------------------------------------------------------

    def to_json_dict(self) -> dict[str, Any]:
        """The profile as a JSON-ready dict (the content of :meth:`save`'s file).

        Non-finite floats are the strings ``"nan"``, ``"inf"`` and ``"-inf"``.
        """
        statistics = {}
        for name in self._metrics:
            stats = self._stats[name]
            entry: dict[str, Any] = {field: stats[field].tolist() for field in _INT_FIELDS}
            entry.update({field: _encode(stats[field]) for field in _FLOAT_FIELDS})
            entry["histogram"] = {
                "edges": _encode(stats["edges"]),
                "counts": stats["histogram"].tolist(),
            }
            statistics[name] = entry
        return {
            "schema": SCHEMA,
            "version": SCHEMA_VERSION,
            "musiceval_version": self._version,
            "metrics": list(self._metrics),
            "tracks": list(self._tracks),
            "conventions": self.conventions,
            "n_samples": self._n_samples,
            "n_steps": self._n_steps,
            "n_pitches": self._n_pitches,
            "lowest_pitch": self._lowest_pitch,
            "reservoir_size": self._reservoir_size,
            "seed": self._seed,
            "statistics": statistics,
            "samples": {name: _encode(self._samples[:, m]) for m, name in enumerate(self._metrics)},
        }

    @classmethod
    def from_json_dict(
        cls, document: Mapping[str, Any], *, source: str = "document"
    ) -> DatasetProfile:
        """Rebuild a profile from :meth:`to_json_dict`'s dict, checking schema and version.

        Raises
        ------
        ValueError
            When ``document`` is not a musiceval profile, has another schema version, or is
            malformed; the message names ``source``.
        """
        if not isinstance(document, Mapping) or document.get("schema") != SCHEMA:
            schema = document.get("schema") if isinstance(document, Mapping) else None
            raise ValueError(
                f"{source} is not a musiceval profile: expected schema {SCHEMA!r}, got {schema!r}"
            )
        if document.get("version") != SCHEMA_VERSION:
            raise ValueError(
                f"{source} holds a musiceval profile of schema version "
                f"{document.get('version')!r}; this musiceval reads version {SCHEMA_VERSION} "
                f"only (recompute the profile with this version)"
            )
        try:
            metrics = list(document["metrics"])
            statistics = {}
            for name in metrics:
                entry = document["statistics"][name]
                stats: dict[str, Any] = {field: entry[field] for field in _INT_FIELDS}
                stats.update({field: _decode(entry[field]) for field in _FLOAT_FIELDS})
                stats["edges"] = _decode(entry["histogram"]["edges"])
                stats["histogram"] = entry["histogram"]["counts"]
                statistics[name] = stats
            samples = np.stack([_decode(document["samples"][name]) for name in metrics], axis=1)
            return cls(
                metrics=metrics,
                tracks=document["tracks"],
                conventions=document["conventions"],
                n_samples=document["n_samples"],
                n_steps=document["n_steps"],
                n_pitches=document["n_pitches"],
                lowest_pitch=document["lowest_pitch"],
                statistics=statistics,
                samples=samples,
                reservoir_size=document["reservoir_size"],
                seed=document["seed"],
                version=document["musiceval_version"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            what = f"missing field {exc}" if isinstance(exc, KeyError) else str(exc)
            raise ValueError(f"{source} is a malformed musiceval profile: {what}") from exc

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the profile as human-readable, versioned JSON, atomically.

        The file is ``{"schema": "musiceval.profile", "version": 1, ...}`` (see
        :meth:`to_json_dict`). It is written to a temporary file in the same directory, then
        renamed over ``path``: an interrupted save leaves no file behind and an existing file
        intact. The directory must exist.
        """
        text = _dumps(self.to_json_dict()) + "\n"
        atomic_write(_check_path(path), lambda file: file.write(text))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> DatasetProfile:
        """Read a profile written by :meth:`save` (plain JSON; nothing is unpickled).

        Raises
        ------
        ValueError
            When the file is not JSON, not a musiceval profile, of another schema version, or
            malformed.
        """
        path = _check_path(path)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path} is not a JSON musiceval profile: {exc}") from exc
        return cls.from_json_dict(document, source=str(path))

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
            and _same_array(self._samples, other._samples)
        )
        return same and all(
            _same_array(self._stats[name][field], other._stats[name][field])
            for name in self._metrics
            for field in self._stats[name]
        )

    def __repr__(self) -> str:
        return (
            f"DatasetProfile({self._n_samples} samples of {self._n_steps} steps, "
            f"{len(self._metrics)} metrics, tracks {list(self._tracks)}, "
            f"{self.n_kept} kept)"
        )


# ---- helpers ---------------------------------------------------------------------------------


def _check_metrics(metrics: Sequence[str] | None) -> tuple[str, ...]:
    if isinstance(metrics, str):
        raise TypeError(f"metrics must be a list of metric names; got the string {metrics!r}")
    names = list(PER_TRACK if metrics is None else metrics)
    pairwise = [name for name in names if name in METRICS and METRICS[name].pairwise]
    if pairwise:
        raise ValueError(
            f"metrics must be per-track metrics; got the pairwise {pairwise} (profiles do not "
            f"hold track-pair metrics yet); choose from {list(PER_TRACK)}"
        )
    if not names or len(set(names)) < len(names) or not set(names) <= set(PER_TRACK):
        raise ValueError(
            f"metrics must be a non-empty list of distinct names from {list(PER_TRACK)}; "
            f"got {names!r}"
        )
    return tuple(names)


def _check_track_names(track_names: Sequence[str] | None, n_tracks: int) -> tuple[str, ...]:
    if track_names is None:
        return tuple(str(k) for k in range(n_tracks))
    if isinstance(track_names, str) or not all(isinstance(name, str) for name in track_names):
        raise TypeError(f"track_names must be a sequence of str; got {track_names!r}")
    names = tuple(track_names)
    if len(names) != n_tracks or len(set(names)) != len(names):
        raise ValueError(
            f"track_names must be {n_tracks} distinct names, one per track; got {list(names)}"
        )
    return names


def _check_path(path: Any) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"path must be a str or an os.PathLike; got {type(path).__name__}")
    return Path(path)


def _chunks(x: Any, layout: str, chunk_size: int) -> Iterator[Any]:
    """Slices of at most ``chunk_size`` samples (the whole input when it has no sample axis)."""
    chunkable = layout in ("NTPK", "NBSPK") and (isinstance(x, np.ndarray) or _is_torch_tensor(x))
    if not chunkable or x.ndim < 1 or x.shape[0] <= chunk_size:
        yield np.asarray(x) if isinstance(x, np.memmap) else x
        return
    for start in range(0, x.shape[0], chunk_size):
        chunk = x[start : start + chunk_size]
        yield np.asarray(chunk) if isinstance(chunk, np.memmap) else chunk


def _edges(name: str, n_steps: int, n_pitches: int) -> np.ndarray:
    """Histogram edges of metric ``name`` for samples of ``n_steps`` x ``n_pitches``."""
    spec = METRICS[name]
    if spec.kind in ("count", "pitch"):
        upper = spec.upper if math.isfinite(spec.upper) else n_pitches * ((n_steps + 1) // 2)
        return np.arange(int(spec.lower), int(upper) + 2, dtype=np.float64) - 0.5
    return np.linspace(spec.lower, spec.upper, N_RATE_BINS + 1)


def _conventions_dict(conventions: Conventions) -> dict[str, Any]:
    values = dataclasses.asdict(conventions)
    values["radii"] = [float(r) for r in conventions.radii]
    return values


def _partial(
    values: Mapping[str, np.ndarray],
    *,
    roll: Roll,
    tracks: tuple[str, ...],
    conventions: Conventions,
    edges: Mapping[str, np.ndarray],
    reservoir_size: int,
    rng: np.random.Generator,
    seed: int,
    version: str,
) -> DatasetProfile:
    """The profile of one chunk's metric values."""
    names = list(values)
    samples = np.stack([values[name] for name in names], axis=1)
    if len(samples) > reservoir_size:
        samples = samples[np.sort(rng.choice(len(samples), reservoir_size, replace=False))]
    return DatasetProfile(
        metrics=names,
        tracks=tracks,
        conventions=_conventions_dict(conventions),
        n_samples=roll.n_samples,
        n_steps=roll.n_steps,
        n_pitches=roll.n_pitches,
        lowest_pitch=roll.lowest_pitch,
        statistics={name: _statistics(values[name], edges[name]) for name in names},
        samples=samples,
        reservoir_size=reservoir_size,
        seed=seed,
        version=version,
    )


def _statistics(values: np.ndarray, edges: np.ndarray) -> dict[str, np.ndarray]:
    """Sufficient statistics of ``(n_samples, n_tracks)`` values, per track."""
    v = np.ascontiguousarray(values.T, dtype=np.float64)  # reduce along contiguous rows
    nan = np.isnan(v)
    count = v.shape[1] - nan.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(nan, 0.0, v).sum(axis=1) / count  # NaN where count is 0
        deviations = np.where(nan, 0.0, v - mean[:, None])
    m2 = (deviations * deviations).sum(axis=1)
    defined = count > 0
    low = np.where(defined, np.where(nan, np.inf, v).min(axis=1, initial=np.inf), np.nan)
    high = np.where(defined, np.where(nan, -np.inf, v).max(axis=1, initial=-np.inf), np.nan)
    n_bins = len(edges) - 1
    clipped = np.clip(v, edges[0], edges[-1])  # a bound exceeded by rounding: the outer bin
    bins = np.minimum(np.searchsorted(edges, clipped, side="right") - 1, n_bins - 1)
    flat = (bins + n_bins * np.arange(len(v))[:, None])[~nan]
    histogram = np.bincount(flat, minlength=len(v) * n_bins).reshape(len(v), n_bins)
    return {
        "count": count.astype(np.int64),
        "n_nan": nan.sum(axis=1).astype(np.int64),
        "mean": mean,
        "m2": m2,
        "min": low,
        "max": high,
        "edges": edges,
        "histogram": histogram.astype(np.int64),
    }


def _merge_stats(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Chan et al.'s parallel update of (count, mean, m2), and the exact sums and extrema."""
    na, nb = a["count"], b["count"]
    n = na + nb
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = b["mean"] - a["mean"]
        mean = np.where(
            na == 0, b["mean"], np.where(nb == 0, a["mean"], a["mean"] + delta * nb / n)
        )
        m2 = np.where(
            na == 0,
            b["m2"],
            np.where(nb == 0, a["m2"], a["m2"] + b["m2"] + delta * delta * (na / n * nb)),
        )
    return {
        "count": n,
        "n_nan": a["n_nan"] + b["n_nan"],
        "mean": mean,
        "m2": m2,
        "min": np.fmin(a["min"], b["min"]),
        "max": np.fmax(a["max"], b["max"]),
        "edges": a["edges"],
        "histogram": a["histogram"] + b["histogram"],
    }


def _merge_reservoirs(
    a: np.ndarray, na: int, b: np.ndarray, nb: int, capacity: int, rng: np.random.Generator
) -> np.ndarray:
    """A uniform sample of ``min(capacity, na + nb)`` of the union of two sets.

    ``a`` is a uniform sample of a set of ``na`` samples (all of them when ``len(a) == na``),
    ``b`` likewise. How many come from each side is hypergeometric; each side's share is a
    uniform subset of its sample, kept in order.
    """
    if len(a) == na and len(b) == nb and na + nb <= capacity:
        return np.concatenate([a, b])
    k = min(capacity, na + nb)
    from_a = int(rng.hypergeometric(na, nb, k))
    keep_a = np.sort(rng.choice(len(a), from_a, replace=False))
    keep_b = np.sort(rng.choice(len(b), k - from_a, replace=False))
    return np.concatenate([a[keep_a], b[keep_b]])


def _describe_edges(edges: np.ndarray) -> str:
    return f"{len(edges) - 1} bins over [{float(edges[0])!r}, {float(edges[-1])!r}]"


def _int_array(values: Any, what: str) -> np.ndarray:
    array = np.array(values)
    if array.size and array.dtype.kind not in "iu":
        raise ValueError(f"{what} must hold integers; got dtype {array.dtype}")
    return array.astype(np.int64)


def _frozen(array: np.ndarray, what: str, shape: tuple[int, ...]) -> np.ndarray:
    if array.shape != shape:
        raise ValueError(f"{what} must have shape {shape}; got {array.shape}")
    array = np.array(array)  # own the data
    array.flags.writeable = False
    return array


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype:
        return False
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def _encode(array: np.ndarray) -> Any:
    """Nested lists of floats with the non-finite ones as "nan", "inf" or "-inf"."""
    encoded = np.asarray(array, dtype=np.float64).astype(object)
    encoded[np.isnan(array)] = "nan"
    encoded[np.isposinf(array)] = "inf"
    encoded[np.isneginf(array)] = "-inf"
    return encoded.tolist()


def _decode(values: Any) -> np.ndarray:
    """Inverse of :func:`_encode`."""

    def one(value: Any) -> float:
        if isinstance(value, str) and value in _NON_FINITE:
            return _NON_FINITE[value]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"expected a number, 'nan', 'inf' or '-inf'; got {value!r}")
        return float(value)

    def walk(item: Any) -> Any:
        return [walk(v) for v in item] if isinstance(item, list) else one(item)

    return np.array(walk(values), dtype=np.float64)


def _dumps(value: Any, depth: int = 0) -> str:
    """JSON with one entry per line, except that lists of scalars stay on one line."""
    indent = "  " * (depth + 1)
    close = "  " * depth
    if isinstance(value, dict) and value:
        items = [f"{indent}{json.dumps(k)}: {_dumps(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + close + "}"
    if isinstance(value, list) and any(isinstance(v, list | dict) for v in value):
        items = [indent + _dumps(v, depth + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + close + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False)
