"""WAV files rendered by FluidSynth (pretty_midi's General MIDI SoundFont) and by sine waves.

The FluidSynth tests run the real synthesizer; they are skipped only where pyfluidsynth or the
FluidSynth library cannot be loaded (CI installs both). What happens without them is tested in
a subprocess where ``import fluidsynth`` fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

import musiceval
from musiceval import io

AVAILABLE = io.synthesizer()
needs_fluidsynth = pytest.mark.skipif(
    not AVAILABLE.startswith("fluidsynth"), reason=f"FluidSynth cannot be loaded: {AVAILABLE}"
)
SYNTHS = [pytest.param("fluidsynth", marks=needs_fluidsynth), "sine"]
C_MAJOR = {60: 261.63, 64: 329.63, 67: 392.00}  # MIDI pitch -> Hz (A4 = 440 Hz)
PEAK = round(0.9 * 32767)


def _roll(n_steps: int = 32, n_tracks: int = 1) -> np.ndarray:
    return np.zeros((1, n_steps, 128, n_tracks), dtype=bool)


def _peaks(audio: np.ndarray, rate: int, start: float, stop: float, below: float) -> list[float]:
    """Frequencies (Hz) of the spectrum's local maxima below ``below`` in ``[start, stop)`` s,
    the strongest first."""
    segment = audio[round(start * rate) : round(stop * rate)].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(segment * np.hanning(segment.size)))
    frequencies = np.fft.rfftfreq(segment.size, 1 / rate)
    inner = spectrum[1:-1]
    maxima = np.nonzero((inner > spectrum[:-2]) & (inner >= spectrum[2:]))[0] + 1
    maxima = maxima[frequencies[maxima] < below]
    return [float(f) for f in frequencies[maxima[np.argsort(-spectrum[maxima])]]]


@pytest.mark.parametrize("synth", SYNTHS)
def test_a_c_major_chord_sounds_its_three_notes(synth: str, tmp_path: Path) -> None:
    x = _roll()
    x[0, :16, list(C_MAJOR), 0] = True  # 16 steps of 0.15 s at tempo 100: 2.4 s
    rate, audio = wavfile.read(io.write_wav(tmp_path / "c.wav", x, synth=synth))
    assert np.abs(audio).max() == PEAK
    # 2 s inside the chord (0.5 Hz bins): the three strongest peaks below 500 Hz are C4, E4, G4.
    strongest = sorted(_peaks(audio, rate, 0.2, 2.2, below=500.0)[:3])
    np.testing.assert_allclose(strongest, sorted(C_MAJOR.values()), rtol=0.01)


# The last hit ends at 4.65 s: FluidSynth adds one second of release; silence lasts the rolls.
@pytest.mark.parametrize(
    ("synth", "sounds", "size"), [("fluidsynth", True, 124582), ("sine", False, 105840)]
)
def test_drums_sound_with_fluidsynth_only(
    synth: str, sounds: bool, size: int, tmp_path: Path
) -> None:
    if synth == "fluidsynth" and not AVAILABLE.startswith("fluidsynth"):
        pytest.skip(f"FluidSynth cannot be loaded: {AVAILABLE}")
    x = _roll()
    x[0, ::4, 36, 0] = x[0, 2::4, 42, 0] = True  # kick on the beats, closed hi-hat between
    audio = wavfile.read(io.write_wav(tmp_path / "d.wav", x, is_drum=[True], synth=synth))[1]
    assert audio.size == size
    assert np.abs(audio).max() == (PEAK if sounds else 0)


@needs_fluidsynth
@pytest.mark.parametrize("rate", [8000, 44100])
def test_fluidsynth_output_is_16_bit_mono_at_the_requested_rate(rate: int, tmp_path: Path) -> None:
    x = _roll(n_tracks=2)
    x[0, :8, 60, 0] = x[0, 24:32, 48, 1] = True  # at tempo 120, the last note ends at 4 s
    rate_read, audio = wavfile.read(
        io.write_wav(tmp_path / "a.wav", x, tempo=120.0, sample_rate=rate)
    )
    assert rate_read == rate and audio.dtype == np.int16 and audio.ndim == 1
    assert audio.size == 5 * rate and np.abs(audio).max() == PEAK  # one second of release
    silent = wavfile.read(io.write_wav(tmp_path / "s.wav", _roll(), sample_rate=rate))[1]
    assert silent.size == 32 * 0.15 * rate and not silent.any()


@needs_fluidsynth
def test_fluidsynth_notes_start_on_time(tmp_path: Path) -> None:
    x = _roll()
    x[0, 8:16, 69, 0] = True  # A4 from 1.2 s to 2.4 s
    rate, audio = wavfile.read(io.write_wav(tmp_path / "a.wav", x, synth="fluidsynth"))
    onset = round(1.2 * rate)
    assert np.abs(audio[:onset]).max() < 0.01 * PEAK  # FluidSynth's dither only
    assert np.abs(audio[onset : onset + rate // 20]).max() > 0.3 * PEAK  # within 50 ms
    assert _peaks(audio, rate, 1.3, 2.3, below=1000.0)[0] == pytest.approx(440.0, rel=0.01)


@needs_fluidsynth
def test_every_track_sounds_beyond_the_sixteen_midi_channels(tmp_path: Path) -> None:
    # 17 melodic tracks and 2 drum tracks need two synthesizers; the last of each kind sounds.
    x = _roll(n_tracks=19)
    x[0, :16, 67, 16] = x[0, ::4, 38, 18] = True
    drums = [False] * 17 + [True] * 2
    rate, audio = wavfile.read(io.write_wav(tmp_path / "m.wav", x, is_drum=drums))
    assert np.abs(audio).max() == PEAK
    only_melody = x.copy()
    only_melody[..., 18] = False
    melody = wavfile.read(io.write_wav(tmp_path / "g.wav", only_melody, is_drum=drums))[1]
    assert _peaks(melody, rate, 0.2, 2.2, below=500.0)[0] == pytest.approx(392.0, rel=0.01)
    only_drum = x.copy()
    only_drum[..., 16] = False
    drum = wavfile.read(io.write_wav(tmp_path / "s.wav", only_drum, is_drum=drums))[1]
    assert np.abs(drum).max() == PEAK


@needs_fluidsynth
def test_synthesizer_names_the_soundfont_and_another_one_can_be_named(tmp_path: Path) -> None:
    assert AVAILABLE == "fluidsynth (TimGM6mb.sf2)"
    assert io.synthesizer("fluidsynth") == AVAILABLE and io.synthesizer("sine") == "sine"
    import pretty_midi

    other = tmp_path / "other.sf2"
    shutil.copyfile(Path(pretty_midi.__file__).parent / "TimGM6mb.sf2", other)
    assert io.synthesizer(soundfont=other) == "fluidsynth (other.sf2)"
    x = _roll()
    x[0, :8, 64, 0] = True
    first = io.write_wav(tmp_path / "a.wav", x).read_bytes()
    assert io.write_wav(tmp_path / "b.wav", x, soundfont=other).read_bytes() == first


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"synth": "organ"}, musiceval.InvalidParameterError, "synth must be one of "
         "['auto', 'fluidsynth', 'sine']; got 'organ'"),
        ({"soundfont": "missing.sf2"}, musiceval.InvalidParameterError,
         "soundfont 'missing.sf2' does not exist"),
        ({"soundfont": "bad.sf2", "synth": "sine"}, musiceval.InvalidParameterError,
         "soundfont applies to FluidSynth; got soundfont='bad.sf2' with synth='sine'"),
        ({"soundfont": 3}, musiceval.InvalidParameterError,
         "soundfont must be a str or os.PathLike; got 3 (int)"),
    ],
)  # fmt: skip
def test_bad_synth_options_leave_no_file(
    options: dict[str, object], error: type, message: str, tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.sf2").write_text("not a SoundFont")
    with pytest.raises(error) as raised:
        io.write_wav("a.wav", _roll(), **options)
    assert str(raised.value) == message
    with pytest.raises(error):
        io.synthesizer(**{k: v for k, v in options.items() if k in ("synth", "soundfont")})
    assert os.listdir() == ["bad.sf2"]


@needs_fluidsynth
def test_fluidsynth_errors_leave_no_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.sf2").write_text("not a SoundFont")
    x = _roll()
    x[0, :8, 60, 0] = True
    with pytest.raises(
        ValueError, match=r"soundfont 'bad\.sf2' is not a SoundFont FluidSynth reads"
    ):
        io.write_wav("a.wav", x, soundfont="bad.sf2")
    with pytest.raises(musiceval.InvalidParameterError) as raised:
        io.write_wav("a.wav", x, sample_rate=4000)
    assert str(raised.value) == (
        "sample_rate must be an int in [8000, 96000] for FluidSynth (synth='sine' takes any); "
        "got 4000 (int)"
    )
    assert os.listdir() == ["bad.sf2"]
    io.write_wav("a.wav", x, sample_rate=4000, synth="sine")  # sine waves take any rate
    assert wavfile.read("a.wav")[0] == 4000


WITHOUT_PYFLUIDSYNTH = textwrap.dedent(
    """
    import sys, warnings
    sys.modules["fluidsynth"] = None  # import fluidsynth now raises ImportError
    import numpy as np
    from musiceval import io

    x = np.zeros((1, 32, 128, 1), bool)
    x[0, :16, [60, 64, 67], 0] = True
    print(io.synthesizer())
    try:
        io.write_wav("fluidsynth.wav", x, synth="fluidsynth")
    except ImportError as error:
        print(error)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        io.write_wav("auto.wav", x)
    print(*[f"{w.category.__name__}: {w.message}" for w in caught], sep="\\n")
    io.write_wav("sine.wav", x, synth="sine")
    """
)


def test_without_pyfluidsynth_fluidsynth_fails_clearly_and_auto_falls_back(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_PYFLUIDSYNTH],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    said, error, warning = result.stdout.splitlines()
    missing = (
        'pyfluidsynth is not installed: pip install pyfluidsynth (or "musiceval[audio]") and the '
        "FluidSynth library (apt-get install fluidsynth, brew install fluid-synth or conda "
        "install -c conda-forge fluidsynth)"
    )
    assert said == f"sine (FluidSynth unavailable: {missing})"
    assert error == f"synth='fluidsynth' needs FluidSynth: {missing}"
    assert warning == (
        f"UserWarning: FluidSynth unavailable: {missing}. WAV files are rendered with sine waves "
        "(synth='sine' chooses them without this warning)"
    )
    assert sorted(os.listdir(tmp_path)) == ["auto.wav", "sine.wav"]  # none for the error
    assert (tmp_path / "auto.wav").read_bytes() == (tmp_path / "sine.wav").read_bytes()
