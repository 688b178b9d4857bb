"""What every figure of :mod:`musiceval.plot` shares: sizes, colours, panels, argument checks,
the one saving rule.

Compute apart from draw (scikit-learn's Display style): each ``_plot_*`` module turns checked
arguments into plain data, then draws that data on :class:`Panels`, which are either a figure
musiceval makes or Axes the caller gives. matplotlib is imported inside functions only; without
it, :func:`require_matplotlib` says which extra to install. Text that comes from the user (track
names, metric names, titles) is drawn with ``parse_math=False``: as written, never as mathtext.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._atomic import atomic_path
from musiceval._checks import check_path, describe, invalid
from musiceval.exceptions import InvalidParameterError
from musiceval.registry import METRICS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "DPI",
    "GENERATED_COLOR",
    "INSTALL_HINT",
    "PANEL_SIZE",
    "REFERENCE_COLOR",
    "REFERENCE_LINE",
    "Panels",
    "check_png_path",
    "check_track_names",
    "finish",
    "has_matplotlib",
    "legend_entries",
    "new_figure",
    "note",
    "panel_figure",
    "panels",
    "require_matplotlib",
    "samples",
    "track_label",
    "unit",
]

DPI = 100
"""Resolution of every figure, in dots per inch."""
PANEL_SIZE = (3.4, 2.5)
"""Width and height of one panel of :func:`~musiceval.plot.plot_history` and
:func:`~musiceval.plot.plot_distributions`, in inches."""

REFERENCE_COLOR = "0.35"
REFERENCE_LINE: dict[str, Any] = {
    "color": REFERENCE_COLOR,
    "linestyle": "--",
    "linewidth": 1.2,
    "label": "reference mean",
}
GENERATED_COLOR = "tab:blue"

INSTALL_HINT = 'pip install "musiceval[plot]"'
"""How to install what the figures need (matplotlib)."""


def has_matplotlib() -> bool:
    """Whether matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def require_matplotlib(what: str) -> None:
    """Raise ``ModuleNotFoundError`` saying that ``what`` needs matplotlib and how to install
    it, when matplotlib cannot be imported."""
    if not has_matplotlib():
        raise ModuleNotFoundError(
            f"{what} needs matplotlib, which is not installed: {INSTALL_HINT}", name="matplotlib"
        )


# ---------------------------------------------------------------------- panels and saving


@dataclass(frozen=True)
class Panels:
    """Where a figure is drawn.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The root figure holding every panel.
    axes : ndarray of Axes, shape (n_panels,)
        One Axes per panel, in drawing order.
    own : bool
        Whether musiceval made the figure (then it also lays out labels, legends and sizes),
        rather than drawing on Axes the caller gave.
    """

    figure: Figure
    axes: np.ndarray
    own: bool

    def outer(self, n_columns: int) -> tuple[list[bool], list[bool]]:
        """Which panels get an x label (the last row) and a y label (the first column) in a
        figure of ``n_columns`` columns that musiceval made; all of them on the caller's Axes,
        whose arrangement is unknown."""
        n = len(self.axes)
        if not self.own:
            return [True] * n, [True] * n
        last_row = (math.ceil(n / n_columns) - 1) * n_columns
        return [i >= last_row for i in range(n)], [i % n_columns == 0 for i in range(n)]


def panels(name: str, given: Any, n: int, make: Callable[[], tuple[Figure, np.ndarray]]) -> Panels:
    """The ``n`` panels to draw on: ``make()``'s new figure and Axes when ``given`` is None,
    else the caller's Axes (``given``: one Axes or an array-like of ``n`` of them, on one
    figure, read in row-major order)."""
    if given is None:
        figure, axes = make()
        return Panels(figure, np.asarray(axes, dtype=object).reshape(-1), own=True)
    from matplotlib.axes import Axes

    expected = "a matplotlib Axes" if n == 1 else f"an array of {n} matplotlib Axes"
    try:
        axes = np.asarray(given, dtype=object).reshape(-1)
    except ValueError:  # ragged nesting
        raise invalid(name, expected, given) from None
    all_axes = all(isinstance(ax, Axes) for ax in axes)
    if axes.size != n or not all_axes:
        received = f"{axes.size} Axes" if all_axes else None
        raise invalid(name, expected, given, received=received)
    roots = {id(ax.figure.figure) for ax in axes}  # a SubFigure's .figure is its root Figure
    if len(roots) > 1:
        raise invalid(name, "Axes of one figure", received=f"Axes of {len(roots)} figures")
    return Panels(axes[0].figure.figure, axes, own=False)


def check_png_path(path: Any) -> Path | None:
    """``path`` as a Path to a ``.png`` file in an existing directory, or None."""
    if path is None:
        return None
    path = check_path("path", path)
    if path.suffix.lower() != ".png":
        raise InvalidParameterError(
            f"path must end in .png (figures are PNG files); got {str(path)!r}"
        )
    if not path.parent.is_dir():
        raise InvalidParameterError(f"path's directory {str(path.parent)!r} does not exist")
    return path


def finish(figure: Figure, path: Path | None) -> Path | Figure:
    """The one saving rule: write ``figure`` to ``path`` as a PNG at :data:`DPI` atomically
    (temporary file, then rename) and return ``path``; without a path, return ``figure``."""
    if path is None:
        return figure
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=DPI)
    return path


def new_figure(width: float, height: float) -> Figure:
    """A constrained-layout figure of ``width`` x ``height`` inches at :data:`DPI`, without
    pyplot (no global state, no display)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def panel_figure(n_rows: int, n_columns: int) -> Figure:
    """A figure of ``n_rows`` x ``n_columns`` panels of :data:`PANEL_SIZE`, plus 0.4 inch of
    height for titles and legends."""
    width, height = PANEL_SIZE
    return new_figure(width * n_columns, height * n_rows + 0.4)


# ---------------------------------------------------------------------- checks


def samples(values: Any, name: str) -> np.ndarray:
    """Per-sample values as a float64 array of shape ``(n_samples, n_tracks)`` (1-D: one
    track)."""
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid(name, "numbers", values) from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] == 0:
        raise invalid(name, "of shape (n_samples, n_tracks)", received=f"shape {array.shape}")
    return array


def check_track_names(names: Sequence[Any] | None, n_tracks: int) -> list[str]:
    """``n_tracks`` panel labels: ``names`` as strings, or ``"track 0"``, ``"track 1"``, ..."""
    if names is None:
        return [f"track {index}" for index in range(n_tracks)]
    if isinstance(names, str) or not isinstance(names, Sequence) or len(names) != n_tracks:
        raise InvalidParameterError(
            f"track_names must give {n_tracks} names; got {describe(names)}"
        )
    return [str(name) for name in names]


def track_label(track: Any) -> str:
    """A track number as ``"track <n>"``; a name as itself."""
    return f"track {track}" if isinstance(track, int | np.integer) else str(track)


# ---------------------------------------------------------------------- drawing


def unit(metric: str) -> str:
    """The registry unit of ``metric``, or ``"value"`` for a metric it does not know."""
    spec = METRICS.get(metric)
    return spec.unit if spec is not None else "value"


def note(ax: Axes, text: str) -> None:
    """Grey italic ``text`` in the middle of a panel (say, "no finite values")."""
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


def legend_entries(axes: np.ndarray) -> tuple[list[Any], list[str]]:
    """One legend entry per distinct label over all panels."""
    entries: dict[str, Any] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    return list(entries.values()), list(entries)
