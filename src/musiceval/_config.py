"""Numba compilation flags, in one place.

Every ``@njit`` in musiceval takes its flags from here (a test fails on a hard-coded flag).
``fastmath`` never includes ``nnan``/``ninf``: NaN means "undefined" in this library and must
survive arithmetic. Set ``MUSICEVAL_NUMBA_PARALLEL=0`` to run the kernels on one thread.
"""

import os

__all__ = ["CACHE", "FASTMATH", "PARALLEL"]

FASTMATH: set[str] = {"nsz", "arcp", "contract", "afn", "reassoc"}
PARALLEL: bool = os.environ.get("MUSICEVAL_NUMBA_PARALLEL", "1") != "0"
CACHE: bool = True
