"""A read-only install run with no writable numba cache still computes, and says so once.

Containers often run as a user who can write neither to site-packages nor to a home directory.
numba's ``cache=True`` then raises "no locator available" at the first kernel: musiceval must
compile without a cache instead, with one warning saying how to enable it. Two checks: as the
current user (even root) with every cache location made impossible, and as a real non-root
user (``.ci/run`` creates ``musiceval-ci`` and makes the interpreter reachable for it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "musiceval"
USER = "musiceval-ci"
CODE = (
    "import warnings, numpy as np\n"
    "warnings.simplefilter('always')\n"
    "import musiceval\n"
    "x = np.zeros((2, 16, 128, 1), bool)\n"
    "x[0, :4, 60, 0] = x[0, 8:12, 64, 0] = True\n"
    "print(musiceval.n_notes(x).tolist(), musiceval.in_scale_ratio(x).tolist())\n"
)
EXPECTED = "[[2.0], [0.0]] [[1.0], [nan]]"
WARNING = "numba cannot write a cache for musiceval's kernels"


@pytest.fixture
def read_only_copy() -> Iterator[Path]:
    """A copy of the package that nobody may write to, in a directory anyone can read."""
    root = Path(tempfile.mkdtemp(prefix="musiceval-ro-", dir="/tmp"))
    try:
        shutil.copytree(SOURCE, root / "musiceval", ignore=shutil.ignore_patterns("__pycache__"))
        for path in [root, *root.rglob("*")]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        yield root
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(root)


def _environment(copy: Path, home: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL")}
    return {**keep, "HOME": home, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}


def _check(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == EXPECTED
    assert result.stderr.count(WARNING) == 1, result.stderr
    assert "NUMBA_CACHE_DIR" in result.stderr


def test_no_cache_location_at_all(read_only_copy, tmp_path):
    # Root writes anywhere, so make each location impossible instead: a *file* named
    # __pycache__ beside the kernels, and a home (hence ~/.cache) that is a file too.
    for package in (read_only_copy / "musiceval", read_only_copy / "musiceval" / "_engine"):
        package.chmod(0o755)
        (package / "__pycache__").write_text("not a directory")
    home = tmp_path / "home-is-a-file"
    home.write_text("")
    result = subprocess.run(
        [sys.executable, "-c", CODE],
        env=_environment(read_only_copy, str(home)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    _check(result)


def test_a_non_root_user_without_a_home(read_only_copy):
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root and runuser to switch to a non-root user")
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        pytest.skip(f"no user {USER!r}: .ci/run creates it (useradd)")
    reach = subprocess.run(
        ["runuser", "-u", USER, "--", sys.executable, "-c", "import numpy, numba"],
        capture_output=True,
        text=True,
    )
    if reach.returncode != 0:
        pytest.skip(f"{USER} cannot run {sys.executable}: {reach.stderr.strip()[-200:]}")
    result = subprocess.run(
        ["runuser", "-u", USER, "--", "env", "-i"]
        + [f"{k}={v}" for k, v in _environment(read_only_copy, "/nonexistent").items()]
        + [sys.executable, "-c", CODE],
        capture_output=True,
        text=True,
        timeout=300,
    )
    _check(result)
