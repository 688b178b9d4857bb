"""Vector-valued metrics (histograms, the transition matrix) and the scalars added with them.

Hand-computed cases first, then the registry, ``compute``/``evaluate`` shapes and rows, errors,
properties (hypothesis), the naive reference (``tests/_naive.py``), torch and MusPy.
"""

from __future__ import annotations

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
NEW_SCALARS = ("polyphony", "lowest_active_pitch", "highest_active_pitch")
PITCH_VECTORS = ("pitch_class_histogram", "pitch_histogram", "pitch_class_transition_matrix")
C4, E4, G4 = 60, 64, 67


def same(actual, expected, what=""):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float),
        np.asarray(expected, dtype=float),
        rtol=1e-9,
        atol=1e-12,
        equal_nan=True,
        err_msg=what,
    )


def melody() -> np.ndarray:
    """C4 for 4 steps, E4 for 2, G4 for 2: onsets at steps 0, 4 and 6."""
    x = np.zeros((8, 128), bool)
    x[0:4, C4] = x[4:6, E4] = x[6:8, G4] = True
    return x


# ---- hand-computed cases --------------------------------------------------------------------


def test_melody_pitch_class_histogram():
    x = melody()
    # cells: C 4, E 2, G 2 of 8 active cells -> C 1/2, E 1/4, G 1/4
    expected = np.zeros(12)
    expected[[0, 4, 7]] = [0.5, 0.25, 0.25]
    same(me.pitch_class_histogram(x, layout="TP"), expected)
    # notes: one note each of C, E and G -> 1/3 each
    expected[[0, 4, 7]] = 1 / 3
    same(me.pitch_class_histogram(x, weight="notes", layout="TP"), expected)
    # counts
    expected[[0, 4, 7]] = [4, 2, 2]
    same(me.pitch_class_histogram(x, normalize=None, layout="TP"), expected)


def test_melody_pitch_histogram_bins_are_midi_pitches():
    x = melody()
    expected = np.zeros(128)
    expected[[C4, E4, G4]] = [0.5, 0.25, 0.25]
    same(me.pitch_histogram(x, layout="TP"), expected)
    # the same music as an 84-pitch crop from MIDI 24: the same 128 bins
    same(me.pitch_histogram(x[:, 24:108], lowest_pitch=24, layout="TP"), expected)


def test_melody_transition_matrix():
    x = melody()
    # onsets: step 0 {C}, step 4 {E}, step 6 {G}: transitions C -> E and E -> G
    counts = np.zeros((12, 12))
    counts[0, 4] = counts[4, 7] = 1
    same(me.pitch_class_transition_matrix(x, normalize=None, layout="TP"), counts)
    same(me.pitch_class_transition_matrix(x, layout="TP"), counts / 2)  # "total": 2 transitions
    # "row": P(next | C) and P(next | E) are certain; the other rows lead nowhere: NaN
    rows = np.full((12, 12), NAN)
    rows[0], rows[4] = counts[0], counts[4]
    same(me.pitch_class_transition_matrix(x, normalize="row", layout="TP"), rows)


def test_chords_transition_as_sets_of_pitch_classes():
    x = np.zeros((12, 128), bool)
    x[0:4, [C4, E4]] = True  # step 0: {C, E}
    x[4:8, G4] = True  # step 4: {G}
    x[8:12, [C4, C4 + 12]] = True  # step 8: C4 and C5, one class {C}
    # pairs: C->G, E->G (step 0 to 4), G->C once (step 4 to 8: C is one class)
    counts = np.zeros((12, 12))
    counts[0, 7] = counts[4, 7] = counts[7, 0] = 1
    same(me.pitch_class_transition_matrix(x, normalize=None, layout="TP"), counts)


