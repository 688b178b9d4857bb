"""Hand-computed cases with known answers, most of them guarding against a known peer bug.

Every expected value below is worked out by hand in a comment; none is read back from
musiceval. The peers are pypianoroll, MuseGAN, MusPy and the AWS DeepComposer lab.
"""

import math

import numpy as np
import pandas as pd
import pytest

import musiceval as me

NAN = float("nan")
C4, E4, G4, C5 = 60, 64, 67, 72
KICK, SNARE, HAT = 36, 38, 42  # General MIDI drums: pitch classes 0, 2, 6

PER_TRACK = list(me.registry.PER_TRACK)  # the default set
SCALAR = list(me.registry.SCALAR)


def tp(n_steps, notes, n_pitches=128):
    """A (n_steps, n_pitches) bool roll; notes are (pitch, start, length)."""
    roll = np.zeros((n_steps, n_pitches), dtype=bool)
    for pitch, start, length in notes:
        roll[start : start + length, pitch] = True
    return roll


def ntpk(*tracks):
    """Stack (n_steps, n_pitches) rolls as the tracks of one NTPK sample."""
    return np.stack(tracks, axis=-1)[None]


def bits(*q):
    """Shannon entropy in bits of the probabilities q."""
    return -sum(p * math.log2(p) for p in q)


def same(actual, expected):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), expected, rtol=1e-12, atol=1e-12, equal_nan=True
    )


# ---- empty_bar_rate ------------------------------------------------------------------------


def test_three_empty_bars_of_four_give_three_quarters():
    # Peer bug: pypianoroll's empty_beat_rate, MuseGAN and DeepComposer return the NON-empty rate
    # (0.25 here); MusPy counts one bar too many (4 empty of 5: 0.8).
    x = ntpk(tp(64, [(C4, 16, 4)]))  # one note in bar 2 of 4
    same(me.empty_bar_rate(x), [[0.75]])
    same(me.empty_bar_rate(x, steps_per_bar=8), [[7 / 8]])  # 8 bars, 1 active
    same(me.empty_bar_rate(x, steps_per_bar=64), [[0.0]])  # 1 bar, active
    same(me.empty_bar_rate(x.reshape(1, 4, 16, 128, 1), layout="NBSPK"), [[0.75]])


def test_a_note_held_across_a_bar_line_fills_both_bars():
    x = ntpk(tp(64, [(C4, 14, 4)]))  # steps 14..17: bars 0 and 1
    same(me.empty_bar_rate(x), [[0.5]])


# ---- pitch classes: the "chroma" of the peers ----------------------------------------------


def test_c_major_triad_is_three_pitch_classes_all_in_c_major():
    # Peer bug: MuseGAN/DeepComposer sum blocks of adjacent semitones as "chroma", so C-E-G is
    # not counted as three pitch classes.
    x = ntpk(tp(16, [(C4, 0, 16), (E4, 0, 16), (G4, 0, 16)]))
    same(me.n_pitch_classes_used(x), [[3]])
    same(me.n_pitches_used(x), [[3]])
    same(me.in_scale_ratio(x, key="C"), [[1.0]])
    same(me.in_scale_ratio(x, key="A", mode="minor"), [[1.0]])  # relative minor
    same(me.in_scale_ratio(x, key="C", mode="minor"), [[2 / 3]])  # E is not in C minor
    same(me.in_scale_ratio(x, key="F#"), [[0.0]])  # F# G# A# B C# D# E#(F): none of C E G
    same(me.pitch_class_entropy(x), [[math.log2(3)]])  # three equal classes
    same(me.pitch_entropy(x), [[math.log2(3)]])
    same(me.polyphonic_rate(x), [[1.0]])
    same(me.polyphonic_rate(x, min_pitches=3), [[1.0]])
    same(me.polyphonic_rate(x, min_pitches=4), [[0.0]])
    same(me.pitch_range(x), [[G4 - C4]])


def test_c4_and_c5_are_one_pitch_class():
    # Peer bug: pypianoroll bins pitch classes by p // 10 (60 -> 6, 72 -> 7: two "classes").
    x = ntpk(tp(16, [(C4, 0, 16), (C5, 0, 16)]))
    same(me.n_pitch_classes_used(x), [[1]])
    same(me.n_pitches_used(x), [[2]])
    same(me.pitch_range(x), [[12]])
    same(me.pitch_class_entropy(x), [[0.0]])
    same(me.pitch_entropy(x), [[1.0]])
    # and the other way round: C4 + A4 (60 // 10 == 69 // 10) are two pitch classes
    same(me.n_pitch_classes_used(ntpk(tp(16, [(60, 0, 4), (69, 4, 4)]))), [[2]])


