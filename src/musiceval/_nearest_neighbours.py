"""Nearest-neighbour distances of :mod:`musiceval.originality`: each generated sample's Jaccard
distance to the closest training sample, and the leave-one-out baseline of the training set.

Import them from ``musiceval.originality``; they live here so that the bar measures keep that
module within its size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from musiceval import _bar_index as kernels
from musiceval._checks import check_bool
from musiceval._docstrings import doc
from musiceval.exceptions import InvalidParameterError
from musiceval.rolls import Layout, Roll, as_roll

__all__ = [
    "nearest_neighbour_distance",
    "sample_rows",
    "training_nearest_neighbour_distances",
]


def sample_rows(
    x: Any, name: str, layout: Layout, threshold: float, lowest_pitch: int | None
) -> tuple[Roll, Any, np.ndarray]:
    """``x`` as a roll, with its samples' active cells as sparse rows and their counts."""
    roll = as_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, name=name)
    return (roll, *kernels.sparse_rows(roll.cells))


@doc("layout", "threshold")
def nearest_neighbour_distance(
    generated: Any,
    training: Any,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    return_index: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Jaccard distance from each generated sample to its nearest training sample.

    A sample is the set :math:`A` of its active cells ``(step, pitch, track)``, compared as it
    stands (no shift in time or pitch). Two silent samples are at distance 0. Compare with
    :func:`training_nearest_neighbour_distances`: samples much closer to the training set than
    training samples are to each other are copies.

    .. math:: d(A) = \\min_{B \\in \\text{training}} 1 - \\frac{|A \\cap B|}{|A \\cup B|}

    Parameters
    ----------
    generated : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Generated rolls (other axis orders through ``layout``). Never modified.
    training : ndarray or torch.Tensor of shape (n_train, n_steps, n_pitches, n_tracks)
        Training rolls of the same steps, pitches and tracks, in the same ``layout``.
    {parameters}
    lowest_pitch : int, optional
        MIDI number of pitch index 0 of both (default 0; required when n_pitches != 128).
    return_index : bool, default=False
        Also return the index of the nearest training sample (the first on ties).

    Returns
    -------
    distances : ndarray of float64, shape (n_samples,)
        In [0, 1], 0 = a copy of a training sample; higher is more original.
    indices : ndarray of int64, shape (n_samples,)
        Only with ``return_index=True``.
    """
    check_bool("return_index", return_index)
    roll, query, counts = sample_rows(generated, "generated", layout, threshold, lowest_pitch)
    options = (layout, threshold, lowest_pitch)
    train_roll, train, train_counts = sample_rows(training, "training", *options)
    if roll.shape[1:] != train_roll.shape[1:]:
        raise InvalidParameterError(
            f"training must have the steps, pitches and tracks of generated, {roll.shape[1:]}; "
            f"got {train_roll.shape[1:]}"
        )
    distances, indices = kernels.jaccard_distances(query, counts, train, train_counts, False)
    return (distances, indices) if return_index else distances


@doc("layout", "threshold")
def training_nearest_neighbour_distances(
    training: Any,
    *,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
    return_index: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """The baseline of :func:`nearest_neighbour_distance`: each training sample's Jaccard
    distance to its nearest *other* training sample (leave-one-out).

    .. math:: d_i = \\min_{j \\ne i} 1 - \\frac{|A_i \\cap A_j|}{|A_i \\cup A_j|}

    Parameters
    ----------
    training : ndarray or torch.Tensor of shape (n_train, n_steps, n_pitches, n_tracks)
        Training rolls (other axis orders through ``layout``), at least two. Never modified.
    {parameters}
    lowest_pitch : int, optional
        MIDI number of pitch index 0 (default 0; required when n_pitches != 128).
    return_index : bool, default=False
        Also return the index of the nearest other training sample (the first on ties).

    Returns
    -------
    distances : ndarray of float64, shape (n_train,)
        In [0, 1]; 0 for a sample duplicated elsewhere in the training set.
    indices : ndarray of int64, shape (n_train,)
        Only with ``return_index=True``.
    """
    check_bool("return_index", return_index)
    roll, train, counts = sample_rows(training, "training", layout, threshold, lowest_pitch)
    if roll.n_samples < 2:
        raise InvalidParameterError(
            f"training must hold at least 2 samples for leave-one-out distances; got "
            f"{roll.n_samples}"
        )
    distances, indices = kernels.jaccard_distances(train, counts, train, counts, True)
    return (distances, indices) if return_index else distances
