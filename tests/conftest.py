"""Shared fixtures."""

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

HISTORY_METRICS = ["n_notes", "in_scale_ratio", "empty_bar_rate"]


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


def sparse_rolls(seed: int, n_samples: int = 6, n_tracks: int = 3) -> np.ndarray:
    """Sparse random rolls; track 1 is silent in the first two samples, track 2 in all."""
    rng = np.random.default_rng(seed)
    x = rng.random((n_samples, 32, 128, n_tracks)) > 0.97
    x[:2, :, :, 1] = False
    x[:, :, :, 2] = False
    return x


@pytest.fixture(scope="module")
def history():
    """A MetricHistory of five steps (0 to 5000) of three metrics and three tracks, with a
    reference for two metrics."""
    import musiceval
    from musiceval.history import MetricHistory

    result = MetricHistory(track_names=["soprano", "alto", "bass"])
    for seed, step in enumerate([0, 10, 100, 1000, 5000]):
        x = sparse_rolls(seed)
        result.record(step, musiceval.evaluate(x, HISTORY_METRICS, steps_per_bar=16))
    result.set_reference("in_scale_ratio", [0.9, 0.95, np.nan], [0.05, 0.02, np.nan])
    result.set_reference("n_notes", [30.0, 20.0, 0.0], None)
    return result


@pytest.fixture
def midi_file(tmp_path: Path) -> Callable[..., Path]:
    """Write bytes as a file in the test's folder (``name`` default ``song.mid``); its path."""

    def write(data: bytes, name: str = "song.mid") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for a module's property tests, which write a file per example."""
    return tmp_path_factory.mktemp("scratch")
