"""The Fréchet distance between Gaussian fits of two sets of feature vectors."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from musiceval._checks import check_instance, check_int, invalid
from musiceval.distances._covariance import (
    Covariance,
    check_covariance,
    estimate_covariance,
    reference_scaling,
)
from musiceval.distances._inputs import feature_rows, real_array

__all__ = [
    "FrechetInfinity",
    "fit_distance",
    "frechet_distance",
    "frechet_distance_infinity",
    "gaussian_fit",
    "piece_distance",
    "trace_sqrt_product",
]


# --------------------------------------------------------------------------- Fréchet


def trace_sqrt_product(cov_a: np.ndarray, cov_b: np.ndarray) -> float:
    """Tr((A B)^{1/2}) for symmetric PSD A and B: the sum of sqrt(eig(A^{1/2} B A^{1/2})).

    A^{1/2} B A^{1/2} is symmetric PSD with the eigenvalues of A B, so a symmetric solver finds
    them, real and non-negative, also for singular matrices.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(cov_a)
    root_a = (eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))) @ eigenvectors.T
    middle = root_a @ cov_b @ root_a
    return float(np.sqrt(np.clip(np.linalg.eigvalsh((middle + middle.T) / 2), 0.0, None)).sum())


def frechet_distance(
    reference: Any,
    generated: Any,
    *,
    standardize: bool = True,
    covariance: Covariance = "sample",
) -> float:
    """Fréchet distance between Gaussian fits of two sets of feature vectors (FID-style).

    .. math::

        d^2 = \\lVert \\mu_r - \\mu_g \\rVert_2^2
              + \\mathrm{Tr}\\left(\\Sigma_r + \\Sigma_g - 2 (\\Sigma_r \\Sigma_g)^{1/2}\\right)

    with :math:`\\mu` the feature means and :math:`\\Sigma` the covariances (by default the sample
    covariances, ddof=1, as ``np.cov`` and the FID reference code). The squared distance is
    returned, as FID does.

    Parameters
    ----------
    reference : array_like of shape (n_reference, n_features) or (n_reference,)
        Feature vectors of the reference set, one row per sample (1-D: one feature). Rows
        holding a non-finite value are dropped.
    generated : array_like of shape (n_generated, n_features) or (n_generated,)
        The generated set, with the same features. Rows holding a non-finite value are dropped.
    standardize : bool, default=True
        Divide every feature of both sets by the reference's standard deviation (ddof=1) of
        that feature first, so that features in different units (counts, rates, entropies in
        bits) weigh alike and the distance is in squared reference standard deviations. A
        feature constant in the reference is left unscaled.
    covariance : {"sample", "ledoit_wolf", "oas"}, default="sample"
        How each set's covariance is estimated (the same for both sets). ``"sample"``: ddof=1,
        a feature constant in a set gets a zero row and column. ``"ledoit_wolf"`` (Ledoit and
        Wolf 2004) and ``"oas"`` (Chen et al. 2010): the ddof=0 covariance ``S`` shrunk towards
        ``Tr(S) / p * I``, :math:`(1 - s) S + s \\frac{\\mathrm{Tr} S}{p} I`, each with its own
        shrinkage ``s`` in [0, 1]; equal to scikit-learn's ``LedoitWolf()`` and ``OAS()``
        (``assume_centered=False``) to rounding, as the Fréchet Music Distance uses them.
        Shrinkage lowers the variance of the distance when there are few rows per feature,
        at the price of a bias (a constant feature usually gets a positive variance).

    Returns
    -------
    float
        In [0, inf), lower is closer; 0 for identical sets; invariant to translating both
        sets. NaN when either set has fewer than 2 usable rows.

    Notes
    -----
    The trace of :math:`(\\Sigma_r \\Sigma_g)^{1/2}` is computed as
    :math:`\\sum \\sqrt{\\lambda_i(\\Sigma_r^{1/2} \\Sigma_g \\Sigma_r^{1/2})}`: a symmetric
    PSD matrix with the eigenvalues of :math:`\\Sigma_r \\Sigma_g`, so the result is exact for
    singular covariances, unlike ``scipy.linalg.sqrtm``, and independent of scipy's version. A
    negative result from rounding is clipped to 0.

    Unlike the Fréchet Music Distance (Retkowski et al.), the features are musiceval's
    interpretable metrics, not the embeddings of a pretrained network.

    Examples
    --------
    >>> reference = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    >>> round(frechet_distance(reference, reference), 12)
    0.0
    >>> round(frechet_distance(reference, reference + 1.0, standardize=False), 12)
    2.0
    >>> round(frechet_distance(reference, 2.0 * reference, standardize=False), 12)
    4.666666666667
    >>> frechet_distance(reference[:1], reference)
    nan
    >>> round(frechet_distance(reference, 2.0 * reference, covariance="ledoit_wolf"), 6)
    3.0
    """
    check_instance("standardize", standardize, (bool, np.bool_), "a bool")
    method = check_covariance(covariance)
    reference_rows = feature_rows("reference", reference)
    generated_rows = feature_rows("generated", generated, reference_rows.shape[1])
    if reference_rows.shape[0] < 2 or generated_rows.shape[0] < 2:
        return math.nan
    if standardize:
        scale = reference_scaling(reference_rows)
        reference_rows = reference_rows / scale
        generated_rows = generated_rows / scale
    return fit_distance(
        *gaussian_fit(reference_rows, method), *gaussian_fit(generated_rows, method)
    )


