"""The figure of :func:`plot_vector_means`: a vector-valued metric's mean distribution in the
reference and the generated set, per track.

A histogram (one dimension) is one panel per track: the reference mean as grey bars, the
generated mean as a blue step line. A matrix (a transition matrix) is one row per track of
three heatmaps: the reference mean, the generated mean (on one colour scale) and their
difference, generated minus reference (blue below, red above, symmetric around 0).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from musiceval._checks import invalid
from musiceval.exceptions import InvalidParameterError
from musiceval.plot._base import (
    GENERATED_COLOR,
    PANEL_SIZE,
    REFERENCE_COLOR,
    check_png_path,
    check_track_names,
    finish,
    new_figure,
    note,
    panels,
    require_matplotlib,
    unit,
)
from musiceval.plot._distributions import PITCH_CLASS_NAMES, distribution_figure

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["HEATMAP_HEIGHT", "bin_ticks", "plot_vector_means"]

HEATMAP_HEIGHT = 3.0
"""Height of one row of heatmaps of a matrix metric's figure, in inches."""

_LENGTH_GROUPS = ("1", "2-3", "4-7", "8-15", "16-31", ">=32")
_LENGTH_TICKS = ((0, 3, 7, 15, 31), ("1", "4", "8", "16", ">=32"))

_PathLike = str | os.PathLike[str]


def bin_ticks(metric: str, n_bins: int) -> tuple[list[int], list[str]] | None:
    """Tick positions and labels of one axis of ``metric``'s ``n_bins`` bins: pitch-class
    names for 12 pitch classes, the C of each octave for 128 MIDI pitches, lengths in steps
    for the note-length and inter-onset histograms and groups; None (plain bin numbers) for
    anything else."""
    if "pitch_class" in metric and n_bins == len(PITCH_CLASS_NAMES):
        return list(range(n_bins)), list(PITCH_CLASS_NAMES)
    if metric == "pitch_histogram" and n_bins == 128:
        return list(range(0, 128, 12)), [f"C{octave - 1}" for octave in range(11)]
    if metric == "note_length_transition_matrix" and n_bins == len(_LENGTH_GROUPS):
        return list(range(n_bins)), list(_LENGTH_GROUPS)
    if metric in ("note_length_histogram", "ioi_histogram") and n_bins == 32:
        return list(_LENGTH_TICKS[0]), list(_LENGTH_TICKS[1])
    return None


def _means(name: str, value: Any) -> np.ndarray:
    """Per-track mean distributions as float64 ``(n_tracks, n_bins)`` or ``(n_tracks, n_rows,
    n_columns)``."""
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid(name, "numbers", value) from None
    if array.ndim not in (2, 3) or 0 in array.shape:
        raise invalid(
            name,
            "of shape (n_tracks, n_bins) or (n_tracks, n_rows, n_columns)",
            received=f"shape {array.shape}",
        )
    return array


@overload
def plot_vector_means(
    reference_mean: Any,
    generated_mean: Any,
    path: None = None,
    *,
    metric: str,
    track_names: Sequence[str] | None = None,
    axes: Any = None,
) -> Figure: ...
@overload
def plot_vector_means(
    reference_mean: Any,
    generated_mean: Any,
    path: _PathLike,
    *,
    metric: str,
    track_names: Sequence[str] | None = None,
    axes: Any = None,
) -> Path: ...
def plot_vector_means(
    reference_mean: Any,
    generated_mean: Any,
    path: _PathLike | None = None,
    *,
    metric: str,
    track_names: Sequence[str] | None = None,
    axes: Any = None,
) -> Path | Figure:
    """Draw a vector-valued metric's mean distribution, reference against generated, per track.

    For a histogram, one panel per track: the reference mean as grey bars and the generated
    mean as a blue step line over the bins. For a matrix, one row of three heatmaps per track:
    the reference mean and the generated mean on one colour scale (0 to the larger maximum),
    and the difference, generated minus reference, on a diverging scale symmetric around 0.
    Bins are labelled by pitch class (C to B) for 12 pitch classes, by octave (C-1 to C9) for
    128 MIDI pitches and by length in steps for the length histograms and groups. A side whose
    mean is undefined (NaN: no sample defines the vector) is said in the panel or legend.

    Parameters
    ----------
    reference_mean : array-like of shape (n_tracks, n_bins) or (n_tracks, n_rows, n_columns)
        The reference's mean distribution per track (``DatasetProfile.mean(metric)``).
    generated_mean : array-like of the same shape
        The generated set's.
    path : str or os.PathLike, optional
        Output file, ending in ``.png``; its directory must exist. Default: write nothing and
        return the Figure.
    metric : str
        The metric's name (titles, the unit and the bin labels).
    track_names : sequence of str, optional
        A name per track; default ``"track 0"``, ``"track 1"``, ...
    axes : array-like of matplotlib.axes.Axes, optional
        The Axes of one figure to draw on: ``n_tracks`` for a histogram, ``3 * n_tracks`` for a
        matrix (row-major, shape ``(n_tracks, 3)`` or flat); default: a new figure, for a
        histogram wrapping after four columns of ``PANEL_SIZE`` panels, for a matrix
        ``3 * PANEL_SIZE[0]`` inches wide and :data:`HEATMAP_HEIGHT` inches per track high
        (plus 0.4 inch).

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
        ``path`` when given (the figure written as a PNG at ``DPI``), else the Figure.

    Raises
    ------
    InvalidParameterError
        The means are not numbers of one of those shapes, differ in shape, or the track names
        or path are not as above.
    """
    require_matplotlib("musiceval.plot.plot_vector_means")
    if not isinstance(metric, str) or not metric:
        raise invalid("metric", "a non-empty string", metric)
    reference = _means("reference_mean", reference_mean)
    generated = _means("generated_mean", generated_mean)
    if generated.shape != reference.shape:
        raise InvalidParameterError(
            f"generated_mean must have the shape of reference_mean, {reference.shape}; got "
            f"shape {generated.shape}"
        )
    labels = check_track_names(track_names, reference.shape[0])
    path = check_png_path(path)
    n_tracks = reference.shape[0]
    if reference.ndim == 2:
        target = panels("axes", axes, n_tracks, lambda: distribution_figure(n_tracks))
        for k, ax in enumerate(target.axes):
            draw_histogram_means(ax, reference[k], generated[k], f"{metric} · {labels[k]}", metric)
    else:
        target = panels("axes", axes, 3 * n_tracks, lambda: _matrix_figure(n_tracks))
        for k in range(n_tracks):
            row = target.axes[3 * k : 3 * k + 3]
            draw_matrix_means(row, reference[k], generated[k], f"{metric} · {labels[k]}", metric)
    return finish(target.figure, path)


