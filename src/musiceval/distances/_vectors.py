"""Comparisons of two sets of per-sample distributions: the values of a vector-valued metric
(a pitch-class histogram, a transition matrix) on one track of a reference and a generated set.

Two views, as a report gives them per metric and track: the total variation distance between
the two mean distributions (what the sets play on average), and mgeval's relative method on the
Euclidean distances between the per-sample vectors (how the samples spread around each other),
which is :func:`musiceval.distances.relative_comparison` on the flattened vectors.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from musiceval._checks import invalid
from musiceval.distances._inputs import real_array
from musiceval.distances._marginal import relative_comparison
from musiceval.exceptions import InvalidParameterError

__all__ = ["SUM_TOLERANCE", "distribution_comparison", "total_variation_distance"]

#: How far from 1 the sum of a per-sample distribution (or of a given mean) may be.
SUM_TOLERANCE = 1e-6


def _distribution_rows(
    name: str, value: Any, shape: tuple[int, ...] | None = None
) -> tuple[np.ndarray, tuple[int, ...]]:
    """``value`` of shape ``(n_samples, *shape)`` as ``(n_defined, n_cells)`` rows (rows
    holding a non-finite value dropped) and the shape of one distribution; raise unless every
    kept row is a distribution."""
    array = real_array(name, value)
    if array.ndim < 2 or 0 in array.shape[1:]:
        raise invalid(
            name,
            "an array of shape (n_samples, n_bins) or (n_samples, n_rows, n_columns)",
            received=f"shape {array.shape}",
        )
    if shape is not None and array.shape[1:] != shape:
        raise InvalidParameterError(
            f"{name} must hold distributions of shape {shape}, as reference does; got shape "
            f"{array.shape}"
        )
    rows = array.reshape(array.shape[0], math.prod(array.shape[1:]))
    rows = rows[np.isfinite(rows).all(axis=1)]
    _check_distributions(name, rows)
    return rows, array.shape[1:]


def _check_distributions(name: str, rows: np.ndarray) -> None:
    """Raise unless every row is non-negative and sums to 1 (within :data:`SUM_TOLERANCE`)."""
    if not rows.size:
        return
    sums = rows.sum(axis=1)
    bad = np.flatnonzero((rows < 0).any(axis=1) | (np.abs(sums - 1.0) > SUM_TOLERANCE))
    if bad.size:
        row = rows[bad[0]]
        problem = f"a negative value {row.min():g}" if row.min() < 0 else f"sum {sums[bad[0]]:.9g}"
        raise InvalidParameterError(
            f"{name} must hold probability distributions (non-negative, each summing to 1: a "
            f"vector metric with normalize='total'); {bad.size} defined sample(s) are not, the "
            f"first with {problem}"
        )


def _mean(rows: np.ndarray, n_cells: int) -> np.ndarray:
    """The mean of the rows (a distribution), all NaN without a row."""
    return rows.mean(axis=0) if len(rows) else np.full(n_cells, math.nan)


def _total_variation(p: np.ndarray, q: np.ndarray) -> float:
    """``0.5 * sum |p - q|`` in [0, 1]; NaN when either holds NaN."""
    if np.isnan(p).any() or np.isnan(q).any():
        return math.nan
    return float(np.clip(0.5 * np.abs(p - q).sum(), 0.0, 1.0))


def total_variation_distance(reference: Any, generated: Any) -> float:
    """Total variation distance between the mean distributions of two sets.

    Each set holds one distribution per sample (a histogram, or a matrix whose cells sum to 1,
    such as :func:`musiceval.pitch_class_histogram` or
    :func:`musiceval.pitch_class_transition_matrix` of one track); each set's mean is taken
    over its samples whose distribution is defined (a silent track's is all NaN), so it sums to
    1 too. With :math:`\\bar r` and :math:`\\bar g` those means and :math:`c` running over every
    component (every cell of a matrix):

    .. math::

        \\mathrm{TV} = \\frac{1}{2} \\sum_c \\lvert \\bar g_c - \\bar r_c \\rvert

    the largest difference, over all sets of components, between the shares the two mean
    distributions give them.

    Parameters
    ----------
    reference : array_like of shape (n_reference, n_bins) or (n_reference, n_rows, n_columns)
        Per-sample distributions of the reference set. A sample holding a non-finite value is
        undefined and left out; every other must be non-negative and sum to 1 (within
        :data:`SUM_TOLERANCE`). A known mean distribution (``DatasetProfile.mean``) is a set
        of one: ``mean[None]``.
    generated : array_like of shape (n_generated, ...)
        The generated set, distributions of the same shape.

    Returns
    -------
    float
        In [0, 1], lower is closer: 0 when the mean distributions are equal, 1 when they share
        no component. NaN when either set has no defined sample.

    Raises
    ------
    InvalidParameterError
        An input is not a real array of at least 2 dimensions, the shapes of one distribution
        differ, or a defined sample is not a distribution (negative, or not summing to 1:
        compute the metric with ``normalize="total"``).

    Examples
    --------
    >>> total_variation_distance([[0.5, 0.5, 0.0]], [[1.0, 0.0, 0.0]])
    0.5
    >>> total_variation_distance([[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [np.nan, np.nan]])
    0.0
    >>> total_variation_distance([[1.0, 0.0]], [[np.nan, np.nan]])
    nan
    """
    reference_rows, shape = _distribution_rows("reference", reference)
    generated_rows, _ = _distribution_rows("generated", generated, shape)
    n_cells = reference_rows.shape[1]
    return _total_variation(_mean(reference_rows, n_cells), _mean(generated_rows, n_cells))


def distribution_comparison(
    reference: Any,
    generated: Any,
    *,
    reference_mean: Any = None,
    max_samples: int | None = 1000,
    seed: int = 0,
    grid_size: int = 512,
) -> dict[str, Any]:
    """Compare two sets of per-sample distributions: total variation of their means, and
    mgeval's relative method on the distances between samples.

    ``tv_distance`` is :func:`total_variation_distance`. ``overlap_area`` and
    ``kl_divergence`` are :func:`musiceval.distances.relative_comparison` of the flattened
    distributions (Yang and Lerch 2018): with :math:`r_i`, :math:`g_i` the defined per-sample
    vectors (a matrix read as its :math:`n_{rows} n_{columns}` cells),

    .. math::

        D_{rr} = \\{\\lVert r_i - r_j \\rVert_2 : i < j\\}, \\qquad
        D_{gr} = \\{\\lVert g_i - r_j \\rVert_2\\}, \\qquad
        \\mathrm{OA} = \\int \\min(p_{rr}, p_{gr}), \\qquad
        \\mathrm{KL} = \\mathrm{KL}(p_{rr} \\,\\|\\, p_{gr}),

    :math:`p_{rr}` and :math:`p_{gr}` the Gaussian KDEs of the intra-set (self-pairs left
    out) and inter-set distances on one common grid (:func:`kde_comparison`).

    Parameters
    ----------
    reference : array_like of shape (n_reference, n_bins) or (n_reference, n_rows, n_columns)
        Per-sample distributions of the reference set (for a profile: its reservoir,
        ``DatasetProfile.samples(name)[:, track]``). Samples holding a non-finite value (a
        silent track) are left out; every other must be non-negative and sum to 1.
    generated : array_like of shape (n_generated, ...)
        The generated set, distributions of the same shape, under the same rule.
    reference_mean : array_like of shape (n_bins,) or (n_rows, n_columns), optional
        The reference's mean distribution, when known from more samples than ``reference``
        holds (``DatasetProfile.mean(name)[track]``: the reservoir is a subsample); all NaN
        when no reference sample is defined. Default: the mean of ``reference``.
    max_samples : int or None, default=1000
        At most this many samples of each set enter the relative method (drawn as
        :func:`relative_comparison` draws them); None: all.
    seed : int, default=0
        Seed of that draw.
    grid_size : int, default=512
        Passed to :func:`kde_comparison`.

    Returns
    -------
    dict
        ``tv_distance`` (in [0, 1], lower is closer; NaN when a side has no defined sample),
        ``overlap_area`` (in [0, 1], higher is closer) and ``kl_divergence`` (in [0, inf],
        lower is closer; both NaN when the reference has fewer than 3 defined samples or the
        generated set none), ``n_reference`` and ``n_generated`` (the defined samples of
        each set), ``reference_mean`` and ``generated_mean`` (the mean distributions, of one
        sample's shape), and ``intra_mean``, ``intra_std``, ``inter_mean``, ``inter_std``
        (of the two distance sets, as :func:`relative_comparison` gives them).

    Raises
    ------
    InvalidParameterError
        As :func:`total_variation_distance`; also a ``reference_mean`` of another shape, or
        neither a distribution nor all NaN.

    Examples
    --------
    >>> same = [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]
    >>> result = distribution_comparison(same, same)
    >>> result["tv_distance"], result["n_generated"]
    (0.0, 3)
    """
    reference_rows, shape = _distribution_rows("reference", reference)
    generated_rows, _ = _distribution_rows("generated", generated, shape)
    n_cells = reference_rows.shape[1]
    if reference_mean is None:
        mean = _mean(reference_rows, n_cells)
    else:
        mean = _given_mean(reference_mean, shape)
    generated_mean = _mean(generated_rows, n_cells)
    relative = relative_comparison(
        reference_rows, generated_rows, max_samples=max_samples, seed=seed, grid_size=grid_size
    )
    del relative["intra_distances"], relative["inter_distances"]
    return {
        "tv_distance": _total_variation(mean, generated_mean),
        "overlap_area": relative.pop("overlap_area"),
        "kl_divergence": relative.pop("kl_divergence"),
        "n_reference": len(reference_rows),
        "n_generated": len(generated_rows),
        "reference_mean": mean.reshape(shape),
        "generated_mean": generated_mean.reshape(shape),
        **relative,
    }


def _given_mean(value: Any, shape: tuple[int, ...]) -> np.ndarray:
    """A ``reference_mean`` of ``shape`` as a flat distribution, or all NaN."""
    mean = real_array("reference_mean", value)
    if mean.shape != shape:
        raise invalid("reference_mean", f"of shape {shape}", received=f"shape {mean.shape}")
    mean = mean.ravel()
    if np.isnan(mean).all():
        return mean
    if not np.isfinite(mean).all():
        raise invalid(
            "reference_mean", "a distribution or all NaN", received="some non-finite values"
        )
    _check_distributions("reference_mean", mean[None])
    return mean
