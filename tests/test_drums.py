"""Drum tracks: pitched metrics are NaN on them, drum metrics on pitched tracks, once the drum
tracks are known (issue 15 item 4)."""

import math

import numpy as np
import pytest
from _midi_files import off, on, smf, time_signature, track, track_name

import musiceval as me
from musiceval import cli, io
from musiceval.registry import METRICS
from musiceval.rolls import make_conventions

PITCHED = [name for name, spec in METRICS.items() if spec.domain == "pitched"]
DRUMS = [name for name, spec in METRICS.items() if spec.domain == "drums"]


def _melody_and_drums() -> np.ndarray:
    """Two samples of 4 bars: a C major arpeggio (track 0), kick and snare (track 1)."""
    x = np.zeros((2, 64, 128, 2), bool)
    for step, pitch in zip(range(0, 64, 4), [60, 64, 67, 72] * 4, strict=True):
        x[:, step : step + 3, pitch, 0] = True
    x[:, ::8, 36, 1] = True  # kick on every other beat
    x[:, 4::8, 38, 1] = True  # snare between
    return x


def test_every_metric_has_a_domain_and_the_drum_ones_are_the_pattern_metrics():
    assert {spec.domain for spec in METRICS.values()} <= {"any", "pitched", "drums"}
    assert DRUMS == ["drum_in_pattern_rate", "groove_consistency"]
    assert "in_scale_ratio" in PITCHED and "n_notes" not in PITCHED


def test_drums_make_pitched_metrics_nan_on_drum_tracks_and_drum_metrics_on_the_others():
    x = _melody_and_drums()
    names = ["in_scale_ratio", "n_pitches_used", "n_notes", "drum_in_pattern_rate"]
    plain = me.compute(x, names)
    masked = me.compute(x, names, drums=[False, True])
    # the melody: every note in C major, 4 pitches, 16 notes; the drums: 8 kicks + 8 snares
    np.testing.assert_array_equal(masked["in_scale_ratio"], [[1.0, np.nan]] * 2)
    np.testing.assert_array_equal(masked["n_pitches_used"], [[4.0, np.nan]] * 2)
    np.testing.assert_array_equal(masked["n_notes"], [[16.0, 16.0]] * 2)
    np.testing.assert_array_equal(masked["drum_in_pattern_rate"][:, 0], [np.nan] * 2)
    np.testing.assert_array_equal(masked["drum_in_pattern_rate"][:, 1], [1.0] * 2)
    # what is not masked is what the metric gives without drums
    assert plain["n_pitches_used"][0, 1] == 2.0 and plain["drum_in_pattern_rate"][0, 0] == 1.0
    forced = me.compute(x, names, drums=[False, True], force=["drums"])
    np.testing.assert_array_equal(forced["drum_in_pattern_rate"], plain["drum_in_pattern_rate"])
    assert math.isnan(forced["in_scale_ratio"][0, 1])


def test_a_pair_with_a_drum_track_has_no_tonal_distance():
    x = np.concatenate([_melody_and_drums(), _melody_and_drums()[..., :1]], axis=3)
    values = me.compute(x, ["tonal_distance"], drums=[False, True, False])
    # pairs (0, 1), (0, 2), (1, 2): only the two melodies are compared; identical: 0
    np.testing.assert_array_equal(values["tonal_distance"], [[np.nan, 0.0, np.nan]] * 2)


def test_evaluate_takes_drums_too_and_vectors_are_masked_whole():
    x = _melody_and_drums()
    table = me.evaluate(x, ["pitch_range"], drums=[False, True])
    assert table["value"].isna().tolist() == [False, True, False, True]
    histogram = me.compute(x, ["pitch_class_histogram"], drums=[False, True])
    np.testing.assert_array_equal(
        histogram["pitch_class_histogram"][:, 1], np.full((2, 12), np.nan)
    )


def test_a_profile_keeps_the_drum_tracks_and_compare_uses_them(tmp_path):
    x = _melody_and_drums()
    profile = me.profile(x, track_names=["melody", "drums"], drums=[False, True])
    assert profile.conventions["drums"] == (False, True)
    assert math.isnan(profile.mean("in_scale_ratio")[1])
    profile.save(tmp_path / "p.json")
    loaded = me.DatasetProfile.load(tmp_path / "p.json")
    assert loaded.conventions["drums"] == (False, True)
    report = me.compare(x, loaded).to_frame().set_index(["metric", "track"])
    assert report.loc[("in_scale_ratio", "drums"), "n_generated_nan"] == 2
    assert report.loc[("in_scale_ratio", "melody"), "generated_mean"] == 1.0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"drums": "yes"}, r"^drums must be a sequence of one bool per track"),
        ({"drums": [1, 0]}, r"^drums must be a sequence of one bool per track"),
        ({"drums": [True]}, r"^drums must be one bool per track of x \(2\); got 1 value"),
        ({"force": "drums"}, r'^force must be a sequence of "pitched" and/or "drums"'),
        ({"force": ["melody"]}, r"^force must be one of \['pitched', 'drums'\]; got 'melody'"),
    ],
)
def test_bad_drum_options_are_named(options, message):
    with pytest.raises(me.InvalidParameterError, match=message):
        me.compute(_melody_and_drums(), **options)


