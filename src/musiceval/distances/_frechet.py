"""The Fréchet distance between Gaussian fits of two sets of feature vectors."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from musiceval._checks import check_instance
from musiceval.distances._inputs import feature_rows

__all__ = ["frechet_distance", "trace_sqrt_product"]


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


def frechet_distance(reference: Any, generated: Any, *, standardize: bool = True) -> float:
    """Fréchet distance between Gaussian fits of two sets of feature vectors (FID-style).

    .. math::

        d^2 = \\lVert \\mu_r - \\mu_g \\rVert_2^2
              + \\mathrm{Tr}\\left(\\Sigma_r + \\Sigma_g - 2 (\\Sigma_r \\Sigma_g)^{1/2}\\right)

    with :math:`\\mu` the feature means and :math:`\\Sigma` the sample covariances (ddof=1, as
    ``np.cov`` and the FID reference code). The squared distance is returned, as FID does.

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
    """
    check_instance("standardize", standardize, (bool, np.bool_), "a bool")
    reference_rows = feature_rows("reference", reference)
    generated_rows = feature_rows("generated", generated, reference_rows.shape[1])
    if reference_rows.shape[0] < 2 or generated_rows.shape[0] < 2:
        return math.nan
    # A feature whose values are all equal has variance 0 (np.var may give 1e-30 from
    # rounding the mean): it is left unscaled, and its covariance row and column are zeroed.
    constant_r = np.ptp(reference_rows, axis=0) == 0
    constant_g = np.ptp(generated_rows, axis=0) == 0
    if standardize:
        scale = reference_rows.std(axis=0, ddof=1)
        scale[constant_r | (scale == 0)] = 1.0  # == 0: the variance underflowed (< 1e-308)
        reference_rows = reference_rows / scale
        generated_rows = generated_rows / scale
    mean_difference = reference_rows.mean(axis=0) - generated_rows.mean(axis=0)
    cov_r = np.atleast_2d(np.cov(reference_rows, rowvar=False))
    cov_g = np.atleast_2d(np.cov(generated_rows, rowvar=False))
    cov_r[constant_r, :] = cov_r[:, constant_r] = 0.0
    cov_g[constant_g, :] = cov_g[:, constant_g] = 0.0
    # A feature constant in either set has a zero row and column in that set's covariance, so
    # it adds nothing to Tr((S_r S_g)^{1/2}): leaving it out is exact and makes the matrices
    # smaller (constant features are common: empty_bar_rate = 0 throughout).
    varying = ~(constant_r | constant_g)
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
