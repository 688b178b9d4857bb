"""Argument checks shared by every module: one error type, one message format.

Each check returns the value it accepted (converted to a plain Python type) or raises
:class:`~musiceval.exceptions.InvalidParameterError` with the message
``"<name> must be <expected>; got <received>"``. Nothing here imports more than numpy, so any
module may use it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Collection, Iterable, Mapping, Sequence
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from musiceval.exceptions import InvalidParameterError

__all__ = [
    "check_bool",
    "check_choice",
    "check_instance",
    "check_int",
    "check_metric_names",
    "check_names",
    "check_pairs",
    "check_path",
    "check_real",
    "describe",
    "invalid",
    "nanmean",
]

_SHOWN = (str, bytes, type(None), list, tuple, range)


def describe(value: Any) -> str:
    """How a received value reads in a message: numbers with their type, since ``4.0`` and
    ``4`` differ; strings and short sequences as written; other objects by their type."""
    if isinstance(value, bool | Integral | Real | np.generic):
        return f"{value!r} ({type(value).__name__})"
    if isinstance(value, _SHOWN):
        text = repr(value)
        return text if len(text) <= 80 else f"{text[:77]}... ({type(value).__name__})"
    return type(value).__name__


def invalid(name: str, expected: str, value: Any = None, *, received: str | None = None) -> Any:
    """The error for argument ``name``: ``"<name> must be <expected>; got <received>"``.

    ``received`` overrides the description of ``value`` (say, a shape instead of an array).
    Returned, not raised, so that callers ``raise invalid(...)`` and type checkers see it.
    """
    got = describe(value) if received is None else received
    return InvalidParameterError(f"{name} must be {expected}; got {got}")


def check_int(name: str, value: Any, *, minimum: int | None = 1, maximum: int | None = None) -> int:
    """An int (not a bool) in ``[minimum, maximum]`` (either bound may be None)."""
    expected = "an int"
    if minimum is not None and maximum is not None:
        expected = f"an int in [{minimum}, {maximum}]"
    elif minimum is not None:
        expected = f"an int >= {minimum}"
    elif maximum is not None:
        expected = f"an int <= {maximum}"
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise invalid(name, expected, value)
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise invalid(name, expected, value)
    return number


def check_real(
    name: str, value: Any, *, minimum: float | None = None, strict: bool = False
) -> float:
    """A finite real number (not a bool), ``> minimum`` with ``strict``, else ``>= minimum``."""
    expected = "a finite number"
    if minimum is not None:
        expected = f"a finite number {'>' if strict else '>='} {minimum}"
    if isinstance(value, bool) or not isinstance(value, Real) or not np.isfinite(float(value)):
        raise invalid(name, expected, value)
    number = float(value)
    if minimum is not None and (number <= minimum if strict else number < minimum):
        raise invalid(name, expected, value)
    return number


def check_bool(name: str, value: Any) -> bool:
    """``True`` or ``False`` (numpy's bool included), nothing else."""
    if not isinstance(value, bool | np.bool_):
        raise invalid(name, "True or False", value)
    return bool(value)


def check_choice(name: str, value: Any, choices: Collection[str]) -> str:
    """One of the strings ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise invalid(name, f"one of {list(choices)}", value)
    return value


def check_path(name: str, value: Any) -> Path:
    """A ``str`` or ``os.PathLike``, as a ``Path`` (nothing is checked on disk)."""
    if not isinstance(value, str | os.PathLike):
        raise invalid(name, "a str or os.PathLike", value)
    return Path(value)


def check_instance(name: str, value: Any, kind: type | tuple[type, ...], expected: str) -> Any:
    """``value`` if it is an instance of ``kind`` (described as ``expected``)."""
    if not isinstance(value, kind):
        raise invalid(name, expected, value)
    return value


def check_names(
    name: str, names: Any, n: int | None = None, *, distinct: bool = True
) -> tuple[str, ...]:
    """Strings, ``n`` of them when ``n`` is given, all different with ``distinct`` (track names
    that label data must be; a MIDI file's instruments may share a name)."""
    count = "" if n is None else f"{n} "
    expected = f"{count}{'distinct ' if distinct else ''}names (a sequence of str)"
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise invalid(name, expected, names)
    values = tuple(names)
    if not all(isinstance(item, str) for item in values):
        raise invalid(name, expected, names)
    if (distinct and len(set(values)) != len(values)) or (n is not None and len(values) != n):
        raise invalid(name, expected, list(values))
    return values


def check_pairs(name: str, pairs: Any, n_tracks: int) -> list[tuple[int, int]]:
    """Pairs of track indices ``(a, b)`` below ``n_tracks``; None: every pair with ``a < b``."""
    if pairs is None:
        return [(a, b) for a in range(n_tracks) for b in range(a + 1, n_tracks)]
    expected = f"(track_a, track_b) pairs of track indices below n_tracks={n_tracks}"
    if isinstance(pairs, str) or not isinstance(pairs, Sequence):
        raise invalid(name, expected, pairs)
    checked = []
    for pair in pairs:
        if (
            isinstance(pair, str)
            or not isinstance(pair, Sequence)
            or len(pair) != 2
            or not all(_is_index(track, n_tracks) for track in pair)
        ):
            raise invalid(name, expected, list(pairs))
        checked.append((int(pair[0]), int(pair[1])))
    return checked


def _is_index(value: Any, n: int) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and 0 <= int(value) < n


def check_metric_names(
    name: str, metrics: Any, allowed: Sequence[str], *, default: Sequence[str] | None = None
) -> tuple[str, ...]:
    """A non-empty list of distinct names from ``allowed`` (``default`` when None)."""
    if metrics is None and default is not None:
        return tuple(default)
    expected = f"a non-empty list of metric names: distinct names from {list(allowed)}"
    if isinstance(metrics, str):
        raise invalid(name, expected, received=f"the string {metrics!r}")
    if isinstance(metrics, bytes | Mapping) or not isinstance(metrics, Iterable):
        raise invalid(name, expected, metrics)
    values = list(metrics)
    if (
        not values
        or len(set(values)) != len(values)
        or not all(isinstance(item, str) and item in allowed for item in values)
    ):
        raise invalid(name, expected, values)
    return tuple(values)


def nanmean(values: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """Mean over ``axis`` ignoring NaN; NaN, without a warning, where nothing is defined."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=axis)
