"""The figure of :func:`musiceval.plot.plot_z_scores`: every (metric, track) z-score as a bar.

:func:`z_score_bars` computes bar lengths, colours, clipping and labels from a checked frame;
:func:`draw_z_scores` draws them on one Axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from musiceval.plot._base import new_figure, track_label

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ZScoreBars", "draw_z_scores", "z_score_bars", "z_score_figure"]


@dataclass(frozen=True)
class ZScoreBars:
    """What :func:`draw_z_scores` draws, one entry per row of the frame, top to bottom.

    Attributes
    ----------
    labels : list of str
        ``"<metric> · <track>"`` per bar.
    z : ndarray of shape (n_rows,)
        The true z-scores (NaN and infinite included).
    drawn : ndarray of shape (n_rows,)
        Bar lengths: ``z`` clipped to ``±clip``, 0 for NaN.
    clipped : ndarray of bool, shape (n_rows,)
        ``|z| > clip`` (infinite included, NaN not): hatched and labelled with the true value.
    colors : ndarray of str, shape (n_rows,)
        Green within ±1, orange within ±2, red beyond.
    limit : float
        Half-width of the x-axis.
    boundaries : ndarray of int
        Rows after which the metric changes (a separating line is drawn).
    """

    labels: list[str]
    z: np.ndarray
    drawn: np.ndarray
    clipped: np.ndarray
    colors: np.ndarray
    limit: float
    boundaries: np.ndarray


def z_score_bars(frame: pd.DataFrame, z: np.ndarray, clip: float) -> ZScoreBars:
    """The bars of a checked ``frame`` whose ``z_score`` column is ``z``."""
    tracks = frame["track_name"] if "track_name" in frame.columns else frame["track"]
    labels = [
        f"{metric} · {track_label(track)}"
        for metric, track in zip(frame["metric"], tracks, strict=True)
    ]
    drawn = np.clip(np.nan_to_num(z, nan=0.0, posinf=clip, neginf=-clip), -clip, clip)
    clipped = np.abs(z) > clip
    limit = max(2.5, float(np.abs(drawn).max())) * (1.4 if clipped.any() else 1.15)
    colors = np.where(
        np.abs(z) <= 1, "tab:green", np.where(np.abs(z) <= 2, "tab:orange", "tab:red")
    )
    metrics = frame["metric"].astype(str).to_numpy()
    boundaries = np.flatnonzero(metrics[1:] != metrics[:-1])
    return ZScoreBars(labels, z, drawn, clipped, colors, limit, boundaries)


def z_score_figure(n_rows: int) -> tuple[Figure, np.ndarray]:
    """A new figure 8 inches wide and ``1.6 + 0.26 * n_rows`` inches high, with one Axes."""
    figure = new_figure(8.0, 1.6 + 0.26 * n_rows)
    return figure, np.array([figure.subplots()], dtype=object)


def draw_z_scores(ax: Axes, bars: ZScoreBars) -> None:
    """Bars, their annotations, guide lines at 0, ±1 and ±2, labels and a summary title."""
    n = len(bars.labels)
    y = np.arange(n)
    defined = ~np.isnan(bars.z)
    ax.barh(y[defined], bars.drawn[defined], color=bars.colors[defined], height=0.7)
    if bars.clipped.any():
        ax.barh(
            y[bars.clipped],
            bars.drawn[bars.clipped],
            height=0.7,
            fill=False,
            hatch="///",
            edgecolor="black",
            linewidth=0.6,
        )
    _annotate(ax, bars)
    ax.axvline(0, color="black", linewidth=0.8)
    for guide, style in ((1, "--"), (2, ":")):
        for sign in (-1, 1):
            ax.axvline(sign * guide, color="0.4", linestyle=style, linewidth=0.8)
    for boundary in bars.boundaries:
        ax.axhline(boundary + 0.5, color="0.85", linewidth=0.8)
    ax.set_yticks(y, bars.labels, fontsize=7, parse_math=False)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(-bars.limit, bars.limit)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_xlabel(
        "z-score of the generated mean: (generated mean - reference mean) / reference std",
        fontsize=8,
    )
    within, beyond = int(np.sum(np.abs(bars.z) <= 1)), int(np.sum(np.abs(bars.z) > 2))
    ax.set_title(
        f"{n} metric-track pairs: {within} within ±1 std, {beyond} beyond ±2, "
        f"{int(np.sum(~defined))} undefined",
        fontsize=9,
    )
    ax.grid(axis="x", alpha=0.25, linewidth=0.5)


def _annotate(ax: Axes, bars: ZScoreBars) -> None:
    """The true value beside each clipped bar; "undefined" where a z-score is NaN."""
    for row in np.flatnonzero(bars.clipped):
        side = 1.0 if bars.drawn[row] > 0 else -1.0
        ax.text(
            bars.drawn[row] + side * 0.05 * bars.limit,
            float(row),
            f"{bars.z[row]:.3g}",
            va="center",
            ha="left" if side > 0 else "right",
            fontsize=7,
            fontweight="bold",
        )
    for row in np.flatnonzero(np.isnan(bars.z)):
        ax.text(
            0.05 * bars.limit,
            float(row),
            "undefined",
            va="center",
            ha="left",
            fontsize=7,
            color="0.45",
            style="italic",
        )
