"""Inter-onset intervals (ioi_mean, ioi_std, ioi_histogram), pitch_shift and the note-length
transition matrix.

Hand-computed cases first, then the registry, errors, properties (hypothesis), the naive
reference (``tests/_naive.py``), torch, and MusPy's note lists (where mgeval's definitions and
ours agree).
"""

from __future__ import annotations

import itertools
import warnings

import _naive as naive
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import musiceval as me
from musiceval.registry import METRICS, PER_TRACK, SCALAR, VECTOR

pytestmark = pytest.mark.usefixtures("one_numba_thread")  # tiny rolls: see conftest.py

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAN = float("nan")
SCALARS = ("ioi_mean", "ioi_std", "pitch_shift")
VECTORS = ("ioi_histogram", "note_length_transition_matrix")
NAMES = (*SCALARS, *VECTORS)
C4, D4, E4, G4, C5 = 60, 62, 64, 67, 72


def same(actual, expected, what=""):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float),
        np.asarray(expected, dtype=float),
        rtol=1e-9,
        atol=1e-12,
        equal_nan=True,
        err_msg=what,
    )


def histogram(counts: dict[int, int]) -> np.ndarray:
    """32 IOI bins from {IOI in steps: count}."""
    out = np.zeros(32)
    for gap, count in counts.items():
        out[min(gap, 32) - 1] += count
    return out


def rhythm() -> np.ndarray:
    """Onset steps 0 (C4), 4 (E4 + G4, a chord), 10 (D4) and 12 (C5); a bass C2 held 0-16."""
    x = np.zeros((16, 128), bool)
    x[0:4, C4] = True
    x[4:6, [E4, G4]] = True
    x[10:12, D4] = True
    x[12:16, C5] = True
    x[0:16, 36] = True  # held: its only onset is step 0
    return x


# ---- hand-computed cases --------------------------------------------------------------------


def test_iois_by_hand():
    x = rhythm()
    # onset steps 0, 4, 10, 12 -> IOIs 4, 6, 2 (the chord and the held bass add none)
    assert me.ioi_mean(x, layout="TP") == 4.0  # (4 + 6 + 2) / 3 = (12 - 0) / 3
    # population std: deviations 0, 2, -2 -> sqrt(8 / 3)
    assert me.ioi_std(x, layout="TP") == pytest.approx(np.sqrt(8 / 3), rel=1e-12)
    same(me.ioi_histogram(x, normalize=None, layout="TP"), histogram({4: 1, 6: 1, 2: 1}))
    same(me.ioi_histogram(x, layout="TP"), histogram({4: 1, 6: 1, 2: 1}) / 3)


def test_one_ioi_has_zero_spread_and_one_onset_is_undefined():
    x = np.zeros((16, 128), bool)
    x[0:2, C4] = x[9:10, E4] = True  # onsets 0 and 9: one IOI of 9
    assert (me.ioi_mean(x, layout="TP"), me.ioi_std(x, layout="TP")) == (9.0, 0.0)
    assert me.pitch_shift(x, layout="TP") == 4.0
    x[9] = False  # one onset step left
    for name in SCALARS:
        assert np.isnan(getattr(me, name)(x, layout="TP")), name
    same(me.ioi_histogram(x, layout="TP"), np.full(32, NAN))
    same(me.ioi_histogram(x, normalize=None, layout="TP"), np.zeros(32))


def test_a_pitch_held_without_a_gap_is_one_onset():
    x = np.zeros((16, 128), bool)
    x[0:16, C4] = True  # "four quarter notes" on one pitch, tied in a binary roll
    assert np.isnan(me.ioi_mean(x, layout="TP"))
    x[4, C4] = x[8, C4] = False  # gaps make the repetitions audible: onsets 0, 5, 9
    assert me.ioi_mean(x, layout="TP") == 4.5  # IOIs 5 and 4
    assert me.pitch_shift(x, layout="TP") == 0.0


