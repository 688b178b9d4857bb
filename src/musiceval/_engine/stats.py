"""Sufficient statistics of a roll, gathered by one kernel pass.

:func:`gather` prepares a validated :class:`~musiceval.rolls.Roll` for the kernel (a flat
``uint8`` row per time step, padded to whole 64-bit words), allocates the outputs and runs
:func:`musiceval._engine.kernels.roll_statistics`. Every metric is then a small numpy reduction
of a :class:`RollStats` (see ``reducers``), so any set of metrics costs one pass over the data.
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
    """Per-(sample, track) statistics (see ``_kernels.roll_statistics``), int32 arrays.

    ``n_notes``, ``qualified`` (notes >= min_steps long), ``poly_steps`` (steps with >=
    min_pitches sounding pitches), ``n_pitches`` (distinct pitches), ``lowest``/``highest``
    (sounding pitch indices, meaningless where ``n_notes`` is 0) have shape
    ``(n_samples, n_tracks)``; ``pc_cells`` ``(n_samples, 12, n_tracks)``. The optional
    ``pc_notes``, ``cell_hist``/``note_hist``, ``bar_active``, ``onsets`` and ``beat_chroma`` are
    ``None`` when not gathered.
    """

    n_steps: int
    steps_per_bar: int | None
    steps_per_beat: int | None
    n_notes: np.ndarray
    qualified: np.ndarray
    poly_steps: np.ndarray
    n_pitches: np.ndarray
    lowest: np.ndarray
    highest: np.ndarray
    pc_cells: np.ndarray
    pc_notes: np.ndarray | None
    cell_hist: np.ndarray | None
    note_hist: np.ndarray | None
    bar_active: np.ndarray | None
    onsets: np.ndarray | None
    beat_chroma: np.ndarray | None

    def needed(self, name: str) -> np.ndarray:
        """The optional statistic ``name``, which the metric being reduced needs.

        Raises RuntimeError when the pass did not gather it: the metric's registry entry lacks
        it in ``needs`` (a bug of musiceval, never of the caller).
        """
        value = getattr(self, name)
        if value is None:
            raise RuntimeError(f"{name!r} was not gathered: add it to the metric's needs")
        return value

    def bar_length(self) -> int:
        """Steps per bar of the gathered ``bar_active`` (see :meth:`needed`)."""
        if self.steps_per_bar is None:
            raise RuntimeError("bars were not gathered: add 'bars' to the metric's needs")
        return self.steps_per_bar


def _words(cells: np.ndarray) -> np.ndarray:
    """The roll as ``(n_samples, n_steps, n_words)`` uint64, each word 8 cells of a step."""
    n_samples, n_steps, n_pitches, n_tracks = cells.shape
    n_cells = n_pitches * n_tracks
    rows = cells.reshape(n_samples, n_steps, n_cells)
    n_bytes = -(-n_cells // 8) * 8
    if n_bytes != n_cells or rows.ctypes.data % 8:
        padded = np.zeros((n_samples, n_steps, n_bytes), np.uint8)
        padded[:, :, :n_cells] = rows
        rows = padded
    return rows.view(np.uint64)


def gather(
    roll: Roll,
    *,
    min_steps: int = 1,
    min_pitches: int = 1,
    steps_per_bar: int | None = None,
    steps_per_beat: int | None = None,
    onsets: bool = False,
    pitches: bool = False,
    notes: bool = False,
) -> RollStats:
    """Run the fused kernel once over ``roll``.

    ``steps_per_bar`` (must divide ``n_steps``) gathers which bars are active, ``steps_per_beat``
    (must divide ``n_steps``) the pitch-class content of each beat, ``onsets`` the number of
    notes starting at each step, ``pitches`` the per-pitch histograms, ``notes`` the note counts
    per pitch class (``weight="notes"``); leave them out when no requested metric needs them.
    """
    from musiceval._engine import kernels

    n, t, p, k = roll.cells.shape
    counts = np.zeros((n, kernels.COUNT_SLOTS, k), np.int32)
    counts[:, kernels.LOWEST] = p
    counts[:, kernels.HIGHEST] = -1
    hist_shape = (n, p if pitches else 0, k)
    out = kernels.Outputs(
        counts=counts,
        pc_cells=np.zeros((n, 12, k), np.int32),
        pc_notes=np.zeros((n, 12 if notes else 0, k), np.int32),
        cell_hist=np.zeros(hist_shape, np.int32),
        note_hist=np.zeros(hist_shape, np.int32),
        bar_active=np.zeros((n, t // steps_per_bar if steps_per_bar else 0, k), np.uint8),
        onsets=np.zeros((n, t if onsets else 0, k), np.int32),
        beat_chroma=np.zeros((n, t // steps_per_beat if steps_per_beat else 0, 12, k), np.int32),
    )
    options = kernels.Options(
        min_steps=min_steps,
        min_pitches=min_pitches,
        steps_per_bar=steps_per_bar or 1,
        steps_per_beat=steps_per_beat or 1,
        chunk=_CHUNK,
        big_endian=sys.byteorder == "big",
    )
    kernels.roll_statistics(_words(roll.cells), roll.pitch_classes(), options, out)
    return RollStats(
        n_steps=t,
        steps_per_bar=steps_per_bar,
        steps_per_beat=steps_per_beat,
        n_notes=counts[:, kernels.N_NOTES],
        qualified=counts[:, kernels.QUALIFIED],
        poly_steps=counts[:, kernels.POLY_STEPS],
        n_pitches=counts[:, kernels.N_PITCHES],
        lowest=counts[:, kernels.LOWEST],
        highest=counts[:, kernels.HIGHEST],
        pc_cells=out.pc_cells,
        pc_notes=out.pc_notes if notes else None,
        cell_hist=out.cell_hist if pitches else None,
        note_hist=out.note_hist if pitches else None,
        bar_active=out.bar_active if steps_per_bar else None,
        onsets=out.onsets if onsets else None,
        beat_chroma=out.beat_chroma if steps_per_beat else None,
    )
