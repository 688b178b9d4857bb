"""Throughput of musiceval against pypianoroll, MusPy and a memory-bound pass.

A script, not a test. It loads the Bach chorales (``musiceval.datasets.load_chorales``: 4-bar
segments of 64 steps x 128 pitches x 4 voices, bool), tiles them to ``--segments`` segments and
times, in one run:

(a) musiceval: ``evaluate`` of the six core metrics, ``evaluate`` of the default per-track
    metrics, ``evaluate`` of every per-track metric (the scalars and the vector-valued
    histograms and transition matrix, one row per component), the statistics pass alone
    (``as_roll`` + ``_engine.stats.gather``) and ``compute`` (the pass and
    the numpy reductions, no DataFrame), best of ``--repeat`` after a warm-up call; the
    first-call cost (JIT compile, then load from numba's on-disk cache) is measured apart, in
    fresh processes;
(b) pypianoroll 1.0.4: its six equivalent metrics, looped per roll and per track;
(c) MusPy 0.5.0: ``muspy.from_pianoroll_representation`` per roll and track, then its five
    equivalent metrics (and ``scale_consistency`` apart);
(d) a memory-bound pass over the same bytes: ``np.count_nonzero`` (one thread) and, for
    reference, a parallel numba OR over the 64-bit words.

The slow peers run on the first ``--peer-segments`` segments and their per-segment rate is
extrapolated. The script also checks that musiceval and the peers give the same numbers where
their definitions agree, and prints how many values agree.

Run from the repository root::

    python benchmarks/bench_metrics.py                 # 20000 segments, 500 for the peers
    python benchmarks/bench_metrics.py --data synthetic --segments 2000 --peer-segments 100
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

CORE = [
    "empty_bar_rate",
    "n_pitches_used",
    "n_pitch_classes_used",
    "in_scale_ratio",
    "polyphonic_rate",
    "qualified_note_rate",
]
STEPS_PER_BAR = 16  # 4/4 at 4 steps per beat: the chorales' 64 steps are 4 bars
STEPS_PER_BEAT = 4
C_MAJOR_PYPIANOROLL_ROOT = 3  # pypianoroll's scale masks count roots from A: root=3 is C major


# --------------------------------------------------------------------------------------------
# data


def synthetic_rolls(n_segments: int, seed: int = 0) -> np.ndarray:
    """Chorale-like rolls: 4 voices, one pitch per voice per step, notes 1-8 steps, 10% rests."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n_segments, 64, 128, 4), bool)
    ranges = [(60, 80), (55, 75), (48, 68), (36, 61)]  # soprano, alto, tenor, bass
    for i in range(n_segments):
        for track, (low, high) in enumerate(ranges):
            t = 0
            while t < 64:
                length = int(rng.integers(1, 9))
                if rng.random() < 0.9:
                    x[i, t : t + length, int(rng.integers(low, high)), track] = True
                t += length
    return x


def load_segments(source: str, n_segments: int) -> tuple[np.ndarray, int, str]:
    """``(x, n_distinct, description)``: ``n_segments`` segments, the distinct ones tiled."""
    if source == "chorales":
        try:
            from musiceval.datasets import load_chorales
        except ImportError as error:
            sys.exit(
                f"musiceval.datasets.load_chorales is not available ({error}); "
                f"run with --data synthetic"
            )
        base = np.asarray(load_chorales(progress=False))
        description = "Bach chorales (music21 corpus, load_chorales(), 4-bar segments)"
    else:
        base = synthetic_rolls(min(n_segments, 2000))
        description = "synthetic chorale-like rolls (4 voices, notes 1-8 steps)"
    if base.dtype != np.bool_ or base.ndim != 4 or base.shape[1:] != (64, 128, 4):
        sys.exit(f"expected bool segments (n, 64, 128, 4); got {base.dtype} {base.shape}")
    reps = math.ceil(n_segments / len(base))
    x = np.ascontiguousarray(np.concatenate([base] * reps)[:n_segments])
    return x, len(base), description


# --------------------------------------------------------------------------------------------
# timing


@dataclass
class Row:
    group: str
    method: str
    segments: int
    seconds: float

    @property
    def per_segment(self) -> float:
        return self.seconds / self.segments

    @property
    def rate(self) -> float:
        return self.segments / self.seconds


