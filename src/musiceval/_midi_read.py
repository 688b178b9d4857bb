"""Reading MIDI files and pypianoroll Multitracks as bool piano rolls on a beat grid.

The public functions are re-exported by :mod:`musiceval.io`, where they are documented for
users; this module holds their implementation and the note helpers that writing shares
(:func:`note_runs`). pretty_midi is imported inside the functions that parse a file.

A note is a run of consecutive active steps of one pitch; note boundaries given in ticks are
rounded to the nearest step, and a note shorter than half a step keeps one step.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from musiceval._checks import check_bool, check_choice, check_int, check_path, invalid
from musiceval.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import pretty_midi

__all__ = [
    "MIDI_SUFFIXES",
    "N_PITCHES",
    "cut_segments",
    "from_multitrack",
    "load_midi_folder",
    "note_runs",
    "read_midi",
]

MIDI_SUFFIXES = (".mid", ".midi")
"""File name endings :func:`load_midi_folder` reads (case-insensitive)."""

N_PITCHES = 128
"""Pitches of a MIDI roll: MIDI numbers 0-127."""


def read_midi(
    path: str | os.PathLike[str],
    *,
    steps_per_beat: int = 4,
    merge_tracks: bool = False,
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
        Put every instrument in one track (drums included) instead of one track per instrument.

    Returns
    -------
    ndarray of bool, shape (n_steps, 128, n_tracks)
        ``n_steps`` reaches the end of the last note; ``n_tracks`` is the number of instruments
        (1 with ``merge_tracks``), in file order.

    Raises
    ------
    InvalidParameterError
        ``path`` is not a str or os.PathLike, ``steps_per_beat`` not an int >= 1, or
        ``merge_tracks`` not a bool.
    ValueError
        The file cannot be parsed as MIDI, or holds no instrument.
    """
    path = check_path("path", path)
    steps_per_beat = check_int("steps_per_beat", steps_per_beat)
    merge_tracks = check_bool("merge_tracks", merge_tracks)
    midi = _parse_midi(path)
    notes = [_note_ticks(midi, instrument) for instrument in midi.instruments]
    if not notes:
        raise ValueError(f"{str(path)!r} holds no instrument (no notes to read)")
    if merge_tracks:
        notes = [np.concatenate(notes)]
    return _roll_from_notes(notes, midi.resolution, steps_per_beat)


def load_midi_folder(
    folder: str | os.PathLike[str],
    *,
    n_bars: int = 4,
    steps_per_bar: int = 16,
    steps_per_beat: int = 4,
    n_tracks: int | None = None,
    merge_tracks: bool = False,
    on_error: Literal["raise", "skip"] = "raise",
) -> np.ndarray:
    """Read every MIDI file of a folder (and its subfolders) as fixed-length samples.

    Each file is read with :func:`read_midi` and cut from its start into non-overlapping
    segments of ``n_bars * steps_per_bar`` steps; a last, shorter remainder is dropped.
    Files are read in sorted path order, so the result does not depend on the file system.

    Parameters
    ----------
    folder : str or os.PathLike
        A directory holding ``.mid``/``.midi`` files (searched recursively).
    n_bars : int, default=4
        Bars per segment.
    steps_per_bar : int, default=16
        Steps per bar (16 = a 4/4 bar at 4 steps per beat). Bars are counted from the first
        tick; time-signature changes are not followed.
    steps_per_beat : int, default=4
        Time steps per quarter note.
    n_tracks : int, optional
        Tracks every file must have; default: the track count of the first file read. A file
        with another count is an error for that file (see ``on_error``).
    merge_tracks : bool, default=False
        Read every file as one track (see :func:`read_midi`); then ``n_tracks`` is 1.
    on_error : {"raise", "skip"}, default="raise"
        What to do with a file that cannot be read, has a different track count or is shorter
        than one segment: ``"raise"`` stops with a ``ValueError`` naming it; ``"skip"`` leaves
        it out and issues one ``UserWarning`` at the end that lists every skipped file and why.

    Returns
    -------
    ndarray of bool, shape (n_segments, n_bars * steps_per_bar, 128, n_tracks)

    Raises
    ------
    InvalidParameterError
        An option of the wrong type or value, or ``folder`` is not a directory.
    ValueError
        ``folder`` holds no MIDI file; a bad file under ``on_error="raise"``; no segment at
        all (every file skipped or too short).
    """
    folder = check_path("folder", folder)
    length = check_int("n_bars", n_bars) * check_int("steps_per_bar", steps_per_bar)
    steps_per_beat = check_int("steps_per_beat", steps_per_beat)
    if n_tracks is not None:
        n_tracks = check_int("n_tracks", n_tracks)
    merge_tracks = check_bool("merge_tracks", merge_tracks)
    check_choice("on_error", on_error, ("raise", "skip"))
    if not folder.is_dir():
        raise InvalidParameterError(f"folder {str(folder)!r} is not a directory")
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in MIDI_SUFFIXES
    )
    if not files:
        raise ValueError(f"folder {str(folder)!r} holds no {'/'.join(MIDI_SUFFIXES)} file")
    segments: list[np.ndarray] = []
    skipped: list[str] = []
    for path in files:
        try:
            roll = read_midi(path, steps_per_beat=steps_per_beat, merge_tracks=merge_tracks)
            n_tracks = _check_track_count(roll, n_tracks, path)
            segments.append(cut_segments(roll, length, path))
        except ValueError as error:
            if on_error == "raise":
                raise
            skipped.append(str(error))
    if skipped:
        warnings.warn(
            f"skipped {len(skipped)} of {len(files)} MIDI files: " + "; ".join(skipped),
            UserWarning,
            stacklevel=2,
        )
    if not segments:
        raise ValueError(f"no segment of {length} steps could be read from {str(folder)!r}")
    return np.concatenate(segments)