def test_long_intervals_share_the_last_bin():
    x = np.zeros((96, 128), bool)
    x[0, C4] = x[32, C4] = x[72, C4] = x[95, C4] = True  # IOIs 32, 40, 23
    same(me.ioi_histogram(x, normalize=None, layout="TP"), histogram({32: 2, 23: 1}))
    assert me.ioi_mean(x, layout="TP") == 95 / 3  # the mean keeps the exact IOIs


def test_pitch_shift_by_hand():
    x = np.zeros((12, 128), bool)
    x[0:4, C4] = x[4:8, G4] = x[8:12, E4] = True  # C4 G4 E4: |+7|, |-3|
    assert me.pitch_shift(x, layout="TP") == 5.0
    # rhythm(): onset means 48 (C4 + C2 at step 0), 65.5 (E4 G4), 62 (D4), 72 (C5)
    # -> |17.5|, |-3.5|, |10| -> 31 / 3
    assert me.pitch_shift(rhythm(), layout="TP") == pytest.approx(31 / 3, rel=1e-12)
    # the same music as an 84-pitch crop from MIDI 24: intervals do not depend on lowest_pitch
    crop = rhythm()[:, 24:108]
    assert me.pitch_shift(crop, lowest_pitch=24, layout="TP") == pytest.approx(31 / 3)


def test_note_length_transitions_by_hand():
    x = rhythm()
    # onset steps 0 {C4: 4 steps -> bin 2, C2: 16 -> bin 4}, 4 {E4, G4: 2 -> bin 1},
    # 10 {D4: 2 -> bin 1}, 12 {C5: 4 -> bin 2}: pairs 2->1, 4->1, 1->1, 1->2
    counts = np.zeros((6, 6))
    counts[2, 1] = counts[4, 1] = counts[1, 1] = counts[1, 2] = 1
    same(me.note_length_transition_matrix(x, normalize=None, layout="TP"), counts)
    same(me.note_length_transition_matrix(x, layout="TP"), counts / 4)
    rows = np.full((6, 6), NAN)  # "row": P(next bin | bin), NaN for bins that lead nowhere
    rows[1], rows[2], rows[4] = [0, 0.5, 0.5, 0, 0, 0], counts[2], counts[4]
    same(me.note_length_transition_matrix(x, normalize="row", layout="TP"), rows)
    # the bins: 1 | 2-3 | 4-7 | 8-15 | 16-31 | 32 and more
    y = np.zeros((160, 128), bool)
    lengths = [1, 2, 3, 4, 7, 8, 15, 16, 31, 32]
    start = 0
    for length in lengths:
        y[start : start + length, C4] = True
        start += length + 1  # a silent step between notes
    expected = np.zeros((6, 6))
    bins = [0, 1, 1, 2, 2, 3, 3, 4, 4, 5]
    for a, b in itertools.pairwise(bins):
        expected[a, b] += 1
    same(me.note_length_transition_matrix(y[:start], normalize=None, layout="TP"), expected)


def test_per_bar_counts_only_the_intervals_inside_each_bar():
    x = rhythm()
    # bars of 8: bar 1 onsets 0, 4 -> IOI 4 (pitch means 48, 65.5: shift 17.5); bar 2: the bass
    # restarts at its first step 8 (mean 36), then 10 (D4), 12 (C5) -> IOIs 2, 2, shifts 26, 10
    values = me.compute(x, list(NAMES), layout="TP", per="bar", steps_per_bar=8)
    assert values["ioi_mean"] == (4.0 + 2.0) / 2
    assert values["ioi_std"] == 0.0
    assert values["pitch_shift"] == (17.5 + (26 + 10) / 2) / 2
    same(values["ioi_histogram"], (histogram({4: 1}) + histogram({2: 2}) / 2) / 2)
    # a bar with one onset step has no IOI: it is left out of the mean, not counted as 0
    y = np.zeros((16, 128), bool)
    y[0:2, C4] = y[2:4, E4] = y[8:16, G4] = True
    assert me.ioi_mean(y, per="bar", steps_per_bar=8, layout="TP") == 2.0


