"""Every figure of musiceval.

* :func:`plot_history`: metric trajectories over training steps against the training set's
  mean and ±1 std band, a grid of metrics (rows) by tracks (columns), the graph of the AWS
  DeepComposer console.
* :func:`plot_distributions`: for one metric, the generated samples' histogram against the
  reference's, one panel per track.
* :func:`plot_z_scores`: a one-page summary of the z-score of every (metric, track).
* :func:`plot_roll`: piano rolls themselves, one panel per track, samples side by side.
* :func:`plot_losses`: training losses per step, raw and smoothed, one panel per loss.
* :func:`plot_vector_means`: for one vector-valued metric (a histogram or a transition
  matrix), the reference's and the generated set's mean distribution per track.

Where a figure is drawn and what comes back, the same for every function:

* With ``ax=`` (:func:`plot_z_scores`) or ``axes=`` (an array of Axes, one per panel, for the
  multi-panel figures), the function draws on the caller's Axes (as scikit-learn's displays
  do) and leaves that figure's size, layout and other Axes alone. Without, it makes its own
  :class:`matplotlib.figure.Figure`, not a pyplot one, so no global state or display is
  involved. Its size is fixed (no tight bounding box) and follows from the panel count,
  :data:`PANEL_SIZE` inches per panel for the grids, at :data:`DPI` dots per inch.
* With ``path``, the figure (the caller's, when Axes were given) is written there as a PNG
  atomically (temporary file, then rename) and the :class:`pathlib.Path` is returned, as in
  musiceval 0.1.0. Without ``path``, nothing is written and the Figure is returned.

What to draw is computed apart from the drawing (the private modules of this package), so the same
call draws the same artists on a figure of its own or on the caller's Axes. Bad arguments raise
:class:`~musiceval.exceptions.InvalidParameterError` before anything is drawn. matplotlib is
imported inside each function; without it, each raises ``ModuleNotFoundError`` saying to
``pip install "musiceval[plot]"``. Track names, metric names and titles are drawn as written
(never read as matplotlib mathtext, so ``"$x$"`` shows its dollar signs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from musiceval._checks import check_instance, check_int, check_real, invalid
from musiceval.exceptions import InvalidParameterError
from musiceval.plot._base import (
    DPI,
    PANEL_SIZE,
    check_png_path,
    check_track_names,
    finish,
    panels,
    require_matplotlib,
    samples,
)
from musiceval.plot._distributions import distribution_data, distribution_figure, draw_distribution
from musiceval.plot._history import draw_history, history_data, history_figure
from musiceval.plot._losses import draw_loss, loss_curves, loss_figure
from musiceval.plot._originality import plot_originality
from musiceval.plot._roll import draw_roll_track, roll_figure, roll_image
from musiceval.plot._vectors import plot_vector_means
from musiceval.plot._z_scores import draw_z_scores, z_score_bars, z_score_figure

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from musiceval.history import MetricHistory
    from musiceval.rolls import Layout

__all__ = [
    "DPI",
    "PANEL_SIZE",
    "plot_distributions",
    "plot_history",
    "plot_losses",
    "plot_originality",
    "plot_roll",
    "plot_vector_means",
    "plot_z_scores",
]

_PathLike = str | os.PathLike[str]


# ---------------------------------------------------------------------- trajectories


@overload
def plot_history(
    history: MetricHistory,
    path: None = None,
    *,
    metrics: Sequence[str] | None = None,
    axes: Any = None,
) -> Figure: ...
@overload
def plot_history(
    history: MetricHistory,
    path: _PathLike,
    *,
    metrics: Sequence[str] | None = None,
    axes: Any = None,
) -> Path: ...
def plot_history(
    history: MetricHistory,
    path: _PathLike | None = None,
    *,
    metrics: Sequence[str] | None = None,
    axes: Any = None,
) -> Path | Figure:
    """Draw metric values over training steps against the reference, as a grid.

    One panel per metric (rows) and track (columns): the recorded values against the step,
    the reference mean (:meth:`MetricHistory.set_reference`) as a horizontal line with a ±1
    std band when known. The step axis is logarithmic when the positive steps span more than
    two decades (symmetric-log when step 0 is present, so that it stays visible). Each
    panel's y-axis spans its finite values and the reference mean ± 2 std, clipped to the
    metric's bounds from :data:`musiceval.METRICS`, plus 5 % on each side
    (``musiceval.plot._history.y_limits``). One legend: above the grid in a figure of its own,
    in the first panel on the caller's Axes.

    Parameters
    ----------
    history : MetricHistory
        The recorded trajectories (at least one record).
    path : str or os.PathLike, optional
        Output file, ending in ``.png``; its directory must exist. Default: write nothing and
        return the Figure.
    metrics : sequence of str, optional
        Metrics to draw, in this order; default: every recorded metric.
    axes : array-like of matplotlib.axes.Axes, optional
        ``n_metrics * n_tracks`` Axes of one figure to draw on, row-major (shape
        ``(n_metrics, n_tracks)`` or flat); default: a new figure of
        ``PANEL_SIZE * (n_tracks, n_metrics)`` inches plus 0.4 inch of height for the legend.

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
        ``path`` when given (the figure written as a PNG at :data:`DPI`), else the Figure.
    """
    require_matplotlib("musiceval.plot.plot_history")
    from musiceval.history import MetricHistory

    check_instance("history", history, MetricHistory, "a MetricHistory")
    if not len(history):
        raise InvalidParameterError("history holds no records; record values before plotting")
    names = _check_chosen("metrics", metrics, history.metrics)
    path = check_png_path(path)
    shape = (len(names), len(history.tracks))
    target = panels("axes", axes, shape[0] * shape[1], lambda: history_figure(*shape))
    draw_history(target, history_data(history, names))
    return finish(target.figure, path)


# ---------------------------------------------------------------------- distributions


@overload
def plot_distributions(
    reference_samples: Any,
    generated_samples: Any,
    path: None = None,
    *,
    metric: str,
    track_names: Sequence[str] | None = None,
    reference_mean: Any = None,
    axes: Any = None,
) -> Figure: ...
@overload
def plot_distributions(
    reference_samples: Any,
    generated_samples: Any,
    path: _PathLike,
    *,
    metric: str,
    track_names: Sequence[str] | None = None,
    reference_mean: Any = None,
    axes: Any = None,
) -> Path: ...
def plot_distributions(
    reference_samples: Any,
    generated_samples: Any,
    path: _PathLike | None = None,
    *,
    metric: str,
    track_names: Sequence[str] | None = None,
    reference_mean: Any = None,
    axes: Any = None,
) -> Path | Figure:
    """Draw, for one metric, the generated samples' distribution against the reference's.

    One panel per track: density histograms of the reference (filled, grey) and generated
    (outlined, blue) values on shared bins, the reference mean as a dashed line and the
    generated mean as a solid one. NaN and infinite values are left out (each panel says how
    many values it drew); a track with no finite value says so instead of a histogram, and
    constant data get one bin of width 1 around the value. Counts and pitches (registry kinds
    ``"count"`` and ``"pitch"``) get one bin per integer when they span at most 60 integers;
    a pitch class (``best_key``) gets one bar per pitch class, C to B, and no mean lines (a
    mean of keys on the circle of 12 means nothing).

    Parameters
    ----------
    reference_samples : array-like of shape (n_reference, n_tracks)
        Per-sample values of the reference set (1-D: one track).
    generated_samples : array-like of shape (n_generated, n_tracks)
        Per-sample values of the generated set, with the same number of tracks.
    path : str or os.PathLike, optional
        Output file, ending in ``.png``; its directory must exist. Default: write nothing and
        return the Figure.
    metric : str
        The metric's name (titles, units and, for registry metrics, integer bins).
    track_names : sequence of str, optional
        A name per track; default ``"track 0"``, ``"track 1"``, ...
    reference_mean : array-like of shape (n_tracks,), optional
        The reference mean per track (for instance from a dataset profile); default: the mean
        of the finite values of ``reference_samples``.
    axes : array-like of matplotlib.axes.Axes, optional
        ``n_tracks`` Axes of one figure to draw on (one Axes when there is one track);
        default: a new figure wrapping after four columns,
        ``PANEL_SIZE * (min(n_tracks, 4), ceil(n_tracks / 4))`` inches plus 0.4 inch of height.

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
        ``path`` when given (the figure written as a PNG at :data:`DPI`), else the Figure.
    """
    require_matplotlib("musiceval.plot.plot_distributions")
    if not isinstance(metric, str) or not metric:
        raise invalid("metric", "a non-empty string", metric)
    reference = samples(reference_samples, "reference_samples")
    generated = samples(generated_samples, "generated_samples")
    n_tracks = reference.shape[1]
    if generated.shape[1] != n_tracks:
        raise InvalidParameterError(
            f"generated_samples must have {n_tracks} tracks like reference_samples; got shape "
            f"{generated.shape}"
        )
    labels = check_track_names(track_names, n_tracks)
    means = (
        None if reference_mean is None else _per_track("reference_mean", reference_mean, n_tracks)
    )
    path = check_png_path(path)
    target = panels("axes", axes, n_tracks, lambda: distribution_figure(n_tracks))
    data = distribution_data(reference, generated, metric, labels, means)
    for ax, panel in zip(target.axes, data, strict=True):
        draw_distribution(ax, panel)
    return finish(target.figure, path)


# ---------------------------------------------------------------------- z-scores


@overload
def plot_z_scores(
    frame: pd.DataFrame, path: None = None, *, clip: float = 5.0, ax: Axes | None = None
) -> Figure: ...
@overload
def plot_z_scores(
    frame: pd.DataFrame, path: _PathLike, *, clip: float = 5.0, ax: Axes | None = None
) -> Path: ...
def plot_z_scores(
    frame: pd.DataFrame,
    path: _PathLike | None = None,
    *,
    clip: float = 5.0,
    ax: Axes | None = None,
) -> Path | Figure:
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
    path : str or os.PathLike, optional
        Output file, ending in ``.png``; its directory must exist. Default: write nothing and
        return the Figure.
    clip : float, default=5.0
        Largest absolute z-score drawn at its true length (``>= 2``).
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on; default: a new figure 8 inches wide and
        ``1.6 + 0.26 * n_rows`` inches high.

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
        ``path`` when given (the figure written as a PNG at :data:`DPI`), else the Figure.
    """
    require_matplotlib("musiceval.plot.plot_z_scores")
    import pandas as pd

    check_instance("frame", frame, pd.DataFrame, "a pandas.DataFrame (Report.to_frame())")
    missing = [c for c in ("metric", "track", "z_score") if c not in frame.columns]
    if missing:
        raise InvalidParameterError(
            f"frame must have the columns metric, track, z_score; lacks {missing}"
        )
    if len(frame) == 0:
        raise InvalidParameterError("frame has no rows; expected one row per metric and track")
    clip = check_real("clip", clip, minimum=2)
    try:
        z = frame["z_score"].to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError):
        raise InvalidParameterError("frame['z_score'] must hold numbers") from None
    path = check_png_path(path)
    target = panels("ax", ax, 1, lambda: z_score_figure(len(frame)))
    draw_z_scores(target.axes[0], z_score_bars(frame, z, clip))
    return finish(target.figure, path)


