"""Time of ``compare`` and of a report's outputs, today against musiceval 0.1.0, in one run.

A script, not a test. It builds a reference of ``--segments`` segments (the Bach chorales of
``musiceval.datasets.load_chorales``, tiled, each copy transposed by -5..+6 semitones so that
the keys vary; or synthetic chorale-like rolls), profiles it with the 14 per-track metrics, and
for each size in ``--generated`` times, in a fresh process per code base:

- ``profile``: the reference profile (not part of the target; for scale);
- ``compare``: the metrics of the generated set;
- ``to_frame``: the report's numbers, for the first report against the profile (it builds the
  reference side, cached on the profile) and for a second report against the same profile;
- ``set distances``: the set-level numbers of issue 12 (Fréchet distances, FD-infinity, PRDC,
  KID, piece and nearest-neighbour distances), with their 100 half-sampling replicates and
  without intervals (``compare(..., n_boot=None)``); computed once per report and cached, so
  the text outputs below do not include them;
- ``to_markdown``, ``to_csv``, ``to_json``: each text output alone;
- ``save, no figures``: ``save(directory, figures=False)`` (md, csv, json, html);
- ``save, figures, 1 process`` and ``save, figures, parallel``: the whole directory with the
  PNG figures, drawn in this process and by forked workers (default ``workers``).

0.1.0 has no ``figures=`` or ``workers=``: its ``save`` always draws every figure in its own
process, so its one ``save`` time stands in both figure rows. 0.1.0 is taken from the git tag's
tree (``git archive 7d5f27f``, extracted once into ``--old``), imported from there in a
subprocess. Times are the best of ``--repeat`` (``save`` once); other processes on the machine
slow every number alike, so compare the two columns of one run, not runs on different
machines or loads (the load average is printed).

Run from the repository root::

    python benchmarks/bench_compare.py                      # 20000 segments, 64 and 1000
    python benchmarks/bench_compare.py --generated 64,1000,2000 --repeat 5
    python benchmarks/bench_compare.py --data synthetic --segments 2000 --no-old
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _release import ROOT, extract_release

STAGES = (
    "profile",
    "compare",
    "to_frame, first report",
    "to_frame, next report",
    "set distances, n_boot=100",
    "set distances, no intervals",
    "to_markdown",
    "to_csv",
    "to_json",
    "save, no figures",
    "save, figures, 1 process",
    "save, figures, parallel",
)


# --------------------------------------------------------------------------------------------
# data


def reference_rolls(source: str, n_segments: int, seed: int = 0) -> np.ndarray:
    """``n_segments`` bool segments (n, 64, 128, 4): chorales tiled and transposed, or
    synthetic chorale-like voices."""
    rng = np.random.default_rng(seed)
    if source == "chorales":
        from musiceval.datasets import load_chorales

        base = np.asarray(load_chorales(progress=False))
    else:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_metrics import synthetic_rolls

        base = synthetic_rolls(min(n_segments, 2000), seed)
    x = np.concatenate([base] * math.ceil(n_segments / len(base)))[:n_segments]
    shifts = rng.integers(-5, 7, len(x))
    for shift in np.unique(shifts):
        x[shifts == shift] = np.roll(x[shifts == shift], shift, axis=2)
    return np.ascontiguousarray(x)


def generated_rolls(reference: np.ndarray, n: int, seed: int = 1) -> np.ndarray:
    """``n`` reference segments moved up a minor third, a tenth of their notes dropped."""
    rng = np.random.default_rng(seed)
    x = np.roll(reference[rng.choice(len(reference), n, replace=len(reference) < n)], 3, axis=2)
    x[x] = rng.random(np.count_nonzero(x)) > 0.1
    return x


# --------------------------------------------------------------------------------------------
# one code base, in its own process


def best_of(function: Callable[[], Any], repeat: int) -> float:
    """Shortest wall time of ``repeat`` calls of ``function``."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def once(function: Callable[[], Any]) -> float:
    return best_of(function, 1)


def worker(data: Path, sizes: list[int], repeat: int) -> dict[str, dict[str, float]]:
    """The stages' times per generated size, for the musiceval on ``sys.path``."""
    import musiceval

    reference = np.load(data / "reference.npy")
    start = time.perf_counter()
    profile = musiceval.profile(reference)
    profile_seconds = time.perf_counter() - start
    scratch = Path(tempfile.mkdtemp(prefix="bench_compare_"))
    profile.save(scratch / "profile.json")
    results = {}
    for n in sizes:
        generated = np.load(data / f"generated_{n}.npy")
        results[str(n)] = {"profile": profile_seconds, **time_stages(generated, scratch, repeat)}
    return results


