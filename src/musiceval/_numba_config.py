"""Numba compilation flags, in one place: the engine's kernels and the MIDI reader's.

Every ``@njit`` in musiceval takes its flags from here (a test fails on a hard-coded flag).
``fastmath`` never includes ``nnan``/``ninf``: NaN means "undefined" in this library and must
survive arithmetic. The kernels are always compiled parallel (numba's on-disk cache does not key
on the flag, so it cannot be a run-time switch); to use fewer threads, set
``NUMBA_NUM_THREADS`` or call ``numba.set_num_threads``.

Caching is on when numba can write its cache: in ``__pycache__`` beside this package, or else
under ``NUMBA_CACHE_DIR`` or the user's cache directory. When none is writable (a read-only
install run by a user without a writable home, common in containers), the kernels are compiled
without a cache, in every new process, and one warning says how to enable it. This module is
imported with the kernels, at the first metric call, never by ``import musiceval``.
"""

import os
import warnings

__all__ = ["CACHE", "FASTMATH", "PARALLEL"]

FASTMATH: set[str] = {"nsz", "arcp", "contract", "afn", "reassoc"}
PARALLEL: bool = True

_NO_CACHE = (
    "numba cannot write a cache for musiceval's kernels (no writable __pycache__ beside {path}, "
    "NUMBA_CACHE_DIR or user cache directory): they are compiled in every new process, about 5 s "
    "each time. Set NUMBA_CACHE_DIR to a writable directory to compile them once."
)


def _probe() -> int:
    return 0


def _cache_is_writable() -> bool:
    """Whether numba finds a cache locator for a function of this directory.

    numba picks the locator from the function's source file; this module lies in the same
    installed tree as every kernel (``musiceval/`` and ``musiceval/_engine/``), so the answer
    holds for them.
    """
    from numba import njit

    try:
        njit(cache=True)(_probe)
    except RuntimeError as error:
        if "no locator available" not in str(error):
            raise
        warnings.warn(_NO_CACHE.format(path=os.path.dirname(__file__)), RuntimeWarning, 3)
        return False
    return True


CACHE: bool = _cache_is_writable()
