"""Numba kernels: one fused pass over each roll, no validation, no Python objects.

Callers (``_stats.gather``) pass C-contiguous arrays of fixed dtypes and preallocated outputs;
an optional output with a zero-length second axis is skipped. Nothing here checks its input:
``rolls`` validates, ``_stats`` prepares, this module only counts.

The pass is event driven. Each time step is read as 64-bit words (8 cells at a time) and
compared with the same words of the previous step; a bit mask records which words changed, and
only their changed bytes are visited (found with a trailing-zero count). Sustained notes and
silence therefore cost one comparison per 8 cells. A cell switching on opens a note; switching
off, or the roll ending, closes it, and a closed note ``[start, end)`` adds to every statistic
that needs it. Polyphony is counted when a track's number of sounding pitches crosses
``min_pitches``, not step by step.
"""

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic, overload

from musiceval._config import CACHE, FASTMATH, PARALLEL

__all__ = ["histogram_entropy", "roll_statistics"]


def _trailing_zeros(word):
    """Index of the lowest set bit of a nonzero uint64 (Python; compiled code uses cttz)."""
    word = int(word)
    return (word & -word).bit_length() - 1


@intrinsic
def _count_trailing_zeros(typingctx, word):
    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))

    return types.int64(types.uint64), codegen


@overload(_trailing_zeros, jit_options={"cache": CACHE})
def _trailing_zeros_compiled(word):
    return lambda word: _count_trailing_zeros(word)


@njit(cache=CACHE, fastmath=FASTMATH)
def _word(rows64, n, t, w):
    """Word ``w`` of step ``t``; steps before 0 and after the end are silent."""
    if t < 0 or t >= rows64.shape[1]:
        return np.uint64(0)
    return rows64[n, t, w]


