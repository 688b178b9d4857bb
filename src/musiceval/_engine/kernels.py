"""Numba kernels: one fused pass over each roll, no validation, no Python objects.

Callers (``stats.gather``) pass C-contiguous arrays of fixed dtypes, preallocated outputs in an
:class:`Outputs` tuple and the options in a :class:`Options` tuple; an optional output with a
zero-length second axis is skipped. Nothing here checks its input: ``rolls`` validates,
``stats`` prepares, this module only counts.

The pass is event driven. Each time step is read as 64-bit words (8 cells at a time) and
compared with the same words of the previous step; a bit mask records which words changed, and
only their changed bytes are visited (found with a trailing-zero count). Sustained notes and
silence therefore cost one comparison per 8 cells. A cell switching on opens a note; switching
off, or the roll ending, closes it, and a closed note ``[start, end)`` adds to every statistic
that needs it. Polyphony is counted when a track's number of sounding pitches crosses
``min_pitches``, not step by step.
"""

from collections import namedtuple

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from musiceval._numba_config import CACHE, FASTMATH, PARALLEL

__all__ = [
    "COUNT_SLOTS",
    "HIGHEST",
    "LOWEST",
    "N_NOTES",
    "N_PITCHES",
    "POLY_STEPS",
    "QUALIFIED",
    "SOUNDING",
    "Options",
    "Outputs",
    "Rule",
    "histogram_entropy",
    "raw_roll_statistics",
    "roll_statistics",
]

# The rows of ``Outputs.counts`` (n_samples, COUNT_SLOTS, n_tracks): numba reads these module
# constants as compile-time literals.
N_NOTES = 0  # notes
QUALIFIED = 1  # notes at least min_steps long
POLY_STEPS = 2  # steps with at least min_pitches sounding pitches
N_PITCHES = 3  # distinct pitches
LOWEST = 4  # lowest sounding pitch index (initialised to n_pitches)
HIGHEST = 5  # highest sounding pitch index (initialised to -1)
SOUNDING = 6  # steps with at least one sounding pitch
COUNT_SLOTS = 7
PREFETCH_STEPS = 4  # raw_roll_statistics asks for the input this many steps ahead of its reads

Options = namedtuple(
    "Options",
    ["min_steps", "min_pitches", "steps_per_bar", "steps_per_beat", "chunk", "big_endian"],
)
"""The kernel's options, ints: note length for ``QUALIFIED``, pitches for ``POLY_STEPS``, steps
per bar and per beat (1 when unused), samples per parallel task (scratch arrays are reused
within a task), and whether byte 0 of a 64-bit word is its most significant byte."""

Outputs = namedtuple(
    "Outputs",
    ["counts", "pc_cells", "pc_notes", "cell_hist", "note_hist", "bar_active", "onsets",
     "beat_chroma", "onset_classes", "length_hist", "onset_pitches", "onset_octaves"],
)  # fmt: skip
"""The kernel's outputs, int32 and zeroed unless said: ``counts`` (n_samples, COUNT_SLOTS,
n_tracks), rows named by the slot constants; ``pc_cells`` (n_samples, 12, n_tracks) active cells
per pitch class. Optional (skipped when the second axis is 0): ``pc_notes`` (n_samples, 12,
n_tracks) notes per pitch class; ``cell_hist``/``note_hist`` (n_samples, n_pitches, n_tracks)
cells and notes per pitch; ``bar_active`` uint8 (n_samples, n_bars, n_tracks); ``onsets``
(n_samples, n_steps, n_tracks) notes starting at each step; ``beat_chroma`` (n_samples, n_beats,
12, n_tracks) active cells per beat and pitch class; ``onset_classes`` uint16 (n_samples,
n_steps, n_tracks) the pitch classes with a note starting at each step, bit ``c`` for class
``c``; ``length_hist`` (n_samples, n_bins, n_tracks) notes per length, bin ``i`` the notes of
``i + 1`` steps, the last bin also every longer note; ``onset_pitches`` (n_samples, n_steps,
n_tracks) the sum of the pitch indices of the notes starting at each step (with ``onsets``, their
mean pitch); ``onset_octaves`` uint32 (n_samples, n_steps, n_tracks) the length octaves of the
notes starting at each step, bit ``b`` for a note of ``2**b`` to ``2**(b + 1) - 1`` steps."""


