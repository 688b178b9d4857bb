"""``evaluate``: many metrics over one batch, in one pass, as a tidy table."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._engine import compute
from musiceval.registry import METRICS, PER_TRACK
from musiceval.rolls import as_roll, make_conventions

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["evaluate"]


def evaluate(
    x: Any,
    metrics: Sequence[str] | None = None,
    *,
    layout: str = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    **conventions: Any,
) -> pd.DataFrame:
    """Compute several metrics over a batch with one pass over the data.

    Parameters
    ----------
    x : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Piano rolls, as for every metric (other axis orders through ``layout``).
    metrics : sequence of str, optional
        Names of metric functions (see ``musiceval.METRICS``); default: every per-track metric
        (all but ``tonal_distance``). ``"tonal_distance"`` is computed for every pair of tracks
        (no rows for a one-track input).
    layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order of ``x``.
    threshold : float, default=0.0
        A cell is active when ``value > threshold``.
    lowest_pitch : int, optional
        MIDI number of pitch index 0 (required when n_pitches != 128).
    **conventions
        Options of the metrics, shared by all of them: ``steps_per_bar``, ``steps_per_beat``,
        ``key``, ``mode``, ``weight``, ``min_steps``, ``min_pitches``, ``grid``, ``per``,
        ``radii``. With ``per="bar"`` the metrics that allow it are averaged over non-empty
        bars; ``empty_bar_rate``, ``best_key``, ``groove_consistency`` and ``tonal_distance``
        stay per sample.

    Returns
    -------
    pandas.DataFrame
        Columns ``sample`` (int), ``track`` (int), ``metric`` (categorical of the metric names,
        in the order requested), ``value`` (float64, NaN where undefined): one row per metric,
        sample and track, grouped by metric, then sample, then track. With ``tonal_distance``
        a ``track_b`` column (nullable int) holds the second track of each pair (``track`` the
        first) and is empty for per-track metrics.
    """
    import pandas as pd

    names = list(PER_TRACK if metrics is None else metrics)
    if isinstance(metrics, str):
        raise TypeError(f"metrics must be a list of metric names; got the string {metrics!r}")
    unknown = [name for name in names if name not in METRICS]
    if unknown or not names or len(set(names)) < len(names):
        raise ValueError(
            f"metrics must be a non-empty list of distinct names from {list(METRICS)}; "
            f"got {names!r}"
        )
    roll = as_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch)
    pairs = list(combinations(range(roll.n_tracks), 2))
    values = compute(roll, make_conventions(**conventions), names, pairs)
    n = roll.n_samples
    labels = [_track_labels(METRICS[name].pairwise, roll.n_tracks, pairs) for name in values]
    columns = {
        "sample": np.concatenate([np.repeat(np.arange(n), len(first)) for first, _ in labels]),
        "track": np.concatenate([np.tile(first, n) for first, _ in labels]),
        "metric": pd.Categorical.from_codes(
            np.repeat(np.arange(len(values)), [array.size for array in values.values()]),
            list(values),
        ),
        "value": np.concatenate([array.reshape(-1) for array in values.values()]),
    }
    if any(METRICS[name].pairwise for name in values):
        second = np.concatenate([np.tile(b, n) for _, b in labels])
        columns["track_b"] = pd.arrays.IntegerArray(second, mask=second < 0)
    return pd.DataFrame(columns, copy=False)  # every column is a new array: no copy needed


def _track_labels(
    pairwise: bool, n_tracks: int, pairs: list[tuple[int, int]]
) -> tuple[np.ndarray, np.ndarray]:
    """The ``track`` and ``track_b`` labels (-1: none) of one sample's values of a metric."""
    if pairwise:
        return np.array([a for a, _ in pairs], int), np.array([b for _, b in pairs], int)
    return np.arange(n_tracks), np.full(n_tracks, -1)
