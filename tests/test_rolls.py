"""Input conventions and bad input: every error names the argument, the expectation, the value."""

import numpy as np
import pytest

import musiceval
from musiceval.rolls import as_roll

ROLL = np.zeros((2, 32, 128, 3), dtype=bool)


@pytest.mark.parametrize(
    ("x", "options", "error", "words"),
    [
        (np.zeros((32, 128), bool), {}, ValueError, ["4 dimensions", "(32, 128)", "layout='TP'"]),
        (ROLL, {"layout": "TPK"}, ValueError, ["layout", "'NTPK'", "'TPK'"]),
        (ROLL, {"layout": "TP"}, ValueError, ["2 dimensions", "(2, 32, 128, 3)"]),
        (ROLL[:, :, :84], {}, ValueError, ["84 pitches", "lowest_pitch"]),
        (ROLL[:, :, :84], {"lowest_pitch": 50}, ValueError, ["lowest_pitch=50", "<= 128"]),
        (ROLL, {"lowest_pitch": -1}, ValueError, ["lowest_pitch", ">= 0", "-1"]),
        (ROLL, {"lowest_pitch": 1.5}, TypeError, ["lowest_pitch", "int", "1.5"]),
        (ROLL.astype(np.float32) + np.nan, {}, ValueError, ["NaN or inf", "finite"]),
        (np.full((1, 16, 128, 1), np.inf), {}, ValueError, ["NaN or inf"]),
        (ROLL.astype(complex), {}, TypeError, ["complex", "astype"]),
        (ROLL.astype(object), {}, TypeError, ["object"]),
        (ROLL.tolist(), {}, TypeError, ["numpy.ndarray or torch.Tensor", "list"]),
        (ROLL[:0], {}, ValueError, ["empty", "(0, 32, 128, 3)"]),
        (ROLL[..., :0], {}, ValueError, ["empty"]),
        (ROLL, {"threshold": np.nan}, ValueError, ["threshold", "finite"]),
        (ROLL, {"threshold": "0.5"}, TypeError, ["threshold", "'0.5'"]),
    ],
)
def test_bad_input_is_named(x, options, error, words):
    with pytest.raises(error) as info:
        musiceval.n_notes(x, **options)
    for word in words:
        assert word in str(info.value)


@pytest.mark.parametrize(
    ("function", "options", "error", "words"),
    [
        (musiceval.empty_bar_rate, {"steps_per_bar": 0}, ValueError, ["steps_per_bar", ">= 1"]),
        (musiceval.empty_bar_rate, {"steps_per_bar": 12}, ValueError, ["steps_per_bar=12", "32"]),
        (musiceval.groove_consistency, {"steps_per_bar": 5}, ValueError, ["steps_per_bar=5"]),
        (musiceval.empty_bar_rate, {"steps_per_bar": True}, TypeError, ["steps_per_bar"]),
        (musiceval.in_scale_ratio, {"key": "H"}, ValueError, ["key", "'H'", "A-G"]),
        (musiceval.in_scale_ratio, {"key": 12}, ValueError, ["key", "0..11", "12"]),
        (musiceval.in_scale_ratio, {"key": 1.0}, TypeError, ["key", "1.0"]),
        (musiceval.in_scale_ratio, {"mode": "blues"}, ValueError, ["mode", "'blues'", "dorian"]),
        (musiceval.in_scale_ratio, {"weight": "beats"}, ValueError, ["weight", "'beats'"]),
        (musiceval.n_notes, {"per": "beat"}, ValueError, ["per", "'bar'", "'beat'"]),
        (musiceval.qualified_note_rate, {"min_steps": 0}, ValueError, ["min_steps", ">= 1"]),
        (musiceval.polyphonic_rate, {"min_pitches": -2}, ValueError, ["min_pitches", "-2"]),
        (musiceval.drum_in_pattern_rate, {"grid": 3}, ValueError, ["grid=3", "steps_per_beat=4"]),
        (musiceval.drum_in_pattern_rate, {"steps_per_beat": 0}, ValueError, ["steps_per_beat"]),
    ],
)
def test_bad_options_are_named(function, options, error, words):
    with pytest.raises(error) as info:
        function(ROLL, **options)
    for word in words:
        assert word in str(info.value)