def _matrix_figure(n_tracks: int) -> tuple[Figure, np.ndarray]:
    figure = new_figure(3 * PANEL_SIZE[0], HEATMAP_HEIGHT * n_tracks + 0.4)
    return figure, figure.subplots(n_tracks, 3, squeeze=False).reshape(-1)


def draw_histogram_means(
    ax: Axes, reference: np.ndarray, generated: np.ndarray, title: str, metric: str
) -> None:
    """One track of a histogram: reference bars, generated steps, labelled bins."""
    ax.set_title(title, fontsize=9, parse_math=False)
    ax.tick_params(labelsize=7)
    ax.set_xlabel(unit(metric), fontsize=7)
    ax.set_ylabel("mean share", fontsize=8)
    bins = np.arange(reference.size)
    drawn = False
    for side, values in (("reference", reference), ("generated", generated)):
        if np.isnan(values).all():  # said in the legend, as an entry without a line
            ax.plot([], [], linestyle="none", label=f"no defined {side} vector")
            continue
        drawn = True
        if side == "reference":
            ax.bar(bins, values, width=1.0, color=REFERENCE_COLOR, alpha=0.35, label="reference")
        else:
            ax.step(bins, values, where="mid", color=GENERATED_COLOR, linewidth=1.3, label=side)
    if not drawn:
        note(ax, "no defined vectors")
    ticks = bin_ticks(metric, reference.size)
    if ticks is not None:
        ax.set_xticks(ticks[0], ticks[1], fontsize=6)
    ax.legend(fontsize=6, frameon=False)


def draw_matrix_means(
    axes: np.ndarray, reference: np.ndarray, generated: np.ndarray, title: str, metric: str
) -> None:
    """One track of a matrix: reference, generated and difference heatmaps on three Axes."""
    top = np.nanmax(np.concatenate([reference.ravel(), generated.ravel(), [0.0]]))
    top = float(top) if top > 0 else 1.0
    difference = generated - reference
    reach = float(np.nanmax(np.abs(difference))) if np.isfinite(difference).any() else 0.0
    reach = reach if reach > 0 else 1.0
    maps = (
        ("reference", reference, "Greys", 0.0, top),
        ("generated", generated, "Blues", 0.0, top),
        ("generated - reference", difference, "RdBu_r", -reach, reach),
    )
    ticks = bin_ticks(metric, reference.shape[1])
    row_ticks = bin_ticks(metric, reference.shape[0])
    for ax, (name, values, colours, low, high) in zip(axes, maps, strict=True):
        ax.set_title(f"{title}: {name}", fontsize=8, parse_math=False)
        ax.tick_params(labelsize=6)
        if np.isnan(values).all():
            note(ax, "undefined (no defined vector)")
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        image = ax.imshow(values, cmap=colours, vmin=low, vmax=high, aspect="equal")
        ax.figure.colorbar(image, ax=ax, shrink=0.8).ax.tick_params(labelsize=6)
        ax.set_xlabel("to", fontsize=7)
        ax.set_ylabel("from", fontsize=7)
        if ticks is not None:
            long = max(len(label) for label in ticks[1]) > 2
            ax.set_xticks(ticks[0], ticks[1], fontsize=5, rotation=45 if long else 0)
        if row_ticks is not None:
            ax.set_yticks(row_ticks[0], row_ticks[1], fontsize=5)
