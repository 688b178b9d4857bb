"""The figure of :func:`musiceval.plot.plot_roll`: piano rolls, one panel per track.

:func:`roll_image` computes the image (samples one after the other in time), the pitch range
shown and the bar and sample lines from a validated roll; :func:`draw_roll_track` draws one
track on an Axes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from musiceval.plot._base import new_figure, note

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from musiceval.rolls import Roll

__all__ = ["RollImage", "draw_roll_track", "roll_figure", "roll_image"]


@dataclass(frozen=True)
class RollImage:
    """The rolls laid end to end and what frames them.

    Attributes
    ----------
    song : ndarray of shape (n_samples * n_steps, n_pitches, n_tracks)
        The active cells, samples one after the other.
    labels : list of str
        A name per track.
    extent : tuple of 4 floats
        Image extent: steps ``0 .. len(song)``, MIDI pitches centred on each row.
    pitch_limits : tuple of 2 floats
        The y-range shown: the pitches any track uses, with one semitone of margin (every
        pitch when all tracks are silent).
    sample_lines, bar_lines : ndarray of int
        Steps where a sample starts (thick lines) and where a bar starts inside a sample.
    silent : bool
        No track has an active cell.
    """

    song: np.ndarray
    labels: list[str]
    extent: tuple[float, float, float, float]
    pitch_limits: tuple[float, float]
    sample_lines: np.ndarray
    bar_lines: np.ndarray
    silent: bool


def roll_image(roll: Roll, labels: list[str], steps_per_bar: int) -> RollImage:
    """The image of a validated ``roll`` with a label per track and bar lines every
    ``steps_per_bar`` steps."""
    song = roll.cells.reshape(-1, roll.n_pitches, roll.n_tracks)
    used = np.flatnonzero(song.any(axis=(0, 2)))
    low, high = (used[0] - 1, used[-1] + 1) if used.size else (0, roll.n_pitches - 1)
    bottom = roll.lowest_pitch - 0.5
    starts = np.arange(0, song.shape[0], roll.n_steps)
    within = np.arange(steps_per_bar, roll.n_steps, steps_per_bar)
    return RollImage(
        song=song,
        labels=labels,
        extent=(0.0, float(song.shape[0]), bottom, bottom + roll.n_pitches),
        pitch_limits=(float(bottom + low), float(bottom + high + 1)),
        sample_lines=starts[1:],
        bar_lines=(starts[:, None] + within[None, :]).reshape(-1),
        silent=not used.size,
    )


def roll_figure(n_tracks: int) -> tuple[Figure, np.ndarray]:
    """A new figure 10 inches wide, ``1.6 * n_tracks + 0.4`` high, one row per track sharing
    the time axis."""
    figure = new_figure(10.0, 1.6 * n_tracks + 0.4)
    return figure, figure.subplots(n_tracks, 1, squeeze=False, sharex=True)[:, 0]


def draw_roll_track(ax: Axes, image: RollImage, track: int, *, xlabel: bool) -> None:
    """Track ``track`` of ``image`` in grey, with its sample and bar lines."""
    ax.imshow(
        image.song[:, :, track].T,
        aspect="auto",
        origin="lower",
        interpolation="nearest",
        cmap="Greys",
        vmin=0,
        vmax=1,
        extent=image.extent,
    )
    ax.set_ylim(*image.pitch_limits)
    for start in image.sample_lines:
        ax.axvline(start, color="0.3", linewidth=1.2)
    for bar in image.bar_lines:
        ax.axvline(bar, color="0.8", linewidth=0.5)
    ax.set_ylabel(f"{image.labels[track]}\npitch", fontsize=8, parse_math=False)
    ax.tick_params(labelsize=7)
    if image.silent:
        note(ax, "silent")
    if xlabel:
        ax.set_xlabel("time step", fontsize=8)