def test_tonal_distance_checks_its_tracks_and_beats():
    with pytest.raises(ValueError, match="track_b must be a track index below n_tracks=3; got 3"):
        musiceval.tonal_distance(ROLL, 0, 3)
    with pytest.raises(ValueError, match="steps_per_beat=5 does not divide n_steps=32"):
        musiceval.tonal_distance(ROLL, 0, 1, steps_per_beat=5)
    with pytest.raises(ValueError, match="radii"):
        musiceval.tonal_distance(ROLL, 0, 1, radii=(1.0, -1.0, 0.5))


def test_nbspk_bar_length_must_agree():
    x = np.zeros((1, 2, 12, 128, 1), bool)
    assert musiceval.empty_bar_rate(x, layout="NBSPK").shape == (1, 1)
    with pytest.raises(ValueError, match="steps_per_bar=16 contradicts the NBSPK input"):
        musiceval.empty_bar_rate(x, layout="NBSPK", steps_per_bar=16)


def test_evaluate_rejects_unknown_metrics_and_options():
    with pytest.raises(ValueError, match="'chroma'"):
        musiceval.evaluate(ROLL, ["n_notes", "chroma"])
    with pytest.raises(TypeError, match="string 'n_notes'"):
        musiceval.evaluate(ROLL, "n_notes")
    with pytest.raises(TypeError, match=r"unknown option\(s\) \['step_per_bar'\]"):
        musiceval.evaluate(ROLL, step_per_bar=16)


def test_bool_and_uint8_rolls_are_read_in_place_and_read_only():
    x = np.zeros((1, 16, 128, 2), dtype=np.uint8)
    roll = as_roll(x)
    assert np.shares_memory(roll.cells, x)
    assert not roll.cells.flags.writeable
    assert x.flags.writeable
    flags = np.zeros((1, 16, 128, 2), dtype=bool)
    assert np.shares_memory(as_roll(flags).cells, flags)


def test_threshold_rule_is_strictly_greater():
    x = np.zeros((1, 16, 128, 1), dtype=np.float32)
    x[0, 0, 60, 0] = 0.5
    x[0, 0, 62, 0] = 0.5001
    assert musiceval.n_pitches_used(x, threshold=0.5)[0, 0] == 1
    assert musiceval.n_pitches_used(x)[0, 0] == 2
    assert musiceval.n_pitches_used(x - 1.0)[0, 0] == 0  # {-1, +1}-style: -0.5 is off


def test_zero_steps_give_nan_ratios_and_zero_counts():
    x = np.zeros((2, 0, 128, 3), dtype=bool)
    assert np.isnan(musiceval.empty_bar_rate(x)).all()
    assert np.isnan(musiceval.polyphonic_rate(x)).all()
    assert (musiceval.n_notes(x) == 0).all()
    assert (musiceval.n_pitches_used(x, per="bar") != 0).sum() == 6  # no bar at all: NaN


def test_results_follow_the_layout():
    one = np.zeros((16, 128), bool)
    one[:4, 60] = True
    assert musiceval.n_notes(one, layout="TP") == 1.0
    assert isinstance(musiceval.n_notes(one, layout="TP"), float)
    stacked = np.stack([one, one, np.zeros_like(one)])
    np.testing.assert_array_equal(musiceval.n_notes(stacked, layout="KTP"), [1.0, 1.0, 0.0])
    assert musiceval.tonal_distance(stacked, 0, 1, layout="KTP") == 0.0


def test_evaluate_rejects_duplicate_metric_names():
    with pytest.raises(ValueError, match="distinct names"):
        musiceval.evaluate(ROLL, ["n_notes", "n_notes"])


def test_per_bar_functions_take_the_bar_length():
    x = np.zeros((1, 64, 128, 1), dtype=bool)
    x[0, :4, 60, 0] = x[0, 32:36, 67, 0] = True  # C in bar 1 of 2 (32-step bars), G in bar 2
    assert musiceval.n_pitch_classes_used(x, per="bar", steps_per_bar=32)[0, 0] == 1.0
    assert musiceval.n_pitch_classes_used(x, per="bar")[0, 0] == 1.0  # 16-step bars 1 and 3
    with pytest.raises(ValueError, match="steps_per_bar=24 does not divide n_steps=64"):
        musiceval.n_notes(x, per="bar", steps_per_bar=24)


def test_tonal_distance_of_one_roll_is_a_float():
    one = np.zeros((16, 128), bool)
    one[:, 60] = True
    assert musiceval.tonal_distance(one, 0, 0, layout="TP") == 0.0
    assert isinstance(musiceval.tonal_distance(one, 0, 0, layout="TP"), float)
