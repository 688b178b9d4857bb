"""Metric profile of Bach's four-part chorales: the reference numbers a generator is compared to.

Builds bool piano rolls of the chorales bundled with music21 (no download; cached after the first
run, see :func:`musiceval.datasets.load_chorales`), evaluates every per-track metric with
:func:`musiceval.evaluate` and prints the mean of each metric per voice.

Run from a clone after ``pip install -e ".[all]"``::

    python examples/evaluate_chorales.py              # all chorales
    python examples/evaluate_chorales.py --limit 20   # the first 20 only
"""

from __future__ import annotations

import argparse
import time

import musiceval
from musiceval.cli import positive_int
from musiceval.datasets import CHORALE_TRACKS, load_chorales
from musiceval.scales import key_name

STEPS_PER_BEAT = 4  # sixteenth-note resolution
STEPS_PER_BAR = 4 * STEPS_PER_BEAT  # 4/4


def main(argv: list[str] | None = None) -> None:
    """Build (or load) the chorales, evaluate them, print the per-voice metric means."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--limit",
        type=positive_int,
        default=None,
        metavar="N",
        help="use only the first N qualifying chorales (default: all of them)",
    )
    parser.add_argument(
        "--n-bars", type=positive_int, default=4, metavar="B", help="bars per segment (default 4)"
    )
    parser.add_argument(
        "--cache-dir",
        default=None,
        help="cache directory (default: $MUSICEVAL_CACHE_DIR, else ~/.cache/musiceval)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    rolls, sources = load_chorales(
        n_bars=args.n_bars,
        steps_per_beat=STEPS_PER_BEAT,
        limit=args.limit,
        cache_dir=args.cache_dir,
        progress=not args.no_progress,
        return_sources=True,
    )
    build_s = time.perf_counter() - start
    n_chorales = len(set(sources.tolist()))
    print(
        f"{len(rolls)} segments of {args.n_bars} bars from {n_chorales} chorales: "
        f"{rolls.dtype} array of shape {rolls.shape}"
    )
    if len(rolls) == 0:
        print("nothing to evaluate")
        return

    start = time.perf_counter()
    table = musiceval.evaluate(rolls, steps_per_bar=STEPS_PER_BAR, steps_per_beat=STEPS_PER_BEAT)
    evaluate_s = time.perf_counter() - start

    metrics = table["metric"].unique()  # in evaluate's order
    profile = (
        table.groupby(["metric", "track"])["value"]
        .mean()  # NaN (undefined, e.g. on an empty voice) is skipped
        .unstack("track")
        .reindex(metrics)
        .rename(columns=dict(enumerate(CHORALE_TRACKS)))
    )
    keys = table[table["metric"] == "best_key"].dropna().groupby("track")["value"]
    profile = profile.drop(index="best_key")  # a mean of pitch classes means nothing
    profile.index.name = None
    profile.columns.name = None
    common_keys = {
        CHORALE_TRACKS[track]: key_name(int(values.mode().iloc[0])) for track, values in keys
    }

    print(f"\nMean per voice over {len(rolls)} segments:\n")
    print(profile.to_string(float_format=lambda v: f"{v:9.3f}"))
    print("most common best_key (major): " + ", ".join(f"{k} {v}" for k, v in common_keys.items()))
    print(
        f"\nbuild (or cache load): {build_s:.2f} s; evaluation of {len(metrics)} metrics: "
        f"{evaluate_s:.2f} s (the first run includes numba's one-off compilation)"
    )


if __name__ == "__main__":
    main()