def best_of(function: Callable[[], Any], repeat: int) -> float:
    """Shortest wall time of ``repeat`` calls of ``function``."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


# --------------------------------------------------------------------------------------------
# (a) musiceval

_FIRST_CALL = """
import json, sys, time
import numpy as np
start = time.perf_counter()
import musiceval
from musiceval._engine.kernels import roll_statistics
imported = time.perf_counter()
x = np.zeros((8, 64, 128, 4), bool)
x[:, ::3, 60, 0] = True
musiceval.evaluate(x, metrics=json.loads(sys.argv[1]))
done = time.perf_counter()
print(json.dumps({"import": imported - start, "first_call": done - imported,
                  "cache_hits": sum(roll_statistics.stats.cache_hits.values()),
                  "cache_misses": sum(roll_statistics.stats.cache_misses.values())}))
"""


def first_call_costs(threads: int) -> list[tuple[str, dict[str, float]]]:
    """First ``evaluate`` call in fresh processes: with an empty numba cache, then warm."""
    results = []
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "NUMBA_NUM_THREADS": str(threads)}
        for label in ("empty numba cache (JIT compile)", "warm numba cache (cache load)"):
            out = subprocess.run(
                [sys.executable, "-c", _FIRST_CALL, json.dumps(CORE)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            results.append((label, json.loads(out.stdout.strip().splitlines()[-1])))
    return results


def musiceval_tasks(x: np.ndarray) -> dict[str, Callable[[], Any]]:
    import musiceval
    from musiceval._engine.stats import gather
    from musiceval.registry import SCALAR, VECTOR
    from musiceval.rolls import as_roll, make_conventions

    conventions = make_conventions()
    every = [*SCALAR, *VECTOR]  # every per-track metric, scalar and vector-valued

    def stats_pass():
        # what the core metrics need: bar activity, notes >= 2 steps, steps with >= 2 pitches
        return gather(
            as_roll(x),
            min_steps=conventions.min_steps,
            min_pitches=conventions.min_pitches,
            steps_per_bar=STEPS_PER_BAR,
        )

    return {
        "evaluate, 6 core metrics": lambda: musiceval.evaluate(x, metrics=CORE),
        "evaluate, all 14 per-track metrics": lambda: musiceval.evaluate(x),
        "evaluate, every per-track metric + vectors": lambda: musiceval.evaluate(x, every),
        "as_roll + gather (stats pass alone)": stats_pass,
        "compute, 6 core (pass + reductions)": lambda: musiceval.compute(x, CORE),
    }


def profile_tasks(x: np.ndarray) -> dict[str, Callable[[], Any]]:
    """The pieces of ``evaluate(x, metrics=CORE)``, each alone (``--profile``)."""
    import pandas as pd

    import musiceval
    from musiceval._engine.reducers import REDUCERS
    from musiceval._engine.stats import gather
    from musiceval.rolls import as_roll, make_conventions

    conventions = make_conventions()
    roll = as_roll(x)
    stats = gather(roll, min_steps=2, min_pitches=2, steps_per_bar=STEPS_PER_BAR)
    values = musiceval.compute(roll, CORE)
    n = len(x)

    def table():  # what evaluate does with compute's output
        frames = []
        for name, array in values.items():
            width = array.shape[1]
            frame = {
                "sample": np.repeat(np.arange(n), width),
                "track": np.tile(np.arange(width), n),
                "metric": name,
                "value": array.reshape(-1),
            }
            frames.append(pd.DataFrame(frame))
        return pd.concat(frames, ignore_index=True)

    tasks = {
        "as_roll (validation, no copy for bool)": lambda: as_roll(x),
        "gather (outputs + kernel)": lambda: gather(
            roll, min_steps=2, min_pitches=2, steps_per_bar=STEPS_PER_BAR
        ),
    }
    for name in CORE:
        tasks[f"reducer {name}"] = lambda name=name: REDUCERS[name](stats, conventions)
    tasks["DataFrame construction (as in evaluate)"] = table
    return tasks


def best_round_robin(tasks: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Best wall time of each task over ``repeat`` rounds, tasks interleaved in each round.

    Interleaving spreads any background load over all methods instead of one block of runs.
    """
    best = dict.fromkeys(tasks, math.inf)
    for _ in range(repeat):
        for name, function in tasks.items():
            start = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def musiceval_reference(x: np.ndarray) -> dict[str, np.ndarray]:
    """musiceval's values, (n_segments, 4), under the conventions each peer uses."""
    import musiceval as me

    return {
        "n_pitches_used": me.n_pitches_used(x),
        "n_pitch_classes_used": me.n_pitch_classes_used(x),
        "polyphonic_rate": me.polyphonic_rate(x, min_pitches=2),
        "qualified_note_rate": me.qualified_note_rate(x, min_steps=2),
        "empty_bar_rate": me.empty_bar_rate(x, steps_per_bar=STEPS_PER_BAR),
        "in_scale_ratio/cells": me.in_scale_ratio(x, key="C", weight="cells"),
        "in_scale_ratio/notes": me.in_scale_ratio(x, key="C", weight="notes"),
        "scale_consistency/notes": me.scale_consistency(x, weight="notes"),
    }


