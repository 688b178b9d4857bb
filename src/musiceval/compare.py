"""Compare a generated set with a reference :class:`~musiceval.profiles.DatasetProfile`.

:func:`compare` computes the profile's metrics on the generated piano rolls, with the profile's
conventions, and returns a :class:`Report`: per metric and track, the reference and generated
means and standard deviations, their difference, the z-score of the generated mean, the
fraction of generated samples inside the reference's 5-95% range, the overlapping area and KL
divergence of KDE-smoothed distributions, mgeval's intra-set/inter-set comparison, and one
overall number, the Fréchet distance between Gaussian fits of the per-sample metric vectors.
Vector-valued metrics of the profile (histograms, transition matrices) are compared per track by
a distribution distance (:meth:`Report.vector_distances`); a profile of vector-valued metrics
only gives a report of those (and of the originality) without per-metric table or set-level
numbers.

A report is read as a table (:meth:`Report.to_frame`, :meth:`Report.to_markdown`) or saved as
``report.md``, ``report.csv``, ``report.json``, a self-contained ``report.html`` and PNG figures
(:meth:`Report.save`; the figures need matplotlib, ``pip install "musiceval[plot]"``); the
directory is replaced whole or not at all.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from musiceval import _documents
from musiceval import _report_figures as report_figures
from musiceval import _report_stats as report_stats
from musiceval import _report_text as report_text
from musiceval._atomic import atomic_directory
from musiceval._checks import (
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_path,
    invalid,
)
from musiceval._compare_checks import check_report_directory, check_shape
from musiceval._compare_measure import measure
from musiceval._report_columns import COLUMNS, LEGEND, VECTOR_COLUMNS, VECTOR_LEGEND
from musiceval._report_set_level import SetLevel
from musiceval._report_sets import set_options
from musiceval._report_summary import no_scalar_line, summary_lines
from musiceval._report_vectors import VectorComparison
from musiceval.exceptions import InvalidParameterError
from musiceval.io import Metre, load_rolls
from musiceval.profiles import DatasetProfile
from musiceval.rolls import LAYOUTS, Layout

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS", "LEGEND", "SCHEMA", "SCHEMA_VERSION", "VECTOR_COLUMNS", "VECTOR_LEGEND", "Report",
    "compare",
]  # fmt: skip

SCHEMA = "musiceval.report"
"""The ``schema`` field of ``report.json``."""

SCHEMA_VERSION = 1
"""The ``version`` field of ``report.json``; bumped when the layout of the file changes."""

_RANGE = (0.05, 0.95)  # the reference range of ``inside_reference_range``


def compare(
    generated: Any,
    profile: DatasetProfile,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    npz_key: str | None = None,
    lowest_pitch: int | None = None,
    on_error: Literal["raise", "skip"] = "raise",
    metre: Metre = "file",
    n_boot: int | None = 100,
    seed: int = 0,
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
        MIDI and Multitrack inputs are cut into samples of the profile's ``n_steps``: whole
        bars of the profile's ``steps_per_bar``.
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
    metre : {"file", "ignore"}, default="file"
        How MIDI inputs are cut into bars: at the files' bar lines (bars of another length
        than the profile's ``steps_per_bar`` are left out, with a warning), or from the first
        tick (``"ignore"``, musiceval 0.1.0's cut); see :func:`musiceval.io.load_rolls`.
    n_boot : int or None, default=100
        Replicates of the half-sampling interval of every set-level number
        (:meth:`Report.set_distances`); None: estimates without intervals (faster).
    seed : int, default=0
        Seed of those intervals and of the random subsets of FD-infinity and KID.

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
    set_options(n_boot, seed)  # checked before the metrics are computed
    if lowest_pitch is not None and check_int("lowest_pitch", lowest_pitch, minimum=0) != (
        profile.lowest_pitch
    ):
        raise InvalidParameterError(
            f"generated lowest_pitch={lowest_pitch} differs from the profile's "
            f"lowest_pitch={profile.lowest_pitch}; the pitch axes must match"
        )
    # MIDI and Multitrack inputs are cut into samples exactly as long as the profile's, of its
    # bars where they divide the samples (else of one bar as long as a sample)
    bar = profile.conventions["steps_per_bar"] or profile.n_steps
    bar = bar if profile.n_steps % bar == 0 else profile.n_steps
    x = load_rolls(
        generated,
        layout=layout,
        npz_key=npz_key,
        n_bars=profile.n_steps // bar,
        steps_per_bar=bar,
        steps_per_beat=profile.conventions["steps_per_beat"],
        on_error=on_error,
        metre=metre,
    )
    check_shape(x, layout, profile)
    values, vectors, copies = measure(x, profile, layout, threshold)
    return Report(profile, values, n_boot=n_boot, seed=seed, copied_bars=copies, vectors=vectors)


class Report:
    """A generated set measured against a reference profile.

    Built by :func:`compare`. It holds the profile and the per-sample values of the generated
    set; every number is derived from them on demand (and cached; a report is immutable).

    Numbers, per metric and track (see :meth:`to_frame`):

    - ``reference_mean``, ``reference_std``: from the profile, over every reference sample with
      a defined value (population std, ``ddof=0``). NaN when no reference value is defined, and
      for a circular metric (``best_key``, a pitch class: see ``reference_mode``).
    - ``generated_mean``, ``generated_std``: the same over the generated samples, ignoring NaN
      (undefined) values. NaN when no generated value is defined.
    - ``difference``: ``generated_mean - reference_mean``, in the metric's unit. NaN when
      either mean is.
    - ``z_score``: the difference in reference standard deviations
      (:func:`musiceval.distances.z_score`); 0 is closest, ``|z| > 2`` is far. When the
      reference std is 0: 0 if the means are equal, else +-inf. NaN when a mean is NaN.
    - ``robust_z_score``: the difference in robust reference standard deviations,
      ``max(reference_std, resolution)``, the resolution being the metric's smallest positive
      step between two distinct values of the reservoir and the generated set (all tracks): a
      reference that (almost) never varies gives a z of a few units per step, not +-inf or
      thousands. Equal to ``z_score`` when the std exceeds one step.
    - ``inside_reference_range``: the fraction of the defined generated values inside the
      reference's 5%-95% quantile range (closed; quantiles from the profile's reservoir). About
      0.9 for a set drawn like the reference. NaN when no generated value is defined or the
      reference has none in its reservoir.
    - ``comparison``: ``"mass"`` for a discrete track (the reservoir takes at most 16 distinct
      values, or the metric is circular), ``"kde"`` otherwise: how the next four are computed.
    - ``overlap_area``, ``kl_divergence``: overlap (in [0, 1], higher is closer) and
      KL(reference || generated) (>= 0, lower is closer) of the distributions of the reference
      reservoir's values and the generated values: KDE-smoothed on one common grid
      (:func:`musiceval.distances.kde_comparison`), or as the shares of each distinct value
      (:func:`musiceval.distances.mass_comparison`) for a discrete track. NaN when either side
      has fewer than 2 defined values; constant features are handled exactly under
      ``"kde"`` (equal: 1 and 0; different: 0 and inf).
    - ``relative_overlap_area``, ``relative_kl_divergence``: mgeval's relative comparison
      (:func:`musiceval.distances.relative_comparison`): the same two numbers between the
      distribution of reference-to-reference distances and that of generated-to-reference
      distances (as mass for a discrete track). NaN when the reference has fewer than 3
      defined values or the generated set none.
    - ``reference_mode``, ``generated_mode``, ``reference_spread``, ``generated_spread``: for a
      circular metric only (NaN otherwise), the most common pitch class and the circular
      variance ``1 - R`` (R the length of the mean of e^(2 pi i k / 12); 0: one key, 1:
      balanced around the circle).
    - ``n_generated``, ``n_generated_nan``: the generated samples with a defined value, and
      with an undefined (NaN) one.

    And overall, :attr:`frechet_distance` and :attr:`frechet_distance_robust`. A profile
    without scalar metrics (``profile.metrics`` empty, vector-valued ones only) gives a table
    without rows, NaN distances and set-level numbers; its :meth:`vector_distances` and
    :meth:`originality` are measured as with scalar metrics.

    Parameters
    ----------
    profile : DatasetProfile
        The reference.
    values : array-like of shape (n_generated, n_metrics, n_tracks)
        Per-sample metric values of the generated set, metrics in the profile's order (NaN
        where undefined); ``(n_generated, 0, n_tracks)`` for a profile without scalar metrics.
    vectors : mapping, optional
        Each of the profile's ``vector_metrics`` -> its generated values, ``(n_generated,
        n_tracks, *shape)`` (:meth:`vector_distances`); default: no vector metric compared.
    """

    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self,
        profile: DatasetProfile,
        values: Any,
        *,
        n_boot: int | None = 100,
        seed: int = 0,
        copied_bars: np.ndarray | None = None,
        vectors: Mapping[str, Any] | None = None,
    ) -> None:
        check_instance("profile", profile, DatasetProfile, "a DatasetProfile")
        self._set_options = set_options(n_boot, seed)
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
        self._frechet_robust: float | None = None
        copied = np.zeros((len(array), 0)) if copied_bars is None else copied_bars
        self._set_level = SetLevel(profile, array, copied, self._set_options)
        self._vector_part = VectorComparison(profile, vectors, len(array))

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
        either set remain, and when the profile holds no scalar metric (no feature).
        """
        if self._frechet is None:
            self._frechet = self._set_level.frechet()
        return self._frechet

    @property
    def frechet_distance_robust(self) -> float:
        """The squared Fréchet distance with each feature in robust reference standard
        deviations, and without circular metrics.

        As :attr:`frechet_distance`, but each (metric, track) feature is divided by
        ``max(reference std, resolution)`` (the rule of ``robust_z_score``, with the std of the
        reservoir rows, ``ddof=1``, as :attr:`frechet_distance` standardises; 1 for a feature
        that takes one value in both sets) instead of its std, and circular metrics
        (``best_key``), which a Gaussian on a line does not fit, are left out (NaN when no other
        scalar metric is profiled, none at all included). A feature on which the reference
        barely varies then adds about (steps apart)**2, not millions.
        """
        if self._frechet_robust is None:
            self._frechet_robust = report_stats.robust_frechet_distance(
                self._profile.samples(), self._values, self.metrics
            )
        return self._frechet_robust

    def to_frame(self) -> pd.DataFrame:
        """One row per metric and track (profile's metric order, then the data's track order).

        Returns
        -------
        pandas.DataFrame
            The columns :data:`COLUMNS`: ``metric`` and ``track`` (the track name) as str, the
            counts ``n_generated`` and ``n_generated_nan`` as int64, every other column float64
            (meanings and NaN cases in the class docstring). No row, the same columns, when
            the profile holds no scalar metric. A new frame on each call.
        """
        if self._frame is None:
            self._frame = report_stats.report_frame(self._profile, self._values, _RANGE)
        return self._frame.copy()

    def set_distances(self) -> pd.DataFrame:
        """The generated set against the reference as wholes, with intervals.

        Each sample is one vector of every (metric, track) value (the reference's: the
        profile's reservoir); samples with an undefined value are left out. Rows: the Fréchet
        distance (sample, Ledoit-Wolf and OAS covariances; the first is
        :attr:`frechet_distance`), FD-infinity, precision, recall, density and coverage
        (k = 5), KID, the median per-piece distance and the nearest-neighbour ratio
        (:func:`musiceval.distances.nearest_neighbour_distances`), each with a seeded
        half-sampling interval (:func:`musiceval.distances.bootstrap_interval`,
        ``interval="half"``; ``n_boot`` replicates, see :func:`compare`) except FD-infinity.

        Returns
        -------
        pandas.DataFrame
            Columns ``statistic``, ``estimate``, ``low``, ``high``, ``closer`` (``"lower"``,
            ``"higher"`` or ``"near 1"``); NaN where undefined (too few samples; every
            estimate when the profile holds no scalar metric, the rows stay) or without
            intervals. A new frame on each call.
        """
        return self._set_level.distances()

    def originality(self) -> pd.DataFrame:
        """How much of the generated set the training set holds (``docs/originality.md``).

        Measured when the profile holds an index of the training bars (``profile(...,
        bar_index=True)``): ``bar_match_rate`` and ``bar_match_rate_transposed`` (the share of
        the generated non-empty bars, all tracks together, found in the training set as
        written and up to transposition, pooled over bars, with half-sampling intervals over
        the samples) and ``longest_copied_run`` (bars, the maximum over samples). The bars are
        compared as written, whatever metrics the profile holds (vector-valued only too).

        Returns
        -------
        pandas.DataFrame
            The columns of :meth:`set_distances`; no row without an index.
        """
        return self._set_level.originality()

    def comparison_intervals(self) -> pd.DataFrame:
        """``overlap_area`` and ``kl_divergence`` of every metric and track (the values of
        :meth:`to_frame`) with half-sampling intervals of the generated values (the profile's
        side fixed): ``overlap_area_low``, ``overlap_area_high``, ``kl_divergence_low``,
        ``kl_divergence_high`` (NaN without ``n_boot`` or with fewer than 4 defined values);
        no row when the profile holds no scalar metric. About 2 s for 14 metrics x 4 tracks
        with 100 replicates; a new frame on each call."""
        return self._set_level.intervals()

    def vector_distances(self) -> pd.DataFrame:
        """The vector-valued metrics of the profile (``profile.vector_metrics``), one row per
        metric and track: columns :data:`VECTOR_COLUMNS` (``n_generated`` and ``n_reference``,
        the samples whose vector is defined, int64; ``tv_distance``, ``overlap_area`` and
        ``kl_divergence`` float64), from :func:`musiceval.distances.distribution_comparison`
        of the reservoir and the generated vectors, with the profile's mean (over every
        reference sample) as the reference mean (``docs/distances.md``). No row when the
        profile holds no vector metric. A new frame on each call."""
        return self._vector_part.frame()

    # ---- outputs ---------------------------------------------------------------------------

    def _page(self) -> report_text.Page:
        frechet = (self.frechet_distance, self.frechet_distance_robust)
        summary = summary_lines(self._profile, self.n_generated, frechet, self._set_level)
        return report_text.Page(
            summary, self.to_frame(), LEGEND, self._profile.conventions,
            self._vector_part.sections(),
        )  # fmt: skip

    def to_markdown(self) -> str:
        """The report as Markdown: the rows furthest from the reference in words, a summary,
        the Fréchet distance, a table of :meth:`to_frame` (numbers to 4 significant digits;
        ``nan`` where undefined) and a legend of every column and convention.

        Without a scalar metric in the profile, the summary says so in place of the Fréchet
        distance, and the page has no furthest rows, table or legend of its columns: the
        summary, the vector metrics' table, the legend.

        The furthest rows (5) are ranked by ``overlap_area``, lowest first (it stays meaningful
        where the reference does not vary and ``z_score`` is +-inf), ties by the larger
        ``|z_score|``, undefined overlaps last; each is one sentence, e.g. "alto
        in_scale_ratio: generated 0.71 vs reference 0.97 ± 0.03 (z = -8.20, overlap 0.05): far
        below" (``|z| >= 2`` is "far", ``1 <= |z| < 2`` "above"/"below", smaller "close").
        The legend gives :data:`LEGEND` for the columns and the meaning of each convention with
        its value (``key=0 (C)``).

        Names (tracks, metrics) show as written: a pipe, backslash or backtick is escaped with a
        backslash, ``&``, ``<`` and ``>`` become HTML entities (no HTML of a track name reaches a
        Markdown viewer) and a line break becomes a space (one row per metric and track).
        """
        return report_text.markdown(self._page())

    def to_text(self, *, width: int = 100, full: bool = False) -> str:
        """The report for a terminal, as ``musiceval compare`` prints it.

        The furthest rows in words and the summary (as in :meth:`to_markdown`), then a compact
        table: metric, track, reference mean ± std, generated mean, z-score and overlap area.
        Every line fits ``width`` characters: text is wrapped and long metric or track names
        are shortened with "…". Characters a terminal would act on (escape sequences) show as
        ``?``, line breaks as spaces. Then the vector metrics' table, if any; without a scalar
        metric, only the summary (which says so) and that table.

        Parameters
        ----------
        width : int, default=100
            The most characters per line (at least 60).
        full : bool, default=False
            Instead, every column of :meth:`to_frame` with names whole, then the legend; lines
            are as long as the table.

        Returns
        -------
        str
            The text, without a final newline.
        """
        width = check_int("width", width, minimum=60)
        return report_text.terminal(self._page(), width=width, full=check_bool("full", full))

    def to_json_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (``schema`` "musiceval.report", ``version`` 1).

        Non-finite numbers are the strings ``"nan"``, ``"inf"`` and ``"-inf"``, as in profile
        files. ``rows`` holds the records of :meth:`to_frame`; ``vector_distances`` (only when
        the profile holds vector metrics) its ``metrics``, ``columns`` and the ``rows`` of
        :meth:`vector_distances`; ``no_scalar_metric`` (only when the profile holds none, and
        ``rows`` is empty) says so in a sentence.
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
            **({} if self.metrics else {"no_scalar_metric": no_scalar_line(profile)}),
            "frechet_distance": self.frechet_distance,
            **self._set_level.json(),
            "columns": list(COLUMNS),
            "rows": records,
            **self._vector_part.json(),
        }
        return _documents.document(SCHEMA, SCHEMA_VERSION, body)

    def save(
        self,
        directory: str | os.PathLike[str],
        *,
        figures: bool = True,
        workers: int | None = None,
    ) -> Path:
        """Write the report into ``directory``, all files or none.

        Files: ``report.md`` (:meth:`to_markdown`), ``report.csv`` (:meth:`to_frame`, no
        index), ``report.json`` (:meth:`to_json_dict`), ``report.html`` (self-contained: the
        table and every figure embedded as a base64 data URI), ``distribution_<metric>.png``
        per metric (reference reservoir against generated values, per track, with the
        reference mean; :func:`musiceval.plot.plot_distributions`) and ``z_scores.png``
        (:func:`musiceval.plot.plot_z_scores`; circular metrics, which have no z-score, are
        left out, and the file too when no other metric is profiled), and per vector metric
        ``distribution_<metric>.png`` (the mean distributions per track,
        :func:`musiceval.plot.plot_vector_means`; ``report.html`` shows them with the vector
        table, :meth:`vector_distances`); without a scalar metric, only these. The figures take
        most of the time (about half a second each): they are drawn by several processes at
        once (``workers``), or left out (``figures=False``).

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
        figures : bool, default=True
            Whether to draw the PNG figures (and embed them in ``report.html``); without them
            the other four files are written in about a second.
        workers : int, optional
            Processes drawing the figures: default one per CPU this process may use (at most
            one per figure and 8); 1 draws them in this process. Several processes need
            Linux (forked workers); elsewhere the figures are drawn in this process.

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
        figures = check_bool("figures", figures)
        if workers is not None:
            workers = check_int("workers", workers)
        check_report_directory(root)
        drawing = figures and has_matplotlib()
        frame = self.to_frame()
        with atomic_directory(root) as temporary:
            drawn = self._draw(frame, temporary, workers) if drawing else []
            frame.to_csv(temporary / "report.csv", index=False)
            (temporary / "report.md").write_text(self.to_markdown(), encoding="utf-8")
            json_text = _documents.dumps(self.to_json_dict()) + "\n"
            (temporary / "report.json").write_text(json_text, encoding="utf-8")
            html_text = self._html([temporary / figure.name for figure in drawn])
            (temporary / "report.html").write_text(html_text, encoding="utf-8")
        if figures and not drawing:
            warnings.warn(
                f"Report.save wrote {root} without figures: they need matplotlib, which is not "
                f"installed ({INSTALL_HINT})",
                RuntimeWarning,
                stacklevel=2,
            )
        return root

    def _draw(self, frame: pd.DataFrame, directory: Path, workers: int | None) -> list[Path]:
        """Write the figures of :meth:`save` into ``directory``; their paths."""
        jobs = report_figures.scalar_jobs(frame, self._profile, self._values, directory)
        jobs += self._vector_part.jobs(directory)
        if workers is None:
            workers = report_figures.default_workers(len(jobs))
        return report_figures.draw(jobs, workers)

    def _html(self, figures: list[Path]) -> str:
        return report_text.html_page(self._page(), figures)

    def __repr__(self) -> str:
        return (
            f"Report(n_generated={self.n_generated}, metrics={len(self.metrics)}, "
            f"tracks={list(self.tracks)}, reference_samples={self._profile.n_samples})"
        )
