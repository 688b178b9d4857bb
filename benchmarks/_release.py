"""musiceval 0.1.0's source, extracted from the repository's history for the benchmarks that
time it beside today's code."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELEASE = "7d5f27f"  # musiceval 0.1.0


def extract_release(directory: Path) -> Path:
    """The ``src`` folder of 0.1.0, extracted from the repository's history once."""
    src = directory / "src"
    if not (src / "musiceval" / "__init__.py").is_file():
        directory.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", RELEASE], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True)
    return src
