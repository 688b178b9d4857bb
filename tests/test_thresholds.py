"""``value > threshold`` is exact for every dtype (issue 10, item 1).

The reference compares Python ``Fraction``s: the exact value of every cell against the exact
value of the threshold, whatever their types. The library compares within the input's dtype,
against the threshold converted by ``_thresholds.exact_threshold``; the properties check its three
implementations (numpy in ``as_roll``, the fused numba kernel, torch) cell by cell, with
thresholds on, just beside and between the values the dtype can hold.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import musiceval as me
from musiceval._engine.stats import Needs, gather_raw
from musiceval._thresholds import Threshold, exact_threshold
from musiceval.rolls import RawRoll, Roll, as_roll, read_roll

torch = pytest.importorskip("torch")

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FLOATS = ["float16", "float32", "float64"]
INTEGERS = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
NUMPY_DTYPES = [*FLOATS, *INTEGERS, "bool"]
TINY = Fraction(1, 2**1200)  # below the spacing of every float near any of its values
N_VALUES = 256


# ---- the three cases of the issue: wrong before, exact now ---------------------------------


def test_float16_zeros_are_above_a_tiny_negative_threshold():
    x = np.zeros((1, 16, 128, 1), np.float16)
    assert me.n_pitches_used(x, threshold=-1e-9)[0, 0] == 128  # float16(-1e-9) is -0.0
    assert me.n_pitches_used(x.astype(np.float64), threshold=-1e-9)[0, 0] == 128


def test_bfloat16_ones_are_above_a_threshold_that_rounds_to_one():
    x = torch.ones(1, 16, 128, 1, dtype=torch.bfloat16)
    assert me.n_pitches_used(x, threshold=0.999)[0, 0] == 128  # bfloat16(0.999) is 1.0
    on_torch = me.compute(x, ["n_pitches_used"], threshold=0.999, backend="torch")
    assert on_torch["n_pitches_used"][0, 0] == 128


def test_int64_beyond_two_to_the_53_is_compared_as_an_integer():
    x = np.full((1, 4, 128, 1), 2**53 + 1)  # as float64, 2**53 + 1 is 2**53
    assert me.n_pitches_used(x, threshold=2**53)[0, 0] == 128
    assert me.n_pitches_used(x, threshold=2**53 + 1)[0, 0] == 0  # an int threshold stays exact
    on_torch = me.compute(torch.from_numpy(x), ["n_pitches_used"], threshold=2**53, backend="torch")
    assert on_torch["n_pitches_used"][0, 0] == 128


# ---- the rule for one dtype ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "threshold", "expected"),
    [
        ("float16", Fraction(-1, 10**9), Threshold(-(2.0**-24))),  # the largest float16 below
        ("float16", 70000, Threshold(65504.0)),  # above every finite value: nothing is active
        ("float16", -70000, Threshold(-math.inf)),  # below every finite value: all are
        ("float32", 0.1, Threshold(float(np.nextafter(np.float32(0.1), np.float32(0))))),
        ("float64", 0.1, Threshold(0.1)),
        ("int8", -200, Threshold(-128, everything=True)),
        ("int8", 200, Threshold(127)),
        ("uint8", -0.5, Threshold(0, everything=True)),
        ("uint8", 0.5, Threshold(0)),  # so uint8 with 0 <= threshold < 1 is read in place
        ("uint64", 2**64, Threshold(2**64 - 1)),
        ("bool", 0.999, Threshold(0)),
        ("bool", 1, Threshold(1)),
    ],
)
def test_the_threshold_in_the_dtype(dtype, threshold, expected):
    assert exact_threshold(Fraction(threshold), np.dtype(dtype)) == expected


def test_the_threshold_for_torch_dtypes():
    assert exact_threshold(Fraction(999, 1000), torch.bfloat16) == Threshold(0.99609375)
    assert exact_threshold(Fraction(-1), torch.bool) == Threshold(0, everything=True)
    assert exact_threshold(Fraction(2**70), torch.int64) == Threshold(2**63 - 1)


def test_thresholds_of_every_real_type_are_taken_exactly():
    x = np.full((1, 1, 128, 1), 2**64 - 1, np.uint64)
    for threshold in (2**64 - 2, np.uint64(2**64 - 2), Fraction(2**65 - 3, 2)):
        assert me.n_pitches_used(x, threshold=threshold)[0, 0] == 128
    for threshold in (2**64 - 1, 10**400, -(10**400) + 2**70):
        assert me.n_pitches_used(x, threshold=threshold)[0, 0] == 128 * (threshold < 0)
    y = np.full((1, 1, 128, 1), 0.1, np.float16)
    assert me.n_pitches_used(y, threshold=np.float16(0.1))[0, 0] == 0
    assert me.n_pitches_used(y, threshold=Fraction(1, 10))[0, 0] == 0  # float16(0.1) < 1/10
    just_below = Fraction(float(np.float16(0.1))) - Fraction(1, 2**40)
    assert me.n_pitches_used(y, threshold=just_below)[0, 0] == 128


@pytest.mark.parametrize("threshold", [np.nan, np.inf, -np.inf, True, "0.5", None, 1j])
def test_a_threshold_must_be_a_finite_real_number(threshold):
    with pytest.raises(me.InvalidParameterError, match=r"^threshold must be a finite number; got"):
        me.n_notes(np.zeros((1, 16, 128, 1)), threshold=threshold)


def test_no_warning_for_a_threshold_beyond_the_dtype():
    x = np.ones((1, 16, 128, 1), np.float16)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert me.n_pitches_used(x, threshold=70000)[0, 0] == 0
        assert me.n_pitches_used(x, threshold=-1e300)[0, 0] == 128
        assert me.n_pitches_used(x.astype(np.int8), threshold=1e300)[0, 0] == 0


def test_bool_and_uint8_with_a_threshold_in_zero_one_are_read_in_place():
    for dtype in (bool, np.uint8):
        x = np.zeros((1, 16, 128, 1), dtype)
        assert np.shares_memory(as_roll(x, threshold=0.75).cells, x)
        assert isinstance(read_roll(x, threshold=0.75), Roll)
        assert isinstance(read_roll(x, threshold=1), RawRoll)
        assert isinstance(read_roll(x, threshold=-0.5), RawRoll)


# ---- properties: every dtype, thresholds near representable values -----------------------


def _exact(value) -> Fraction:
    if isinstance(value, bool | np.bool_):
        return Fraction(int(value))
    return Fraction(value.item() if hasattr(value, "item") else value)


def _neighbours(dtype: str, value) -> list[Fraction]:
    """The representable values just below and above ``value`` (floats) or value -/+ 1."""
    if dtype in FLOATS:
        kind = np.dtype(dtype).type
        with np.errstate(over="ignore"):
            steps = [np.nextafter(kind(value), kind(direction)) for direction in (-np.inf, np.inf)]
        return [_exact(step) for step in steps if np.isfinite(step)]
    return [_exact(value) - 1, _exact(value) + 1]


@st.composite
def float_values(draw, dtype: str):
    """``N_VALUES`` finite values of a float dtype from random bit patterns, with ties."""
    width = np.dtype(dtype).itemsize * 8
    bits = draw(st.lists(st.integers(0, 2**width - 1), min_size=8, max_size=32))
    values = np.array(bits, f"uint{width}").view(dtype)
    specials = np.array([0.0, -0.0, 1.0, -1.0], dtype)
    specials = np.concatenate([specials, [np.finfo(dtype).max, np.finfo(dtype).smallest_subnormal]])
    values = np.concatenate([values[np.isfinite(values)], specials, -specials])
    return np.resize(values, N_VALUES)


@st.composite
def integer_values(draw, dtype: str):
    if dtype == "bool":
        return np.resize(np.array(draw(st.lists(st.booleans(), min_size=1)), bool), N_VALUES)
    info = np.iinfo(dtype)
    edge = st.sampled_from([int(info.min), int(info.max), 0, 1, int(info.max) - 1])
    values = draw(st.lists(st.one_of(edge, st.integers(int(info.min), int(info.max))), min_size=1))
    return np.resize(np.array(values, dtype), N_VALUES)


@st.composite
def near(draw, dtype: str, values: np.ndarray):
    """A threshold on, beside or between the values of ``dtype`` next to one of ``values``, or
    far outside the dtype, as an int, float, numpy scalar or Fraction."""
    anchor = values[draw(st.integers(0, len(values) - 1))]
    exact = _exact(anchor)
    around = _neighbours(dtype, anchor) if dtype != "bool" else [Fraction(-1), Fraction(2)]
    candidates = [exact, exact + TINY, exact - TINY, *((exact + n) / 2 for n in around)]
    candidates += [Fraction(2**53 + 1), Fraction(-(2**63) - 1), Fraction(2**64), Fraction(10**400)]
    threshold = draw(st.sampled_from(candidates))
    kind = draw(st.sampled_from(["fraction", "float", "int", "numpy"]))
    if kind == "int" and threshold.denominator == 1:
        return int(threshold)
    if kind in ("float", "numpy") and abs(threshold) < 2**1000:
        with np.errstate(over="ignore"):
            scalar = np.dtype(dtype if kind == "numpy" and dtype in FLOATS else float).type(
                threshold
            )
        if np.isfinite(scalar) and _exact(scalar) == threshold:
            return scalar if kind == "numpy" else float(scalar)
    return threshold


def _reference(values, threshold) -> np.ndarray:
    """``value > threshold`` for every value, in exact rational arithmetic."""
    bound = _exact(threshold) if not isinstance(threshold, Fraction) else threshold
    return np.array([_exact(v) > bound for v in values], bool)


def _cells(values, threshold, backend: str) -> np.ndarray:
    """The active cells of ``values`` (a (N_VALUES,) array or tensor) as each path sees them:
    ``as_roll`` (numpy, or torch for a tensor), the numba kernel, or torch."""
    x = values.reshape(2, 1, 128, 1)  # one step: the per-pitch cell count is the mask
    if backend == "as_roll":
        return as_roll(x, threshold=threshold).cells.reshape(-1).astype(bool)
    roll = read_roll(x, threshold=threshold)
    needs = Needs(pitches=True)
    if backend == "torch":
        from musiceval._engine.torch_stats import gather_torch

        return gather_torch(roll, needs).cell_hist.reshape(-1).astype(bool)
    if isinstance(roll, Roll):  # bool read in place: nothing to threshold
        return roll.cells.reshape(-1).astype(bool)
    return gather_raw(roll, needs).cell_hist.reshape(-1).astype(bool)


def _values(draw, dtype):
    return draw(float_values(dtype) if dtype in FLOATS else integer_values(dtype))


@pytest.mark.parametrize("dtype", NUMPY_DTYPES)
@FAST
@given(st.data())
def test_numpy_input_is_thresholded_exactly(dtype, data):
    values = _values(data.draw, dtype)
    threshold = data.draw(near(dtype, values))
    expected = _reference(values, threshold)
    for backend in ("as_roll", "numba", "torch"):
        got = _cells(values, threshold, backend)
        np.testing.assert_array_equal(got, expected, err_msg=f"{backend} {threshold!r}")
    count = me.n_pitches_used(values.reshape(2, 1, 128, 1), threshold=threshold)
    np.testing.assert_array_equal(count.reshape(-1), expected.reshape(2, 128).sum(axis=1))


def _bfloat16_above(value: float) -> float:
    """The next bfloat16 above ``value`` (a bfloat16; itself at the largest finite one)."""
    if value == 0:
        return 2.0**-133  # the smallest positive bfloat16
    bits = int(np.array(value, np.float32).view(np.int32))
    bits += (1 << 16) if value > 0 else -(1 << 16)  # one step of the upper half
    above = float(np.array(bits, np.int32).view(np.float32))
    return above if math.isfinite(above) else value


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "uint16", "uint32", "uint64", "bool"])
@FAST
@given(st.data())
def test_tensors_are_thresholded_exactly(dtype, data):
    if dtype == "bfloat16":  # bit patterns of the upper half of float32s
        bits = data.draw(st.lists(st.integers(-(2**15), 2**15 - 1), min_size=8, max_size=32))
        tensor = torch.tensor(bits, dtype=torch.int16).view(torch.bfloat16)
        tensor = tensor[torch.isfinite(tensor)]
        tensor = torch.cat([tensor, torch.tensor([0.0, -0.0, 1.0, -1.0], dtype=torch.bfloat16)])
        tensor = tensor.repeat(N_VALUES // len(tensor) + 1)[:N_VALUES]
        values = tensor.float().numpy()  # exact: a bfloat16 is a float32
        anchor = float(values[data.draw(st.integers(0, N_VALUES - 1))])
        between = (Fraction(anchor) + Fraction(_bfloat16_above(anchor))) / 2
        threshold = data.draw(
            st.sampled_from([anchor, between, anchor - TINY, Fraction(999, 1000)])
        )
    else:
        values = _values(data.draw, dtype)
        threshold = data.draw(near(dtype, values))
        tensor = torch.from_numpy(values)
    expected = _reference(values, threshold)
    for backend in ("as_roll", "numba", "torch"):
        got = _cells(tensor, threshold, backend)
        np.testing.assert_array_equal(got, expected, err_msg=f"{backend} {threshold!r}")
