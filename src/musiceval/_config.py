"""Numba compilation flags, in one place.

Every ``@njit`` in musiceval takes its flags from here (a test fails on a hard-coded flag).
``fastmath`` never includes ``nnan``/``ninf``: NaN means "undefined" in this library and must
survive arithmetic. The kernels are always compiled parallel (numba's on-disk cache does not key
on the flag, so it cannot be a run-time switch); to use fewer threads, set
``NUMBA_NUM_THREADS`` or call ``numba.set_num_threads``.
"""

__all__ = ["CACHE", "FASTMATH", "PARALLEL"]

FASTMATH: set[str] = {"nsz", "arcp", "contract", "afn", "reassoc"}
PARALLEL: bool = True
CACHE: bool = True
