"""One-dimensional Gaussian kernel density estimates, as :func:`musiceval.distances.kde_comparison`
uses them: Scott's bandwidth, a point mass for constant samples, and linear binning for large
samples.

Nothing here checks its input: :mod:`musiceval.distances` passes finite float64 samples of at
least two values.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SmoothedSample", "mixture_density"]

# Above this many (values x grid points), a KDE is evaluated from linear bins of width
# bandwidth / _BINS_PER_BANDWIDTH (error below about 3e-5 of the peak density) instead of
# value by value.
_EXACT_LIMIT = 1 << 22
_BINS_PER_BANDWIDTH = 64
_CHUNK = 1 << 20


def mixture_density(
    centres: np.ndarray, weights: np.ndarray, bandwidth: float, grid: np.ndarray
) -> np.ndarray:
    """sum_i w_i N(grid; c_i, h^2) / sum_i w_i, in chunks of at most 2**20 products."""
    density = np.zeros(grid.size)
    step = max(1, _CHUNK // grid.size)
    for start in range(0, centres.size, step):
        z = (grid[:, None] - centres[None, start : start + step]) / bandwidth
        density += np.exp(-0.5 * z * z) @ weights[start : start + step]
    return density / (weights.sum() * bandwidth * math.sqrt(2.0 * math.pi))


class SmoothedSample:
    """A 1-D sample smoothed by a Gaussian kernel (Scott's rule), or a smoothed point mass.

    The bandwidth is ``gaussian_kde``'s for one dimension, :math:`h = \\hat\\sigma\\, n^{-1/5}`
    (``ddof=1``), computed directly: building scipy's KDE on the 10^5-10^6 distances of the
    relative method costs a covariance and a Cholesky factorisation each time for one number.
    A constant sample (``constant``) has no bandwidth until :meth:`point_mass` gives it one.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.values = values
        self.low = float(values.min())
        self.high = float(values.max())
        self.bandwidth = 0.0  # 0 for a constant sample until point_mass() gives it one
        self.constant = True
        if self.high > self.low:
            bandwidth = float(values.std(ddof=1)) * values.size**-0.2
            if bandwidth > 0:
                self.bandwidth = bandwidth
                self.constant = False
            else:  # distinct values whose variance underflows: treat as constant
                self.low = self.high = float(values.mean())

    def point_mass(self, other: SmoothedSample, fraction: float) -> None:
        """Smooth this constant sample with ``fraction`` of ``other``'s bandwidth."""
        self.bandwidth = fraction * other.bandwidth

    def support(self, grid_size: int, reach: float) -> np.ndarray:
        """``grid_size`` points from ``reach`` bandwidths below the minimum to as far above
        the maximum."""
        margin = reach * self.bandwidth
        return np.linspace(self.low - margin, self.high + margin, grid_size)

    def density(self, grid: np.ndarray) -> np.ndarray:
        """The smoothed density at the points ``grid``."""
        if self.constant:
            return mixture_density(np.array([self.low]), np.ones(1), self.bandwidth, grid)
        n_bins = math.ceil((self.high - self.low) / self.bandwidth * _BINS_PER_BANDWIDTH)
        if self.values.size * grid.size <= _EXACT_LIMIT or n_bins + 2 >= self.values.size:
            return mixture_density(self.values, np.ones(self.values.size), self.bandwidth, grid)
        # Linear binning: each value splits its unit weight between the two nearest bin
        # centres, which keeps the mass and the mean of every value exactly.
        width = (self.high - self.low) / n_bins
        position = (self.values - self.low) / width
        index = np.minimum(position.astype(np.int64), n_bins - 1)
        upper = position - index
        weights = np.bincount(index, 1.0 - upper, n_bins + 1)
        weights += np.bincount(index + 1, upper, n_bins + 1)
        used = weights > 0
        centres = self.low + width * np.arange(n_bins + 1)[used]
        return mixture_density(centres, weights[used], self.bandwidth, grid)