def gaussian_fit(rows: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The mean and covariance (by ``method``) of at least 2 rows.

    With ``"sample"``, a feature whose values are all equal gets a zero row and column (np.cov
    may give 1e-30 from rounding the mean); the shrinkage estimators keep their positive
    diagonal there.
    """
    cov = estimate_covariance(rows, method)
    if method == "sample":
        constant = np.ptp(rows, axis=0) == 0
        cov[constant, :] = cov[:, constant] = 0.0
    return rows.mean(axis=0), cov


def fit_distance(
    mean_r: np.ndarray, cov_r: np.ndarray, mean_g: np.ndarray, cov_g: np.ndarray
) -> float:
    """The squared Fréchet distance of two Gaussian fits, clipped at 0."""
    mean_difference = mean_r - mean_g
    # A feature with zero variance in either set has a zero row and column in that covariance
    # (PSD), so it adds nothing to Tr((S_r S_g)^{1/2}): leaving it out is exact and makes the
    # matrices smaller (constant features are common: empty_bar_rate = 0 throughout).
    varying = (np.diag(cov_r) > 0) & (np.diag(cov_g) > 0)
    cross = 0.0
    if varying.any():
        block = np.ix_(varying, varying)
        cross = trace_sqrt_product(cov_r[block], cov_g[block])
    distance = (
        float(mean_difference @ mean_difference)
        + float(np.trace(cov_r) + np.trace(cov_g))
        - 2.0 * cross
    )
    return max(distance, 0.0)


# --------------------------------------------------------------------------- FD-infinity


@dataclass(frozen=True)
class FrechetInfinity:
    """The Fréchet distance extrapolated to an infinite generated set, with its fit.

    Attributes
    ----------
    distance : float
        The intercept of the least-squares line of the distance against ``1 / N``: the
        estimate at ``N = inf``. NaN when undefined.
    slope : float
        The line's slope: how much of the distance at size ``N`` is bias, ``slope / N``.
    r2 : float
        The coefficient of determination of the line (1: a perfect line); NaN when all the
        distances are equal.
    sizes : tuple of int
        The subset sizes ``N``, increasing; the last is the whole generated set.
    distances : tuple of float
        The mean distance over the draws at each size.
    """

    distance: float
    slope: float
    r2: float
    sizes: tuple[int, ...]
    distances: tuple[float, ...]


def frechet_distance_infinity(
    reference: Any,
    generated: Any,
    *,
    n_sizes: int = 15,
    min_size: int | None = None,
    n_draws: int = 10,
    covariance: Covariance = "sample",
    standardize: bool = True,
    seed: int = 0,
) -> FrechetInfinity:
    """The Fréchet distance at an infinite generated set: FD-inf (Chong and Forsyth 2020).

    The Fréchet distance of a finite set is biased upwards, roughly by ``c / N`` for ``N``
    generated rows, and ``c`` differs between generators, so two generators ranked by
    :func:`frechet_distance` at one ``N`` may rank otherwise at another. FD-inf computes the
    distance of random subsets of the generated set at several sizes, fits

    .. math::

        \\mathrm{FD}(N) \\approx \\mathrm{FD}_\\infty + \\mathrm{slope} / N

    by least squares and returns the intercept :math:`\\mathrm{FD}_\\infty`.

    Parameters
    ----------
    reference : array_like of shape (n_reference, n_features) or (n_reference,)
        The reference set; its Gaussian fit is computed once, from every usable row (its own
        finite-size bias is not extrapolated away). Rows holding a non-finite value are
        dropped.
    generated : array_like of shape (n_generated, n_features) or (n_generated,)
        The generated set. Rows holding a non-finite value are dropped.
    n_sizes : int, default=15
        How many subset sizes: ``n_sizes`` evenly spaced integers from ``min_size`` to
        ``n_generated`` (duplicates after rounding are merged), as Chong and Forsyth's 15.
    min_size : int or None, default=None
        The smallest subset, at least 2 and below ``n_generated``. None:
        ``max(2, ceil(n_generated / 10))``, Chong and Forsyth's ratio (5,000 to 50,000).
    n_draws : int, default=10
        Subsets drawn at each size below ``n_generated``, their distances averaged (at
        ``n_generated`` the one subset is the whole set).
    covariance : {"sample", "ledoit_wolf", "oas"}, default="sample"
        The covariance estimator of both sets, as in :func:`frechet_distance`. The ``1 / N``
        law is that of the sample covariance.
    standardize : bool, default=True
        Scale every feature by the reference's standard deviation first, as in
        :func:`frechet_distance`.
    seed : int, default=0
        Seed of ``numpy.random.default_rng`` for the subsets: the same seed, the same result.

    Returns
    -------
    FrechetInfinity
        ``distance`` (lower is closer; may be slightly negative when the true distance is
        near 0, an extrapolation is not clipped), ``slope``, ``r2``, ``sizes`` and the mean
        ``distances``. All NaN, with empty sizes, when the reference has fewer than 2 usable
        rows or the generated set fewer than 3.

    Notes
    -----
    Subsets are drawn **without replacement**, as Chong and Forsyth do: a random subset of
    an independent sample is an independent sample of its size, so the fit extrapolates to
    the population. The Fréchet Music Distance (``FrechetMusicDistance.score_inf``) draws
    with replacement (25 sizes from 500, one draw each, unseeded): such draws come from the
    generated set's empirical distribution, and their limit is the distance of that finite
    set, bias included.

    Takes ``n_draws * (n_sizes - 1) + 1`` Gaussian fits: about 0.3 s for 2,000 x 56.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> reference, generated = rng.normal(size=(4000, 8)), rng.normal(size=(400, 8))
    >>> result = frechet_distance_infinity(reference, generated, standardize=False)
    >>> result.sizes[0], result.sizes[-1], len(result.sizes)
    (40, 400, 15)
    >>> bool(abs(result.distance) < frechet_distance(reference, generated, standardize=False))
    True
    """
    check_int("n_sizes", n_sizes, minimum=2)
    if min_size is not None:
        check_int("min_size", min_size, minimum=2)
    check_int("n_draws", n_draws, minimum=1)
    check_int("seed", seed, minimum=0)
    check_instance("standardize", standardize, (bool, np.bool_), "a bool")
    method = check_covariance(covariance)
    reference_rows = feature_rows("reference", reference)
    generated_rows = feature_rows("generated", generated, reference_rows.shape[1])
    n_generated = len(generated_rows)
    if min_size is not None and min_size >= n_generated:
        raise invalid(
            "min_size",
            f"an int below the number of usable generated rows ({n_generated})",
            min_size,
        )
    if len(reference_rows) < 2 or n_generated < 3:
        return FrechetInfinity(math.nan, math.nan, math.nan, (), ())
    if standardize:
        scale = reference_scaling(reference_rows)
        reference_rows, generated_rows = reference_rows / scale, generated_rows / scale
    lowest = max(2, math.ceil(n_generated / 10)) if min_size is None else min_size
    sizes = np.unique(np.round(np.linspace(lowest, n_generated, n_sizes)).astype(int))
    fit_r = gaussian_fit(reference_rows, method)
    rng = np.random.default_rng(seed)
    distances = np.array(
        [
            np.mean(
                [
                    fit_distance(*fit_r, *gaussian_fit(generated_rows[subset], method))
                    for subset in _subsets(rng, n_generated, int(size), n_draws)
                ]
            )
            for size in sizes
        ]
    )
    return _line_through(sizes, distances)


def _subsets(rng: np.random.Generator, n: int, size: int, n_draws: int) -> list[np.ndarray]:
    """``n_draws`` random subsets of ``size`` of ``range(n)`` (one, all of it, at ``n``)."""
    if size == n:
        return [np.arange(n)]
    return [rng.choice(n, size, replace=False) for _ in range(n_draws)]


def _line_through(sizes: np.ndarray, distances: np.ndarray) -> FrechetInfinity:
    """The least-squares line of ``distances`` against ``1 / sizes``, as FrechetInfinity."""
    inverse = 1.0 / sizes
    slope, intercept = np.polyfit(inverse, distances, 1)
    residual = float(((distances - (slope * inverse + intercept)) ** 2).sum())
    total = float(((distances - distances.mean()) ** 2).sum())
    return FrechetInfinity(
        distance=float(intercept),
        slope=float(slope),
        r2=1.0 - residual / total if total > 0 else math.nan,
        sizes=tuple(int(size) for size in sizes),
        distances=tuple(float(value) for value in distances),
    )


# --------------------------------------------------------------------------- one piece


def piece_distance(
    reference: Any,
    pieces: Any,
    *,
    covariance: Covariance = "ledoit_wolf",
    standardize: bool = True,
) -> float | np.ndarray:
    """How far one piece (or each of several) lies from a reference set: a Mahalanobis distance.

    .. math::

        d^2(x) = (x - \\mu_r)^\\top \\Sigma_r^{-1} (x - \\mu_r)

    with :math:`\\mu_r` the reference mean and :math:`\\Sigma_r` its covariance, by default
    the Ledoit-Wolf estimate, which is invertible where the sample covariance is not (fewer
    reference rows than features, constant features). The squared distance is returned.

    Parameters
    ----------
    reference : array_like of shape (n_reference, n_features) or (n_reference,)
        The reference set. Rows holding a non-finite value are dropped.
    pieces : array_like of shape (n_features,) or (n_pieces, n_features)
        One piece's feature vector (1-D; a scalar when there is one feature) or one row per
        piece. A piece holding a non-finite value scores NaN; it is not dropped, so that the
        result stays aligned with the rows.
    covariance : {"ledoit_wolf", "oas", "sample"}, default="ledoit_wolf"
        The estimator of :math:`\\Sigma_r`, as in :func:`frechet_distance`.
    standardize : bool, default=True
        Scale every feature by the reference's standard deviation first. The Mahalanobis
        distance with the sample covariance does not change; the shrinkage estimators shrink
        towards a multiple of the identity, which treats features alike only on one scale.

    Returns
    -------
    float or ndarray of shape (n_pieces,)
        In [0, inf], lower is closer to the reference's centre. For a piece drawn from a
        Gaussian reference it is about :math:`\\chi^2` with ``n_features`` degrees of freedom
        (mean ``n_features``); compare with ``piece_distance(reference, reference)``. A
        piece that departs from the reference in a direction where the reference does not
        vary at all (an eigenvalue of :math:`\\Sigma_r` below 1e-12 of the largest) scores
        inf. NaN when the reference has fewer than 2 usable rows.

    Notes
    -----
    The Fréchet Music Distance's per-song score (``score_individual``) is the Fréchet
    distance between the reference's Gaussian and one with the song's embedding as mean and
    the reference's covariance: the covariance terms cancel, and it is the squared Euclidean
    distance to the reference mean, :math:`\\lVert x - \\mu_r \\rVert^2`, which ignores how
    the features vary and co-vary. With ``standardize=True`` and a diagonal covariance this
    function would give the sum of the squared z-scores; the full covariance also discounts
    departures along correlated features.

    Examples
    --------
    >>> reference = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0]])
    >>> piece_distance(reference, [1.0, 1.0])
    0.0
    >>> scores = piece_distance(reference, [[3.0, 1.0], [1.0, 4.0]], covariance="sample")
    >>> np.round(scores, 12).tolist()
    [3.0, 6.75]
    """
    check_instance("standardize", standardize, (bool, np.bool_), "a bool")
    method = check_covariance(covariance)
    reference_rows = feature_rows("reference", reference)
    n_features = reference_rows.shape[1]
    rows, single = _piece_rows(pieces, n_features)
    if len(reference_rows) < 2:
        scores = np.full(len(rows), math.nan)
        return float(scores[0]) if single else scores
    if standardize:
        scale = reference_scaling(reference_rows)
        reference_rows, rows = reference_rows / scale, rows / scale
    mean, cov = gaussian_fit(reference_rows, method)
    eigenvalues, eigenvectors = np.linalg.eigh(cov)
    kept = eigenvalues > 1e-12 * max(float(eigenvalues.max()), 0.0)
    with np.errstate(invalid="ignore"):  # NaN pieces stay NaN
        projections = (rows - mean) @ eigenvectors
        scores = (projections[:, kept] ** 2 / eigenvalues[kept]).sum(axis=1)
        # departures where the reference does not vary, beyond the rounding of the mean
        outside = (projections[:, ~kept] ** 2).sum(axis=1)
        rounding = 1e-20 * (1.0 + (rows**2).sum(axis=1) + float(mean @ mean))
        scores[outside > rounding] = math.inf
    scores[~np.isfinite(rows).all(axis=1)] = math.nan
    return float(scores[0]) if single else scores


def _piece_rows(pieces: Any, n_features: int) -> tuple[np.ndarray, bool]:
    """``pieces`` as (n_pieces, n_features) rows, and whether it was a single piece."""
    array = real_array("pieces", pieces)
    single = array.ndim <= 1
    if array.ndim == 0 or (array.ndim == 1 and n_features == 1 and array.shape == (1,)):
        array = array.reshape(1, 1)
    elif array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != n_features:
        raise invalid(
            "pieces",
            f"an array of shape ({n_features},) or (n_pieces, {n_features}), with the "
            "reference's features",
            received=f"shape {np.shape(pieces)}",
        )
    return array, single