def _song() -> bytes:
    """A melody on channel 0 (C E G C, a beat each, over 4 bars of 4/4) and a drum track on
    channel 10 (zero-based 9): kick and snare alternating on every beat."""
    beat = 4  # ticks per quarter note (division 4): one tick per step
    melody = [track_name(0, "Melody"), time_signature(0, 4, 4)]
    drums = [track_name(0, "Drums")]
    for n in range(16):
        melody += [on(0, [60, 64, 67, 72][n % 4]), off(beat, [60, 64, 67, 72][n % 4])]
        drums += [on(0, [36, 38][n % 2], channel=9), off(beat, [36, 38][n % 2], channel=9)]
    return smf(track(*melody), track(*drums), division=beat)


def test_the_command_line_profiles_and_evaluates_midi_drum_aware(midi_file, capsys):
    path = midi_file(_song())
    out = path.with_name("profile.json")
    assert cli.main(["profile", str(path), "-o", str(out)]) == 0
    profile = me.DatasetProfile.load(out)
    assert profile.tracks == ("Melody", "Drums")
    assert profile.conventions["drums"] == (False, True)
    assert cli.main(["evaluate", str(path), "--metrics", "in_scale_ratio"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[-2:]]
    # metric, track, mean, std, NaN count: the drum track's one sample is NaN
    assert rows == [
        ["in_scale_ratio", "0", "1.0", "0.0", "0"],
        ["in_scale_ratio", "1", "NaN", "NaN", "1"],
    ]


def test_a_midi_file_with_drums_is_read_and_evaluated_drum_aware(midi_file):
    path = midi_file(_song())
    read = io.load_midi(path)
    assert read.track_names == ("Melody", "Drums") and read.is_drum.tolist() == [False, True]
    values = me.compute(read.rolls, ["in_scale_ratio", "drum_in_pattern_rate"],
                        drums=read.is_drum)  # fmt: skip
    np.testing.assert_array_equal(values["in_scale_ratio"], [[1.0, np.nan]])
    np.testing.assert_array_equal(values["drum_in_pattern_rate"], [[np.nan, 1.0]])


def test_conventions_default_to_unknown_drums():
    conventions = make_conventions()
    assert conventions.drums is None and conventions.force == ()
    assert make_conventions(drums=np.array([True, False])).drums == (True, False)


def test_a_profile_of_midi_takes_the_track_names_and_drum_flags_of_the_files(midi_file):
    path = midi_file(_song())
    profile = me.profile(path)
    assert profile.tracks == ("Melody", "Drums")
    assert profile.conventions["drums"] == (False, True)
    assert math.isnan(profile.mean("in_scale_ratio")[1])
    named = me.profile(path, track_names=["a", "b"], drums=[False, False])
    assert named.tracks == ("a", "b") and named.conventions["drums"] == (False, False)
    report = me.compare(path, profile).to_frame().set_index(["metric", "track"])
    assert report.loc[("drum_in_pattern_rate", "Melody"), "n_generated_nan"] == 1


def test_the_command_line_forces_drum_metrics_on_pitched_tracks_when_asked(midi_file, capsys):
    path = midi_file(_song())
    metrics = ["--metrics", "drum_in_pattern_rate"]
    assert cli.main(["evaluate", str(path), *metrics, "--force", "drums"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[-2:]]
    assert rows == [["drum_in_pattern_rate", "0", "1.0", "0.0", "0"],
                    ["drum_in_pattern_rate", "1", "1.0", "0.0", "0"]]  # fmt: skip
    out = path.with_name("p.json")
    assert cli.main(["profile", str(path), "-o", str(out)]) == 0
    report = path.with_name("report")
    status = cli.main(
        ["compare", str(path), "--profile", str(out), "-o", str(report), "--force", "drums"]
    )
    assert status == 2  # the profile fixes force (none): a different value is refused
    assert "--force drums differs from what the profile" in capsys.readouterr().err
