"""Shared fixtures."""

import numpy as np
import pytest


@pytest.fixture(scope="session")
def chorales(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """Segments of the first five chorales (built offline, cached for the session only)."""
    from musiceval.datasets import load_chorales

    return load_chorales(limit=5, cache_dir=tmp_path_factory.mktemp("cache"), progress=False)


@pytest.fixture
def one_numba_thread():
    """Run the kernel on one thread for the duration of a test.

    On tiny rolls the parallel kernel's hand-off to its thread pool costs more than the pass,
    and on a busy 2-core machine it can take milliseconds per call.
    """
    numba = pytest.importorskip("numba")
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)
