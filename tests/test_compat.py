"""The compatibility modes: DeepComposer's and MuseGAN's numbers, reproduced on purpose.

Every expected compat value below is derived by hand from the peers' code (cited in
``musiceval/compat``), not read back from it. The properties show each documented divergence
from the correct musiceval metric on random rolls.
"""

import doctest
import inspect
import math
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import musiceval as me
from musiceval import compat
from musiceval.compat import deepcomposer as dc
from musiceval.compat import musegan as mg
from musiceval.compat import side_by_side

C4, E4, FS4, G4, C5 = 60, 64, 66, 67, 72
C_MAJOR = [1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1]  # by pitch class (or by block, for the peers)
# Tonal centroids of bins 5 and 6 (Harte et al., radii 1, 1, 0.5): on the circles of fifths,
# minor thirds and major thirds the angles differ by 7pi/6, 3pi/2 and 2pi/3, so the squared
# chord lengths are 2 - 2cos(7pi/6) = 2 + sqrt(3), 2 and 0.25 * (2 - 2cos(2pi/3)) = 0.75.
NEIGHBOUR_BINS = math.sqrt(4.75 + math.sqrt(3))
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _one_thread(one_numba_thread):
    """Tiny rolls: the kernel's thread hand-off would cost more than the pass."""


def same(actual, expected):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), expected, rtol=1e-12, atol=1e-12, equal_nan=True
    )


def lab(n_samples=1, n_tracks=4, fill=-1.0):
    """The lab's array: (n_samples, 32, 128, n_tracks) float32, -1 = off."""
    return np.full((n_samples, 32, 128, n_tracks), fill, dtype=np.float32)


def bars(n_samples=1, n_bars=1, steps=16, n_pitches=128, n_tracks=1):
    """MuseGAN's layout, all zeros: (n_samples, n_bars, steps, n_pitches, n_tracks)."""
    return np.zeros((n_samples, n_bars, steps, n_pitches, n_tracks))


# ---- DeepComposer: hand cases --------------------------------------------------------------


def test_silence_in_the_plus_minus_one_encoding():
    x = lab(n_samples=2)
    # no cell > 0.5: the lab's "Empty Bar Rate" (a non-empty rate) is 0; musiceval's is 1
    same(dc.empty_bar_rate(x), [0.0] * 4)
    same(me.empty_bar_rate(x).mean(axis=0), [1.0] * 4)
    # every pitch sums to -16 over a bar: 1 - (-16) = 17 on each of the 84 pitches
    same(dc.unique_pitch_count(x), [17 * math.sqrt(84)] * 4)
    # every block holds 7 cells of -1: 7 in-scale blocks of 12, signed: -49 / -84
    same(dc.in_scale_rate(x), [7 / 12] * 4)
    same(me.in_scale_ratio(x), [[math.nan] * 4] * 2)  # no note: undefined


def test_all_zero_array_gives_nan_in_scale_rate():
    x = lab(fill=0.0)
    same(dc.empty_bar_rate(x), [0.0] * 4)
    same(dc.unique_pitch_count(x), [math.sqrt(84)] * 4)  # |1 - 0| on 84 pitches
    same(dc.in_scale_rate(x), [math.nan] * 4)  # 0 / 0


def test_one_held_note_in_every_track():
    x = lab()
    x[0, :, C4, :] = 1.0  # C4 through both bars, in each of the 4 tracks
    same(dc.empty_bar_rate(x), [1.0] * 4)  # both bars "non-empty"
    same(me.empty_bar_rate(x), [[0.0] * 4])  # no bar is empty
    # per bar C4 sums to +16 (1 - 16 = -15), each of the 83 other pitches to -16 (17)
    same(dc.unique_pitch_count(x), [math.sqrt(83 * 17**2 + 15**2)] * 4)
    same(me.n_pitches_used(x), [[1.0] * 4])
    # C4 = crop index 36, block 36 // 7 = 5 (in scale): in-scale sum 1 - 48 = -47 of 49
    # cells; total 1 - 83 = -82
    same(dc.in_scale_rate(x), [47 / 82] * 4)
    same(me.in_scale_ratio(x), [[1.0] * 4])


def test_c_major_triad_shows_the_block_chroma():
    x = lab(fill=0.0, n_tracks=1)
    x[0, :, [C4, E4, G4], 0] = 1.0
    # crop indices 36, 40, 43 -> blocks 5, 5, 6 (MIDI 59..65 and 66..72): G is "out of scale"
    same(dc.in_scale_rate(x), [2 / 3])
    same(me.in_scale_ratio(x), [[1.0]])
    # the same triad in the +-1 encoding: in-scale 2 - 47 = -45, total 3 - 81 = -78
    y = np.where(x > 0, 1.0, -1.0)
    same(dc.in_scale_rate(y), [45 / 78])