def test_docstring_examples_hold():
    x = tp(16, [(C4, 0, 16), (C5, 0, 16)])
    assert me.n_pitch_classes_used(x, layout="TP") == 1.0
    y = tp(4, [(C4, 0, 4), (E4, 0, 4), (G4, 0, 4)])
    assert me.in_scale_ratio(y, layout="TP") == 1.0
    assert me.in_scale_ratio(y, key="F#", layout="TP") == 0.0


# ---- qualified notes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype", [bool, np.uint8, np.int64, np.float32, np.float64], ids=lambda d: np.dtype(d).name
)
def test_two_one_step_notes_are_not_qualified(dtype):
    # Peer bug: pypianoroll's qualified_note_rate crashes on bool rolls (np.diff on bool).
    x = tp(8, [(C4, 0, 1), (62, 4, 1)]).astype(dtype)
    assert me.qualified_note_rate(x, min_steps=2, layout="TP") == 0.0
    assert me.qualified_note_rate(x, min_steps=1, layout="TP") == 1.0
    assert me.n_notes(x, layout="TP") == 2.0


def test_qualified_note_rate_counts_notes_not_cells():
    # a 3-step note and two 1-step notes: 1 of 3 notes qualify with min_steps=2 (cells: 3/5)
    x = tp(16, [(C4, 0, 3), (C4, 5, 1), (E4, 8, 1)])
    assert me.qualified_note_rate(x, layout="TP") == pytest.approx(1 / 3)
    assert me.qualified_note_rate(x, min_steps=3, layout="TP") == pytest.approx(1 / 3)
    assert me.qualified_note_rate(x, min_steps=4, layout="TP") == 0.0
    assert me.n_notes(x, layout="TP") == 3.0


def test_notes_are_cut_at_the_edges_of_the_roll_only():
    # a note from step 0 to the end is one note; touching runs at one pitch are one note
    x = tp(32, [(C4, 0, 32), (E4, 3, 2), (E4, 5, 2)])
    assert me.n_notes(x, layout="TP") == 2.0
    assert me.qualified_note_rate(x, min_steps=4, layout="TP") == 1.0
    assert me.qualified_note_rate(x, min_steps=5, layout="TP") == 0.5


# ---- a drum-only roll ----------------------------------------------------------------------


def drum_roll(n_bars=2):
    """Kick on every beat, closed hat on every eighth, 4 steps per beat, 1-step hits."""
    notes = []
    for t in range(0, 16 * n_bars, 4):
        notes.append((KICK, t, 1))
    for t in range(0, 16 * n_bars, 2):
        notes.append((HAT, t, 1))
    return ntpk(tp(16 * n_bars, notes))


def test_drum_roll_every_metric():
    # Peer bug: MusPy's pitch_range gives -127 for drum-only music; here drums are just pitches.
    x = drum_roll(n_bars=2)  # per bar: 4 kicks + 8 hats = 12 hits, all 1 step long
    # grid=2 (eighths: steps 0, 2, 4, ...): every hit is on it
    same(me.drum_in_pattern_rate(x, grid=2), [[1.0]])
    # grid=1 (quarters: steps 0, 4, 8, 12): the 4 kicks and the 4 on-beat hats of 12 hits
    same(me.drum_in_pattern_rate(x, grid=1), [[8 / 12]])
    same(me.drum_in_pattern_rate(x, grid=4), [[1.0]])  # sixteenths: everything
    same(me.drum_in_pattern_rate(x, grid=1, per="bar"), [[8 / 12]])
    same(me.pitch_range(x), [[HAT - KICK]])  # 6
    same(me.n_pitches_used(x), [[2]])
    same(me.n_pitch_classes_used(x), [[2]])  # 36 % 12 = 0, 42 % 12 = 6
    same(me.n_notes(x), [[24]])
    same(me.n_notes(x, per="bar"), [[12]])
    same(me.qualified_note_rate(x), [[0.0]])
    same(me.qualified_note_rate(x, min_steps=1), [[1.0]])
    same(me.polyphonic_rate(x), [[8 / 32]])  # kick + hat together on the 8 beats of 32 steps
    same(me.polyphonic_rate(x, min_pitches=1), [[16 / 32]])  # something sounds on even steps
    same(me.empty_bar_rate(x), [[0.0]])
    same(me.groove_consistency(x), [[1.0]])
    # cells: 8 kick cells (C, in C major) and 16 hat cells (F#, not in C major)
    same(me.in_scale_ratio(x), [[8 / 24]])
    same(me.in_scale_ratio(x, weight="notes"), [[8 / 24]])  # all notes 1 step: same
    same(me.pitch_entropy(x), [[bits(1 / 3, 2 / 3)]])
    same(me.pitch_class_entropy(x), [[bits(1 / 3, 2 / 3)]])
    # the major keys holding both C (0) and F#/Gb (6): Db (1: Db Eb F Gb Ab Bb C) and
    # G (7: G A B C D E F#); the tie goes to the lowest pitch class
    same(me.scale_consistency(x), [[1.0]])
    same(me.best_key(x), [[1.0]])