def from_multitrack(
    multitrack: Any,
    *,
    n_bars: int = 4,
    steps_per_bar: int = 16,
    steps_per_beat: int = 4,
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

    Returns
    -------
    ndarray of bool, shape (n_segments, n_bars * steps_per_bar, 128, n_tracks)

    Raises
    ------
    InvalidParameterError
        Not a Multitrack (no ``tracks``/``resolution``), no track, a pitch axis that is not 128
        long, too short for one segment, or an option of the wrong type or value.
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
    roll = _roll_from_notes(notes, resolution, steps_per_beat, n_ticks=n_ticks)
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


def _parse_midi(path: Path) -> pretty_midi.PrettyMIDI:
    import pretty_midi

    try:
        return pretty_midi.PrettyMIDI(str(path))
    except Exception as error:  # pretty_midi/mido raise many types on malformed files
        raise ValueError(
            f"{str(path)!r} is not a readable MIDI file ({type(error).__name__}: {error})"
        ) from None


def _note_ticks(midi: pretty_midi.PrettyMIDI, instrument: Any) -> np.ndarray:
    """``(n_notes, 3)`` int64 rows ``(pitch, start_tick, end_tick)`` of one instrument."""
    rows = [
        (note.pitch, midi.time_to_tick(note.start), midi.time_to_tick(note.end))
        for note in instrument.notes
    ]
    return np.array(rows, dtype=np.int64).reshape(-1, 3)


def _roll_from_notes(
    notes: Sequence[np.ndarray], ticks_per_beat: int, steps_per_beat: int, n_ticks: int = 0
) -> np.ndarray:
    """Draw notes given in ticks onto a bool roll ``(n_steps, 128, n_tracks)`` of beat steps.

    The roll lasts until the last note ends, or ``n_ticks`` (rounded up to a step) if longer.
    """
    steps = [_ticks_to_steps(track, ticks_per_beat, steps_per_beat) for track in notes]
    n_steps = max(
        (int(track[:, 2].max()) for track in steps if len(track)),
        default=0,
    )
    n_steps = max(n_steps, -(-n_ticks * steps_per_beat // ticks_per_beat))
    roll = np.zeros((n_steps, N_PITCHES, len(steps)), dtype=bool)
    for index, track in enumerate(steps):
        for pitch, start, end in track:
            roll[start:end, pitch, index] = True
    return roll


def _ticks_to_steps(notes: np.ndarray, ticks_per_beat: int, steps_per_beat: int) -> np.ndarray:
    """Round ``(pitch, start, end)`` ticks to steps, keeping at least one step per note."""
    scaled = notes[:, 1:] * steps_per_beat / ticks_per_beat
    start = np.floor(scaled[:, 0] + 0.5).astype(np.int64)
    end = np.maximum(np.floor(scaled[:, 1] + 0.5).astype(np.int64), start + 1)
    return np.stack([notes[:, 0], start, end], axis=1)


def _check_track_count(roll: np.ndarray, n_tracks: int | None, path: Path) -> int:
    if n_tracks is not None and roll.shape[2] != n_tracks:
        raise ValueError(
            f"{str(path)!r} has {roll.shape[2]} tracks; expected {n_tracks} (as n_tracks or the "
            f"first file; use merge_tracks=True to read every file as one track)"
        )
    return roll.shape[2]