Rule = namedtuple("Rule", ["shift", "flip", "exponent", "non_finite", "bound", "everything"])
"""How :func:`raw_roll_statistics` thresholds a roll, all fields but ``everything`` of the roll's
dtype. float32/float64 values are compared as they are: active when ``v > bound`` (``bound``
the largest value <= the threshold, -inf allowed), NaN or infinite when ``v - v != 0``; the
other fields are unused. Integers (and 16-bit floats read as int16: numba has no float16) are
active when ``v ^ ((v >> shift) & flip) > bound`` or ``everything``, and NaN or infinite when
``v & exponent == non_finite``: for integers ``flip`` and ``exponent`` are 0 and ``non_finite``
1 (never); a float's bits, as a signed integer of its width, with ``shift`` = width - 1 and
``flip`` = all bits but the sign, are ordered as its values (-0 just below +0), and
``exponent`` = ``non_finite`` = its exponent bits."""


def _active(value, rule):
    """Whether ``value`` is active under ``rule`` (Python; compiled code is typed, below)."""
    if isinstance(value, np.floating):
        return value > rule.bound
    return (value ^ ((value >> rule.shift) & rule.flip)) > rule.bound or rule.everything


def _non_finite(value, rule):
    """Whether ``value`` is NaN or infinite under ``rule`` (Python twin, as :func:`_active`)."""
    if isinstance(value, np.floating):
        return not np.isfinite(value)  # as value - value != 0, without numpy's warning
    return (value & rule.exponent) == rule.non_finite


# Typed twins, chosen when a kernel is compiled for the roll's dtype. numba's annotations do not
# know the "cache" option of overloads, hence the ignores.
@overload(_active, jit_options={"cache": CACHE}, inline="always")  # type: ignore[typeddict-unknown-key]
def _active_compiled(value, rule):
    if isinstance(value, types.Float):
        return lambda value, rule: value > rule.bound
    return lambda value, rule: (
        ((value ^ ((value >> rule.shift) & rule.flip)) > rule.bound) | (rule.everything)
    )


@overload(_non_finite, jit_options={"cache": CACHE}, inline="always")  # type: ignore[typeddict-unknown-key]
def _non_finite_compiled(value, rule):
    if isinstance(value, types.Float):
        return lambda value, rule: value - value != 0
    return lambda value, rule: (value & rule.exponent) == rule.non_finite


@njit(cache=CACHE, fastmath=FASTMATH, inline="always")
def _threshold_row(values, rule, row):
    """Threshold ``values`` (one step of a raw roll) into ``row`` (uint8, 1 = active); whether
    any value is NaN or infinite. ``rule``: see :data:`Rule`."""
    bad = False
    for c in range(values.shape[0]):
        value = values[c]
        row[c] = _active(value, rule)
        bad |= _non_finite(value, rule)
    return bad


def _load_step(raw, n, t, rule, cells):
    """Threshold step ``t`` of sample ``n`` of ``raw`` into row ``t`` of ``cells``; whether a
    value is NaN or infinite. Nothing to do for a thresholded roll (``raw`` None) or past the
    last step. (Python; compiled code is chosen by ``raw``'s type, below.)"""
    if raw is None or t >= raw.shape[1]:
        return False
    return _threshold_row(raw[n, t], rule, cells[t])


@overload(_load_step, jit_options={"cache": CACHE}, inline="always")  # type: ignore[typeddict-unknown-key]
def _load_step_compiled(raw, n, t, rule, cells):
    if isinstance(raw, types.NoneType):
        return lambda raw, n, t, rule, cells: False

    def load(raw, n, t, rule, cells):
        if t >= raw.shape[1]:
            return False
        _prefetch_step(raw, n, t + PREFETCH_STEPS)
        return _threshold_row(raw[n, t], rule, cells[t])

    return load