def test_the_lab_crops_to_midi_24_107_and_reads_raw_tanh_values():
    x = lab(fill=0.0, n_tracks=2)
    x[0, :, 20, 0] = 1.0  # below the crop: invisible to the lab
    x[0, :, C4, 1] = 0.25  # raw tanh output: > 0 (musiceval's default) but not > 0.5
    same(dc.empty_bar_rate(x), [0.0, 0.0])
    same(me.empty_bar_rate(x), [[0.0, 0.0]])
    # track 1: C4 sums to 16 * 0.25 = 4 per bar: 1 - 4 = -3; 83 pitches at 1
    same(dc.unique_pitch_count(x), [math.sqrt(84), math.sqrt(83 + 3**2)])


def test_half_the_bars_and_any_number_of_tracks():
    x = lab(n_samples=2, n_tracks=6)
    x[0, :16, C4, 5] = 1.0  # sample 0, bar 0 only: 1 of 4 bars has a cell > 0.5
    same(dc.empty_bar_rate(x), [0.0] * 5 + [0.25])
    assert dc.in_scale_rate(x).shape == dc.unique_pitch_count(x).shape == (6,)


# ---- MuseGAN src/musegan/metrics.py: hand cases --------------------------------------------


def test_held_triad_under_musegans_code():
    x = bars()
    x[0, 0, :, [C4, E4, G4], 0] = 1.0  # held for the 16-step bar
    same(mg.empty_bar_rate(x), [1.0])  # the non-empty rate
    same(mg.n_pitches_used(x), [48.0])  # 3 cells x 16 steps
    # Changed (issue 10, item 16b): this test expected 32 and 2/3 from the 128-pitch roll, via
    # 11-wide blocks; MuseGAN's to_chroma cannot run on 128 pitches, so those calls now raise.
    # On MuseGAN's 84 pitches (MIDI 24..107) the blocks are 7 wide: C4, E4, G4 are indices
    # 36, 40, 43, bins 5, 5, 6 -- the same 32 and 2/3, now numbers MuseGAN produces.
    with pytest.raises(me.InvalidParameterError, match="multiple of 12 pitches"):
        mg.n_pitch_classes_used(x)
    crop = x[..., 24:108, :]
    same(mg.n_pitch_classes_used(crop), [32.0])  # 2 nonzero bins x 16 steps
    same(mg.in_scale_rate(crop), [2 / 3])
    same(mg.polyphonic_rate(x), [1.0])  # 3 > 2
    # onsets at flat indices 60, 64, 67, offsets at 16 * 128 + the same: all differ by 2048
    same(mg.qualified_note_rate(x), [1.0])
    # cells weighted [1, .1] * 8: 3 * (8 + 0.8) = 26.4 over 48 cells
    same(mg.drum_in_pattern_rate(x), [0.55])
    y = x.reshape(1, 16, 128, 1)
    same(me.n_pitches_used(y), [[3.0]])
    same(me.n_pitch_classes_used(y), [[3.0]])
    same(me.in_scale_ratio(y), [[1.0]])
    same(me.drum_in_pattern_rate(y), [[1.0]])  # three hits, all on step 0


def test_c4_and_c5_are_two_classes_for_musegan():
    x = bars()
    x[0, 0, :, [C4, C5], 0] = 1.0
    # Changed (issue 10, item 16b): was computed on all 128 pitches, where MuseGAN's to_chroma
    # fails. On its 84 pitches C4 and C5 are indices 36 and 48: bins 36 // 7 = 5 and 48 // 7 = 6
    same(mg.n_pitch_classes_used(x[..., 24:108, :]), [32.0])
    same(me.n_pitch_classes_used(x.reshape(1, 16, 128, 1)), [[1.0]])


def test_musegan_polyphony_is_strict():
    x = bars()
    x[0, 0, :, [C4, G4], 0] = 1.0  # a held dyad: 2 is not > 2
    same(mg.polyphonic_rate(x), [0.0])
    same(mg.polyphonic_rate(x, threshold=1), [1.0])
    same(me.polyphonic_rate(x.reshape(1, 16, 128, 1)), [[1.0]])


def test_musegan_qualified_note_rate_pairs_in_time_major_order():
    x = bars()
    x[0, 0, 0, C4, 0] = x[0, 0, 4, 62, 0] = 1.0  # two one-step notes
    # onset 60 pairs with offset 128 + 60; onset 4 * 128 + 62 with 5 * 128 + 62: both >= 2
    same(mg.qualified_note_rate(x), [1.0])
    same(me.qualified_note_rate(x.reshape(1, 16, 128, 1), min_steps=2), [[0.0]])


def test_musegan_drops_an_onset_at_flat_index_zero():
    x = bars(n_tracks=2)
    x[0, 0, :4, [0, C4], 0] = 1.0  # onsets at flat 0 and 60; count_nonzero sees one
    x[0, 0, :4, 0, 1] = 1.0  # the only onset is at flat 0
    same(mg.qualified_note_rate(x), [2.0, math.inf])
    same(mg.qualified_note_rate(bars()), [math.nan])  # 0 / 0


def test_musegan_drum_pattern_counts_cells_with_tolerance():
    x = bars(n_tracks=3)
    x[0, 0, 1, 36, 0] = 1.0  # one hit just off the 8th-note grid: weight 0.1
    x[0, 0, :, 36, 1] = 1.0  # a kick held for the bar: (8 + 0.8) / 16
    same(mg.drum_in_pattern_rate(x), [0.1, 0.55, 0.0])  # silent track: 0, as coded
    same(me.drum_in_pattern_rate(x.reshape(1, 16, 128, 3)), [[0.0, 1.0, math.nan]])


