"""The torch backend (statistics computed by torch on the tensor's device) equals the numba one.

CI has no GPU, so the equality is checked on CPU tensors: every metric and option (hypothesis,
over the cases of ``test_properties``), the sufficient statistics themselves, hand cases, the
chunking and the memory that float input costs. ``test_cuda_equals_numba`` runs when a GPU is
there.
"""

from __future__ import annotations

import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
import test_properties as properties
from hypothesis import given, settings
from hypothesis import strategies as st

import musiceval as me
from musiceval._engine import raw as raw_module
from musiceval._engine import torch_stats
from musiceval._engine.compute import choose_backend
from musiceval._engine.stats import Needs, gather, gather_raw
from musiceval.rolls import Roll, read_roll

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.usefixtures("one_numba_thread")  # tiny rolls: see conftest.py
ALL = list(me.METRICS)
FAST = settings(properties.FAST, max_examples=40)


def same_values(actual: dict, expected: dict) -> None:
    assert list(actual) == list(expected)
    for name in expected:
        assert actual[name].dtype == expected[name].dtype == np.float64, name
        np.testing.assert_array_equal(actual[name], expected[name], err_msg=name)


def encodings(x: np.ndarray, rng: np.random.Generator):
    """The active cells of the bool roll ``x`` as tensors of several dtypes: (tensor, threshold)."""
    velocities = np.where(x, rng.integers(1, 128, x.shape), 0).astype(np.uint8)
    yield torch.from_numpy(x), 0.0
    yield torch.from_numpy(velocities), 0.5
    yield torch.from_numpy(velocities).to(torch.int64), 0.0
    yield torch.from_numpy(np.where(x, 1.0, -1.0).astype(np.float32)), 0.0  # tanh-like
    yield torch.from_numpy(np.where(x, 0.9, 0.1)).to(torch.float16), 0.5
    yield torch.from_numpy(x.astype(np.float32)).to(torch.bfloat16), 0.5
    by_track = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))).double()
    yield by_track.permute(0, 2, 3, 1), 0.0  # not contiguous


# ---- every metric and option, torch == numba ----------------------------------------------


@FAST
@given(properties.cases(max_tracks=3), st.integers(0, 2**32 - 1))
def test_torch_on_cpu_tensors_equals_numba_for_every_metric_and_option(case, seed):
    x, options, lowest_pitch = case
    expected = me.compute(x, ALL, lowest_pitch=lowest_pitch, backend="numba", **options)
    for tensor, threshold in encodings(x, np.random.default_rng(seed)):
        got = me.compute(
            tensor, ALL, lowest_pitch=lowest_pitch, threshold=threshold, backend="torch", **options
        )
        same_values(got, expected)
    same_values(me.compute(x, ALL, lowest_pitch=lowest_pitch, backend="torch", **options), expected)


@FAST
@given(properties.cases(max_tracks=3))
def test_torch_statistics_equal_the_kernel_s(case):
    x, options, lowest_pitch = case
    roll = read_roll(x, lowest_pitch=lowest_pitch)
    assert isinstance(roll, Roll)
    tensor = torch.from_numpy(x).float()
    for bar in (None, options["steps_per_bar"]):
        needs = Needs(
            min_steps=options["min_steps"],
            min_pitches=options["min_pitches"],
            steps_per_bar=bar,
            steps_per_beat=options["steps_per_beat"],
            onsets=True,
            pitches=True,
            notes=True,
        )
        expected = gather(roll, **vars(needs))
        for got in (
            torch_stats.gather_torch(roll, needs),
            torch_stats.gather_torch(read_roll(tensor, lowest_pitch=lowest_pitch), needs),
            gather_raw(read_roll(x.astype(np.float32), lowest_pitch=lowest_pitch), needs),
        ):
            for field in expected.__dataclass_fields__:
                want, have = getattr(expected, field), getattr(got, field)
                if isinstance(want, np.ndarray):
                    assert have.dtype == want.dtype, field
                np.testing.assert_array_equal(have, want, err_msg=field)


