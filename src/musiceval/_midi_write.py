"""Writing piano rolls as MIDI and WAV files.

The public functions are re-exported by :mod:`musiceval.io`, where they are documented for
users. Rolls in any accepted layout are read through :func:`musiceval.rolls.as_roll`; samples
are written one after the other in time; a note is a run of consecutive active steps of one
pitch. Each file is written atomically. pretty_midi (and scipy, for WAV) are imported inside
the functions.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._atomic import atomic_path
from musiceval._checks import check_bool, check_int, check_names, check_path, describe, invalid
from musiceval._midi_read import note_runs
from musiceval.exceptions import InvalidParameterError
from musiceval.rolls import Layout, as_roll

if TYPE_CHECKING:
    import pretty_midi

__all__ = ["write_midi", "write_wav"]

_RESOLUTION = 480  # MIDI ticks per quarter note of written files (divisible by 1-6, 8, 10, 12, 16)
_MAX_TEMPO = 1000


def write_midi(
    path: str | os.PathLike[str],
    x: Any,
    *,
    layout: Layout = "NTPK",
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
        Quarter notes per minute, in (0, 1000).
    programs : sequence of int, optional
        General MIDI program (0-127) of each track; default 0 (acoustic grand piano).
    is_drum : sequence of bool, optional
        Whether each track is a drum track (MIDI channel 10); default all False.
    track_names : sequence of str, optional
        Instrument name of each track: distinct names, one per track.
    velocity : int, default=100
        Velocity of every note (1-127).

    Returns
    -------
    pathlib.Path
        ``path``. One instrument per track, every track present even when silent.

    Raises
    ------
    InvalidParameterError
        An argument of the wrong type or value; no file is written then.
    """
    target = check_path("path", path)
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
    with atomic_path(target) as temporary:
        midi.write(str(temporary))
    return target


def write_wav(
    path: str | os.PathLike[str],
    x: Any,
    *,
    layout: Layout = "NTPK",
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

    Raises
    ------
    InvalidParameterError
        An argument of the wrong type or value; no file is written then.
    """
    from scipy.io import wavfile

    target = check_path("path", path)
    sample_rate = check_int("sample_rate", sample_rate)
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
    with atomic_path(target) as temporary:
        wavfile.write(temporary, sample_rate, samples)
    return target


def _to_pretty_midi(
    x: Any,
    *,
    layout: Layout,
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
    steps_per_beat = check_int("steps_per_beat", steps_per_beat)
    tempo = _check_tempo(tempo)
    velocity = check_int("velocity", velocity, minimum=1, maximum=127)
    n_tracks = roll.n_tracks
    programs = [
        check_int("programs", program, minimum=0, maximum=127)
        for program in _per_track("programs", programs, n_tracks, 0)
    ]
    drums = [
        check_bool("is_drum", drum) for drum in _per_track("is_drum", is_drum, n_tracks, False)
    ]
    names = (
        [""] * n_tracks
        if track_names is None
        else check_names("track_names", track_names, n_tracks, distinct=False)
    )
    # (n_samples, n_steps, ...) -> one long (n_samples * n_steps, n_pitches, n_tracks) song.
    song = roll.cells.reshape(-1, roll.n_pitches, n_tracks)
    seconds_per_step = 60.0 / (tempo * steps_per_beat)
    midi = pretty_midi.PrettyMIDI(resolution=_RESOLUTION, initial_tempo=tempo)
    for index in range(n_tracks):
        instrument = pretty_midi.Instrument(
            program=programs[index], is_drum=drums[index], name=names[index]
        )
        for pitch, start, end in note_runs(song[:, :, index] > 0):
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


def _check_tempo(tempo: Any) -> float:
    """Quarter notes per minute, a real number in (0, _MAX_TEMPO)."""
    if isinstance(tempo, bool) or not isinstance(tempo, Real) or not 0 < float(tempo) < _MAX_TEMPO:
        raise invalid("tempo", f"a number of quarter notes per minute in (0, {_MAX_TEMPO})", tempo)
    return float(tempo)


def _per_track(name: str, values: Sequence[Any] | None, n_tracks: int, default: Any) -> list[Any]:
    """``values`` as a list of one value per track (``default`` for each when None)."""
    if values is None:
        return [default] * n_tracks
    if isinstance(values, str) or not hasattr(values, "__len__") or len(values) != n_tracks:
        raise InvalidParameterError(
            f"{name} must give one value per track ({n_tracks}); got {describe(values)}"
        )
    return list(values)
