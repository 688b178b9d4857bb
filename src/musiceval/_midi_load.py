"""MIDI files and folders cut into segments at their bar lines, with what their tracks are.

The public functions are re-exported by :mod:`musiceval.io`, where they are documented for
users. :func:`load_midi` reads a file or a folder into a :class:`MidiRolls` (the segments, the
tracks' names and drum flags, each file's time signatures and what was skipped);
:func:`load_midi_folder` returns only its rolls, as musiceval 0.1.0 did. How bars follow the
time signatures is in :mod:`musiceval._midi_metre`.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

import numpy as np

from musiceval._checks import check_bool, check_choice, check_int, check_path
from musiceval._midi_metre import (
    Metre,
    MetreSkip,
    TimeSignature,
    bar_runs,
    segment_starts,
    signatures_in_effect,
)
from musiceval._midi_read import (
    MAX_CELLS,
    MIDI_SUFFIXES,
    plural,
    read_tracks,
    track_mapping,
)
from musiceval.exceptions import InvalidParameterError
from musiceval.track_maps import TrackMap, TrackMapSpec

__all__ = [
    "METRES",
    "MetreError",
    "MidiFileInfo",
    "MidiRolls",
    "check_track_count",
    "find_midi_files",
    "load_midi",
    "load_midi_folder",
    "read_segments",
]

METRES: tuple[Metre, ...] = ("file", "ignore")
_LISTED = 10  # files a warning names before it counts the rest


class MetreError(ValueError):
    """A MIDI file gives no segment because its bars are not ``steps_per_bar`` steps long."""

    def __init__(self, message: str, info: MidiFileInfo) -> None:
        super().__init__(message)
        self.info = info
        """What was read of the file."""


@dataclass(frozen=True, eq=False)
class MidiFileInfo:
    """One MIDI file as :func:`load_midi` read it."""

    path: str
    track_names: tuple[str, ...]
    """Per track of the rolls: the MIDI track name of its instrument (``""`` if it has none);
    with a track map, the map's output track names."""
    is_drum: tuple[bool, ...]
    """Per track of the rolls: whether it holds drums (MIDI channel 10) only."""
    time_signatures: tuple[TimeSignature, ...]
    """The file's time-signature events in tick order (empty: 4/4 throughout)."""
    segment_starts: np.ndarray
    """int64 ``(n_segments,)``: the step of the file's roll where each of its segments starts."""
    metre_skip: MetreSkip | None
    """The bars left out because they are not ``steps_per_bar`` steps long (None with
    ``metre="ignore"``)."""
    n_steps: int
    """Steps of the file's roll, to the end of its last note."""

    @property
    def metre(self) -> str:
        """The metres it is in, as ``"4/4"`` or ``"4/4, 3/4"`` (in order of first use)."""
        named = [str(s) for s in signatures_in_effect(self.time_signatures)]
        return ", ".join(dict.fromkeys(named))


@dataclass(frozen=True, eq=False)
class MidiRolls:
    """What :func:`load_midi` read: the segments and what their tracks are."""

    rolls: np.ndarray
    """bool ``(n_segments, n_bars * steps_per_bar, 128, n_tracks)``: the segments, file by file
    in sorted path order (what :func:`load_midi_folder` returns)."""
    track_names: tuple[str, ...]
    """A distinct, non-empty label per track: the map's names with a track map; else the MIDI
    track name every file that gave segments gives that track, or the track's index
    (``"0"``, ``"1"``...) where they differ or have none; a name two tracks share gets its
    index added (``"Piano (1)"``)."""
    is_drum: np.ndarray
    """bool ``(n_tracks,)``: the track holds drums (channel 10) only, in every file that gave
    segments."""
    files: tuple[MidiFileInfo, ...]
    """Every file read (those that gave no segment for their metre included), in path order."""
    segment_file: np.ndarray
    """int64 ``(n_segments,)``: the index in :attr:`files` of each segment's file."""
    skipped: tuple[tuple[str, str], ...]
    """``(path, reason)`` of every file that gave no segment: unreadable, another track count,
    too short, too large (with ``on_error="skip"``), or no run of ``n_bars`` bars of
    ``steps_per_bar`` steps; and of every subfolder that could not be listed."""

    @property
    def n_bars_skipped(self) -> int:
        """Bars left out because they are not ``steps_per_bar`` steps long, in all files."""
        return sum(f.metre_skip.n_skipped for f in self.files if f.metre_skip is not None)