# --------------------------------------------------------------------------------------------
# (b) pypianoroll


def bench_pypianoroll(x: np.ndarray, repeat: int) -> tuple[list[Row], dict[str, np.ndarray]]:
    import pypianoroll as ppr

    n, _, _, k = x.shape
    names = [
        "empty_beat_rate",
        "n_pitches_used",
        "n_pitch_classes_used",
        "in_scale_rate",
        "polyphonic_rate",
        "qualified_note_rate",
    ]
    values = {name: np.empty((n, k)) for name in names}

    def loop():
        for i in range(n):
            for track in range(k):
                roll = x[i, :, :, track]
                values["empty_beat_rate"][i, track] = ppr.empty_beat_rate(roll, STEPS_PER_BAR)
                values["n_pitches_used"][i, track] = ppr.n_pitches_used(roll)
                values["n_pitch_classes_used"][i, track] = ppr.n_pitch_classes_used(roll)
                values["in_scale_rate"][i, track] = ppr.in_scale_rate(
                    roll, root=C_MAJOR_PYPIANOROLL_ROOT, mode="major"
                )
                # threshold=1 counts steps with > 1 pitch, i.e. musiceval's min_pitches=2
                values["polyphonic_rate"][i, track] = ppr.polyphonic_rate(roll, threshold=1)
                # raises on bool (and uint8) input: it casts bool to uint8, whose np.diff wraps
                # around, so no offset is found; a signed integer roll works
                values["qualified_note_rate"][i, track] = ppr.qualified_note_rate(
                    roll.astype(np.int8), threshold=2
                )

    seconds = best_of(loop, repeat)
    return [Row("pypianoroll", "6 metrics, per roll and track", n, seconds)], values


# --------------------------------------------------------------------------------------------
# (c) MusPy


def bench_muspy(x: np.ndarray, repeat: int) -> tuple[list[Row], dict[str, np.ndarray]]:
    import muspy

    n, _, _, k = x.shape
    musics: list[list[Any]] = []

    def convert():
        musics.clear()
        for i in range(n):
            musics.append(
                [
                    muspy.from_pianoroll_representation(
                        x[i, :, :, track], resolution=STEPS_PER_BEAT, encode_velocity=False
                    )
                    for track in range(k)
                ]
            )

    names = [
        "empty_measure_rate",
        "n_pitches_used",
        "n_pitch_classes_used",
        "pitch_in_scale_rate",
        "polyphony_rate",
    ]
    values = {name: np.empty((n, k)) for name in [*names, "scale_consistency"]}

    def metrics():
        for i, tracks in enumerate(musics):
            for track, music in enumerate(tracks):
                values["empty_measure_rate"][i, track] = muspy.empty_measure_rate(
                    music, STEPS_PER_BAR
                )
                values["n_pitches_used"][i, track] = muspy.n_pitches_used(music)
                values["n_pitch_classes_used"][i, track] = muspy.n_pitch_classes_used(music)
                values["pitch_in_scale_rate"][i, track] = muspy.pitch_in_scale_rate(
                    music, 0, "major"
                )
                # threshold=1 counts steps with > 1 pitch, i.e. musiceval's min_pitches=2
                values["polyphony_rate"][i, track] = muspy.polyphony_rate(music, threshold=1)

    def scale_consistency():
        for i, tracks in enumerate(musics):
            for track, music in enumerate(tracks):
                values["scale_consistency"][i, track] = muspy.scale_consistency(music)

    t_convert = best_of(convert, repeat)
    t_metrics = best_of(metrics, repeat)
    t_scale = best_of(scale_consistency, repeat)
    rows = [
        Row("MusPy", "conversion (from_pianoroll_representation)", n, t_convert),
        Row("MusPy", "5 metrics on converted Music", n, t_metrics),
        Row("MusPy", "conversion + 5 metrics", n, t_convert + t_metrics),
        Row("MusPy", "scale_consistency alone (extra)", n, t_scale),
    ]
    return rows, values


