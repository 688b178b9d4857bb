"""Intervals of the per-metric comparisons of a report: ``overlap_area`` and
``kl_divergence`` of every metric and track, each with a half-sampling interval.

The reference side of each comparison is the profile's (fixed, and cached per profile by
:mod:`musiceval._report_stats`); the replicates draw half of the generated values without
replacement (:func:`musiceval.distances.bootstrap_interval`, ``interval="half"``), so an
interval is the sampling noise of the generated set: how much the two numbers would move with
another generated set of the same size.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._report_sets import SetOptions, half_interval
from musiceval._report_stats import ReferenceSide, direct_comparison, reference_sides

if TYPE_CHECKING:
    import pandas as pd

    from musiceval.profiles import DatasetProfile

__all__ = ["INTERVAL_COLUMNS", "comparison_intervals"]

INTERVAL_COLUMNS = (
    "metric",
    "track",
    "overlap_area",
    "overlap_area_low",
    "overlap_area_high",
    "kl_divergence",
    "kl_divergence_low",
    "kl_divergence_high",
)
"""The columns of :func:`comparison_intervals`, in order."""


def _track_interval(side: ReferenceSide, column: np.ndarray, options: SetOptions) -> list[float]:
    """Overlap and KL of one track with their bounds (NaN where undefined or not computed)."""
    finite = column[np.isfinite(column)]
    overlap, divergence = direct_comparison(side, finite)
    bounds = [(math.nan, math.nan)] * 2
    if finite.size >= 4 and not math.isnan(overlap):
        bounds = half_interval(
            lambda _, half: direct_comparison(side, half), finite, finite,
            ("overlap_area", "kl_divergence"), options,
        )  # fmt: skip
    return [overlap, *bounds[0], divergence, *bounds[1]]


def comparison_intervals(
    profile: DatasetProfile, values: np.ndarray, options: SetOptions
) -> pd.DataFrame:
    """One row per metric and track: ``overlap_area`` and ``kl_divergence`` (the report's
    values) with their half-sampling bounds, clipped to the ranges ([0, 1], >= 0). Bounds are
    NaN without ``n_boot``, where the value is undefined, or with fewer than 4 generated
    values (a half of fewer than 2 has no distribution). No row without a scalar metric (the
    columns stay, the numbers float64)."""
    import pandas as pd

    rows: list[list[Any]] = []
    for i, metric in enumerate(profile.metrics):
        sides = reference_sides(profile, metric)
        for k, track in enumerate(profile.tracks):
            rows.append([metric, track, *_track_interval(sides[k], values[:, i, k], options)])
    frame = pd.DataFrame(rows, columns=list(INTERVAL_COLUMNS))
    return frame.astype(dict.fromkeys(INTERVAL_COLUMNS[2:], np.float64))