def test_drum_pattern_with_off_grid_hits():
    # 4 kicks on beats, 2 snare hits on the "e" sixteenths (steps 5 and 13): 4 on the grid
    x = ntpk(tp(16, [(KICK, t, 1) for t in (0, 4, 8, 12)] + [(SNARE, 5, 1), (SNARE, 13, 1)]))
    same(me.drum_in_pattern_rate(x, grid=2), [[4 / 6]])
    same(me.drum_in_pattern_rate(x, grid=1), [[4 / 6]])
    same(me.drum_in_pattern_rate(x, grid=4), [[1.0]])
    # at 2 steps per beat, grid=2 accepts every step, grid=1 the even ones
    same(me.drum_in_pattern_rate(x, steps_per_beat=2, grid=2), [[1.0]])
    same(me.drum_in_pattern_rate(x, steps_per_beat=2, grid=1), [[4 / 6]])


# ---- groove consistency --------------------------------------------------------------------


def test_silent_bar_then_kick_bar_has_groove_zero():
    # Peer bug: MusPy's issue #73 divides the Hamming distance by the bar length: 1 - 1/16.
    x = ntpk(tp(32, [(KICK, 16, 1)]))
    same(me.groove_consistency(x), [[0.0]])


def test_identical_bars_have_groove_one():
    bar = [(KICK, 0, 1), (SNARE, 4, 2), (KICK, 10, 1), (SNARE, 12, 3)]
    notes = [(p, s + 16 * b, n) for b in range(4) for p, s, n in bar]
    same(me.groove_consistency(ntpk(tp(64, notes))), [[1.0]])


def test_groove_is_one_minus_mean_jaccard_distance():
    # bar 0: onsets {0, 4, 8, 12}; bar 1: {0, 8}  -> |A ^ B| / |A | B| = 2 / 4
    notes = [(KICK, t, 1) for t in (0, 4, 8, 12)] + [(KICK, t, 1) for t in (16, 24)]
    same(me.groove_consistency(ntpk(tp(32, notes))), [[0.5]])
    # silent, silent, A, A: (silent, silent) skipped, (silent, A) = 1, (A, A) = 0 -> 1 - 1/2
    a = [(KICK, t + 32, 1) for t in (0, 4, 8, 12)] + [(KICK, t + 48, 1) for t in (0, 4, 8, 12)]
    same(me.groove_consistency(ntpk(tp(64, a))), [[0.5]])
    # a note held over the bar line starts no note in the next bar: {0} vs {} -> distance 1
    same(me.groove_consistency(ntpk(tp(32, [(C4, 0, 32)]))), [[0.0]])
    # one bar, or no onset at all: NaN
    same(me.groove_consistency(ntpk(tp(16, [(KICK, 0, 1)]))), [[NAN]])
    same(me.groove_consistency(ntpk(tp(32, []))), [[NAN]])
    # onsets of different pitches at one position are one position
    b = [(KICK, 0, 1), (SNARE, 0, 1), (KICK, 16, 1)]
    same(me.groove_consistency(ntpk(tp(32, b))), [[1.0]])
    # steps_per_bar=8 over the first example: {0, 4} {0, 4} {0} {0} -> 0, 1/2, 0 -> 1 - 1/6
    same(me.groove_consistency(ntpk(tp(32, notes)), steps_per_bar=8), [[5 / 6]])


# ---- tonal distance ------------------------------------------------------------------------


def test_tonal_distance_of_identical_tracks_is_zero():
    triad = tp(16, [(C4, 0, 16), (E4, 0, 16), (G4, 0, 16)])
    same(me.tonal_distance(ntpk(triad, triad), 0, 1), [0.0])
    same(me.tonal_distance(ntpk(triad, triad), 1, 1), [0.0])
    # an octave apart is the same harmony
    high = tp(16, [(C5, 0, 16), (E4 + 12, 0, 16), (G4 + 12, 0, 16)])
    same(me.tonal_distance(ntpk(triad, high), 0, 1), [0.0])