def test_batched_tracks_are_independent_and_silence_is_nan():
    x = np.zeros((2, 16, 128, 3), bool)
    x[0, :, :, 1] = rhythm()
    x[1, [0, 3], C4, 0] = True  # one IOI of 3
    values = me.compute(x, list(NAMES))
    expected_mean = np.array([[NAN, 4.0, NAN], [3.0, NAN, NAN]])
    same(values["ioi_mean"], expected_mean)
    same(values["ioi_std"], np.where(np.isnan(expected_mean), NAN, [[0, np.sqrt(8 / 3), 0]] * 2))
    same(values["pitch_shift"], [[NAN, 31 / 3, NAN], [0.0, NAN, NAN]])
    assert values["ioi_histogram"].shape == (2, 3, 32)
    same(values["ioi_histogram"][1, 0], histogram({3: 1}))
    assert np.isnan(values["ioi_histogram"][0, 0]).all()


def test_silent_rolls_warn_nothing():
    x = np.zeros((2, 16, 128, 1), bool)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for per in ("sample", "bar"):
            values = me.compute(x, list(NAMES), per=per)
            for name in NAMES:
                assert np.isnan(values[name]).all(), name


# ---- registry, errors ----------------------------------------------------------------------


def test_registry_entries():
    assert set(SCALARS) <= set(SCALAR) and "ioi_histogram" in VECTOR
    assert not set(NAMES) & set(PER_TRACK)  # the default sets stay those of 0.1.0
    assert METRICS["ioi_histogram"].shape == METRICS["note_length_histogram"].shape == (32,)
    assert all(METRICS[name].per_bar for name in NAMES)
    domains = {name: METRICS[name].domain for name in NAMES}
    assert domains == {"ioi_mean": "any", "ioi_std": "any", "ioi_histogram": "any",
                       "pitch_shift": "pitched",
                       "note_length_transition_matrix": "any"}  # fmt: skip
    assert METRICS["note_length_transition_matrix"].shape == (6, 6)
    assert all(METRICS[name].options == ("normalize",) for name in VECTORS)
    x = np.zeros((1, 16, 128, 1), bool)
    table = me.evaluate(x, ["ioi_mean", "ioi_histogram"])
    assert len(table) == 1 + 32 and table["bin"].isna().sum() == 1


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"per": "beat"}, r"per must be one of \['sample', 'bar'\]; got 'beat'"),
        ({"per": "bar", "steps_per_bar": 5}, "steps_per_bar"),
        ({"steps_per_bar": 0}, "steps_per_bar must be"),
        ({"layout": "PT"}, "layout must be"),
        ({"lowest_pitch": -1}, "lowest_pitch must be"),
    ],
)
def test_bad_options_raise_invalid_parameter(name, options, message):
    x = np.zeros((1, 16, 128, 1), bool)
    with pytest.raises(me.InvalidParameterError, match=message):
        getattr(me, name)(x, **options)


@pytest.mark.parametrize("name", VECTORS)
@pytest.mark.parametrize("bad", ["sum", 1, True, [None]])
def test_bad_normalize_of_the_vectors(name, bad):
    x = np.zeros((1, 16, 128, 1), bool)
    with pytest.raises(me.InvalidParameterError, match=r"normalize must be one of"):
        getattr(me, name)(x, normalize=bad)


def test_scalars_take_no_normalize():
    x = np.zeros((1, 16, 128, 1), bool)
    with pytest.raises(TypeError):
        me.ioi_mean(x, normalize=None)  # type: ignore[call-arg]


# ---- properties ----------------------------------------------------------------------------


@st.composite
def rolls(draw, max_tracks=2, pitch_lo=24, pitch_hi=100, chords=True):
    """Random notes in 2 bars of 8 steps; some tracks silent; chords unless ``chords=False``
    (then one voice: a note ends before the next starts)."""
    n = draw(st.integers(1, 3))
    n_tracks = draw(st.integers(1, max_tracks))
    x = np.zeros((n, 16, 128, n_tracks), bool)
    for s in range(n):
        for k in range(n_tracks):
            t = 0
            for _ in range(draw(st.integers(0, 6))):
                start = draw(st.integers(0, 15)) if chords else t + draw(st.integers(0, 3))
                length = draw(st.integers(1, 6))
                if start < 16:
                    x[s, start : start + length, draw(st.integers(pitch_lo, pitch_hi)), k] = True
                t = start + length + 1  # one silent step keeps repeated pitches apart
    return x


