"""The set-level numbers of a report: the generated set against the reference as wholes.

Each sample is one vector of every (metric, track) value; the reference vectors are the
profile's reservoir. Every number but FD-infinity (itself a fit over random subsets) comes with
a seeded half-sampling interval (:func:`musiceval.distances.bootstrap_interval`,
``interval="half"``): resampling with replacement repeats rows, which shrinks PRDC's k-NN balls
and the nearest-neighbour distances to 0 and inflates the Fréchet distance, so its intervals
missed the estimate on the chorales (``docs/distances.md``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval import distances
from musiceval._checks import check_int

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SET_COLUMNS",
    "SET_LEGEND",
    "SetOptions",
    "half_interval",
    "set_frame",
    "set_lines",
    "set_options",
]

SET_COLUMNS = ("statistic", "estimate", "low", "high", "closer")
"""The columns of :func:`set_frame`, in order."""

SET_LEGEND = {
    "frechet_distance": "squared Fréchet distance of Gaussian fits, sample covariances "
    "(in squared reference standard deviations)",
    "frechet_distance_ledoit_wolf": "the same with Ledoit-Wolf shrinkage covariances",
    "frechet_distance_oas": "the same with OAS shrinkage covariances",
    "frechet_distance_infinity": "FD-infinity: the Fréchet distance extrapolated to an infinite "
    "generated set (Chong & Forsyth 2020), without the finite-set bias",
    "precision": "share of generated samples inside some reference sample's 5-NN ball "
    "(fidelity; Naeem et al. 2020)",
    "recall": "share of reference samples inside some generated sample's 5-NN ball (diversity)",
    "density": "reference 5-NN balls holding each generated sample, averaged, over 5 "
    "(about 1 for a set like the reference)",
    "coverage": "share of reference samples whose 5-NN ball holds a generated sample",
    "kid": "kernel inception distance: unbiased squared MMD, cubic polynomial kernel",
    "median_piece_distance": "median squared Mahalanobis distance of a generated sample to the "
    "reference's Gaussian fit (Ledoit-Wolf covariance)",
    "nearest_neighbour_ratio": "median distance of a generated sample to its nearest reference "
    "sample over the reference's own (leave-one-out) median: below 1 is closer than reference "
    "samples are to each other (copying)",
}
"""A one-line meaning of each set-level statistic."""

# where an interval's bound is clipped: the statistic's own range (the set-level numbers, the
# originality rates, the per-metric overlap and KL)
_RANGES = {
    **dict.fromkeys(
        ("precision", "recall", "coverage", "bar_match_rate", "bar_match_rate_transposed",
         "overlap_area"),
        (0.0, 1.0),
    ),
    **dict.fromkeys(
        ("frechet_distance", "frechet_distance_ledoit_wolf", "frechet_distance_oas", "density",
         "median_piece_distance", "nearest_neighbour_ratio", "kl_divergence"),
        (0.0, math.inf),
    ),
}  # fmt: skip
_FALLS = "lower"
_RISES = "higher"
_NEAR_ONE = "near 1"


@dataclass(frozen=True)
class SetOptions:
    """How the set-level numbers are computed.

    Attributes
    ----------
    n_boot : int or None
        Bootstrap replicates of each interval; None: no intervals (``low``, ``high`` NaN).
    confidence : float
        Coverage of the intervals.
    seed : int
        Seed of the bootstrap and of the subsets of FD-infinity and KID.
    """

    n_boot: int | None = 100
    confidence: float = 0.95
    seed: int = 0


def set_options(n_boot: int | None, seed: int) -> SetOptions:
    """Checked :class:`SetOptions` (``n_boot`` an int >= 1 or None, ``seed`` an int >= 0)."""
    if n_boot is not None:
        check_int("n_boot", n_boot)
    return SetOptions(n_boot=n_boot, seed=check_int("seed", seed, minimum=0))


def _statistics() -> list[tuple[tuple[str, ...], Callable[..., Any], str, bool]]:
    """(names, statistic(reference, generated), which way is closer, bootstrapped)."""
    fd = distances.frechet_distance
    return [
        (("frechet_distance",), fd, _FALLS, True),
        (("frechet_distance_ledoit_wolf",),
         lambda r, g: fd(r, g, covariance="ledoit_wolf"), _FALLS, True),
        (("frechet_distance_oas",), lambda r, g: fd(r, g, covariance="oas"), _FALLS, True),
        (("frechet_distance_infinity",),
         lambda r, g: distances.frechet_distance_infinity(r, g).distance, _FALLS, False),
        (("precision", "recall", "density", "coverage"), distances.prdc, _RISES, True),
        (("kid",), lambda r, g: distances.kid(r, g, n_subsets=10), _FALLS, True),
        (("median_piece_distance",), _median_piece_distance, _FALLS, True),
        (("nearest_neighbour_ratio",),
         lambda r, g: distances.nearest_neighbour_distances(r, g).ratio, _NEAR_ONE, True),
    ]  # fmt: skip


def _median_piece_distance(reference: np.ndarray, generated: np.ndarray) -> float:
    """The median of :func:`musiceval.distances.piece_distance` over the generated rows
    without an undefined value; NaN when none is left."""
    rows = generated[np.isfinite(generated).all(axis=1)]
    if len(rows) == 0:
        return math.nan
    return float(np.median(distances.piece_distance(reference, rows)))


def _defined(statistic: Callable[..., Any], reference: np.ndarray, generated: np.ndarray) -> Any:
    """The statistic, or None where the sets are too small for it (its error says so)."""
    try:
        return statistic(reference, generated)
    except ValueError:
        return None


def set_frame(reference: np.ndarray, generated: np.ndarray, options: SetOptions) -> pd.DataFrame:
    """One row per set-level statistic: its estimate and bootstrap interval.

    Parameters
    ----------
    reference, generated : ndarray of shape (n, n_features)
        The per-sample feature vectors; rows holding NaN are dropped (their counts are the
        report's ``n_dropped``).
    options : SetOptions
        Replicates, confidence and seed.

    Returns
    -------
    pandas.DataFrame
        The columns :data:`SET_COLUMNS`; NaN where a statistic is undefined (too few rows: PRDC
        needs 6 rows a set, the Fréchet distances 2; no feature: every statistic) and for
        intervals that are not computed.
    """
    import pandas as pd

    rows = []
    for names, statistic, closer, bootstrapped in _statistics():
        estimate = _defined(statistic, reference, generated) if reference.shape[1] else None
        bounds = [(math.nan, math.nan)] * len(names)
        if estimate is not None and bootstrapped:
            bounds = half_interval(statistic, reference, generated, names, options)
        for i, name in enumerate(names):
            rows.append({
                "statistic": name,
                "estimate": math.nan if estimate is None else _part(estimate, i),
                "low": bounds[i][0],
                "high": bounds[i][1],
                "closer": closer,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(SET_COLUMNS))


def half_interval(
    statistic: Callable[..., Any],
    reference: np.ndarray,
    generated: np.ndarray,
    names: Sequence[str],
    options: SetOptions,
) -> list[tuple[float, float]]:
    """The half-sampling interval (:func:`musiceval.distances.bootstrap_interval`,
    ``interval="half"``) of ``statistic``, one ``(low, high)`` per output in ``names``, each
    clipped to that statistic's range; NaN without ``n_boot`` or where a half-set is too small
    for the statistic (its ValueError)."""
    nan = [(math.nan, math.nan)] * len(names)
    if options.n_boot is None:
        return nan
    try:
        interval = distances.bootstrap_interval(
            statistic, reference, generated, n_boot=options.n_boot,
            confidence=options.confidence, seed=options.seed, interval="half",
        )  # fmt: skip
    except ValueError:
        return nan
    bounds = []
    for i, name in enumerate(names):
        lowest, highest = _RANGES.get(name, (-math.inf, math.inf))
        low, high = _part(interval.low, i), _part(interval.high, i)
        bounds.append((max(low, lowest), min(high, highest)))
    return bounds


def _part(value: Any, i: int) -> float:
    """Output ``i`` of a statistic's result: a field of a tuple (PRDC), an item of an array
    (several rates), or the number itself."""
    return float(np.ravel(np.asarray(value, dtype=np.float64))[i])


def set_lines(frame: pd.DataFrame, options: SetOptions, dropped: tuple[int, int]) -> list[str]:
    """The set-level numbers in words, for a report's summary: each estimate with its interval.

    ``dropped``: the reference and generated rows left out (an undefined metric)."""
    values = {row.statistic: row for row in frame.itertuples(index=False)}

    def number(name: str) -> str:
        row = values[name]
        text = f"{row.estimate:.4g}"
        if not (math.isnan(row.low) and math.isnan(row.high)):
            text += f" [{row.low:.4g}, {row.high:.4g}]"
        return text

    if options.n_boot is None:
        how = "without intervals"
    else:
        how = (
            f"[{options.confidence:.0%} half-sampling intervals, {options.n_boot} replicates, "
            f"seed {options.seed}]"
        )
    lines = [
        f"Set-level distances {how}, over whole samples (every metric and track); "
        f"left out for an undefined metric: {dropped[0]} reference, {dropped[1]} generated:",
        f"  Fréchet distance {number('frechet_distance')} (Ledoit-Wolf "
        f"{number('frechet_distance_ledoit_wolf')}, OAS {number('frechet_distance_oas')}, "
        f"FD-infinity {number('frechet_distance_infinity')}); KID {number('kid')}; median "
        f"piece distance {number('median_piece_distance')} (lower is closer)",
        f"  precision {number('precision')}, recall {number('recall')}, density "
        f"{number('density')}, coverage {number('coverage')} (1 is the reference's own)",
        f"  nearest-neighbour ratio {number('nearest_neighbour_ratio')} (about 1 like the "
        f"reference; well below 1: generated samples sit closer to reference samples than these "
        f"to each other, copying)",
    ]
    return lines