def test_musegan_harmonicity_on_block_chroma():
    x = bars(n_tracks=3)
    x[0, 0, :, C4, 0] = x[0, 0, :, C5, 1] = x[0, 0, :, FS4, 2] = 1.0
    # Changed (issue 10, item 16b): MuseGAN's to_chroma fails on the 128-pitch roll this test
    # used, so the distances are taken on MuseGAN's 84 pitches (MIDI 24..107), where the bins
    # are the same: C5 (index 48) and F#4 (42) land in bin 6, C4 (36) in bin 5
    with pytest.raises(me.InvalidParameterError, match="multiple of 12 pitches"):
        mg.harmonicity(x, beat_resolution=4)
    crop = x[..., 24:108, :]
    distances = mg.harmonicity(crop, beat_resolution=4)
    n = NEIGHBOUR_BINS  # an octave scores like a semitone
    same(distances, [[0, n, n], [n, 0, 0], [n, 0, 0]])
    y = x.reshape(1, 16, 128, 3)
    same(me.tonal_distance(y, 0, 1), [0.0])
    same(me.tonal_distance(y, 0, 2), [2 * math.sqrt(2)])
    crop[0, 0, 12:, C5 - 24, 1] = 0.0  # track 1 silent in the last beat: 0/0 spoils the mean
    same(mg.harmonicity(crop, beat_resolution=4)[0], [0.0, math.nan, NEIGHBOUR_BINS])


def test_binarize_rounds_half_to_even_and_to_chroma_sums_blocks():
    x = np.array([-1.0, -0.2, 0.0, 0.2, 0.5, 1.0]).reshape(1, 1, 6, 1, 1)
    same(mg.binarize(x).ravel(), [0, 0, 0, 1, 1, 1])  # round(0.5) = 0, round(0.75) = 1
    y = bars(n_pitches=84)
    y[0, 0, 0, 40, 0] = 1.0  # MIDI 64 (E4) in the 84-pitch crop: block 40 // 7 = 5
    chroma = mg.to_chroma(y)
    assert chroma.shape == (1, 1, 16, 12, 1)
    same(np.flatnonzero(chroma[0, 0, 0, :, 0]), [5])


def test_musegan_averages_its_integer_counts_with_truncation():
    # issue 10, item 16: MuseGAN's tf.reduce_mean of the int64 per-bar counts truncates, so
    # per-bar counts 79, 114, 87 and 111 (sum 391, mean 97.75) give 97
    counts = [79, 114, 87, 111]
    x = bars(n_bars=4)
    for bar, count in enumerate(counts):  # the first `count` cells of the bar, step-major
        x[0, bar].reshape(-1)[:count] = 1.0
    same(mg.n_pitches_used(x), [97.0])
    same(mg.n_pitches_used(x.reshape(2, 2, 16, 128, 1)), [97.0])  # pooled over samples too
    # the same counts of nonzero chroma bins: on 84 pitches, bin i of a step holds pitch 7i
    y = bars(n_bars=4, n_pitches=84)
    for bar, count in enumerate(counts):
        for cell in range(count):
            step, chroma_bin = divmod(cell, 12)
            y[0, bar, step, 7 * chroma_bin, 0] = 1.0
    same(mg.n_pitches_used(y), [97.0])  # the pitches 7i are the cells here too
    same(mg.n_pitch_classes_used(y), [97.0])
    odd = bars(n_bars=3)
    odd[0, 0, 0, :2, 0] = 1.0  # 2 cells in 3 bars: 0.67 -> 0
    same(mg.n_pitches_used(odd), [0.0])


@pytest.mark.parametrize("n_pitches", [128, 100, 85, 1])
@pytest.mark.parametrize(
    "function",
    [
        mg.to_chroma,
        mg.n_pitch_classes_used,
        mg.in_scale_rate,
        lambda x: mg.harmonicity(x, beat_resolution=4),
    ],
    ids=["to_chroma", "n_pitch_classes_used", "in_scale_rate", "harmonicity"],
)
def test_musegan_chroma_refuses_what_musegan_cannot_reshape(function, n_pitches):
    # issue 10, item 16b: MuseGAN pads 128 pitches to 132, then reshapes each step to
    # 12 x (132 // 12 + 1) = 144 values, which fails; so does every count not a multiple of 12
    x = bars(n_pitches=n_pitches)
    x[0, 0, :, 0, 0] = 1.0
    padded = n_pitches + 12 - n_pitches % 12
    with pytest.raises(me.InvalidParameterError) as raised:
        function(x)
    message = str(raised.value)
    assert message.startswith(
        f"x must have a multiple of 12 pitches for MuseGAN's to_chroma (84 = 7 x 12, "
        f"MuseGAN's MIDI 24..107, or 96, 108, 120, ...); got {n_pitches}. MuseGAN's code "
        f"cannot run on {n_pitches} pitches: it pads them to {padded}, then reshapes each step "
        f"to 12 x {padded // 12 + 1} = {padded + 12} values, which fails."
    )
    if n_pitches == 128:
        assert "12 x 12 = 144 values" in message and "x[..., 24:108, :]" in message


