"""Metric definitions as reductions of :class:`~musiceval._engine.stats.RollStats`.

Each reducer maps the statistics of ``n_samples`` rolls to float64 values of shape
``(n_samples, n_tracks)`` (``(n_samples, n_pairs)`` for tonal distance); the vector-valued
metrics' reducers are in ``histograms``. Division by zero gives
NaN without a warning: that is what "undefined" means here. The formulas are documented in
``docs/metrics.md`` and on the public functions in :mod:`musiceval.metrics`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from musiceval._engine.histograms import VECTOR_REDUCERS
from musiceval._engine.stats import RollStats, one_task_one_thread
from musiceval.keyfinding import KeyProfile, best_key_indices
from musiceval.registry import METRICS
from musiceval.rolls import Conventions
from musiceval.scales import scale_mask, tonal_matrix

# each reducer is reached by name, in REDUCERS
__all__ = ["AUTO_KEY_PROFILE", "REDUCERS", "tonal_centroids"]


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator as float64, NaN where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast_shapes(numerator.shape, denominator.shape), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _sum_over_axis1(array: np.ndarray, indices: np.ndarray | range | None = None) -> np.ndarray:
    """``array[:, indices].sum(axis=1)`` in int64, slice by slice.

    numpy reduces slowly over a short middle axis (12 pitch classes, a few bars) followed by a
    short contiguous one (tracks); adding whole slices is several times faster.
    """
    indices = range(array.shape[1]) if indices is None else indices
    total = np.zeros((array.shape[0], *array.shape[2:]), np.int64)
    for index in indices:
        total += array[:, index]
    return total


def _histogram(stats: RollStats, conventions: Conventions, *, classes: bool) -> np.ndarray:
    if classes:
        return stats.pc_cells if conventions.weight == "cells" else stats.needed("pc_notes")
    return stats.needed("cell_hist" if conventions.weight == "cells" else "note_hist")


def _entropy(histogram: np.ndarray) -> np.ndarray:
    """Shannon entropy in bits over axis 1; NaN for an all-zero histogram."""
    from musiceval._engine.kernels import histogram_entropy

    out = np.empty((histogram.shape[0], histogram.shape[2]))
    with one_task_one_thread(histogram.shape[0]):
        histogram_entropy(np.ascontiguousarray(histogram), out)
    return out


def empty_bar_rate(stats: RollStats, conventions: Conventions) -> np.ndarray:
    bar_active = stats.needed("bar_active")
    n_bars = bar_active.shape[1]
    return _ratio(n_bars - _sum_over_axis1(bar_active), np.asarray(n_bars))


def n_pitches_used(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return stats.n_pitches.astype(np.float64)


def n_pitch_classes_used(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return _sum_over_axis1(stats.pc_cells > 0).astype(np.float64)


def _scale_ratios(stats: RollStats, conventions: Conventions) -> np.ndarray:
    """In-scale ratio for each of the 12 keys of ``conventions.mode``: (n, 12 keys, n_tracks)."""
    histogram = _histogram(stats, conventions, classes=True).astype(np.float64)
    in_scale = np.einsum("jc,nck->njk", _mode_masks(conventions.mode), histogram)
    return _ratio(in_scale, histogram.sum(axis=1)[:, None, :])


AUTO_KEY_PROFILE: KeyProfile = "albrecht"
"""The key profile of ``in_scale_ratio(key="auto")`` (see ``docs/keys.md`` for why)."""


@cache
def _mode_masks(mode: str) -> np.ndarray:
    """``(12, 12)`` float masks: row ``t`` marks the pitch classes of ``mode`` on tonic ``t``."""
    return np.array([scale_mask(t, mode) for t in range(12)], dtype=np.float64)


@cache
def _key_scales() -> np.ndarray:
    """``(25, 12)`` in-scale masks: row ``t`` is ``t`` major, ``12 + t`` natural ``t`` minor
    (the keys of ``keyfinding.best_key_indices``), row 24 (index -1: no key) all 0."""
    return np.vstack([_mode_masks("major"), _mode_masks("minor"), np.zeros((1, 12))])


def in_scale_ratio(stats: RollStats, conventions: Conventions) -> np.ndarray:
    """With ``key="auto"`` the key of each sample and track is found from the histogram of
    its ``stats.rows_per_sample`` consecutive rows (its bars, with ``per="bar"``) together."""
    rows_per_sample = stats.rows_per_sample
    histogram = _histogram(stats, conventions, classes=True)
    if conventions.key != "auto":
        in_scale = np.flatnonzero(scale_mask(conventions.key, conventions.mode))
        return _ratio(_sum_over_axis1(histogram, in_scale), _sum_over_axis1(histogram))
    n, _, n_tracks = histogram.shape
    grouped = histogram.reshape(n // rows_per_sample, rows_per_sample, 12, n_tracks)
    counts = np.moveaxis(grouped.sum(axis=1, dtype=np.float64), 1, -1)  # (samples, tracks, 12)
    keys = np.repeat(best_key_indices(counts, AUTO_KEY_PROFILE), rows_per_sample, axis=0)
    in_scale = np.einsum("nkc,nck->nk", _key_scales()[keys], histogram)
    return np.where(keys >= 0, _ratio(in_scale, _sum_over_axis1(histogram)), np.nan)


def scale_consistency(stats: RollStats, conventions: Conventions) -> np.ndarray:
    ratios = _scale_ratios(stats, conventions)
    return np.where(np.isnan(ratios[:, 0]), np.nan, np.nan_to_num(ratios).max(axis=1))


def best_key(stats: RollStats, conventions: Conventions) -> np.ndarray:
    ratios = _scale_ratios(stats, conventions)
    keys = np.nan_to_num(ratios).argmax(axis=1).astype(np.float64)
    return np.where(np.isnan(ratios[:, 0]), np.nan, keys)


def polyphonic_rate(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return _ratio(stats.poly_steps, np.asarray(stats.n_steps))


def qualified_note_rate(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return _ratio(stats.qualified, stats.n_notes)


def pitch_range(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return np.where(stats.n_notes > 0, (stats.highest - stats.lowest).astype(np.float64), np.nan)


def lowest_active_pitch(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return np.where(stats.n_notes > 0, stats.lowest + float(stats.lowest_pitch), np.nan)


def highest_active_pitch(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return np.where(stats.n_notes > 0, stats.highest + float(stats.lowest_pitch), np.nan)


def polyphony(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return _ratio(_sum_over_axis1(stats.pc_cells), stats.sounding)


def n_notes(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return stats.n_notes.astype(np.float64)


def pitch_entropy(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return _entropy(_histogram(stats, conventions, classes=False))


def pitch_class_entropy(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return _entropy(_histogram(stats, conventions, classes=True))


def drum_in_pattern_rate(stats: RollStats, conventions: Conventions) -> np.ndarray:
    spacing = conventions.steps_per_beat // conventions.grid
    onsets = stats.needed("onsets")
    return _ratio(onsets[:, ::spacing].sum(axis=1), onsets.sum(axis=1))


def groove_consistency(stats: RollStats, conventions: Conventions) -> np.ndarray:
    onsets = stats.needed("onsets")
    n, n_steps, k = onsets.shape
    bar = stats.bar_length()
    grooves = (onsets > 0).reshape(n, n_steps // bar, bar, k)
    before, after = grooves[:, :-1], grooves[:, 1:]
    differ = np.count_nonzero(before != after, axis=2)
    union = np.count_nonzero(before | after, axis=2)
    distance = _ratio(differ, union)
    n_pairs = np.count_nonzero(union, axis=1)
    return 1.0 - _ratio(np.nansum(distance, axis=1), n_pairs)


def ioi_mean(stats: RollStats, conventions: Conventions) -> np.ndarray:
    return _ratio(stats.intervals.total, stats.intervals.count)


def ioi_std(stats: RollStats, conventions: Conventions) -> np.ndarray:
    count, total = stats.intervals.count, stats.intervals.total
    spread = count * stats.intervals.squares - total * total  # count**2 * variance, exact in int64
    return np.sqrt(_ratio(spread, count * count))


def pitch_shift(stats: RollStats, conventions: Conventions) -> np.ndarray:
    stats.needed("onset_pitches")  # the shifts are 0 without it
    return _ratio(stats.intervals.shifts, stats.intervals.count)


def tonal_centroids(beat_chroma: np.ndarray, radii: tuple[float, float, float]) -> np.ndarray:
    """Harte et al. (2006) 6-D tonal centroid of each chroma vector (last-but-one axis 12).

    ``beat_chroma`` has shape ``(..., 12, n_tracks)``; the result ``(..., 6, n_tracks)``, NaN for
    an all-zero chroma.
    """
    chroma = _ratio(beat_chroma, beat_chroma.sum(axis=-2, keepdims=True))
    return np.einsum("dc,...ck->...dk", tonal_matrix(radii), chroma)


def tonal_distance(
    stats: RollStats, conventions: Conventions, pairs: list[tuple[int, int]]
) -> np.ndarray:
    centroids = tonal_centroids(stats.needed("beat_chroma"), conventions.radii)
    a = [pair[0] for pair in pairs]
    b = [pair[1] for pair in pairs]
    distances = np.sqrt(((centroids[..., a] - centroids[..., b]) ** 2).sum(axis=2))
    valid = ~np.isnan(distances)
    return _ratio(np.where(valid, distances, 0.0).sum(axis=1), valid.sum(axis=1))


REDUCERS: dict[str, Callable[..., np.ndarray]] = {
    name: VECTOR_REDUCERS[name] if spec.shape else globals()[name] for name, spec in METRICS.items()
}
"""Each metric's reducer, by the registry's name: ``(RollStats, Conventions) -> (n_samples,
n_tracks)``, ``(RollStats, Conventions, pairs) -> (n_samples, n_pairs)`` for pairwise ones, or
``(RollStats, Conventions, normalize) -> (n_samples, n_tracks, *shape)`` for vector-valued
ones (``histograms``)."""
