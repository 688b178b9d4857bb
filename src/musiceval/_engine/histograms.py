"""Vector-valued metrics as reductions of :class:`~musiceval._engine.stats.RollStats`.

Each reducer maps the statistics of ``n_samples`` rolls to float64 values of shape
``(n_samples, n_tracks, *shape)`` (the registry's ``shape``), normalised as ``normalize`` says:
``"total"`` (every component over the sum of all of them), ``"row"`` (each row over its own
sum; a histogram is one row, so the same as ``"total"``) or ``None`` (the counts). A sum of 0
gives NaN components (nothing to take a fraction of); counts of nothing are 0. The counts come
from the fused pass (``kernels.roll_statistics``): ``pc_cells``/``pc_notes`` (the same counts
as ``pitch_class_entropy``), ``cell_hist``/``note_hist``, ``onset_classes`` and
``length_hist``; the one kernel
added for them, ``transitions.transition_counts`` (a pass over the per-step onset classes),
is imported when a transition matrix is asked for, as every kernel is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from musiceval._engine.stats import RollStats, one_task_one_thread
from musiceval.rolls import Conventions

__all__ = ["NORMALIZATIONS", "VECTOR_REDUCERS", "normalized"]

NORMALIZATIONS = ("total", "row", None)
"""The values of the ``normalize`` option, the default first."""

_N_MIDI = 128


def normalized(counts: np.ndarray, normalize: str | None, n_axes: int) -> np.ndarray:
    """``counts`` (its last ``n_axes`` axes the vector) as float64 fractions (see the module).

    NaN without a warning where the denominator is 0."""
    values = counts.astype(np.float64)
    if normalize is None:
        return values
    axes = (-1,) if normalize == "row" else tuple(range(-n_axes, 0))
    total = values.sum(axis=axes, keepdims=True)
    out = np.full(values.shape, np.nan)
    np.divide(values, total, out=out, where=np.broadcast_to(total, values.shape) != 0)
    return out


def _tracks_first(histogram: np.ndarray) -> np.ndarray:
    """``(n, n_bins, n_tracks)`` as ``(n, n_tracks, n_bins)``."""
    return np.moveaxis(histogram, 1, 2)


def pitch_class_histogram(
    stats: RollStats, conventions: Conventions, normalize: str | None
) -> np.ndarray:
    counts = stats.pc_cells if conventions.weight == "cells" else stats.needed("pc_notes")
    return normalized(_tracks_first(counts), normalize, 1)


def pitch_histogram(
    stats: RollStats, conventions: Conventions, normalize: str | None
) -> np.ndarray:
    counts = stats.needed("cell_hist" if conventions.weight == "cells" else "note_hist")
    n, n_pitches, k = counts.shape
    midi = np.zeros((n, k, _N_MIDI), np.int64)  # bin = MIDI pitch; unused pitches stay 0
    midi[:, :, stats.lowest_pitch : stats.lowest_pitch + n_pitches] = _tracks_first(counts)
    return normalized(midi, normalize, 1)


def pitch_class_transition_matrix(
    stats: RollStats, conventions: Conventions, normalize: str | None
) -> np.ndarray:
    from musiceval._engine.transitions import transition_counts

    onset_classes = stats.needed("onset_classes")
    counts = np.zeros((onset_classes.shape[0], onset_classes.shape[2], 12, 12), np.int64)
    with one_task_one_thread(len(counts)):
        transition_counts(np.ascontiguousarray(onset_classes), counts)
    return normalized(counts, normalize, 2)


def note_length_histogram(
    stats: RollStats, conventions: Conventions, normalize: str | None
) -> np.ndarray:
    return normalized(_tracks_first(stats.needed("length_hist")), normalize, 1)


VECTOR_REDUCERS: dict[str, Callable[..., np.ndarray]] = {
    "pitch_class_histogram": pitch_class_histogram,
    "pitch_histogram": pitch_histogram,
    "pitch_class_transition_matrix": pitch_class_transition_matrix,
    "note_length_histogram": note_length_histogram,
}
"""Each vector-valued metric's reducer, by the registry's name: ``(RollStats, Conventions,
normalize) -> (n_samples, n_tracks, *shape)``."""
