"""Sinks for the Monitor tests. They live in a module of their own because the Monitor's writer
process imports a sink's class by its module (as it would a user's)."""

from __future__ import annotations

import json
import time
from pathlib import Path


class SlowSink:
    """Takes ``seconds`` per evaluation, then writes the step into ``marker``."""

    def __init__(self, marker: Path, seconds: float) -> None:
        self.marker, self.seconds = marker, seconds

    def add_evaluation(self, evaluation) -> None:
        time.sleep(self.seconds)
        self.marker.write_text(str(evaluation.step))

    def add_samples(self, step, rolls, files) -> None:
        pass

    def close(self) -> None:
        pass


class FailingSink:
    """Fails at every evaluation."""

    def add_evaluation(self, evaluation) -> None:
        raise RuntimeError("disk on fire")

    def add_samples(self, step, rolls, files) -> None:
        pass

    def close(self) -> None:
        pass


class RecordingSink:
    """Appends what it receives to a JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _write(self, line: dict) -> None:
        with self.path.open("a") as file:
            file.write(json.dumps(line) + "\n")

    def add_evaluation(self, evaluation) -> None:
        self._write(
            {"kind": "evaluation", "step": evaluation.step, "distance": evaluation.distance}
        )

    def add_samples(self, step, rolls, files) -> None:
        self._write({"kind": "samples", "step": step, "shape": list(rolls.shape),
                     "files": {k: str(v) for k, v in files.items()}})  # fmt: skip

    def close(self) -> None:
        self._write({"kind": "closed"})