@pytest.mark.parametrize(("n_pitches", "width"), [(84, 7), (96, 8), (108, 9), (120, 10)])
def test_musegan_chroma_runs_on_multiples_of_12(n_pitches, width):
    x = bars(n_pitches=n_pitches)
    # pitches 0 and width - 1 are the ends of bin 0 (in C major), pitch width opens bin 1 (not)
    x[0, 0, :, [0, width - 1, width], 0] = 1.0
    chroma = mg.to_chroma(x)
    same(chroma[0, 0, 0, :3, 0], [2.0, 1.0, 0.0])
    same(mg.n_pitch_classes_used(x), [32.0])  # 2 bins x 16 steps
    same(mg.in_scale_rate(x), [2 / 3])


def test_musegans_other_src_functions_and_v2_run_on_128_pitches():
    # MuseGAN's own empty_bar_rate, n_pitches_used, ... need no chroma and run on 128 pitches
    # (only get_metric_ops, which builds the chroma first, fails); v2's to_chroma always pads
    x = bars()
    x[0, 0, :, C4, 0] = 1.0
    same(mg.empty_bar_rate(x), [1.0])
    same(mg.n_pitches_used(x), [16.0])
    same(mg.polyphonic_rate(x), [0.0])
    same(mg.qualified_note_rate(x), [1.0])
    same(mg.drum_in_pattern_rate(x), [0.55])
    same(mg.evaluate_v2(x, beat_resolution=4)["chroma_used"], [1.0])  # 132 = 12 blocks of 11


# ---- MuseGAN v2 (paper era): hand cases ----------------------------------------------------


def test_v2_scores_non_empty_bars_and_averages_them():
    x = bars(n_bars=2)
    x[0, 0, :, [C4, E4, G4], 0] = 1.0  # bar 0 holds a triad, bar 1 is empty
    scores = mg.evaluate_v2(x, beat_resolution=4)
    assert list(scores) == [*mg.V2_METRICS, "tonal_distance"]
    same(scores["empty_bar"], [0.5])  # right, unlike src's
    same(scores["pitch_used"], [3.0])  # bar 1 is NaN and skipped
    same(scores["qualified_note"], [1.0])
    same(scores["polyphonicity"], [1.0])  # >= 2
    same(scores["in_scale"], [2 / 3])  # 128 + 4 pitches: blocks of 11 as in src
    same(scores["chroma_used"], [2.0])
    same(scores["drum_pattern"], [math.nan])  # the default filter fits 96-step bars only
    assert scores["tonal_distance"].shape == (0,)  # one track: no pair
    silent = mg.evaluate_v2(bars(), beat_resolution=4)
    same([silent[name][0] for name in mg.V2_METRICS], [1.0] + [math.nan] * 6)


def test_v2_chroma_always_pads():
    x = bars(n_pitches=84)
    x[0, 0, :, [C4 - 24, E4 - 24, G4 - 24], 0] = 1.0
    # v2 pads 84 to 96: blocks of 8, indices 36, 40, 43 -> bins 4, 5, 5, both in C major
    scores = mg.evaluate_v2(x, beat_resolution=4)
    same(scores["in_scale"], [1.0])
    same(scores["chroma_used"], [2.0])
    same(mg.in_scale_rate(x), [2 / 3])  # src: blocks of 7, bins 5, 5, 6


def test_v2_qualified_notes_are_right_per_bar():
    x = bars()
    x[0, 0, 0, C4, 0] = x[0, 0, 4, 62, 0] = 1.0  # two one-step notes
    x[0, 0, 8:11, E4, 0] = 1.0  # one three-step note
    same(mg.evaluate_v2(x, beat_resolution=4)["qualified_note"], [1 / 3])
    same(me.qualified_note_rate(x.reshape(1, 16, 128, 1)), [[1 / 3]])


def test_v2_drum_pattern_counts_note_ends():
    x = bars(steps=96, n_tracks=2)
    x[0, 0, 0, 36, 0] = 1.0  # one one-step hit: changes at steps 0 and 1
    x[0, 0, :, 36, 1] = 1.0  # held for the bar: one change, at step 0
    # filter [1, .1, 0, 0, 0, .1] * 16; best shift gives 1 + 0.1 over 2 changes
    same(mg.evaluate_v2(x, beat_resolution=24)["drum_pattern"], [0.55, 1.0])
    pattern = np.tile([1.0, 0.0, 0.0, 0.0], 24)  # a custom filter: the hit is on it
    same(mg.evaluate_v2(x, beat_resolution=24, drum_filter=pattern)["drum_pattern"], [0.5, 1.0])


def test_v2_tonal_distance_skips_bars_with_a_silent_beat():
    x = bars(n_bars=2, n_tracks=2)
    x[0, :, :, C4, 0] = x[0, :, :, C5, 1] = 1.0
    x[0, 1, 12:, C5, 1] = 0.0  # bar 1: track 1 silent in its last beat -> NaN for that bar
    scores = mg.evaluate_v2(x, beat_resolution=4, pairs=[(0, 1), (1, 1)])
    same(scores["tonal_distance"], [NEIGHBOUR_BINS, 0.0])


