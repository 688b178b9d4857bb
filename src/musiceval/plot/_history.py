"""The figure of :func:`musiceval.plot.plot_history`: metric trajectories over training steps.

:func:`history_data` computes what to draw from a checked history; :func:`draw_history` draws
it on :class:`~musiceval.plot._base.Panels`, one per (metric, track), row-major.

Each panel's y-axis is scaled to what it shows (:func:`y_limits`): the recorded values and the
reference's mean ± 2 std, not the metric's theoretical bounds (``n_pitches_used`` may reach 128,
but a reference band of 4.7 ± 1.3 on a 0-128 axis is a sliver nobody sees).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval.plot._base import (
    GENERATED_COLOR,
    REFERENCE_COLOR,
    REFERENCE_LINE,
    Panels,
    legend_entries,
    note,
    panel_figure,
    unit,
)
from musiceval.registry import METRICS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from musiceval.history import MetricHistory

__all__ = [
    "Y_MARGIN",
    "HistoryData",
    "HistoryPanel",
    "draw_history",
    "history_data",
    "history_figure",
    "use_log_steps",
    "y_limits",
]

Y_MARGIN = 0.05
"""The fraction of a panel's y-range added below and above it (:func:`y_limits`)."""


@dataclass(frozen=True)
class HistoryPanel:
    """One (metric, track) panel: the recorded values against the step, the reference mean and
    std (NaN where unknown) and the y-axis limits (:func:`y_limits`)."""

    metric: str
    title: str
    steps: np.ndarray
    values: np.ndarray
    mean: float
    std: float
    limits: tuple[float, float]


@dataclass(frozen=True)
class HistoryData:
    """Every panel (metrics by rows, tracks by columns) and the step axis: ``xscale`` is
    ``"linear"``, ``"log"`` or ``"symlog"`` (then linear up to ``linthresh`` and shown up to
    ``xmax``)."""

    panels: tuple[HistoryPanel, ...]
    n_columns: int
    xscale: str
    linthresh: float
    xmax: float


def use_log_steps(steps: Any) -> bool:
    """Whether a step axis should be logarithmic: the positive steps span more than two decades.

    >>> use_log_steps([0, 10, 100]), use_log_steps([0, 10, 1001]), use_log_steps([0])
    (False, True, False)
    """
    steps = np.asarray(steps, dtype=np.float64)
    positive = steps[np.isfinite(steps) & (steps > 0)]
    return bool(positive.size) and float(positive.max()) > 100.0 * float(positive.min())


