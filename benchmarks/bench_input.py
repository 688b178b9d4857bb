"""What the input's dtype costs: ``musiceval.compute`` on the same rolls in every encoding.

A script, not a test. It tiles the Bach chorales (``musiceval.datasets.load_chorales``: 4-bar
segments of 64 steps x 128 pitches x 4 voices) to ``--segments`` segments and, for each
encoding of the same active cells, times ``musiceval.compute(x, <6 core metrics>)``:

* bool (read in place: the reference), uint8 velocities (read in place too);
* float32 +-1 (raw tanh), float32 {0, 1}, float16 +-1, float64 {0, 1}: thresholded by the
  numba kernel as it reads them (no mask of the batch);
* torch CPU float32 +-1, with ``backend="numba"`` (the default for CPU tensors) and
  ``backend="torch"``;
* with CUDA: the same float32 tensor on the GPU with the torch backend (the default there) and
  with ``backend="numba"`` (thresholded on the device, the mask copied to the host a chunk at a
  time), against the path musiceval 0.1.0 took (threshold on the device, copy the whole
  one-byte mask to the host, numba).

Every row is also timed the way a user of musiceval 0.1.0 would have fed it: threshold with
numpy (torch for tensors), then ``compute`` on the ``uint8`` mask ("0.1.0-style"). Times are
the best of ``--repeat`` rounds, each round timing bool, the row and its 0.1.0-style twin in
turn (so background load hits all three). Peak extra memory is the growth of the process's
peak resident set (Linux ``VmHWM``, reset through ``/proc/self/clear_refs``) during one call,
the input already in memory; on CUDA, ``torch.cuda.max_memory_allocated`` growth.

Run from the repository root::

    python benchmarks/bench_input.py                   # 10000 segments, best of 5
    python benchmarks/bench_input.py --segments 20000 --repeat 7
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import sys
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
CHUNK = 500  # segments encoded at a time while building an input (no full-size temporary)


@dataclass
class Case:
    """One row: how to build the input from bool segments, its threshold, how to run it."""

    label: str
    encode: Callable[[np.ndarray], np.ndarray]
    dtype: Any
    threshold: float = 0.0
    tensor: str | None = None  # None (numpy), "cpu" or "cuda"
    backend: str = "auto"


CASES = [
    Case("uint8 velocities (read in place)", lambda b: b.astype(np.uint8) * 100, np.uint8),
    Case("float32 +-1 (tanh-like)", lambda b: np.where(b, 1, -1), np.float32),
    Case("float32 {0, 1}", lambda b: b, np.float32),
    Case("float16 +-1", lambda b: np.where(b, 1, -1), np.float16),
    Case("float64 {0, 1}", lambda b: b, np.float64),
    Case("torch CPU float32 +-1, numba", lambda b: np.where(b, 1, -1), np.float32, 0.0, "cpu"),
    Case(
        "torch CPU float32 +-1, torch",
        lambda b: np.where(b, 1, -1),
        np.float32,
        0.0,
        "cpu",
        "torch",
    ),
    Case("torch CUDA float32 +-1, torch", lambda b: np.where(b, 1, -1), np.float32, 0.0, "cuda"),
    Case(
        "torch CUDA float32 +-1, numba",
        lambda b: np.where(b, 1, -1),
        np.float32,
        0.0,
        "cuda",
        "numba",
    ),
]


def tile(base: np.ndarray, n: int, case: Case) -> Any:
    """``n`` segments of ``base`` (tiled) encoded by ``case``, built a chunk at a time."""
    x = np.empty((n, *base.shape[1:]), case.dtype)
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        x[start:stop] = case.encode(base[np.arange(start, stop) % len(base)])
    if case.tensor is None:
        return x
    import torch

    tensor = torch.from_numpy(x)
    return tensor if case.tensor == "cpu" else tensor.to(case.tensor)


def peak_rss_kib() -> int | None:
    """The process's peak resident set (KiB) since the last :func:`reset_peak`, on Linux.

    Memory freed earlier but kept by the allocator counts as resident, so each input's calls
    are measured before it is timed, with glibc's mmap threshold fixed (see :func:`main`)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        return False
    return True


def sync(x: Any) -> None:
    if getattr(x, "is_cuda", False):
        import torch

        torch.cuda.synchronize()


def extra_memory_mib(run: Callable[[], Any], x: Any) -> float:
    """Growth of the peak memory during one ``run()`` (host RSS, or CUDA allocations)."""
    gc.collect()
    if getattr(x, "is_cuda", False):
        import torch

        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        run()
        torch.cuda.synchronize()
        return (torch.cuda.max_memory_allocated() - before) / 2**20
    if not reset_peak():
        return math.nan
    before = peak_rss_kib()
    run()
    after = peak_rss_kib()
    return math.nan if before is None or after is None else (after - before) / 1024


def old_path(x: Any, threshold: float) -> Callable[[], Any]:
    """What a user of 0.1.0 would do: threshold (numpy, or torch on the tensor's device), copy
    the mask to the host as uint8, then compute on it (read in place)."""
    import musiceval

    def run() -> Any:
        if isinstance(x, np.ndarray):
            mask = (x > threshold).view(np.uint8)
        else:
            mask = (x > threshold).cpu().numpy().view(np.uint8)
        return musiceval.compute(mask, CORE)

    return run