@njit(cache=CACHE, fastmath=FASTMATH, inline="always")
def _prefetch_step(raw, n, t):
    """Ask the CPU to fetch step ``t`` of sample ``n`` (or of the next sample, past the last
    step) of ``raw`` into its caches, one 64-byte line at a time, if there is such a step."""
    if t >= raw.shape[1]:
        n, t = n + 1, t - raw.shape[1]
    if n < raw.shape[0] and t < raw.shape[1]:
        for c in range(0, raw.shape[2], max(1, 64 // raw.itemsize)):
            _prefetch(raw, n, t, c)  # type: ignore[call-arg]  # as _count_trailing_zeros


@intrinsic
def _prefetch(typingctx, array, n, t, c):
    """LLVM's ``prefetch`` (read, high locality) of ``array[n, t, c]``'s address."""

    def codegen(context, builder, signature, args):
        array_type = signature.args[0]
        structure = context.make_array(array_type)(context, builder, args[0])
        indices = [context.cast(builder, value, kind, types.intp)
                   for value, kind in zip(args[1:], signature.args[1:], strict=True)]  # fmt: skip
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, structure, indices, wraparound=False
        )
        byte_pointer, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32])
        prefetch = builder.module.declare_intrinsic("llvm.prefetch", [byte_pointer], function_type)
        builder.call(prefetch, [builder.bitcast(pointer, byte_pointer), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(array, n, t, c), codegen


def _trailing_zeros(word):
    """Index of the lowest set bit of a nonzero uint64 (Python; compiled code uses cttz)."""
    word = int(word)
    return (word & -word).bit_length() - 1


@intrinsic
def _count_trailing_zeros(typingctx, word):
    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))

    return types.int64(types.uint64), codegen


# numba's annotations know neither the "cache" option of overloads nor how an intrinsic binds
# the typing context, hence the two ignores.
@overload(_trailing_zeros, jit_options={"cache": CACHE})  # type: ignore[typeddict-unknown-key]
def _trailing_zeros_compiled(word):
    return lambda word: _count_trailing_zeros(word)  # type: ignore[call-arg]


@njit(cache=CACHE, fastmath=FASTMATH)
def _word(rows64, t, w):
    """Word ``w`` of step ``t`` of one sample; steps before 0 and after the end are silent."""
    if t < 0 or t >= rows64.shape[0]:
        return np.uint64(0)
    return rows64[t, w]


