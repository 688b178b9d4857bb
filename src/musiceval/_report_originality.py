"""The originality section of a report: how much of the generated set the training set holds.

Measured when the profile holds an index of the training bars (``profile(...,
bar_index=True)``): the share of the generated non-empty bars (all tracks together) found in
the training set as written and up to transposition, pooled over bars, with half-sampling
intervals over the generated samples, and the longest run of consecutive copied bars. The
counts are :mod:`musiceval._copied_bars`', the Monitor's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._copied_bars import COUNTS, NAMES, counts, pool
from musiceval._report_sets import SET_COLUMNS, SetOptions, half_interval

if TYPE_CHECKING:
    import pandas as pd

    from musiceval.profiles import DatasetProfile

__all__ = ["ORIGINALITY_LEGEND", "copied_counts", "originality_frame", "originality_lines"]

ORIGINALITY_LEGEND = {
    "bar_match_rate": "share of the generated non-empty bars (all tracks together) that occur "
    "in the training set as written, pooled over bars: 1 for a copy",
    "bar_match_rate_transposed": "the same up to transposition (each bar moved to its lowest "
    "pitch)",
    "longest_copied_run": "the longest run of consecutive generated bars copied from "
    "consecutive bars of one training piece, in bars (the maximum over samples)",
}
"""A one-line meaning of each originality number."""


def copied_counts(batch: Any, profile: DatasetProfile, reading: dict[str, Any]) -> np.ndarray:
    """Per-sample counts of copied bars of one batch (``(n, 4)``, :data:`COUNTS`), or an
    empty ``(n, 0)`` array when the profile holds no bar index."""
    if profile.bar_index is None:
        return np.zeros((len(batch), 0))
    return counts(batch, profile.bar_index, reading)


def _rates(reference: np.ndarray, generated: np.ndarray) -> tuple[float, float]:
    found = pool(generated)
    return found[NAMES[0]], found[NAMES[1]]


def originality_frame(per_sample: np.ndarray, options: SetOptions) -> pd.DataFrame:
    """One row per originality number (columns :data:`SET_COLUMNS`), empty without counts."""
    import pandas as pd

    if per_sample.shape[1] != len(COUNTS) or len(per_sample) == 0:
        return pd.DataFrame(columns=list(SET_COLUMNS))
    found = pool(per_sample)
    rates = [(np.nan, np.nan)] * 2
    if len(per_sample) >= 2:
        rates = half_interval(_rates, per_sample, per_sample, NAMES[:2], options)
    bounds = [*rates, (np.nan, np.nan)]  # a maximum (the longest run) is not smooth: none
    rows = [
        [name, found[name], low, high, "lower (more original)"]
        for name, (low, high) in zip(NAMES, bounds, strict=True)
    ]
    return pd.DataFrame(rows, columns=list(SET_COLUMNS))


def originality_lines(frame: pd.DataFrame, profile: DatasetProfile) -> list[str]:
    """The originality numbers in words, for a report's summary."""
    if profile.bar_index is None:
        return [
            "Originality: not measured, the profile holds no index of the training bars "
            "(musiceval.profile(..., bar_index=True), or musiceval profile --bar-index)."
        ]
    if frame.empty:
        return ["Originality: no generated sample."]
    rows = frame.set_index("statistic")

    def rate(name: str) -> str:
        row = rows.loc[name]
        text = f"{row['estimate']:.1%}"
        if np.isfinite(row["low"]):
            text += f" [{row['low']:.1%}, {row['high']:.1%}]"
        return text

    return [
        f"Originality against the {profile.bar_index.n_bars} indexed training bars: "
        f"{rate(NAMES[0])} of the generated non-empty bars occur in the training set as "
        f"written, {rate(NAMES[1])} up to transposition; longest copied run "
        f"{rows.loc[NAMES[2], 'estimate']:.0f} bar(s)."
    ]
