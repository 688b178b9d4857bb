"""Writing piano rolls as MIDI and WAV files.

The public functions are re-exported by :mod:`musiceval.io`, where they are documented for
users. Rolls in any accepted layout are read through :func:`musiceval.rolls.as_roll`; samples
are written one after the other in time; a note is a run of consecutive active steps of one
pitch. Each file is written atomically. pretty_midi (and scipy, for WAV) are imported inside
the functions.

WAV audio is rendered by FluidSynth (through pyfluidsynth, imported when first needed, with
pretty_midi's General MIDI SoundFont) or by pretty_midi's sine synthesis: :func:`synthesizer`
says which. FluidSynth plays each group of up to 15 melodic tracks and one drum track on one
synthesizer, one MIDI channel per track (drums on channel 10), and the groups are summed.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import warnings
from collections.abc import Sequence
from numbers import Real
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np

from musiceval._atomic import atomic_path
from musiceval._checks import (
    check_bool,
    check_choice,
    check_int,
    check_names,
    check_path,
    describe,
    invalid,
)
from musiceval._extras import require_module
from musiceval._midi_read import note_runs
from musiceval.exceptions import InvalidParameterError
from musiceval.rolls import Layout, as_roll

if TYPE_CHECKING:
    import pretty_midi

__all__ = ["SYNTHS", "Synth", "synthesizer", "write_midi", "write_wav"]

Synth = Literal["auto", "fluidsynth", "sine"]
"""How :func:`write_wav` renders audio: FluidSynth when it loads, FluidSynth, or sine waves."""
SYNTHS: tuple[str, ...] = get_args(Synth)

_RESOLUTION = 480  # MIDI ticks per quarter note of written files (divisible by 1-6, 8, 10, 12, 16)
_MAX_TEMPO = 1000
MIDI_EXTRA = 'pip install "musiceval[midi]"'
"""How to install what writing MIDI files needs (pretty_midi); reading needs no extra."""

_SOUNDFONT = "TimGM6mb.sf2"  # the General MIDI SoundFont inside the pretty_midi package
_FLUIDSYNTH_RATES = (8000, 96000)  # FluidSynth's range of synth.sample-rate (Hz)
_MELODIC_CHANNELS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15)  # MIDI channels, 0-based
_DRUM_CHANNEL = 9  # General MIDI's channel 10
_DRUM_BANK = 128  # the SoundFont bank of drum kits
_AUDIO_EXTRA = 'pip install "musiceval[audio]"'
_LIBRARY = (  # how to install the FluidSynth library
    "apt-get install fluidsynth, brew install fluid-synth or "
    "conda install -c conda-forge fluidsynth"
)


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
    steps_per_bar: int | None = None,
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
    steps_per_bar : int, optional
        Write a time signature of bars this long: ``steps_per_bar / steps_per_beat`` quarter
        notes, as n/4, else n/8, else n/16 (12 steps at 4 per beat: 3/4; 6 steps: 3/8), so
        that reading the file back at its bar lines (``musiceval.io.load_midi``) cuts the same
        bars. Default: no time signature, which MIDI readers take as 4/4.

    Returns
    -------
    pathlib.Path
        ``path``. One instrument per track, every track present even when silent.

    Raises
    ------
    InvalidParameterError
        An argument of the wrong type or value; no file is written then.
    ModuleNotFoundError
        pretty_midi is not installed (``pip install "musiceval[midi]"``).
    """
    target = check_path("path", path)
    midi, _ = _to_pretty_midi(
        require_module("pretty_midi", "write_midi", MIDI_EXTRA),
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
    if steps_per_bar is not None:
        numerator, denominator = time_signature(steps_per_bar, steps_per_beat)
        midi.time_signature_changes.append(
            require_module("pretty_midi", "write_midi", MIDI_EXTRA).TimeSignature(
                numerator, denominator, 0.0
            )
        )
    with atomic_path(target) as temporary:
        midi.write(str(temporary))
    return target


def time_signature(steps_per_bar: int, steps_per_beat: int) -> tuple[int, int]:
    """The time signature ``(numerator, denominator)`` of bars of ``steps_per_bar`` steps at
    ``steps_per_beat`` steps per quarter note: n/4, else n/8, else n/16; or raise."""
    steps_per_bar = check_int("steps_per_bar", steps_per_bar)
    steps_per_beat = check_int("steps_per_beat", steps_per_beat)
    for denominator in (4, 8, 16):
        numerator, rest = divmod(steps_per_bar * denominator, steps_per_beat * 4)
        if rest == 0 and numerator <= 255:
            return numerator, denominator
    raise invalid(
        "steps_per_bar",
        f"a bar length a time signature can state: a whole number of sixteenth notes "
        f"({steps_per_beat}/4 steps each at steps_per_beat={steps_per_beat}), at most 255 of "
        f"them",
        steps_per_bar,
    )


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
    synth: Synth = "auto",
    soundfont: str | os.PathLike[str] | None = None,
) -> Path:
    """Render piano rolls as a 16-bit mono WAV file, with FluidSynth or with sine waves.

    The options are those of :func:`write_midi`. With FluidSynth the notes are played by the
    General MIDI instruments of a SoundFont (by default ``TimGM6mb.sf2``, which pretty_midi
    ships: nothing is downloaded), ``programs`` choosing each track's instrument and drum tracks
    sounding on MIDI channel 10; the sine synthesis is
    :meth:`pretty_midi.PrettyMIDI.synthesize` (one sine wave per note, drum tracks silent).
    Either way the audio is scaled so that the loudest sample is at 90% of full scale, and
    nothing sounding gives silence. :func:`synthesizer` says which synthesizer ``synth``
    selects.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (its directory must exist); written atomically.
    x : ndarray or torch.Tensor
        Piano rolls in ``layout``.
    layout, threshold, lowest_pitch, steps_per_beat, tempo, programs, is_drum, velocity
        As in :func:`write_midi`.
    sample_rate : int, default=22050
        Samples per second; FluidSynth renders 8000 to 96000.
    synth : {"auto", "fluidsynth", "sine"}, default="auto"
        ``"fluidsynth"``: FluidSynth, which needs pyfluidsynth (``pip install
        "musiceval[audio]"``) and the FluidSynth library (``apt-get install fluidsynth``,
        ``brew install fluid-synth`` or ``conda install -c conda-forge fluidsynth``).
        ``"sine"``: sine waves, as in musiceval 0.1.0. ``"auto"``: FluidSynth when it loads,
        otherwise sine waves with a :class:`UserWarning` that says why.
    soundfont : str or os.PathLike, optional
        A SoundFont (``.sf2``) file for FluidSynth instead of pretty_midi's ``TimGM6mb.sf2``;
        not with ``synth="sine"``.

    Returns
    -------
    pathlib.Path
        ``path``. It lasts as long as the rolls, or until one second after the end of the last
        note played (the release) when that is later.

    Raises
    ------
    InvalidParameterError
        An argument of the wrong type or value, a ``soundfont`` that does not exist, or a
        ``sample_rate`` outside 8000-96000 for FluidSynth.
    ImportError
        ``synth="fluidsynth"`` and FluidSynth cannot be loaded; the message says what is
        missing and how to install it.
    ValueError
        ``soundfont`` is not a SoundFont file that FluidSynth can read.
    ModuleNotFoundError
        pretty_midi is not installed (``pip install "musiceval[audio]"``, or ``[midi]``).

    Warns
    -----
    UserWarning
        ``synth="auto"`` and FluidSynth cannot be loaded: what is missing, and that the file is
        rendered with sine waves.

    Notes
    -----
    No file is written when an error is raised.
    """
    pretty_midi = require_module("pretty_midi", "write_wav", _AUDIO_EXTRA)
    wavfile = require_module("scipy.io.wavfile", "write_wav", "pip install scipy")
    target = check_path("path", path)
    sample_rate = check_int("sample_rate", sample_rate)
    font = _check_synth(synth, soundfont)
    midi, seconds = _to_pretty_midi(
        pretty_midi,
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
    choice = _choose(synth, font)
    if isinstance(choice, str):
        if choice:
            warnings.warn(
                f"FluidSynth unavailable: {choice}. WAV files are rendered with sine waves "
                "(synth='sine' chooses them without this warning)",
                stacklevel=2,
            )
        audio = _sine_audio(midi, sample_rate, seconds)
    else:
        if not _FLUIDSYNTH_RATES[0] <= sample_rate <= _FLUIDSYNTH_RATES[1]:
            raise invalid(
                "sample_rate",
                f"an int in {list(_FLUIDSYNTH_RATES)} for FluidSynth (synth='sine' takes any)",
                sample_rate,
            )
        audio = _fluidsynth_audio(*choice, midi, sample_rate, seconds)
    samples = _to_int16(audio)
    with atomic_path(target) as temporary:
        wavfile.write(temporary, sample_rate, samples)
    return target


def synthesizer(synth: Synth = "auto", soundfont: str | os.PathLike[str] | None = None) -> str:
    """The synthesizer :func:`write_wav` renders with for these options, in words.

    Print it once where a program writes WAV files, so that its output says how they sound.

    Parameters
    ----------
    synth : {"auto", "fluidsynth", "sine"}, default="auto"
        As in :func:`write_wav`.
    soundfont : str or os.PathLike, optional
        As in :func:`write_wav`.

    Returns
    -------
    str
        ``"fluidsynth (TimGM6mb.sf2)"`` (the SoundFont's file name), ``"sine"``, or, when
        ``"auto"`` falls back, ``"sine (FluidSynth unavailable: <what is missing and how to
        install it>)"``.

    Raises
    ------
    InvalidParameterError
        An argument of the wrong type or value, or a ``soundfont`` that does not exist.
    ImportError
        ``synth="fluidsynth"`` and FluidSynth cannot be loaded, as in :func:`write_wav`.

    Examples
    --------
    >>> from musiceval import io
    >>> io.synthesizer("sine")
    'sine'
    """
    choice = _choose(synth, _check_synth(synth, soundfont))
    if isinstance(choice, str):
        return f"sine (FluidSynth unavailable: {choice})" if choice else "sine"
    return f"fluidsynth ({choice[1].name})"


def _check_synth(synth: Any, soundfont: Any) -> Path | None:
    """Check ``synth`` and ``soundfont`` (an existing file, not with sine); the SoundFont path."""
    check_choice("synth", synth, SYNTHS)
    if soundfont is None:
        return None
    font = check_path("soundfont", soundfont)
    if synth == "sine":
        raise InvalidParameterError(
            f"soundfont applies to FluidSynth; got soundfont={str(font)!r} with synth='sine'"
        )
    if not font.is_file():
        raise InvalidParameterError(f"soundfont {str(font)!r} does not exist")
    return font


def _choose(synth: str, soundfont: Path | None) -> tuple[ModuleType, Path] | str:
    """pyfluidsynth and the SoundFont to render with; or, for sine waves, why FluidSynth is
    unavailable when ``"auto"`` falls back to them (``""`` for ``"sine"``).

    Raises ImportError when ``synth="fluidsynth"`` and FluidSynth cannot be used.
    """
    if synth == "sine":
        return ""
    module, problem = _load_fluidsynth()
    font = soundfont if soundfont is not None else _default_soundfont()
    if module is not None and font is None:
        module, problem = (
            None,
            f"pretty_midi's {_SOUNDFONT} was not found (pip install pretty_midi)",
        )
    if module is None or font is None:
        if synth == "fluidsynth":
            raise ImportError(f"synth='fluidsynth' needs FluidSynth: {problem}")
        return problem
    return module, font


@functools.cache
def _load_fluidsynth() -> tuple[ModuleType | None, str]:
    """pyfluidsynth with its library loaded, or ``None`` and what is missing (asked once)."""
    try:
        import fluidsynth
    except (ImportError, OSError) as error:
        if importlib.util.find_spec("fluidsynth") is None:
            return None, (
                'pyfluidsynth is not installed: pip install pyfluidsynth (or "musiceval[audio]") '
                f"and the FluidSynth library ({_LIBRARY})"
            )
        return (
            None,
            f"pyfluidsynth cannot load the FluidSynth library ({error}); install it: {_LIBRARY}",
        )
    if not hasattr(fluidsynth, "Synth"):
        return None, "the module named fluidsynth is not pyfluidsynth: pip install pyfluidsynth"
    return fluidsynth, ""


def _default_soundfont() -> Path | None:
    """pretty_midi's General MIDI SoundFont (found without importing pretty_midi), if there."""
    spec = importlib.util.find_spec("pretty_midi")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / _SOUNDFONT
    return path if path.is_file() else None


def _sine_audio(midi: pretty_midi.PrettyMIDI, sample_rate: int, seconds: float) -> np.ndarray:
    """pretty_midi's sine synthesis (drums silent), at least ``seconds`` long."""
    sounding = any(note for track in midi.instruments if not track.is_drum for note in track.notes)
    # pretty_midi normalises by the peak, which is 0/0 when nothing sounds: silence is built here.
    audio = midi.synthesize(fs=sample_rate) if sounding else np.zeros(0)
    return np.pad(audio, (0, max(0, round(seconds * sample_rate) - audio.size)))


def _fluidsynth_audio(
    fluidsynth: ModuleType,
    soundfont: Path,
    midi: pretty_midi.PrettyMIDI,
    sample_rate: int,
    seconds: float,
) -> np.ndarray:
    """The tracks played by FluidSynth, mono float: as long as the rolls, or until one second
    after the last note ends when that is later."""
    size = round(seconds * sample_rate)
    if any(track.notes for track in midi.instruments):
        size = max(size, int(sample_rate * (midi.get_end_time() + 1.0)))
    audio = np.zeros(size)
    for group in _channel_groups(midi.instruments):
        audio += _render(fluidsynth, soundfont, group, sample_rate, size)
    return audio


def _channel_groups(
    tracks: Sequence[pretty_midi.Instrument],
) -> list[list[tuple[int, pretty_midi.Instrument]]]:
    """The tracks with notes as ``(channel, track)`` groups, one synthesizer each: at most 15
    melodic tracks (channels 1-9 and 11-16) and one drum track (channel 10) per group."""
    melodic = [track for track in tracks if track.notes and not track.is_drum]
    drums = [track for track in tracks if track.notes and track.is_drum]
    width = len(_MELODIC_CHANNELS)
    parts = [melodic[start : start + width] for start in range(0, len(melodic), width)]
    groups = []
    for index in range(max(len(parts), len(drums))):
        part = parts[index] if index < len(parts) else []
        group = list(zip(_MELODIC_CHANNELS[: len(part)], part, strict=True))
        if index < len(drums):
            group.append((_DRUM_CHANNEL, drums[index]))
        groups.append(group)
    return groups


def _render(
    fluidsynth: ModuleType,
    soundfont: Path,
    group: list[tuple[int, pretty_midi.Instrument]],
    sample_rate: int,
    size: int,
) -> np.ndarray:
    """One group of tracks played by a fresh FluidSynth synthesizer, ``size`` mono samples."""
    synth = fluidsynth.Synth(samplerate=float(sample_rate))
    try:
        font = synth.sfload(str(soundfont))
        if font < 0:
            raise ValueError(f"soundfont {str(soundfont)!r} is not a SoundFont FluidSynth reads")
        events = []
        for channel, track in group:
            bank = _DRUM_BANK if track.is_drum else 0
            if synth.program_select(channel, font, bank, track.program) < 0:
                synth.program_select(channel, font, bank, 0)  # the SoundFont lacks this preset
            for note in track.notes:
                events.append(
                    (round(note.start * sample_rate), 1, channel, note.pitch, note.velocity)
                )
                events.append((round(note.end * sample_rate), 0, channel, note.pitch, 0))
        events.sort()  # in time order; at one instant, note-offs (0) before note-ons (1)
        chunks, position = [], 0
        for time, on, channel, pitch, velocity in events:
            if time > position:
                chunks.append(synth.get_samples(time - position))
                position = time
            if on:
                synth.noteon(channel, pitch, velocity)
            else:
                synth.noteoff(channel, pitch)
        chunks.append(synth.get_samples(size - position))
    finally:
        synth.delete()
    # Interleaved 16-bit stereo frames; mono is the mean of the two channels.
    return np.concatenate(chunks).reshape(-1, 2).astype(np.float64).mean(axis=1)


def _to_int16(audio: np.ndarray) -> np.ndarray:
    """16-bit samples, the loudest at 90% of full scale (silence stays silent)."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    scale = 0.9 * 32767 / peak if peak > 0 else 0.0
    return np.round(audio * scale).astype(np.int16)


def _to_pretty_midi(
    pretty_midi: ModuleType,
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
