"""What originality against the training set costs: the bar index at 10**6 training bars.

A script, not a test. In one run it measures:

(a) ``BarIndex`` of ``--bars`` training bars (default 10**6: 250,000 synthetic four-voice
    pieces of 4 bars x 16 steps x 128 pitches, one note per voice per beat in the chorales'
    voice ranges, about as dense as the chorales: 64 active cells a bar): the build time per
    bar (the batches are made outside the timer), the size of its arrays and the growth of
    the process's peak resident set.
(b) Look-ups: ``bar_match_rate`` (exact and up to transposition) and ``longest_copied_run``
    of ``--generated`` bars, half of them copied from the training set: microseconds per
    generated bar, hashing included, and the search alone (``np.searchsorted`` of the hashes
    in the index).
(c) What a user would otherwise write: a Python ``set`` of the bytes of every bar, bit-packed
    (``np.packbits``, 256 bytes a bar; unpacked would be 8 KB), built and queried on the first
    ``--set-bars`` training bars (default 10**5; at 10**6 it needs gigabytes): seconds per bar
    and bytes per bar of both, and their ratio. It answers only the exact merged question.
(d) ``nearest_neighbour_distance`` of ``--nn-generated`` samples against ``--nn-training``
    samples (sparse intersections), against a brute-force numpy loop (boolean AND and OR of
    the generated sample with every training sample) on its first 20 samples.

Real corpora for scale: the Bach chorales hold about 3,200 bars (802 segments of 4 bars);
the Lakh MIDI dataset about 176,000 files, some 10**7 bars.

Times are CPU seconds of this process (``time.process_time``): the work is single-threaded
numpy and scipy, so on an idle machine they are the wall time, and on a shared machine they are
not inflated by other processes. Set ``OMP_NUM_THREADS=1`` to keep it so.

Run from the repository root::

    python benchmarks/bench_originality.py                   # 10**6 training bars
    python benchmarks/bench_originality.py --bars 200000     # quicker
"""

from __future__ import annotations

import argparse
import platform
import resource
import time
from collections.abc import Iterator

import numpy as np

from musiceval.originality import (
    BarIndex,
    bar_match_rate,
    longest_copied_run,
    nearest_neighbour_distance,
)

RANGES = [(60, 81), (55, 74), (48, 67), (40, 60)]  # soprano, alto, tenor, bass (MIDI)
BARS, STEPS, BEAT = 4, 64, 4  # bars a piece, steps a piece, steps a beat
PIECES_PER_BATCH = 2_500


