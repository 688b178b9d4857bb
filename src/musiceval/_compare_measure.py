"""A generated set measured as a profile's reference was: its metrics and its copied bars,
one batch in memory at a time."""

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
) -> tuple[np.ndarray, np.ndarray]:
    """The profile's metrics of every sample of ``x`` with the profile's conventions,
    ``(n, n_metrics, n_tracks)``, and its copied-bar counts against the profile's bar index,
    ``(n, 4)`` (``(n, 0)`` without an index)."""
    conventions = profile.conventions
    names = list(profile.metrics)
    parts: list[np.ndarray] = []
    copies: list[np.ndarray] = []
    reading: dict[str, Any] = {
        "layout": layout, "threshold": threshold, "lowest_pitch": profile.lowest_pitch
    }  # fmt: skip
    for batch in iter_batches(x, layout, CHUNK_SIZE, name="generated"):
        roll = read_roll(batch, **reading, name="generated")
        check_roll(roll.n_steps, roll.n_pitches, roll.n_tracks, profile, conventions["per"])
        values = compute(roll, names, **conventions)  # an NBSPK input must agree on bars
        parts.append(np.stack([values[name] for name in names], axis=1))
        copies.append(copied_counts(batch, profile, reading))
        del batch, roll  # one batch in memory at a time
    return np.concatenate(parts, axis=0), np.concatenate(copies, axis=0)