def test_tonal_distance_c_major_vs_f_sharp_major_by_hand():
    # Harte (2006): phi(l) = (r1 sin(7 pi l/6), r1 cos(7 pi l/6), r2 sin(3 pi l/2),
    # r2 cos(3 pi l/2), r3 sin(2 pi l/3), r3 cos(2 pi l/3)), r = (1, 1, 0.5), chroma / L1.
    # C major {0, 4, 7}: fifths angles 0, 2pi/3, pi/6 -> sin sum (1 + sqrt3)/2, cos sum
    # (1 + sqrt3)/2; minor thirds 0, 0, pi/2 -> sin 1, cos 2; major thirds 0, 2pi/3, 2pi/3 ->
    # sin sqrt3, cos 0.  zeta_C = ((1+s)/6, (1+s)/6, 1/3, 2/3, s/6, 0) with s = sqrt3.
    # F# major {6, 10, 1} is C major + 6: fifths turn by 7 pi (negated), minor thirds by 9 pi
    # (negated), major thirds by 4 pi (unchanged): zeta_F# = (-(1+s)/6, -(1+s)/6, -1/3, -2/3,
    # s/6, 0).  Distance^2 = 2 (1+s)^2/9 + 4/9 + 16/9 = (28 + 4 s) / 9.
    expected = math.sqrt(28 + 4 * math.sqrt(3)) / 3  # 1.9701...
    c_major = tp(8, [(C4, 0, 8), (E4, 0, 8), (G4, 0, 8)])
    f_sharp_major = tp(8, [(66, 0, 8), (70, 0, 8), (73, 0, 8)])  # F#4 A#4 C#5
    x = ntpk(c_major, f_sharp_major)
    same(me.tonal_distance(x, 0, 1), [expected])
    same(me.tonal_distance(x, 1, 0), [expected])
    same(me.tonal_distance(np.stack([c_major, f_sharp_major]), 0, 1, layout="KTP"), expected)
    # a beat where only one track sounds is left out of the mean
    c_longer = tp(16, [(C4, 0, 16), (E4, 0, 16), (G4, 0, 16)])
    f_then_rest = tp(16, [(66, 0, 8), (70, 0, 8), (73, 0, 8)])
    same(me.tonal_distance(ntpk(c_longer, f_then_rest), 0, 1), [expected])
    # beats 0-1 C vs F# (distance d), beats 2-3 C vs C (0): mean d / 2
    f_then_c = tp(16, [(66, 0, 8), (70, 0, 8), (73, 0, 8), (C4, 8, 8), (E4, 8, 8), (G4, 8, 8)])
    same(me.tonal_distance(ntpk(c_longer, f_then_c), 0, 1), [expected / 2])
    # radii scale each circle: with (2, 2, 1) the distance doubles
    same(me.tonal_distance(x, 0, 1, radii=(2.0, 2.0, 1.0)), [2 * expected])


def test_tonal_distance_weights_the_chroma_by_duration_within_a_beat():
    # beat of 4 steps: track a holds C all 4 steps; track b C for 3 steps then G for 1: chroma
    # (3/4 C, 1/4 G); only the C->G difference (l = 0 vs 7) matters: zeta_b - zeta_a =
    # (phi(7) - phi(0)) / 4
    a = tp(4, [(C4, 0, 4)])
    b = tp(4, [(C4, 0, 3), (G4, 3, 1)])
    diff = [
        math.sin(49 * math.pi / 6) - 0,
        math.cos(49 * math.pi / 6) - 1,
        math.sin(21 * math.pi / 2) - 0,
        math.cos(21 * math.pi / 2) - 1,
        0.5 * (math.sin(14 * math.pi / 3) - 0),
        0.5 * (math.cos(14 * math.pi / 3) - 1),
    ]
    expected = math.sqrt(sum(d * d for d in diff)) / 4
    same(me.tonal_distance(ntpk(a, b), 0, 1), [expected])


def test_tonal_distance_without_a_shared_beat_is_nan():
    a = tp(8, [(C4, 0, 4)])
    b = tp(8, [(E4, 4, 4)])
    same(me.tonal_distance(ntpk(a, b), 0, 1), [NAN])


# ---- cropped rolls -------------------------------------------------------------------------


