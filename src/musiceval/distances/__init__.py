"""Distances between two sets of per-sample metric values: reference (training) vs generated.

Pure functions over plain numpy arrays (or anything ``np.asarray`` accepts): they know nothing
about piano rolls. ``profile``/``compare`` feed them the per-sample values of one metric and
track (1-D), or the per-sample vectors of many metrics (2-D, rows = samples).

- :func:`kde_comparison`: overlapping area and KL divergence of the Gaussian-KDE-smoothed
  distributions of two 1-D samples, both evaluated on one common grid.
- :func:`mass_comparison`: the same two numbers for discrete values, as shares of each value
  (no smoothing).
- :func:`set_distances` and :func:`relative_comparison`: mgeval's relative method (intra-set
  distances of the reference against inter-set distances generated-to-reference).
- :func:`frechet_distance`: FID-style distance between Gaussian fits of two sets of feature
  vectors, with the sample, Ledoit-Wolf or OAS covariance.
- :func:`frechet_distance_infinity`: the Fréchet distance extrapolated to an infinite
  generated set (FD-inf), as :class:`FrechetInfinity`.
- :func:`piece_distance`: one piece (or each of several) against a reference set: the squared
  Mahalanobis distance to the reference's Gaussian fit (a piece holding NaN scores NaN).
- :func:`prdc`: precision, recall, density and coverage of k-nearest-neighbour balls, as
  :class:`PRDC`.
- :func:`mmd` and :func:`kid`: the unbiased squared maximum mean discrepancy (rbf or cubic
  polynomial kernel) and the kernel inception distance (its mean over subsets).
- :func:`bootstrap_interval`: any of these with a seeded percentile bootstrap interval, as
  :class:`BootstrapInterval`.
- :func:`nearest_neighbour_distances`: each generated row's distance to the nearest reference
  row, with the reference's leave-one-out distances as the baseline.
- :func:`n_dropped_rows`: how many rows of a set the set-level functions drop.
- :func:`total_variation_distance` and :func:`distribution_comparison`: two sets of per-sample
  distributions (vector-valued metrics: histograms, transition matrices), by the total
  variation between their mean distributions and by the relative method on the vectors.
- :func:`z_score` and :func:`fraction_inside`: the generated mean in reference standard
  deviations, and the share of generated values inside a reference interval.

Rules shared by every function: values that are not finite (NaN, +-inf) are dropped, per
feature for 1-D input and per row (a row with any non-finite value) for 2-D input; the inputs
are never modified; a result that is undefined (too few values) is NaN, without a warning;
a malformed input raises :class:`~musiceval.exceptions.InvalidParameterError` (a
``ValueError`` and a ``TypeError``) naming the argument, what was expected and what was
received. Definitions, and how they differ from mgeval, are in
``docs/distances.md``.
"""

from __future__ import annotations

import warnings
from typing import Any

from musiceval.distances._bootstrap import BootstrapInterval, bootstrap_interval
from musiceval.distances._covariance import COVARIANCES, Covariance, n_dropped_rows
from musiceval.distances._frechet import (
    FrechetInfinity,
    frechet_distance,
    frechet_distance_infinity,
    piece_distance,
)
from musiceval.distances._marginal import (
    GRID_BANDWIDTHS,
    KL_FLOOR,
    MASS_PRIOR,
    POINT_MASS_BANDWIDTH,
    fraction_inside,
    kde_comparison,
    mass_comparison,
    relative_comparison,
    set_distances,
    z_score,
)
from musiceval.distances._mmd import KERNELS, Kernel, kid, mmd
from musiceval.distances._neighbours import NeighbourDistances, nearest_neighbour_distances
from musiceval.distances._prdc import PRDC, prdc
from musiceval.distances._vectors import (
    SUM_TOLERANCE,
    distribution_comparison,
    total_variation_distance,
)

__all__ = [
    "COVARIANCES",
    "GRID_BANDWIDTHS",
    "KERNELS",
    "KL_FLOOR",
    "MASS_PRIOR",
    "POINT_MASS_BANDWIDTH",
    "PRDC",
    "SUM_TOLERANCE",
    "BootstrapInterval",
    "Covariance",
    "FrechetInfinity",
    "Kernel",
    "NeighbourDistances",
    "bootstrap_interval",
    "distribution_comparison",
    "fraction_inside",
    "frechet_distance",
    "frechet_distance_infinity",
    "kde_comparison",
    "kid",
    "mass_comparison",
    "mmd",
    "n_dropped_rows",
    "nearest_neighbour_distances",
    "piece_distance",
    "prdc",
    "relative_comparison",
    "set_distances",
    "total_variation_distance",
    "z_score",
]

_DEPRECATED = {
    "SQRTM_IMAG_TOLERANCE": (
        1e-6,
        "musiceval.distances.SQRTM_IMAG_TOLERANCE is deprecated and no longer used: "
        "frechet_distance takes the trace from a symmetric eigensolver, exact without a "
        "tolerance; it will be removed",
    ),
}


def __getattr__(name: str) -> Any:
    """0.1.0 names that are deprecated: their value, with a ``DeprecationWarning``."""
    if name in _DEPRECATED:
        value, message = _DEPRECATED[name]
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