PER = st.sampled_from(["sample", "bar"])
NORMALIZE = st.sampled_from(["total", "row", None])


@FAST
@given(rolls(), PER, NORMALIZE)
def test_agrees_with_the_naive_reference(x, per, normalize):
    values = me.compute(x, list(NAMES), per=per, steps_per_bar=8, normalize=normalize)
    for name in NAMES:
        expected = np.empty(values[name].shape)
        for s in range(x.shape[0]):
            for k in range(x.shape[3]):
                roll = x[s, :, :, k]
                value = naive.metric(name, roll, per=per, steps_per_bar=8, normalize=normalize)
                expected[s, k] = value
        same(values[name], expected, f"{name} per={per}")


@FAST
@given(rolls())
def test_stretching_time_by_two_doubles_every_interval(x):
    slow = np.repeat(x, 2, axis=1)  # every onset step t moves to 2t: every IOI doubles
    before = me.compute(x, list(NAMES), normalize=None)
    after = me.compute(slow, list(NAMES), normalize=None)
    same(after["ioi_mean"], 2 * before["ioi_mean"])
    same(after["ioi_std"], 2 * before["ioi_std"])
    same(after["pitch_shift"], before["pitch_shift"])  # the same onsets in the same order
    moved = np.zeros_like(before["ioi_histogram"])
    for gap in range(1, 33):  # an IOI of d steps moves to bin 2d - 1 (32 and more: the last)
        moved[..., min(2 * gap, 32) - 1] += before["ioi_histogram"][..., gap - 1]
    same(after["ioi_histogram"], moved)
    # note lengths double: octave bin b moves to b + 1, and bins 4 and 5 end in bin 5
    matrix = before["note_length_transition_matrix"]
    shifted = np.zeros_like(matrix)
    for a in range(6):
        for b in range(6):
            shifted[..., min(a + 1, 5), min(b + 1, 5)] += matrix[..., a, b]
    same(after["note_length_transition_matrix"], shifted)


@FAST
@given(rolls(pitch_hi=110), st.integers(-12, 12), PER)
def test_transposition_changes_no_interval(x, k, per):
    moved = np.roll(x, k, axis=2)  # notes lie in 24..110: nothing wraps around
    assert moved.sum() == x.sum()
    options = {"per": per, "steps_per_bar": 8}
    before, after = me.compute(x, list(NAMES), **options), me.compute(moved, list(NAMES), **options)
    for name in NAMES:
        same(after[name], before[name], name)


@FAST
@given(rolls(), NORMALIZE)
def test_per_bar_is_the_mean_of_each_bar_alone(x, normalize):
    got = me.compute(x, list(NAMES), per="bar", steps_per_bar=8, normalize=normalize)
    bars = [me.compute(x[:, b : b + 8], list(NAMES), normalize=normalize) for b in (0, 8)]
    silent = [~x[:, b : b + 8].any(axis=(1, 2)) for b in (0, 8)]  # (n, n_tracks): left out
    for name in NAMES:
        stacked = np.stack([
            np.where(quiet.reshape(quiet.shape + (1,) * (bar[name].ndim - 2)), NAN, bar[name])
            for bar, quiet in zip(bars, silent, strict=True)
        ])  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN components: NaN
            expected = np.nanmean(stacked, axis=0)
        same(got[name], expected, name)