def best_round_robin(tasks: dict[str, Callable[[], Any]], repeat: int, x: Any) -> dict[str, float]:
    best = dict.fromkeys(tasks, math.inf)
    for _ in range(repeat):
        for name, task in tasks.items():
            sync(x)
            start = time.perf_counter()
            task()
            sync(x)
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def floor_tasks(x_bool: np.ndarray, x_f32: np.ndarray) -> dict[str, Callable[[], Any]]:
    """Reading the bytes only: a parallel numba OR over the bool and the float32 roll's words."""
    from bench_metrics import or_words_kernel  # this script's folder is on sys.path

    or_words = or_words_kernel()
    bool_words = x_bool.reshape(len(x_bool), -1).view(np.uint64)
    float_words = x_f32.reshape(len(x_f32), -1).view(np.uint64)
    or_words(bool_words[:2])
    return {"bool": lambda: or_words(bool_words), "float32": lambda: or_words(float_words)}


@dataclass
class Row:
    label: str
    seconds: float
    bool_seconds: float
    old_seconds: float | None
    extra_mib: float
    old_extra_mib: float | None


def run_case(case: Case, base: np.ndarray, x_bool: np.ndarray, args: Any) -> Row | None:
    import musiceval

    if case.tensor == "cuda":
        import torch

        if not torch.cuda.is_available():
            return None
    x = tile(base, args.segments, case)
    options = {"threshold": case.threshold, "backend": case.backend}
    musiceval.compute(x[:70], CORE, **options)  # compiled and warm
    old = old_path(x, case.threshold)
    tasks = {
        "bool": lambda: musiceval.compute(x_bool, CORE),
        "new": lambda: musiceval.compute(x, CORE, **options),
        "old": old,
    }
    extra = extra_memory_mib(tasks["new"], x)  # first: see peak_rss_kib on freed memory
    old_extra = extra_memory_mib(old, x)
    best = best_round_robin(tasks, args.repeat, x)
    return Row(case.label, best["new"], best["bool"], best["old"], extra, old_extra)


def main(argv: list[str] | None = None) -> None:
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ and sys.platform == "linux":
        # glibc's adaptive mmap threshold keeps freed blocks of up to 32 MiB in the heap, so
        # the resident set would not fall after a call and the next peak would hide: fix it
        os.environ["MALLOC_MMAP_THRESHOLD_"] = str(1 << 17)
        os.execv(sys.executable, [sys.executable, *sys.argv])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=10000, help="segments (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="best of REPEAT (default 5)")
    parser.add_argument("--threads", type=int, default=None, help="numba threads (default all)")
    args = parser.parse_args(argv)

    import numba

    import musiceval
    from musiceval.datasets import load_chorales

    if args.threads is not None:
        numba.set_num_threads(args.threads)
    base = np.asarray(load_chorales(progress=False))
    x_bool = tile(base, args.segments, Case("bool", lambda b: b, np.bool_))
    musiceval.compute(x_bool[:70], CORE)
    mib = x_bool.nbytes / 2**20
    print(f"data     : {len(base)} chorale segments {base.shape[1:]} tiled to {args.segments}; "
          f"bool {mib:.0f} MiB, float32 {4 * mib:.0f} MiB")  # fmt: skip
    print(f"machine  : {platform.processor() or platform.machine()}, {os.cpu_count()} logical "
          f"cores, numba {numba.__version__} with {numba.get_num_threads()} threads, numpy "
          f"{np.__version__}, python {platform.python_version()}")  # fmt: skip
    print(f"command  : python {' '.join(sys.argv)}")
    load_before = os.getloadavg()[0]
    rows = [row for case in CASES if (row := run_case(case, base, x_bool, args)) is not None]
    bool_extra = extra_memory_mib(lambda: musiceval.compute(x_bool, CORE), x_bool)
    x_f32 = tile(base, args.segments, CASES[1])
    floor = best_round_robin(floor_tasks(x_bool, x_f32), args.repeat, x_f32)
    print(f"load     : {load_before:.2f} before, {os.getloadavg()[0]:.2f} after (1-minute)\n")
    print_table(rows, args.segments, bool_extra, floor)


def print_table(rows: list[Row], n: int, bool_extra: float, floor: dict[str, float]) -> None:
    def us(seconds: float) -> float:
        return seconds / n * 1e6

    bool_best = min(row.bool_seconds for row in rows)
    header = f"{'input (6 core metrics)':<34} {'us/seg':>7} {'x bool':>7} {'x 0.1.0':>8} "
    header += f"{'0.1.0 us':>9} {'MiB extra':>10} {'0.1.0 MiB':>10}"
    print(header)
    print("-" * len(header))
    print(f"{'bool (read in place)':<34} {us(bool_best):7.2f} {1:7.2f} {'':>8} {'':>9} "
          f"{bool_extra:10.1f}")  # fmt: skip
    for row in rows:
        old = "" if row.old_seconds is None else f"{us(row.old_seconds):9.2f}"
        ratio_old = "" if row.old_seconds is None else f"{row.seconds / row.old_seconds:8.2f}"
        old_mib = "" if row.old_extra_mib is None else f"{row.old_extra_mib:10.1f}"
        print(f"{row.label:<34} {us(row.seconds):7.2f} {row.seconds / row.bool_seconds:7.2f} "
              f"{ratio_old:>8} {old:>9} {row.extra_mib:10.1f} {old_mib:>10}")  # fmt: skip
    print()
    print(
        "x bool: against bool timed in the same rounds; x 0.1.0: against thresholding with "
        "numpy/torch, then compute on the uint8 mask"
    )
    print(f"memory floor (numba prange OR over the words, no other work): bool "
          f"{us(floor['bool']):.2f} us/seg, float32 {us(floor['float32']):.2f} us/seg")  # fmt: skip


if __name__ == "__main__":
    main()