def test_cropped_roll_with_lowest_pitch_24_matches_the_full_roll():
    # The DeepComposer crop (MIDI 24..107) must give the pitch classes of the full roll; 24 is
    # a C, so a crop from 21 (A0, the piano's range) also checks that the origin is really used.
    full = ntpk(tp(32, [(C4, 0, 8), (E4, 8, 8), (G4, 16, 8), (70, 24, 8)]))
    for lowest in (24, 21):
        crop = full[:, :, lowest : lowest + 84]
        for name in ("n_pitch_classes_used", "in_scale_ratio", "pitch_class_entropy", "best_key"):
            fn = getattr(me, name)
            same(fn(crop, lowest_pitch=lowest), fn(full))
    same(me.n_pitch_classes_used(full), [[4]])
    same(me.in_scale_ratio(full), [[24 / 32]])  # A#/Bb is out of C major
    same(me.in_scale_ratio(full[:, :, 24:108], lowest_pitch=24, key="F"), [[1.0]])  # F major
    same(me.best_key(full), [[5.0]])  # F major holds C E G Bb; C major and others do not
    # read with the wrong origin (index 0 = MIDI 0 assumed for a crop from 21): pitch classes
    # shift by 21 % 12 = 9 -- which is why lowest_pitch is required for 84 pitches
    with pytest.raises(ValueError, match="lowest_pitch"):
        me.n_pitch_classes_used(full[:, :, 21:105])


def test_tonal_distance_on_a_crop():
    c_major = tp(8, [(C4, 0, 8), (E4, 0, 8), (G4, 0, 8)])
    f_sharp = tp(8, [(66, 0, 8), (70, 0, 8), (73, 0, 8)])
    full = ntpk(c_major, f_sharp)
    same(
        me.tonal_distance(full[:, :, 21:105], 0, 1, lowest_pitch=21),
        me.tonal_distance(full, 0, 1),
    )


# ---- NaN and 0 rules -----------------------------------------------------------------------

# value on a silent 2-bar roll, and on a roll with no step at all
SILENT = {
    "empty_bar_rate": (1.0, NAN),
    "n_pitches_used": (0.0, 0.0),
    "n_pitch_classes_used": (0.0, 0.0),
    "in_scale_ratio": (NAN, NAN),
    "scale_consistency": (NAN, NAN),
    "best_key": (NAN, NAN),
    "polyphonic_rate": (0.0, NAN),  # silent steps count in the denominator
    "qualified_note_rate": (NAN, NAN),
    "pitch_range": (NAN, NAN),
    "n_notes": (0.0, 0.0),
    "pitch_entropy": (NAN, NAN),
    "pitch_class_entropy": (NAN, NAN),
    "drum_in_pattern_rate": (NAN, NAN),
    "groove_consistency": (NAN, NAN),
    "polyphony": (NAN, NAN),  # no sounding step to average over
    "lowest_active_pitch": (NAN, NAN),
    "highest_active_pitch": (NAN, NAN),
    "ioi_mean": (NAN, NAN),  # no interval between onset steps
    "ioi_std": (NAN, NAN),
    "pitch_shift": (NAN, NAN),
}


def test_silent_table_covers_every_per_track_metric():
    assert sorted(SILENT) == sorted(SCALAR)


@pytest.mark.parametrize("name", sorted(SILENT))
@pytest.mark.parametrize("n_steps", [32, 0])
def test_silent_and_stepless_rolls(name, n_steps):
    expected = SILENT[name][0 if n_steps else 1]
    x = np.zeros((2, n_steps, 128, 3), dtype=bool)
    same(getattr(me, name)(x), np.full((2, 3), expected))
    # per="bar" (where offered): no non-empty bar -> NaN, counts included
    if me.METRICS[name].per_bar:
        same(getattr(me, name)(x, per="bar"), np.full((2, 3), NAN))


@pytest.mark.parametrize("n_steps", [32, 0])
def test_silent_and_stepless_tonal_distance(n_steps):
    x = np.zeros((2, n_steps, 128, 2), dtype=bool)
    same(me.tonal_distance(x, 0, 1), [NAN, NAN])


def test_one_silent_track_beside_a_sounding_one():
    x = ntpk(tp(16, [(C4, 0, 4)]), tp(16, []))
    same(me.n_notes(x), [[1, 0]])
    same(me.pitch_range(x), [[0, NAN]])  # 0 for a single pitch
    same(me.pitch_entropy(x), [[0, NAN]])
    same(me.in_scale_ratio(x), [[1, NAN]])
    same(me.polyphonic_rate(x, min_pitches=1), [[4 / 16, 0]])


# ---- per="bar" -----------------------------------------------------------------------------


