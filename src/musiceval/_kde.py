"""One-dimensional Gaussian kernel density estimates, as :func:`musiceval.distances.kde_comparison`
uses them: Scott's bandwidth, a point mass for constant samples, weighted samples (a value with
its count), and linear binning (an FFT on the bins' lattice) for large samples.

Nothing here checks its input: :mod:`musiceval.distances` passes finite float64 samples of at
least two values.
"""

from __future__ import annotations

import copy
import math

import numpy as np

__all__ = ["SmoothedSample", "mixture_density"]

# Above this many (values x grid points), a KDE is evaluated from linear bins of width
# bandwidth / _BINS_PER_BANDWIDTH (error below about 3e-5 of the peak density; see _Lattice)
# instead of value by value.
_EXACT_LIMIT = 1 << 19
_BINS_PER_BANDWIDTH = 64
_CHUNK = 1 << 20
# The binned density: kernel cut at this many bandwidths on the lattice; below this share of
# the peak, summed exactly bin by bin (see _Lattice).
_KERNEL_REACH = 9.0
_TAIL_SHARE = 1e-11
_MAX_BINS = 1 << 20  # more (values spread over a million bandwidths): summed value by value


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

    The sample is ``values``, optionally with ``counts`` (multiplicities, or any positive
    weights; ``size`` is their sum): a multiset of a million distances held as its few
    thousand distinct values has the same density, bandwidth and bins. A plain sample is
    evaluated exactly as before counts existed (same sums, same bits). An instance only caches
    its binned density once built, so one may be cached and shared.
    """

    def __init__(self, values: np.ndarray, counts: np.ndarray | None = None) -> None:
        self.values = values
        self.counts = np.ones(values.size) if counts is None else np.asarray(counts, np.float64)
        self.size = float(values.size) if counts is None else float(self.counts.sum())
        self.low = float(values.min())
        self.high = float(values.max())
        self.bandwidth = 0.0  # 0 for a constant sample until point_mass() gives it one
        self.constant = True
        self._lattice: _Lattice | None = None
        if self.high > self.low:
            if counts is None:
                deviation = float(values.std(ddof=1))
            else:
                mean = float(self.counts @ values) / self.size
                deviation = math.sqrt(float(self.counts @ (values - mean) ** 2) / (self.size - 1))
            bandwidth = deviation * self.size**-0.2
            if bandwidth > 0:
                self.bandwidth = bandwidth
                self.constant = False
            else:  # distinct values whose variance underflows: treat as constant
                mean = values.mean() if counts is None else np.average(values, weights=counts)
                self.low = self.high = float(mean)

    def point_mass(self, other: SmoothedSample, fraction: float) -> SmoothedSample:
        """A copy of this constant sample smoothed with ``fraction`` of ``other``'s bandwidth."""
        smoothed = copy.copy(self)
        smoothed.bandwidth = fraction * other.bandwidth
        return smoothed

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
        if self.size * grid.size <= _EXACT_LIMIT or n_bins > _MAX_BINS:
            return mixture_density(self.values, self.counts, self.bandwidth, grid)
        return self._binned(n_bins).density(grid)

    def _binned(self, n_bins: int) -> _Lattice:
        """The linearly binned KDE (computed once per instance)."""
        if self._lattice is None:
            # Linear binning: each value splits its weight between the two nearest bin
            # centres, which keeps the mass and the mean of every value exactly.
            width = (self.high - self.low) / n_bins
            position = (self.values - self.low) / width
            index = np.minimum(position.astype(np.int64), n_bins - 1)
            upper = position - index
            weights = np.bincount(index, self.counts * (1.0 - upper), n_bins + 1)
            weights += np.bincount(index + 1, self.counts * upper, n_bins + 1)
            self._lattice = _Lattice(self.low, width, weights, self.bandwidth)
        return self._lattice


class _Lattice:
    """A KDE of weights on the lattice ``low + width * j``, evaluated anywhere.

    The density on the lattice is one FFT convolution with the kernel cut at
    ``_KERNEL_REACH`` bandwidths (the rest is below 1e-16 of each weight's peak), read at other
    points by 4-point (cubic) Lagrange interpolation. Where that gives less than
    ``_TAIL_SHARE`` of the peak density, or outside the lattice, the density is summed bin by
    bin instead (:func:`mixture_density`), so the far tails, which a KL divergence reads through
    its logarithm, keep their relative precision.
    """

    def __init__(self, low: float, width: float, weights: np.ndarray, bandwidth: float) -> None:
        used = weights > 0
        self.centres = low + width * np.arange(weights.size)[used]
        self.weights = weights[used]
        self.bandwidth = bandwidth
        pad = math.ceil(_KERNEL_REACH * bandwidth / width)
        taps = np.arange(-pad, pad + 1) * (width / bandwidth)
        kernel = np.exp(-0.5 * taps * taps)
        size = weights.size + kernel.size - 1
        n_fft = 1 << (size - 1).bit_length()
        spectrum = np.fft.rfft(weights, n_fft) * np.fft.rfft(kernel, n_fft)
        values = np.fft.irfft(spectrum, n_fft)[:size]
        self.values = values / (weights.sum() * bandwidth * math.sqrt(2.0 * math.pi))
        self.origin = low - pad * width  # the position of values[0]
        self.width = width

    def density(self, grid: np.ndarray) -> np.ndarray:
        position = (grid - self.origin) / self.width
        start = np.floor(position).astype(np.int64) - 1
        inside = (start >= 0) & (start + 3 < self.values.size)
        t = position[inside] - start[inside] - 1.0  # in [0, 1) from the second of 4 points
        first = start[inside]
        y0, y1, y2, y3 = (self.values[first + j] for j in range(4))
        density = np.zeros(grid.size)
        density[inside] = (
            -t * (t - 1.0) * (t - 2.0) / 6.0 * y0
            + (t + 1.0) * (t - 1.0) * (t - 2.0) / 2.0 * y1
            - (t + 1.0) * t * (t - 2.0) / 2.0 * y2
            + (t + 1.0) * t * (t - 1.0) / 6.0 * y3
        )
        tail = ~inside | (density < _TAIL_SHARE * self.values.max())
        if tail.any():
            density[tail] = mixture_density(self.centres, self.weights, self.bandwidth, grid[tail])
        return density
