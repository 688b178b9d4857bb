"""Every metric at once: today's ``evaluate`` and ``compute`` against musiceval 0.1.0's.

A script, not a test. Issue 11 asks that the vector-valued metrics keep ``evaluate`` of all
metrics within 2x of 0.1.0's all-metrics time. This script times, in one run and on the same
batches (the Bach chorales of ``musiceval.datasets.load_chorales``, bool segments of 64 steps x
128 pitches x 4 voices, the first ``n`` of them, tiled when ``n`` exceeds the 802 there are):

- 0.1.0 (``git archive 7d5f27f``, extracted once into ``--old``): ``evaluate(x,
  metrics=list(musiceval.METRICS))``, its 15 metrics (14 per track and ``tonal_distance``),
  and the same metrics as arrays (``_engine.compute`` of an ``as_roll``, what its
  ``evaluate`` runs before building the table);
- today (``--today``, default this checkout's ``src``): ``evaluate(x,
  metrics=list(musiceval.registry.METRICS))``, every metric (scalars, vector-valued
  histograms and matrices, ``tonal_distance``), and ``musiceval.compute`` of the same names.

Each version runs in its own interpreter (``PYTHONPATH`` set to its ``src``), started once;
both warm numba's caches with two calls of every task, then the script asks them for one
timed call at a time, alternately (0.1.0, today, 0.1.0, ...), so that both see the same load
of a shared machine and never run at once. Each number is the median of ``--repeat`` calls;
"paired" is the median of the ratios of consecutive calls. The 1-minute load average is
printed before and after.

Run from the repository root::

    python benchmarks/bench_all_metrics.py                  # batches of 256 and 802 segments
    python benchmarks/bench_all_metrics.py --sizes 256,4000 --repeat 31 --threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _release import ROOT, extract_release

TASKS = ("evaluate", "compute")


def worker_tasks(data: Path, sizes: list[int]) -> dict[str, Callable[[], Any]]:
    """In the subprocess: ``"<n> <task>"`` -> the call to time, with this interpreter's
    musiceval (0.1.0 or today's, whichever ``PYTHONPATH`` gives)."""
    import musiceval

    if hasattr(musiceval, "compute"):  # today
        from musiceval.registry import METRICS

        names = list(METRICS)

        def arrays(x: np.ndarray) -> Any:
            return musiceval.compute(x, names)

    else:  # 0.1.0: what its evaluate runs before building the table
        from itertools import combinations

        from musiceval._engine import compute
        from musiceval.rolls import as_roll, make_conventions

        names = list(musiceval.METRICS)

        def arrays(x: np.ndarray) -> Any:
            roll = as_roll(x)
            pairs = list(combinations(range(roll.n_tracks), 2))
            return compute(roll, make_conventions(), names, pairs)

    tasks: dict[str, Callable[[], Any]] = {}
    for n in sizes:
        x = np.load(data / f"x_{n}.npy")
        tasks[f"{n} evaluate"] = lambda x=x: musiceval.evaluate(x, metrics=names)
        tasks[f"{n} compute"] = lambda x=x: arrays(x)
        tasks[f"{n} rows"] = lambda x=x: len(musiceval.evaluate(x, metrics=names))
    tasks["metrics"] = lambda: len(names)
    return tasks


def worker(data: Path, sizes: list[int]) -> None:
    """In the subprocess: warm every task, then answer each line of stdin (a task's name)
    with the seconds one call took (or the task's result, for ``rows`` and ``metrics``)."""
    tasks = worker_tasks(data, sizes)
    for task in tasks.values():  # numba's caches, the first-call costs
        task()
        task()
    print("ready", flush=True)
    for line in sys.stdin:
        task = tasks[line.strip()]
        start = time.perf_counter()
        result = task()
        seconds = time.perf_counter() - start
        print(json.dumps(result if isinstance(result, int) else seconds), flush=True)


class Worker:
    """A worker subprocess importing musiceval from ``src``; :meth:`ask` runs one task."""

    def __init__(self, src: Path, data: Path, sizes: list[int], threads: int | None) -> None:
        environment = {**os.environ, "PYTHONPATH": str(src)}
        if threads:
            environment["NUMBA_NUM_THREADS"] = str(threads)
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(data)]
        command += ["--sizes", ",".join(map(str, sizes))]
        self.src = src
        self.process = subprocess.Popen(
            command, env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._read()  # "ready"

    def _read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            sys.exit(f"the benchmark worker for {self.src} failed (see its traceback above)")
        return line

    def ask(self, task: str) -> float:
        assert self.process.stdin is not None
        self.process.stdin.write(task + "\n")
        self.process.stdin.flush()
        return json.loads(self._read())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def write_batches(data: Path, sizes: list[int]) -> None:
    """``x_<n>.npy``: the first ``n`` chorale segments (tiled past the 802 there are)."""
    sys.path.insert(0, str(ROOT / "src"))
    from musiceval.datasets import load_chorales

    base = np.asarray(load_chorales(progress=False))
    for n in sizes:
        tiled = np.concatenate([base] * -(-n // len(base)))[:n]
        np.save(data / f"x_{n}.npy", np.ascontiguousarray(tiled))


def measure(old: Worker, new: Worker, sizes: list[int], repeat: int) -> None:
    """Time every task ``repeat`` times, alternating the versions call by call and the tasks
    round by round (as a user alternates ``evaluate`` and ``compute``); print."""
    print(f"metrics: 0.1.0 {old.ask('metrics')}, today {new.ask('metrics')}")
    header = f"{'batch':>6} {'task':<9} {'0.1.0 ms':>9} {'today ms':>9} {'today/0.1.0':>12}"
    print(header + f" {'paired':>7} {'rows 0.1.0':>11} {'rows today':>11}")
    for n in sizes:
        rows = f"{old.ask(f'{n} rows'):>11,} {new.ask(f'{n} rows'):>11,}"
        times: dict[str, list[tuple[float, float]]] = {task: [] for task in TASKS}
        for _ in range(repeat):
            for task in TASKS:
                times[task].append((old.ask(f"{n} {task}"), new.ask(f"{n} {task}")))
        for task, pairs in times.items():
            before = statistics.median(a for a, _ in pairs)
            after = statistics.median(b for _, b in pairs)
            paired = statistics.median(b / a for a, b in pairs)
            line = f"{n:>6} {task:<9} {before * 1e3:9.2f} {after * 1e3:9.2f}"
            print(f"{line} {after / before:11.2f}x {paired:6.2f}x {rows}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="256,802", help="comma-separated batch sizes")
    parser.add_argument("--repeat", type=int, default=21, help="timed calls per task")
    parser.add_argument("--threads", type=int, help="numba threads (default: all)")
    parser.add_argument("--old", type=Path, default=Path(tempfile.gettempdir()) / "v010")
    parser.add_argument("--today", type=Path, default=ROOT / "src", help="today's src folder")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.worker:
        worker(args.worker, sizes)
        return
    data = Path(tempfile.mkdtemp(prefix="bench_all_metrics_"))
    write_batches(data, sizes)
    old = Worker(extract_release(args.old), data, sizes, args.threads)
    new = Worker(args.today, data, sizes, args.threads)
    print(f"command: python {' '.join(sys.argv)}")
    threads = args.threads or "all"
    print(f"machine: {os.cpu_count()} CPUs, python {sys.version.split()[0]}, {threads} threads")
    before = os.getloadavg()[0]
    measure(old, new, sizes, args.repeat)
    print(f"1-minute load average: {before:.2f} before, {os.getloadavg()[0]:.2f} after")
    old.close()
    new.close()


if __name__ == "__main__":
    main()
