"""Properties of every metric over random small, sparse rolls (hypothesis).

The most important one is ``test_agrees_with_the_naive_reference``: every metric, with random
options, against the loops of ``tests/_naive.py``. The others check invariances that hold
whatever the definitions are: batching, track order, octave and key transposition, dtype and
threshold encodings, torch input, layouts, read-only input, cropping.
"""

from __future__ import annotations

import inspect
import math
from itertools import combinations

import _naive as naive
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import musiceval as me

PER_TRACK = list(me.registry.SCALAR)  # every per-track scalar metric
ALL = [name for name, spec in me.METRICS.items() if not spec.shape]  # with tonal_distance
EXTREMES = ("lowest_active_pitch", "highest_active_pitch")  # MIDI numbers: move with the music
FAST = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
MODES = [
    "major", "ionian", "dorian", "phrygian", "lydian", "mixolydian", "minor", "natural_minor",
    "aeolian", "locrian", "harmonic_minor", "melodic_minor",
]  # fmt: skip
KEYS = [*range(12), "C", "F#", "Gb", "Bb", "Eb", "A", "B", "Db", "G#", "Cb", "E#", "C##", "Bbb"]
RADII = [(1.0, 1.0, 0.5), (2.0, 1.0, 1.0), (0.5, 1.5, 0.25)]


@pytest.fixture(autouse=True)
def _one_numba_thread(request):
    """Run the kernel on one thread, except in the batch property.

    On tiny rolls the parallel kernel's hand-off to its thread pool costs more than the pass,
    and on a busy 2-core machine it can take milliseconds per call. These properties are about
    values; the batch property (and the hand cases) keep the default threads.
    """
    if not request.node.name.startswith("test_batch"):
        request.getfixturevalue("one_numba_thread")


# ---- strategies ----------------------------------------------------------------------------


@st.composite
def notes_into(draw, x, pitch_lo=0, pitch_hi=None, max_notes=24):
    """Fill the bool array x (n, T, P, K) in place with random notes and stray cells."""
    n, n_steps, n_pitches, n_tracks = x.shape
    if n_steps == 0:
        return x
    hi = n_pitches - 1 if pitch_hi is None else pitch_hi
    # a small palette makes pitch classes, chords and repeated pitches likely
    palette = draw(st.lists(st.integers(pitch_lo, hi), min_size=1, max_size=6, unique=True))
    pitch = st.one_of(st.sampled_from(palette), st.integers(pitch_lo, hi))
    note = st.tuples(
        st.integers(0, n - 1),
        st.integers(0, n_tracks - 1),
        pitch,
        st.integers(0, n_steps - 1),
        st.integers(1, 10),
    )
    for s, k, p, start, length in draw(st.lists(note, max_size=max_notes)):
        x[s, start : start + length, p, k] = True
    return x


@st.composite
def cases(draw, max_samples=3, max_bars=3, max_tracks=3, crop=True, pitch_lo=0, pitch_hi=None):
    """(x, options, lowest_pitch): a bool NTPK roll and a set of metric options for it."""
    steps_per_bar = draw(st.sampled_from([4, 8, 12, 16]))
    n_bars = draw(st.integers(0, max_bars))
    n_steps = steps_per_bar * n_bars
    steps_per_beat = draw(st.sampled_from([d for d in (1, 2, 3, 4, 6) if steps_per_bar % d == 0]))
    grid = draw(
        st.sampled_from([g for g in range(1, steps_per_beat + 1) if steps_per_beat % g == 0])
    )
    if crop and draw(st.booleans()):
        lowest_pitch = draw(st.integers(0, 110))
        n_pitches = draw(st.integers(1, min(36, 128 - lowest_pitch)))
    else:
        lowest_pitch, n_pitches = None, 128
    n = draw(st.integers(1, max_samples))
    k = draw(st.integers(1, max_tracks))
    x = np.zeros((n, n_steps, n_pitches, k), dtype=bool)
    draw(notes_into(x, pitch_lo=pitch_lo, pitch_hi=pitch_hi))
    options = {
        "steps_per_bar": steps_per_bar,
        "steps_per_beat": steps_per_beat,
        "grid": grid,
        "key": draw(st.sampled_from(KEYS)),
        "mode": draw(st.sampled_from(MODES)),
        "weight": draw(st.sampled_from(["cells", "notes"])),
        "min_steps": draw(st.integers(1, 5)),
        "min_pitches": draw(st.integers(1, 4)),
        "per": draw(st.sampled_from(["sample", "bar"])),
        "radii": draw(st.sampled_from(RADII)),
    }
    return x, options, lowest_pitch


