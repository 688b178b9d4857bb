"""The mathematics of dataset profiles: sufficient statistics of blocks of metric values,
their exact merge, reservoirs and histogram edges.

Plain numpy on plain arrays: :class:`musiceval.profiles.DatasetProfile` holds what these
functions return and checks what it is given with :func:`check_statistics`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from musiceval.registry import METRICS

__all__ = [
    "FLOAT_FIELDS",
    "INT_FIELDS",
    "N_RATE_BINS",
    "block_statistics",
    "check_statistics",
    "describe_edges",
    "frozen",
    "histogram_edges",
    "int_array",
    "merge_reservoirs",
    "merge_statistics",
    "same_array",
]

N_RATE_BINS = 50
"""Histogram bins of the rates and entropies (equal bins over the registry bounds)."""

INT_FIELDS = ("count", "n_nan")
"""The integer statistics of a metric, per track."""
FLOAT_FIELDS = ("mean", "m2", "min", "max")
"""The float statistics of a metric, per track (``m2``: sum of squared deviations)."""


def histogram_edges(name: str, n_steps: int, n_pitches: int) -> np.ndarray:
    """Histogram edges of metric ``name`` for samples of ``n_steps`` x ``n_pitches``."""
    spec = METRICS[name]
    if spec.kind in ("count", "pitch"):
        upper = spec.upper if math.isfinite(spec.upper) else n_pitches * ((n_steps + 1) // 2)
        return np.arange(int(spec.lower), int(upper) + 2, dtype=np.float64) - 0.5
    return np.linspace(spec.lower, spec.upper, N_RATE_BINS + 1)


def block_statistics(values: np.ndarray, edges: np.ndarray) -> dict[str, np.ndarray]:
    """Sufficient statistics of ``(n_samples, n_tracks)`` values, per track."""
    v = np.ascontiguousarray(values.T, dtype=np.float64)  # reduce along contiguous rows
    nan = np.isnan(v)
    count = v.shape[1] - nan.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(nan, 0.0, v).sum(axis=1) / count  # NaN where count is 0
        deviations = np.where(nan, 0.0, v - mean[:, None])
    m2 = (deviations * deviations).sum(axis=1)
    defined = count > 0
    low = np.where(defined, np.where(nan, np.inf, v).min(axis=1, initial=np.inf), np.nan)
    high = np.where(defined, np.where(nan, -np.inf, v).max(axis=1, initial=-np.inf), np.nan)
    n_bins = len(edges) - 1
    clipped = np.clip(v, edges[0], edges[-1])  # a bound exceeded by rounding: the outer bin
    bins = np.minimum(np.searchsorted(edges, clipped, side="right") - 1, n_bins - 1)
    flat = (bins + n_bins * np.arange(len(v))[:, None])[~nan]
    histogram = np.bincount(flat, minlength=len(v) * n_bins).reshape(len(v), n_bins)
    return {
        "count": count.astype(np.int64),
        "n_nan": nan.sum(axis=1).astype(np.int64),
        "mean": mean,
        "m2": m2,
        "min": low,
        "max": high,
        "edges": edges,
        "histogram": histogram.astype(np.int64),
    }


def merge_statistics(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Chan et al.'s parallel update of (count, mean, m2), and the exact sums and extrema."""
    na, nb = a["count"], b["count"]
    n = na + nb
    with np.errstate(invalid="ignore", divide="ignore"):
        delta = b["mean"] - a["mean"]
        mean = np.where(
            na == 0, b["mean"], np.where(nb == 0, a["mean"], a["mean"] + delta * nb / n)
        )
        m2 = np.where(
            na == 0,
            b["m2"],
            np.where(nb == 0, a["m2"], a["m2"] + b["m2"] + delta * delta * (na / n * nb)),
        )
    return {
        "count": n,
        "n_nan": a["n_nan"] + b["n_nan"],
        "mean": mean,
        "m2": m2,
        "min": np.fmin(a["min"], b["min"]),
        "max": np.fmax(a["max"], b["max"]),
        "edges": a["edges"],
        "histogram": a["histogram"] + b["histogram"],
    }


def merge_reservoirs(
    a: np.ndarray, na: int, b: np.ndarray, nb: int, capacity: int, rng: np.random.Generator
) -> np.ndarray:
    """A uniform sample of ``min(capacity, na + nb)`` of the union of two sets.

    ``a`` is a uniform sample of a set of ``na`` samples (all of them when ``len(a) == na``),
    ``b`` likewise. How many come from each side is hypergeometric; each side's share is a
    uniform subset of its sample, kept in order.
    """
    if len(a) == na and len(b) == nb and na + nb <= capacity:
        return np.concatenate([a, b])
    k = min(capacity, na + nb)
    from_a = int(rng.hypergeometric(na, nb, k))
    keep_a = np.sort(rng.choice(len(a), from_a, replace=False))
    keep_b = np.sort(rng.choice(len(b), k - from_a, replace=False))
    return np.concatenate([a[keep_a], b[keep_b]])


def check_statistics(
    name: str, stats: Mapping[str, Any], n_tracks: int, n_samples: int
) -> dict[str, np.ndarray]:
    """The statistics of metric ``name`` as read-only arrays, or ValueError if inconsistent."""
    missing = sorted({*INT_FIELDS, *FLOAT_FIELDS, "edges", "histogram"} - set(stats))
    if missing:
        raise ValueError(f"statistics of {name} lack {missing}")
    out = {f: frozen(int_array(stats[f], f), f"{name} {f}", (n_tracks,)) for f in INT_FIELDS}
    for field in FLOAT_FIELDS:
        out[field] = frozen(np.asarray(stats[field], np.float64), f"{name} {field}", (n_tracks,))
    edges = np.array(stats["edges"], np.float64)
    if edges.ndim != 1 or len(edges) < 2 or not np.all(np.diff(edges) > 0):
        raise ValueError(
            f"histogram edges of {name} must be increasing, at least two; got {edges!r}"
        )
    out["edges"] = frozen(edges, f"{name} edges", edges.shape)
    hist = int_array(stats["histogram"], f"{name} histogram")
    out["histogram"] = frozen(hist, f"{name} histogram", (n_tracks, len(edges) - 1))
    if np.any(out["count"] < 0) or np.any(out["n_nan"] < 0) or np.any(hist < 0):
        raise ValueError(f"counts of {name} must be >= 0")
    if not np.all(out["count"] + out["n_nan"] == n_samples):
        raise ValueError(
            f"count + n_nan of {name} must equal n_samples={n_samples} for every "
            f"track; got {(out['count'] + out['n_nan']).tolist()}"
        )
    if not np.array_equal(hist.sum(axis=1), out["count"]):
        raise ValueError(
            f"the histogram of {name} must hold count values per track: "
            f"{hist.sum(axis=1).tolist()} != {out['count'].tolist()}"
        )
    return out


def describe_edges(edges: np.ndarray) -> str:
    return f"{len(edges) - 1} bins over [{float(edges[0])!r}, {float(edges[-1])!r}]"


def int_array(values: Any, what: str) -> np.ndarray:
    array = np.array(values)
    if array.size and array.dtype.kind not in "iu":
        raise ValueError(f"{what} must hold integers; got dtype {array.dtype}")
    return array.astype(np.int64)


def frozen(array: np.ndarray, what: str, shape: tuple[int, ...]) -> np.ndarray:
    if array.shape != shape:
        raise ValueError(f"{what} must have shape {shape}; got {array.shape}")
    array = np.array(array)  # own the data
    array.flags.writeable = False
    return array


def same_array(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype != b.dtype:
        return False
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
