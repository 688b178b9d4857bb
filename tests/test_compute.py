"""musiceval.compute, the arrays entry point, and batch streams into profile() and compare()."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import musiceval as me
from musiceval.rolls import as_roll

pytestmark = pytest.mark.usefixtures("one_numba_thread")  # tiny rolls: see conftest.py

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PER_TRACK = list(me.registry.PER_TRACK)  # the default set
EVERY_PER_TRACK = [name for name, spec in me.METRICS.items() if not spec.pairwise]


def random_rolls(seed: int, n: int, n_steps: int = 32, n_tracks: int = 3) -> np.ndarray:
    """Random notes; about one (sample, track) in five is silent, so NaN values mix in."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, n_steps, 128, n_tracks), bool)
    for s in range(n):
        for k in range(n_tracks):
            if rng.random() < 0.2:
                continue
            for _ in range(rng.integers(1, 10)):
                start, length = rng.integers(0, n_steps), rng.integers(1, 9)
                x[s, start : start + length, rng.integers(36, 90), k] = True
    return x


# ---- compute ---------------------------------------------------------------------------------


def test_compute_gives_each_metric_function_s_values():
    x = random_rolls(0, 6)
    values = me.compute(x, list(me.METRICS))
    assert list(values) == list(me.METRICS)
    for name in EVERY_PER_TRACK:
        np.testing.assert_array_equal(values[name], getattr(me, name)(x), err_msg=name)
    for k, (a, b) in enumerate([(0, 1), (0, 2), (1, 2)]):
        np.testing.assert_array_equal(values["tonal_distance"][:, k], me.tonal_distance(x, a, b))


def test_compute_shapes_follow_the_layout():
    x = random_rolls(1, 4)
    canonical = me.compute(x, ["n_notes", "tonal_distance"])
    assert canonical["n_notes"].shape == (4, 3) and canonical["tonal_distance"].shape == (4, 3)
    bars = me.compute(x.reshape(4, 2, 16, 128, 3), ["n_notes"], layout="NBSPK")
    np.testing.assert_array_equal(bars["n_notes"], canonical["n_notes"])
    ktp = me.compute(x[0].transpose(2, 0, 1), ["n_notes", "tonal_distance"], layout="KTP")
    np.testing.assert_array_equal(ktp["n_notes"], canonical["n_notes"][0])
    np.testing.assert_array_equal(ktp["tonal_distance"], canonical["tonal_distance"][0])
    tp = me.compute(x[0, :, :, 1], ["n_notes", "tonal_distance"], layout="TP")
    assert tp["n_notes"].shape == () and tp["n_notes"] == canonical["n_notes"][0, 1]
    assert tp["tonal_distance"].shape == (0,)  # one track: no pair


def test_compute_defaults_to_every_per_track_metric_and_takes_pairs():
    x = random_rolls(2, 3)
    assert list(me.compute(x)) == PER_TRACK
    pairs = me.compute(x, ["tonal_distance"], pairs=[(2, 0), (1, 1)])["tonal_distance"]
    np.testing.assert_array_equal(pairs[:, 0], me.tonal_distance(x, 2, 0))
    itself = np.where(me.n_notes(x)[:, 1] > 0, 0.0, np.nan)  # NaN: a silent track has no beat
    np.testing.assert_array_equal(pairs[:, 1], itself)
    with pytest.raises(
        me.InvalidParameterError,
        match=r"pairs must be \(track_a, track_b\) pairs .* below n_tracks=3; got \[\(0, 3\)\]",
    ):
        me.compute(x, ["tonal_distance"], pairs=[(0, 3)])


def test_compute_takes_a_validated_roll():
    x = random_rolls(3, 5).astype(np.float32) * 2 - 1  # tanh-like: active when > 0
    roll = as_roll(x)
    assert all(
        np.array_equal(a, b, equal_nan=True)
        for a, b in zip(me.compute(roll).values(), me.compute(x).values(), strict=True)
    )
    with pytest.raises(me.InvalidParameterError, match="left out for x given as a validated Roll"):
        me.compute(roll, threshold=0.5)