# ---- helpers -------------------------------------------------------------------------------


def pairs_of(n_tracks):
    return [(0, 0), *combinations(range(n_tracks), 2)]


def call(name, x, options, **common):
    """One metric function with the options it takes; (n_samples, n_tracks or n_pairs).

    The per-bar metrics take no ``steps_per_bar``: with ``per="bar"`` their bars are given by
    an NBSPK view of ``x``.
    """
    function = getattr(me, name)
    parameters = inspect.signature(function).parameters
    kwargs = {key: value for key, value in options.items() if key in parameters}
    if name == "tonal_distance":
        n_tracks = x.shape[-1]
        columns = [function(x, a, b, **kwargs, **common) for a, b in pairs_of(n_tracks)]
        return np.stack(columns, axis=1)
    if options.get("per") == "bar" and "steps_per_bar" not in parameters:
        n, n_steps, n_pitches, n_tracks = x.shape
        bar = options["steps_per_bar"]
        bars = x.reshape(n, n_steps // bar, bar, n_pitches, n_tracks)
        return function(bars, **kwargs, layout="NBSPK", **common)
    return function(x, **kwargs, **common)


def call_all(x, options, names=ALL, **common):
    return {name: call(name, x, options, **common) for name in names}


def naive_values(name, x, options, lowest_pitch):
    lowest = lowest_pitch or 0
    n, _, _, n_tracks = x.shape
    rows = []
    for s in range(n):
        if name == "tonal_distance":
            beat, radii = options["steps_per_beat"], options["radii"]
            row = [
                naive.tonal_distance(x[s, :, :, a], x[s, :, :, b], beat, radii, lowest)
                for a, b in pairs_of(n_tracks)
            ]
        else:
            row = [
                naive.metric(name, x[s, :, :, k], lowest_pitch=lowest, **options)
                for k in range(n_tracks)
            ]
        rows.append(row)
    return np.array(rows, dtype=float).reshape(n, -1)


def same(actual, expected, what=""):
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float),
        np.asarray(expected, dtype=float),
        rtol=1e-9,
        atol=1e-12,
        equal_nan=True,
        err_msg=what,
    )


def same_dicts(actual, expected):
    assert actual.keys() == expected.keys()
    for name in expected:
        same(actual[name], expected[name], name)


# ---- the naive reference -------------------------------------------------------------------


@FAST
@given(cases())
def test_agrees_with_the_naive_reference(case):
    x, options, lowest_pitch = case
    values = call_all(x, options, lowest_pitch=lowest_pitch)
    for name in ALL:
        same(values[name], naive_values(name, x, options, lowest_pitch), f"{name} {options}")


@FAST
@given(cases())
def test_evaluate_agrees_with_the_naive_reference(case):
    x, options, lowest_pitch = case
    table = me.evaluate(x, ALL, lowest_pitch=lowest_pitch, **options)
    n, _, _, n_tracks = x.shape
    pairs = list(combinations(range(n_tracks), 2))
    for name in ALL:
        rows = table[table["metric"] == name]
        expected = naive_values(name, x, options, lowest_pitch)
        if name == "tonal_distance":
            expected = expected[:, 1:]  # evaluate has no (0, 0) pair
            assert len(rows) == n * len(pairs)
            assert list(rows["track"]) == [a for a, _ in pairs] * n
            assert list(rows["track_b"]) == [b for _, b in pairs] * n
        else:
            assert len(rows) == n * n_tracks
        same(rows["value"].to_numpy().reshape(expected.shape), expected, f"{name} {options}")


# ---- bounds ---------------------------------------------------------------------------------


@FAST
@given(cases())
def test_values_lie_within_the_registry_bounds_or_are_nan(case):
    x, options, lowest_pitch = case
    values = call_all(x, options, lowest_pitch=lowest_pitch)
    n_pitches = x.shape[2]
    for name, value in values.items():
        spec = me.METRICS[name]
        assert value.dtype == np.float64, name
        defined = value[~np.isnan(value)]
        assert np.all(defined >= spec.lower), (name, defined)
        upper = spec.upper
        if name == "tonal_distance":  # the registry's 3 is for the default radii
            upper = 2 * math.sqrt(sum(r * r for r in options["radii"]))
            assert options["radii"] != (1.0, 1.0, 0.5) or upper == spec.upper
        assert np.all(defined <= upper * (1 + 1e-12)), (name, defined)
        if name in ("pitch_range", "n_pitches_used"):
            assert np.all(defined <= n_pitches - (name == "pitch_range")), (name, defined)
        if spec.kind in ("count", "pitch") and options["per"] == "sample":
            assert np.all(defined == np.round(defined)), (name, defined)


