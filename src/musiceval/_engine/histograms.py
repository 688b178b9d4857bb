"""Vector-valued metrics as reductions of :class:`~musiceval._engine.stats.RollStats`.

Each reducer maps the statistics of ``n_samples`` rolls to float64 values of shape
``(n_samples, n_tracks, *shape)`` (the registry's ``shape``), normalised as ``normalize`` says:
``"total"`` (every component over the sum of all of them), ``"row"`` (each row over its own
sum; a histogram is one row, so the same as ``"total"``) or ``None`` (the counts). A sum of 0
gives NaN components (nothing to take a fraction of); counts of nothing are 0. The counts come
from the fused pass (``kernels.roll_statistics``): ``pc_cells``/``pc_notes`` (the same counts
as ``pitch_class_entropy``), ``cell_hist``/``note_hist``, ``onset_classes``, ``onsets`` (the
inter-onset intervals, ``RollStats.intervals``), ``onset_pitches``, ``onset_octaves`` and
``length_hist``; the kernels added for them, ``transitions.transition_counts`` and
``transitions.onset_intervals`` (passes over the per-step onset statistics), are imported when
asked for, as every kernel is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from musiceval._engine.stats import N_LENGTH_OCTAVES, RollStats, light_pass
from musiceval.rolls import Conventions

__all__ = ["NORMALIZATIONS", "VECTOR_REDUCERS", "normalized"]

NORMALIZATIONS = ("total", "row", None)
"""The values of the ``normalize`` option, the default first."""

_N_MIDI = 128


def normalized(counts: np.ndarray, normalize: str | None, n_axes: int) -> np.ndarray:
    """``counts`` (its last ``n_axes`` axes the vector) as float64 fractions (see the module),
    a new C-contiguous array.

    NaN without a warning where the denominator is 0."""
    return _normalize(counts.astype(np.float64, order="C"), normalize, n_axes)


def _normalize(values: np.ndarray, normalize: str | None, n_axes: int) -> np.ndarray:
    """:func:`normalized` of the float64 counts ``values``, in place; returns ``values``.

    Every component of a vector (or row) whose sum is 0 is 0 itself: dividing gives 0/0, set
    to NaN afterwards (the NaN of ``np.nan``) rather than masked out of the division, which
    cost a full-size mask and a second output array."""
    if normalize is None:
        return values
    axes = (-1,) if normalize == "row" else tuple(range(-n_axes, 0))
    total = values.sum(axis=axes, keepdims=True)
    with np.errstate(invalid="ignore"):
        np.divide(values, total, out=values)
    values[(total == 0).reshape(total.shape[: values.ndim - len(axes)])] = np.nan
    return values


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
    midi = np.zeros((n, k, _N_MIDI))  # bin = MIDI pitch; unused pitches stay 0
    midi[:, :, stats.lowest_pitch : stats.lowest_pitch + n_pitches] = _tracks_first(counts)
    return _normalize(midi, normalize, 1)


def _transitions(onset_sets: np.ndarray, n_classes: int, normalize: str | None) -> np.ndarray:
    """The transition matrix between the classes (bits of ``onset_sets``, ``(n, n_steps,
    n_tracks)``) starting at consecutive onset steps (``transitions.transition_counts``)."""
    from musiceval._engine.transitions import transition_counts

    n, _, k = onset_sets.shape
    counts = np.zeros((n, k, n_classes, n_classes))  # float64 counts: exact, normalised in place
    with light_pass(onset_sets.size):
        transition_counts(np.ascontiguousarray(onset_sets), counts)
    return _normalize(counts, normalize, 2)


def pitch_class_transition_matrix(
    stats: RollStats, conventions: Conventions, normalize: str | None
) -> np.ndarray:
    return _transitions(stats.needed("onset_classes"), 12, normalize)


def note_length_transition_matrix(
    stats: RollStats, conventions: Conventions, normalize: str | None
) -> np.ndarray:
    octaves = stats.needed("onset_octaves")  # bit b: a note of 2**b to 2**(b + 1) - 1 steps
    last = np.uint32(N_LENGTH_OCTAVES - 1)  # its bin also holds every longer note
    longer = (octaves >> last) != 0
    capped = (octaves & np.uint32((1 << last) - 1)) | (longer.astype(np.uint32) << last)
    return _transitions(capped, N_LENGTH_OCTAVES, normalize)


def note_length_histogram(
    stats: RollStats, conventions: Conventions, normalize: str | None
) -> np.ndarray:
    return normalized(_tracks_first(stats.needed("length_hist")), normalize, 1)


def ioi_histogram(stats: RollStats, conventions: Conventions, normalize: str | None) -> np.ndarray:
    return normalized(stats.intervals.histogram, normalize, 1)


VECTOR_REDUCERS: dict[str, Callable[..., np.ndarray]] = {
    "pitch_class_histogram": pitch_class_histogram,
    "pitch_histogram": pitch_histogram,
    "pitch_class_transition_matrix": pitch_class_transition_matrix,
    "note_length_histogram": note_length_histogram,
    "ioi_histogram": ioi_histogram,
    "note_length_transition_matrix": note_length_transition_matrix,
}
"""Each vector-valued metric's reducer, by the registry's name: ``(RollStats, Conventions,
normalize) -> (n_samples, n_tracks, *shape)``."""