def test_compute_never_writes_to_the_input():
    x = random_rolls(4, 3).astype(np.int8) * 90
    before = x.copy()
    me.compute(x, threshold=10, per="bar")
    np.testing.assert_array_equal(x, before)


# ---- streams ---------------------------------------------------------------------------------


def split(x: np.ndarray, cuts: list[int]) -> list[np.ndarray]:
    return np.split(x, sorted(cuts))


@FAST
@given(data=st.data())
def test_a_stream_gives_the_profile_of_its_concatenation_bit_for_bit(data):
    n = data.draw(st.integers(1, 14), label="n")
    x = random_rolls(data.draw(st.integers(0, 2**16), label="seed"), n)
    cuts = data.draw(st.lists(st.integers(1, max(1, n - 1)), max_size=4, unique=True), "cuts")
    chunk = data.draw(st.integers(1, 8), label="chunk_size")
    options = {"chunk_size": chunk, "reservoir_size": data.draw(st.integers(1, 10), "kept")}
    whole = me.profile(x, **options)
    streamed = me.profile(iter(split(x, [c for c in cuts if c < n])), **options)
    assert streamed == whole  # every statistic, the reservoir and the description
    for name in whole.metrics:  # exact where sums are exact, whatever the chunking
        np.testing.assert_array_equal(streamed.count(name), whole.count(name))
        np.testing.assert_array_equal(streamed.histogram(name)[0], whole.histogram(name)[0])
        np.testing.assert_array_equal(streamed.min(name), whole.min(name))


def test_a_stream_of_torch_tensors_and_of_other_layouts():
    torch = pytest.importorskip("torch")
    x = random_rolls(5, 9)
    tanh = torch.from_numpy(x.astype(np.float32) * 2 - 1)
    whole = me.profile(x, chunk_size=4)
    assert me.profile((tanh[i : i + 2] for i in range(0, 9, 2)), chunk_size=4) == whole
    bars = x.reshape(9, 2, 16, 128, 3)
    assert me.profile([bars[:5], bars[5:]], layout="NBSPK", chunk_size=4) == whole


def test_a_profile_holds_one_batch_of_a_stream_at_a_time():
    x = random_rolls(6, 12)
    alive: list[weakref.ref] = []

    def batches():
        for start in range(0, 12, 3):
            gc.collect()
            assert sum(ref() is not None for ref in alive) == 0, "an earlier batch is kept"
            batch = x[start : start + 3].copy()
            alive.append(weakref.ref(batch))
            yield batch
            del batch

    assert me.profile(batches(), chunk_size=5) == me.profile(x, chunk_size=5)


def test_compare_takes_a_stream():
    reference = me.profile(random_rolls(7, 10))
    generated = random_rolls(8, 7)
    whole = me.compare(generated, reference)
    streamed = me.compare(iter([generated[:3], generated[3:]]), reference)
    np.testing.assert_array_equal(streamed.samples(), whole.samples())
    assert streamed.to_frame().equals(whole.to_frame())


def test_bad_streams_are_refused():
    x = random_rolls(9, 4)
    with pytest.raises(me.InvalidParameterError, match="reference must be a non-empty stream"):
        me.profile(iter([]))
    with pytest.raises(me.InvalidParameterError, match="generated must be a non-empty stream"):
        me.compare(iter([]), me.profile(x))
    with pytest.raises(
        me.InvalidParameterError,
        match=r"reference must be batches .* \(32, 128, 3\).*; got \(16, 128, 3\).* sample 2 on",
    ):
        me.profile([x[:2], x[2:, :16]])
    with pytest.raises(me.InvalidParameterError, match="the generated set has 2 track"):
        me.compare([x[:2], x[2:, ..., :2]], me.profile(x))