# ---- properties: each documented divergence ------------------------------------------------


@st.composite
def binary_rolls(draw, n_steps=32, n_pitches=128, pitches=None):
    """A random {0, 1} float roll (n, n_steps, n_pitches, k): held notes and stray cells."""
    n, k = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    density = draw(st.sampled_from([0.0, 0.002, 0.02, 0.2]))
    x = (rng.random((n, n_steps, n_pitches, k)) < density).astype(np.float64)
    for _ in range(draw(st.integers(0, 8))):
        pitch = rng.integers(n_pitches) if pitches is None else rng.choice(pitches)
        start = rng.integers(n_steps)
        x[rng.integers(n), start : start + rng.integers(1, 9), pitch, rng.integers(k)] = 1.0
    return x


@FAST
@given(binary_rolls())
def test_deepcomposer_empty_bar_rate_is_one_minus_the_right_one(x):
    crop = x[:, :, 24:108]  # the lab sees only MIDI 24..107
    expected = 1 - me.empty_bar_rate(crop, lowest_pitch=24).mean(axis=0)
    same(dc.empty_bar_rate(x), expected)


@FAST
@given(binary_rolls(n_steps=48))
def test_musegan_empty_bar_rate_is_one_minus_the_right_one_and_v2_is_right(x):
    x5 = x.reshape(x.shape[0], 3, 16, 128, x.shape[-1])
    right = me.empty_bar_rate(x5, layout="NBSPK").mean(axis=0)
    same(mg.empty_bar_rate(x5), 1 - right)
    same(mg.evaluate_v2(x5, beat_resolution=4)["empty_bar"], right)


