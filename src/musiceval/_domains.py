"""Which tracks a metric applies to: pitched metrics on pitched tracks, drum metrics on drum
tracks (registry ``domain``), once the drum tracks are known (the ``drums`` convention)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from musiceval._checks import invalid
from musiceval.registry import METRICS
from musiceval.rolls import Conventions

__all__ = ["check_drum_tracks", "mask_domains"]


def check_drum_tracks(conventions: Conventions, n_tracks: int) -> None:
    """Raise unless ``drums`` (when given) has one flag per track."""
    drums = conventions.drums
    if drums is not None and len(drums) != n_tracks:
        raise invalid(
            "drums",
            f"one bool per track of x ({n_tracks})",
            received=f"{len(drums)} value(s) {list(drums)}",
        )


def mask_domains(
    values: dict[str, np.ndarray],
    conventions: Conventions,
    pairs: Sequence[tuple[int, int]],
) -> dict[str, np.ndarray]:
    """``values`` with NaN where a metric does not apply: a ``"pitched"`` metric on a drum
    track, a ``"drums"`` metric on a pitched track (a pairwise metric: where either track of
    the pair is one it does not apply to), unless ``force`` names that domain. Unchanged when
    the drum tracks are unknown (``drums=None``). Arrays are ``(n_samples, n_tracks, ...)``
    or ``(n_samples, n_pairs)``, changed in place."""
    if conventions.drums is None:
        return values
    drums = np.array(conventions.drums, dtype=bool)
    off = {"pitched": drums, "drums": ~drums, "any": np.zeros_like(drums)}
    for name, array in values.items():
        domain = METRICS[name].domain
        if domain in conventions.force:
            continue
        tracks = off[domain]
        if METRICS[name].pairwise:
            tracks = np.array([tracks[a] or tracks[b] for a, b in pairs], dtype=bool)
        array[:, tracks] = np.nan
    return values
