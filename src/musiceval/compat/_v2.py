"""The per-bar pieces of MuseGAN's paper-era ``v2`` evaluation that only ``evaluate_v2`` uses.

Reproductions of ``v2/musegan/utils/metrics.py`` (``get_qualified_note_rate``,
``get_drum_pattern`` and its default ``drum_filter``), vectorised over bars and tracks; see
:func:`musiceval.compat.musegan.evaluate_v2`. Wrong on purpose where ``v2`` is.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from musiceval._checks import invalid
from musiceval.exceptions import InvalidParameterError

__all__ = ["DRUM_FILTER", "bar_drum_patterns", "bar_qualified_notes", "check_drum_filter"]

DRUM_FILTER = np.tile([1.0, 0.1, 0.0, 0.0, 0.0, 0.1], 16)
"""``v2``'s ``config['drum_filter']``: step weights of a 96-step bar."""


def check_drum_filter(drum_filter: Any, steps_per_bar: int) -> np.ndarray | None:
    """``drum_filter`` as float64 step weights; ``None`` when the default fits no bar length."""
    if drum_filter is None:
        return DRUM_FILTER if steps_per_bar == DRUM_FILTER.size else None
    try:
        weights = np.asarray(drum_filter, dtype=np.float64)
    except (TypeError, ValueError):
        raise invalid("drum_filter", "an array of real numbers", drum_filter) from None
    if weights.shape != (steps_per_bar,):
        raise InvalidParameterError(
            f"drum_filter must have shape (steps_per_bar,) = ({steps_per_bar},); got "
            f"{weights.shape}"
        )
    return weights


def bar_qualified_notes(bars: np.ndarray, threshold: int) -> np.ndarray:
    """``get_qualified_note_rate`` of every (bar, track): pitch-major pairing, ``>=``."""
    n_bars, _, _, n_tracks = bars.shape
    steps = np.diff(np.pad(bars.astype(np.int8), ((0, 0), (1, 1), (0, 0), (0, 0))), axis=1)
    rows = steps.transpose(0, 3, 2, 1)  # (bar, track, pitch, step): v2 flattens diff.T
    onsets, offsets = np.nonzero(rows > 0), np.nonzero(rows < 0)
    owner = onsets[0] * n_tracks + onsets[1]
    qualified = offsets[3] - onsets[3] >= threshold
    size = n_bars * n_tracks
    n_qualified = np.bincount(owner, weights=qualified, minlength=size)
    n_onsets = np.bincount(owner, minlength=size)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (n_qualified / n_onsets).reshape(n_bars, n_tracks)


def bar_drum_patterns(bars: np.ndarray, drum_filter: np.ndarray) -> np.ndarray:
    """``get_drum_pattern`` of every (bar, track) of a bool roll.

    ``np.diff`` of a bool array is ``!=``, so the step after a note's end counts as a hit too;
    the filter is tried at shifts 0..5 and the best score kept (never below 0).
    """
    previous = np.pad(bars, ((0, 0), (1, 0), (0, 0), (0, 0)))[:, :-1]
    hits = (bars != previous).sum(axis=2)  # (bar, step, track)
    shifted = np.stack([np.roll(drum_filter, shift) for shift in range(6)])
    scores = np.einsum("is,bsk->bik", shifted, hits).max(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.maximum(scores, 0.0) / hits.sum(axis=1)
