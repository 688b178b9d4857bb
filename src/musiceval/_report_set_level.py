"""What a report says beyond its per-metric table, each computed once, on first use: the
set-level distances with intervals (:mod:`musiceval._report_sets`), the originality of the
generated set (:mod:`musiceval._report_originality`) and the intervals of the per-metric
overlap and KL (:mod:`musiceval._report_intervals`)."""

from __future__ import annotations

import math
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval import distances
from musiceval._report_intervals import comparison_intervals
from musiceval._report_originality import originality_frame, originality_lines
from musiceval._report_sets import SetOptions, set_frame, set_lines

if TYPE_CHECKING:
    import pandas as pd

    from musiceval.profiles import DatasetProfile

__all__ = ["SetLevel"]


class SetLevel:
    """The set-level numbers of one report (its profile, per-sample values and copied-bar
    counts), cached: every accessor returns a copy."""

    def __init__(
        self, profile: DatasetProfile, values: np.ndarray, copied: np.ndarray, options: SetOptions
    ) -> None:
        self._profile, self._values, self._copied, self.options = profile, values, copied, options

    @property
    def measured(self) -> bool:
        """Whether the profile holds a scalar metric: the features of every set-level number
        (without one, each statistic is NaN and the per-metric intervals have no row)."""
        return bool(self._profile.metrics)

    def features(self) -> tuple[np.ndarray, np.ndarray]:
        """The reservoir's and the generated set's per-sample vectors of every (metric, track)
        value, NaN rows included: the rows of every set-level number (no column without a
        scalar metric)."""
        reference, generated = self._profile.samples(), self._values
        n_features = generated.shape[1] * generated.shape[2]
        return (
            reference.reshape(len(reference), n_features),
            generated.reshape(len(generated), n_features),
        )

    def frechet(self) -> float:
        """:func:`musiceval.distances.frechet_distance` of the features; NaN without one."""
        if not self.measured:
            return math.nan
        return float(distances.frechet_distance(*self.features()))

    @cached_property
    def _distances(self) -> pd.DataFrame:
        return set_frame(*self.features(), self.options)

    @cached_property
    def _originality(self) -> pd.DataFrame:
        return originality_frame(self._copied, self.options)

    @cached_property
    def _intervals(self) -> pd.DataFrame:
        return comparison_intervals(self._profile, self._values, self.options)

    def distances(self) -> pd.DataFrame:
        """:func:`musiceval._report_sets.set_frame` of the report."""
        return self._distances.copy()

    def originality(self) -> pd.DataFrame:
        """:func:`musiceval._report_originality.originality_frame` of the report."""
        return self._originality.copy()

    def intervals(self) -> pd.DataFrame:
        """:func:`musiceval._report_intervals.comparison_intervals` of the report."""
        return self._intervals.copy()

    def lines(self) -> list[str]:
        """The set-level numbers and the originality in words, for the report's summary (the
        originality only, without a scalar metric)."""
        if not self.measured:
            return originality_lines(self.originality(), self._profile)
        reference, generated = self.features()
        dropped = (distances.n_dropped_rows(reference), distances.n_dropped_rows(generated))
        intervals = (
            "Intervals of every overlap_area and kl_divergence (the generated set's sampling "
            "noise): report.json, Report.comparison_intervals()."
        )
        return [
            *set_lines(self.distances(), self.options, dropped),
            *originality_lines(self.originality(), self._profile),
            *([intervals] if self.options.n_boot is not None else []),
        ]

    def json(self) -> dict[str, Any]:
        """The set-level part of ``report.json``."""
        return {
            "set_distances": {
                "n_boot": self.options.n_boot,
                "confidence": self.options.confidence,
                "seed": self.options.seed,
                "rows": self.distances().to_dict(orient="records"),
            },
            "originality": self.originality().to_dict(orient="records"),
            "intervals": self.intervals().to_dict(orient="records"),
        }