# --------------------------------------------------------------------------------------------
# (d) memory-bound pass


def or_words_kernel() -> Callable[[np.ndarray], np.ndarray]:
    """A parallel numba OR of each row of 64-bit words: one load per 8 bytes on every thread,
    the memory-bandwidth floor that reading a roll cannot beat (also used by bench_input.py)."""
    from numba import njit, prange

    @njit(parallel=True, cache=False)
    def or_words(words):
        acc = np.zeros(words.shape[0], np.uint64)
        for i in prange(words.shape[0]):
            a = np.uint64(0)
            for j in range(words.shape[1]):
                a |= words[i, j]
            acc[i] = a
        return acc

    return or_words


def memory_tasks(x: np.ndarray) -> dict[str, Callable[[], Any]]:
    or_words = or_words_kernel()
    words = x.reshape(len(x), -1).view(np.uint64)
    or_words(words[:2])
    return {
        "np.count_nonzero over the bool array": lambda: np.count_nonzero(x),
        "numba prange OR over uint64 words (ref.)": lambda: or_words(words),
    }


# --------------------------------------------------------------------------------------------
# agreement


def agreement(
    reference: dict[str, np.ndarray],
    ppr_values: dict[str, np.ndarray],
    muspy_values: dict[str, np.ndarray],
) -> tuple[list[tuple[str, int, int, str]], int, int]:
    """(pair, agreeing, total, note) per compared metric; totals over same-definition pairs."""
    n = len(next(iter(ppr_values.values())))
    ref = {name: value[:n] for name, value in reference.items()}
    pairs = [
        # (label, peer values, musiceval values, same definition?, note)
        ("pypianoroll n_pitches_used", ppr_values["n_pitches_used"], ref["n_pitches_used"],
         True, ""),
        ("pypianoroll polyphonic_rate(threshold=1)", ppr_values["polyphonic_rate"],
         ref["polyphonic_rate"], True, ""),
        ("pypianoroll empty_beat_rate(16)", ppr_values["empty_beat_rate"],
         1.0 - ref["empty_bar_rate"], False,
         "returns the NON-empty fraction: compared with 1 - empty_bar_rate"),
        ("pypianoroll n_pitch_classes_used", ppr_values["n_pitch_classes_used"],
         ref["n_pitch_classes_used"], False,
         "its chroma groups pitches 10 by 10 (reshape(-1, 12, 10)), not by p % 12"),
        ("pypianoroll in_scale_rate(root=3: C major)", ppr_values["in_scale_rate"],
         ref["in_scale_ratio/cells"], False, "same chroma bug"),
        ("pypianoroll qualified_note_rate(int8 roll)", ppr_values["qualified_note_rate"],
         ref["qualified_note_rate"], False,
         "pairs onsets/offsets in a flattened (time-major) diff: lengths are wrong"),
        ("MusPy n_pitches_used", muspy_values["n_pitches_used"], ref["n_pitches_used"],
         True, ""),
        ("MusPy n_pitch_classes_used", muspy_values["n_pitch_classes_used"],
         ref["n_pitch_classes_used"], True, ""),
        ("MusPy pitch_in_scale_rate(C major)", muspy_values["pitch_in_scale_rate"],
         ref["in_scale_ratio/notes"], True, "vs in_scale_ratio(weight='notes')"),
        ("MusPy scale_consistency", muspy_values["scale_consistency"],
         ref["scale_consistency/notes"], True,
         "vs scale_consistency(weight='notes'); natural minor = relative major"),
        ("MusPy polyphony_rate(threshold=1)", muspy_values["polyphony_rate"],
         ref["polyphonic_rate"], False,
         "divides by the last note's end, not the roll length (NaN for a silent track)"),
        ("MusPy empty_measure_rate(16)", muspy_values["empty_measure_rate"],
         ref["empty_bar_rate"], False,
         "counts length // 16 + 1 measures and marks the bar a note ends on"),
    ]  # fmt: skip
    lines = []
    agree_total = compared_total = 0
    for label, peer, mine, same, note in pairs:
        agree = int(np.isclose(peer, mine, rtol=1e-9, atol=1e-12, equal_nan=True).sum())
        lines.append((label, agree, peer.size, ("" if same else "differs by definition: ") + note))
        if same:
            agree_total += agree
            compared_total += peer.size
    return lines, agree_total, compared_total


