"""A generated set measured as a profile's reference was: its metrics (scalar and
vector-valued) and its copied bars, one batch in memory at a time."""

from __future__ import annotations

from typing import Any

import numpy as np

from musiceval._batches import iter_batches
from musiceval._compare_checks import check_roll
from musiceval._report_originality import copied_counts
from musiceval.evaluate import compute
from musiceval.profiles import DatasetProfile
from musiceval.rolls import read_roll

__all__ = ["CHUNK_SIZE", "measure"]

CHUNK_SIZE = 4096
"""Generated samples read at once."""


def measure(
    x: Any, profile: DatasetProfile, layout: str, threshold: float
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """The profile's scalar metrics of every sample of ``x`` with the profile's conventions,
    ``(n, n_metrics, n_tracks)``; its vector-valued metrics (``profile.vector_metrics``, with
    the same conventions and the default ``normalize="total"``, as the profile holds them),
    name -> ``(n, n_tracks, *shape)``; and its copied-bar counts against the profile's bar
    index, ``(n, 4)`` (``(n, 0)`` without an index). A profile without a scalar metric gives
    ``(n, 0, n_tracks)`` values."""
    conventions = profile.conventions
    names = list(profile.metrics)
    vector_names = list(profile.vector_metrics)
    parts: list[np.ndarray] = []
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in vector_names}
    copies: list[np.ndarray] = []
    reading: dict[str, Any] = {
        "layout": layout, "threshold": threshold, "lowest_pitch": profile.lowest_pitch
    }  # fmt: skip
    for batch in iter_batches(x, layout, CHUNK_SIZE, name="generated"):
        roll = read_roll(batch, **reading, name="generated")
        check_roll(roll.n_steps, roll.n_pitches, roll.n_tracks, profile, conventions["per"])
        values = compute(roll, names + vector_names, **conventions)  # NBSPK: bars agree
        parts.append(_stacked(values, names, roll.n_samples, roll.n_tracks))
        for name in vector_names:
            vectors[name].append(values[name])
        copies.append(copied_counts(batch, profile, reading))
        del batch, roll  # one batch in memory at a time
    return (
        np.concatenate(parts, axis=0),
        {name: np.concatenate(chunks, axis=0) for name, chunks in vectors.items()},
        np.concatenate(copies, axis=0),
    )


def _stacked(
    values: dict[str, np.ndarray], names: list[str], n_samples: int, n_tracks: int
) -> np.ndarray:
    """The scalar metrics ``names`` of ``values`` as ``(n_samples, len(names), n_tracks)``;
    ``(n_samples, 0, n_tracks)`` for none."""
    if not names:
        return np.empty((n_samples, 0, n_tracks))
    return np.stack([values[name] for name in names], axis=1)
