"""Nearest-neighbour distances between feature vectors: how close each generated sample lies to
the reference, against how close reference samples lie to each other."""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from musiceval._checks import check_instance
from musiceval.distances._inputs import feature_rows
from musiceval.distances._prdc import row_blocks, squared_distances, standard_rows

__all__ = ["NeighbourDistances", "nearest_neighbour_distances"]


class NeighbourDistances(NamedTuple):
    """The result of :func:`nearest_neighbour_distances`.

    Attributes
    ----------
    generated : ndarray of shape (n_generated,)
        Each generated row's distance to its nearest reference row.
    reference : ndarray of shape (n_reference,)
        Each reference row's distance to its nearest other reference row (leave-one-out).
    ratio : float
        ``median(generated) / median(reference)``: about 1 for a set drawn like the
        reference, well below 1 for copies of it; NaN when the reference median is 0.
    """

    generated: np.ndarray
    reference: np.ndarray
    ratio: float


def nearest_neighbour_distances(
    reference: Any, generated: Any, *, standardize: bool = True
) -> NeighbourDistances:
    """Distance of each generated row to the nearest reference row, with the reference's own
    leave-one-out nearest-neighbour distances as the baseline.

    .. math::

        d_g(y) = \\min_{x \\in X} \\lVert y - x \\rVert_2, \\qquad
        d_r(x) = \\min_{x' \\in X \\setminus \\{x\\}} \\lVert x - x' \\rVert_2

    A generator that copies its training set puts its samples much closer to the reference
    (``d_g`` near 0) than reference samples lie to each other; one drawn like the reference
    gives the same distribution for both.

    Parameters
    ----------
    reference : array_like of shape (n_reference, n_features) or (n_reference,)
        Reference feature vectors (e.g. per-sample metric values); at least 2 usable rows. Rows
        holding a non-finite value are dropped.
    generated : array_like of shape (n_generated, n_features) or (n_generated,)
        Generated feature vectors with the same features; rows holding a non-finite value are
        dropped.
    standardize : bool, default=True
        Divide every feature by the reference's standard deviation first (a constant feature
        is left unscaled), as :func:`frechet_distance` does.

    Returns
    -------
    NeighbourDistances
        ``generated``, ``reference`` (Euclidean distances, in reference standard deviations
        with ``standardize``) and ``ratio``. With fewer than 2 usable reference rows, the
        reference distances are empty and every number is NaN.

    Notes
    -----
    A reference row that repeats another has a leave-one-out distance of 0. Distances are
    taken in blocks (no ``n x n`` matrix is held): ``O((N^2 + N M) p)`` time.

    Examples
    --------
    >>> result = nearest_neighbour_distances([0.0, 1.0, 3.0], [0.0, 2.5], standardize=False)
    >>> result.generated.tolist(), result.reference.tolist(), result.ratio
    ([0.0, 0.5], [1.0, 1.0, 2.0], 0.25)
    """
    check_instance("standardize", standardize, (bool, np.bool_), "a bool")
    reference_rows = feature_rows("reference", reference)
    generated_rows = feature_rows("generated", generated, reference_rows.shape[1])
    if len(reference_rows) < 2:
        nan = np.full(len(generated_rows), math.nan)
        return NeighbourDistances(nan, np.zeros(0), math.nan)
    x, y = standard_rows(reference_rows, generated_rows, standardize, centre=True)
    own = _nearest(x, x, exclude_self=True)
    nearest = _nearest(y, x, exclude_self=False)
    baseline = float(np.median(own))
    ratio = math.nan
    if baseline > 0 and len(y):
        ratio = float(np.median(nearest)) / baseline
    return NeighbourDistances(nearest, own, ratio)


def _nearest(rows: np.ndarray, others: np.ndarray, *, exclude_self: bool) -> np.ndarray:
    """Each row's distance to its nearest row of ``others`` (not itself when ``others`` is
    ``rows``): found in blocks through the expanded squares, then taken exactly as
    ``|row - nearest|`` (so a copy is at 0, not at a rounding error's square root)."""
    sq_rows, sq_others = (rows**2).sum(axis=1), (others**2).sum(axis=1)
    found = np.empty(len(rows), np.intp)
    for block in row_blocks(len(rows), len(others)):
        squared = squared_distances(rows[block], others, sq_rows[block], sq_others)
        if exclude_self:
            own = np.arange(block.stop - block.start)
            squared[own, own + block.start] = np.inf
        found[block] = squared.argmin(axis=1)
    return np.sqrt(((rows - others[found]) ** 2).sum(axis=1))
