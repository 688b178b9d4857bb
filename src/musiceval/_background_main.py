"""The background writer's process: ``python -m musiceval._background_main``.

It reads commands from its stdin (see :mod:`musiceval._background`), keeps its own copy of the
metric history, and writes the Monitor's files: ``metrics.csv`` and ``metrics.png`` (once per
batch of waiting commands, so a writer that falls behind draws the newest history once, not
every stale one), ``originality.csv`` and ``originality.png`` when the history has the
originality's set-level series, ``vectors.csv`` and ``vectors.png`` when it has distances of
vector-valued metrics, the listening files of each step, the final report; and feeds the
sinks. It answers with the files written, the time spent, flush markers and failures (with
their traceback), and exits at the end of its input: when the Monitor closes, or its process
dies.
"""

from __future__ import annotations

import os
import select
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import numpy as np

from musiceval._background import WriterSpec, read_message, write_message

__all__ = ["FINAL_REPORT_N_BOOT", "main"]

FINAL_REPORT_N_BOOT = 50
"""Replicates of the intervals of the report a Monitor writes at close."""


class _Writer:
    """The child's state: a history replica, what is due, the sinks."""

    def __init__(self, spec: WriterSpec) -> None:
        from musiceval.history import MetricHistory

        self.spec = spec
        self.history: MetricHistory | None = None
        if spec.profile is not None:
            self.history = MetricHistory(track_names=list(spec.profile.tracks))
            self.history.set_reference_from(spec.profile, spec.metrics)
        self.samples_dir = spec.samples_dir
        if self.samples_dir is None and spec.out_dir is not None:
            self.samples_dir = spec.out_dir / "samples"
        self.temporary = self.samples_dir is None and bool(spec.sinks)
        if self.temporary:  # sinks get listening files even when the Monitor writes none
            self.samples_dir = Path(tempfile.mkdtemp(prefix="musiceval-samples-"))
        self.outputs: dict[str, Path] = {}
        self.csv_due = self.draw_due = False
        self.tables_due: dict[tuple[Path, str], Any] = {}

    def record(self, evaluation: Any) -> None:
        assert self.history is not None, "a writer without a profile keeps no history"
        self.history.record(evaluation.step, evaluation.values)
        if evaluation.originality:
            self.history.record_set_level(evaluation.step, evaluation.originality)
        if evaluation.vector_distances:
            self.history.record_vector_distances(evaluation.step, evaluation.vector_distances)
        self.csv_due = True
        for sink in self.spec.sinks:
            sink.add_evaluation(evaluation)

    def restore(self, history: Any) -> None:
        assert self.history is not None, "a writer without a profile keeps no history"
        self.history.load_state_dict(history)
        self.csv_due = True

    def draw(self, _: Any) -> None:
        self.draw_due = True

    def listen(self, payload: tuple[int, np.ndarray]) -> None:
        from musiceval._listening import write_listening_files

        step, rolls = payload
        files: dict[str, Path] = {}
        folder = self.samples_dir
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            files = write_listening_files(folder / f"step_{step:06d}", rolls, **self.spec.listening)
            if not self.temporary:
                self.outputs.update(files)
                self.outputs["all samples (folder)"] = folder
        for sink in self.spec.sinks:
            sink.add_samples(step, rolls, files)

    def scalars(self, table: Any) -> None:
        """Due: the newest table of each file wins (a writer that fell behind writes it once)."""
        key = (table.directory, table.name)
        previous = self.tables_due.get(key)
        if previous is not None and previous.figure:  # a figure skipped is drawn with the newest
            table = replace(table, figure=True)
        self.tables_due[key] = table

    def report(self, last: tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]) -> None:
        """Save the comparison report of the last update: its values, copied-bar counts and
        vectors (of the profile's vector metrics; compared when it has them all)."""
        from musiceval.compare import Report

        values, copies, vectors = last

        self.catch_up()
        reference = self.spec.profile
        if set(vectors) != set(reference.vector_metrics):  # a state from before vectors
            reference, vectors = reference.select(self.spec.metrics), {}
        if self.spec.out_dir is not None:
            # half the replicates of compare's default: a training run waits for this report
            report = Report(reference, values, n_boot=FINAL_REPORT_N_BOOT, copied_bars=copies,
                            vectors=vectors or None)  # fmt: skip
            # one process: the writer should not fork one per CPU beside a training run
            folder = report.save(self.spec.out_dir / "report", workers=1)
            self.outputs["comparison report (folder)"] = folder

    def catch_up(self) -> None:
        """Write what is due: scalar tables, the CSV and the figure of the newest history."""
        from musiceval._scalars import write_scalar_table

        for table in self.tables_due.values():
            self.outputs.update(write_scalar_table(table))
        self.tables_due.clear()
        out = self.spec.out_dir
        if out is None or self.history is None:
            return
        originality = bool(self.history.set_level_names)
        vectors = bool(self.history.vector_metrics)
        if self.csv_due:
            self.outputs["metric history (CSV)"] = self.history.save(out / "metrics.csv")
            if originality:
                path = self.history.save_set_level(out / "originality.csv")
                self.outputs["originality (CSV)"] = path
            if vectors:
                path = self.history.save_vector_distances(out / "vectors.csv")
                self.outputs["vector distances (CSV)"] = path
        if self.draw_due:
            from musiceval.plot import plot_history, plot_originality

            self.outputs["metric trajectories (PNG)"] = plot_history(
                self.history, out / "metrics.png"
            )
            if originality:
                path = plot_originality(self.history, out / "originality.png")
                self.outputs["originality (PNG)"] = path
            if vectors:
                from musiceval._monitor_vectors import plot_vector_distances

                path = plot_vector_distances(self.history, out / "vectors.png")
                self.outputs["vector distances (PNG)"] = path
        self.csv_due = self.draw_due = False

    def close(self) -> None:
        self.catch_up()
        for sink in self.spec.sinks:
            sink.close()
        if self.temporary and self.samples_dir is not None:
            shutil.rmtree(self.samples_dir, ignore_errors=True)