def test_per_bar_pitch_classes_average_the_non_empty_bars():
    # MuseGAN's "UPC": bar 0 C-E-G (3), bar 1 empty, bar 2 C4 + C5 (1), bar 3 D (1)
    notes = [(C4, 0, 4), (E4, 4, 4), (G4, 8, 4), (C4, 32, 16), (C5, 32, 16), (62, 48, 2)]
    x = ntpk(tp(64, notes))
    same(me.n_pitch_classes_used(x, per="bar"), [[5 / 3]])
    same(me.n_pitch_classes_used(x), [[4]])  # C, D, E, G over the sample
    same(me.n_pitches_used(x, per="bar"), [[(3 + 2 + 1) / 3]])
    same(me.n_notes(x, per="bar"), [[(3 + 2 + 1) / 3]])
    same(me.pitch_range(x, per="bar"), [[(7 + 12 + 0) / 3]])
    same(me.polyphonic_rate(x, per="bar"), [[(0 + 1 + 0) / 3]])
    # an NBSPK input uses its own bars
    bars = x.reshape(1, 4, 16, 128, 1)
    same(me.n_pitch_classes_used(bars, layout="NBSPK", per="bar"), [[5 / 3]])
    # with 32-step bars: bar 0 (C E G), bar 1 (C, C5, D): (3 + 2) / 2. The single functions
    # take no steps_per_bar with per="bar": other bar lengths come through NBSPK or evaluate.
    long_bars = x.reshape(1, 2, 32, 128, 1)
    same(me.n_pitch_classes_used(long_bars, layout="NBSPK", per="bar"), [[5 / 2]])
    table = me.evaluate(x, ["n_pitch_classes_used"], per="bar", steps_per_bar=32)
    same(table.value, [5 / 2])


def test_pitches_used_counts_pitches_not_cells():
    # Peer bug: MuseGAN's code counts active cells per bar under this name (its issue #141):
    # a C held over a 16-step bar would be 16 "pitches used".
    x = ntpk(tp(32, [(C4, 0, 16), (C4, 16, 4), (E4, 16, 4)]))
    same(me.n_pitches_used(x), [[2]])
    same(me.n_pitches_used(x, per="bar"), [[(1 + 2) / 2]])


def test_per_bar_cuts_notes_at_bar_lines():
    x = ntpk(tp(32, [(C4, 12, 8)]))  # steps 12..19: 4 steps in bar 0, 4 in bar 1
    same(me.qualified_note_rate(x, min_steps=8), [[1.0]])
    same(me.qualified_note_rate(x, min_steps=8, per="bar"), [[0.0]])
    same(me.qualified_note_rate(x, min_steps=4, per="bar"), [[1.0]])
    same(me.n_notes(x), [[1]])
    same(me.n_notes(x, per="bar"), [[1]])  # one note in each bar
    # drum pattern: 12 % 4 == 0, on the quarter grid; per bar, the piece cut at the bar line
    # starts at step 0 of bar 1, also on it
    same(me.drum_in_pattern_rate(x, grid=1), [[1.0]])
    same(me.drum_in_pattern_rate(x, grid=1, per="bar"), [[1.0]])
    y = ntpk(tp(32, [(C4, 13, 8)]))  # steps 13..20: starts off the quarter grid
    same(me.drum_in_pattern_rate(y, grid=1), [[0.0]])
    same(me.drum_in_pattern_rate(y, grid=1, per="bar"), [[0.5]])  # bar 1's piece starts on 0


def test_per_bar_leaves_whole_sample_metrics_alone_in_evaluate():
    notes = [(KICK, 16, 1)]
    x = ntpk(tp(32, notes))
    table = me.evaluate(x, per="bar").set_index("metric").value
    same(table["empty_bar_rate"], 0.5)
    same(table["groove_consistency"], 0.0)
    same(table["best_key"], 0.0)  # C: the lowest of the keys holding C
    same(table["n_notes"], 1.0)  # mean over the one non-empty bar


# ---- weights, keys and modes ---------------------------------------------------------------


def test_in_scale_ratio_cells_and_notes_differ():
    # MusPy's histograms count notes, MuseGAN's cells: both are offered, and they differ here
    # a long C (12 steps) and two short C# notes (1 step each), C major
    x = ntpk(tp(16, [(C4, 0, 12), (61, 12, 1), (61, 14, 1)]))
    same(me.in_scale_ratio(x, weight="cells"), [[12 / 14]])
    same(me.in_scale_ratio(x, weight="notes"), [[1 / 3]])
    same(me.scale_consistency(x, weight="cells"), [[1.0]])  # Db major holds C and C#
    same(me.pitch_class_entropy(x, weight="notes"), [[bits(1 / 3, 2 / 3)]])
    same(me.pitch_class_entropy(x, weight="cells"), [[bits(6 / 7, 1 / 7)]])
    same(me.pitch_entropy(x, weight="notes"), [[bits(1 / 3, 2 / 3)]])