def pieces(n: int, seed: int) -> np.ndarray:
    """``n`` synthetic four-voice pieces ``(n, 64, 128, 4)`` bool: one note per voice a beat."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, STEPS, 128, 4), bool)
    beats = STEPS // BEAT
    for voice, (low, high) in enumerate(RANGES):
        pitch = rng.integers(low, high + 1, size=(n, beats))
        for step in range(BEAT):
            x[np.arange(n)[:, None], np.arange(beats) * BEAT + step, pitch, voice] = True
    return x


def batches(n_pieces: int) -> Iterator[np.ndarray]:
    """``n_pieces`` training pieces, a batch of 2,500 at a time (the same for every caller)."""
    for start in range(0, n_pieces, PIECES_PER_BATCH):
        yield pieces(PIECES_PER_BATCH, seed=start)[: n_pieces - start]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_index(n_bars: int) -> tuple[BarIndex, dict[str, float]]:
    """(a): the index of ``n_bars`` synthetic training bars, timed batch by batch."""
    before = peak_rss_mb()
    index, seconds = None, 0.0
    for batch in batches(n_bars // BARS):
        started = time.process_time()
        if index is None:
            index = BarIndex.build(batch)
        else:
            index.add(batch)
        seconds += time.process_time() - started
    assert index is not None
    started = time.process_time()
    lookups = index._lookups()  # sorted on the first query; timed here, not in (b)
    sort_seconds = time.process_time() - started
    rows = sum(array.nbytes for array in index._rows().values())
    sorted_bytes = sum(array.nbytes for array in vars(lookups).values())
    return index, {
        "build_s": seconds + sort_seconds,
        "sort_s": sort_seconds,
        "rows_mb": rows / 2**20,
        "sorted_mb": sorted_bytes / 2**20,
        "rss_growth_mb": peak_rss_mb() - before,
    }


def generated_set(n_bars: int, index_pieces: int) -> np.ndarray:
    """``n_bars`` generated bars: the first half copied from training pieces, the rest new."""
    n = n_bars // BARS
    copied = np.concatenate(list(batches(min(n // 2, index_pieces))))  # training's first pieces
    return np.concatenate([copied, pieces(n - len(copied), seed=10**9)])


def lookups(index: BarIndex, generated: np.ndarray, repeat: int) -> list[tuple[str, float]]:
    """(b): microseconds per generated bar of each public call and of the search alone."""
    from musiceval import _bar_index

    n_bars = generated.shape[0] * BARS
    rows = []
    calls = [
        ("bar_match_rate, exact", lambda: bar_match_rate(generated, index)),
        ("bar_match_rate, transposition", lambda: bar_match_rate(generated, index,
                                                                 transposition=True)),
        ("longest_copied_run, exact", lambda: longest_copied_run(generated, index)),
        ("longest_copied_run, transposition", lambda: longest_copied_run(generated, index,
                                                                         transposition=True)),
    ]  # fmt: skip
    hashes = _bar_index.hash_roll(generated, index.steps_per_bar, index._table)
    exact, queries = index._lookups().merged_exact, hashes.merged_exact
    calls.append(("search alone (merged, exact)", lambda: _bar_index.contains(exact, queries)))
    for label, call in calls:
        best = min(_seconds(call) for _ in range(repeat))
        rows.append((label, best / n_bars * 1e6))
    result = bar_match_rate(generated, index)["set_merged"]
    rows.append(("(check: set-level merged rate, 0.5 expected)", result))
    return rows


def _seconds(call) -> float:
    started = time.process_time()
    call()
    return time.process_time() - started


def python_set(n_bars: int, generated: np.ndarray) -> dict[str, float]:
    """(c): a set of the packed bytes of the first ``n_bars`` training bars, and its look-ups,
    against a BarIndex of the same bars (the batches are made outside both timers)."""
    known: set[bytes] = set()
    index = None
    set_s = index_s = 0.0
    before = peak_rss_mb()
    for batch in batches(n_bars // BARS):
        started = time.process_time()
        packed = np.packbits(batch.reshape(-1, STEPS // BARS, 128, 4), axis=2)
        known.update(bar.tobytes() for bar in packed)
        set_s += time.process_time() - started
        started = time.process_time()
        index = BarIndex.build(batch) if index is None else index.add(batch)
        index_s += time.process_time() - started
    assert index is not None
    both_rss = peak_rss_mb() - before
    started = time.process_time()
    index._lookups()
    index_s += time.process_time() - started
    started = time.process_time()
    packed = np.packbits(generated.reshape(-1, STEPS // BARS, 128, 4), axis=2)
    hits = [bar.tobytes() in known for bar in packed]
    set_query = time.process_time() - started
    started = time.process_time()
    rate = bar_match_rate(generated, index)["set_merged"]
    index_query = time.process_time() - started
    assert np.isclose(rate, np.mean(hits))
    n = len(packed)
    return {
        "bars": n_bars, "set_build_us": set_s / n_bars * 1e6, "set_query_us": set_query / n * 1e6,
        "index_build_us": index_s / n_bars * 1e6, "index_query_us": index_query / n * 1e6,
        "rss_mb": both_rss, "hit_rate": float(np.mean(hits)),
        "set_bytes": _set_bytes(known) / n_bars,
    }  # fmt: skip


def _set_bytes(known: set[bytes]) -> float:
    """The memory of a set of bytes: the table and every key object."""
    import sys

    return sys.getsizeof(known) + sum(sys.getsizeof(key) for key in known)


def neighbours(n_generated: int, n_training: int) -> dict[str, float]:
    """(d): sparse nearest neighbours against a brute-force loop over the first 20 samples."""
    training = pieces(n_training, seed=1)
    generated = pieces(n_generated, seed=2)
    started = time.process_time()
    fast = nearest_neighbour_distance(generated, training)
    sparse_s = time.process_time() - started
    started = time.process_time()
    brute = []
    for sample in generated[:20]:
        both = (training & sample).sum(axis=(1, 2, 3))
        either = (training | sample).sum(axis=(1, 2, 3))
        brute.append((1 - both / either).min())
    brute_s = (time.process_time() - started) / 20 * n_generated
    assert np.allclose(brute, fast[:20])
    return {"sparse_s": sparse_s, "brute_s": brute_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bars", type=int, default=1_000_000, help="training bars (10**6)")
    parser.add_argument("--generated", type=int, default=40_000, help="generated bars (40000)")
    parser.add_argument("--set-bars", type=int, default=100_000, help="bars of (c) (10**5)")
    parser.add_argument("--nn-generated", type=int, default=500, help="(d) generated (500)")
    parser.add_argument("--nn-training", type=int, default=5_000, help="(d) training (5000)")
    parser.add_argument("--repeat", type=int, default=3, help="best of (3)")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, numpy {np.__version__}, "
          f"python {platform.python_version()}")  # fmt: skip
    index, build = build_index(args.bars)
    print(f"\n(a) BarIndex of {index.n_bars:,} bars ({index.n_pieces:,} pieces)")
    per_bar_us = build["build_s"] / index.n_bars * 1e6
    print(f"  build {build['build_s']:.1f} s = {per_bar_us:.1f} us a bar (sorting "
          f"{build['sort_s']:.2f} s); arrays {build['rows_mb']:.0f} MB rows + "
          f"{build['sorted_mb']:.0f} MB sorted")  # fmt: skip
    print(f"  peak RSS growth {build['rss_growth_mb']:.0f} MB (with the batch being hashed)")
    per_bar = (build["rows_mb"] + build["sorted_mb"]) * 2**20 / index.n_bars
    generated = generated_set(args.generated, index.n_pieces)
    print(f"\n(b) look-ups of {generated.shape[0] * BARS:,} generated bars, best of {args.repeat}")
    for label, value in lookups(index, generated, args.repeat):
        print(f"  {label:<45} {value:8.2f}" + (" us a bar" if "check" not in label else ""))
    del index
    row = python_set(args.set_bars, generated)
    print(f"\n(c) Python set of packed bar bytes vs BarIndex, {row['bars']:,} training bars")
    print(f"  build: set {row['set_build_us']:.2f} us a bar, index {row['index_build_us']:.2f} "
          f"us a bar (ratio {row['set_build_us'] / row['index_build_us']:.1f}x)")  # fmt: skip
    print(f"  query: set {row['set_query_us']:.2f} us a bar, index {row['index_query_us']:.2f} "
          f"us a bar (ratio {row['set_query_us'] / row['index_query_us']:.1f}x)")  # fmt: skip
    print(f"  memory: set {row['set_bytes']:.0f} bytes a bar (table and keys), index "
          f"{per_bar:.0f} bytes a bar (ratio {row['set_bytes'] / per_bar:.1f}x); same hit "
          f"rate {row['hit_rate']:.3f}")  # fmt: skip
    nn = neighbours(args.nn_generated, args.nn_training)
    print(f"\n(d) nearest_neighbour_distance, {args.nn_generated} x {args.nn_training} samples "
          f"(64, 128, 4): sparse {nn['sparse_s']:.2f} s, brute force {nn['brute_s']:.1f} s "
          f"(estimated from 20 samples), ratio {nn['brute_s'] / nn['sparse_s']:.0f}x")  # fmt: skip


if __name__ == "__main__":
    main()