@njit(cache=CACHE, fastmath=FASTMATH, inline="always")
def _close_note(
    n, cell, start, end, cell_pitch, cell_track, pitch_class, min_steps, steps_per_bar,
    steps_per_beat, seen, counts, pc_cells, pc_notes, cell_hist, note_hist, bar_active,
    beat_chroma,
):  # fmt: skip
    pitch = cell_pitch[cell]
    track = cell_track[cell]
    length = end - start
    pc = pitch_class[pitch]
    pc_cells[n, pc, track] += length
    if pc_notes.shape[1] > 0:
        pc_notes[n, pc, track] += 1
    counts[n, 0, track] += 1
    if length >= min_steps:
        counts[n, 1, track] += 1
    if not seen[cell]:
        seen[cell] = True
        counts[n, 3, track] += 1
        counts[n, 4, track] = min(counts[n, 4, track], pitch)
        counts[n, 5, track] = max(counts[n, 5, track], pitch)
    if cell_hist.shape[1] > 0:
        cell_hist[n, pitch, track] += length
        note_hist[n, pitch, track] += 1
    if bar_active.shape[1] > 0:
        for bar in range(start // steps_per_bar, (end - 1) // steps_per_bar + 1):
            bar_active[n, bar, track] = 1
    if beat_chroma.shape[1] > 0:
        for beat in range(start // steps_per_beat, (end - 1) // steps_per_beat + 1):
            lo = max(start, beat * steps_per_beat)
            hi = min(end, (beat + 1) * steps_per_beat)
            beat_chroma[n, beat, pc, track] += hi - lo


@njit(parallel=PARALLEL, cache=CACHE, fastmath=FASTMATH)
def roll_statistics(
    rows64, big_endian, n_tracks, pitch_class, min_steps, min_pitches, steps_per_bar,
    steps_per_beat, chunk, counts, pc_cells, pc_notes, cell_hist, note_hist, bar_active, onsets,
    beat_chroma,
):  # fmt: skip
    """Gather every per-(sample, track) statistic the metrics need, in one pass.

    rows64: uint64 (n_samples, n_steps, n_words), the roll's bytes (cell
    ``pitch * n_tracks + track`` of a step, nonzero = active, zero padding after the last cell)
    read 8 at a time. big_endian: whether byte 0 of a word is its most significant byte.
    pitch_class: int64 (n_pitches,), the pitch class of each pitch index. chunk: samples per
    parallel task (scratch arrays are reused within a task).
    Outputs, int32, zeroed unless said: counts (n_samples, 6, n_tracks), rows: notes, notes at
    least min_steps long, steps with at least min_pitches sounding pitches, distinct pitches,
    lowest pitch (initialised to n_pitches), highest pitch (initialised to -1);
    pc_cells (n_samples, 12, n_tracks) active cells per pitch class.
    Optional (skipped when the second axis is 0): pc_notes (n_samples, 12, n_tracks) notes per
    pitch class; cell_hist/note_hist (n_samples, n_pitches,
    n_tracks) per pitch; bar_active uint8 (n_samples, n_bars, n_tracks); onsets (n_samples,
    n_steps, n_tracks) notes starting at each step; beat_chroma (n_samples, n_beats, 12,
    n_tracks) active cells per beat and pitch class.
    """
    n_samples, n_steps, n_words = rows64.shape
    n_cells = pitch_class.shape[0] * n_tracks
    n_masks = (n_words + 63) // 64
    cell_pitch = np.arange(n_words * 8) // n_tracks  # lookups instead of a division per event
    cell_track = np.arange(n_words * 8) % n_tracks
    for task in prange((n_samples + chunk - 1) // chunk):
        start = np.full(n_words * 8, -1, np.int32)
        seen = np.zeros(n_words * 8, np.bool_)
        n_active = np.zeros(n_tracks, np.int32)
        poly_start = np.zeros(n_tracks, np.int32)
        for n in range(task * chunk, min((task + 1) * chunk, n_samples)):
            seen[:] = False
            for t in range(n_steps + 1):
                for m in range(n_masks):
                    changed_words = np.uint64(0)
                    for j in range(min(64, n_words - m * 64)):
                        w = m * 64 + j
                        differs = _word(rows64, n, t, w) != _word(rows64, n, t - 1, w)
                        changed_words |= np.uint64(differs) << np.uint64(j)
                    while changed_words != 0:
                        w = m * 64 + _trailing_zeros(changed_words)
                        changed_words &= changed_words - np.uint64(1)
                        word = _word(rows64, n, t, w)
                        changed_bytes = word ^ _word(rows64, n, t - 1, w)
                        while changed_bytes != 0:
                            byte = _trailing_zeros(changed_bytes) >> 3
                            shift = np.uint64(8 * byte)
                            changed_bytes &= ~(np.uint64(0xFF) << shift)
                            cell = w * 8 + (7 - byte if big_endian else byte)
                            if cell >= n_cells:
                                continue
                            on = (word >> shift) & np.uint64(0xFF) != 0
                            track = cell_track[cell]
                            if on and start[cell] < 0:
                                start[cell] = t
                                n_active[track] += 1
                                if n_active[track] == min_pitches:
                                    poly_start[track] = t
                                if onsets.shape[1] > 0:
                                    onsets[n, t, track] += 1
                            elif not on and start[cell] >= 0:
                                _close_note(
                                    n, cell, start[cell], t, cell_pitch, cell_track, pitch_class,
                                    min_steps,
                                    steps_per_bar, steps_per_beat, seen, counts, pc_cells,
                                    pc_notes, cell_hist, note_hist, bar_active, beat_chroma,
                                )  # fmt: skip
                                start[cell] = -1
                                if n_active[track] == min_pitches:
                                    counts[n, 2, track] += t - poly_start[track]
                                n_active[track] -= 1


@njit(parallel=PARALLEL, cache=CACHE, fastmath=FASTMATH)
def histogram_entropy(histogram, out):
    """Shannon entropy in bits over axis 1 of int histograms (n, n_bins, n_tracks) into
    ``out`` (n, n_tracks); NaN where a histogram is all zero."""
    n_samples, n_bins, n_tracks = histogram.shape
    for n in prange(n_samples):
        for track in range(n_tracks):
            total = 0
            for b in range(n_bins):
                total += histogram[n, b, track]
            if total == 0:
                out[n, track] = np.nan
                continue
            entropy = 0.0
            for b in range(n_bins):
                count = histogram[n, b, track]
                if count > 0:
                    q = count / total
                    entropy -= q * np.log2(q)
            out[n, track] = entropy
