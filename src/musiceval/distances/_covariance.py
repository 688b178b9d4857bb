"""Covariance estimators and the reference scaling shared by the set-level distances.

Three estimators of a set's covariance, in numpy only:

- ``"sample"``: the unbiased sample covariance (ddof=1, as ``np.cov``);
- ``"ledoit_wolf"``: Ledoit and Wolf (2004), the ddof=0 covariance shrunk towards
  ``mu * I`` (``mu`` its mean variance) by the shrinkage that minimises the estimated
  Frobenius risk; equal to ``sklearn.covariance.LedoitWolf(assume_centered=False)``;
- ``"oas"``: the Oracle Approximating Shrinkage of Chen et al. (2010), the same target with
  another shrinkage; equal to ``sklearn.covariance.OAS(assume_centered=False)``.

Both shrinkage estimators start from the ddof=0 covariance (``np.cov(x, rowvar=False,
ddof=0)``), as scikit-learn does and as their published formulas assume.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from musiceval._checks import check_choice, invalid
from musiceval.distances._inputs import real_array

__all__ = [
    "COVARIANCES",
    "Covariance",
    "check_covariance",
    "estimate_covariance",
    "ledoit_wolf_shrinkage",
    "n_dropped_rows",
    "oas_shrinkage",
    "reference_scaling",
]

Covariance = Literal["sample", "ledoit_wolf", "oas"]
COVARIANCES: tuple[str, ...] = ("sample", "ledoit_wolf", "oas")


def ledoit_wolf_shrinkage(centred: np.ndarray) -> float:
    """Ledoit-Wolf shrinkage in [0, 1] of rows already centred on their mean.

    With ``S = X'X / n`` (ddof=0), ``mu = Tr(S) / p``,
    ``delta = ||S - mu I||_F^2 / p`` and
    ``beta = min(delta, sum_i ||x_i x_i' - S||_F^2 / (n^2 p))``: ``beta / delta`` (0 when
    ``beta`` is 0 or there is one feature), as ``sklearn.covariance.ledoit_wolf_shrinkage``.
    """
    n_samples, n_features = centred.shape
    if n_features == 1:
        return 0.0
    squares = centred**2
    trace_terms = squares.sum(axis=0) / n_samples
    mu = trace_terms.sum() / n_features
    beta_sum = float((squares.T @ squares).sum())
    delta_sum = float(((centred.T @ centred) ** 2).sum()) / n_samples**2
    beta = (beta_sum / n_samples - delta_sum) / (n_features * n_samples)
    delta = (delta_sum - 2.0 * mu * trace_terms.sum() + n_features * mu**2) / n_features
    beta = min(beta, delta)
    if beta <= 0.0:
        return 0.0
    return float(min(beta / delta, 1.0))


def oas_shrinkage(empirical: np.ndarray, n_samples: int) -> float:
    """OAS shrinkage in [0, 1] from the ddof=0 covariance ``S`` of ``n_samples`` rows.

    With ``alpha = mean(S_ij^2)`` and ``mu = Tr(S) / p``:
    ``min((alpha + mu^2) / ((n + 1) (alpha - mu^2 / p)), 1)``, 1 when the denominator is 0,
    0 for one feature (scikit-learn's ``OAS``; the formula of its version 1.3 and later).
    """
    n_features = empirical.shape[0]
    if n_features == 1:
        return 0.0
    alpha = float(np.mean(empirical**2))
    mu = float(np.trace(empirical)) / n_features
    denominator = (n_samples + 1) * (alpha - mu**2 / n_features)
    if denominator == 0:
        return 1.0
    return float(min((alpha + mu**2) / denominator, 1.0))


def estimate_covariance(rows: np.ndarray, method: str) -> np.ndarray:
    """The (n_features, n_features) covariance of ``rows`` (at least 2) by ``method``.

    ``"sample"`` is ``np.cov(rows, rowvar=False)`` (ddof=1); the shrinkage methods give
    ``(1 - s) S + s mu I`` with ``S`` the ddof=0 covariance and ``mu = Tr(S) / p``.
    """
    if method == "sample":
        return np.atleast_2d(np.cov(rows, rowvar=False))
    n_samples, n_features = rows.shape
    centred = rows - rows.mean(axis=0)
    empirical = centred.T @ centred / n_samples
    if method == "ledoit_wolf":
        shrinkage = ledoit_wolf_shrinkage(centred)
    else:
        shrinkage = oas_shrinkage(empirical, n_samples)
    shrunk = (1.0 - shrinkage) * empirical
    shrunk.flat[:: n_features + 1] += shrinkage * np.trace(empirical) / n_features
    return shrunk


def check_covariance(value: Any) -> str:
    """The ``covariance`` option: one of :data:`COVARIANCES`."""
    return check_choice("covariance", value, COVARIANCES)


def reference_scaling(reference_rows: np.ndarray) -> np.ndarray:
    """Each feature's reference standard deviation (ddof=1); 1 where it is 0 or constant.

    Dividing both sets by it puts every feature in reference standard deviations; a feature
    constant in the reference (``np.ptp == 0``) is left unscaled.
    """
    scale = reference_rows.std(axis=0, ddof=1) if len(reference_rows) > 1 else None
    if scale is None:
        return np.ones(reference_rows.shape[1])
    scale[(np.ptp(reference_rows, axis=0) == 0) | (scale == 0)] = 1.0
    return scale


def n_dropped_rows(values: Any) -> int:
    """How many rows of ``values`` the set-level distances drop: those holding a non-finite value.

    Every set-level function (:func:`frechet_distance`, :func:`prdc`, :func:`mmd`,
    :func:`kid`, :func:`bootstrap_interval`, ...) drops a row holding NaN or +-inf before it
    computes anything; this says how many, so that a report can print it beside the number.

    Parameters
    ----------
    values : array_like of shape (n_samples, n_features) or (n_samples,)
        A set of feature vectors, one row per sample (1-D: one feature, one value per row).

    Returns
    -------
    int
        The number of rows holding at least one NaN or infinite value, in [0, n_samples].

    Examples
    --------
    >>> n_dropped_rows([[1.0, 2.0], [np.nan, 0.0], [3.0, np.inf]])
    2
    >>> n_dropped_rows([1.0, 2.0, np.nan])
    1
    """
    array = real_array("values", values)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2:
        raise invalid(
            "values",
            "an array of shape (n_samples,) or (n_samples, n_features)",
            received=f"shape {array.shape}",
        )
    return int((~np.isfinite(array).all(axis=1)).sum())
