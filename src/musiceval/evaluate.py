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
        (all but ``tonal_distance``). ``"tonal_distance"`` is computed for every pair of tracks.
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
        Columns ``sample`` (int), ``track`` (int), ``metric`` (str), ``value`` (float64, NaN
        where undefined), one row per metric, sample and track, grouped by metric in the order
        requested. With ``tonal_distance`` a ``track_b`` column (nullable int) holds the second
        track of each pair (``track`` the first) and is empty for per-track metrics.
    """
    import pandas as pd

    names = list(PER_TRACK if metrics is None else metrics)
    if isinstance(metrics, str):
        raise TypeError(f"metrics must be a list of metric names; got the string {metrics!r}")
    unknown = [name for name in names if name not in METRICS]
    if unknown or not names:
        raise ValueError(
            f"metrics must be a non-empty list of names from {list(METRICS)}; got {names!r}"
        )
    roll = as_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch)
    pairs = list(combinations(range(roll.n_tracks), 2))
    values = compute(roll, make_conventions(**conventions), names, pairs)
    n = roll.n_samples
    frames = []
    for name, array in values.items():
        width = array.shape[1]
        frame = {
            "sample": np.repeat(np.arange(n), width),
            "track": np.tile(np.arange(width), n),
            "metric": name,
            "value": array.reshape(-1),
        }
        if METRICS[name].pairwise:
            frame["track"] = np.tile([a for a, _ in pairs], n).astype(np.int64)
            frame["track_b"] = pd.array(np.tile([b for _, b in pairs], n), dtype="Int64")
        frames.append(pd.DataFrame(frame))
    table = pd.concat(frames, ignore_index=True)
    if "track_b" in table:
        table["track_b"] = table["track_b"].astype("Int64")
    return table