def _waiting(stream: IO[bytes]) -> bool:
    """Whether another message is already there (without blocking)."""
    return bool(select.select([stream], [], [], 0)[0])


def main() -> None:
    """Serve commands until the end of stdin; stop quietly if the Monitor's process is gone."""
    try:
        _serve()
    except BrokenPipeError:  # nobody reads the answers any more: the training process died
        pass


def _serve() -> None:
    commands = os.fdopen(sys.stdin.fileno(), "rb", buffering=0)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # a library's print must not corrupt the answers
    writer: _Writer | None = None
    busy = 0.0
    while True:
        batch: list[tuple[str, Any]] = []
        try:
            batch.append(read_message(commands))
            while _waiting(commands):
                batch.append(read_message(commands))
        except EOFError:  # the Monitor closed, or its process died: finish and stop
            batch.append(("close", None))
        started = time.perf_counter()
        flushed, closing = None, False
        for command, payload in batch:
            if command == "flush":
                flushed = payload
                continue
            closing = closing or command == "close"
            writer = _run(writer, command, payload, answers)
        if writer is not None and not closing:
            _attempt(writer.catch_up, "writing the history", answers)
        busy += time.perf_counter() - started
        if writer is not None:
            write_message(answers, ("outputs", writer.outputs))
        write_message(answers, ("seconds", busy))
        if flushed is not None:
            write_message(answers, ("flushed", flushed))
        if closing:
            return


def _run(writer: _Writer | None, command: str, payload: Any, answers: IO[bytes]) -> Any:
    """Carry out one command; a failure is answered, and the writer goes on."""
    if command == "start":
        return _attempt(lambda: _Writer(payload), "starting", answers) or writer
    if writer is None:
        return None  # the start failed and was reported
    actions: dict[str, Callable[[Any], Any]] = {
        "record": writer.record, "draw": writer.draw, "listen": writer.listen,
        "scalars": writer.scalars, "report": writer.report, "restore": writer.restore,
        "close": lambda _: writer.close(),
    }  # fmt: skip
    action = actions[command]
    _attempt(lambda: action(payload), command, answers)
    return writer


def _attempt(task: Any, label: str, answers: IO[bytes]) -> Any:
    try:
        return task()
    except Exception as exc:
        trace = "".join(traceback.format_exception(exc))
        write_message(
            answers, ("failed", f"the background writer failed in {label}: {exc!r}\n{trace}")
        )
        return None


if __name__ == "__main__":
    main()
