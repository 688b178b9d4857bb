"""Numba kernels: one fused pass over each roll, no validation, no Python objects.

Callers (``_stats.gather``) pass C-contiguous arrays of fixed dtypes and preallocated, zeroed
outputs; an optional output with a zero-length second axis is skipped. Nothing here checks its
input: ``rolls`` validates, ``_stats`` prepares, this module only counts.

The pass is event driven. Each time step is read as 64-bit words (8 cells at a time); only the
bytes of a word that differ from the previous step's word are looked at, so sustained notes and
silence cost one comparison per 8 cells. A cell switching on opens a note; switching off (or the
roll ending) closes it, and a closed note ``[start, end)`` adds its length to every statistic
that needs it.
"""

import numpy as np
from numba import njit, prange

from musiceval._config import CACHE, FASTMATH, PARALLEL

__all__ = ["roll_statistics"]


@njit(cache=CACHE, fastmath=FASTMATH)
def _close_note(
    n, cell, start, end, n_tracks, pitch_class, min_steps, steps_per_bar, steps_per_beat,
    cell_hist, note_hist, pc_cells, pc_notes, qualified, bar_active, beat_chroma,
):  # fmt: skip
    pitch = cell // n_tracks
    track = cell % n_tracks
    length = end - start
    pc = pitch_class[pitch]
    cell_hist[n, pitch, track] += length
    note_hist[n, pitch, track] += 1
    pc_cells[n, pc, track] += length
    pc_notes[n, pc, track] += 1
    if length >= min_steps:
        qualified[n, track] += 1
    if bar_active.shape[1] > 0:
        for bar in range(start // steps_per_bar, (end - 1) // steps_per_bar + 1):
            bar_active[n, bar, track] = 1
    if beat_chroma.shape[1] > 0:
        for beat in range(start // steps_per_beat, (end - 1) // steps_per_beat + 1):
            lo = max(start, beat * steps_per_beat)
            hi = min(end, (beat + 1) * steps_per_beat)
            beat_chroma[n, beat, pc, track] += hi - lo


@njit(cache=CACHE, fastmath=FASTMATH)
def _update_cell(
    n, t, cell, on, start, n_active, n_tracks, pitch_class, min_steps, steps_per_bar,
    steps_per_beat, cell_hist, note_hist, pc_cells, pc_notes, qualified, bar_active, onsets,
    beat_chroma,
):  # fmt: skip
    """Open a note at step ``t`` if the cell switched on, close it if it switched off."""
    if on and start[cell] < 0:
        start[cell] = t
        track = cell % n_tracks
        n_active[track] += 1
        if onsets.shape[1] > 0:
            onsets[n, t, track] += 1
    elif not on and start[cell] >= 0:
        _close_note(
            n, cell, start[cell], t, n_tracks, pitch_class, min_steps, steps_per_bar,
            steps_per_beat, cell_hist, note_hist, pc_cells, pc_notes, qualified, bar_active,
            beat_chroma,
        )  # fmt: skip
        start[cell] = -1
        n_active[cell % n_tracks] -= 1


@njit(parallel=PARALLEL, cache=CACHE, fastmath=FASTMATH)
def roll_statistics(
    rows8, rows64, big_endian, n_tracks, pitch_class, min_steps, min_pitches, steps_per_bar,
    steps_per_beat, chunk, cell_hist, note_hist, pc_cells, pc_notes, qualified, poly_steps,
    bar_active, onsets, beat_chroma,
):  # fmt: skip
    """Gather every per-(sample, track) statistic the metrics need, in one pass.

    rows8: uint8 (n_samples, n_steps, n_bytes), cell ``pitch * n_tracks + track`` of a step,
    nonzero = active, n_bytes a multiple of 8 (zero padding after the last cell).
    rows64: the same buffer viewed as uint64 (n_samples, n_steps, n_bytes // 8).
    big_endian: whether byte 0 of a word is its most significant byte (``sys.byteorder``).
    pitch_class: int64 (n_pitches,), the pitch class of each pitch index.
    chunk: samples per parallel task (the scratch arrays are reused within a task).
    Outputs (int32, zeroed): cell_hist/note_hist (n_samples, n_pitches, n_tracks) active cells
    and notes per pitch; pc_cells/pc_notes (n_samples, 12, n_tracks); qualified and poly_steps
    (n_samples, n_tracks) notes >= min_steps long and steps with >= min_pitches active pitches;
    bar_active uint8 (n_samples, n_bars, n_tracks); onsets (n_samples, n_steps, n_tracks) notes
    starting at each step; beat_chroma (n_samples, n_beats, 12, n_tracks) active cells per beat
    and pitch class. The last three are skipped when their second axis has length 0.
    """
    n_samples, n_steps, n_words = rows64.shape
    n_cells = pitch_class.shape[0] * n_tracks
    for task in prange((n_samples + chunk - 1) // chunk):
        previous = np.zeros(n_words, np.uint64)
        start = np.full(n_cells, -1, np.int32)
        n_active = np.zeros(n_tracks, np.int32)
        for n in range(task * chunk, min((task + 1) * chunk, n_samples)):
            for t in range(n_steps + 1):
                for w in range(n_words):
                    word = rows64[n, t, w] if t < n_steps else np.uint64(0)
                    changed = word ^ previous[w]
                    if changed == 0:
                        continue
                    previous[w] = word
                    for byte in range(8):
                        if (changed >> np.uint64(8 * byte)) & np.uint64(0xFF) == 0:
                            continue
                        cell = w * 8 + (7 - byte if big_endian else byte)
                        if cell >= n_cells:
                            continue
                        _update_cell(
                            n, t, cell, t < n_steps and rows8[n, t, cell] != 0, start, n_active,
                            n_tracks, pitch_class, min_steps, steps_per_bar, steps_per_beat,
                            cell_hist, note_hist, pc_cells, pc_notes, qualified, bar_active,
                            onsets, beat_chroma,
                        )  # fmt: skip
                if t < n_steps:
                    for track in range(n_tracks):
                        if n_active[track] >= min_pitches:
                            poly_steps[n, track] += 1