# ---------------------------------------------------------------------- piano rolls


@overload
def plot_roll(
    x: Any,
    path: None = None,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    track_names: Sequence[str] | None = None,
    steps_per_bar: int = 16,
    axes: Any = None,
) -> Figure: ...
@overload
def plot_roll(
    x: Any,
    path: _PathLike,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    track_names: Sequence[str] | None = None,
    steps_per_bar: int = 16,
    axes: Any = None,
) -> Path: ...
def plot_roll(
    x: Any,
    path: _PathLike | None = None,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    track_names: Sequence[str] | None = None,
    steps_per_bar: int = 16,
    axes: Any = None,
) -> Path | Figure:
    """Draw piano rolls, one panel per track, samples one after the other in time.

    Each panel shows the active cells (``value > threshold``) over time steps (x) and MIDI
    pitches (y, limited to the pitches any track uses, with one semitone of margin); thin lines
    mark bars and thick lines separate samples.

    Parameters
    ----------
    x : ndarray or torch.Tensor
        Piano rolls in ``layout`` (any accepted dtype).
    path : str or os.PathLike, optional
        Output file, ending in ``.png``; its directory must exist. Default: write nothing and
        return the Figure.
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
    axes : array-like of matplotlib.axes.Axes, optional
        ``n_tracks`` Axes of one figure to draw on (one Axes when there is one track);
        default: a new figure 10 inches wide and ``1.6 * n_tracks + 0.4`` inches high.

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
        ``path`` when given (the figure written as a PNG at :data:`DPI`), else the Figure.
    """
    require_matplotlib("musiceval.plot.plot_roll")
    from musiceval.rolls import as_roll

    roll = as_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch)
    steps_per_bar = check_int("steps_per_bar", steps_per_bar)
    labels = check_track_names(track_names, roll.n_tracks)
    path = check_png_path(path)
    target = panels("axes", axes, roll.n_tracks, lambda: roll_figure(roll.n_tracks))
    image = roll_image(roll, labels, steps_per_bar)
    xlabels, _ = target.outer(1)
    for track, (ax, xlabel) in enumerate(zip(target.axes, xlabels, strict=True)):
        draw_roll_track(ax, image, track, xlabel=xlabel)
    return finish(target.figure, path)


