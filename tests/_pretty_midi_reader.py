"""musiceval 0.1.0's way of reading a MIDI file, kept as a test oracle for the new parser.

musiceval 0.1.0 (``git show 7d5f27f:src/musiceval/io.py``) read MIDI files with pretty_midi:
``pretty_midi.PrettyMIDI(path)``, then each note's start and end in seconds back to ticks with
``midi.time_to_tick``, then ticks to steps by ``floor(tick * steps_per_beat / ticks_per_beat +
0.5)`` with at least one step per note, one track per pretty_midi instrument in pretty_midi's
order. This module does the same, plainly, with nothing imported from musiceval, so that
``musiceval.io.read_midi`` can be compared with it cell for cell (as ``tests/_naive.py`` is for
the metrics).

One difference from 0.1.0: pretty_midi refuses a file whose last event is at tick
``pretty_midi.pretty_midi.MAX_TICK`` (10**7) or later as "likely corrupt"; the oracle lifts that
limit while it reads (:func:`max_tick_lifted`), because musiceval now reads such files.
pretty_midi builds an array of one float per tick, so only give it files of moderate length.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator

import numpy as np
import pretty_midi

N_PITCHES = 128


@contextlib.contextmanager
def max_tick_lifted(limit: float = math.inf) -> Iterator[None]:
    """Let pretty_midi read files up to ``limit`` ticks while the block runs."""
    module = pretty_midi.pretty_midi
    before = module.MAX_TICK
    module.MAX_TICK = limit
    try:
        yield
    finally:
        module.MAX_TICK = before


Instrument = tuple[str, int, bool, list[tuple[int, int, int]]]
"""One pretty_midi instrument: ``(name, program, is_drum, notes)``, each note ``(pitch,
start_tick, end_tick)`` in the order pretty_midi lists them."""


def read_notes_oracle(path: str | os.PathLike[str]) -> tuple[int, list[Instrument]]:
    """The file's ticks per quarter note and its pretty_midi instruments, in pretty_midi's
    order, with the notes' times turned back into ticks by ``midi.time_to_tick``."""
    with max_tick_lifted():
        midi = pretty_midi.PrettyMIDI(os.fspath(path))
    instruments = []
    for instrument in midi.instruments:
        notes = []
        for note in instrument.notes:
            start = int(midi.time_to_tick(note.start))
            end = int(midi.time_to_tick(note.end))
            notes.append((int(note.pitch), start, end))
        instruments.append((instrument.name, int(instrument.program), instrument.is_drum, notes))
    return int(midi.resolution), instruments


def to_step(tick: int, ticks_per_beat: int, steps_per_beat: int) -> int:
    """The step of a tick, rounded to the nearest step, half a step up (0.1.0's rounding)."""
    return math.floor(tick * steps_per_beat / ticks_per_beat + 0.5)


def oracle_roll(
    ticks_per_beat: int,
    instruments: list[Instrument],
    steps_per_beat: int = 4,
    *,
    merge_tracks: bool = False,
) -> np.ndarray:
    """The bool roll ``(n_steps, 128, n_tracks)`` of instruments read by
    :func:`read_notes_oracle`: one track per instrument (one in all with ``merge_tracks``),
    lasting until the last note ends.

    Raises ValueError if there is no instrument, as 0.1.0 did.
    """
    if not instruments:
        raise ValueError("the file holds no instrument")
    tracks = [notes for _, _, _, notes in instruments]
    if merge_tracks:
        tracks = [[note for notes in tracks for note in notes]]
    steps = []
    for track in tracks:
        track_steps = []
        for pitch, start_tick, end_tick in track:
            start = to_step(start_tick, ticks_per_beat, steps_per_beat)
            end = max(to_step(end_tick, ticks_per_beat, steps_per_beat), start + 1)
            track_steps.append((pitch, start, end))
        steps.append(track_steps)
    n_steps = max((end for track in steps for _, _, end in track), default=0)
    roll = np.zeros((n_steps, N_PITCHES, len(steps)), dtype=bool)
    for index, track in enumerate(steps):
        for pitch, start, end in track:
            roll[start:end, pitch, index] = True
    return roll


def read_midi_oracle(
    path: str | os.PathLike[str], steps_per_beat: int = 4, *, merge_tracks: bool = False
) -> np.ndarray:
    """The bool roll ``(n_steps, 128, n_tracks)`` musiceval 0.1.0 read from ``path`` (with
    pretty_midi's tick limit lifted); ``merge_tracks`` puts every instrument in one track.

    Raises ValueError if the file has no instrument (no note pretty_midi keeps), as 0.1.0 did.
    """
    ticks_per_beat, instruments = read_notes_oracle(path)
    return oracle_roll(ticks_per_beat, instruments, steps_per_beat, merge_tracks=merge_tracks)
