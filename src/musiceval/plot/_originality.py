"""The figure of :func:`plot_originality`: a Monitor's originality over training steps.

Bar match rates (as written, and up to transposition) on the left axis, in [0, 1]; the longest
copied run, in bars, on a second axis at the right. See ``docs/originality.md``.
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
    REFERENCE_COLOR,
    check_png_path,
    finish,
    new_figure,
    panels,
    require_matplotlib,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["RATES", "RUN", "plot_originality"]

RATES: dict[str, tuple[str, str]] = {
    "bar_match_rate": ("bars copied", "-"),
    "bar_match_rate_transposed": ("bars copied, up to transposition", "--"),
}
"""The rate columns drawn on the left axis: label and line style."""
RUN = "longest_copied_run"
"""The column drawn on the right axis, in bars."""

_PathLike = str | os.PathLike[str]


@overload
def plot_originality(history_or_frame: Any, path: None = None, *, ax: Any = None) -> Figure: ...
@overload
def plot_originality(history_or_frame: Any, path: _PathLike, *, ax: Any = None) -> Path: ...
def plot_originality(
    history_or_frame: Any, path: _PathLike | None = None, *, ax: Any = None
) -> Path | Figure:
    """Draw a training run's originality against the step (``originality.png`` of a Monitor).

    The share of generated bars found in the training set, as written (solid) and up to
    transposition (dashed), on the left axis in [0, 1] (lower is more original); the longest
    passage copied from one training piece, in bars, on a second axis at the right (grey).

    Parameters
    ----------
    history_or_frame : MetricHistory or pandas.DataFrame
        A history with the set-level series of a :class:`musiceval.Monitor` that had a bar
        index, or the table of its ``originality.csv`` (``pandas.read_csv``): column ``step``
        and any of ``bar_match_rate``, ``bar_match_rate_transposed``, ``longest_copied_run``.
    path : str or os.PathLike, optional
        Output file, ending in ``.png``; its directory must exist. Default: write nothing and
        return the Figure.
    ax : matplotlib.axes.Axes, optional
        The Axes to draw on (its figure gets a twin Axes for the run); default: a new figure
        of 6 x 3 inches.

    Returns
    -------
    pathlib.Path or matplotlib.figure.Figure
        ``path`` when given (the figure written as a PNG), else the Figure.

    Raises
    ------
    InvalidParameterError
        Neither a MetricHistory nor a table, no step, none of the three columns, or no row.
    """
    require_matplotlib("musiceval.plot.plot_originality")
    steps, series = _series(history_or_frame)
    path = check_png_path(path)
    target = panels("ax", ax, 1, _figure)
    draw_originality(target.axes[0], steps, series)
    return finish(target.figure, path)


def _figure() -> tuple[Figure, np.ndarray]:
    figure = new_figure(6.0, 3.0)
    return figure, np.array([figure.subplots()], dtype=object)


def _series(history_or_frame: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Steps and the originality columns present, as float64 arrays."""
    from musiceval.history import MetricHistory

    frame = history_or_frame
    if isinstance(frame, MetricHistory):
        frame = frame.set_level_frame()
    if not hasattr(frame, "columns") or "step" not in frame.columns:
        raise invalid(
            "history_or_frame", "a MetricHistory or a table with a 'step' column",
            history_or_frame,
        )  # fmt: skip
    present = [name for name in (*RATES, RUN) if name in frame.columns]
    if not present or not len(frame):
        raise InvalidParameterError(
            f"history_or_frame holds no originality to draw (rows with any of {[*RATES, RUN]}); "
            f"got columns {list(frame.columns)} and {len(frame)} rows"
        )
    try:
        steps = frame["step"].to_numpy(np.float64)
        series = {name: frame[name].to_numpy(np.float64) for name in present}
    except (TypeError, ValueError):
        raise invalid("history_or_frame", "numbers in its columns", history_or_frame) from None
    return steps, series


def draw_originality(ax: Axes, steps: np.ndarray, series: dict[str, np.ndarray]) -> None:
    """The rates on ``ax`` (y in [0, 1]) and the run on a twin Axes at the right."""
    handles = []
    for name, (label, style) in RATES.items():
        if name in series:
            handles += ax.plot(steps, series[name], style, color=GENERATED_COLOR,
                               marker=".", linewidth=1.4, label=label)  # fmt: skip
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("step", fontsize=9)
    ax.set_ylabel("share of generated bars", fontsize=9)
    ax.grid(alpha=0.25, linewidth=0.5)
    ax.tick_params(labelsize=8)
    if RUN in series:
        twin = ax.twinx()
        handles += twin.plot(steps, series[RUN], ":", color=REFERENCE_COLOR, marker=".",
                             linewidth=1.2, label="longest copied run (bars)")  # fmt: skip
        twin.set_ylim(bottom=0, top=max(1.0, float(np.nanmax(series[RUN], initial=0)) * 1.1))
        twin.set_ylabel("bars", fontsize=9)
        twin.tick_params(labelsize=8)
    ax.set_title("originality against the training set", fontsize=10)
    ax.legend(handles=handles, fontsize=8, frameon=False, ncol=len(handles), loc="upper center",
              bbox_to_anchor=(0.5, -0.2))  # fmt: skip
