"""Compare a generated set with a reference :class:`~musiceval.profiles.DatasetProfile`.

:func:`compare` computes the profile's metrics on the generated piano rolls, with the profile's
conventions, and returns a :class:`Report`: per metric and track, the reference and generated
means and standard deviations, their difference, the z-score of the generated mean, the
fraction of generated samples inside the reference's 5-95% range, the overlapping area and KL
divergence of KDE-smoothed distributions, mgeval's intra-set/inter-set comparison, and one
overall number, the Fréchet distance between Gaussian fits of the per-sample metric vectors.

A report is read as a table (:meth:`Report.to_frame`, :meth:`Report.to_markdown`) or saved as
``report.md``, ``report.csv``, ``report.json``, a self-contained ``report.html`` and PNG figures
(:meth:`Report.save`; the figures need matplotlib, ``pip install "musiceval[plot]"``); the
directory is replaced whole or not at all.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from musiceval import _documents, distances
from musiceval import _report_text as report_text
from musiceval._atomic import atomic_directory
from musiceval._batches import iter_batches
from musiceval._checks import check_choice, check_instance, check_int, check_path, invalid
from musiceval.evaluate import compute
from musiceval.exceptions import InvalidParameterError
from musiceval.io import load_rolls
from musiceval.profiles import DatasetProfile
from musiceval.registry import METRICS
from musiceval.rolls import LAYOUTS, Layout, read_roll

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "SCHEMA", "SCHEMA_VERSION", "Report", "compare"]

SCHEMA = "musiceval.report"
"""The ``schema`` field of ``report.json``."""

SCHEMA_VERSION = 1
"""The ``version`` field of ``report.json``; bumped when the layout of the file changes."""

COLUMNS = (
    "metric",
    "track",
    "reference_mean",
    "reference_std",
    "generated_mean",
    "generated_std",
    "difference",
    "z_score",
    "inside_reference_range",
    "overlap_area",
    "kl_divergence",
    "relative_overlap_area",
    "relative_kl_divergence",
    "n_generated",
    "n_generated_nan",
)
"""The columns of :meth:`Report.to_frame`, in order."""

_REPORT_FILE = re.compile(r"report\.(md|csv|json|html)|z_scores\.png|distribution_\w+\.png")
_RANGE = (0.05, 0.95)  # the reference range of ``inside_reference_range``
_CHUNK_SIZE = 4096


def compare(
    generated: Any,
    profile: DatasetProfile,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    npz_key: str | None = None,
    lowest_pitch: int | None = None,
    on_error: Literal["raise", "skip"] = "raise",
) -> Report:
    """Compare generated piano rolls with a reference profile.

    The profile's metrics are computed on ``generated`` with the profile's conventions
    (``steps_per_bar``, ``key``, ``mode``, ...) and its ``lowest_pitch``, so the two sets are
    measured alike.

    Parameters
    ----------
    generated : ndarray, torch.Tensor, pypianoroll.Multitrack, str or os.PathLike
        The generated rolls in ``layout``, or the path of a ``.npy`` file (memory-mapped, read
        chunk by chunk), an ``.npz`` file holding the roll under ``"pianoroll"`` (or
        ``npz_key``), a MIDI file or folder, or a Multitrack, as for :func:`musiceval.profile`;
        MIDI and Multitrack inputs are cut into samples of the profile's ``n_steps``.
    profile : DatasetProfile
        The reference profile (from :func:`musiceval.profile` or ``DatasetProfile.load``).
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of ``generated``.
    threshold : float, default=0.0
        A cell is active when ``value > threshold``.
    npz_key : str, optional
        Key of the roll in an ``.npz`` file; default ``"pianoroll"``.
    lowest_pitch : int, optional
        MIDI number of pitch index 0 of ``generated``; default: the profile's. A different
        value is refused (the metrics would not be comparable).
    on_error : {"raise", "skip"}, default="raise"
        For a folder of MIDI files: stop at an unreadable file, or skip it with one warning
        listing every skipped file (:func:`musiceval.io.load_midi_folder`).

    Returns
    -------
    Report
        The per-sample generated values and the profile.

    Raises
    ------
    ValueError
        The generated set has a different number of tracks or pitches than the profile, a
        different ``lowest_pitch``, or a different number of steps while a profiled metric
        depends on bars (``empty_bar_rate``, ``groove_consistency``, or any metric averaged per
        bar under ``per="bar"``); each message names both values. Also any error of
        :func:`musiceval.profile` on bad input (empty set, unknown file type, missing key).
    TypeError
        ``profile`` is not a :class:`DatasetProfile`.
    """
    check_instance("profile", profile, DatasetProfile, "a DatasetProfile")
    check_choice("layout", layout, LAYOUTS)
    if lowest_pitch is not None and check_int("lowest_pitch", lowest_pitch, minimum=0) != (
        profile.lowest_pitch
    ):
        raise InvalidParameterError(
            f"generated lowest_pitch={lowest_pitch} differs from the profile's "
            f"lowest_pitch={profile.lowest_pitch}; the pitch axes must match"
        )
    # MIDI and Multitrack inputs are cut into samples exactly as long as the profile's.
    x = load_rolls(
        generated,
        layout=layout,
        npz_key=npz_key,
        n_bars=1,
        steps_per_bar=profile.n_steps,
        steps_per_beat=profile.conventions["steps_per_beat"],
        on_error=on_error,
    )
    _check_shape(x, layout, profile)
    conventions = profile.conventions
    names = list(profile.metrics)
    parts: list[np.ndarray] = []
    for batch in iter_batches(x, layout, _CHUNK_SIZE, name="generated"):
        roll = read_roll(
            batch, layout=layout, threshold=threshold, lowest_pitch=profile.lowest_pitch,
            name="generated",
        )  # fmt: skip
        _check_roll(roll.n_steps, roll.n_pitches, roll.n_tracks, profile, conventions["per"])
        values = compute(roll, names, **conventions)  # an NBSPK input must agree on bars
        parts.append(np.stack([values[name] for name in names], axis=1))
        del batch, roll  # one batch in memory at a time
    return Report(profile, np.concatenate(parts, axis=0))


def _check_shape(x: Any, layout: str, profile: DatasetProfile) -> None:
    """Refuse a pitch or track count that differs from the profile's, before reading cells."""
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) != len(layout):
        return  # read_roll gives the error
    n_tracks = shape[layout.index("K")] if "K" in layout else 1
    _check_roll(None, shape[layout.index("P")], n_tracks, profile, None)


