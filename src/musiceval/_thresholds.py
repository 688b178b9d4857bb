"""The activity threshold, exactly: ``value > threshold`` as a comparison within the input's
dtype, whatever the dtype (numpy, torch, float16 to longdouble, every integer width).

:func:`threshold_value` reads the threshold as an exact fraction; :func:`exact_threshold` turns
it into the :class:`Threshold` of one dtype (the largest value of a float dtype <= the threshold,
the floor clipped to the range of an integer one), which :func:`threshold_array`,
:func:`threshold_tensor` and the numba kernel apply. ``docs/conventions.md`` states the rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from numbers import Rational, Real
from typing import Any

import numpy as np

from musiceval._checks import invalid

__all__ = [
    "Threshold",
    "exact_threshold",
    "threshold_array",
    "threshold_tensor",
    "threshold_value",
]


def threshold_value(threshold: Any) -> Fraction:
    """``threshold`` as an exact fraction (ints are not rounded, floats of any width give their
    binary value); raises unless it is a finite real number (not a bool)."""
    if isinstance(threshold, bool) or not isinstance(threshold, Real):
        raise invalid("threshold", "a finite number", threshold)
    if isinstance(threshold, Rational):  # ints included
        return Fraction(int(threshold.numerator), int(threshold.denominator))
    ratio = getattr(threshold, "as_integer_ratio", None)
    try:
        return Fraction(*ratio()) if ratio is not None else Fraction(float(threshold))
    except (ValueError, OverflowError):  # NaN, inf
        raise invalid("threshold", "a finite number", threshold) from None


@dataclass(frozen=True)
class Threshold:
    """``value > threshold`` for one dtype, exactly, as a comparison within that dtype.

    A value is active when ``> bound``, or always when ``everything``. ``bound`` (an int, float
    or longdouble that the dtype holds exactly) is, for a float dtype, its largest value <= the
    threshold (-inf below every finite value); for an integer dtype (bool: 0 and 1), the
    threshold's floor clipped to the dtype's range, ``everything`` when the floor is below it.
    """

    bound: Any
    everything: bool = False


def _number_format(dtype: Any) -> tuple[bool, int, int, Any]:
    """``(False, lowest, highest, None)`` of an integer numpy or torch dtype (bool: 0, 1), or
    ``(True, mantissa bits, lowest normal exponent, largest finite value)`` of a float one."""
    if dtype is np.bool_ or str(dtype) in ("bool", "torch.bool"):
        return False, 0, 1, None
    if type(dtype).__module__.split(".")[0] == "torch":
        import torch

        if not dtype.is_floating_point:
            return False, torch.iinfo(dtype).min, torch.iinfo(dtype).max, None
        limits = torch.finfo(dtype)
        return True, 1 - math.frexp(limits.eps)[1], math.frexp(limits.tiny)[1] - 1, limits.max
    if np.dtype(dtype).kind != "f":
        return False, int(np.iinfo(dtype).min), int(np.iinfo(dtype).max), None
    info = np.finfo(dtype)
    return True, int(info.nmant), int(info.minexp), info.max


def _float_value(value: Fraction, mantissa: int) -> Any:
    """``value``, exactly representable with ``mantissa`` bits, as a float (a longdouble when
    wider than float64)."""
    if mantissa <= 52:
        return float(value)
    excess = max(0, value.numerator.bit_length() - 64)  # an integer's trailing zeros
    high, low = divmod(value.numerator >> excess, 1 << 32)
    significand = np.longdouble(high) * (1 << 32) + low
    return np.ldexp(significand, excess + 1 - value.denominator.bit_length())


def exact_threshold(threshold: Fraction, dtype: Any) -> Threshold:
    """The :class:`Threshold` of ``threshold`` (see :func:`threshold_value`) for ``dtype``."""
    is_float, first, second, largest = _number_format(dtype)
    if not is_float:
        floor = math.floor(threshold)
        return Threshold(first, True) if floor < first else Threshold(min(floor, second))
    largest = Fraction(*largest.as_integer_ratio())
    if threshold >= largest:
        return Threshold(_float_value(largest, first))
    if threshold < -largest:
        return Threshold(-math.inf)
    size = abs(threshold)
    exponent = size.numerator.bit_length() - size.denominator.bit_length()
    exponent -= size < Fraction(2) ** exponent  # now 2**exponent <= |threshold| < 2**(exponent+1)
    spacing = Fraction(2) ** (max(exponent, second) - first)
    return Threshold(_float_value(math.floor(threshold / spacing) * spacing, first))


def threshold_array(cells: np.ndarray, threshold: Threshold) -> np.ndarray:
    """``cells > threshold`` of a numpy array, exactly, as a bool array (no finiteness check)."""
    if threshold.everything:
        return np.ones(cells.shape, np.bool_)
    return np.greater(cells, np.asarray(threshold.bound, dtype=cells.dtype))


def threshold_tensor(cells: Any, threshold: Threshold) -> tuple[Any, Any]:
    """``(cells > threshold, non_finite)`` of a tensor, on its device, exactly; ``non_finite``: a
    0-dim bool tensor there (NaN or inf found; no synchronisation), None for integers."""
    import torch

    bad = None
    if cells.dtype.is_floating_point and cells.numel():
        low, high = torch.aminmax(cells)  # NaN propagates
        bad = ~(torch.isfinite(low) & torch.isfinite(high))
    if threshold.everything:
        return torch.ones(cells.shape, dtype=torch.bool, device=cells.device), bad
    bound = threshold.bound
    if cells.dtype == torch.bool:
        cells = cells.view(torch.uint8)
    elif cells.dtype in (torch.uint16, torch.uint32):  # no comparison kernels: widen, exactly
        cells = cells.to(torch.int64)
    elif cells.dtype == torch.uint64:  # the same order as signed integers, sign bit flipped
        cells, bound = cells.view(torch.int64) ^ -(1 << 63), bound - (1 << 63)
    return cells > torch.tensor(bound, dtype=cells.dtype, device=cells.device), bad