# ---- batching, track order -----------------------------------------------------------------


@settings(FAST, max_examples=30)
@given(
    cases(crop=False),
    st.sampled_from([1, 2, 3, 63, 64, 65, 130, 150]),
    st.integers(0, 2**32 - 1),
)
def test_batch_equals_a_loop_over_samples(case, n_batch, seed):
    # batches of more than 64 samples span several parallel tasks of the kernel, and the
    # samples of a task share scratch space: no state may leak from one sample to the next
    x, options, _ = case
    order = np.random.default_rng(seed).integers(0, x.shape[0], n_batch)
    batch = call_all(x[order], options)
    alone = [call_all(x[i : i + 1], options) for i in range(x.shape[0])]
    for name in ALL:
        same(batch[name], np.concatenate([alone[i][name] for i in order]), name)


@FAST
@given(cases(crop=False), st.randoms(use_true_random=False))
def test_permuting_tracks_permutes_the_output(case, random):
    x, options, _ = case
    n_tracks = x.shape[-1]
    order = list(range(n_tracks))
    random.shuffle(order)
    before = call_all(x, options, PER_TRACK)
    after = call_all(x[..., order], options, PER_TRACK)
    for name in PER_TRACK:
        same(after[name], before[name][:, order], name)
    where = {old: new for new, old in enumerate(order)}
    for a, b in pairs_of(n_tracks):
        same(
            me.tonal_distance(x[..., order], where[a], where[b], steps_per_beat=1),
            me.tonal_distance(x, a, b, steps_per_beat=1),
        )


# ---- transposition -------------------------------------------------------------------------


@FAST
@given(cases(crop=False, pitch_hi=115))
def test_an_octave_up_changes_nothing(case):
    x, options, _ = case
    up = np.roll(x, 12, axis=2)  # nothing sounds above 115: no wrap-around
    assert up.sum() == x.sum()
    names = [name for name in ALL if name not in EXTREMES]
    same_dicts(call_all(up, options, names), call_all(x, options, names))
    for name in EXTREMES:
        same(call(name, up, options), call(name, x, options) + 12, name)


@FAST
@given(cases(crop=False, pitch_hi=116), st.integers(0, 11))
def test_transposing_with_the_key_keeps_scale_metrics(case, shift):
    x, options, _ = case
    up = np.roll(x, shift, axis=2)
    assert up.sum() == x.sum()
    key = naive.key_to_pc(options["key"])
    moved = dict(options, key=(key + shift) % 12)
    same(call("in_scale_ratio", up, moved), call("in_scale_ratio", x, options))
    # and the rest of the pitch-class metrics do not depend on the key at all; the tonal
    # centroid turns each circle by a fixed angle, which keeps distances
    names = [
        "scale_consistency", "n_pitch_classes_used", "pitch_class_entropy", "n_pitches_used",
        "pitch_range", "pitch_entropy", "tonal_distance",
    ]  # fmt: skip
    same_dicts(call_all(up, options, names), call_all(x, options, names))
    # the best key moves with the music where it is not a tie (ties go to the lowest key)
    whole = dict(options, per="sample")  # best_key is always over the whole sample
    ratios = np.stack([call("in_scale_ratio", x, dict(whole, key=k)) for k in range(12)])
    unique = (ratios == np.nanmax(ratios, axis=0, initial=-1.0)).sum(axis=0) == 1
    before, after = call("best_key", x, options), call("best_key", up, options)
    same(after[unique], (before[unique] + shift) % 12)
    same(np.isnan(after), np.isnan(before))


# ---- encodings, thresholds, torch ----------------------------------------------------------


def encodings(x, rng):
    """The same active cells as x in every documented encoding: (array, threshold)."""
    on = rng.uniform(0.0, 1.0, x.shape)
    yield x.astype(np.uint8), 0.0
    yield np.where(x, rng.integers(1, 128, x.shape), 0).astype(np.uint8), 0.0  # velocities
    yield np.where(x, rng.integers(1, 128, x.shape), 0).astype(np.int64), 0.0
    yield np.where(x, 1.0, -1.0).astype(np.float32), 0.0  # {-1, +1}
    yield np.where(x, 1.0, 0.0), 0.0  # {0, 1} float64
    # raw tanh: off in (-1, 0], on in (0, 1)
    yield np.where(x, np.maximum(on, 1e-6), -on * 0.999).astype(np.float32), 0.0
    yield np.where(x, 0.5 + np.maximum(on, 1e-3) / 2, on / 2).astype(np.float32), 0.5  # probs
    yield np.where(x, 0.5 + np.maximum(on, 1e-3) / 2, on / 2), 0.5
    yield np.where(x, True, False), 0.5  # bool with a threshold in [0, 1)