def _check_roll(
    n_steps: int | None, n_pitches: int, n_tracks: int, profile: DatasetProfile, per: str | None
) -> None:
    n_profiled = len(profile.tracks)
    if n_tracks != n_profiled:
        raise InvalidParameterError(
            f"the generated set has {n_tracks} track(s) but the profile has {n_profiled} "
            f"({', '.join(profile.tracks)}); expected the same tracks in the same order"
        )
    if n_pitches != profile.n_pitches:
        raise InvalidParameterError(
            f"the generated set has {n_pitches} pitches but the profile has "
            f"{profile.n_pitches} (lowest_pitch={profile.lowest_pitch}); expected the same "
            f"pitch axis"
        )
    if n_steps is None or n_steps == profile.n_steps:
        return
    by_bar = [
        name
        for name in profile.metrics
        if "bars" in METRICS[name].needs or (per == "bar" and METRICS[name].per_bar)
    ]
    if by_bar:
        raise InvalidParameterError(
            f"the generated set has {n_steps} steps per sample but the profile has "
            f"{profile.n_steps}; the metrics {by_bar} depend on the number of bars"
        )


class Report:
    """A generated set measured against a reference profile.

    Built by :func:`compare`. It holds the profile and the per-sample values of the generated
    set; every number is derived from them on demand (and cached; a report is immutable).

    Numbers, per metric and track (see :meth:`to_frame`):

    - ``reference_mean``, ``reference_std``: from the profile, over every reference sample with
      a defined value (population std, ``ddof=0``). NaN when no reference value is defined.
    - ``generated_mean``, ``generated_std``: the same over the generated samples, ignoring NaN
      (undefined) values. NaN when no generated value is defined.
    - ``difference``: ``generated_mean - reference_mean``, in the metric's unit. NaN when
      either mean is.
    - ``z_score``: the difference in reference standard deviations
      (:func:`musiceval.distances.z_score`); 0 is closest, ``|z| > 2`` is far. When the
      reference std is 0: 0 if the means are equal, else +-inf. NaN when a mean is NaN.
    - ``inside_reference_range``: the fraction of the defined generated values inside the
      reference's 5%-95% quantile range (closed; quantiles from the profile's reservoir). About
      0.9 for a set drawn like the reference. NaN when no generated value is defined or the
      reference has none in its reservoir.
    - ``overlap_area``, ``kl_divergence``: overlap (in [0, 1], higher is closer) and
      KL(reference || generated) (>= 0, lower is closer) of the KDE-smoothed distributions of
      the reference reservoir's values and the generated values, on one common grid
      (:func:`musiceval.distances.kde_comparison`). NaN when either side has fewer than 2
      defined values; constant features are handled exactly (equal: 1 and 0; different: 0 and
      inf).
    - ``relative_overlap_area``, ``relative_kl_divergence``: mgeval's relative comparison
      (:func:`musiceval.distances.relative_comparison`): the same two numbers between the
      distribution of reference-to-reference distances and that of generated-to-reference
      distances. NaN when the reference has fewer than 3 defined values or the generated set
      none.
    - ``n_generated``, ``n_generated_nan``: the generated samples with a defined value, and
      with an undefined (NaN) one.

    And overall, :attr:`frechet_distance`.

    Parameters
    ----------
    profile : DatasetProfile
        The reference.
    values : array-like of shape (n_generated, n_metrics, n_tracks)
        Per-sample metric values of the generated set, metrics in the profile's order (NaN
        where undefined).
    """

    __hash__ = None  # type: ignore[assignment]

    def __init__(self, profile: DatasetProfile, values: Any) -> None:
        check_instance("profile", profile, DatasetProfile, "a DatasetProfile")
        array = np.array(values, dtype=np.float64)
        expected = (len(profile.metrics), len(profile.tracks))
        if array.ndim != 3 or array.shape[1:] != expected or array.shape[0] == 0:
            raise invalid(
                "values",
                f"of shape (n_generated > 0, {expected[0]}, {expected[1]})",
                received=f"shape {array.shape}",
            )
        array.flags.writeable = False
        self._profile = profile
        self._values = array
        self._frame: pd.DataFrame | None = None
        self._frechet: float | None = None

    @property
    def profile(self) -> DatasetProfile:
        """The reference profile."""
        return self._profile

    @property
    def metrics(self) -> tuple[str, ...]:
        """The compared metrics (the profile's, in order)."""
        return self._profile.metrics

    @property
    def tracks(self) -> tuple[str, ...]:
        """The track names (the profile's)."""
        return self._profile.tracks

    @property
    def n_generated(self) -> int:
        """Number of generated samples."""
        return self._values.shape[0]

    def samples(self, metric: str | None = None) -> np.ndarray:
        """Per-sample generated values: ``(n_generated, n_tracks)`` for one metric,
        ``(n_generated, n_metrics, n_tracks)`` for all; NaN where undefined (a copy)."""
        if metric is None:
            return self._values.copy()
        check_choice("metric", metric, self.metrics)
        return self._values[:, self.metrics.index(metric)].copy()

    @property
    def frechet_distance(self) -> float:
        """Squared Fréchet distance between Gaussian fits of the per-sample metric vectors.

        Each sample is one vector of every (metric, track) value; the reference vectors are the
        profile's reservoir. Features are standardised by the reference's std
        (:func:`musiceval.distances.frechet_distance`, ``standardize=True``), so the distance is
        in squared reference standard deviations: 0 for identical sets, larger is farther.
        Samples with any undefined (NaN) value are left out; NaN when fewer than 2 samples of
        either set remain.
        """
        if self._frechet is None:
            reference = self._profile.samples()
            generated = self._values
            self._frechet = float(
                distances.frechet_distance(
                    reference.reshape(len(reference), -1), generated.reshape(len(generated), -1)
                )
            )
        return self._frechet

    def to_frame(self) -> pd.DataFrame:
        """One row per metric and track (profile's metric order, then the data's track order).

        Returns
        -------
        pandas.DataFrame
            The columns :data:`COLUMNS`: ``metric`` and ``track`` (the track name) as str, the
            counts ``n_generated`` and ``n_generated_nan`` as int64, every other column float64
            (meanings and NaN cases in the class docstring). A new frame on each call.
        """
        if self._frame is None:
            self._frame = self._build_frame()
        return self._frame.copy()

    def _build_frame(self) -> pd.DataFrame:
        import pandas as pd

        rows: list[dict[str, Any]] = []
        profile = self._profile
        for i, metric in enumerate(self.metrics):
            reference_mean = profile.mean(metric)
            reference_std = profile.std(metric)
            low, high = profile.quantile(metric, _RANGE)
            reference_samples = profile.samples(metric)
            for k, track in enumerate(self.tracks):
                values = self._values[:, i, k]
                defined = values[~np.isnan(values)]
                if defined.size:
                    generated_mean = float(np.mean(defined))
                    generated_std = float(np.std(defined))
                else:
                    generated_mean = generated_std = math.nan
                overlap, divergence = distances.kde_comparison(reference_samples[:, k], values)
                relative = distances.relative_comparison(reference_samples[:, k], values)
                rows.append(
                    {
                        "metric": metric,
                        "track": track,
                        "reference_mean": float(reference_mean[k]),
                        "reference_std": float(reference_std[k]),
                        "generated_mean": generated_mean,
                        "generated_std": generated_std,
                        "difference": generated_mean - float(reference_mean[k]),
                        "z_score": float(
                            distances.z_score(reference_mean[k], reference_std[k], generated_mean)
                        ),
                        "inside_reference_range": distances.fraction_inside(
                            values, float(low[k]), float(high[k])
                        ),
                        "overlap_area": overlap,
                        "kl_divergence": divergence,
                        "relative_overlap_area": relative["overlap_area"],
                        "relative_kl_divergence": relative["kl_divergence"],
                        "n_generated": int(defined.size),
                        "n_generated_nan": int(values.size - defined.size),
                    }
                )
        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        frame["metric"] = frame["metric"].astype(str)
        frame["track"] = frame["track"].astype(str)
        for column in COLUMNS[2:-2]:
            frame[column] = frame[column].astype(np.float64)
        for column in COLUMNS[-2:]:
            frame[column] = frame[column].astype(np.int64)
        return frame

    # ---- outputs ---------------------------------------------------------------------------

    def _summary_lines(self) -> list[str]:
        profile = self._profile
        options = ", ".join(f"{key}={value}" for key, value in profile.conventions.items())
        return [
            f"Generated samples: {self.n_generated}; reference samples: {profile.n_samples} "
            f"({profile.n_kept} in the reservoir).",
            f"Tracks: {', '.join(self.tracks)}; conventions: {options}.",
            f"Fréchet distance (squared, in reference standard deviations): "
            f"{report_text.format_cell(self.frechet_distance)}",
        ]

    def _table(self) -> tuple[list[str], list[list[str]]]:
        frame = self.to_frame()
        cells = [
            [report_text.format_cell(value) for value in row]
            for row in frame.itertuples(index=False)
        ]
        return list(frame.columns), cells

    def to_markdown(self) -> str:
        """The report as Markdown: a summary, the Fréchet distance and a table of
        :meth:`to_frame` (numbers to 4 significant digits; ``nan`` where undefined).

        Names (tracks, metrics) show as written: a pipe, backslash or backtick is escaped with a
        backslash, ``&``, ``<`` and ``>`` become HTML entities (no HTML of a track name reaches a
        Markdown viewer) and a line break becomes a space (one row per metric and track).
        """
        header, rows = self._table()
        return report_text.markdown(self._summary_lines(), header, rows)

    def to_json_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (``schema`` "musiceval.report", ``version`` 1).

        Non-finite numbers are the strings ``"nan"``, ``"inf"`` and ``"-inf"``, as in profile
        files. ``rows`` holds the records of :meth:`to_frame`.
        """
        profile = self._profile
        records = self.to_frame().to_dict(orient="records")  # encoded by document()
        body = {
            "n_generated": self.n_generated,
            "reference": {
                "n_samples": profile.n_samples,
                "n_kept": profile.n_kept,
                "n_steps": profile.n_steps,
                "n_pitches": profile.n_pitches,
                "lowest_pitch": profile.lowest_pitch,
                "metrics": list(profile.metrics),
                "tracks": list(profile.tracks),
                "conventions": profile.conventions,
                "version": profile.version,
            },
            "frechet_distance": self.frechet_distance,
            "columns": list(COLUMNS),
            "rows": records,
        }
        return _documents.document(SCHEMA, SCHEMA_VERSION, body)

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write the report into ``directory``, all files or none.

        Files: ``report.md`` (:meth:`to_markdown`), ``report.csv`` (:meth:`to_frame`, no
        index), ``report.json`` (:meth:`to_json_dict`), ``report.html`` (self-contained: the
        table and every figure embedded as a base64 data URI), ``distribution_<metric>.png``
        per metric (reference reservoir against generated values, per track, with the
        reference mean; :func:`musiceval.plot.plot_distributions`) and ``z_scores.png``
        (:func:`musiceval.plot.plot_z_scores`).

        The files are written into a temporary sibling directory that then replaces
        ``directory`` (:func:`musiceval._atomic.atomic_directory`): an interrupted or failed
        save leaves the previous contents as they were, never a mix of old and new files. A
        directory that could not be replaced whole (not writable) is refused before anything
        is written; a symbolic link to a directory is followed (the link stays).

        Without matplotlib, the Markdown, CSV, JSON and HTML files are written without figures,
        with one ``RuntimeWarning`` saying that the figures need ``musiceval[plot]``.

        Parameters
        ----------
        directory : str or os.PathLike
            A new directory (parents are created), an empty one, or one holding an earlier
            report (only the files listed above), which is replaced.

        Returns
        -------
        pathlib.Path
            ``directory``.

        Raises
        ------
        ValueError
            ``directory`` holds files a report does not write (they would be lost); the
            message lists some of them.
        PermissionError
            ``directory`` exists but may not be written to (nothing is changed).
        """
        from musiceval.plot._base import INSTALL_HINT, has_matplotlib

        root = check_path("directory", directory)
        _check_report_directory(root)
        drawing = has_matplotlib()
        frame = self.to_frame()
        with atomic_directory(root) as temporary:
            figures = self._draw(frame, temporary) if drawing else []
            frame.to_csv(temporary / "report.csv", index=False)
            (temporary / "report.md").write_text(self.to_markdown(), encoding="utf-8")
            json_text = _documents.dumps(self.to_json_dict()) + "\n"
            (temporary / "report.json").write_text(json_text, encoding="utf-8")
            html_text = self._html([temporary / figure.name for figure in figures])
            (temporary / "report.html").write_text(html_text, encoding="utf-8")
        if not drawing:
            warnings.warn(
                f"Report.save wrote {root} without figures: they need matplotlib, which is not "
                f"installed ({INSTALL_HINT})",
                RuntimeWarning,
                stacklevel=2,
            )
        return root

    def _draw(self, frame: pd.DataFrame, directory: Path) -> list[Path]:
        """Write the figures of :meth:`save` into ``directory``; their paths."""
        from musiceval import plot

        figures = [plot.plot_z_scores(frame, directory / "z_scores.png")]
        for metric in self.metrics:
            figures.append(
                plot.plot_distributions(
                    self._profile.samples(metric),
                    self.samples(metric),
                    directory / f"distribution_{metric}.png",
                    metric=metric,
                    track_names=list(self.tracks),
                    reference_mean=self._profile.mean(metric),
                )
            )
        return figures

    def _html(self, figures: list[Path]) -> str:
        header, cells = self._table()
        return report_text.html_page(self._summary_lines(), header, cells, figures)

    def __repr__(self) -> str:
        return (
            f"Report(n_generated={self.n_generated}, metrics={len(self.metrics)}, "
            f"tracks={list(self.tracks)}, reference_samples={self._profile.n_samples})"
        )


def _check_report_directory(root: Path) -> None:
    """Refuse to replace a directory that holds anything but a report's own files."""
    if not root.is_dir():
        return
    foreign = sorted(
        item.name
        for item in root.iterdir()
        if not (item.is_file() and _REPORT_FILE.fullmatch(item.name))
    )
    if foreign:
        raise InvalidParameterError(
            f"directory {str(root)!r} holds files a report does not write ({foreign[:5]}); "
            f"choose a new or empty directory (saving replaces the whole directory)"
        )
