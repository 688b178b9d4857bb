"""Sufficient statistics of a roll, gathered by one kernel pass.

:func:`gather` prepares a validated :class:`~musiceval.rolls.Roll` for the kernel (a flat
``uint8`` row per time step, padded to whole 64-bit words), allocates the outputs and runs
:func:`musiceval._kernels.roll_statistics`. Every metric is then a small numpy reduction of a
:class:`RollStats` (see ``_reducers``), so any set of metrics costs one pass over the data.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from musiceval.rolls import Roll

__all__ = ["RollStats", "gather"]

_CHUNK = 64  # samples per parallel task of the kernel


@dataclass(frozen=True)
class RollStats:
    """Per-(sample, track) statistics; axes as in ``_kernels.roll_statistics``.

    ``bar_active``, ``onsets`` and ``beat_chroma`` are ``None`` when not gathered.
    """

    n_steps: int
    steps_per_bar: int | None
    steps_per_beat: int | None
    cell_hist: np.ndarray
    note_hist: np.ndarray
    pc_cells: np.ndarray
    pc_notes: np.ndarray
    qualified: np.ndarray
    poly_steps: np.ndarray
    bar_active: np.ndarray | None
    onsets: np.ndarray | None
    beat_chroma: np.ndarray | None


def _rows(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The roll as ``(n_samples, n_steps, n_bytes)`` uint8 rows and their uint64 view."""
    n_samples, n_steps, n_pitches, n_tracks = cells.shape
    n_cells = n_pitches * n_tracks
    rows = cells.reshape(n_samples, n_steps, n_cells)
    n_bytes = -(-n_cells // 8) * 8
    if n_bytes != n_cells or not rows.flags.aligned or rows.ctypes.data % 8:
        padded = np.zeros((n_samples, n_steps, n_bytes), np.uint8)
        padded[:, :, :n_cells] = rows
        rows = padded
    return rows, rows.view(np.uint64)


def gather(
    roll: Roll,
    *,
    min_steps: int = 1,
    min_pitches: int = 1,
    steps_per_bar: int | None = None,
    steps_per_beat: int | None = None,
    onsets: bool = False,
) -> RollStats:
    """Run the fused kernel once over ``roll``.

    ``steps_per_bar`` (must divide ``n_steps``) gathers which bars are active, ``steps_per_beat``
    (must divide ``n_steps``) the pitch-class content of each beat, ``onsets`` the number of
    notes starting at each step; leave them out when no requested metric needs them.
    """
    from musiceval._kernels import roll_statistics

    n, t, p, k = roll.cells.shape
    rows8, rows64 = _rows(roll.cells)
    counts = {
        name: np.zeros(shape, np.int32)
        for name, shape in {
            "cell_hist": (n, p, k),
            "note_hist": (n, p, k),
            "pc_cells": (n, 12, k),
            "pc_notes": (n, 12, k),
            "qualified": (n, k),
            "poly_steps": (n, k),
            "onsets": (n, t if onsets else 0, k),
            "beat_chroma": (n, t // steps_per_beat if steps_per_beat else 0, 12, k),
        }.items()
    }
    bar_active = np.zeros((n, t // steps_per_bar if steps_per_bar else 0, k), np.uint8)
    roll_statistics(
        rows8, rows64, sys.byteorder == "big", k, roll.pitch_classes(), min_steps, min_pitches,
        steps_per_bar or 1, steps_per_beat or 1, _CHUNK,
        counts["cell_hist"], counts["note_hist"], counts["pc_cells"], counts["pc_notes"],
        counts["qualified"], counts["poly_steps"], bar_active, counts["onsets"],
        counts["beat_chroma"],
    )  # fmt: skip
    return RollStats(
        n_steps=t,
        steps_per_bar=steps_per_bar,
        steps_per_beat=steps_per_beat,
        cell_hist=counts["cell_hist"],
        note_hist=counts["note_hist"],
        pc_cells=counts["pc_cells"],
        pc_notes=counts["pc_notes"],
        qualified=counts["qualified"],
        poly_steps=counts["poly_steps"],
        bar_active=bar_active if steps_per_bar else None,
        onsets=counts["onsets"] if onsets else None,
        beat_chroma=counts["beat_chroma"] if steps_per_beat else None,
    )