@dataclass(frozen=True)
class _Options:
    n_bars: int
    steps_per_bar: int
    steps_per_beat: int
    mapping: TrackMap | None
    max_cells: int
    metre: Metre

    @property
    def length(self) -> int:
        return self.n_bars * self.steps_per_bar


def read_segments(
    path: Path,
    *,
    n_bars: int,
    steps_per_bar: int,
    steps_per_beat: int,
    tracks: TrackMap | None,
    max_cells: int,
    metre: Metre,
    n_tracks: int | None = None,
    expected_from: str = "n_tracks",
) -> tuple[np.ndarray, MidiFileInfo]:
    """The segments of one MIDI file (checked arguments) and what was read of it.

    Raises ``ValueError`` naming the file when it cannot be read, has not ``n_tracks`` tracks
    (None: any), is shorter than one segment or too large; :class:`MetreError` when its bars
    of ``steps_per_bar`` steps hold no segment and some of its bars have another length.
    """
    options = _Options(n_bars, steps_per_bar, steps_per_beat, tracks, max_cells, metre)
    read = read_tracks(path, steps_per_beat, tracks, max_cells)
    check_track_count(read.roll, n_tracks, path, expected_from)
    n_steps, length = read.roll.shape[0], options.length
    skip = None
    if metre == "ignore":
        starts = np.arange(n_steps // length, dtype=np.int64) * length
    else:
        parsed = read.parsed
        runs, skip = bar_runs(
            parsed.time_signatures, parsed.ticks_per_beat, steps_per_beat, n_steps, steps_per_bar
        )
        starts = segment_starts(runs, n_bars, steps_per_bar)
    info = MidiFileInfo(
        str(path), read.track_names, read.is_drum, read.parsed.time_signatures, starts, skip,
        n_steps,
    )  # fmt: skip
    if not len(starts):
        if skip is not None and skip.n_skipped:
            raise MetreError(
                f"{_metre_note(info, skip, options)}, so it gives no segment of {n_bars} bars "
                f"of {steps_per_bar} steps{_hint(skip, options)}",
                info,
            )
        raise ValueError(
            f"{str(path)!r} lasts {n_steps} steps; shorter than one segment of {length} steps"
        )
    return _take(read.roll, starts, length), info


def _take(roll: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """The ``length``-step windows of ``roll`` at ``starts`` (a view when they tile its start)."""
    if np.array_equal(starts, np.arange(len(starts)) * length):
        return roll[: len(starts) * length].reshape(len(starts), length, *roll.shape[1:])
    return np.stack([roll[start : start + length] for start in starts])


def load_midi(
    source: str | os.PathLike[str],
    *,
    n_bars: int = 4,
    steps_per_bar: int = 16,
    steps_per_beat: int = 4,
    n_tracks: int | None = None,
    merge_tracks: bool = False,
    tracks: TrackMapSpec | None = None,
    on_error: Literal["raise", "skip"] = "raise",
    max_cells: int = MAX_CELLS,
    metre: Metre = "file",
) -> MidiRolls:
    """Read a MIDI file, or every MIDI file of a folder, as segments cut at bar lines, with the
    tracks' names, drum flags and each file's time signatures.

    Parameters
    ----------
    source : str or os.PathLike
        A ``.mid``/``.midi`` file, or a folder of them (searched recursively).
    n_bars, steps_per_bar, steps_per_beat, n_tracks, merge_tracks, tracks, on_error, max_cells
        As in :func:`load_midi_folder`; ``on_error`` does not apply to a single file (its
        error is raised).
    metre : {"file", "ignore"}, default="file"
        As in :func:`load_midi_folder`.

    Returns
    -------
    MidiRolls
        ``rolls`` (what :func:`load_midi_folder` returns), ``track_names`` and ``is_drum``
        per track, ``files`` (each file's time signatures, segment starts, track names and
        drum flags, bars skipped), ``segment_file`` and ``skipped``.

    Raises
    ------
    InvalidParameterError
        An option of the wrong type or value, or ``source`` is neither a MIDI file nor a folder.
    ValueError
        As :func:`load_midi_folder`; for a single file, whatever keeps it from giving a
        segment (another metre included).
    """
    source = check_path("source", source)
    options = _check_options(
        n_bars, steps_per_bar, steps_per_beat, merge_tracks, tracks, max_cells, metre
    )
    if n_tracks is not None:
        n_tracks = check_int("n_tracks", n_tracks)
    check_choice("on_error", on_error, ("raise", "skip"))
    if source.is_dir():
        return _load_folder(source, options, n_tracks, on_error, stacklevel=3)
    if not source.exists():
        raise InvalidParameterError(f"source {str(source)!r} does not exist")
    if not source.is_file() or source.suffix.lower() not in MIDI_SUFFIXES:
        raise InvalidParameterError(
            f"source must be a {'/'.join(MIDI_SUFFIXES)} file or a folder; got {str(source)!r}"
        )
    return _load_files([source], [], options, n_tracks, "raise", source, stacklevel=3)


def load_midi_folder(
    folder: str | os.PathLike[str],
    *,
    n_bars: int = 4,
    steps_per_bar: int = 16,
    steps_per_beat: int = 4,
    n_tracks: int | None = None,
    merge_tracks: bool = False,
    tracks: TrackMapSpec | None = None,
    on_error: Literal["raise", "skip"] = "raise",
    max_cells: int = MAX_CELLS,
    metre: Metre = "file",
) -> np.ndarray:
    """Read every MIDI file of a folder (and its subfolders) as fixed-length samples.

    Each file is read with :func:`read_midi` and cut into segments of ``n_bars`` bars of
    ``steps_per_bar`` steps at its bar lines (``metre``). Files are read in sorted path order,
    so the result does not depend on the file system. :func:`load_midi` reads the same
    segments with the tracks' names and drum flags and each file's time signatures.

    Parameters
    ----------
    folder : str or os.PathLike
        A directory holding ``.mid``/``.midi`` files (searched recursively).
    n_bars : int, default=4
        Bars per segment.
    steps_per_bar : int, default=16
        Steps per bar: 16 is a 4/4 (or 2/2) bar at 4 steps per beat, 12 a 3/4 or 6/8 bar.
    steps_per_beat : int, default=4
        Time steps per quarter note (the beat, whatever the time signature).
    n_tracks : int, optional
        Tracks every file must have; default: the track count of the first file read. A file
        with another count is an error for that file (see ``on_error``).
    merge_tracks : bool, default=False
        Read every file as one track (see :func:`read_midi`); then ``n_tracks`` is 1.
    tracks : str, mapping or TrackMap, optional
        A track map (see :func:`read_midi`): every file then has the map's tracks, so files
        with other instruments are not refused for their track count.
    on_error : {"raise", "skip"}, default="raise"
        What to do with a file that cannot be read, has a different track count, is shorter
        than one segment or larger than ``max_cells``, and with a subfolder that cannot be
        listed (its files would be left out unseen): ``"raise"`` stops with a ``ValueError``
        naming it, before any file is read for a subfolder; ``"skip"`` leaves it out and
        issues one ``UserWarning`` at the end that lists every skipped file and subfolder and
        why.
    max_cells : int, default=2**28
        The largest roll of one file, in cells (see :func:`read_midi`).
    metre : {"file", "ignore"}, default="file"
        ``"file"``: bars follow each file's time signatures (4/4 without one; a beat is a
        quarter note, so a 3/4 bar is ``3 * steps_per_beat`` steps); a segment is ``n_bars``
        consecutive bars of exactly ``steps_per_bar`` steps, and bars of another length are
        skipped, with one ``UserWarning`` at the end naming each such file, its time
        signatures and bar lengths (whatever ``on_error`` says: a file in another metre is
        not an error). ``"ignore"``: segments of ``n_bars * steps_per_bar`` steps from each
        file's first tick, time signatures unread, as musiceval 0.1.0 cut them.

    Returns
    -------
    ndarray of bool, shape (n_segments, n_bars * steps_per_bar, 128, n_tracks)

    Raises
    ------
    InvalidParameterError
        An option of the wrong type or value, or ``folder`` is not a directory.
    ValueError
        ``folder`` cannot be listed or holds no MIDI file; a bad file or unlistable subfolder
        under ``on_error="raise"``; no segment at all (every file skipped, too short or in
        another metre).
    """
    folder = check_path("folder", folder)
    options = _check_options(
        n_bars, steps_per_bar, steps_per_beat, merge_tracks, tracks, max_cells, metre
    )
    if n_tracks is not None:
        n_tracks = check_int("n_tracks", n_tracks)
    check_choice("on_error", on_error, ("raise", "skip"))
    if not folder.is_dir():
        raise InvalidParameterError(f"folder {str(folder)!r} is not a directory")
    return _load_folder(folder, options, n_tracks, on_error, stacklevel=3).rolls


def _check_options(
    n_bars: int,
    steps_per_bar: int,
    steps_per_beat: int,
    merge_tracks: bool,
    tracks: TrackMapSpec | None,
    max_cells: int,
    metre: Metre,
) -> _Options:
    return _Options(
        n_bars=check_int("n_bars", n_bars),
        steps_per_bar=check_int("steps_per_bar", steps_per_bar),
        steps_per_beat=check_int("steps_per_beat", steps_per_beat),
        mapping=track_mapping(check_bool("merge_tracks", merge_tracks), tracks),
        max_cells=check_int("max_cells", max_cells),
        metre=cast(Metre, check_choice("metre", metre, METRES)),
    )


def _load_folder(
    folder: Path, options: _Options, n_tracks: int | None, on_error: str, stacklevel: int
) -> MidiRolls:
    files, unlisted = find_midi_files(folder, on_error)
    return _load_files(files, unlisted, options, n_tracks, on_error, folder, stacklevel + 1)


def _load_files(
    paths: list[Path],
    unlisted: list[OSError],
    options: _Options,
    n_tracks: int | None,
    on_error: str,
    source: Path,
    stacklevel: int,
) -> MidiRolls:
    """Read ``paths`` in order; warn of what was skipped; raise if no segment was read."""
    segments: list[np.ndarray] = []
    files: list[MidiFileInfo] = []
    owners: list[int] = []
    failed: list[tuple[str, str]] = []
    in_other_metre: list[tuple[str, str]] = []
    for path in paths:
        try:
            rolls, info = read_segments(
                path, n_bars=options.n_bars, steps_per_bar=options.steps_per_bar,
                steps_per_beat=options.steps_per_beat, tracks=options.mapping,
                max_cells=options.max_cells, metre=options.metre, n_tracks=n_tracks,
                expected_from="n_tracks or the first file",
            )  # fmt: skip
        except MetreError as error:
            if len(paths) == 1 and not source.is_dir():
                raise
            in_other_metre.append((str(path), str(error)))
            files.append(error.info)
            continue
        except ValueError as error:
            if on_error == "raise":
                raise
            failed.append((str(path), str(error)))
            continue
        n_tracks = rolls.shape[3]
        owners += [len(files)] * len(rolls)
        files.append(info)
        segments.append(rolls)
    _warn(files, failed, len(paths), unlisted, options, stacklevel + 1)
    if not segments:
        why = f" ({plural(len(in_other_metre), 'file')} in another metre)" if in_other_metre else ""
        raise ValueError(
            f"no segment of {options.length} steps could be read from {str(source)!r}{why}"
        )
    used = [f for f in files if len(f.segment_starts)]
    return MidiRolls(
        np.concatenate(segments) if len(segments) > 1 else segments[0],
        _labels([f.track_names for f in used]),
        np.array([all(f.is_drum[k] for f in used) for k in range(n_tracks or 0)]),
        tuple(files),
        np.asarray(owners, dtype=np.int64),
        tuple(failed + in_other_metre)
        + tuple((str(error.filename), _listing_error(error)) for error in unlisted),
    )


def _labels(names: Sequence[tuple[str, ...]]) -> tuple[str, ...]:
    """Per track, the name every file gives it (else its index), made distinct."""
    labels = []
    for track in range(len(names[0])):
        given = {file_names[track] for file_names in names}
        name = given.pop().strip() if len(given) == 1 else ""
        labels.append(name or str(track))
    labels = [
        f"{label} ({track})" if labels.count(label) > 1 else label
        for track, label in enumerate(labels)
    ]
    return (
        tuple(labels) if len(set(labels)) == len(labels) else tuple(map(str, range(len(names[0]))))
    )


def _metre_note(info: MidiFileInfo, skip: MetreSkip, options: _Options) -> str:
    """``"'a.mid' (3/4): bars not 16 steps long: 40 of 40 (3/4: 40 bars of 12 steps)"``."""
    return f"{info.path!r} ({info.metre}): {skip.describe(options.steps_per_bar)}"


def _hint(skip: MetreSkip, options: _Options) -> str:
    """How to read the bars that were skipped: another ``steps_per_bar``, or 0.1.0's cut."""
    usual = skip.usual_length()
    other = f"read it with steps_per_bar={usual}, or " if usual else ""
    return (
        f" ({other}cut {options.steps_per_bar}-step bars from its first tick with "
        f"metre='ignore', as musiceval 0.1.0 did)"
    )


def _warn(
    files: list[MidiFileInfo],
    failed: list[tuple[str, str]],
    n_files: int,
    unlisted: list[OSError],
    options: _Options,
    stacklevel: int,
) -> None:
    """The warnings of a read: files and folders skipped (``on_error="skip"``); bars skipped
    for their length (one warning naming each file)."""
    if failed or unlisted:
        message = _skip_message([why for _, why in failed], n_files, unlisted)
        warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)
    notes = [
        _metre_note(f, f.metre_skip, options) + ("" if len(f.segment_starts) else ": no segment")
        for f in files
        if f.metre_skip is not None and f.metre_skip.n_skipped
    ]
    if notes:
        shown = "; ".join(notes[:_LISTED])
        if len(notes) > _LISTED:
            shown += f"; and {len(notes) - _LISTED} more (MidiRolls.files of load_midi lists all)"
        message = (
            f"{len(notes)} of {plural(n_files, 'MIDI file')} have bars that are not "
            f"steps_per_bar={options.steps_per_bar} steps long; those bars were left out, "
            f"cutting segments at the files' bar lines "
            f"(give steps_per_bar= for their metre, or metre='ignore' to cut "
            f"{options.steps_per_bar}-step bars from the first tick as musiceval 0.1.0 "
            f"did): {shown}"
        )
        warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)


