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
    "BINS_PER_DOUBLING",
    "FLOAT_FIELDS",
    "INT_FIELDS",
    "MAX_SAMPLES",
    "MAX_STEPS",
    "N_RATE_BINS",
    "UNIT_BINS",
    "bin_index",
    "block_moments",
    "block_statistics",
    "check_moment_values",
    "check_moments",
    "check_reservoir",
    "check_statistics",
    "check_values",
    "common_edges",
    "describe_edges",
    "float_array",
    "frozen",
    "histogram_edges",
    "int_array",
    "merge_moments",
    "merge_reservoirs",
    "merge_statistics",
    "position",
    "rebin",
    "same_array",
]

N_RATE_BINS = 50
"""Histogram bins of the rates and entropies (equal bins over the registry bounds)."""
UNIT_BINS = 4096
"""Counts and pitches get one bin per integer up to ``lower + UNIT_BINS`` (all of them when the
range holds no more), then :data:`BINS_PER_DOUBLING` wider bins per doubling of the range."""
BINS_PER_DOUBLING = 256
"""Bins of a count histogram per doubling of its range beyond :data:`UNIT_BINS`."""
MAX_STEPS = 2**40
"""The most steps per sample a profile records (its histograms then have at most 12,800 bins)."""
MAX_SAMPLES = 2**53
"""The most samples a profile records (counts stay exact in float64)."""
_TOLERANCE = 1e-9  # relative: a mean a hair past its extrema, a value past a registry bound

INT_FIELDS = ("count", "n_nan")
"""The integer statistics of a metric, per track."""
FLOAT_FIELDS = ("mean", "m2", "min", "max")
"""The float statistics of a metric, per track (``m2``: sum of squared deviations)."""


