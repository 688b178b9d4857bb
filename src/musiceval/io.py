"""Piano rolls to and from files: MIDI folders, pypianoroll Multitracks, MIDI and WAV output.

Reading turns songs into fixed-length samples that the metrics take:

* :func:`load_rolls`: what :func:`musiceval.profile`, :func:`musiceval.compare` and the CLI
  accept, as one array: an array or tensor (as it is), an ``.npy`` file (memory-mapped), an
  ``.npz`` file (the array under ``"pianoroll"`` or ``npz_key``), a MIDI file, a folder of MIDI
  files or a :class:`pypianoroll.Multitrack`.
* :func:`read_midi`: one MIDI file as a roll ``(n_steps, 128, n_tracks)``, one track per
  instrument in file order, on a grid of ``steps_per_beat`` steps per quarter note.
* :func:`load_midi_folder`: every ``.mid``/``.midi`` file of a folder, cut into segments of
  ``n_bars`` bars, stacked as ``(n_segments, n_steps, 128, n_tracks)``; unreadable files fail
  the call or are skipped with one warning that lists them (``on_error``).
* :func:`from_multitrack`: the same for a :class:`pypianoroll.Multitrack`.

Writing takes rolls in any accepted layout (see ``docs/conventions.md``), samples one after
the other in time:

* :func:`write_midi`: a standard MIDI file, one instrument per track.
* :func:`write_wav`: the same notes synthesised with pretty_midi's built-in sine waves
  (no soundfont), 16-bit mono.

Conventions (``docs/io.md``): a note is a run of consecutive active steps of one pitch, so two
repeated notes with no gap between them become one long note; note boundaries are rounded to
the nearest step, and a note shorter than half a step keeps one step rather than vanishing.
Velocities are not kept (rolls are binary). Each file is written atomically. pretty_midi is
imported inside these functions (``pip install musiceval[midi]``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from musiceval._atomic import atomic_path
from musiceval.rolls import as_roll, check_choice, check_positive_int

if TYPE_CHECKING:
    import pretty_midi

__all__ = [
    "MIDI_SUFFIXES",
    "NPZ_KEY",
    "from_multitrack",
    "load_midi_folder",
    "load_rolls",
    "read_midi",
    "write_midi",
    "write_wav",
]

MIDI_SUFFIXES = (".mid", ".midi")
"""File name endings :func:`load_midi_folder` reads (case-insensitive)."""

NPZ_KEY = "pianoroll"
"""The key of the roll in an ``.npz`` file unless another is named."""

_RESOLUTION = 480  # MIDI ticks per quarter note of written files (divisible by 1-6, 8, 10, 12, 16)
_N_PITCHES = 128


# ---------------------------------------------------------------------- reading


def load_rolls(
    source: Any,
    *,
    layout: str = "NTPK",
    npz_key: str | None = None,
    n_bars: int = 4,
    steps_per_bar: int = 16,
    steps_per_beat: int = 4,
    on_error: Literal["raise", "skip"] = "raise",
) -> Any:
    """The piano rolls held by ``source``, ready for the metrics.

    Parameters
    ----------
    source : ndarray, torch.Tensor, pypianoroll.Multitrack, str or os.PathLike
        An array or tensor (returned as it is); the path of an ``.npy`` file (memory-mapped,
        so a large set is read chunk by chunk), of an ``.npz`` file (the array under
        :data:`NPZ_KEY` or ``npz_key``, read whole: numpy cannot map an archive member), of a
        ``.mid``/``.midi`` file, or of a folder of MIDI files (:func:`load_midi_folder`); or a
        Multitrack (:func:`from_multitrack`).
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of an array or file array. MIDI and Multitrack inputs give ``NTPK`` rolls
        and require this default.
    npz_key : str, optional
        Key of the roll in an ``.npz`` file; only for ``.npz`` paths.
    n_bars, steps_per_bar, steps_per_beat, on_error
        How MIDI and Multitrack inputs are cut into samples; see :func:`load_midi_folder`.

    Returns
    -------
    ndarray or torch.Tensor
        The rolls; MIDI and Multitrack inputs give bool ``(n_segments, n_bars * steps_per_bar,
        128, n_tracks)`` arrays.

    Raises
    ------
    ValueError
        A path that does not exist or is of another type, an ``.npz`` without the key (the
        message lists the keys it holds), ``npz_key`` for anything but an ``.npz`` file, a
        layout other than ``NTPK`` for MIDI or Multitrack input, or any error of the MIDI
        readers.
    """
    from musiceval.rolls import LAYOUTS

    check_choice("layout", layout, tuple(LAYOUTS))
    is_path = isinstance(source, str | os.PathLike)
    path = Path(source) if is_path else None
    if npz_key is not None and (path is None or path.suffix.lower() != ".npz"):
        raise ValueError(f"npz_key applies to .npz files only; got npz_key={npz_key!r}")
    is_midi = path is not None and (path.is_dir() or path.suffix.lower() in MIDI_SUFFIXES)
    is_multitrack = hasattr(source, "tracks") and hasattr(source, "resolution")
    if (is_midi or is_multitrack) and layout != "NTPK":
        raise ValueError(
            f"MIDI and Multitrack inputs give NTPK rolls; got layout={layout!r} (leave it out)"
        )
    cut = {"n_bars": n_bars, "steps_per_bar": steps_per_bar, "steps_per_beat": steps_per_beat}
    if is_multitrack:
        return from_multitrack(source, **cut)
    if path is None:
        return source
    if path.is_dir():
        return load_midi_folder(path, on_error=on_error, **cut)
    if not path.is_file():
        raise ValueError(f"{str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix in MIDI_SUFFIXES:
        roll = read_midi(path, steps_per_beat=steps_per_beat)
        return _segments(roll, n_bars * steps_per_bar, path)
    if suffix == ".npy":
        return np.load(path, mmap_mode="r", allow_pickle=False)
    if suffix != ".npz":
        raise ValueError(
            f"{str(path)!r} is not a piano-roll file; expected .npy, .npz, "
            f"{'/'.join(MIDI_SUFFIXES)} or a folder of MIDI files"
        )
    key = NPZ_KEY if npz_key is None else npz_key
    with np.load(path, allow_pickle=False) as data:
        if key not in data.files:
            raise ValueError(
                f"{str(path)!r} holds no array {key!r}; it holds {data.files} "
                f"(name another with npz_key=, or --key on the command line)"
            )
        return data[key]


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
    ValueError
        The file cannot be parsed as MIDI, or holds no instrument.
    """
    steps_per_beat = check_positive_int("steps_per_beat", steps_per_beat)
    midi = _parse_midi(Path(path))
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
    ValueError
        ``folder`` is not a directory or holds no MIDI file; a bad file under
        ``on_error="raise"``; no segment at all (every file skipped or too short).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder {str(folder)!r} is not a directory")
    n_bars = check_positive_int("n_bars", n_bars)
    steps_per_bar = check_positive_int("steps_per_bar", steps_per_bar)
    check_choice("on_error", on_error, ("raise", "skip"))
    if n_tracks is not None:
        n_tracks = check_positive_int("n_tracks", n_tracks)
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in MIDI_SUFFIXES
    )
    if not files:
        raise ValueError(f"folder {str(folder)!r} holds no {'/'.join(MIDI_SUFFIXES)} file")
    length = n_bars * steps_per_bar
    segments: list[np.ndarray] = []
    skipped: list[str] = []
    for path in files:
        try:
            roll = read_midi(path, steps_per_beat=steps_per_beat, merge_tracks=merge_tracks)
            n_tracks = _check_track_count(roll, n_tracks, path)
            cut = _segments(roll, length, path)
        except ValueError as error:
            if on_error == "raise":
                raise
            skipped.append(str(error))
            continue
        segments.append(cut)
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
    ValueError
        Not a Multitrack (no ``tracks``/``resolution``), no track, a pitch axis that is not 128
        long, or too short for one segment.
    """
    tracks = getattr(multitrack, "tracks", None)
    resolution = getattr(multitrack, "resolution", None)
    if tracks is None or resolution is None:
        raise ValueError(
            f"multitrack must be a pypianoroll.Multitrack; got {type(multitrack).__name__}"
        )
    if not tracks:
        raise ValueError("multitrack holds no track")
    n_bars = check_positive_int("n_bars", n_bars)
    steps_per_bar = check_positive_int("steps_per_bar", steps_per_bar)
    steps_per_beat = check_positive_int("steps_per_beat", steps_per_beat)
    notes = []
    for index, track in enumerate(tracks):
        pianoroll = np.asarray(track.pianoroll)
        if pianoroll.ndim != 2 or pianoroll.shape[1] != _N_PITCHES:
            raise ValueError(
                f"multitrack track {index} must have a pianoroll of shape (n_steps, 128); "
                f"got {pianoroll.shape}"
            )
        notes.append(_runs(pianoroll > 0))
    length = max(len(track.pianoroll) for track in tracks)
    roll = _roll_from_notes(notes, int(resolution), steps_per_beat, n_ticks=length)
    return _segments(roll, n_bars * steps_per_bar, "multitrack")


# ---------------------------------------------------------------------- writing


def write_midi(
    path: str | os.PathLike[str],
    x: Any,
    *,
    layout: str = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    steps_per_beat: int = 4,
    tempo: float = 100.0,
    programs: Sequence[int] | None = None,
    is_drum: Sequence[bool] | None = None,
    track_names: Sequence[str] | None = None,
    velocity: int = 100,
) -> Path:
    """Write piano rolls as a MIDI file, samples one after the other.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (its directory must exist); written atomically.
    x : ndarray or torch.Tensor
        Piano rolls in ``layout``; a cell sounds when ``value > threshold``.
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of ``x``.
    threshold : float, default=0.0
        A cell is active when ``value > threshold`` (``0.0`` binarises tanh output at 0).
    lowest_pitch : int, optional
        MIDI number of pitch index 0; required when the pitch axis is not 128 long.
    steps_per_beat : int, default=4
        Time steps per quarter note.
    tempo : float, default=100.0
        Quarter notes per minute.
    programs : sequence of int, optional
        General MIDI program (0-127) of each track; default 0 (acoustic grand piano).
    is_drum : sequence of bool, optional
        Whether each track is a drum track (MIDI channel 10); default all False.
    track_names : sequence of str, optional
        Instrument name of each track.
    velocity : int, default=100
        Velocity of every note (1-127).

    Returns
    -------
    pathlib.Path
        ``path``. One instrument per track, every track present even when silent.
    """
    midi, _ = _to_pretty_midi(
        x,
        layout=layout,
        threshold=threshold,
        lowest_pitch=lowest_pitch,
        steps_per_beat=steps_per_beat,
        tempo=tempo,
        programs=programs,
        is_drum=is_drum,
        track_names=track_names,
        velocity=velocity,
    )
    target = Path(path)
    with atomic_path(target) as temporary:
        midi.write(str(temporary))
    return target


def write_wav(
    path: str | os.PathLike[str],
    x: Any,
    *,
    layout: str = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    steps_per_beat: int = 4,
    tempo: float = 100.0,
    programs: Sequence[int] | None = None,
    is_drum: Sequence[bool] | None = None,
    velocity: int = 100,
    sample_rate: int = 22050,
) -> Path:
    """Synthesise piano rolls as a 16-bit mono WAV file (sine waves, no soundfont).

    The options are those of :func:`write_midi`; the notes are rendered with
    :meth:`pretty_midi.PrettyMIDI.synthesize` (drum tracks are silent there) and scaled so
    that the loudest sample is at 90% of full scale. The file lasts at least as long as the
    rolls (silent rolls give silence of that length).

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (its directory must exist); written atomically.
    x : ndarray or torch.Tensor
        Piano rolls in ``layout``.
    layout, threshold, lowest_pitch, steps_per_beat, tempo, programs, is_drum, velocity
        As in :func:`write_midi`.
    sample_rate : int, default=22050
        Samples per second.

    Returns
    -------
    pathlib.Path
        ``path``; it lasts as long as the rolls, plus the synthesiser's one-second release
        after the last note.
    """
    from scipy.io import wavfile

    sample_rate = check_positive_int("sample_rate", sample_rate)
    midi, seconds = _to_pretty_midi(
        x,
        layout=layout,
        threshold=threshold,
        lowest_pitch=lowest_pitch,
        steps_per_beat=steps_per_beat,
        tempo=tempo,
        programs=programs,
        is_drum=is_drum,
        track_names=None,
        velocity=velocity,
    )
    sounding = any(note for track in midi.instruments if not track.is_drum for note in track.notes)
    # pretty_midi normalises by the peak, which is 0/0 when nothing sounds: silence is built here.
    audio = midi.synthesize(fs=sample_rate) if sounding else np.zeros(0)
    audio = np.pad(audio, (0, max(0, round(seconds * sample_rate) - audio.size)))
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    scale = 0.9 * 32767 / peak if peak > 0 else 0.0
    samples = np.round(audio * scale).astype(np.int16)
    target = Path(path)
    with atomic_path(target) as temporary:
        wavfile.write(temporary, sample_rate, samples)
    return target


# ---------------------------------------------------------------------- internals


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


def _runs(cells: np.ndarray) -> np.ndarray:
    """The notes of one track ``(n_steps, n_pitches)`` bool: rows ``(pitch, start, end)``.

    A note is a maximal run of active steps ``[start, end)`` of one pitch.
    """
    padded = np.zeros((cells.shape[0] + 2, cells.shape[1]), dtype=np.int8)
    padded[1:-1] = cells
    change = np.diff(padded, axis=0)
    # nonzero over the transposed array orders by pitch then step, so starts and ends pair up.
    pitch, start = np.nonzero(change.T == 1)
    end = np.nonzero(change.T == -1)[1]
    return np.stack([pitch, start, end], axis=1).astype(np.int64)


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
    roll = np.zeros((n_steps, _N_PITCHES, len(steps)), dtype=bool)
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


def _segments(roll: np.ndarray, length: int, source: Any) -> np.ndarray:
    """Non-overlapping ``length``-step windows of ``roll`` from its start."""
    n_segments = roll.shape[0] // length
    if n_segments == 0:
        raise ValueError(
            f"{str(source)!r} lasts {roll.shape[0]} steps; shorter than one segment of "
            f"{length} steps"
        )
    usable = roll[: n_segments * length]
    return usable.reshape(n_segments, length, *roll.shape[1:])


def _to_pretty_midi(
    x: Any,
    *,
    layout: str,
    threshold: float,
    lowest_pitch: int | None,
    steps_per_beat: int,
    tempo: float,
    programs: Sequence[int] | None,
    is_drum: Sequence[bool] | None,
    track_names: Sequence[str] | None,
    velocity: int,
) -> tuple[pretty_midi.PrettyMIDI, float]:
    """The MIDI object shared by :func:`write_midi` and :func:`write_wav`, and its duration (s)."""
    import pretty_midi

    roll = as_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch)
    steps_per_beat = check_positive_int("steps_per_beat", steps_per_beat)
    if (
        isinstance(tempo, bool)
        or not isinstance(tempo, int | float | np.number)
        or not (0 < tempo < 1000)
    ):
        raise ValueError(
            f"tempo must be a number of quarter notes per minute in (0, 1000); got {tempo!r}"
        )
    velocity = _check_range("velocity", velocity, 1, 127)
    n_tracks = roll.n_tracks
    programs = _per_track("programs", programs, n_tracks, 0)
    drums = _per_track("is_drum", is_drum, n_tracks, False)
    names = _per_track("track_names", track_names, n_tracks, "")
    for program in programs:
        _check_range("programs", program, 0, 127)
    # (n_samples, n_steps, ...) -> one long (n_samples * n_steps, n_pitches, n_tracks) song.
    song = roll.cells.reshape(-1, roll.n_pitches, n_tracks)
    seconds_per_step = 60.0 / (tempo * steps_per_beat)
    midi = pretty_midi.PrettyMIDI(resolution=_RESOLUTION, initial_tempo=float(tempo))
    for index in range(n_tracks):
        instrument = pretty_midi.Instrument(
            program=int(programs[index]), is_drum=bool(drums[index]), name=str(names[index])
        )
        for pitch, start, end in _runs(song[:, :, index] > 0):
            instrument.notes.append(
                pretty_midi.Note(
                    velocity=velocity,
                    pitch=int(pitch) + roll.lowest_pitch,
                    start=start * seconds_per_step,
                    end=end * seconds_per_step,
                )
            )
        midi.instruments.append(instrument)
    return midi, song.shape[0] * seconds_per_step


def _per_track(name: str, values: Sequence[Any] | None, n_tracks: int, default: Any) -> list[Any]:
    if values is None:
        return [default] * n_tracks
    if isinstance(values, str) or len(values) != n_tracks:
        raise ValueError(f"{name} must give one value per track ({n_tracks}); got {values!r}")
    return list(values)


def _check_range(name: str, value: Any, low: int, high: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not (low <= value <= high)
    ):
        raise ValueError(f"{name} must be an int in [{low}, {high}]; got {value!r}")
    return int(value)