def test_rests_and_held_notes_do_not_break_a_transition():
    x = np.zeros((16, 128), bool)
    x[0:2, C4] = True
    x[8:10, E4] = True  # after a rest of 6 steps
    x[0:16, 36] = True  # a held bass C2 from step 0: its onset is at step 0 only
    counts = np.zeros((12, 12))
    counts[0, 4] = 1  # step 0 {C} (C4 and C2) -> step 8 {E}
    same(me.pitch_class_transition_matrix(x, normalize=None, layout="TP"), counts)


def test_melody_note_length_histogram():
    x = melody()
    # lengths 4, 2, 2 steps: bin 3 (4 steps) once, bin 1 (2 steps) twice
    counts = np.zeros(32)
    counts[[1, 3]] = [2, 1]
    same(me.note_length_histogram(x, normalize=None, layout="TP"), counts)
    same(me.note_length_histogram(x, layout="TP"), counts / 3)
    # 40 steps and 32 steps share the last bin; a note cut at a bar line counts twice per bar
    long = np.zeros((64, 128), bool)
    long[0:40, C4] = long[40:64, E4] = True
    counts = np.zeros(32)
    counts[[31, 23]] = 1
    same(me.note_length_histogram(long, normalize=None, layout="TP"), counts)
    counts = np.zeros(32)  # bars of 32: C4 32 + 8, E4 24 (all in bar 2)
    counts[31] = 1
    bar2 = np.zeros(32)
    bar2[[7, 23]] = 1
    same(me.note_length_histogram(long, per="bar", steps_per_bar=32, normalize=None, layout="TP"),
         (counts + bar2) / 2)  # fmt: skip


def test_polyphony_and_extreme_pitches_by_hand():
    x = np.zeros((8, 128), bool)
    x[0:4, [C4, E4, G4]] = True  # 4 steps of 3 pitches
    x[4:6, C4] = True  # 2 steps of 1 pitch; steps 6 and 7 silent
    assert me.polyphony(x, layout="TP") == (4 * 3 + 2 * 1) / 6
    assert me.lowest_active_pitch(x, layout="TP") == C4
    assert me.highest_active_pitch(x, layout="TP") == G4
    assert me.polyphony(melody(), layout="TP") == 1.0


def test_silent_rolls_give_nan_distributions_and_zero_counts():
    x = np.zeros((2, 32, 128, 3), bool)
    for name in VECTOR:
        function = getattr(me, name)
        shape = (2, 3, *METRICS[name].shape)
        same(function(x), np.full(shape, NAN), name)
        same(function(x, normalize=None), np.zeros(shape), name)
        same(function(x, per="bar"), np.full(shape, NAN), name)
    for name in NEW_SCALARS:
        same(getattr(me, name)(x), np.full((2, 3), NAN), name)


def test_silent_roll_warns_nothing():
    import warnings

    x = np.zeros((1, 16, 128, 1), bool)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        me.compute(x, [*VECTOR, *NEW_SCALARS], per="bar")
        me.compute(x, list(VECTOR), normalize="row")


def test_one_onset_step_has_no_transition():
    x = np.zeros((8, 128), bool)
    x[:, [C4, G4]] = True
    same(me.pitch_class_transition_matrix(x, layout="TP"), np.full((12, 12), NAN))
    same(me.pitch_class_transition_matrix(x, normalize=None, layout="TP"), np.zeros((12, 12)))


# ---- registry, compute, evaluate ------------------------------------------------------------


def test_registry_lists_vectors_apart_from_the_default_set():
    from musiceval._engine.stats import N_LENGTH_BINS

    assert VECTOR == (
        "pitch_class_histogram", "pitch_histogram", "pitch_class_transition_matrix",
        "note_length_histogram", "ioi_histogram", "note_length_transition_matrix",
    )  # fmt: skip
    assert [METRICS[name].shape for name in VECTOR] == [
        (12,), (128,), (12, 12), (N_LENGTH_BINS,), (N_LENGTH_BINS,), (6, 6)
    ]  # fmt: skip
    assert set(NEW_SCALARS) <= set(SCALAR)
    assert not set(VECTOR) & set(SCALAR)
    assert not (set(VECTOR) | set(NEW_SCALARS)) & set(PER_TRACK)
    assert all(METRICS[name].shape == () for name in PER_TRACK)
    x = np.zeros((1, 16, 128, 1), bool)
    assert list(me.compute(x)) == list(PER_TRACK)


