"""Running musiceval where file permissions apply: as a non-root user, on a copy of the package.

Root bypasses permissions, so tests of unreadable files and folders run their reading in a
process without root's rights: the user ``musiceval-ci`` (created by ``.ci/run``) through
``runuser``, or root without the capabilities that bypass permissions through ``setpriv``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "musiceval"
USER = "musiceval-ci"  # created by .ci/run


def without_root_rights(command: str = "runuser") -> list[str]:
    """The prefix that runs a command with file permissions applied (``[]`` for a non-root
    user), or pytest.skip saying why it cannot be had here."""
    if os.geteuid() != 0:
        return []
    if command == "runuser":  # a real non-root user
        if shutil.which("runuser") is None:
            pytest.skip("runuser is not installed")
        if subprocess.run(["id", USER], capture_output=True, check=False).returncode != 0:
            pytest.skip(f"no user {USER!r}: .ci/run creates it (useradd)")
        prefix = ["runuser", "-u", USER, "--"]
    else:  # root without the rights to bypass permissions
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is not installed")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    reach = [*prefix, sys.executable, "-c", "import numpy, numba"]
    done = subprocess.run(reach, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        pytest.skip(f"{command} cannot run {sys.executable}: {done.stderr.strip()[-200:]}")
    return prefix


@contextmanager
def package_copy(prefix: str) -> Iterator[Path]:
    """A temporary folder holding a copy of the package under ``src/``; the caller adds its
    files, then calls :func:`open_to_all` and locks what it wants locked."""
    root = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    try:
        shutil.copytree(
            SOURCE, root / "src" / "musiceval", ignore=shutil.ignore_patterns("__pycache__")
        )
        yield root
    finally:
        for path in [root, *root.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(root)


def open_to_all(root: Path) -> None:
    """Make everything under ``root`` readable (folders enterable) by every user."""
    for path in [root, *root.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def environment(root: Path) -> dict[str, str]:
    """The environment of a process that imports the copy under ``root`` with no home."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(root / "src"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "HOME": "/nonexistent",
    }