@FAST
@given(properties.cases(max_tracks=2, crop=False))
def test_every_layout_gives_the_same_values_on_torch(case):
    x, options, _ = case
    n, n_steps, n_pitches, n_tracks = x.shape
    bar = options["steps_per_bar"]
    expected = me.compute(x, ALL, **options)
    nbspk = torch.from_numpy(x.reshape(n, n_steps // bar, bar, n_pitches, n_tracks)).half()
    rest = {key: value for key, value in options.items() if key != "steps_per_bar"}
    same_values(me.compute(nbspk, ALL, layout="NBSPK", backend="torch", **rest), expected)
    ktp = torch.from_numpy(x[0]).permute(2, 0, 1).float() * 2 - 1
    got = me.compute(ktp, ALL, layout="KTP", backend="torch", **options)
    for name in ALL:
        np.testing.assert_array_equal(got[name], expected[name][0], err_msg=name)


# ---- hand cases ----------------------------------------------------------------------------


def _triad_and_melody() -> np.ndarray:
    """Track 0: C-E-G held 8 steps, then G alone 8 steps; track 1: F# at steps 0-1 and 4-5."""
    x = np.zeros((1, 16, 128, 2), np.float32)
    x[0, :8, [60, 64, 67], 0] = 1.0
    x[0, 8:, 67, 0] = 1.0
    x[0, [0, 1, 4, 5], 66, 1] = 1.0
    return x


@pytest.mark.parametrize("backend", ["numba", "torch"])
def test_a_hand_case_on_either_backend(backend):
    x = torch.from_numpy(_triad_and_melody())
    values = me.compute(x, ALL, backend=backend)
    # track 0: C4 and E4 are one note each, G4 one 16-step note; track 1: two notes of 2 steps
    np.testing.assert_array_equal(values["n_notes"], [[3, 2]])
    np.testing.assert_array_equal(values["n_pitches_used"], [[3, 1]])
    np.testing.assert_array_equal(values["pitch_range"], [[7, 0]])
    np.testing.assert_array_equal(values["polyphonic_rate"], [[0.5, 0.0]])  # 8 of 16 steps
    np.testing.assert_array_equal(values["qualified_note_rate"], [[1.0, 1.0]])
    np.testing.assert_array_equal(values["in_scale_ratio"], [[1.0, 0.0]])  # C major; F# is not
    np.testing.assert_array_equal(values["empty_bar_rate"], [[0.0, 0.0]])
    np.testing.assert_array_equal(values["n_pitch_classes_used"], [[3, 1]])
    assert values["best_key"][0, 0] == 0.0  # C, the lowest of the keys that hold C, E and G
    # every onset (steps 0 and 4) lies on the grid of 2 steps
    onsets_on_grid = me.compute(x, ["drum_in_pattern_rate"], backend=backend)
    np.testing.assert_array_equal(onsets_on_grid["drum_in_pattern_rate"], [[1.0, 1.0]])
    per_bar = me.compute(x, ["n_notes"], steps_per_bar=8, per="bar", backend=backend)
    np.testing.assert_array_equal(per_bar["n_notes"], [[2.0, 2.0]])  # (3 + 1) / 2; 2, one bar


def test_nan_and_inf_raise_on_the_torch_backend_naming_the_argument():
    for value in (float("nan"), float("inf"), float("-inf")):
        x = torch.zeros((70, 16, 128, 1))
        x[69, 3, 60, 0] = value
        for backend in ("numba", "torch"):
            with pytest.raises(me.InvalidParameterError, match=r"^x holds NaN or inf"):
                me.compute(x, ["n_notes"], backend=backend)


def test_the_backend_option_is_checked_and_auto_keeps_cpu_tensors_on_numba():
    x = np.zeros((1, 16, 128, 1), bool)
    with pytest.raises(
        me.InvalidParameterError,
        match=r"^backend must be one of \['auto', 'numba', 'torch'\]; got 'cuda'",
    ):
        me.compute(x, ["n_notes"], backend="cuda")
    assert choose_backend(read_roll(torch.zeros(1, 16, 128, 1)), "auto") == "numba"
    assert choose_backend(read_roll(x), "auto") == "numba"
    assert choose_backend(read_roll(x), "torch") == "torch"
    assert me.evaluate(torch.from_numpy(x), ["n_notes"], backend="torch")["value"].tolist() == [0]


# ---- chunks and memory -----------------------------------------------------------------------


def test_chunk_boundaries_change_nothing(monkeypatch):
    rng = np.random.default_rng(5)
    rolls = rng.random((150, 32, 128, 3)) > 0.97
    expected = me.compute(rolls, ALL)
    expected_bars = me.compute(rolls, ALL, per="bar", weight="notes")
    monkeypatch.setattr(torch_stats, "_CHUNK_CELLS", 3 * 32 * 128 * 3 + 5)  # 3 samples a chunk
    monkeypatch.setattr(raw_module, "_CHUNK_CELLS", 1)  # the fewest samples a chunk allows
    tensor = torch.from_numpy(np.where(rolls, 1.0, -1.0))
    fortran = np.asfortranarray(rolls.astype(np.float32))  # copied a chunk at a time
    for got in (
        me.compute(tensor, ALL, backend="torch"),
        me.compute(fortran, ALL),
        me.compute(fortran, ALL, backend="torch"),
        me.compute(tensor.permute(0, 1, 3, 2).contiguous().permute(0, 1, 3, 2), ALL),
    ):
        same_values(got, expected)
    same_values(me.compute(tensor, ALL, per="bar", weight="notes", backend="torch"), expected_bars)
    same_values(me.compute(fortran, ALL, per="bar", weight="notes"), expected_bars)


def test_compute_takes_a_validated_raw_roll():
    x = np.where(np.random.default_rng(2).random((3, 32, 84, 2)) > 0.9, 0.9, 0.2)
    raw = read_roll(torch.from_numpy(x), threshold=0.5, lowest_pitch=24)
    expected = me.compute(x > 0.5, ALL, lowest_pitch=24)
    for backend in ("numba", "torch"):
        same_values(me.compute(raw, ALL, backend=backend), expected)
    with pytest.raises(me.InvalidParameterError, match="validated Roll or RawRoll"):
        me.compute(raw, ALL, threshold=0.5)


def test_float_input_costs_no_full_size_mask():
    rng = np.random.default_rng(0)
    x = (rng.random((256, 64, 128, 4)) > 0.99).astype(np.float32) * 2 - 1
    me.compute(x[:2], ["n_notes", "empty_bar_rate"])  # compiled and warm
    tracemalloc.start()
    try:
        me.compute(x, ["n_notes", "empty_bar_rate"])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < x.size / 16, peak  # a bool mask of the roll would take x.size bytes


_TENSOR_PEAK = """
import resource, sys, numpy as np, torch, musiceval as me
x = torch.from_numpy((np.random.default_rng(0).random((512, 64, 128, 4)) > 0.99) * 2.0 - 1)
x = x.float()
me.compute(x[:2], ["n_notes"])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
me.compute(x, ["n_notes", "empty_bar_rate"])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""


def test_a_cpu_float_tensor_costs_no_full_size_mask():
    # torch's allocations escape tracemalloc: the peak resident memory of a fresh process
    grown_kib = int(
        subprocess.run(
            [sys.executable, "-c", _TENSOR_PEAK], capture_output=True, text=True, check=True
        ).stdout.split()[-1]
    )
    assert grown_kib * 1024 < 512 * 64 * 128 * 4 / 8, grown_kib  # an eighth of a bool mask


# ---- CUDA, when a GPU is there -------------------------------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_equals_numba():
    rng = np.random.default_rng(3)
    x = rng.random((300, 64, 128, 4)) > 0.98
    for options in ({}, {"per": "bar", "weight": "notes", "min_steps": 3, "min_pitches": 3}):
        expected = me.compute(x, ALL, **options)
        for tensor, threshold in encodings(x, rng):
            cuda = tensor.cuda()
            assert choose_backend(read_roll(cuda), "auto") == "torch"
            for backend in ("auto", "torch", "numba"):
                got = me.compute(cuda, ALL, threshold=threshold, backend=backend, **options)
                same_values(got, expected)
    bad = torch.zeros((2, 16, 128, 1), device="cuda")
    bad[1, 2, 3, 0] = float("nan")
    with pytest.raises(me.InvalidParameterError, match="NaN or inf"):
        me.compute(bad, ["n_notes"])
