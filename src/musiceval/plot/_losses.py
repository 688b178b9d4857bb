"""The figure of :func:`musiceval.plot.plot_losses`: training losses, raw and smoothed.

:func:`loss_curves` computes each panel's raw and smoothed series; :func:`draw_loss` draws one
on an Axes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from musiceval.plot._base import GENERATED_COLOR, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["LossCurve", "draw_loss", "loss_curves", "loss_figure"]


@dataclass(frozen=True)
class LossCurve:
    """One loss: its per-step values and their moving mean over ``window`` steps
    (``smooth_steps``/``smooth_values`` empty when ``window`` is 1 or longer than the run)."""

    title: str
    steps: np.ndarray
    values: np.ndarray
    window: int
    smooth_steps: np.ndarray
    smooth_values: np.ndarray


def loss_curves(
    steps: np.ndarray, losses: Mapping[str, np.ndarray], titles: Mapping[str, str], window: int
) -> list[LossCurve]:
    """A curve per loss (checked: each as long as ``steps``), in the order of ``losses``; the
    moving mean is a ``"valid"`` convolution, so it starts at the ``window``-th step."""
    curves = []
    for name, values in losses.items():
        smooth_steps, smooth_values = steps[:0], values[:0]
        if window > 1 and values.size >= window:
            smooth_steps = steps[window - 1 :]
            smooth_values = np.convolve(values, np.ones(window) / window, mode="valid")
        title = titles.get(name, name)
        curves.append(LossCurve(title, steps, values, window, smooth_steps, smooth_values))
    return curves


def loss_figure(n_panels: int) -> tuple[Figure, np.ndarray]:
    """A new figure of two panels per row (one for a single loss), 5 x 2.5 inches each, sharing
    the step axis; the unused cell of an odd count is hidden."""
    n_columns = min(2, n_panels)
    n_rows = math.ceil(n_panels / n_columns)
    figure = new_figure(5.0 * n_columns, 2.5 * n_rows)
    axes = figure.subplots(n_rows, n_columns, sharex=True, squeeze=False).reshape(-1)
    for ax in axes[n_panels:]:
        ax.set_visible(False)
    return figure, axes[:n_panels]


def draw_loss(ax: Axes, curve: LossCurve, *, xlabel: bool, legend: bool) -> None:
    """The per-step values (faint) and their moving mean (solid)."""
    ax.plot(
        curve.steps, curve.values, color=GENERATED_COLOR, alpha=0.3, linewidth=0.8, label="per step"
    )
    if curve.smooth_steps.size:
        ax.plot(
            curve.smooth_steps,
            curve.smooth_values,
            color=GENERATED_COLOR,
            linewidth=1.6,
            label=f"mean of {curve.window} steps",
        )
    ax.set_title(curve.title, fontsize=10, parse_math=False)
    ax.grid(alpha=0.25, linewidth=0.5)
    ax.tick_params(labelsize=8)
    if xlabel:
        ax.set_xlabel("step", fontsize=9)
    if legend:
        ax.legend(fontsize=8, frameon=False)