@FAST
@given(rolls(), PER)
def test_the_histogram_mean_is_ioi_mean(x, per):
    values = me.compute(x, ["ioi_mean", "ioi_histogram"], per=per, steps_per_bar=8)
    short = values["ioi_histogram"][..., :31]  # below the open last bin the bins are exact
    last = values["ioi_histogram"][..., 31]
    exact = np.where(last > 0, NAN, (short * np.arange(1, 32)).sum(axis=-1))
    mask = ~np.isnan(exact)
    same(exact[mask], values["ioi_mean"][mask])


@settings(FAST, max_examples=15)
@given(rolls(max_tracks=3), PER, NORMALIZE)
def test_torch_gives_the_numba_values(x, per, normalize):
    torch = pytest.importorskip("torch")
    options = {"per": per, "steps_per_bar": 8, "normalize": normalize}
    expected = me.compute(x, list(NAMES), backend="numba", **options)
    tensor = torch.from_numpy(np.where(x, 0.9, -0.9).astype(np.float32))
    for backend in ("numba", "torch"):
        got = me.compute(tensor, list(NAMES), backend=backend, **options)
        for name in NAMES:
            same(got[name], expected[name], f"{name} {backend}")
    same(me.ioi_histogram(torch.from_numpy(x)), me.ioi_histogram(x))


# ---- MusPy's notes, mgeval's definitions (where they agree with ours) -------------------------


@FAST
@given(rolls(max_tracks=1, chords=False))
def test_melodies_agree_with_mgeval_definitions_on_muspy_notes(x):
    """On a melody (one note per onset step) mgeval's avg_pitch_shift (mean |difference| of
    consecutive notes' pitches) and avg_IOI (mean difference of consecutive onsets, here in
    steps) are ours; MusPy reads the notes from the same roll."""
    muspy = pytest.importorskip("muspy")
    values = me.compute(x, ["pitch_shift", "ioi_mean", "ioi_std"])
    for s in range(x.shape[0]):
        roll = np.ascontiguousarray(x[s, :, :, 0])
        song = muspy.from_pianoroll_representation(roll, resolution=4, encode_velocity=False)
        notes = sorted(song.tracks[0].notes, key=lambda note: note.time)
        assert len({note.time for note in notes}) == len(notes)  # a melody
        pitches = np.array([note.pitch for note in notes], dtype=float)
        onsets = np.array([note.time for note in notes], dtype=float)
        expected = np.mean(np.abs(np.diff(pitches))) if len(notes) > 1 else NAN
        same(values["pitch_shift"][s, 0], expected, "pitch_shift")
        gaps = np.diff(onsets)
        same(values["ioi_mean"][s, 0], gaps.mean() if len(gaps) else NAN, "ioi_mean")
        same(values["ioi_std"][s, 0], gaps.std() if len(gaps) else NAN, "ioi_std")


@FAST
@given(rolls(max_tracks=1))
def test_chords_agree_with_muspy_onset_times(x):
    """With chords: the distinct onset times of MusPy's notes are our onset steps, and the mean
    pitch of the notes starting at each is what pitch_shift compares."""
    muspy = pytest.importorskip("muspy")
    values = me.compute(x, list(NAMES), normalize=None)
    for s in range(x.shape[0]):
        roll = np.ascontiguousarray(x[s, :, :, 0])
        song = muspy.from_pianoroll_representation(roll, resolution=4, encode_velocity=False)
        starting: dict[int, list[int]] = {}
        for note in song.tracks[0].notes:
            starting.setdefault(note.time, []).append(note.pitch)
        times = sorted(starting)
        gaps = np.diff(times)
        means = np.array([np.mean(starting[t]) for t in times])
        shifts = np.abs(np.diff(means))
        same(values["ioi_mean"][s, 0], gaps.mean() if len(gaps) else NAN, "ioi_mean")
        same(values["ioi_std"][s, 0], gaps.std() if len(gaps) else NAN, "ioi_std")
        same(values["pitch_shift"][s, 0], shifts.mean() if len(gaps) else NAN, "pitch_shift")
        counts = {int(gap): int(np.count_nonzero(gaps == gap)) for gap in set(gaps.tolist())}
        same(values["ioi_histogram"][s, 0], histogram(counts), "ioi_histogram")