def test_best_key_follows_the_weight():
    # C# (61) held 10 steps (1 note), C (60) held 4 steps (1 note), D (62) three 1-step notes.
    # No major scale holds three adjacent semitones. Major keys holding C and C#: Db (1), Ab (8);
    # holding C# and D: D (2), A (9); holding C and D: C (0), Eb (3), F (5), G (7), Bb (10).
    x = ntpk(tp(32, [(61, 0, 10), (60, 10, 4), (62, 16, 1), (62, 18, 1), (62, 20, 1)]))
    # cells: C# 10, C 4, D 3 -> {C, C#} keys 14/17 beat {C#, D} 13/17 and {C, D} 7/17
    same(me.best_key(x, weight="cells"), [[1.0]])
    same(me.scale_consistency(x, weight="cells"), [[14 / 17]])
    # notes: C# 1, C 1, D 3 -> {C#, D} and {C, D} keys tie at 4/5; lowest: C (0)
    same(me.best_key(x, weight="notes"), [[0.0]])
    same(me.scale_consistency(x, weight="notes"), [[4 / 5]])
    same(me.in_scale_ratio(x, key="D", weight="notes"), [[4 / 5]])
    same(me.in_scale_ratio(x, key="Ab", weight="notes"), [[2 / 5]])


@pytest.mark.parametrize(
    "key, expected",
    [
        ("F#", 1.0),  # F# A# C# all in F# major
        ("Gb", 1.0),  # the same key, spelled with a flat
        (6, 1.0),
        ("f#", 1.0),
        ("Bb", 1 / 3),  # Bb major: Bb C D Eb F G A -> only A# (= Bb)
        (10, 1 / 3),
        ("C", 0.0),
        ("Db", 1.0),  # Db Eb F Gb Ab Bb C holds C# (Db), F# (Gb) and A# (Bb)
        ("Cb", 1.0),  # Cb = B (11): B C# D# E F# G# A# holds all three
        ("E", 2 / 3),  # E F# G# A B C# D#: F# and C#, not A#
    ],
)
def test_key_names(key, expected):
    # F#4 (66), A#4 (70), C#5 (73): pitch classes 6, 10, 1
    x = ntpk(tp(4, [(66, 0, 4), (70, 0, 4), (73, 0, 4)]))
    same(me.in_scale_ratio(x, key=key), [[expected]])


@pytest.mark.parametrize(
    "mode, scale",
    [
        ("major", [0, 2, 4, 5, 7, 9, 11]),
        ("ionian", [0, 2, 4, 5, 7, 9, 11]),
        ("dorian", [0, 2, 3, 5, 7, 9, 10]),
        ("phrygian", [0, 1, 3, 5, 7, 8, 10]),
        ("lydian", [0, 2, 4, 6, 7, 9, 11]),
        ("mixolydian", [0, 2, 4, 5, 7, 9, 10]),
        ("minor", [0, 2, 3, 5, 7, 8, 10]),
        ("natural_minor", [0, 2, 3, 5, 7, 8, 10]),
        ("aeolian", [0, 2, 3, 5, 7, 8, 10]),
        ("locrian", [0, 1, 3, 5, 6, 8, 10]),
        ("harmonic_minor", [0, 2, 3, 5, 7, 8, 11]),
        ("melodic_minor", [0, 2, 3, 5, 7, 9, 11]),
    ],
)
def test_every_mode_holds_exactly_its_scale(mode, scale):
    # one 1-step note per pitch class above D (tonic 2): a pitch class is in the scale iff its
    # note counts; the chromatic roll gives 7/12 in every 7-note mode
    chromatic = ntpk(tp(12, [(62 + i, i, 1) for i in range(12)]))
    same(me.in_scale_ratio(chromatic, key="D", mode=mode), [[7 / 12]])
    for step in range(12):
        x = ntpk(tp(4, [(62 + step, 0, 4)]))
        same(me.in_scale_ratio(x, key="D", mode=mode), [[1.0 if step in scale else 0.0]])


# ---- input forms ---------------------------------------------------------------------------


def test_threshold_and_dtypes_on_a_hand_case():
    probabilities = np.full((16, 128), 0.2, dtype=np.float32)
    probabilities[0:4, C4] = 0.9
    probabilities[4:8, E4] = 0.5  # not > 0.5: off
    assert me.n_notes(probabilities, layout="TP", threshold=0.5) == 1.0
    assert me.n_notes(probabilities, layout="TP") == 128.0  # 0.2 > 0: every pitch is one note
    tanh = np.where(probabilities > 0.5, 0.7, -0.3).astype(np.float32)
    assert me.n_notes(tanh, layout="TP") == 1.0
    velocities = (probabilities > 0.5).astype(np.uint8) * 100
    assert me.qualified_note_rate(velocities, layout="TP", min_steps=4) == 1.0