def test_compute_shapes_follow_the_layout():
    x = np.zeros((2, 32, 128, 3), bool)
    x[0, :8, C4, 1] = x[0, 8:16, E4, 1] = x[1, :, G4, 2] = True
    values = me.compute(x, list(VECTOR))
    for name in VECTOR:
        shape = METRICS[name].shape
        assert values[name].shape == (2, 3, *shape)
        ktp = me.compute(x[0].transpose(2, 0, 1), [name], layout="KTP")[name]
        same(ktp, values[name][0])
        tp = me.compute(x[0, :, :, 1], [name], layout="TP")[name]
        same(tp, values[name][0, 1])
        assert isinstance(getattr(me, name)(x[0, :, :, 1], layout="TP"), np.ndarray)
        nbspk = me.compute(x.reshape(2, 2, 16, 128, 3), [name], layout="NBSPK")[name]
        same(nbspk, values[name])


def test_evaluate_gives_a_row_per_component_with_a_bin():
    x = np.zeros((2, 16, 128, 2), bool)
    x[:, :8, C4, 0] = x[:, 8:, E4, 0] = x[1, :, G4, 1] = True
    table = me.evaluate(x, ["n_notes", "pitch_class_histogram", "pitch_class_transition_matrix"])
    assert list(table.columns) == ["sample", "track", "metric", "bin", "value"]
    assert str(table["bin"].dtype) == "Int64"
    values = me.compute(x, ["n_notes", "pitch_class_histogram", "pitch_class_transition_matrix"])
    for name, array in values.items():
        rows = table[table["metric"] == name]
        assert len(rows) == array.size
        same(rows["value"].to_numpy(), array.reshape(-1), name)
        size = array.size // 4  # components of one value (2 samples x 2 tracks)
        assert list(rows["sample"]) == [0] * 2 * size + [1] * 2 * size
        assert list(rows["track"]) == ([0] * size + [1] * size) * 2
        if name == "n_notes":
            assert rows["bin"].isna().all()
        else:
            assert list(rows["bin"]) == list(range(size)) * 4
    # the transition C -> E of sample 0, track 0 is bin 12 * 0 + 4
    hit = table[(table["metric"] == "pitch_class_transition_matrix") & (table["value"] > 0)]
    assert hit[["sample", "track", "bin"]].values.tolist() == [[0, 0, 4], [1, 0, 4]]


def test_evaluate_without_vectors_keeps_its_columns_and_pairs_still_work():
    x = np.zeros((1, 16, 128, 2), bool)
    x[0, :, C4, :] = True
    assert list(me.evaluate(x, ["n_notes"]).columns) == ["sample", "track", "metric", "value"]
    table = me.evaluate(x, ["pitch_class_histogram", "tonal_distance"])
    assert list(table.columns) == ["sample", "track", "metric", "bin", "value", "track_b"]
    pair = table[table["metric"] == "tonal_distance"]
    assert len(pair) == 1 and pair["bin"].isna().all() and pair["track_b"].tolist() == [1]
    hist = table[table["metric"] == "pitch_class_histogram"]
    assert len(hist) == 24 and hist["track_b"].isna().all()


# ---- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", VECTOR)
@pytest.mark.parametrize("bad", ["sum", "", 1, True, "rows", np.array(["total", "row"]), [None]])
def test_bad_normalize_names_argument_expected_and_received(name, bad):
    x = np.zeros((1, 16, 128, 1), bool)
    message = r"normalize must be one of \['total', 'row', None\]; got "
    with pytest.raises(me.InvalidParameterError, match=message):
        getattr(me, name)(x, normalize=bad)
    with pytest.raises(me.InvalidParameterError, match=message):
        me.compute(x, [name], normalize=bad)


