"""The figure of :func:`musiceval.plot.plot_history`: metric trajectories over training steps.

:func:`history_data` computes what to draw from a checked history; :func:`draw_history` draws
it on :class:`~musiceval.plot._base.Panels`, one per (metric, track), row-major.
"""

from __future__ import annotations

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
    set_y_bounds,
    unit,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from musiceval.history import MetricHistory

__all__ = [
    "HistoryData",
    "HistoryPanel",
    "draw_history",
    "history_data",
    "history_figure",
    "use_log_steps",
]


@dataclass(frozen=True)
class HistoryPanel:
    """One (metric, track) panel: the recorded values against the step and the reference
    mean and std (NaN where unknown)."""

    metric: str
    title: str
    steps: np.ndarray
    values: np.ndarray
    mean: float
    std: float


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
        for track in history.tracks:
            x, y = history.series(metric, track)
            panels.append(
                HistoryPanel(
                    metric=metric,
                    title=f"{metric} · {history.track_label(track)}",
                    steps=np.asarray(x),
                    values=np.asarray(y, dtype=np.float64),
                    mean=np.nan if mean is None else float(mean[track]),
                    std=np.nan if std is None else float(std[track]),
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
    set_y_bounds(ax, panel.metric)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.25, linewidth=0.5)
    if ylabel:
        ax.set_ylabel(unit(panel.metric), fontsize=8)
    if xlabel:
        ax.set_xlabel("step", fontsize=8)
