"""The figure of :func:`musiceval.plot.plot_distributions`: one metric's generated values
against the reference's, one panel per track.

:func:`distribution_data` computes each panel's finite values, shared bins and means;
:func:`draw_distribution` draws one panel on an Axes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from musiceval._checks import nanmean
from musiceval.plot._base import (
    GENERATED_COLOR,
    REFERENCE_COLOR,
    REFERENCE_LINE,
    note,
    panel_figure,
    unit,
)
from musiceval.registry import METRICS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "MAX_COLUMNS",
    "PITCH_CLASS_NAMES",
    "DistributionPanel",
    "bins",
    "distribution_data",
    "distribution_figure",
    "draw_distribution",
    "finite_mean",
    "is_pitch_class",
]

MAX_COLUMNS = 4
"""A figure of :func:`distribution_figure` wraps its panels after this many columns."""

PITCH_CLASS_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
"""The x tick labels of a circular metric's panels (``best_key``: one bar per pitch class)."""


def is_pitch_class(metric: str) -> bool:
    """Whether ``metric`` is a pitch class 0-11 on a circle (the registry's ``best_key``)."""
    spec = METRICS.get(metric)
    return spec is not None and spec.kind == "pitch" and spec.name == "best_key"


@dataclass(frozen=True)
class DistributionPanel:
    """One track: the finite reference and generated values, their shared bin edges (None
    when neither has a finite value) and the two means (NaN when undefined)."""

    title: str
    unit: str
    reference: np.ndarray
    generated: np.ndarray
    edges: np.ndarray | None
    reference_mean: float
    generated_mean: float
    tick_labels: tuple[str, ...] | None = None


def bins(values: np.ndarray, metric: str) -> np.ndarray:
    """Shared histogram bin edges for finite ``values`` (at least one).

    A pitch class (``best_key``) gets the 12 bins of 0-11 whatever the data; constant data one
    bin of width 1 around the value; counts and pitches (registry kinds ``"count"`` and
    ``"pitch"``) one bin per integer when they span at most 60 integers; anything else numpy's
    ``"auto"`` edges, at most 40 bins.
    """
    low, high = float(values.min()), float(values.max())
    if is_pitch_class(metric) and low >= 0 and high <= 11:
        return np.arange(13) - 0.5
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


def distribution_data(
    reference: np.ndarray,
    generated: np.ndarray,
    metric: str,
    labels: list[str],
    reference_mean: np.ndarray | None,
) -> list[DistributionPanel]:
    """A panel per track of checked ``(n_samples, n_tracks)`` arrays with ``n_tracks`` labels
    and reference means (default: the mean of the finite reference values)."""
    if reference_mean is None:
        reference_mean = finite_mean(reference)
    generated_mean = finite_mean(generated)
    circular = is_pitch_class(metric)  # no mean on a circle: no mean lines
    panels = []
    for track, label in enumerate(labels):
        ref = reference[:, track][np.isfinite(reference[:, track])]
        gen = generated[:, track][np.isfinite(generated[:, track])]
        panels.append(
            DistributionPanel(
                title=f"{metric} · {label}",
                unit=unit(metric),
                reference=ref,
                generated=gen,
                edges=bins(np.concatenate([ref, gen]), metric) if ref.size + gen.size else None,
                reference_mean=math.nan if circular else float(reference_mean[track]),
                generated_mean=math.nan if circular else float(generated_mean[track]),
                tick_labels=PITCH_CLASS_NAMES if circular else None,
            )
        )
    return panels


def finite_mean(values: np.ndarray) -> np.ndarray:
    """Column means of the finite values; NaN for a column without any."""
    return nanmean(np.where(np.isfinite(values), values, np.nan), axis=0)


def distribution_figure(n_panels: int) -> tuple[Figure, np.ndarray]:
    """A new figure of ``n_panels`` panels, wrapping after :data:`MAX_COLUMNS` columns; the
    unused cells of the last row are hidden."""
    n_columns = min(n_panels, MAX_COLUMNS)
    n_rows = math.ceil(n_panels / n_columns)
    figure = panel_figure(n_rows, n_columns)
    axes = figure.subplots(n_rows, n_columns, squeeze=False).reshape(-1)
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return figure, axes[:n_panels]


def draw_distribution(ax: Axes, panel: DistributionPanel) -> None:
    """Density histograms (reference filled grey, generated outlined blue), the reference mean
    dashed and the generated mean solid, and a legend saying how many values each side drew."""
    ax.set_title(panel.title, fontsize=9, parse_math=False)
    ax.tick_params(labelsize=7)
    ax.set_xlabel(panel.unit, fontsize=8)
    if panel.edges is None:
        note(ax, "no finite values")
        ax.set_yticks([])
        return
    for side, values in (("reference", panel.reference), ("generated", panel.generated)):
        if not values.size:  # said in the legend, as an entry without a line
            ax.plot([], [], linestyle="none", label=f"no finite {side} values")
    if panel.reference.size:
        ax.hist(
            panel.reference,
            bins=panel.edges.tolist(),
            density=True,
            color=REFERENCE_COLOR,
            alpha=0.35,
            label=f"reference (n={panel.reference.size})",
        )
    if panel.generated.size:
        ax.hist(
            panel.generated,
            bins=panel.edges.tolist(),
            density=True,
            histtype="step",
            linewidth=1.5,
            color=GENERATED_COLOR,
            label=f"generated (n={panel.generated.size})",
        )
    if np.isfinite(panel.reference_mean):
        ax.axvline(panel.reference_mean, **REFERENCE_LINE)
    if np.isfinite(panel.generated_mean):
        ax.axvline(
            panel.generated_mean, color=GENERATED_COLOR, linewidth=1.2, label="generated mean"
        )
    if panel.tick_labels is not None:
        ax.set_xticks(range(len(panel.tick_labels)), panel.tick_labels, fontsize=6)
    ax.set_ylabel("density", fontsize=8)
    ax.legend(fontsize=6, frameon=False)
