"""Reading MIDI files and pypianoroll Multitracks as bool piano rolls on a beat grid.

The public functions are re-exported by :mod:`musiceval.io`, where they are documented for
users; this module holds their implementation and the note helpers that writing shares
(:func:`note_runs`). MIDI bytes are parsed by :mod:`musiceval._midi_kernels` (numba, imported
at the first read), which pairs note-ons and note-offs as pretty_midi does.

A note is a run of consecutive active steps of one pitch; note boundaries given in ticks are
rounded to the nearest step, and a note shorter than half a step keeps one step.

A roll is never larger than ``max_cells`` cells (steps x 128 pitches x tracks, one byte each;
default :data:`MAX_CELLS`): a tiny file can name a note that ends millions of beats later, so the
parser's memory grows with the file, never with the song, and the roll's size is checked from
the notes before it is allocated.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musiceval._checks import check_bool, check_int, check_path, invalid
from musiceval._midi_metre import TimeSignature, time_signatures
from musiceval.exceptions import InvalidParameterError
from musiceval.track_maps import PRESETS, TrackMap, TrackMapSpec, track_map

__all__ = [
    "MAX_CELLS",
    "MIDI_SUFFIXES",
    "N_PITCHES",
    "MidiTrack",
    "ParsedMidi",
    "ReadTracks",
    "cut_segments",
    "from_multitrack",
    "note_runs",
    "parse_midi",
    "parse_midi_file",
    "plural",
    "read_midi",
    "read_tracks",
    "track_mapping",
]

MIDI_SUFFIXES = (".mid", ".midi")
"""File name endings ``load_midi_folder`` reads (case-insensitive)."""

N_PITCHES = 128
"""Pitches of a MIDI roll: MIDI numbers 0-127."""

MAX_CELLS = 2**28
"""Default ``max_cells``: the most cells (steps x 128 pitches x tracks) of the roll read from one
MIDI file or Multitrack, 256 MiB of bool. A 10-minute song of 16 tracks at 24 steps per beat
and 120 beats per minute takes 29 million."""


def read_midi(
    path: str | os.PathLike[str],
    *,
    steps_per_beat: int = 4,
    merge_tracks: bool = False,
    tracks: TrackMapSpec | None = None,
    max_cells: int = MAX_CELLS,
) -> np.ndarray:
    """Read one MIDI file as a bool piano roll on a beat grid.

    Parameters
    ----------
    path : str or os.PathLike
        The MIDI file.
    steps_per_beat : int, default=4
        Time steps per quarter note. Note boundaries are rounded to the nearest step, so the
        grid follows the score, whatever the tempo.
    merge_tracks : bool, default=False
        Put every instrument in one track (drums included) instead of one track per instrument;
        the same as ``tracks="merged"``.
    tracks : str, mapping or TrackMap, optional
        Which output track each instrument goes to, so that tracks mean the same thing in every
        file: a preset (``"lpd5"``: Drums, Piano, Guitar, Bass, Strings as the Lakh Pianoroll
        Dataset merges them; ``"merged"``), a mapping ``{name: rule}`` or a
        :class:`musiceval.track_maps.TrackMap` (see ``docs/tracks.md``). Instruments no rule
        takes are left out; a track no instrument goes to is silent. Default: one track per
        instrument.
    max_cells : int, default=2**28
        The most cells (``n_steps * 128 * n_tracks``, one byte each) the roll may have; a file
        that needs more is refused before anything of its size is allocated (default
        ``2**28``, 256 MiB).

    Returns
    -------
    ndarray of bool, shape (n_steps, 128, n_tracks)
        ``n_steps`` reaches the end of the last note; ``n_tracks`` is the number of instruments
        (MIDI track, channel and program), in the order their first notes end, as pretty_midi
        lists them (1 with ``merge_tracks``; the map's tracks with ``tracks``).

    Raises
    ------
    InvalidParameterError
        ``path`` is not a str or os.PathLike, ``steps_per_beat`` or ``max_cells`` not an int
        >= 1, or ``merge_tracks`` not a bool. An invalid ``tracks``, or
        ``merge_tracks=True`` together with ``tracks``.
    ValueError
        The file cannot be parsed as MIDI, holds no instrument (or none the track map takes),
        or its roll would have more than ``max_cells`` cells (the message names the file, the
        size and the limit).
    """
    path = check_path("path", path)
    steps_per_beat = check_int("steps_per_beat", steps_per_beat)
    mapping = track_mapping(check_bool("merge_tracks", merge_tracks), tracks)
    max_cells = check_int("max_cells", max_cells)
    return read_tracks(path, steps_per_beat, mapping, max_cells).roll


@dataclass(frozen=True)
class ReadTracks:
    """A MIDI file read as a roll, with what its tracks are."""

    roll: np.ndarray
    """bool ``(n_steps, 128, n_tracks)``, as :func:`read_midi` returns it."""
    parsed: ParsedMidi
    track_names: tuple[str, ...]
    """Per track of the roll: its MIDI track name (``""`` if none), or the map's name."""
    is_drum: tuple[bool, ...]
    """Per track of the roll: whether it holds drums (channel 10) only; with a map, whether
    every instrument it takes is a drum track (when it takes none: whether its rule is
    ``"drums"``)."""


def read_tracks(
    path: Path, steps_per_beat: int, mapping: TrackMap | None, max_cells: int
) -> ReadTracks:
    """:func:`read_midi` of checked arguments, with the tracks' names and drum flags."""
    parsed = parse_midi_file(path)
    instruments = parsed.tracks
    if not instruments:
        raise ValueError(f"{str(path)!r} holds no instrument (no notes to read)")
    notes = [instrument.notes for instrument in instruments]
    names = tuple(instrument.name for instrument in instruments)
    drums = tuple(instrument.is_drum for instrument in instruments)
    if mapping is not None:
        groups = _groups(path, instruments, mapping)
        empty = np.zeros((0, 3), np.int64)
        notes = [np.concatenate([instruments[i].notes for i in g] or [empty]) for g in groups]
        names = mapping.names
        drums = tuple(
            all(instruments[i].is_drum for i in group) if group else rule == "drums"
            for group, (_, rule) in zip(groups, mapping.rules, strict=True)
        )
    _check_length(path, notes, parsed.ticks_per_beat, steps_per_beat, max_cells)
    roll = _roll_from_notes(
        notes, parsed.ticks_per_beat, steps_per_beat, source=path, max_cells=max_cells
    )
    return ReadTracks(roll, parsed, names, drums)


def track_mapping(merge_tracks: bool, tracks: TrackMapSpec | None) -> TrackMap | None:
    """The track map of ``tracks=``/``merge_tracks=`` (None: one track per instrument)."""
    if tracks is None:
        return PRESETS["merged"] if merge_tracks else None
    if merge_tracks:
        raise InvalidParameterError(
            f"give merge_tracks=True or tracks=, not both (merge_tracks=True is "
            f"tracks='merged'); got tracks={tracks!r}"
        )
    return track_map(tracks)


def _groups(path: Path, instruments: list[MidiTrack], mapping: TrackMap) -> list[list[int]]:
    """The instruments of each of the map's tracks, or ValueError if it takes none."""
    groups = mapping.assign(instruments)
    if not any(groups):
        kinds = sorted({"drums" if i.is_drum else f"program {i.program}" for i in instruments})
        raise ValueError(
            f"{str(path)!r}: the track map {list(mapping.names)} takes none of its "
            f"{len(instruments)} instruments ({', '.join(kinds)})"
        )
    return groups


def from_multitrack(
    multitrack: Any,
    *,
    n_bars: int = 4,
    steps_per_bar: int = 16,
    steps_per_beat: int = 4,
    max_cells: int = MAX_CELLS,
) -> np.ndarray:
    """Cut a :class:`pypianoroll.Multitrack` into fixed-length samples on a beat grid.

    The Multitrack's time steps (``multitrack.resolution`` per quarter note) are converted to
    ``steps_per_beat`` per quarter note through its notes (a run of active steps of one pitch),
    rounded as in :func:`read_midi`, then cut as in :func:`load_midi_folder`.

    Parameters
    ----------
    multitrack : pypianoroll.Multitrack
        Tracks of equal or unequal length (shorter ones are padded with silence); a cell is
        active when its value is positive.
    n_bars, steps_per_bar, steps_per_beat : int
        As in :func:`load_midi_folder`.
    max_cells : int, default=2**28
        The most cells the resampled roll may have (see :func:`read_midi`).

    Returns
    -------
    ndarray of bool, shape (n_segments, n_bars * steps_per_bar, 128, n_tracks)

    Raises
    ------
    InvalidParameterError
        Not a Multitrack (no ``tracks``/``resolution``), no track, a pitch axis that is not 128
        long, too short for one segment, or an option of the wrong type or value.
    ValueError
        The resampled roll would have more than ``max_cells`` cells.
    """
    tracks = getattr(multitrack, "tracks", None)
    resolution = getattr(multitrack, "resolution", None)
    if tracks is None or resolution is None:
        raise invalid("multitrack", "a pypianoroll.Multitrack", received=type(multitrack).__name__)
    if not tracks:
        raise InvalidParameterError("multitrack holds no track")
    resolution = check_int("multitrack.resolution", resolution)
    length = check_int("n_bars", n_bars) * check_int("steps_per_bar", steps_per_bar)
    steps_per_beat = check_int("steps_per_beat", steps_per_beat)
    max_cells = check_int("max_cells", max_cells)
    notes = []
    for index, track in enumerate(tracks):
        pianoroll = np.asarray(track.pianoroll)
        if pianoroll.ndim != 2 or pianoroll.shape[1] != N_PITCHES:
            raise invalid(
                f"multitrack track {index}",
                "a pianoroll of shape (n_steps, 128)",
                received=str(pianoroll.shape),
            )
        notes.append(note_runs(pianoroll > 0))
    n_ticks = max(len(track.pianoroll) for track in tracks)
    roll = _roll_from_notes(
        notes, resolution, steps_per_beat, source="multitrack", max_cells=max_cells, n_ticks=n_ticks
    )
    return cut_segments(roll, length, "multitrack", error=InvalidParameterError)


def note_runs(cells: np.ndarray) -> np.ndarray:
    """The notes of one track ``(n_steps, n_pitches)`` bool: int64 rows ``(pitch, start, end)``.

    A note is a maximal run of active steps ``[start, end)`` of one pitch; rows are ordered by
    pitch, then start.
    """
    padded = np.zeros((cells.shape[0] + 2, cells.shape[1]), dtype=np.int8)
    padded[1:-1] = cells
    change = np.diff(padded, axis=0)
    # nonzero over the transposed array orders by pitch then step, so starts and ends pair up.
    pitch, start = np.nonzero(change.T == 1)
    end = np.nonzero(change.T == -1)[1]
    return np.stack([pitch, start, end], axis=1).astype(np.int64)


def cut_segments(
    roll: np.ndarray, length: int, source: Any, *, error: type[ValueError] = ValueError
) -> np.ndarray:
    """Non-overlapping ``length``-step windows of ``roll`` from its start.

    Raises ``error`` (a file's data: ``ValueError``; an argument's: ``InvalidParameterError``)
    naming ``source`` when ``roll`` is shorter than one window.
    """
    n_segments = roll.shape[0] // length
    if n_segments == 0:
        raise error(
            f"{str(source)!r} lasts {roll.shape[0]} steps; shorter than one segment of "
            f"{length} steps"
        )
    usable = roll[: n_segments * length]
    return usable.reshape(n_segments, length, *roll.shape[1:])


@dataclass(frozen=True)
class MidiTrack:
    """One instrument of a MIDI file, as pretty_midi splits them: the notes of one MIDI track,
    channel and program (see :mod:`musiceval._midi_kernels` for how notes are paired)."""

    name: str
    """The MIDI track's first track-name event (``""`` if none)."""
    program: int
    """General MIDI program, 0-127."""
    is_drum: bool
    """Played on channel 10, General MIDI's percussion channel."""
    notes: np.ndarray
    """``(n_notes, 3)`` int64 rows ``(pitch, start_tick, end_tick)``."""


@dataclass(frozen=True)
class ParsedMidi:
    """What :func:`parse_midi_file` reads of a MIDI file."""

    ticks_per_beat: int
    """The header's time division: ticks per quarter note."""
    tracks: list[MidiTrack]
    """The instruments that hold notes, in the order pretty_midi lists them."""
    time_signatures: tuple[TimeSignature, ...]
    """Its time-signature events of numerator 1 or more, in tick order (every track chunk's)."""


def parse_midi(path: Path) -> tuple[int, list[MidiTrack]]:
    """The file's ticks per quarter note and its instruments that hold notes, in the order
    pretty_midi lists them (by the first note each one ends): :func:`parse_midi_file` without
    the time signatures."""
    parsed = parse_midi_file(path)
    return parsed.ticks_per_beat, parsed.tracks


def parse_midi_file(path: Path) -> ParsedMidi:
    """The file's time division, instruments and time signatures.

    The bytes are parsed by a numba kernel whose memory grows with the file's size, never with
    the song's length, so a tiny file naming a far-away tick costs nothing here.
    """
    from musiceval._midi_kernels import ERRORS, read_smf  # numba: not at import musiceval

    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as error:
        raise _unreadable(path, error) from None
    code, division, rows, names, signatures = read_smf(data)
    if code:
        raise ValueError(f"{str(path)!r} is not a readable MIDI file: {ERRORS[code]}")
    if division <= 0:
        raise ValueError(
            f"{str(path)!r} is not a readable MIDI file: its time division is {int(division)}, "
            f"not a positive number of ticks per quarter note (SMPTE time is not read)"
        )
    return ParsedMidi(int(division), _instruments(data, rows, names), time_signatures(signatures))


def _instruments(data: np.ndarray, rows: np.ndarray, names: np.ndarray) -> list[MidiTrack]:
    """The instruments of ``read_smf``'s note rows, in the order their first notes end."""
    if not len(rows):
        return []
    key = rows[:, 0]
    instruments, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # instruments in the order they appear
    rank = np.argsort(order)[inverse]
    by_rank = np.argsort(rank, kind="stable")
    notes = rows[by_rank, 1:]
    sizes = np.bincount(rank, minlength=len(instruments))
    tracks = []
    for instrument, chunk in zip(
        instruments[order], np.split(notes, np.cumsum(sizes)[:-1]), strict=True
    ):
        midi_track, channel = divmod(int(instrument) // 128, 16)
        offset, length = names[midi_track]
        name = bytes(data[offset : offset + length]).decode("latin-1")
        tracks.append(MidiTrack(name, int(instrument) % 128, channel == 9, chunk))
    return tracks


def _check_length(
    path: Path, notes: list[np.ndarray], ticks_per_beat: int, steps_per_beat: int, max_cells: int
) -> None:
    """Refuse a file whose last note ends too late for ``max_cells``, saying where it ends."""
    last = max(int(track[:, 2].max()) for track in notes if len(track))
    n_steps = (2 * last * steps_per_beat + ticks_per_beat) // (2 * ticks_per_beat)
    why = (
        f" (its last note ends at tick {last:,} at {ticks_per_beat} "
        f"tick{'s' if ticks_per_beat != 1 else ''} per beat, read at "
        f"steps_per_beat={steps_per_beat})"
    )
    _check_cells(path, n_steps, None, max_cells, why=why)


def _unreadable(path: Path, error: Exception) -> ValueError:
    return ValueError(
        f"{str(path)!r} is not a readable MIDI file ({type(error).__name__}: {error})"
    )


def _check_cells(
    source: Any, n_steps: int, n_tracks: int | None, max_cells: int, *, why: str = ""
) -> None:
    """Refuse a roll of ``n_steps x 128 x n_tracks`` cells beyond ``max_cells``, naming
    ``source``; ``n_tracks=None``: not known yet, at least 1; ``why``: where the size comes
    from."""
    cells = n_steps * N_PITCHES * (n_tracks or 1)
    if cells > max_cells:
        shape = f"{n_steps:,} steps x {N_PITCHES} pitches"
        if n_tracks is None:
            shape = f"at least {shape}"
        else:
            shape += f" x {plural(n_tracks, 'track')}"
        raise ValueError(
            f"{str(source)!r} needs a roll of {shape} = {cells:,} cells, {cells / 2**30:.2f} "
            f"GiB{why}, more than the limit max_cells={max_cells:,} (if the file is genuine, "
            f"a larger max_cells= reads it)"
        )


def _roll_from_notes(
    notes: Sequence[np.ndarray],
    ticks_per_beat: int,
    steps_per_beat: int,
    *,
    source: Any,
    max_cells: int,
    n_ticks: int = 0,
) -> np.ndarray:
    """Draw notes given in ticks onto a bool roll ``(n_steps, 128, n_tracks)`` of beat steps.

    The roll lasts until the last note ends, or ``n_ticks`` (rounded up to a step) if longer.
    Its size is checked against ``max_cells`` before it is allocated (and before any step is
    computed, so that a huge ``steps_per_beat`` cannot overflow the int64 arithmetic).
    """
    last = max((int(track[:, 2].max()) for track in notes if len(track)), default=0)
    # the step the last note ends on, rounded half up as _ticks_to_steps does, in exact ints
    least = (2 * last * steps_per_beat + ticks_per_beat) // (2 * ticks_per_beat)
    least = max(least, -(-n_ticks * steps_per_beat // ticks_per_beat))
    _check_cells(source, least, len(notes), max_cells)
    steps = [_ticks_to_steps(track, ticks_per_beat, steps_per_beat) for track in notes]
    n_steps = max(
        (int(track[:, 2].max()) for track in steps if len(track)),
        default=0,
    )
    n_steps = max(n_steps, -(-n_ticks * steps_per_beat // ticks_per_beat))
    _check_cells(source, n_steps, len(steps), max_cells)
    try:
        roll = np.zeros((n_steps, N_PITCHES, len(steps)), dtype=bool)
    except MemoryError:
        raise ValueError(
            f"{str(source)!r} needs a roll of {n_steps:,} steps x {N_PITCHES} pitches x "
            f"{plural(len(steps), 'track')}, more memory than is free"
        ) from None
    from musiceval._midi_kernels import draw_notes  # numba: not at import musiceval

    for index, track in enumerate(steps):
        draw_notes(roll, index, track[:, 0], track[:, 1], track[:, 2])
    return roll


def _ticks_to_steps(notes: np.ndarray, ticks_per_beat: int, steps_per_beat: int) -> np.ndarray:
    """Round ``(pitch, start, end)`` ticks to steps, keeping at least one step per note."""
    scaled = notes[:, 1:] * steps_per_beat / ticks_per_beat
    start = np.floor(scaled[:, 0] + 0.5).astype(np.int64)
    end = np.maximum(np.floor(scaled[:, 1] + 0.5).astype(np.int64), start + 1)
    return np.stack([notes[:, 0], start, end], axis=1)


def plural(count: int, noun: str) -> str:
    """``"1 track"``, ``"2 tracks"``."""
    return f"{count} {noun}{'s' if count != 1 else ''}"