@njit(cache=CACHE, fastmath=FASTMATH, inline="always")
def _close_note(
    n, pitch, track, pc, onset, offset, min_steps, steps_per_bar, steps_per_beat, first_time,
    counts, pc_cells, pc_notes, cell_hist, note_hist, bar_active, beat_chroma, length_hist,
):  # fmt: skip
    """Add the note ``[onset, offset)`` at pitch index ``pitch`` (pitch class ``pc``) of
    ``track`` in sample ``n`` to every statistic; ``first_time``: the pitch's first note in the
    sample. The outputs are those of :class:`Outputs`, as separate arrays (see
    :func:`roll_statistics`)."""
    length = offset - onset
    pc_cells[n, pc, track] += length
    if pc_notes.shape[1] > 0:
        pc_notes[n, pc, track] += 1
    counts[n, N_NOTES, track] += 1
    if length >= min_steps:
        counts[n, QUALIFIED, track] += 1
    if length_hist.shape[1] > 0:
        length_hist[n, min(length, length_hist.shape[1]) - 1, track] += 1
    if first_time:
        counts[n, N_PITCHES, track] += 1
        counts[n, LOWEST, track] = min(counts[n, LOWEST, track], pitch)
        counts[n, HIGHEST, track] = max(counts[n, HIGHEST, track], pitch)
    if cell_hist.shape[1] > 0:
        cell_hist[n, pitch, track] += length
        note_hist[n, pitch, track] += 1
    if bar_active.shape[1] > 0:
        for bar in range(onset // steps_per_bar, (offset - 1) // steps_per_bar + 1):
            bar_active[n, bar, track] = 1
    if beat_chroma.shape[1] > 0:
        for beat in range(onset // steps_per_beat, (offset - 1) // steps_per_beat + 1):
            lo = max(onset, beat * steps_per_beat)
            hi = min(offset, (beat + 1) * steps_per_beat)
            beat_chroma[n, beat, pc, track] += hi - lo


@njit(cache=CACHE, fastmath=FASTMATH, inline="always")
def _octave(length):
    """``floor(log2(length))`` of a length >= 1, as a uint32."""
    octave = np.uint32(0)
    while length > 1:
        length >>= 1
        octave += np.uint32(1)
    return octave


@njit(cache=CACHE, fastmath=FASTMATH, inline="always")
def _changed_words(rows64, t, m):
    """Bit j set when word ``64 m + j`` of step ``t`` differs from step ``t - 1``'s."""
    changed = np.uint64(0)
    for j in range(min(64, rows64.shape[1] - m * 64)):
        w = m * 64 + j
        differs = _word(rows64, t, w) != _word(rows64, t - 1, w)
        changed |= np.uint64(differs) << np.uint64(j)
    return changed


@njit(cache=CACHE, fastmath=FASTMATH, inline="always")
def _sample_statistics(
    rows64, n, pitch_class, cell_pitch, cell_track, min_steps, min_pitches, steps_per_bar,
    steps_per_beat, big_endian, start, seen, n_active, poly_start, sound_start,
    counts, pc_cells, pc_notes, cell_hist, note_hist, bar_active, onsets, beat_chroma,
    onset_classes, length_hist, onset_pitches, onset_octaves, raw, rule, cells,
):  # fmt: skip
    """Every statistic of sample ``n``, whose steps are the rows of ``rows64`` (n_steps,
    n_words); whether a value of ``raw`` is NaN or infinite. ``start``, ``seen``, ``n_active``,
    ``poly_start`` and ``sound_start`` are the task's scratch arrays (see
    :func:`roll_statistics`); ``start`` is all -1 and ``n_active`` all 0 on entry and on
    return. ``raw``, ``rule``, ``cells``: None for a thresholded roll; else each step of sample
    ``n`` of ``raw`` is thresholded into the same row of ``cells`` (the bytes ``rows64`` views)
    just before the step is read (see :func:`raw_roll_statistics`)."""
    n_steps, n_words = rows64.shape
    n_cells = pitch_class.shape[0] * counts.shape[2]
    seen[:] = False
    bad = False
    for t in range(n_steps + 1):
        bad |= _load_step(raw, n, t, rule, cells)
        for m in range((n_words + 63) // 64):
            changed = _changed_words(rows64, t, m)
            while changed != 0:  # each changed word, then each changed byte in it
                w = m * 64 + _trailing_zeros(changed)
                changed &= changed - np.uint64(1)
                word = _word(rows64, t, w)
                changed_bytes = word ^ _word(rows64, t - 1, w)
                while changed_bytes != 0:
                    byte = _trailing_zeros(changed_bytes) >> 3
                    shift = np.uint64(8 * byte)
                    changed_bytes &= ~(np.uint64(0xFF) << shift)
                    cell = w * 8 + (7 - byte if big_endian else byte)
                    if cell >= n_cells:
                        continue
                    on = (word >> shift) & np.uint64(0xFF) != 0
                    track = cell_track[cell]
                    if on and start[cell] < 0:  # a note starts
                        start[cell] = t
                        n_active[track] += 1
                        if n_active[track] == 1:
                            sound_start[track] = t
                        if n_active[track] == min_pitches:
                            poly_start[track] = t
                        if onsets.shape[1] > 0:
                            onsets[n, t, track] += 1
                        if onset_classes.shape[1] > 0:
                            bit = np.uint16(1) << np.uint16(pitch_class[cell_pitch[cell]])
                            onset_classes[n, t, track] |= bit
                        if onset_pitches.shape[1] > 0:
                            onset_pitches[n, t, track] += cell_pitch[cell]
                    elif not on and start[cell] >= 0:  # a note ends
                        pitch = cell_pitch[cell]
                        _close_note(
                            n, pitch, track, pitch_class[pitch], start[cell], t, min_steps,
                            steps_per_bar, steps_per_beat, not seen[cell], counts, pc_cells,
                            pc_notes, cell_hist, note_hist, bar_active, beat_chroma, length_hist,
                        )  # fmt: skip
                        if onset_octaves.shape[1] > 0:
                            octave = _octave(t - start[cell])
                            onset_octaves[n, start[cell], track] |= np.uint32(1) << octave
                        seen[cell] = True
                        start[cell] = -1
                        if n_active[track] == min_pitches:
                            counts[n, POLY_STEPS, track] += t - poly_start[track]
                        if n_active[track] == 1:
                            counts[n, SOUNDING, track] += t - sound_start[track]
                        n_active[track] -= 1
    return bad


@njit(parallel=PARALLEL, cache=CACHE, fastmath=FASTMATH)
def roll_statistics(rows64, pitch_class, options, out):
    """Gather every per-(sample, track) statistic the metrics need, in one pass.

    rows64: uint64 (n_samples, n_steps, n_words), the roll's bytes (cell
    ``pitch * n_tracks + track`` of a step, nonzero = active, zero padding after the last cell)
    read 8 at a time. pitch_class: int64 (n_pitches,), the pitch class of each pitch index.
    options: an :class:`Options`; out: an :class:`Outputs` (n_tracks is its last axis).
    """
    # The tuples are unpacked here, outside the parallel loop: its body must see plain arrays
    # and numbers (numba's parfor pass loses writes into arrays taken from a tuple there, and a
    # call per task instead of inlined code costs 1.5 to 3.5 times the pass).
    min_steps, min_pitches, steps_per_bar, steps_per_beat, chunk, big_endian = options
    (counts, pc_cells, pc_notes, cell_hist, note_hist, bar_active, onsets, beat_chroma,
     onset_classes, length_hist, onset_pitches, onset_octaves) = out  # fmt: skip
    n_samples, _, n_words = rows64.shape
    n_tracks = counts.shape[2]
    cell_pitch = np.arange(n_words * 8) // n_tracks  # lookups instead of a division per event
    cell_track = np.arange(n_words * 8) % n_tracks
    for task in prange((n_samples + chunk - 1) // chunk):
        start = np.full(n_words * 8, -1, np.int32)  # step each sounding cell's note started
        seen = np.zeros(n_words * 8, np.bool_)  # cells that sounded in the sample
        n_active = np.zeros(n_tracks, np.int32)  # sounding pitches per track
        poly_start = np.zeros(n_tracks, np.int32)  # step each track reached min_pitches
        sound_start = np.zeros(n_tracks, np.int32)  # step each track began to sound
        for n in range(task * chunk, min((task + 1) * chunk, n_samples)):
            _sample_statistics(
                rows64[n], n, pitch_class, cell_pitch, cell_track, min_steps, min_pitches,
                steps_per_bar, steps_per_beat, big_endian, start, seen, n_active, poly_start,
                sound_start, counts, pc_cells, pc_notes, cell_hist, note_hist, bar_active, onsets,
                beat_chroma, onset_classes, length_hist, onset_pitches, onset_octaves, None, None,
                None,
            )  # fmt: skip


@njit(parallel=PARALLEL, cache=CACHE, fastmath=FASTMATH)
def raw_roll_statistics(raw, rule, pitch_class, options, out):
    """:func:`roll_statistics` of a roll not yet thresholded, in the same pass; whether any
    value is NaN or infinite (then the statistics are meaningless).

    raw: (n_samples, n_steps, n_cells) numbers, cell ``pitch * n_tracks + track`` of a step
    (16-bit floats as int16, see :data:`Rule`); rule: a :data:`Rule` of raw's dtype. Each task
    thresholds a sample step by step, each step just before the event loop reads it, into its
    own one-sample mask (``(n_steps, n_words)`` words): the only extra memory, and the reads of
    the input overlap the event handling of the steps before.
    """
    min_steps, min_pitches, steps_per_bar, steps_per_beat, chunk, big_endian = options
    (counts, pc_cells, pc_notes, cell_hist, note_hist, bar_active, onsets, beat_chroma,
     onset_classes, length_hist, onset_pitches, onset_octaves) = out  # fmt: skip
    n_samples, n_steps, n_cells = raw.shape
    n_tracks = counts.shape[2]
    n_words = (n_cells + 7) // 8
    cell_pitch = np.arange(n_words * 8) // n_tracks
    cell_track = np.arange(n_words * 8) % n_tracks
    n_tasks = (n_samples + chunk - 1) // chunk
    bad = np.zeros(n_tasks, np.bool_)
    for task in prange(n_tasks):
        cells = np.zeros((n_steps, n_words * 8), np.uint8)  # padding bytes stay 0
        rows64 = cells.view(np.uint64)
        start = np.full(n_words * 8, -1, np.int32)
        seen = np.zeros(n_words * 8, np.bool_)
        n_active = np.zeros(n_tracks, np.int32)
        poly_start = np.zeros(n_tracks, np.int32)
        sound_start = np.zeros(n_tracks, np.int32)
        for n in range(task * chunk, min((task + 1) * chunk, n_samples)):
            bad[task] |= _sample_statistics(
                rows64, n, pitch_class, cell_pitch, cell_track, min_steps, min_pitches,
                steps_per_bar, steps_per_beat, big_endian, start, seen, n_active, poly_start,
                sound_start, counts, pc_cells, pc_notes, cell_hist, note_hist, bar_active, onsets,
                beat_chroma, onset_classes, length_hist, onset_pitches, onset_octaves, raw, rule,
                cells,
            )  # fmt: skip
    return bad.any()


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