def histogram_edges(name: str, n_steps: int, n_pitches: int) -> np.ndarray:
    """Histogram edges of metric ``name`` for samples of ``n_steps`` x ``n_pitches``.

    Rates, entropies and averages: :data:`N_RATE_BINS` equal bins over the registry bounds
    (for an average without an upper bound, ``ioi_mean`` and ``ioi_std``, up to ``n_steps``).
    Counts and pitches: integer-centred bins (``k - 0.5`` to ``k + 0.5``) from the lower bound
    ``L`` to the upper one ``U`` (for ``n_notes``, ``n_pitches * ceil(n_steps / 2)``) when
    ``U - L <=`` :data:`UNIT_BINS`, as musiceval 0.1.0 made them; otherwise integer bins up to
    ``L + UNIT_BINS - 1``, then each doubling of the offset from ``L`` (4096 to 8192, 8192 to
    16384, ...) split into :data:`BINS_PER_DOUBLING` bins of equal integer width, the last bin
    ending at ``U + 0.5``. Integer arithmetic only, so the same shape gives the same edges on
    every machine, every edge is an edge of the one-bin-per-integer histogram (whose counts
    :func:`rebin` sums exactly), and no histogram has more than 12,800 bins (samples of at most
    :data:`MAX_STEPS` steps).
    """
    spec = METRICS[name]
    if spec.kind not in ("count", "pitch"):
        # an average of steps (ioi_mean, ioi_std) is at most the sample's n_steps
        upper = spec.upper if math.isfinite(spec.upper) else float(max(n_steps, 1))
        return np.linspace(spec.lower, upper, N_RATE_BINS + 1)
    lower = int(spec.lower)
    upper = int(spec.upper) if math.isfinite(spec.upper) else n_pitches * ((n_steps + 1) // 2)
    span = upper - lower  # offsets 0 .. span
    if span <= UNIT_BINS:
        return np.arange(lower, upper + 2, dtype=np.float64) - 0.5
    starts = list(range(UNIT_BINS))
    start, width = UNIT_BINS, UNIT_BINS // BINS_PER_DOUBLING
    while start <= span:
        starts.extend(range(start, min(2 * start, span + 1), width))
        start, width = 2 * start, 2 * width
    return np.array([*starts, span + 1], dtype=np.float64) + (lower - 0.5)


def block_statistics(values: np.ndarray, edges: np.ndarray) -> dict[str, np.ndarray]:
    """Sufficient statistics of ``(n_samples, n_tracks)`` values, per track."""
    stats = block_moments(values)
    v = np.ascontiguousarray(values.T, dtype=np.float64)
    nan = np.isnan(v)
    n_bins = len(edges) - 1
    flat = (bin_index(v, edges) + n_bins * np.arange(len(v))[:, None])[~nan]
    histogram = np.bincount(flat, minlength=len(v) * n_bins).reshape(len(v), n_bins)
    return {**stats, "edges": edges, "histogram": histogram.astype(np.int64)}


def block_moments(values: np.ndarray) -> dict[str, np.ndarray]:
    """``count``, ``n_nan``, ``mean``, ``m2``, ``min`` and ``max`` of ``(n_samples, ...)``
    values over the first axis, ignoring NaN, each of shape ``values.shape[1:]``."""
    v = np.ascontiguousarray(values.reshape(len(values), -1).T, dtype=np.float64)
    nan = np.isnan(v)  # reduce along contiguous rows
    count = v.shape[1] - nan.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(nan, 0.0, v).sum(axis=1) / count  # NaN where count is 0
        deviations = np.where(nan, 0.0, v - mean[:, None])
    m2 = (deviations * deviations).sum(axis=1)
    defined = count > 0
    low = np.where(defined, np.where(nan, np.inf, v).min(axis=1, initial=np.inf), np.nan)
    high = np.where(defined, np.where(nan, -np.inf, v).max(axis=1, initial=-np.inf), np.nan)
    stats = {
        "count": count.astype(np.int64),
        "n_nan": nan.sum(axis=1).astype(np.int64),
        "mean": mean,
        "m2": m2,
        "min": low,
        "max": high,
    }
    return {field: array.reshape(values.shape[1:]) for field, array in stats.items()}


def bin_index(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The histogram bin of each value: closed on the left, the last bin on both sides (as
    ``numpy.histogram``); a value past an outer edge (a bound exceeded by rounding) is counted
    in the outer bin."""
    clipped = np.clip(values, edges[0], edges[-1])
    return np.minimum(np.searchsorted(edges, clipped, side="right") - 1, len(edges) - 2)


def merge_statistics(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """:func:`merge_moments`, and the histograms' sum (on the same edges)."""
    return {
        **merge_moments(a, b),
        "edges": a["edges"],
        "histogram": a["histogram"] + b["histogram"],
    }


def merge_moments(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Chan et al.'s parallel update of (count, mean, m2), and the exact sums and extrema,
    elementwise (arrays of any one shape)."""
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
    }


def common_edges(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """The edges two histograms can be merged on: the same edges, or the coarser of two where
    every edge of one is an edge of the other (a 0.1.0 one-bin-per-integer histogram and
    today's bounded one of the same shape); None when neither holds."""
    if np.array_equal(a, b):
        return a
    coarse, fine = (a, b) if len(a) < len(b) else (b, a)
    same_ends = coarse[0] == fine[0] and coarse[-1] == fine[-1]
    return coarse if same_ends and bool(np.isin(coarse, fine).all()) else None


def rebin(stats: Mapping[str, np.ndarray], edges: np.ndarray) -> dict[str, np.ndarray]:
    """``stats`` with its histogram summed onto ``edges``, a subset of its own edges with the
    same ends (each new bin is a union of old ones, so the counts are exact)."""
    if np.array_equal(stats["edges"], edges):
        return dict(stats)
    positions = np.searchsorted(stats["edges"], edges)
    histogram = stats["histogram"]
    cumulative = np.concatenate([np.zeros((len(histogram), 1), np.int64), histogram], axis=1)
    cumulative = np.cumsum(cumulative, axis=1)
    coarse = cumulative[:, positions[1:]] - cumulative[:, positions[:-1]]
    return {**stats, "edges": edges, "histogram": coarse}


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
    """The statistics of metric ``name`` as read-only arrays, or ValueError naming the field
    whose shape or value is inconsistent (see :func:`check_values`)."""
    missing = sorted({*INT_FIELDS, *FLOAT_FIELDS, "edges", "histogram"} - set(stats))
    if missing:
        raise ValueError(f"statistics of {name} lack {missing}")
    out = check_moments(name, stats, (n_tracks,), n_samples)
    edges = float_array(stats["edges"], f"{name} edges")
    finite = np.all(np.isfinite(edges))
    if edges.ndim != 1 or len(edges) < 2 or not (finite and np.all(np.diff(edges) > 0)):
        raise ValueError(
            f"histogram edges of {name} must be finite and increasing, at least two; got {edges!r}"
        )
    out["edges"] = frozen(edges, f"{name} edges", edges.shape)
    hist = int_array(stats["histogram"], f"{name} histogram")
    out["histogram"] = frozen(hist, f"{name} histogram", (n_tracks, len(edges) - 1))
    if np.any(hist < 0):
        raise ValueError(f"counts of {name} must be >= 0")
    if not np.array_equal(hist.sum(axis=1), out["count"]):
        raise ValueError(
            f"the histogram of {name} must hold count values per track: "
            f"{hist.sum(axis=1).tolist()} != {out['count'].tolist()}"
        )
    check_values(name, out)
    return out


def check_moments(
    name: str, stats: Mapping[str, Any], shape: tuple[int, ...], n_samples: int
) -> dict[str, np.ndarray]:
    """The :data:`INT_FIELDS` and :data:`FLOAT_FIELDS` of metric ``name`` as read-only arrays
    of ``shape``, or ValueError naming the field of the wrong shape or type, a negative count,
    or counts that do not add up to ``n_samples``."""
    missing = sorted({*INT_FIELDS, *FLOAT_FIELDS} - set(stats))
    if missing:
        raise ValueError(f"statistics of {name} lack {missing}")
    out = {f: frozen(int_array(stats[f], f), f"{name} {f}", shape) for f in INT_FIELDS}
    for field in FLOAT_FIELDS:
        out[field] = frozen(float_array(stats[field], f"{name} {field}"), f"{name} {field}", shape)
    if np.any(out["count"] < 0) or np.any(out["n_nan"] < 0):
        raise ValueError(f"counts of {name} must be >= 0")
    if not np.all(out["count"] + out["n_nan"] == n_samples):
        raise ValueError(
            f"count + n_nan of {name} must equal n_samples={n_samples} for every "
            f"track; got {(out['count'] + out['n_nan']).tolist()}"
        )
    return out


def check_values(name: str, stats: Mapping[str, np.ndarray]) -> None:
    """ValueError unless the statistics of metric ``name`` could come from data, per track:
    :func:`check_moment_values` within the registry bounds and the histogram's outer edges,
    and the histogram's lowest and highest non-empty bins those of ``min`` and ``max``."""
    histogram, edges = stats["histogram"], stats["edges"]
    lower = max(float(METRICS[name].lower), float(edges[0]))
    upper = min(float(METRICS[name].upper), float(edges[-1]))
    check_moment_values(name, stats, lower, upper, "the registry bounds and the histogram")
    low, high = stats["min"], stats["max"]
    for track in np.flatnonzero(stats["count"] > 0):
        used = np.flatnonzero(histogram[track])
        extrema = bin_index(np.array([low[track], high[track]]), edges)
        if used[0] != extrema[0] or used[-1] != extrema[1]:
            raise ValueError(
                f"the histogram of {name} must span the bins of min and max: track {track} "
                f"holds values in bins {used[0]} to {used[-1]}, min and max fall in bins "
                f"{extrema[0]} and {extrema[1]}"
            )


def check_moment_values(
    name: str, stats: Mapping[str, np.ndarray], lower: float, upper: float, bounds: str
) -> None:
    """ValueError unless the statistics of metric ``name`` could come from data, per track (and
    component): with ``count`` 0, ``mean``, ``min`` and ``max`` NaN and ``m2`` 0; otherwise all
    finite, ``min <= mean <= max`` (to a relative 1e-9, for rounding), ``0 <= m2 <= count *
    ((max - min) / 2) ** 2`` (the largest spread values in [min, max] can have), and ``min``
    and ``max`` within ``[lower, upper]`` (described as ``bounds``)."""
    count, mean, m2, low, high = (stats[f] for f in ("count", "mean", "m2", "min", "max"))
    empty = count == 0
    nan = np.isnan(mean) & np.isnan(low) & np.isnan(high) & (m2 == 0)
    _refuse(name, empty & ~nan, stats, "a track with count 0 has mean, min and max nan, m2 0")
    defined = ~empty
    finite = np.isfinite(mean) & np.isfinite(m2) & np.isfinite(low) & np.isfinite(high)
    _refuse(name, defined & ~finite, stats, "mean, m2, min and max are finite when count > 0")
    with np.errstate(invalid="ignore", over="ignore"):
        tol = _TOLERANCE * np.maximum(np.abs(low), np.abs(high))
        inside = (low <= high) & (mean >= low - tol) & (mean <= high + tol)
        _refuse(name, defined & ~inside, stats, "min <= mean <= max")
        spread = count * ((high - low) / 2 + tol) ** 2 * (1 + _TOLERANCE)
        _refuse(
            name,
            defined & ~((m2 >= 0) & (m2 <= spread)),
            stats,
            "0 <= m2 <= count * ((max - min) / 2)**2",
        )
        within = (low >= lower - _TOLERANCE * max(1.0, abs(lower))) & (
            high <= upper + _TOLERANCE * max(1.0, abs(upper))
        )
        _refuse(
            name,
            defined & ~within,
            stats,
            f"min and max within [{lower!r}, {upper!r}] ({bounds})",
        )


def check_reservoir(
    name: str, stats: Mapping[str, np.ndarray], kept: np.ndarray, n_samples: int
) -> None:
    """ValueError unless the reservoir values ``kept`` (``(n_kept, n_tracks, ...)``, the
    statistics' shape after the first axis) of metric ``name`` could be a sample of the data
    the statistics describe: defined values within [min, max], no more defined (NaN) values
    than ``count`` (``n_nan``), and exactly ``count`` of them when every sample is kept."""
    defined = ~np.isnan(kept)
    n_defined = defined.sum(axis=0)
    with np.errstate(invalid="ignore"):
        outside = defined & ~((kept >= stats["min"]) & (kept <= stats["max"]))
    bad = (
        outside.any(axis=0)
        | (n_defined > stats["count"])
        | (len(kept) - n_defined > stats["n_nan"])
        | ((n_defined != stats["count"]) if len(kept) == n_samples else False)
    )
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"the reservoir of {name} must hold values of the data: {position(where)} keeps "
            f"{int(n_defined[where])} defined values of {len(kept)}, "
            f"{int(outside[(slice(None), *where)].sum())} of them outside [min, max] = "
            f"[{stats['min'][where].item()!r}, {stats['max'][where].item()!r}], while the data "
            f"has count {int(stats['count'][where])} and n_nan {int(stats['n_nan'][where])}"
        )


def _refuse(name: str, bad: np.ndarray, stats: Mapping[str, np.ndarray], rule: str) -> None:
    """ValueError naming the first track (and component) of ``bad`` and its statistics."""
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        values = ", ".join(
            f"{field}={stats[field][where].item()!r}"
            for field in ("count", "mean", "m2", "min", "max")
        )
        raise ValueError(
            f"statistics of {name} must satisfy {rule}; {position(where)} has {values}"
        )


def position(where: tuple[int, ...]) -> str:
    """``"track 2"``, or ``"track 2, component (3,)"`` for a vector-valued metric."""
    return f"track {where[0]}" + (f", component {where[1:]}" if len(where) > 1 else "")


def describe_edges(edges: np.ndarray) -> str:
    return f"{len(edges) - 1} bins over [{float(edges[0])!r}, {float(edges[-1])!r}]"


def float_array(values: Any, what: str) -> np.ndarray:
    try:
        return np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must hold numbers; {exc}") from None


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
