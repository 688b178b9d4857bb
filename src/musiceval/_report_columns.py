"""The columns of a report's tables and what each means (their legends): the per-metric
table, and the table of the vector-valued metrics.

Public through :mod:`musiceval.compare` (``COLUMNS``, ``LEGEND``, ``VECTOR_COLUMNS``,
``VECTOR_LEGEND``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "LEGEND", "VECTOR_COLUMNS", "VECTOR_LEGEND", "typed_frame"]

COLUMNS = (
    "metric",
    "track",
    "reference_mean",
    "reference_std",
    "generated_mean",
    "generated_std",
    "difference",
    "z_score",
    "robust_z_score",
    "inside_reference_range",
    "comparison",
    "overlap_area",
    "kl_divergence",
    "relative_overlap_area",
    "relative_kl_divergence",
    "reference_mode",
    "generated_mode",
    "reference_spread",
    "generated_spread",
    "n_generated",
    "n_generated_nan",
)
"""The columns of :meth:`Report.to_frame`, in order."""

LEGEND: dict[str, str] = {
    "metric": "the metric's name (docs/metrics.md)",
    "track": "the track's name (for the profile's tracks, in order)",
    "reference_mean": "mean over the reference samples where the metric is defined",
    "reference_std": "their standard deviation (population, ddof=0)",
    "generated_mean": "mean over the generated samples where the metric is defined",
    "generated_std": "their standard deviation (population, ddof=0)",
    "difference": "generated_mean - reference_mean, in the metric's unit",
    "z_score": "difference / reference_std: 0 is closest, |z| > 2 is far; +-inf when the "
    "reference does not vary and the means differ (read difference and overlap_area then)",
    "robust_z_score": "difference / max(reference_std, the metric's resolution: its smallest "
    "step between two values): a reference that barely varies cannot make it huge",
    "inside_reference_range": "share of the generated values inside the reference's 5-95% "
    "range (about 0.9 for a set like the reference)",
    "comparison": "how the two distributions are compared: 'kde' (smoothed densities) or "
    "'mass' (shares of each distinct value: best_key and tracks whose reference takes at most "
    "16 values)",
    "overlap_area": "overlap of the reference and generated distributions: 1 identical, 0 disjoint",
    "kl_divergence": "KL(reference || generated) of the same distributions: 0 identical, "
    "larger is farther",
    "relative_overlap_area": "mgeval's intra-set/inter-set method: overlap of the distances "
    "between reference samples with the distances from generated to reference samples (1: "
    "generated samples lie among the reference as its own samples do)",
    "relative_kl_divergence": "the same two distance distributions compared by KL divergence "
    "(0 is closest)",
    "reference_mode": "best_key only (a pitch class, circular; its mean, std and z-scores "
    "are NaN): the most common key of the reference",
    "generated_mode": "best_key only: the most common key of the generated samples",
    "reference_spread": "best_key only: circular variance of the reference's keys, 1 - |mean "
    "of e^(2 pi i k / 12)|: 0 one key, 1 spread evenly",
    "generated_spread": "best_key only: circular variance of the generated keys",
    "n_generated": "generated samples where the metric is defined",
    "n_generated_nan": "generated samples where it is undefined (NaN: a silent track, ...)",
}
"""One line per column of :data:`COLUMNS`: what it means, in words (the report's legend)."""

VECTOR_COLUMNS = (
    "metric",
    "track",
    "n_generated",
    "n_reference",
    "tv_distance",
    "overlap_area",
    "kl_divergence",
)
"""The columns of :meth:`Report.vector_distances`, in order."""

VECTOR_LEGEND: dict[str, str] = {
    "metric": "the vector-valued metric's name (a distribution per sample: a histogram or a "
    "transition matrix; docs/metrics.md)",
    "track": "the track's name",
    "n_generated": "generated samples where the vector is defined (not a silent track)",
    "n_reference": "reference samples where it is defined (the profile's count)",
    "tv_distance": "total variation distance between the reference's and the generated mean "
    "distributions, 1/2 * sum over components of |difference|: 0 same, 1 disjoint",
    "overlap_area": "mgeval's method on the vectors: overlap of the Euclidean distances between "
    "reference samples with the distances from generated to reference samples (1: generated "
    "samples lie among the reference as its own samples do)",
    "kl_divergence": "the same two distance distributions compared by KL divergence (0 is closest)",
}
"""One line per column of :data:`VECTOR_COLUMNS`: what it means, in words."""


def typed_frame(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], text: Sequence[str]
) -> pd.DataFrame:
    """``rows`` as a frame of ``columns``: the ``text`` columns str, the ``n_`` counts int64,
    every other column float64 (the same types whether or not there is a row)."""
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(columns))
    for column in columns:
        kind = str if column in text else np.float64
        frame[column] = frame[column].astype(np.int64 if column.startswith("n_") else kind)
    return frame