def check_track_count(
    roll: np.ndarray, n_tracks: int | None, path: str | os.PathLike[str], expected_from: str
) -> int:
    """The roll's track count, or ValueError if it is not ``n_tracks`` (None: any), saying
    where that count came from (``expected_from``) and how to read every file alike."""
    if n_tracks is not None and roll.shape[2] != n_tracks:
        raise ValueError(
            f"{str(path)!r} has {plural(roll.shape[2], 'track')}; {expected_from} has "
            f"{n_tracks} (give a track map, tracks='lpd5' or 'merged', to read every file alike)"
        )
    return int(roll.shape[2])


def find_midi_files(folder: Path, on_error: str) -> tuple[list[Path], list[OSError]]:
    """The MIDI files under ``folder`` in sorted path order, and the errors of the subfolders
    that cannot be listed (raised at once when ``on_error="raise"``, or for ``folder``)."""
    unlisted: list[OSError] = []
    files = []
    for root, _, names in os.walk(folder, onerror=unlisted.append):
        for name in names:
            path = Path(root, name)
            if path.suffix.lower() in MIDI_SUFFIXES and _may_be_file(path):
                files.append(path)
    if any(error.filename == os.fspath(folder) for error in unlisted):
        raise ValueError(f"cannot list folder {_listing_error(unlisted[0])}")
    if unlisted and on_error == "raise":
        raise ValueError(
            f"cannot list {_folders(len(unlisted))} under {str(folder)!r}, so their MIDI files "
            f"would be left out: {'; '.join(map(_listing_error, unlisted))} (fix the "
            f"permissions, or skip them with on_error='skip' or --skip-unreadable)"
        )
    if not files:
        listed = f" (besides {_folders(len(unlisted))} it cannot list)" if unlisted else ""
        raise ValueError(f"folder {str(folder)!r} holds no {'/'.join(MIDI_SUFFIXES)} file{listed}")
    return sorted(files), unlisted


def _may_be_file(path: Path) -> bool:
    """False for what is certainly not a file; a path that cannot even be examined is kept, so
    that reading it fails with its reason instead of it being left out unseen."""
    try:
        return path.is_file() or path.is_symlink()  # a symlink loop is not a file, yet named
    except OSError:
        return True


def _listing_error(error: OSError) -> str:
    return f"{str(error.filename)!r} ({type(error).__name__}: {error.strerror or error})"


def _folders(count: int) -> str:
    return f"{count} folder{'s' if count != 1 else ''}"


def _skip_message(skipped: list[str], n_files: int, unlisted: list[OSError]) -> str:
    """The one warning of ``on_error="skip"``: every skipped file and unlisted folder, why."""
    parts = []
    if skipped:
        parts.append(f"skipped {len(skipped)} of {n_files} MIDI files: " + "; ".join(skipped))
    if unlisted:
        parts.append(
            f"skipped {_folders(len(unlisted))} that cannot be listed (any MIDI files in "
            f"them were not read): " + "; ".join(map(_listing_error, unlisted))
        )
    return ". ".join(parts)