@FAST
@given(cases(max_tracks=2), st.integers(0, 2**32 - 1))
def test_every_encoding_gives_the_bool_result(case, seed):
    x, options, lowest_pitch = case
    expected = call_all(x, options, lowest_pitch=lowest_pitch)
    for encoded, threshold in encodings(x, np.random.default_rng(seed)):
        got = call_all(encoded, options, lowest_pitch=lowest_pitch, threshold=threshold)
        same_dicts(got, expected)


@settings(FAST, max_examples=25)
@given(cases(max_tracks=2), st.integers(0, 2**32 - 1))
def test_torch_tensors_give_the_numpy_result(case, seed):
    torch = pytest.importorskip("torch")
    x, options, lowest_pitch = case
    expected = call_all(x, options, lowest_pitch=lowest_pitch)
    rng = np.random.default_rng(seed)
    velocities = np.where(x, rng.integers(1, 128, x.shape), 0).astype(np.uint8)
    for tensor, threshold in [
        (torch.from_numpy(x), 0.0),
        (torch.from_numpy(velocities), 0.0),
        (torch.from_numpy(velocities), 0.5),
        (torch.from_numpy(np.where(x, 1.0, -1.0).astype(np.float32)), 0.0),
        (torch.from_numpy(np.where(x, 0.9, 0.1).astype(np.float32)).requires_grad_(), 0.5),
        (torch.from_numpy(x.astype(np.float32)).to(torch.float16), 0.0),
        (torch.from_numpy(x.astype(np.float64)).to(torch.bfloat16), 0.5),
        # non-contiguous CPU tensors: bool and uint8 are read in place, through their strides
        (torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).permute(0, 2, 3, 1), 0.0),
        (torch.from_numpy(np.asfortranarray(velocities)), 0.0),
        (torch.from_numpy(np.asfortranarray(velocities)), 0.5),
    ]:
        got = call_all(tensor, options, lowest_pitch=lowest_pitch, threshold=threshold)
        same_dicts(got, expected)


def memory_layouts(x):
    """The same values as x in other memory layouts: Fortran order, reversed strides, a
    contiguous view that starts one byte past an 8-byte boundary, a strided slice."""
    yield np.asfortranarray(x)
    reversed_steps = np.ascontiguousarray(x[:, ::-1])[:, ::-1]
    assert not reversed_steps.flags.c_contiguous or x.shape[1] <= 1
    yield reversed_steps
    for dtype in (np.bool_, np.uint8):
        buffer = np.zeros(x.size + 1, dtype=dtype)
        unaligned = buffer[1:].reshape(x.shape)
        unaligned[...] = x
        yield unaligned
    wider = np.zeros((*x.shape[:3], 2 * x.shape[3]), dtype=bool)
    wider[..., ::2] = x
    yield wider[..., ::2]


@FAST
@given(cases(max_tracks=2))
def test_every_memory_layout_gives_the_same_result(case):
    x, options, lowest_pitch = case
    expected = call_all(x, options, lowest_pitch=lowest_pitch)
    for view in memory_layouts(x):
        np.testing.assert_array_equal(view, x)
        same_dicts(call_all(view, options, lowest_pitch=lowest_pitch), expected)


# ---- input is never written to -------------------------------------------------------------


@settings(FAST, max_examples=25)
@given(cases(max_tracks=2), st.integers(0, 2**32 - 1))
def test_input_is_never_modified_and_may_be_read_only(case, seed):
    x, options, lowest_pitch = case
    expected = call_all(x, options, lowest_pitch=lowest_pitch)
    for encoded, threshold in [(x, 0.0), *encodings(x, np.random.default_rng(seed))]:
        copy = encoded.copy()
        call_all(encoded, options, lowest_pitch=lowest_pitch, threshold=threshold)
        np.testing.assert_array_equal(encoded, copy)
        assert encoded.flags.writeable
        encoded.flags.writeable = False
        got = call_all(encoded, options, lowest_pitch=lowest_pitch, threshold=threshold)
        np.testing.assert_array_equal(encoded, copy)
        same_dicts(got, expected)


