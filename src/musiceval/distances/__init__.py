"""Distances between two sets of per-sample metric values: reference (training) vs generated.

Pure functions over plain numpy arrays (or anything ``np.asarray`` accepts): they know nothing
about piano rolls. ``profile``/``compare`` feed them the per-sample values of one metric and
track (1-D), or the per-sample vectors of many metrics (2-D, rows = samples).

- :func:`kde_comparison`: overlapping area and KL divergence of the Gaussian-KDE-smoothed
  distributions of two 1-D samples, both evaluated on one common grid.
- :func:`set_distances` and :func:`relative_comparison`: mgeval's relative method (intra-set
  distances of the reference against inter-set distances generated-to-reference).
- :func:`frechet_distance`: FID-style distance between Gaussian fits of two sets of feature
  vectors.
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

from musiceval.distances._frechet import frechet_distance
from musiceval.distances._marginal import (
    GRID_BANDWIDTHS,
    KL_FLOOR,
    POINT_MASS_BANDWIDTH,
    fraction_inside,
    kde_comparison,
    relative_comparison,
    set_distances,
    z_score,
)

__all__ = [
    "GRID_BANDWIDTHS",
    "KL_FLOOR",
    "POINT_MASS_BANDWIDTH",
    "fraction_inside",
    "frechet_distance",
    "kde_comparison",
    "relative_comparison",
    "set_distances",
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
