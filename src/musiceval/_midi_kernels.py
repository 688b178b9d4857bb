"""Numba kernels of the MIDI reader: a Standard MIDI File's bytes to notes, and notes to a roll.

The Python API that validates lives in :mod:`musiceval._midi_read`; these functions take
arrays it has checked. Every read of the file's bytes is bounds-checked here (numba does not),
so a truncated or hostile file ends in an error code, never in a read outside the buffer.

**What a note is.** A MIDI file says when a key goes down (note-on) and up (note-off, or a
note-on of velocity 0), not which note-off ends which note-on. musiceval pairs them as
pretty_midi 0.2.10 does (the reader of musiceval 0.1.0, so rolls stay the same), per MIDI track,
channel and pitch: a note-off at tick ``t`` ends every open note of that pitch that started
before ``t``; notes that started at ``t`` stay open if it ended some and are dropped if it
ended none; a note-off with nothing open is ignored, a note never ended is dropped. A note
belongs to the instrument ``(MIDI track, channel, program)``, the program being the channel's
last program change in that track when the note ends. (symusic pairs first in, first out: one
stray note-on then makes every later note of that pitch end at the next note's note-off.)

**Which bytes are accepted** follows mido, which pretty_midi parses with: the header chunk
``MThd`` (longer headers skipped), then exactly as many ``MTrk`` chunks as it announces, each
read to its stated length; running status continuing the last channel message (meta events
leave it alone; after a sysex or system message a data byte is an error, where mido would read
a second sysex); sysex and meta events skipped by their variable-length size; a data byte of
128 or more, an undefined status byte, or a chunk that runs past the end of the file is an
error.

**Time signatures** (meta events ``0x58`` of two or more bytes, in any track chunk) are noted
with their tick: numerator and the denominator's power of two, as the file states them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from musiceval._numba_config import CACHE

__all__ = ["ERRORS", "draw_notes", "parse_smf", "read_smf"]

ERRORS = (
    "",
    "it does not start with an MThd header chunk",
    "a track chunk does not start with MTrk",
    "a chunk runs past the end of the file",
    "an event runs past the end of its track chunk",
    "a data byte is 128 or more",
    "an undefined status byte",
    "running status with no channel message before it",
    "a delta time or length of more than 4 bytes (the standard's limit)",
)
"""Why :func:`parse_smf` refused a file, by the code it returns (0: no error)."""

_NOTE_OFF, _NOTE_ON, _PROGRAM = 0x80, 0x90, 0xC0


@njit(cache=CACHE)
def _u32(data: np.ndarray, at: int) -> int:
    """The big-endian 32-bit unsigned integer at ``at`` (4 bytes known to be there)."""
    return (
        (int(data[at]) << 24)
        | (int(data[at + 1]) << 16)
        | (int(data[at + 2]) << 8)
        | int(data[at + 3])
    )


@njit(cache=CACHE)
def _varlen(data: np.ndarray, at: int, stop: int) -> tuple[int, int, int]:
    """A variable-length quantity at ``at``: (value, position after it, error code)."""
    value = 0
    for _ in range(4):
        if at >= stop:
            return 0, at, 4
        byte = int(data[at])
        at += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at, 0
    return 0, at, 8


@njit(cache=CACHE)
def _data_length(status: int) -> int:
    """Data bytes after a channel or system status byte, or -1 if it is undefined."""
    kind = status & 0xF0
    if kind in (0xC0, 0xD0):
        return 1
    if kind < 0xF0:
        return 2
    if status in (0xF1, 0xF3):
        return 1
    if status == 0xF2:
        return 2
    if status == 0xF6 or (status >= 0xF8 and status not in (0xF9, 0xFD)):
        return 0
    return -1


@njit(cache=CACHE)
def parse_smf(data: np.ndarray) -> tuple[int, int, np.ndarray, np.ndarray]:
    """:func:`read_smf` without the time signatures: ``(error, division, notes, names)``."""
    error, division, notes, names, _ = read_smf(data)
    return error, division, notes, names


@njit(cache=CACHE)
def read_smf(data: np.ndarray) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray]:
    """Notes and time signatures of a Standard MIDI File's bytes (``uint8``), notes paired as
    the module says.

    Returns ``(error, division, notes, names, signatures)``: ``error`` indexes :data:`ERRORS`
    (0: read); ``division`` is the header's time division (ticks per quarter note when
    positive); ``notes`` has int64 rows ``(instrument, pitch, start, end)`` in the order
    pretty_midi creates them, the instrument key being ``(track * 16 + channel) * 128 +
    program``; ``names`` holds, per track chunk, the offset and length of its first track-name
    meta event (``-1, 0`` if none); ``signatures`` has int64 rows ``(tick, numerator,
    denominator power)`` of the time-signature events, track chunk by track chunk in file order.
    """
    n = data.shape[0]
    notes = np.empty((n // 3 + 1, 4), np.int64)  # a note-off takes at least 3 bytes
    names = np.zeros((0, 2), np.int64)
    # a time signature takes at least 6 bytes; the last row counts them
    signatures = np.zeros((n // 6 + 2, 3), np.int64)
    if n < 4 or data[0] != 77 or data[1] != 84 or data[2] != 104 or data[3] != 100:
        return 1, 0, notes[:0], names, signatures[:0]
    if n < 14:
        return 3, 0, notes[:0], names, signatures[:0]
    if _u32(data, 4) < 6:
        return 1, 0, notes[:0], names, signatures[:0]
    at = 8 + _u32(data, 4)
    if at > n:
        return 3, 0, notes[:0], names, signatures[:0]
    n_tracks = (np.int64(data[10]) << 8) | np.int64(data[11])
    division = (np.int64(data[12]) << 8) | np.int64(data[13])
    if division >= 0x8000:
        division -= 0x10000
    names = np.full((n_tracks, 2), -1, np.int64)
    names[:, 1] = 0
    count = 0
    for track in range(n_tracks):
        error = 0
        if at + 8 > n:
            error = 3
        elif data[at] != 77 or data[at + 1] != 84 or data[at + 2] != 114 or data[at + 3] != 107:
            error = 2
        elif at + 8 + _u32(data, at + 4) > n:
            error = 3
        else:
            error, count = _track_notes(
                data, at + 8, at + 8 + _u32(data, at + 4), track, names, notes, count, signatures
            )
        if error:
            return error, int(division), notes[:0], names, signatures[:0]
        at += 8 + _u32(data, at + 4)
    return 0, int(division), notes[:count], names, signatures[: signatures[-1, 0]]


@njit(cache=CACHE)
def _track_notes(
    data: np.ndarray,
    at: int,
    stop: int,
    track: int,
    names: np.ndarray,
    notes: np.ndarray,
    count: int,
    signatures: np.ndarray,
) -> tuple[int, int]:
    """Read one track chunk ``data[at:stop]``, writing its notes as rows of ``notes``
    (instrument, pitch, start, end) from row ``count`` and its time signatures into
    ``signatures`` (see :func:`_meta`); returns ``(error code, new count)``.

    The open notes of each channel and pitch are a linked list of their starts (``state``
    rows: the head and tail per key; ``opened``/``following`` per note-on, a pool of one entry
    per possible note-on). Starts only grow, so those of the current tick come last.
    """
    state = np.full((2, 16 * 128), -1, np.int64)
    program = np.zeros(16, np.int64)
    pool = (stop - at) // 3 + 1
    opened = np.empty(pool, np.int64)
    following = np.empty(pool, np.int64)
    used = 0
    tick = 0
    status = -1
    while at < stop:
        delta, at, error = _varlen(data, at, stop)
        tick += delta
        if not error:
            error, at, status, skipped = _status(
                data, at, stop, status, track, names, tick, signatures
            )
        if error:
            return error, count
        if skipped:
            continue
        size = _data_length(status)
        if size < 0:
            return 6, count
        if at + size > stop:
            return 4, count
        for offset in range(size):
            if data[at + offset] >= 0x80:
                return 5, count
        kind, channel, key = status & 0xF0, status & 0x0F, (status & 0x0F) * 128 + int(data[at])
        if kind == _PROGRAM:
            program[channel] = data[at]
        elif kind == _NOTE_ON and data[at + 1] > 0:
            opened[used], following[used] = tick, -1
            if state[0, key] < 0:
                state[0, key] = used
            else:
                following[state[1, key]] = used
            state[1, key] = used
            used += 1
        elif kind == _NOTE_OFF or kind == _NOTE_ON:
            instrument = (track * 16 + channel) * 128 + program[channel]
            count = _note_off(state, key, tick, opened, following, notes, count, instrument)
        at += size
    return 0, count


@njit(cache=CACHE)
def _status(
    data: np.ndarray,
    at: int,
    stop: int,
    status: int,
    track: int,
    names: np.ndarray,
    tick: int,
    signatures: np.ndarray,
) -> tuple[int, int, int, bool]:
    """The status of the event at ``at`` (after its delta time): ``(error, position of its
    data, running status, whether it was a meta or sysex event, skipped whole)``."""
    if at >= stop:
        return 4, at, status, False
    byte = int(data[at])
    if byte < 0x80:  # running status: only a channel message's
        return (7 if status < 0 or status >= 0xF0 else 0), at, status, False
    if byte == 0xFF:
        error, at = _meta(data, at + 1, stop, track, names, tick, signatures)
        return error, at, status, True
    if byte == 0xF0 or byte == 0xF7:
        length, at, error = _varlen(data, at + 1, stop)
        if not error and at + length > stop:
            error = 4
        return error, at + length, byte, True
    return 0, at + 1, byte, False


@njit(cache=CACHE)
def _note_off(
    state: np.ndarray,
    key: int,
    tick: int,
    opened: np.ndarray,
    following: np.ndarray,
    notes: np.ndarray,
    count: int,
    instrument: int,
) -> int:
    """End the open notes of ``key`` that started before ``tick`` (pretty_midi's rule)."""
    node = state[0, key]
    while node >= 0 and opened[node] < tick:
        notes[count, 0] = instrument
        notes[count, 1] = key % 128
        notes[count, 2] = opened[node]
        notes[count, 3] = tick
        count += 1
        node = following[node]
    if node == state[0, key]:  # it ended none: pretty_midi drops those of this tick too
        node = -1
    state[0, key] = node
    if node < 0:
        state[1, key] = -1
    return count


@njit(cache=CACHE)
def _meta(
    data: np.ndarray,
    at: int,
    stop: int,
    track: int,
    names: np.ndarray,
    tick: int,
    signatures: np.ndarray,
) -> tuple[int, int]:
    """Skip a meta event whose type byte is at ``at``, noting the track's first name and a time
    signature (a row ``(tick, numerator, denominator power)`` of ``signatures`` at the index its
    last row's first cell counts)."""
    if at >= stop:
        return 4, at
    kind = data[at]
    length, at, error = _varlen(data, at + 1, stop)
    if error:
        return error, at
    if at + length > stop:
        return 4, at
    if kind == 0x03 and names[track, 0] < 0:
        names[track, 0] = at
        names[track, 1] = length
    if kind == 0x58 and length >= 2:
        row = signatures[-1, 0]
        signatures[row, 0] = tick
        signatures[row, 1] = data[at]
        signatures[row, 2] = data[at + 1]
        signatures[-1, 0] = row + 1
    return 0, at + length


@njit(cache=CACHE)
def draw_notes(
    roll: np.ndarray, track: int, pitch: np.ndarray, start: np.ndarray, end: np.ndarray
) -> None:
    """Set ``roll[start:end, pitch, track]`` for every note (steps, in bounds)."""
    for index in range(pitch.shape[0]):
        roll[start[index] : end[index], pitch[index], track] = True