def time_stages(generated: np.ndarray, scratch: Path, repeat: int) -> dict[str, float]:
    """Every stage after ``profile`` for one generated set (profile in ``scratch``)."""
    import inspect

    import musiceval

    new_api = "figures" in inspect.signature(musiceval.Report.save).parameters
    profile = musiceval.DatasetProfile.load(scratch / "profile.json")  # nothing cached on it
    times = {"compare": best_of(lambda: musiceval.compare(generated, profile), repeat)}
    report = musiceval.compare(generated, profile)
    times["to_frame, first report"] = once(report.to_frame)
    both = best_of(lambda: musiceval.compare(generated, profile).to_frame(), repeat)
    times["to_frame, next report"] = max(both - times["compare"], 0.0)
    if hasattr(report, "set_distances"):  # issue 12: computed once per report, then cached
        times["set distances, n_boot=100"] = once(report.set_distances)
        plain = musiceval.compare(generated, profile, n_boot=None)
        times["set distances, no intervals"] = once(plain.set_distances)
    times["to_markdown"] = best_of(report.to_markdown, repeat)
    times["to_csv"] = best_of(lambda: report.to_frame().to_csv(scratch / "r.csv"), repeat)
    times["to_json"] = best_of(lambda: json.dumps(report.to_json_dict()), repeat)
    if new_api:
        times["save, no figures"] = once(lambda: report.save(scratch / "a", figures=False))
        times["save, figures, 1 process"] = once(lambda: report.save(scratch / "b", workers=1))
        times["save, figures, parallel"] = once(lambda: report.save(scratch / "c"))
    else:
        whole = once(lambda: report.save(scratch / "b"))
        times["save, figures, 1 process"] = times["save, figures, parallel"] = whole
    return times


def run_worker(src: Path, data: Path, sizes: list[int], repeat: int) -> dict[str, Any]:
    """Run :func:`worker` in a fresh interpreter that imports musiceval from ``src``."""
    environment = {**os.environ, "PYTHONPATH": str(src)}
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        str(data),
        "--generated",
        ",".join(map(str, sizes)),
        "--repeat",
        str(repeat),
    ]
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"the benchmark worker for {src} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# report


def print_table(today: dict[str, Any], old: dict[str, Any] | None, sizes: list[int]) -> None:
    for n in sizes:
        mine = today[str(n)]
        theirs = old[str(n)] if old else None
        print(f"\n{n} generated samples")
        print(f"  {'stage':<28} {'0.1.0 s':>9} {'today s':>9} {'0.1.0/today':>12}")
        for stage in STAGES:
            if stage not in mine:
                continue
            before = theirs.get(stage, math.nan) if theirs else math.nan
            ratio = before / mine[stage] if mine[stage] > 0 else math.inf
            print(f"  {stage:<28} {before:9.3f} {mine[stage]:9.3f} {ratio:11.1f}x")
        numbers = mine["to_frame, next report"] + mine["save, no figures"]
        first = mine["to_frame, first report"] + mine["save, no figures"]
        print(
            f"  to_frame + save without figures: {numbers:.3f} s (next report), "
            f"{first:.3f} s (first report on a profile); target <= 1 s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", choices=["chorales", "synthetic"], default="chorales")
    parser.add_argument("--segments", type=int, default=20_000)
    parser.add_argument("--generated", default="64,1000", help="comma-separated sizes")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--old", type=Path, default=Path(tempfile.gettempdir()) / "v010")
    parser.add_argument("--no-old", action="store_true", help="time today's code only")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(size) for size in args.generated.split(",")]
    if args.worker:
        print(json.dumps(worker(args.worker, sizes, args.repeat)))
        return

    data = Path(tempfile.mkdtemp(prefix="bench_compare_data_"))
    reference = reference_rolls(args.data, args.segments)
    np.save(data / "reference.npy", reference)
    for n in sizes:
        np.save(data / f"generated_{n}.npy", generated_rolls(reference, n))
    load_before = os.getloadavg()[0]
    today = run_worker(ROOT / "src", data, sizes, args.repeat)
    old = None if args.no_old else run_worker(extract_release(args.old), data, sizes, args.repeat)
    load_after = os.getloadavg()[0]

    print(f"reference    : {args.segments} segments ({args.data}), 14 metrics x 4 tracks")
    print(f"machine      : {os.cpu_count()} CPUs, python {sys.version.split()[0]}")
    print(f"command      : python {' '.join(sys.argv)}")
    print(
        f"load average : {load_before:.2f} before, {load_after:.2f} after (1-minute; other "
        f"processes slow every number)"
    )
    print("0.1.0's save always draws its figures in one process: the same time in both rows")
    print_table(today, old, sizes)


if __name__ == "__main__":
    main()