# ---------------------------------------------------------------------- losses


@overload
def plot_losses(
    steps: Any,
    losses: Mapping[str, Any],
    path: None = None,
    *,
    titles: Mapping[str, str] | None = None,
    smoothing: int | None = None,
    axes: Any = None,
) -> Figure: ...
@overload
def plot_losses(
    steps: Any,
    losses: Mapping[str, Any],
    path: _PathLike,
    *,
    titles: Mapping[str, str] | None = None,
    smoothing: int | None = None,
    axes: Any = None,
) -> Path: ...
def plot_losses(
    steps: Any,
    losses: Mapping[str, Any],
    path: _PathLike | None = None,
    *,
    titles: Mapping[str, str] | None = None,
    smoothing: int | None = None,
    axes: Any = None,
) -> Path | Figure:
    """Draw training losses against the step, raw and smoothed, one panel per loss.

    Panels come in the order of ``losses``; each shows the per-step values (faint) and their
    moving mean over ``smoothing`` steps (``"valid"`` convolution, so the smoothed line starts
    at the ``smoothing``-th step). The first panel holds the legend.

    Parameters
    ----------
    steps : array-like of shape (n_steps,)
        The step of each value.
    losses : mapping of str to array-like of shape (n_steps,)
        Values per loss name.
    path : str or os.PathLike, optional
        Output file, ending in ``.png``; its directory must exist. Default: write nothing and
        return the Figure.
    titles : mapping of str to str, optional
        A panel title per loss name; default: the name.
    smoothing : int, optional
        Steps in the moving mean; default ``max(1, n_steps // 25)`` (1 draws no smoothed line).
    axes : array-like of matplotlib.axes.Axes, optional
        ``n_losses`` Axes of one figure to draw on (one Axes for one loss); default: a new
        figure of two panels per row (one for a single loss), 5 inches wide and 2.5 inches
        high per panel.

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
        ``path`` when given (the figure written as a PNG at :data:`DPI`), else the Figure.
    """
    require_matplotlib("musiceval.plot.plot_losses")
    x = _numbers("steps", steps)
    check_instance("losses", losses, Mapping, "a mapping of loss names to values")
    values = {name: _numbers(f"losses[{name!r}]", value) for name, value in losses.items()}
    if not values or any(series.size != x.size for series in values.values()):
        raise InvalidParameterError(
            f"losses must map names to {x.size} values each (one per step); got "
            f"{ {name: series.size for name, series in values.items()} }"
        )
    window = max(1, x.size // 25) if smoothing is None else check_int("smoothing", smoothing)
    titles = {} if titles is None else check_instance("titles", titles, Mapping, "a mapping")
    path = check_png_path(path)
    n_columns = min(2, len(values))
    target = panels("axes", axes, len(values), lambda: loss_figure(len(values)))
    xlabels, _ = target.outer(n_columns)
    curves = loss_curves(x, values, titles, window)
    for index, (ax, curve) in enumerate(zip(target.axes, curves, strict=True)):
        draw_loss(ax, curve, xlabel=xlabels[index], legend=index == 0)
    return finish(target.figure, path)


# ---------------------------------------------------------------------- checks


def _check_chosen(name: str, chosen: Sequence[str] | None, known: list[str]) -> list[str]:
    """Distinct names among ``known`` (all of them when ``chosen`` is None)."""
    if chosen is None:
        return known
    expected = f"distinct names among {known} (a non-empty list)"
    if isinstance(chosen, str):
        raise invalid(name, expected, received=f"the string {chosen!r}")
    if not isinstance(chosen, Sequence):
        raise invalid(name, expected, chosen)
    values = list(chosen)
    if not values or any(item not in known for item in values) or len(set(values)) < len(values):
        raise invalid(name, expected, values)
    return values


def _per_track(name: str, values: Any, n_tracks: int) -> np.ndarray:
    """``n_tracks`` numbers as a float64 array."""
    array = _numbers(name, values)
    if array.size != n_tracks:
        raise InvalidParameterError(
            f"{name} must have {n_tracks} values (one per track); got {array.size}"
        )
    return array


def _numbers(name: str, values: Any) -> np.ndarray:
    """``values`` as a flat float64 array (a copy)."""
    try:
        return np.array(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise invalid(name, "numbers", values) from None
