"""Validation of the inputs of every distance: real arrays, 1-D samples and feature rows.

Shared rules: non-finite values are dropped (per value for a 1-D sample, per row for a set of
feature vectors), the caller's array is never written, and a malformed input raises
:class:`~musiceval.exceptions.InvalidParameterError` naming the argument.
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from musiceval._checks import invalid
from musiceval.exceptions import InvalidParameterError

__all__ = ["feature_rows", "real_array", "real_scalar", "sample_values"]


def real_array(name: str, value: Any) -> np.ndarray:
    """``value`` as a new float64 array (the caller's array is never written), or raise."""
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested sequences
        raise invalid(name, "array-like of real numbers", value) from None
    if array.dtype.kind not in "biuf":
        raise InvalidParameterError(
            f"{name} must hold real numbers (bool, int or float); got an array of dtype "
            f"{array.dtype}"
        )
    return array.astype(np.float64, copy=True)


def sample_values(name: str, value: Any) -> np.ndarray:
    """A 1-D sample with its non-finite values dropped."""
    array = real_array(name, value)
    if array.ndim != 1:
        raise invalid(name, "a 1-D array of shape (n_samples,)", received=f"shape {array.shape}")
    return array[np.isfinite(array)]


def feature_rows(name: str, value: Any, n_features: int | None = None) -> np.ndarray:
    """A (n_samples, n_features) set with its rows holding a non-finite value dropped."""
    array = real_array(name, value)
    if array.ndim == 1:
        array = array[:, None]
    elif array.ndim != 2:
        raise invalid(
            name,
            "an array of shape (n_samples,) or (n_samples, n_features)",
            received=f"shape {array.shape}",
        )
    if n_features is not None and array.shape[1] != n_features:
        raise InvalidParameterError(
            f"{name} must have {n_features} feature(s), as the first set has; got shape "
            f"{array.shape}"
        )
    return array[np.isfinite(array).all(axis=1)]


def real_scalar(name: str, value: Any) -> float:
    """A real number (not a bool) as a float; NaN and infinities are accepted."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise invalid(name, "a real number", value)
    return float(value)