def y_limits(
    values: Any, mean: float, std: float, bounds: tuple[float, float] = (-math.inf, math.inf)
) -> tuple[float, float]:
    """The y-axis limits of a trajectory panel: what it shows, with a margin.

    The extent is the smallest interval holding the finite ``values`` and, when ``mean`` is
    finite, ``mean - 2 std`` and ``mean + 2 std`` (the mean alone when ``std`` is NaN), each
    point first clipped into the metric's ``bounds`` (a rate's reference band of 0.01 ± 0.02
    does not reach below 0). It is widened by :data:`Y_MARGIN` of its length on each side; a
    single point (a constant series on its reference mean, a reference std of 0) by
    ``Y_MARGIN * max(|point|, 1)``. With nothing to show (NaN-only values, no reference), the
    extent is ``bounds`` when both are finite, else [0, 1].

    >>> y_limits([5.0, 7.0], 6.0, 0.5)  # values 5-7, reference 5-7: margin 0.1
    (4.9, 7.1)
    >>> y_limits([0.0, 0.0], 0.0, 0.0)  # constant: 5% of 1 around the point
    (-0.05, 0.05)
    >>> y_limits([np.nan], np.nan, np.nan, (0.0, 1.0))  # nothing to show: the bounds
    (-0.05, 1.05)
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    points = [values[np.isfinite(values)]]
    if math.isfinite(mean):
        spread = 2.0 * std if math.isfinite(std) else 0.0
        points.append(np.array([mean - spread, mean + spread]))
    shown = np.clip(np.concatenate(points), *bounds)
    lower, upper = bounds
    if shown.size:
        low, high = float(shown.min()), float(shown.max())
    elif math.isfinite(lower) and math.isfinite(upper):
        low, high = lower, upper
    else:
        low, high = 0.0, 1.0
    margin = Y_MARGIN * (high - low if high > low else max(abs(low), 1.0))
    return low - margin, high + margin


def history_data(history: MetricHistory, metrics: list[str]) -> HistoryData:
    """What :func:`draw_history` draws for ``metrics`` of a non-empty ``history``."""
    steps = np.asarray(history.steps, dtype=np.float64)
    xscale, linthresh, xmax = "linear", np.nan, np.nan
    if use_log_steps(steps):
        xscale = "log"
        if steps.min() == 0:  # linear from 0 to the first positive step, logarithmic beyond
            xscale, linthresh, xmax = "symlog", float(steps[steps > 0].min()), 1.5 * steps.max()
    panels = []
    for metric in metrics:
        mean, std = history.reference.get(metric, (None, None))
        spec = METRICS.get(metric)
        bounds = (-math.inf, math.inf) if spec is None else (spec.lower, spec.upper)
        for track in history.tracks:
            x, y = history.series(metric, track)
            values = np.asarray(y, dtype=np.float64)
            center = np.nan if mean is None else float(mean[track])
            spread = np.nan if std is None else float(std[track])
            panels.append(
                HistoryPanel(
                    metric=metric,
                    title=f"{metric} · {history.track_label(track)}",
                    steps=np.asarray(x),
                    values=values,
                    mean=center,
                    std=spread,
                    limits=y_limits(values, center, spread, bounds),
                )
            )
    return HistoryData(tuple(panels), len(history.tracks), xscale, linthresh, xmax)


def history_figure(n_rows: int, n_columns: int) -> tuple[Figure, np.ndarray]:
    """A new grid of panels sharing the step axis."""
    figure = panel_figure(n_rows, n_columns)
    return figure, figure.subplots(n_rows, n_columns, squeeze=False, sharex=True)


def draw_history(panels: Panels, data: HistoryData) -> None:
    """Draw every panel of ``data``, the step scale and one legend: above the grid in a figure
    musiceval made, in the first panel on the caller's Axes."""
    xlabels, ylabels = panels.outer(data.n_columns)
    for ax, panel, xlabel, ylabel in zip(panels.axes, data.panels, xlabels, ylabels, strict=True):
        _draw_panel(ax, panel, xlabel=xlabel, ylabel=ylabel)
        if data.xscale == "symlog":
            ax.set_xscale("symlog", linthresh=data.linthresh)
            ax.set_xlim(0, data.xmax)
        else:
            ax.set_xscale(data.xscale)
    handles, labels = legend_entries(panels.axes)
    if panels.own:
        panels.figure.legend(
            handles,
            labels,
            loc="outside upper center",
            ncols=len(labels),
            fontsize=8,
            frameon=False,
        )
    else:
        panels.axes[0].legend(handles, labels, fontsize=6, frameon=False)


def _draw_panel(ax: Axes, panel: HistoryPanel, *, xlabel: bool, ylabel: bool) -> None:
    ax.plot(
        panel.steps,
        panel.values,
        marker="o",
        markersize=3,
        linewidth=1.2,
        color=GENERATED_COLOR,
        label="generated",
    )
    if np.isfinite(panel.mean):
        if np.isfinite(panel.std):
            ax.axhspan(
                panel.mean - panel.std,
                panel.mean + panel.std,
                color=REFERENCE_COLOR,
                alpha=0.18,
                linewidth=0,
                label="reference ±1 std",
            )
        ax.axhline(panel.mean, **REFERENCE_LINE)
    if not np.isfinite(panel.values).any():
        note(ax, "no defined values")
    ax.set_title(panel.title, fontsize=9, parse_math=False)
    ax.set_ylim(*panel.limits)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.25, linewidth=0.5)
    if ylabel:
        ax.set_ylabel(unit(panel.metric), fontsize=8)
    if xlabel:
        ax.set_xlabel("step", fontsize=8)