def test_bad_weight_is_refused():
    x = np.zeros((1, 16, 128, 1), bool)
    with pytest.raises(
        me.InvalidParameterError, match=r"weight must be one of \['cells', 'notes'\]"
    ):
        me.pitch_class_histogram(x, weight="onsets")


# ---- properties --------------------------------------------------------------------------------


@st.composite
def rolls(draw, max_tracks=2, pitch_lo=24, pitch_hi=100):
    """Random notes in 2 bars of 8 steps; some tracks silent; chords allowed."""
    n = draw(st.integers(1, 3))
    n_tracks = draw(st.integers(1, max_tracks))
    x = np.zeros((n, 16, 128, n_tracks), bool)
    for s in range(n):
        for k in range(n_tracks):
            for _ in range(draw(st.integers(0, 6))):
                start = draw(st.integers(0, 15))
                length = draw(st.integers(1, 6))
                x[s, start : start + length, draw(st.integers(pitch_lo, pitch_hi)), k] = True
    return x


OPTIONS = st.fixed_dictionaries(
    {
        "weight": st.sampled_from(["cells", "notes"]),
        "normalize": st.sampled_from(["total", "row", None]),
        "per": st.sampled_from(["sample", "bar"]),
    }
)


def options_for(name, options):
    """``options`` without ``weight`` for the metrics that do not read it."""
    reads = METRICS[name].options
    return {key: value for key, value in options.items() if key != "weight" or key in reads}


@FAST
@given(rolls(), OPTIONS)
def test_histograms_sum_to_one_or_are_all_nan(x, options):
    options = dict(options, normalize="total")
    for name in VECTOR:
        values = getattr(me, name)(x, steps_per_bar=8, **options_for(name, options))
        flat = values.reshape(*values.shape[:2], -1)
        nan = np.isnan(flat)
        assert np.all(nan.all(axis=-1) | ~nan.any(axis=-1)), name  # all NaN or none
        same(flat.sum(axis=-1)[~nan.all(axis=-1)], 1.0, name)
        assert np.all(flat[~nan] >= 0)


@FAST
@given(rolls(pitch_hi=110), st.integers(1, 11), OPTIONS)
def test_transposing_rolls_the_pitch_class_vectors(x, k, options):
    up = np.roll(x, k, axis=2)  # nothing sounds above 110: room at the top
    assert up.sum() == x.sum()
    common = {"steps_per_bar": 8, **options}
    before = me.pitch_class_histogram(x, **common)
    same(me.pitch_class_histogram(up, **common), np.roll(before, k, axis=-1))
    same(me.pitch_histogram(up, **common), np.roll(me.pitch_histogram(x, **common), k, axis=-1))
    del common["weight"]
    matrix = me.pitch_class_transition_matrix(x, **common)
    same(me.pitch_class_transition_matrix(up, **common), np.roll(matrix, (k, k), axis=(-2, -1)))
    same(me.note_length_histogram(up, **common), me.note_length_histogram(x, **common))


@FAST
@given(rolls(), OPTIONS)
def test_stretching_time_by_two_keeps_note_weighted_vectors(x, options):
    slow = np.repeat(x, 2, axis=1)  # every note twice as long; the notes and their order stay
    options = dict(options, per="sample", weight="notes")
    for name in PITCH_VECTORS:  # counts too (normalize=None): the same notes and transitions
        kwargs = options_for(name, options)
        same(getattr(me, name)(slow, **kwargs), getattr(me, name)(x, **kwargs), name)
    # note lengths double: L steps move to bin 2L - 1 (32 and more in the last bin)
    before = me.note_length_histogram(x, normalize=None)
    moved = np.zeros_like(before)
    for length in range(1, 33):
        moved[..., min(2 * length, 32) - 1] += before[..., length - 1]
    same(me.note_length_histogram(slow, normalize=None), moved)


def nanmean_quietly(values, axis):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN components: NaN
        return np.nanmean(values, axis=axis)