# ---- evaluate ------------------------------------------------------------------------------


def evaluate_case():
    a = tp(32, [(C4, 0, 8), (E4, 0, 8), (G4, 8, 8)])
    b = tp(32, [(66, 0, 4), (KICK, 16, 1)])
    c = tp(32, [])
    sample0 = ntpk(a, b, c)
    sample1 = ntpk(b, c, a)
    return np.concatenate([sample0, sample1])


def test_evaluate_frame_layout_and_values():
    x = evaluate_case()
    table = me.evaluate(x)
    assert list(table.columns) == ["sample", "track", "metric", "value"]
    assert table["sample"].dtype == np.int64
    assert table["track"].dtype == np.int64
    assert table["value"].dtype == np.float64
    # metric: categorical, its categories the metric names in the order requested
    assert isinstance(table["metric"].dtype, pd.CategoricalDtype)
    assert list(table["metric"].cat.categories) == PER_TRACK
    assert len(table) == len(PER_TRACK) * 2 * 3
    # grouped by metric in registry order, then sample-major, then track
    assert list(dict.fromkeys(table["metric"])) == PER_TRACK
    for name in PER_TRACK:
        rows = table[table["metric"] == name]
        assert list(rows["sample"]) == [0, 0, 0, 1, 1, 1]
        assert list(rows["track"]) == [0, 1, 2, 0, 1, 2]
        same(rows["value"].to_numpy().reshape(2, 3), getattr(me, name)(x))
    assert table.index.tolist() == list(range(len(table)))


def test_evaluate_with_options_order_and_values():
    x = evaluate_case()
    names = ["qualified_note_rate", "n_pitch_classes_used", "in_scale_ratio"]
    options = {"min_steps": 4, "key": "G", "mode": "dorian", "weight": "notes", "per": "bar"}
    table = me.evaluate(x, names, **options)
    assert list(dict.fromkeys(table["metric"])) == names
    assert list(table["metric"].cat.categories) == names
    same(
        table[table.metric == "qualified_note_rate"].value.to_numpy().reshape(2, 3),
        me.qualified_note_rate(x, min_steps=4, per="bar"),
    )
    same(
        table[table.metric == "n_pitch_classes_used"].value.to_numpy().reshape(2, 3),
        me.n_pitch_classes_used(x, per="bar"),
    )
    same(
        table[table.metric == "in_scale_ratio"].value.to_numpy().reshape(2, 3),
        me.in_scale_ratio(x, key="G", mode="dorian", weight="notes", per="bar"),
    )


def test_evaluate_tonal_distance_rows():
    x = evaluate_case()
    table = me.evaluate(x, ["n_notes", "tonal_distance"])
    assert list(table.columns) == ["sample", "track", "metric", "value", "track_b"]
    assert str(table["track_b"].dtype) == "Int64"
    assert table["track"].dtype == np.int64
    per_track = table[table.metric == "n_notes"]
    assert per_track["track_b"].isna().all()
    pairs = table[table.metric == "tonal_distance"]
    assert len(pairs) == 2 * 3  # pairs (0, 1), (0, 2), (1, 2) of 3 tracks, 2 samples
    assert list(pairs["sample"]) == [0, 0, 0, 1, 1, 1]
    assert list(pairs["track"]) == [0, 0, 1, 0, 0, 1]
    assert list(pairs["track_b"]) == [1, 2, 2, 1, 2, 2]
    for _, row in pairs.iterrows():
        expected = me.tonal_distance(x, int(row.track), int(row.track_b))[row["sample"]]
        same(row.value, expected)
    # sample 0: tracks a (C E G) and b (F# for one beat) share beat 0: C+E vs F#
    assert not math.isnan(pairs.value.iloc[0])
    assert math.isnan(pairs.value.iloc[1])  # track c is silent


def test_evaluate_on_other_layouts():
    x = evaluate_case()
    table = me.evaluate(x[0].transpose(2, 0, 1), ["n_notes"], layout="KTP")
    assert list(table["sample"]) == [0, 0, 0]
    same(table.value.to_numpy(), me.n_notes(x)[0])
    table = me.evaluate(x[0, :, :, 0], ["n_notes", "pitch_range"], layout="TP")
    assert len(table) == 2
    same(table.value.to_numpy(), [3.0, 7.0])
