"""Copied bars of generated samples, counted per sample and pooled per set: what a
:class:`~musiceval.Monitor` tracks at every update and a report shows.

Each rank of a Monitor computes, for its own samples, the counts of :data:`COUNTS` (so that
the ranks' counts, gathered like the metric values, pool exactly); :func:`pool` turns the
counts of all samples into the set-level numbers of :data:`NAMES`: bar match rates pooled
over bars (sum of matched bars / sum of non-empty bars, merged bars: all tracks together) and
the longest copied run (the maximum over samples). See ``docs/originality.md``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from musiceval._checks import invalid
from musiceval.originality import BarIndex, copied_bar_counts

__all__ = ["COUNTS", "NAMES", "check_index", "counts", "pool"]

NAMES: tuple[str, ...] = ("bar_match_rate", "bar_match_rate_transposed", "longest_copied_run")
"""The set-level numbers of ``Evaluation.originality``, in order."""

COUNTS: tuple[str, ...] = ("matched", "matched_transposed", "n_bars", "longest_copied_run")
"""The per-sample counts behind them (the columns of :func:`counts`)."""


def check_index(index: Any, profile: Any) -> BarIndex:
    """``index`` if it indexes rolls of ``profile``'s pitches, tracks, lowest pitch and bar
    length (any number of pieces), else an InvalidParameterError naming both."""
    if not isinstance(index, BarIndex):
        raise invalid("bar_index", "None or a musiceval.originality.BarIndex", index)
    expected = {
        "n_pitches": profile.n_pitches,
        "n_tracks": len(profile.tracks),
        "lowest_pitch": profile.lowest_pitch,
        "steps_per_bar": profile.conventions["steps_per_bar"],
    }
    got = {name: getattr(index, name) for name in expected}
    if got != expected:
        raise invalid(
            "bar_index", f"an index of the reference's rolls {expected}", received=str(got)
        )
    return index


def counts(samples: Any, index: BarIndex, reading: Mapping[str, Any]) -> np.ndarray:
    """The per-sample counts of :data:`COUNTS`, float64 ``(n_samples, 4)``: matched non-empty
    merged bars (as written, and up to transposition), non-empty merged bars, longest copied
    run (as written) in bars (:func:`musiceval.originality.copied_bar_counts`)."""
    found = copied_bar_counts(
        samples,
        index,
        layout=reading["layout"],
        threshold=reading["threshold"],
        lowest_pitch=reading["lowest_pitch"],
    )
    return np.stack([found[name] for name in COUNTS], axis=1).astype(np.float64)


def pool(per_sample: np.ndarray) -> dict[str, float]:
    """The set-level numbers of :data:`NAMES` from every sample's counts: rates NaN when no
    sample has a non-empty bar; the longest run 0 for no sample."""
    matched, shifted, n_bars = (float(total) for total in per_sample[:, :3].sum(axis=0))
    longest = float(per_sample[:, 3].max()) if len(per_sample) else 0.0
    rates = (matched / n_bars, shifted / n_bars) if n_bars else (math.nan, math.nan)
    return dict(zip(NAMES, (*rates, longest), strict=True))
