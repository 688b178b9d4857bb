"""MIDI files for the parser tests: Standard MIDI File bytes built by hand, music21's test files.

At 4 ticks per quarter note (the default division here) and 4 steps per beat a tick is a step.
"""

from __future__ import annotations

import importlib.util
import os
import struct
from pathlib import Path

import numpy as np
from _pretty_midi_reader import oracle_roll, read_notes_oracle

from musiceval import io
from musiceval._midi_read import parse_midi

_MUSIC21 = importlib.util.find_spec("music21")
PRIMITIVES = (
    sorted(Path(_MUSIC21.submodule_search_locations[0], "midi", "testPrimitive").glob("*.mid"))
    if _MUSIC21 is not None
    else []
)
"""The MIDI test files music21 ships (empty without music21)."""
JIT = os.environ.get("NUMBA_DISABLE_JIT", "0") in ("", "0")


def vlq(value: int) -> bytes:
    """A variable-length quantity: 7 bits a byte, most significant first, high bit = more."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def ev(delta: int, *data: int) -> bytes:
    """An event: its delta time, then its bytes as given (status byte or running status)."""
    return vlq(delta) + bytes(data)


def on(delta: int, pitch: int, channel: int = 0, velocity: int = 100) -> bytes:
    return ev(delta, 0x90 | channel, pitch, velocity)


def off(delta: int, pitch: int, channel: int = 0) -> bytes:
    return ev(delta, 0x80 | channel, pitch, 64)


def program(delta: int, number: int, channel: int = 0) -> bytes:
    return ev(delta, 0xC0 | channel, number)


def meta(delta: int, kind: int, payload: bytes = b"") -> bytes:
    return ev(delta, 0xFF, kind) + vlq(len(payload)) + payload


def time_signature(delta: int, numerator: int, denominator: int) -> bytes:
    """A time-signature meta event (``denominator`` a power of two), 24 clocks a click."""
    return meta(delta, 0x58, bytes([numerator, denominator.bit_length() - 1, 24, 8]))


def track_name(delta: int, name: str) -> bytes:
    return meta(delta, 0x03, name.encode("latin-1"))


def sysex(delta: int, payload: bytes) -> bytes:
    return ev(delta, 0xF0) + vlq(len(payload)) + payload


def track(*events: bytes) -> bytes:
    """A track chunk's body: the events, then end of track."""
    return b"".join(events) + meta(0, 0x2F)


def chunk(tag: bytes, body: bytes, length: int | None = None) -> bytes:
    return tag + struct.pack(">I", len(body) if length is None else length) + body


def header(n_tracks: int, division: int = 4, fmt: int = 1) -> bytes:
    """The MThd chunk (a negative ``division`` is written as its 16-bit two's complement)."""
    return chunk(b"MThd", struct.pack(">HHH", fmt, n_tracks, division & 0xFFFF))


def smf(*bodies: bytes, division: int = 4, fmt: int = 1, n_tracks: int | None = None) -> bytes:
    """A Standard MIDI File of these track bodies."""
    count = len(bodies) if n_tracks is None else n_tracks
    return header(count, division, fmt) + b"".join(chunk(b"MTrk", body) for body in bodies)


Notes = list[tuple[int, int, int]]


def instruments(path: Path) -> list[tuple[int, bool, Notes]]:
    """``(program, is_drum, notes)`` of each instrument musiceval reads, notes in its order."""
    _, tracks = parse_midi(path)
    return [(t.program, t.is_drum, [tuple(map(int, row)) for row in t.notes]) for t in tracks]


def assert_as_oracle(path: Path, steps_per_beat: tuple[int, ...] = (4,)) -> None:
    """musiceval reads the instruments, notes (in ticks, in order) and rolls 0.1.0 read."""
    ticks_per_beat, expected = read_notes_oracle(path)
    assert parse_midi(path)[0] == ticks_per_beat
    assert instruments(path) == [(prog, drum, notes) for _, prog, drum, notes in expected]
    for spb in steps_per_beat:
        roll = io.read_midi(path, steps_per_beat=spb)
        assert np.array_equal(roll, oracle_roll(ticks_per_beat, expected, spb)), spb
    merged = io.read_midi(path, merge_tracks=True)
    assert np.array_equal(merged, oracle_roll(ticks_per_beat, expected, 4, merge_tracks=True))