# --------------------------------------------------------------------------------------------
# report


def machine_info(threads: int) -> list[str]:
    import numba
    import pandas
    import pypianoroll

    import musiceval

    try:
        import muspy

        muspy_version = muspy.__version__
    except ImportError:
        muspy_version = "not installed"
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if "model name" in line)
    except (OSError, StopIteration):
        pass
    return [
        f"machine      : {cpu}, {os.cpu_count()} logical cores "
        f"({len(os.sched_getaffinity(0))} usable), {platform.system()} {platform.machine()}",
        f"numba        : {numba.__version__}, {threads} threads "
        f"(layer {numba.threading_layer()}), NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}",
        f"versions     : python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pandas.__version__}, musiceval {musiceval.__version__}, "
        f"pypianoroll {pypianoroll.__version__}, muspy {muspy_version}",
    ]


def print_table(rows: list[Row]) -> None:
    print(f"{'method':<58} {'segments':>9} {'seconds':>10} {'segments/s':>12} {'us/segment':>11}")
    print("-" * 104)
    for row in rows:
        method = f"{row.group}: {row.method}"
        print(
            f"{method:<58} {row.segments:>9} {row.seconds:>10.4f} {row.rate:>12,.0f} "
            f"{row.per_segment * 1e6:>11.2f}"
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--segments",
        type=int,
        default=20000,
        help="segments for musiceval and the memory pass (default 20000)",
    )
    parser.add_argument(
        "--peer-segments",
        type=int,
        default=500,
        help="segments to time pypianoroll and MusPy on (default 500)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=7,
        help="best of REPEAT for musiceval and the memory pass (default 7)",
    )
    parser.add_argument(
        "--peer-repeat",
        type=int,
        default=3,
        help="best of PEER_REPEAT for pypianoroll and MusPy (default 3)",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="numba threads (default: all, NUMBA_NUM_THREADS)"
    )
    parser.add_argument(
        "--data",
        choices=["chorales", "synthetic"],
        default="chorales",
        help="input rolls (default chorales, from musiceval.datasets)",
    )
    parser.add_argument(
        "--skip-first-call",
        action="store_true",
        help="do not time the first call in fresh processes",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also time each piece of evaluate(core) alone"
    )
    args = parser.parse_args(argv)

    import numba

    if args.threads is not None:
        numba.set_num_threads(args.threads)
    threads = numba.get_num_threads()

    start = time.perf_counter()
    x, n_distinct, description = load_segments(args.data, args.segments)
    load_seconds = time.perf_counter() - start
    peer = min(args.peer_segments, len(x))
    print(f"data         : {description}: {n_distinct} distinct segments tiled to {len(x)} "
          f"{x.shape[1:]} {x.dtype} ({x.nbytes / 2**20:.0f} MiB), {x.mean():.4f} active; "
          f"loaded in {load_seconds:.1f} s")  # fmt: skip

    load_before = os.getloadavg()[0]
    first_calls = [] if args.skip_first_call else first_call_costs(threads)

    import musiceval

    start = time.perf_counter()
    musiceval.evaluate(x[:16], metrics=CORE)
    musiceval.evaluate(x[:16])
    musiceval.evaluate(x[:16], [*musiceval.registry.SCALAR, *musiceval.registry.VECTOR])
    warm_up = time.perf_counter() - start
    mine, memory = musiceval_tasks(x), memory_tasks(x)
    pieces = profile_tasks(x) if args.profile else {}
    best = best_round_robin({**mine, **memory, **pieces}, args.repeat)
    ppr_rows, ppr_values = bench_pypianoroll(x[:peer], args.peer_repeat)
    muspy_rows, muspy_values = bench_muspy(x[:peer], args.peer_repeat)
    load_after = os.getloadavg()[0]
    reference = musiceval_reference(x[:peer])
    rows = [
        *(Row("musiceval", name, len(x), best[name]) for name in mine),
        *ppr_rows,
        *muspy_rows,
        *(Row("memory", name, len(x), best[name]) for name in memory),
    ]

    print()
    for line in machine_info(threads):
        print(line)
    print(f"command      : python {' '.join(sys.argv)}")
    print(f"load average : {load_before:.2f} before, {load_after:.2f} after the timings "
          f"(1-minute; other processes on the machine slow every method)")  # fmt: skip
    print()
    print_table(rows)
    print()
    for label, costs in first_calls:
        print(f"first call, {label}: import {costs['import']:.2f} s, first evaluate "
              f"{costs['first_call']:.2f} s (numba cache hits {costs['cache_hits']}, "
              f"misses {costs['cache_misses']})")  # fmt: skip
    print(f"in-process warm-up (excluded from the table): {warm_up:.2f} s")

    by = {row.method: row for row in rows}
    me = by["evaluate, 6 core metrics"]
    me_all = by["evaluate, all 14 per-track metrics"]
    me_every = by["evaluate, every per-track metric + vectors"]
    stats = by["as_roll + gather (stats pass alone)"]
    ppr = by["6 metrics, per roll and track"]
    muspy_total = by["conversion + 5 metrics"]
    muspy_metrics = by["5 metrics on converted Music"]
    count = by["np.count_nonzero over the bool array"]
    or_pass = by["numba prange OR over uint64 words (ref.)"]

    def check(ok: bool) -> str:
        return "meets" if ok else "MISSES"

    speedup_ppr = ppr.per_segment / me.per_segment
    speedup_muspy = muspy_total.per_segment / me.per_segment
    memory_ratio = me.per_segment / count.per_segment
    print()
    print("ratios (per segment; peers extrapolated from their segments)")
    print(
        f"  musiceval evaluate(6) vs pypianoroll        : {speedup_ppr:10,.0f}x faster "
        f"(target >= 100x: {check(speedup_ppr >= 100)})"
    )
    print(
        f"  musiceval evaluate(6) vs MusPy conv.+metrics: {speedup_muspy:10,.0f}x faster "
        f"(target >= 300x: {check(speedup_muspy >= 300)})"
    )
    print(
        f"  musiceval evaluate(6) vs MusPy metrics only : "
        f"{muspy_metrics.per_segment / me.per_segment:10,.0f}x faster"
    )
    print(
        f"  musiceval evaluate(14) vs pypianoroll (6)   : "
        f"{ppr.per_segment / me_all.per_segment:10,.0f}x faster"
    )
    print(
        f"  evaluate(every + vectors) / evaluate(14)    : "
        f"{me_every.per_segment / me_all.per_segment:10.2f}x the time"
    )
    print(
        f"  musiceval evaluate(6) / np.count_nonzero    : {memory_ratio:10.2f}x the time "
        f"(target <= 2x: {check(memory_ratio <= 2)})"
    )
    print(
        f"  stats pass alone / np.count_nonzero         : "
        f"{stats.per_segment / count.per_segment:10.2f}x the time"
    )
    print(
        f"  evaluate(6) / parallel OR over words        : "
        f"{me.per_segment / or_pass.per_segment:10.2f}x the time"
    )

    if pieces:
        whole = best["evaluate, 6 core metrics"]
        print()
        print(f"profile of evaluate(x, metrics=CORE), best of {args.repeat}, each piece alone")
        for name in pieces:
            print(
                f"  {name:<44} {best[name]:8.4f} s  {best[name] / whole:6.1%}  "
                f"{best[name] / count.seconds:6.2f}x count_nonzero"
            )
        rest = whole - sum(best[name] for name in pieces)
        label = "rest (glue; noise: pieces timed apart)"
        print(f"  {label:<44} {rest:8.4f} s  {rest / whole:6.1%}")
        print(
            f"  {'evaluate, 6 core metrics':<44} {whole:8.4f} s  {1:6.1%}  "
            f"{whole / count.seconds:6.2f}x count_nonzero"
        )

    lines, agree, total = agreement(reference, ppr_values, muspy_values)
    print()
    print(f"agreement with musiceval on the {peer} peer segments x 4 tracks")
    for label, n_agree, n_total, note in lines:
        print(f"  {label:<44} {n_agree:>6} / {n_total:<6} {note}")
    print(f"sanity: {agree} / {total} values agree on the metrics whose definitions agree")


if __name__ == "__main__":
    main()