@FAST
@given(rolls(), OPTIONS)
def test_per_bar_is_the_mean_of_each_bar_alone(x, options):
    for name in VECTOR:
        kwargs = options_for(name, dict(options, per="sample"))
        function = getattr(me, name)
        alone = []
        for start in (0, 8):
            values = function(x[:, start : start + 8], **kwargs)
            silent = ~x[:, start : start + 8].any(axis=(1, 2))  # (n, n_tracks)
            alone.append(np.where(silent.reshape(silent.shape + (1,) * (values.ndim - 2)),
                                  NAN, values))  # fmt: skip
        expected = nanmean_quietly(np.stack(alone), axis=0)
        same(function(x, **dict(kwargs, per="bar"), steps_per_bar=8), expected, name)


def naive_vector(name, x, options, lowest_pitch):
    n, _, _, n_tracks = x.shape
    shape = METRICS[name].shape
    out = np.empty((n, n_tracks, *shape))
    for s in range(n):
        for k in range(n_tracks):
            value = naive.metric(
                name, x[s, :, :, k], lowest_pitch=lowest_pitch, steps_per_bar=8, **options
            )
            out[s, k] = np.broadcast_to(np.asarray(value, dtype=float), shape)
    return out


@FAST
@given(rolls(), OPTIONS, st.booleans())
def test_agrees_with_the_naive_reference(x, options, crop):
    lowest_pitch = 24 if crop else 0
    roll = x[:, :, 24:108] if crop else x
    for name in (*VECTOR, *NEW_SCALARS):
        kwargs = {k: v for k, v in options.items() if k in METRICS[name].options or k == "per"}
        got = getattr(me, name)(roll, lowest_pitch=lowest_pitch, steps_per_bar=8, **kwargs)
        expected = naive_vector(name, roll, kwargs, lowest_pitch)
        same(got, expected.reshape(got.shape), f"{name} {options} crop={crop}")


def test_naive_reference_knows_the_melody():
    counts = naive.transition_matrix(melody(), normalize=None)
    assert counts[0][4] == counts[4][7] == 1.0 and sum(map(sum, counts)) == 2.0
    assert naive.pitch_class_histogram_of(melody())[0] == 0.5
    assert naive.polyphony(melody()) == 1.0


@settings(FAST, max_examples=15)
@given(rolls(max_tracks=3), OPTIONS)
def test_torch_gives_the_numba_values(x, options):
    torch = pytest.importorskip("torch")
    names = [*VECTOR, *NEW_SCALARS]
    options = dict(options, steps_per_bar=8)
    expected = me.compute(x, names, backend="numba", **options)
    tensor = torch.from_numpy(np.where(x, 0.9, -0.9).astype(np.float32))
    for backend in ("numba", "torch"):
        got = me.compute(tensor, names, backend=backend, **options)
        for name in names:
            same(got[name], expected[name], f"{name} {backend}")
    for name in VECTOR:  # the public functions, bool tensor in
        kwargs = options_for(name, options)
        same(getattr(me, name)(torch.from_numpy(x), **kwargs), getattr(me, name)(x, **kwargs))


# ---- MusPy, where the definitions agree ------------------------------------------------------


@FAST
@given(rolls(max_tracks=1))
def test_agrees_with_muspy(x):
    muspy = pytest.importorskip("muspy")
    poly = me.polyphony(x)
    histogram = me.pitch_class_histogram(x, weight="notes", normalize=None)
    for s in range(x.shape[0]):
        roll = np.ascontiguousarray(x[s, :, :, 0])
        song = muspy.from_pianoroll_representation(roll, resolution=4, encode_velocity=False)
        same(muspy.polyphony(song), poly[s, 0], "polyphony")
        counts = np.zeros(12)
        for note in song.tracks[0].notes:  # MusPy's notes: the same maximal runs as ours
            counts[note.pitch % 12] += 1
        same(histogram[s, 0], counts, "note-weighted pitch-class histogram")
        same(muspy.pitch_class_entropy(song), me.pitch_class_entropy(roll, weight="notes",
             layout="TP"))  # fmt: skip