@FAST
@given(st.integers(24, 107), st.integers(1, 16))
def test_block_chroma_is_not_pitch_class(pitch, length):
    x = bars()
    x[0, 0, :length, pitch, 0] = 1.0
    # Changed (issue 10, item 16b): this expected bin pitch // 11 on all 128 pitches, a number
    # MuseGAN never gives (its to_chroma fails there). On its 84 pitches from MIDI 24 the bin
    # is (pitch - 24) // 7, as in the lab's crop; the pitch class is pitch % 12.
    same(mg.in_scale_rate(x[..., 24:108, :]), [C_MAJOR[(pitch - 24) // 7]])
    same(me.in_scale_ratio(x.reshape(1, 16, 128, 1)), [[C_MAJOR[pitch % 12]]])
    y = np.zeros((1, 32, 128, 1))
    y[0, :length, pitch, 0] = 1.0
    same(dc.in_scale_rate(y), [C_MAJOR[(pitch - 24) // 7]])


@FAST
@given(binary_rolls())
def test_musegan_n_pitches_used_counts_cells(x):
    x5 = x.reshape(x.shape[0], 2, 16, 128, x.shape[-1])
    n_bars = x.shape[0] * 2
    # Changed (issue 10, item 16a): was `/ n_bars`; MuseGAN's tf.reduce_mean of int64 counts
    # truncates, so the mean is the floor division (the counts are never negative)
    same(mg.n_pitches_used(x5), np.count_nonzero(x, axis=(0, 1, 2)) // n_bars)
    # distinct pitches per bar (each bar as a sample), averaged over all bars: never more, once
    # both are truncated the same way (changed with the line above: was `>= distinct`)
    distinct = me.n_pitches_used(x.reshape(n_bars, 16, 128, x.shape[-1])).mean(axis=0)
    assert np.all(mg.n_pitches_used(x5) >= np.floor(distinct))


@FAST
@given(binary_rolls(n_steps=16), st.integers(0, 4))
def test_musegan_polyphony_is_musiceval_with_one_more_pitch(x, threshold):
    x5 = x[:, None]
    expected = me.polyphonic_rate(x5, layout="NBSPK", min_pitches=threshold + 1).mean(axis=0)
    same(mg.polyphonic_rate(x5, threshold=threshold), expected)


@FAST
@given(binary_rolls(n_steps=16))
def test_musegan_qualified_note_rate_is_one_whatever_the_notes(x):
    # Every offset before the j-th one, at (sample, step t, pitch p) in time-major order, ends
    # a note that started before step t: so the j-th onset is before (sample, t, 0) and the
    # flat-index difference is at least p + 1. Without pitch 0 every note "qualifies" (and no
    # onset sits at flat index 0), whatever its length.
    x[:, :, 0] = 0.0
    x5 = x[:, None]
    has_notes = x.any(axis=(0, 1, 2))
    same(mg.qualified_note_rate(x5), np.where(has_notes, 1.0, np.nan))


@FAST
@given(binary_rolls(n_steps=16))
def test_v2_per_bar_metrics_are_musicevals_per_bar_on_one_bar_samples(x):
    x5 = x[:, None]
    scores = mg.evaluate_v2(x5, beat_resolution=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of an all-NaN column
        for name, metric in [
            ("pitch_used", me.n_pitches_used),
            ("qualified_note", me.qualified_note_rate),
            ("polyphonicity", me.polyphonic_rate),
        ]:
            right = metric(x5, layout="NBSPK", per="bar")
            expected = np.where(np.isnan(right).all(axis=0), np.nan, np.nanmean(right, axis=0))
            same(scores[name], expected)


# ---- side_by_side --------------------------------------------------------------------------


def test_side_by_side_deepcomposer_table():
    x = lab(n_samples=2)
    x[0, :, C4, :] = 1.0
    before = x.copy()
    table = side_by_side(x, "deepcomposer")
    np.testing.assert_array_equal(x, before)  # never written to
    assert list(table.columns) == [
        "tool", "compat_metric", "track", "compat_value", "musiceval_metric", "musiceval_value",
        "explanation",
    ]  # fmt: skip
    assert len(table) == 3 * 4 and set(table.tool) == {"deepcomposer"}
    by_metric = table.set_index(["compat_metric", "track"])
    same(by_metric.loc["empty_bar_rate", "compat_value"], dc.empty_bar_rate(x))
    same(by_metric.loc["in_scale_rate", "compat_value"], dc.in_scale_rate(x))
    # sample 0 holds C4 in both bars, sample 1 is silent (every bar empty)
    same(by_metric.loc["empty_bar_rate", "musiceval_value"], [0.5] * 4)
    same(by_metric.loc["unique_pitch_count", "musiceval_value"], [1.0] * 4)  # NaN skipped
    assert table.explanation.str.len().gt(20).all()
    assert table.musiceval_metric.unique().tolist() == [
        "empty_bar_rate", "n_pitches_used", "in_scale_ratio",
    ]  # fmt: skip


def test_side_by_side_musegan_table():
    x = np.zeros((2, 32, 128, 2), dtype=bool)
    x[0, :, C4, 0] = x[0, :, C5, 1] = True
    x[1, :16, G4, 1] = True
    table = side_by_side(x, "musegan")
    assert "track_b" in table.columns and str(table.track_b.dtype) == "Int64"
    n_per_track, n_pairwise = 14, 2  # (7 src + 7 v2) per track, 2 pairwise metrics x 1 pair
    assert len(table) == n_per_track * 2 + n_pairwise
    rows = table.set_index("compat_metric")
    # binarised: sample 0 fills both bars of both tracks; sample 1 fills bar 0 of track 1
    same(rows.loc["empty_bar_rate", "compat_value"], [0.5, 0.75])
    same(rows.loc["empty_bar_rate", "musiceval_value"], [0.5, 0.25])
    same(rows.loc["v2.empty_bar", "compat_value"], [0.5, 0.25])
    same(rows.loc["n_pitches_used", "compat_value"], [16 * 2 / 4, 16 * 3 / 4])
    pair = rows.loc[["harmonicity"]]
    assert pair.track.tolist() == [0] and pair.track_b.tolist() == [1]
    same(pair.compat_value, [math.nan])  # track 0 silent in sample 1: 0/0 on its beats
    same(rows.loc["v2.tonal_distance", "compat_value"], NEIGHBOUR_BINS)
    same(rows.loc["v2.tonal_distance", "musiceval_value"], 0.0)  # C4 against C5
    assert table.track_b.isna().sum() == n_per_track * 2
    # issue 10, item 16b: MuseGAN's to_chroma cannot run on 128 pitches: no number, and why
    for name in ("n_pitch_classes_used", "in_scale_rate", "harmonicity"):
        assert rows.loc[[name], "compat_value"].isna().all(), name
        assert "multiple of 12" in rows.loc[[name], "explanation"].iloc[0], name
    same(rows.loc["v2.chroma_used", "compat_value"], [1.0, 1.0])  # v2 pads: it runs


def test_side_by_side_musegan_on_musegans_84_pitches():
    x = np.zeros((2, 32, 84, 2), dtype=bool)  # MIDI 24..107
    x[0, :, C4 - 24, 0] = x[0, :, C5 - 24, 1] = True
    x[1, :, E4 - 24, 0] = x[1, :, G4 - 24, 1] = True
    rows = side_by_side(x, "musegan", lowest_pitch=24).set_index("compat_metric")
    x5 = x.reshape(2, 2, 16, 84, 2).astype(np.float64)
    same(rows.loc["n_pitch_classes_used", "compat_value"], mg.n_pitch_classes_used(x5))
    same(rows.loc["n_pitch_classes_used", "compat_value"], [16.0, 16.0])  # one bin per step
    # track 0: C4 and E4 both in bin 5 (in scale); track 1: C5 and G4 in bin 6 (out)
    same(rows.loc["in_scale_rate", "compat_value"], [1.0, 0.0])
    same(rows.loc["in_scale_rate", "musiceval_value"], [1.0, 1.0])  # all four are in C major
    same(rows.loc["harmonicity", "compat_value"], NEIGHBOUR_BINS)  # bins 5 and 6 every beat
    same(rows.loc["n_pitch_classes_used", "musiceval_value"], [1.0, 1.0])


def test_side_by_side_options_reach_musiceval():
    x = lab(n_tracks=1)
    x[0, :16, C4, 0] = x[0, 16:, C5, 0] = 1.0  # C4 in bar 0, C5 in bar 1
    per_bar = side_by_side(x, "deepcomposer").set_index("compat_metric")
    per_sample = side_by_side(x, "deepcomposer", per="sample").set_index("compat_metric")
    assert per_bar.loc["unique_pitch_count", "musiceval_value"] == 1.0
    assert per_sample.loc["unique_pitch_count", "musiceval_value"] == 2.0
    x12 = np.zeros((1, 24, 128, 1), dtype=bool)  # 12-step bars: MuseGAN has no drum mask
    x12[0, :, C4, 0] = True
    table = side_by_side(x12, "musegan", steps_per_bar=12, steps_per_beat=3, grid=3)
    same(table.set_index("compat_metric").loc["drum_in_pattern_rate", "compat_value"], math.nan)


def test_compat_is_opt_in_and_cheap():
    code = (
        "import sys, musiceval; assert 'musiceval.compat' not in sys.modules; "
        "import musiceval.compat; print([m for m in ('pandas', 'numba', 'torch') "
        "if m in sys.modules])"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


# ---- errors --------------------------------------------------------------------------------


VELOCITIES = np.zeros((1, 1, 16, 128, 1))
VELOCITIES[0, 0, :4, C4, 0] = 1.0
VELOCITIES[0, 0, 4:8, C4, 0] = 2.0  # 0 -> 1 -> 2 -> 0: two onsets, one offset


@pytest.mark.parametrize(
    ("function", "x", "match"),
    [
        (dc.empty_bar_rate, np.zeros((32, 128, 4)), r"x must have shape \(n_samples, 32, 128"),
        (dc.in_scale_rate, np.zeros((2, 16, 128, 4)), r"32, 128.*got \(2, 16, 128, 4\)"),
        (dc.unique_pitch_count, np.zeros((2, 32, 84, 4)), r"got \(2, 32, 84, 4\)"),
        (dc.empty_bar_rate, np.zeros((0, 32, 128, 4)), r"non-empty; got \(0, 32, 128, 4\)"),
        (mg.empty_bar_rate, np.zeros((2, 32, 128, 4)), r"x must have shape \(n_samples, n_bars"),
        (mg.drum_in_pattern_rate, bars(steps=12), r"steps_per_bar in \[16, .*got 12"),
        (mg.qualified_note_rate, VELOCITIES, r"track 0 has 2 onsets and 1 offsets.*binarize"),
    ],
)
def test_bad_input_names_argument_expected_and_received(function, x, match):
    with pytest.raises(ValueError, match=match):
        function(x)


def test_bad_options_raise():
    x = bars()
    with pytest.raises(TypeError, match="x must hold bool, integer or real values"):
        dc.empty_bar_rate(np.full((1, 32, 128, 1), "a"))
    with pytest.raises(ValueError, match="beat_resolution must be a positive divisor of steps_"):
        mg.harmonicity(x, beat_resolution=5)
    with pytest.raises(TypeError, match=r"beat_resolution must be an int; got 4\.0"):
        mg.evaluate_v2(x, beat_resolution=4.0)
    with pytest.raises(ValueError, match=r"pairs must be .* below n_tracks=1; got \[\(0, 1\)\]"):
        mg.evaluate_v2(x, beat_resolution=4, pairs=[(0, 1)])
    with pytest.raises(ValueError, match=r"drum_filter must have shape .*\(16,\); got \(96,\)"):
        mg.evaluate_v2(x, beat_resolution=4, drum_filter=np.ones(96))
    with pytest.raises(ValueError, match=r"tool must be one of \['deepcomposer', 'musegan'\]"):
        side_by_side(lab(), "pypianoroll")
    with pytest.raises(ValueError, match=r"lowest_pitch must be 0 or None.*got 24"):
        side_by_side(np.zeros((1, 32, 84, 4)), "deepcomposer", lowest_pitch=24)
    with pytest.raises(ValueError, match=r"x must have shape .*32, 128.*got \(1, 64, 128, 4\)"):
        side_by_side(np.zeros((1, 64, 128, 4)), "deepcomposer")
    with pytest.raises(ValueError, match="steps_per_bar=16 does not divide n_steps=24"):
        side_by_side(np.zeros((1, 24, 128, 1)), "musegan")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: mg.harmonicity(bars(), beat_resolution=5),
            "beat_resolution must be a positive divisor of steps_per_bar=16; got 5 (int)",
        ),
        (
            lambda: mg.evaluate_v2(bars(), beat_resolution=True),
            "beat_resolution must be an int; got True (bool)",
        ),
        (
            lambda: mg.polyphonic_rate(bars(), threshold=-1),
            "threshold must be an int >= 0; got -1 (int)",
        ),
        (
            lambda: mg.qualified_note_rate(bars(), threshold=2.0),
            "threshold must be an int >= 0; got 2.0 (float)",
        ),
        (
            lambda: mg.evaluate_v2(bars(n_tracks=2), beat_resolution=4, pairs=[(0,)]),
            "pairs must be (track_a, track_b) pairs of track indices below n_tracks=2; got [(0,)]",
        ),
        (
            lambda: mg.evaluate_v2(bars(), beat_resolution=4, drum_filter="x" * 16),
            "drum_filter must be an array of real numbers; got 'xxxxxxxxxxxxxxxx'",
        ),
        (
            lambda: dc.empty_bar_rate([[0.0], [0.0, 1.0]]),
            "x must be an array of shape (n_samples, 32, 128, n_tracks), the lab's layout; "
            "got [[0.0], [0.0, 1.0]]",
        ),
        (
            lambda: side_by_side(lab(), "pypianoroll"),
            "tool must be one of ['deepcomposer', 'musegan']; got 'pypianoroll'",
        ),
        (
            lambda: side_by_side(np.zeros((1, 32, 84, 4)), "deepcomposer", lowest_pitch=24),
            "lowest_pitch must be 0 or None for tool='deepcomposer' (the lab's 128 MIDI "
            "pitches); got 24 (int)",
        ),
    ],
)
def test_bad_arguments_raise_one_error_type_with_the_uniform_message(call, message):
    with pytest.raises(me.InvalidParameterError) as raised:
        call()
    assert str(raised.value) == message


def test_drum_mask_bar_lengths_are_the_masks_musegan_has():
    assert mg.DRUM_MASK_BAR_LENGTHS == (16, 24, 32, 36, 48, 64, 72, 96)
    for steps in mg.DRUM_MASK_BAR_LENGTHS:
        x = bars(steps=steps)
        x[0, 0, 0, 36, 0] = 1.0  # one kick on the downbeat: weight 1 in every mask
        same(mg.drum_in_pattern_rate(x), [1.0])


# ---- documentation -------------------------------------------------------------------------

PUBLIC = [
    *(getattr(dc, name) for name in dc.__all__),
    *(getattr(mg, name) for name in mg.__all__ if callable(getattr(mg, name))),
    side_by_side,
]


@pytest.mark.parametrize("function", PUBLIC, ids=lambda f: f"{f.__module__}.{f.__name__}")
def test_every_compat_function_is_documented(function):
    doc = function.__doc__
    for section in ("Parameters", "Returns", ".. math::"):
        assert section in doc, section
    for parameter in inspect.signature(function).parameters:
        assert f"    {parameter} : " in doc or parameter == "conventions", parameter


def test_compat_docstring_examples_run():
    for module in (compat, dc, mg, sys.modules["musiceval.compat._side_by_side"]):
        results = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert results.failed == 0, module.__name__


def test_docs_page_lists_every_compat_function():
    page = (Path(__file__).resolve().parents[1] / "docs" / "compat.md").read_text()
    for function in PUBLIC:
        assert function.__name__ in page, function.__name__


def _page_rows(text):
    """``{(compat_metric, column): value}`` of the page's "| src `name` | ... |" table rows."""
    rows = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        label = cells[0].split()
        if len(label) >= 2 and label[0] in ("src", "v2") and label[1].startswith("`"):
            name = label[1].strip("`")
            name = name if label[0] == "src" else f"v2.{name}"
            rows.update({(name, column): value for column, value in enumerate(cells[1:])})
    return rows


def _check_page_rows(section, table, n_rows):
    """The section's src and v2 rows equal ``table``'s compat values, to the page's rounding."""
    per_track = table[table.track_b.isna()].set_index(["compat_metric", "track"])
    pairs = table[table.track_b.notna()].set_index("compat_metric")
    rows = _page_rows(section)
    assert len(rows) == n_rows
    for (name, column), text in rows.items():
        if name in ("harmonicity", "v2.tonal_distance"):
            value = pairs.loc[[name], "compat_value"].iloc[column]
        else:
            value = per_track.loc[(name, column), "compat_value"]
        decimals = len(text.partition(".")[2])
        same(round(value, decimals), math.nan if text == "NaN" else float(text))


def test_docs_musegan_worked_example_gives_the_page_numbers():
    # issue 10, item 16: the page showed src numbers MuseGAN never produces (15.81 cells per
    # bar, chroma metrics on 128 pitches); every src and v2 number it shows now comes from here
    pytest.importorskip("music21")
    page = (Path(__file__).resolve().parents[1] / "docs" / "compat.md").read_text()
    namespace = {}
    for block in re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL):
        if "load_chorales(n_bars=2)" in block or "x84" in block:
            exec(compile(block, "docs/compat.md", "exec"), namespace)
    crop = page[page.index("**MuseGAN.** Its code") : page.index("On the full 128 pitches")]
    _check_page_rows(crop, namespace["musegan_table"], 4 * 10 + 6 * 2)
    assert "| src `n_pitches_used` (cells per bar) | 15 | 15 | 15 | 15 |" in crop
    full = page[page.index("On the full 128 pitches") : page.index("## Notes")]
    table = side_by_side(namespace["x"], "musegan")
    _check_page_rows(full, table, 4 * 2 + 6)
    chroma = table.set_index("compat_metric").loc[["n_pitch_classes_used", "in_scale_rate"]]
    assert chroma.compat_value.isna().all()
