"""MIDI and WAV files written and read back; MIDI folders and pypianoroll Multitracks as input."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pretty_midi
import pypianoroll
import pytest
from scipy.io import wavfile

import musiceval
from musiceval import io
from musiceval.plot import plot_roll


def _roll(n_samples: int = 1, n_steps: int = 32, n_tracks: int = 2) -> np.ndarray:
    return np.zeros((n_samples, n_steps, 128, n_tracks), dtype=bool)


def test_chorales_survive_a_midi_folder_round_trip(chorales: np.ndarray, tmp_path: Path) -> None:
    for index in range(4):
        io.write_midi(tmp_path / f"part{index}.mid", chorales[2 * index : 2 * index + 2])
    back = io.load_midi_folder(tmp_path)
    assert back.dtype == np.bool_
    assert back.shape == (8, 64, 128, 4)
    np.testing.assert_array_equal(back, chorales[:8])


def test_write_midi_hand_case(tmp_path: Path) -> None:
    x = _roll(n_samples=2, n_steps=16)
    x[0, 0:4, 60, 0] = True  # a quarter note C4 in track 0, sample 0
    x[1, 2:3, 67, 1] = True  # a sixteenth G4 in track 1, sample 1 (steps 18-19 of the song)
    path = io.write_midi(
        tmp_path / "hand.mid", x, tempo=120.0, programs=[0, 33], track_names=["lead", "bass"]
    )
    midi = pretty_midi.PrettyMIDI(str(path))
    lead, bass = midi.instruments
    assert (lead.name, lead.program, bass.name, bass.program) == ("lead", 0, "bass", 33)
    # At 120 quarter notes per minute a sixteenth lasts 0.125 s.
    assert [(n.pitch, n.start, n.end, n.velocity) for n in lead.notes] == [(60, 0.0, 0.5, 100)]
    assert [(n.pitch, n.start, n.end) for n in bass.notes] == [(67, 18 * 0.125, 19 * 0.125)]


def test_cropped_pitch_axis_is_placed_by_lowest_pitch(tmp_path: Path) -> None:
    x = np.zeros((1, 16, 84, 1), dtype=np.float32)
    x[0, :8, 0, 0] = 1.0
    x[0, 8:, 83, 0] = 1.0
    io.write_midi(tmp_path / "crop.mid", x, lowest_pitch=24)
    notes = pretty_midi.PrettyMIDI(str(tmp_path / "crop.mid")).instruments[0].notes
    assert sorted(n.pitch for n in notes) == [24, 107]


def test_consecutive_active_steps_are_one_note(tmp_path: Path) -> None:
    x = _roll(n_tracks=1)
    x[0, [0, 1, 3, 4, 5], 60, 0] = True
    io.write_midi(tmp_path / "runs.mid", x)
    notes = pretty_midi.PrettyMIDI(str(tmp_path / "runs.mid")).instruments[0].notes
    assert [(round(n.start / 0.15), round(n.end / 0.15)) for n in notes] == [(0, 2), (3, 6)]


def test_tanh_output_is_binarised_at_threshold(tmp_path: Path) -> None:
    x = np.full((1, 16, 128, 1), -0.9, dtype=np.float32)
    x[0, 4:8, 64, 0] = 0.2
    io.write_midi(tmp_path / "tanh.mid", x)
    back = io.read_midi(tmp_path / "tanh.mid")
    assert back.shape == (8, 128, 1)  # the song ends with its last note
    assert back[4:8, 64, 0].all() and back.sum() == 4


@pytest.mark.parametrize("tempo", [60.0, 100.0, 173.0])
def test_reading_follows_beats_not_seconds(tempo: float, tmp_path: Path) -> None:
    x = _roll(n_steps=16, n_tracks=1)
    x[0, 3:11, 62, 0] = True
    io.write_midi(tmp_path / "t.mid", x, tempo=tempo)
    back = io.read_midi(tmp_path / "t.mid")
    np.testing.assert_array_equal(back[:, :, 0], x[0, :11, :, 0])
    finer = io.read_midi(tmp_path / "t.mid", steps_per_beat=8)
    assert np.flatnonzero(finer[:, 62, 0]).tolist() == list(range(6, 22))


def test_short_notes_keep_one_step_and_boundaries_round(tmp_path: Path) -> None:
    midi = pretty_midi.PrettyMIDI(resolution=480, initial_tempo=60.0)  # a step lasts 0.25 s
    piano = pretty_midi.Instrument(program=0)
    piano.notes.append(pretty_midi.Note(velocity=90, pitch=60, start=0.0, end=0.01))
    piano.notes.append(pretty_midi.Note(velocity=90, pitch=62, start=0.37, end=0.9))
    midi.instruments.append(piano)
    midi.write(str(tmp_path / "short.mid"))
    back = io.read_midi(tmp_path / "short.mid")[:, :, 0]
    assert np.flatnonzero(back[:, 60]).tolist() == [0]  # 0.04 of a step, kept as one step
    assert np.flatnonzero(back[:, 62]).tolist() == [1, 2, 3]  # 1.48 -> 1, 3.6 -> 4 (exclusive)


def test_merge_tracks_and_track_count(tmp_path: Path) -> None:
    x = _roll(n_steps=64, n_tracks=3)
    x[0, :, 60, 0] = x[0, :, 64, 1] = x[0, :, 67, 2] = True
    io.write_midi(tmp_path / "a.mid", x)
    assert io.load_midi_folder(tmp_path).shape == (1, 64, 128, 3)
    merged = io.load_midi_folder(tmp_path, merge_tracks=True)
    assert merged.shape == (1, 64, 128, 1)
    assert np.flatnonzero(merged[0, 0, :, 0]).tolist() == [60, 64, 67]
    with pytest.raises(ValueError, match="has 3 tracks; n_tracks or the first file has 2"):
        io.load_midi_folder(tmp_path, n_tracks=2)


def test_segments_drop_the_remainder_and_files_are_sorted(tmp_path: Path) -> None:
    a, b = _roll(n_steps=40, n_tracks=1), _roll(n_steps=70, n_tracks=1)
    a[0, :, 50, 0] = True
    b[0, :, 70, 0] = True
    io.write_midi(tmp_path / "b.mid", b)
    (tmp_path / "sub").mkdir()
    io.write_midi(tmp_path / "sub" / "a.MIDI", a)
    segments = io.load_midi_folder(tmp_path, n_bars=1)
    # b.mid sorts before sub/a.MIDI: 4 segments of b (70 // 16), then 2 of a (40 // 16).
    assert segments.shape == (6, 16, 128, 1)
    assert segments[:4, :, 70].all() and segments[4:, :, 50].all()


def test_unreadable_files_raise_or_are_skipped_with_one_warning(
    chorales: np.ndarray, tmp_path: Path
) -> None:
    io.write_midi(tmp_path / "good.mid", chorales[:2])
    (tmp_path / "broken.mid").write_bytes(b"MThd not really")
    io.write_midi(tmp_path / "short.mid", chorales[:1, :10])
    with pytest.raises(ValueError, match=r"broken\.mid' is not a readable MIDI file"):
        io.load_midi_folder(tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rolls = io.load_midi_folder(tmp_path, on_error="skip")
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message.startswith("skipped 2 of 3 MIDI files")
    assert "broken.mid" in message and "short.mid' lasts 10 steps" in message
    np.testing.assert_array_equal(rolls, chorales[:2])


def test_folder_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="is not a directory"):
        io.load_midi_folder(tmp_path / "missing")
    (tmp_path / "notes.txt").write_text("no midi here")
    with pytest.raises(ValueError, match=r"holds no \.mid/\.midi file"):
        io.load_midi_folder(tmp_path)
    (tmp_path / "broken.mid").write_bytes(b"")
    with pytest.raises(ValueError, match="no segment of 64 steps"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            io.load_midi_folder(tmp_path, on_error="skip")
    with pytest.raises(ValueError, match="on_error must be one of"):
        io.load_midi_folder(tmp_path, on_error="ignore")


def test_multitrack_is_resampled_to_the_beat_grid(chorales: np.ndarray, tmp_path: Path) -> None:
    song = np.repeat(chorales[:3].reshape(-1, 128, 4), 6, axis=0)  # 24 steps per beat
    tracks = [pypianoroll.BinaryTrack(pianoroll=song[:, :, k]) for k in range(4)]
    multitrack = pypianoroll.Multitrack(resolution=24, tracks=tracks)
    np.testing.assert_array_equal(io.from_multitrack(multitrack), chorales[:3])
    # pypianoroll's own MIDI reader leaves a one-step gap before a repeated note, so the cells
    # it reads are a subset of ours, on the same grid and length.
    io.write_midi(tmp_path / "c.mid", chorales[:3])
    read = io.from_multitrack(pypianoroll.read(tmp_path / "c.mid", resolution=24))
    assert read.shape == (3, 64, 128, 4)
    assert not (read & ~chorales[:3]).any()
    with pytest.raises(ValueError, match=r"multitrack must be a pypianoroll\.Multitrack; got list"):
        io.from_multitrack([])
    with pytest.raises(ValueError, match="holds no track"):
        io.from_multitrack(pypianoroll.Multitrack(resolution=4, tracks=[]))
    with pytest.raises(ValueError, match="lasts 6 steps; shorter than one segment of 64"):
        short = [pypianoroll.BinaryTrack(pianoroll=song[:36, :, 0])]
        io.from_multitrack(pypianoroll.Multitrack(resolution=24, tracks=short))


def test_wav_is_16_bit_mono_of_the_right_length(tmp_path: Path) -> None:
    x = _roll(n_samples=2, n_steps=16, n_tracks=1)
    x[:, :8, 69, 0] = True
    path = io.write_wav(tmp_path / "a.wav", x, tempo=120.0, sample_rate=8000, synth="sine")
    rate, audio = wavfile.read(path)
    assert rate == 8000 and audio.dtype == np.int16 and audio.ndim == 1
    # The last note ends at step 24 (3 s); pretty_midi adds its 1 s release tail.
    assert audio.size == pytest.approx(4.0 * 8000, abs=2)
    assert np.abs(audio).max() == round(0.9 * 32767)
    silent = io.write_wav(tmp_path / "s.wav", _roll(n_tracks=1), sample_rate=8000, synth="sine")
    audio = wavfile.read(silent)[1]
    assert audio.size == 32 * 0.15 * 8000 and not audio.any()  # 32 steps of 0.15 s at tempo 100
    drums = _roll(n_tracks=1)
    drums[0, ::4, 36, 0] = True
    audio = wavfile.read(io.write_wav(tmp_path / "d.wav", drums, is_drum=[True], synth="sine"))[1]
    assert not audio.any()  # pretty_midi does not synthesise drums (FluidSynth: test_audio.py)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"programs": [0]}, r"programs must give one value per track \(2\); got \[0\]"),
        ({"programs": [0, 128]}, r"programs must be an int in \[0, 127\]; got 128"),
        ({"velocity": 0}, r"velocity must be an int in \[1, 127\]; got 0"),
        ({"tempo": -5}, r"tempo must be a number .* in \(0, 1000\); got -5"),
        ({"is_drum": "yes"}, r"is_drum must give one value per track \(2\); got 'yes'"),
        ({"lowest_pitch": 100, "layout": "NTPK"}, "lowest_pitch"),
    ],
)
def test_write_midi_bad_options_leave_no_file(
    options: dict[str, object], message: str, tmp_path: Path
) -> None:
    x = _roll()
    with pytest.raises(ValueError, match=message):
        io.write_midi(tmp_path / "bad.mid", x, **options)
    assert os.listdir(tmp_path) == []


def _multitrack(pianoroll: np.ndarray, resolution: object = 4) -> SimpleNamespace:
    """What from_multitrack reads of a pypianoroll.Multitrack (pypianoroll checks shapes)."""
    return SimpleNamespace(tracks=[SimpleNamespace(pianoroll=pianoroll)], resolution=resolution)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda d: io.write_midi(3, _roll()), "path must be a str or os.PathLike; got 3 (int)"),
        (
            lambda d: io.write_midi(d / "a.mid", _roll(), track_names=["a", 3]),
            "track_names must be 2 names (a sequence of str); got ['a', 3]",
        ),
        (
            lambda d: io.write_midi(d / "a.mid", _roll(), is_drum=[0, 1]),
            "is_drum must be True or False; got 0 (int)",
        ),
        (
            lambda d: io.write_midi(d / "a.mid", _roll(), velocity=True),
            "velocity must be an int in [1, 127]; got True (bool)",
        ),
        (
            lambda d: io.write_midi(d / "a.mid", _roll(), tempo=float("nan")),
            "tempo must be a number of quarter notes per minute in (0, 1000); got nan (float)",
        ),
        (
            lambda d: io.write_wav(d / "a.wav", _roll(), sample_rate=0),
            "sample_rate must be an int >= 1; got 0 (int)",
        ),
        (
            lambda d: io.read_midi(d / "a.mid", steps_per_beat=0),
            "steps_per_beat must be an int >= 1; got 0 (int)",
        ),
        (
            lambda d: io.read_midi(d / "a.mid", merge_tracks="yes"),
            "merge_tracks must be True or False; got 'yes'",
        ),
        (lambda d: io.load_midi_folder(None), "folder must be a str or os.PathLike; got None"),
        (
            lambda d: io.load_midi_folder(d, n_tracks=0),
            "n_tracks must be an int >= 1; got 0 (int)",
        ),
        (lambda d: io.load_rolls(_roll(), n_bars=0), "n_bars must be an int >= 1; got 0 (int)"),
        (
            lambda d: io.load_rolls(_roll(), layout="XY"),
            "layout must be one of ['NTPK', 'TP', 'KTP', 'NBSPK']; got 'XY'",
        ),
        (lambda d: io.load_rolls(_roll(), npz_key=3), "npz_key must be a str or None; got 3 (int)"),
        (
            lambda d: io.load_rolls(_roll(), on_error="ignore"),
            "on_error must be one of ['raise', 'skip']; got 'ignore'",
        ),
        (
            lambda d: io.load_rolls(d / "missing.npy"),
            f"source {str(Path('missing.npy'))!r} does not exist",
        ),
        (
            lambda d: io.from_multitrack(_multitrack(np.zeros((64, 84)))),
            "multitrack track 0 must be a pianoroll of shape (n_steps, 128); got (64, 84)",
        ),
        (
            lambda d: io.from_multitrack(_multitrack(np.zeros((64, 128)), resolution=0)),
            "multitrack.resolution must be an int >= 1; got 0 (int)",
        ),
    ],
)
def test_bad_arguments_raise_one_error_type_with_the_uniform_message(
    call: Callable[[Path], object], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # relative paths, so that messages do not depend on tmp_path
    with pytest.raises(musiceval.InvalidParameterError) as raised:
        call(Path())
    assert str(raised.value) == message
    assert os.listdir(tmp_path) == []  # nothing written


def test_an_unreadable_file_is_a_value_error_not_a_bad_argument(tmp_path: Path) -> None:
    (tmp_path / "broken.mid").write_bytes(b"MThd not really")
    with pytest.raises(ValueError, match="is not a readable MIDI file") as raised:
        io.read_midi(tmp_path / "broken.mid")
    assert type(raised.value) is ValueError


def test_io_keeps_every_public_name_of_0_1_0() -> None:
    names = ["MIDI_SUFFIXES", "NPZ_KEY", "from_multitrack", "load_midi_folder", "load_rolls"]
    names += ["read_midi", "write_midi", "write_wav"]
    later = ["Synth", "synthesizer", "PRESETS", "TrackMap", "track_map"]  # FluidSynth, track maps
    later += ["Metre", "MetreSkip", "MidiFileInfo", "MidiRolls", "TimeSignature", "load_midi"]
    later += ["is_midi_source"]
    assert sorted(io.__all__) == sorted([*names, *later])
    assert io.MIDI_SUFFIXES == (".mid", ".midi") and io.NPZ_KEY == "pianoroll"
    assert all(callable(getattr(io, name)) for name in names[2:])


def test_pitches_beyond_midi_are_refused(tmp_path: Path) -> None:
    x = np.zeros((1, 4, 84, 1), dtype=bool)
    with pytest.raises(ValueError, match="lowest_pitch=50 with 84 pitches reaches MIDI 133"):
        io.write_midi(tmp_path / "high.mid", x, lowest_pitch=50)
    assert os.listdir(tmp_path) == []


def test_plot_roll_writes_a_png(chorales: np.ndarray, tmp_path: Path) -> None:
    from matplotlib.image import imread

    path = plot_roll(chorales[:2], tmp_path / "roll.png", track_names=list("SATB"))
    image = imread(path)
    assert image.shape[:2] == (680, 1000)  # (1.6 * 4 + 0.4) x 10 inches at 100 dpi
    assert path.stat().st_size > 10_000
    silent = plot_roll(_roll(n_tracks=1), tmp_path / "silent.png")
    assert silent.stat().st_size > 1_000
    with pytest.raises(ValueError, match="track_names must give 4 names"):
        plot_roll(chorales[:1], tmp_path / "x.png", track_names=["S"])


def test_profile_and_compare_read_midi_and_multitracks(
    chorales: np.ndarray, tmp_path: Path
) -> None:
    metrics = ["n_pitches_used", "empty_bar_rate"]
    for index in range(2):
        io.write_midi(tmp_path / f"{index}.mid", chorales[4 * index : 4 * index + 4])
    from_folder = musiceval.profile(tmp_path, metrics)
    # MIDI files say which tracks are drums (none here): the profile keeps it
    pitched = {"drums": [False] * 4}
    assert from_folder == musiceval.profile(chorales, metrics, **pitched)
    assert musiceval.profile(tmp_path / "0.mid", metrics) == musiceval.profile(
        chorales[:4], metrics, **pitched
    )
    song = chorales[:4].reshape(-1, 128, 4)
    tracks = [pypianoroll.BinaryTrack(pianoroll=song[:, :, k]) for k in range(4)]
    multitrack = pypianoroll.Multitrack(resolution=4, tracks=tracks)
    report = musiceval.compare(multitrack, from_folder)
    np.testing.assert_array_equal(
        report.samples(), musiceval.compare(chorales[:4], from_folder).samples()
    )
    with pytest.raises(
        ValueError, match="MIDI and Multitrack inputs give NTPK rolls; got layout='TP'"
    ):
        musiceval.profile(tmp_path, metrics, layout="TP")
    with pytest.raises(ValueError, match=r"npz_key applies to \.npz files only"):
        musiceval.compare(tmp_path, from_folder, npz_key="pianoroll")


def test_instruments_may_share_a_name(tmp_path):
    # a MIDI file may hold two instruments of one name (two "Piano"s): 0.1.0 allowed it
    x = _roll()
    x[0, :8, 60, :] = True
    path = io.write_midi(tmp_path / "two.mid", x, track_names=["Piano", "Piano"])
    midi = pretty_midi.PrettyMIDI(str(path))
    assert [instrument.name for instrument in midi.instruments] == ["Piano", "Piano"]


def test_the_size_limit_counts_only_notes_that_sound(tmp_path: Path) -> None:
    import mido

    # One 4-beat note; then, a million beats later, a note-off that closes no note and a note
    # that starts and ends on one tick: pretty_midi keeps neither, so neither may count.
    song = mido.MidiFile(ticks_per_beat=1)
    events = [
        mido.Message("note_on", note=60, velocity=90, time=0),
        mido.Message("note_off", note=60, time=4),
        mido.Message("note_off", note=62, time=1_000_000),
        mido.Message("note_on", note=64, velocity=90, time=0),
        mido.Message("note_off", note=64, time=0),
    ]
    song.tracks.append(mido.MidiTrack(events))
    song.save(tmp_path / "sparse.mid")
    roll = io.read_midi(tmp_path / "sparse.mid", max_cells=16 * 128)  # exactly its size
    assert roll.shape == (16, 128, 1)
    assert np.flatnonzero(roll[:, :, 0].any(axis=0)).tolist() == [60] and roll.sum() == 16
    with pytest.raises(ValueError) as raised:
        io.read_midi(tmp_path / "sparse.mid", max_cells=16 * 128 - 1)
    assert (
        "needs a roll of at least 16 steps x 128 pitches = 2,048 cells, 0.00 GiB (its last "
        "note ends at tick 4 at 1 tick per beat, read at steps_per_beat=4)" in str(raised.value)
    )