# ---- layouts -------------------------------------------------------------------------------


@FAST
@given(cases())
def test_every_layout_gives_the_ntpk_numbers(case):
    x, options, lowest_pitch = case
    common = {"lowest_pitch": lowest_pitch}
    expected = call_all(x, options, **common)
    n, n_steps, n_pitches, n_tracks = x.shape
    bar = options["steps_per_bar"]
    by_bars = x.reshape(n, n_steps // bar, bar, n_pitches, n_tracks)
    nbspk_options = {k: v for k, v in options.items() if k != "steps_per_bar"}
    for name in ALL:
        function = getattr(me, name)
        parameters = inspect.signature(function).parameters
        kwargs = {k: v for k, v in nbspk_options.items() if k in parameters}
        if name == "tonal_distance":
            for column, (a, b) in enumerate(pairs_of(n_tracks)):
                got = function(by_bars, a, b, layout="NBSPK", **kwargs, **common)
                same(got, expected[name][:, column], name)
                for s in range(n):
                    ktp = x[s].transpose(2, 0, 1)
                    got = function(ktp, a, b, layout="KTP", **kwargs, **common)
                    assert isinstance(got, float)
                    same(got, expected[name][s, column], name)
            continue
        same(function(by_bars, layout="NBSPK", **kwargs, **common), expected[name], name)
        for s in range(n):
            if "steps_per_bar" in parameters or options["per"] == "sample":
                ktp = np.ascontiguousarray(x[s].transpose(2, 0, 1))
                got = call(name, ktp, options, layout="KTP", **common)
                assert got.shape == (n_tracks,)
                same(got, expected[name][s], name)
                for k in range(n_tracks):
                    got = call(name, x[s, :, :, k], options, layout="TP", **common)
                    assert isinstance(got, float)
                    same(got, expected[name][s, k], name)


# ---- evaluate == the functions -------------------------------------------------------------


@FAST
@given(cases())
def test_evaluate_equals_the_single_functions(case):
    x, options, lowest_pitch = case
    names = ALL
    table = me.evaluate(x, names, lowest_pitch=lowest_pitch, **options)
    values = call_all(x, options, names, lowest_pitch=lowest_pitch)
    # one track has no pair of tracks: no tonal_distance row
    listed = [name for name in names if name != "tonal_distance" or x.shape[-1] > 1]
    assert list(dict.fromkeys(table["metric"])) == listed
    for name in names:
        rows = table[table["metric"] == name]["value"].to_numpy()
        expected = values[name][:, 1:] if name == "tonal_distance" else values[name]
        same(rows.reshape(expected.shape), expected, name)


# ---- cropped rolls -------------------------------------------------------------------------


@FAST
@given(cases(crop=False, pitch_lo=24, pitch_hi=107))
def test_the_deepcomposer_crop_gives_the_full_roll_numbers(case):
    x, options, _ = case
    crop = x[:, :, 24:108]
    assert crop.sum() == x.sum()
    same_dicts(call_all(crop, options, lowest_pitch=24), call_all(x, options))
    table = me.evaluate(crop, ALL, lowest_pitch=24, **options)
    same(table["value"], me.evaluate(x, ALL, **options)["value"])


# ---- the reference itself ------------------------------------------------------------------


def test_the_naive_reference_knows_the_hand_cases():
    roll = np.zeros((64, 128), dtype=bool)
    roll[16:20, 60] = True
    assert naive.empty_bar_rate(roll) == 0.75
    triad = np.zeros((16, 128), dtype=bool)
    triad[:, [60, 64, 67]] = True
    assert naive.n_pitch_classes_used(triad) == 3
    assert naive.in_scale_ratio(triad, "C") == 1.0
    assert naive.in_scale_ratio(triad, "F#") == 0.0
    assert naive.best_key(triad) == 0.0
    kick = np.zeros((32, 128), dtype=bool)
    kick[16, 36] = True
    assert naive.groove_consistency(kick) == 0.0
    other = np.zeros((16, 128), dtype=bool)
    other[:, [66, 70, 73]] = True
    expected = math.sqrt(28 + 4 * math.sqrt(3)) / 3
    assert naive.tonal_distance(triad, other) == pytest.approx(expected)
    assert [naive.key_to_pc(k) for k in ("F#", "Gb", "Bb", 6, "Cb", "E#")] == [6, 6, 10, 6, 11, 5]
