"""Every figure of musiceval, written as PNG files.

* :func:`plot_history`: metric trajectories over training steps against the training set's
  mean and ±1 std band, a grid of metrics (rows) by tracks (columns), the graph of the AWS
  DeepComposer console.
* :func:`plot_distributions`: for one metric, the generated samples' histogram against the
  reference's, one panel per track.
* :func:`plot_z_scores`: a one-page summary of the z-score of every (metric, track).
* :func:`plot_roll`: piano rolls themselves, one panel per track, samples side by side.
* :func:`plot_losses`: training losses per step, raw and smoothed, one panel per loss.

matplotlib is imported inside each function (``pip install musiceval[plot]``); figures are
built with :class:`matplotlib.figure.Figure`, not pyplot, so no global state or display is
involved. Each file is written atomically (temporary file, then rename) and each function
returns the :class:`pathlib.Path` it wrote. Sizes are fixed (no tight bounding box), so a
figure's pixel size follows from its panel count: :data:`PANEL_SIZE` inches per panel at
:data:`DPI` dots per inch.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._atomic import atomic_path
from musiceval.registry import METRICS

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from musiceval.history import MetricHistory

__all__ = [
    "DPI",
    "PANEL_SIZE",
    "plot_distributions",
    "plot_history",
    "plot_losses",
    "plot_roll",
    "plot_z_scores",
]

DPI = 100
"""Resolution of every figure, in dots per inch."""
PANEL_SIZE = (3.4, 2.5)
"""Width and height of one panel of :func:`plot_history` and :func:`plot_distributions`,
in inches."""

_REFERENCE_COLOR = "0.35"
_REFERENCE_LINE = {
    "color": _REFERENCE_COLOR,
    "linestyle": "--",
    "linewidth": 1.2,
    "label": "reference mean",
}
_GENERATED_COLOR = "tab:blue"
_MAX_COLUMNS = 4  # plot_distributions wraps its panels after this many columns


# ---------------------------------------------------------------------- trajectories


def plot_history(
    history: MetricHistory,
    path: str | os.PathLike[str],
    *,
    metrics: Sequence[str] | None = None,
) -> Path:
    """Draw metric values over training steps against the reference, as a PNG grid.

    One panel per metric (rows) and track (columns): the recorded values against the step,
    the reference mean (:meth:`MetricHistory.set_reference`) as a horizontal line with a ±1
    std band when known. The step axis is logarithmic when the steps span more than two
    decades (see :func:`_use_log_steps`; symmetric-log when step 0 is present, so that it stays
    visible). The y-axis covers the metric's bounds from :data:`musiceval.METRICS` when they
    are finite (only the lower one when the upper is infinite).

    Parameters
    ----------
    history : MetricHistory
        The recorded trajectories (at least one record).
    path : str or os.PathLike
        Output file, ending in ``.png``; its directory must exist.
    metrics : sequence of str, optional
        Metrics to draw, in this order; default: every recorded metric.

    Returns
    -------
    pathlib.Path
        The file written: ``PANEL_SIZE * (n_tracks, n_metrics)`` inches plus 0.4 inch of
        height for the legend, at :data:`DPI`.
    """
    from musiceval.history import MetricHistory

    if not isinstance(history, MetricHistory):
        raise ValueError(f"history must be a MetricHistory; got {type(history).__name__}")
    if not len(history):
        raise ValueError("history holds no records; record values before plotting")
    names = _check_names(metrics, history.metrics, "metrics")
    path = _check_path(path)
    return _save(_history_figure(history, names), path)


def _history_figure(history: MetricHistory, names: list[str]) -> Figure:
    """The figure of :func:`plot_history` (checked arguments), before it is saved."""
    reference = history.reference
    steps = np.asarray(history.steps)
    log_steps = _use_log_steps(steps)
    n_rows, n_columns = len(names), len(history.tracks)
    figure = _figure(n_rows, n_columns)
    axes = figure.subplots(n_rows, n_columns, squeeze=False, sharex=True)
    for row, metric in enumerate(names):
        mean, std = reference.get(metric, (None, None))
        for track in history.tracks:
            ax = axes[row, track]
            x, y = history.series(metric, track)
            ax.plot(
                x,
                y,
                marker="o",
                markersize=3,
                linewidth=1.2,
                color=_GENERATED_COLOR,
                label="generated",
            )
            if mean is not None and np.isfinite(mean[track]):
                if std is not None and np.isfinite(std[track]):
                    ax.axhspan(
                        mean[track] - std[track],
                        mean[track] + std[track],
                        color=_REFERENCE_COLOR,
                        alpha=0.18,
                        linewidth=0,
                        label="reference ±1 std",
                    )
                ax.axhline(mean[track], **_REFERENCE_LINE)
            if not np.isfinite(y).any():
                _note(ax, "no defined values")
            ax.set_title(f"{metric} · {history.track_label(track)}", fontsize=9)
            _set_y_bounds(ax, metric)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.25, linewidth=0.5)
            if track == 0:
                ax.set_ylabel(_unit(metric), fontsize=8)
            if row == n_rows - 1:
                ax.set_xlabel("step", fontsize=8)
    if log_steps:
        positive = steps[steps > 0]
        if steps.min() == 0:  # linear from 0 to the first positive step, logarithmic beyond
            axes[0, 0].set_xscale("symlog", linthresh=float(positive.min()))
            axes[0, 0].set_xlim(0, float(steps.max()) * 1.5)
        else:
            axes[0, 0].set_xscale("log")
    handles, labels = _legend_entries(axes)
    figure.legend(
        handles, labels, loc="outside upper center", ncols=len(labels), fontsize=8, frameon=False
    )
    return figure


def _use_log_steps(steps: Any) -> bool:
    """Whether a step axis should be logarithmic: the positive steps span more than two decades.

    >>> _use_log_steps([0, 10, 100]), _use_log_steps([0, 10, 1001]), _use_log_steps([0])
    (False, True, False)
    """
    steps = np.asarray(steps, dtype=np.float64)
    positive = steps[np.isfinite(steps) & (steps > 0)]
    return bool(positive.size) and float(positive.max()) > 100.0 * float(positive.min())


# ---------------------------------------------------------------------- distributions


def plot_distributions(
    reference_samples: Any,
    generated_samples: Any,
    path: str | os.PathLike[str],
    *,
    metric: str,
    track_names: Sequence[str] | None = None,
    reference_mean: Any = None,
) -> Path:
    """Draw, for one metric, the generated samples' distribution against the reference's.

    One panel per track (wrapping after four columns): density histograms of the reference
    (filled, grey) and generated (outlined, blue) values on shared bins, the reference mean as
    a dashed line and the generated mean as a solid one. NaN and infinite values are left out
    (each panel says how many values it drew); a track with no finite value says so instead of
    a histogram, and constant data get one bin of width 1 around the value. Counts and pitches
    (registry kinds ``"count"`` and ``"pitch"``) get one bin per integer when they span at most
    60 integers.

    Parameters
    ----------
    reference_samples : array-like of shape (n_reference, n_tracks)
        Per-sample values of the reference set (1-D: one track).
    generated_samples : array-like of shape (n_generated, n_tracks)
        Per-sample values of the generated set, with the same number of tracks.
    path : str or os.PathLike
        Output file, ending in ``.png``; its directory must exist.
    metric : str
        The metric's name (titles, units and, for registry metrics, integer bins).
    track_names : sequence of str, optional
        A name per track; default ``"track 0"``, ``"track 1"``, ...
    reference_mean : array-like of shape (n_tracks,), optional
        The reference mean per track (for instance from a dataset profile); default: the mean
        of ``reference_samples`` ignoring NaN.

    Returns
    -------
    pathlib.Path
        The file written: ``PANEL_SIZE * (min(n_tracks, 4), ceil(n_tracks / 4))`` inches plus
        0.4 inch of height, at :data:`DPI`.
    """
    if not isinstance(metric, str) or not metric:
        raise ValueError(f"metric must be a non-empty string; got {metric!r}")
    reference = _samples(reference_samples, "reference_samples")
    generated = _samples(generated_samples, "generated_samples")
    n_tracks = reference.shape[1]
    if generated.shape[1] != n_tracks:
        raise ValueError(
            f"generated_samples must have {n_tracks} tracks like reference_samples; got shape "
            f"{generated.shape}"
        )
    labels = _track_names(track_names, n_tracks)
    if reference_mean is None:
        means = _nanmean(reference)
    else:
        means = np.array(reference_mean, dtype=np.float64).reshape(-1)
        if means.size != n_tracks:
            raise ValueError(f"reference_mean must have {n_tracks} values; got {means.size}")
    path = _check_path(path)
    n_columns = min(n_tracks, _MAX_COLUMNS)
    n_rows = math.ceil(n_tracks / n_columns)
    figure = _figure(n_rows, n_columns)
    axes = figure.subplots(n_rows, n_columns, squeeze=False).reshape(-1)
    generated_means = _nanmean(generated)
    for track in range(n_tracks):
        ax = axes[track]
        ref = reference[:, track][np.isfinite(reference[:, track])]
        gen = generated[:, track][np.isfinite(generated[:, track])]
        ax.set_title(f"{metric} · {labels[track]}", fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_xlabel(_unit(metric), fontsize=8)
        if ref.size + gen.size == 0:
            _note(ax, "no finite values")
            ax.set_yticks([])
            continue
        bins = _bins(np.concatenate([ref, gen]), metric)
        for side, values in (("reference", ref), ("generated", gen)):
            if not values.size:  # said in the legend, as an entry without a line
                ax.plot([], [], linestyle="none", label=f"no finite {side} values")
        if ref.size:
            ax.hist(
                ref,
                bins=bins,
                density=True,
                color=_REFERENCE_COLOR,
                alpha=0.35,
                label=f"reference (n={ref.size})",
            )
        if gen.size:
            ax.hist(
                gen,
                bins=bins,
                density=True,
                histtype="step",
                linewidth=1.5,
                color=_GENERATED_COLOR,
                label=f"generated (n={gen.size})",
            )
        if np.isfinite(means[track]):
            ax.axvline(means[track], **_REFERENCE_LINE)
        if np.isfinite(generated_means[track]):
            ax.axvline(
                generated_means[track],
                color=_GENERATED_COLOR,
                linewidth=1.2,
                label="generated mean",
            )
        ax.set_ylabel("density", fontsize=8)
        ax.legend(fontsize=6, frameon=False)
    for ax in axes[n_tracks:]:
        ax.set_visible(False)
    return _save(figure, path)


def _bins(values: np.ndarray, metric: str) -> np.ndarray:
    """Shared histogram bin edges for finite ``values`` (at least one)."""
    low, high = float(values.min()), float(values.max())
    if low == high:
        return np.array([low - 0.5, high + 0.5])
    spec = METRICS.get(metric)
    integral = np.all(values == np.round(values))
    if spec is not None and spec.kind in ("count", "pitch") and integral and high - low <= 60:
        return np.arange(math.floor(low), math.floor(high) + 2) - 0.5
    edges = np.histogram_bin_edges(values, bins="auto")
    if edges.size > 41:  # "auto" gives hundreds of bins for large, tight samples
        edges = np.linspace(low, high, 41)
    return edges


# ---------------------------------------------------------------------- z-scores


def plot_z_scores(frame: pd.DataFrame, path: str | os.PathLike[str], *, clip: float = 5.0) -> Path:
    """Draw a one-page summary of the z-score of every (metric, track) as horizontal bars.

    Bars are green within ±1, orange within ±2 and red beyond, with guide lines at 0, ±1 and
    ±2. A NaN z-score (undefined, for instance a zero reference std with equal means) has no
    bar and is labelled "undefined"; a z-score beyond ``±clip`` (infinite included) is drawn
    to the clip, hatched, and labelled with its true value.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``metric``, ``track`` (a number or a name) and ``z_score``, one row per bar,
        drawn top to bottom in the frame's order (for instance ``Report.to_frame()``). An
        optional ``track_name`` column replaces ``track`` in the labels.
    path : str or os.PathLike
        Output file, ending in ``.png``; its directory must exist.
    clip : float, default=5.0
        Largest absolute z-score drawn at its true length (``>= 2``).

    Returns
    -------
    pathlib.Path
        The file written, 8 inches wide and ``1.6 + 0.26 * n_rows`` inches high.
    """
    missing = [c for c in ("metric", "track", "z_score") if c not in getattr(frame, "columns", ())]
    if missing:
        raise ValueError(f"frame must have the columns metric, track, z_score; lacks {missing}")
    if len(frame) == 0:
        raise ValueError("frame has no rows; expected one row per metric and track")
    if not (isinstance(clip, int | float) and math.isfinite(clip) and clip >= 2):
        raise ValueError(f"clip must be a finite number >= 2; got {clip!r}")
    try:
        z = frame["z_score"].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise ValueError("frame['z_score'] must hold numbers") from None
    path = _check_path(path)
    tracks = frame["track_name"] if "track_name" in frame.columns else frame["track"]
    labels = [
        f"{metric} · {_track_label(track)}"
        for metric, track in zip(frame["metric"], tracks, strict=True)
    ]
    n = len(labels)
    drawn = np.clip(np.nan_to_num(z, nan=0.0, posinf=clip, neginf=-clip), -clip, clip)
    clipped = np.abs(z) > clip  # infinite included, NaN not
    limit = max(2.5, float(np.abs(drawn).max())) * (1.4 if clipped.any() else 1.15)
    colors = np.where(
        np.abs(z) <= 1, "tab:green", np.where(np.abs(z) <= 2, "tab:orange", "tab:red")
    )

    from matplotlib.figure import Figure

    figure = Figure(figsize=(8.0, 1.6 + 0.26 * n), dpi=DPI, layout="constrained")
    ax = figure.subplots()
    y = np.arange(n)
    defined = ~np.isnan(z)
    ax.barh(y[defined], drawn[defined], color=colors[defined], height=0.7)
    if clipped.any():
        ax.barh(
            y[clipped],
            drawn[clipped],
            height=0.7,
            fill=False,
            hatch="///",
            edgecolor="black",
            linewidth=0.6,
        )
    for row in np.flatnonzero(clipped):
        side = 1.0 if drawn[row] > 0 else -1.0
        ax.text(
            drawn[row] + side * 0.05 * limit,
            row,
            f"{z[row]:.3g}",
            va="center",
            ha="left" if side > 0 else "right",
            fontsize=7,
            fontweight="bold",
        )
    for row in np.flatnonzero(~defined):
        ax.text(
            0.05 * limit,
            row,
            "undefined",
            va="center",
            ha="left",
            fontsize=7,
            color="0.45",
            style="italic",
        )
    ax.axvline(0, color="black", linewidth=0.8)
    for guide, style in ((1, "--"), (2, ":")):
        for sign in (-1, 1):
            ax.axvline(sign * guide, color="0.4", linestyle=style, linewidth=0.8)
    metrics = frame["metric"].astype(str).to_numpy()
    for boundary in np.flatnonzero(metrics[1:] != metrics[:-1]):
        ax.axhline(boundary + 0.5, color="0.85", linewidth=0.8)
    ax.set_yticks(y, labels, fontsize=7)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(-limit, limit)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel(
        "z-score of the generated mean: (generated mean - reference mean) / reference std",
        fontsize=8,
    )
    ax.set_title(
        f"{n} metric-track pairs: {int(np.sum(np.abs(z) <= 1))} within ±1 std, "
        f"{int(np.sum(np.abs(z) > 2))} beyond ±2, {int(np.sum(~defined))} undefined",
        fontsize=9,
    )
    ax.grid(axis="x", alpha=0.25, linewidth=0.5)
    return _save(figure, path)


# ---------------------------------------------------------------------- piano rolls


def plot_roll(
    x: Any,
    path: str | os.PathLike[str],
    *,
    layout: str = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    track_names: Sequence[str] | None = None,
    steps_per_bar: int = 16,
) -> Path:
    """Draw piano rolls, one panel per track, samples one after the other in time.

    Each panel shows the active cells (``value > threshold``) over time steps (x) and MIDI
    pitches (y, limited to the pitches any track uses, with one semitone of margin); thin lines
    mark bars and thick lines separate samples.

    Parameters
    ----------
    x : ndarray or torch.Tensor
        Piano rolls in ``layout`` (any accepted dtype).
    path : str or os.PathLike
        Output file, ending in ``.png``; its directory must exist.
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of ``x``.
    threshold : float, default=0.0
        A cell is active when ``value > threshold``.
    lowest_pitch : int, optional
        MIDI number of pitch index 0; required when the pitch axis is not 128 long.
    track_names : sequence of str, optional
        A name per track; default ``"track 0"``, ``"track 1"``, ...
    steps_per_bar : int, default=16
        Steps between bar lines.

    Returns
    -------
    pathlib.Path
        The file written: 10 inches wide, ``1.6 * n_tracks + 0.4`` inches high, at :data:`DPI`.
    """
    from matplotlib.figure import Figure

    from musiceval.rolls import as_roll, check_positive_int

    roll = as_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch)
    steps_per_bar = check_positive_int("steps_per_bar", steps_per_bar)
    labels = _track_names(track_names, roll.n_tracks)
    path = _check_path(path)
    song = roll.cells.reshape(-1, roll.n_pitches, roll.n_tracks)
    used = np.flatnonzero(song.any(axis=(0, 2)))
    low, high = (used[0] - 1, used[-1] + 1) if used.size else (0, roll.n_pitches - 1)
    figure = Figure(figsize=(10, 1.6 * roll.n_tracks + 0.4), dpi=DPI, layout="constrained")
    axes = figure.subplots(roll.n_tracks, 1, squeeze=False, sharex=True)[:, 0]
    for track, ax in enumerate(axes):
        ax.imshow(
            song[:, :, track].T,
            aspect="auto",
            origin="lower",
            interpolation="nearest",
            cmap="Greys",
            vmin=0,
            vmax=1,
            extent=(
                0,
                song.shape[0],
                roll.lowest_pitch - 0.5,
                roll.lowest_pitch + roll.n_pitches - 0.5,
            ),
        )
        ax.set_ylim(roll.lowest_pitch + low - 0.5, roll.lowest_pitch + high + 0.5)
        for start in range(0, song.shape[0], roll.n_steps):
            if start:
                ax.axvline(start, color="0.3", linewidth=1.2)
            for bar in range(start + steps_per_bar, start + roll.n_steps, steps_per_bar):
                ax.axvline(bar, color="0.8", linewidth=0.5)
        ax.set_ylabel(f"{labels[track]}\npitch", fontsize=8)
        ax.tick_params(labelsize=7)
        if not used.size:
            _note(ax, "silent")
    axes[-1].set_xlabel("time step", fontsize=8)
    return _save(figure, path)


# ---------------------------------------------------------------------- losses


def plot_losses(
    steps: Any,
    losses: Mapping[str, Any],
    path: str | os.PathLike[str],
    *,
    titles: Mapping[str, str] | None = None,
    smoothing: int | None = None,
) -> Path:
    """Draw training losses against the step, raw and smoothed, one panel per loss.

    Panels are laid out two per row, in the order of ``losses``; each shows the per-step
    values (faint) and their moving mean over ``smoothing`` steps (``"valid"`` convolution, so
    the smoothed line starts at the ``smoothing``-th step).

    Parameters
    ----------
    steps : array-like of shape (n_steps,)
        The step of each value.
    losses : mapping of str to array-like of shape (n_steps,)
        Values per loss name.
    path : str or os.PathLike
        Output file, ending in ``.png``; its directory must exist.
    titles : mapping of str to str, optional
        A panel title per loss name; default: the name.
    smoothing : int, optional
        Steps in the moving mean; default ``max(1, n_steps // 25)`` (1 draws no smoothed line).

    Returns
    -------
    pathlib.Path
        The file written: 5 inches wide per column (2 columns, or 1 for one loss) and 2.5
        inches high per row, at :data:`DPI`.
    """
    from matplotlib.figure import Figure

    x = np.asarray(steps, dtype=np.float64).reshape(-1)
    values = {
        name: np.asarray(value, dtype=np.float64).reshape(-1) for name, value in losses.items()
    }
    if not values or any(series.size != x.size for series in values.values()):
        raise ValueError(
            f"losses must map names to {x.size} values each (one per step); got "
            f"{ {name: series.size for name, series in values.items()} }"
        )
    window = max(1, x.size // 25) if smoothing is None else smoothing
    if isinstance(window, bool) or not isinstance(window, int) or window < 1:
        raise ValueError(f"smoothing must be an int >= 1; got {smoothing!r}")
    path = _check_path(path)
    n_columns = min(2, len(values))
    n_rows = math.ceil(len(values) / n_columns)
    figure = Figure(figsize=(5.0 * n_columns, 2.5 * n_rows), dpi=DPI, layout="constrained")
    axes = figure.subplots(n_rows, n_columns, sharex=True, squeeze=False).reshape(-1)
    for ax, (name, series) in zip(axes, values.items(), strict=False):
        ax.plot(x, series, color=_GENERATED_COLOR, alpha=0.3, linewidth=0.8, label="per step")
        if window > 1 and series.size >= window:
            smooth = np.convolve(series, np.ones(window) / window, mode="valid")
            ax.plot(
                x[window - 1 :],
                smooth,
                color=_GENERATED_COLOR,
                linewidth=1.6,
                label=f"mean of {window} steps",
            )
        ax.set_title((titles or {}).get(name, name), fontsize=10)
        ax.grid(alpha=0.25, linewidth=0.5)
        ax.tick_params(labelsize=8)
    for ax in axes[len(values) :]:
        ax.set_visible(False)
    for ax in axes[-n_columns:]:
        ax.set_xlabel("step", fontsize=9)
    axes[0].legend(fontsize=8, frameon=False)
    return _save(figure, path)


# ---------------------------------------------------------------------- shared helpers


def _figure(n_rows: int, n_columns: int) -> Figure:
    from matplotlib.figure import Figure

    width, height = PANEL_SIZE
    return Figure(figsize=(width * n_columns, height * n_rows + 0.4), dpi=DPI, layout="constrained")


def _save(figure: Figure, path: Path) -> Path:
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=DPI)
    return path


def _check_path(path: Any) -> Path:
    if not isinstance(path, str | os.PathLike):
        raise ValueError(f"path must be a str or os.PathLike; got {type(path).__name__}")
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path must end in .png (figures are PNG files); got {str(path)!r}")
    if not path.parent.is_dir():
        raise ValueError(f"path's directory {str(path.parent)!r} does not exist")
    return path


def _check_names(chosen: Sequence[str] | None, known: list[str], name: str) -> list[str]:
    if chosen is None:
        return known
    if isinstance(chosen, str):
        raise ValueError(f"{name} must be a list of names; got the string {chosen!r}")
    chosen = list(chosen)
    unknown = [item for item in chosen if item not in known]
    if not chosen or unknown or len(set(chosen)) < len(chosen):
        raise ValueError(f"{name} must be distinct names among {known}; got {chosen!r}")
    return chosen


def _samples(values: Any, name: str) -> np.ndarray:
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers") from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] == 0:
        raise ValueError(f"{name} must have shape (n_samples, n_tracks); got {array.shape}")
    return array


def _track_names(names: Sequence[str] | None, n_tracks: int) -> list[str]:
    if names is None:
        return [f"track {index}" for index in range(n_tracks)]
    if isinstance(names, str) or len(names) != n_tracks:
        raise ValueError(f"track_names must give {n_tracks} names; got {names!r}")
    return [str(name) for name in names]


def _track_label(track: Any) -> str:
    return f"track {track}" if isinstance(track, int | np.integer) else str(track)


def _nanmean(values: np.ndarray) -> np.ndarray:
    """Column means ignoring NaN (and inf), NaN for a column without finite values."""
    finite = np.isfinite(values)
    counts = finite.sum(axis=0)
    sums = np.where(finite, values, 0.0).sum(axis=0)
    return np.divide(sums, counts, out=np.full(values.shape[1], np.nan), where=counts > 0)


def _unit(metric: str) -> str:
    spec = METRICS.get(metric)
    return spec.unit if spec is not None else "value"


def _set_y_bounds(ax: Axes, metric: str) -> None:
    """Limit the y-axis to the registry bounds of ``metric`` where finite, with a 5% margin.

    With an infinite upper bound the top stays where matplotlib put it (at least lower + 1).
    """
    spec = METRICS.get(metric)
    if spec is None or not math.isfinite(spec.lower):
        return
    finite_upper = math.isfinite(spec.upper)
    upper = spec.upper if finite_upper else max(ax.get_ylim()[1], spec.lower + 1)
    margin = 0.05 * (upper - spec.lower)
    ax.set_ylim(spec.lower - margin, upper + (margin if finite_upper else 0.0))


def _note(ax: Axes, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        text,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=8,
        color="0.45",
        style="italic",
    )


def _legend_entries(axes: np.ndarray) -> tuple[list[Any], list[str]]:
    """One legend entry per distinct label over all panels."""
    entries: dict[str, Any] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    return list(entries.values()), list(entries)
