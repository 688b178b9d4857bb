"""Set distances and originality of four "generated" sets against the Bach chorales.

The chorales (music21's corpus, no download) are split by chorale: the first 80 % train, the
rest are held out. Against the training profile (with its bar index) the script compares

- the held-out chorales: real music the profile has not seen (the floor of every distance),
- a copy of training segments (originality must flag it: every bar occurs in the training set),
- that copy transposed up a whole tone (every bar occurs up to transposition),
- random notes: as many active cells per sample and voice, at random steps and pitches 36-83,

and prints each set-level number with its half-sampling interval (``docs/distances.md``) and the
originality numbers (``docs/originality.md``). Run from a clone after ``pip install -e ".[all]"``::

    python examples/compare_chorale_sets.py
"""

from __future__ import annotations

import argparse

import numpy as np

import musiceval
from musiceval.cli import positive_int
from musiceval.datasets import CHORALE_TRACKS, load_chorales

SHOWN = (
    "frechet_distance",
    "frechet_distance_infinity",
    "precision",
    "recall",
    "density",
    "coverage",
    "kid",
    "nearest_neighbour_ratio",
)


def random_notes(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """As many active cells per sample and voice as ``x``, at random steps and pitches 36-83."""
    out = np.zeros_like(x)
    n_active = x.sum(axis=(1, 2))
    for sample, track in np.ndindex(n_active.shape):
        cells = rng.choice(x.shape[1] * 48, size=n_active[sample, track], replace=False)
        out[sample, cells // 48, 36 + cells % 48, track] = True
    return out


def sets(seed: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The training segments and the four generated sets."""
    rolls, sources = load_chorales(return_sources=True, progress=False)
    chorales = np.unique(sources)
    train = np.isin(sources, chorales[: int(0.8 * len(chorales))])
    held = rolls[~train]
    rng = np.random.default_rng(seed)
    copy = rolls[train][np.sort(rng.choice(train.sum(), size=len(held), replace=False))]
    return rolls[train], {
        "held-out chorales": held,
        "copy of training": copy,
        "copy transposed +2": np.roll(copy, 2, axis=2),
        "random notes": random_notes(held, rng),
    }


def cell(frame, name: str) -> str:
    """``estimate [low, high]`` to 3 significant digits."""
    row = frame.loc[name]
    text = f"{row['estimate']:.3g}"
    if np.isfinite(row["low"]) or np.isfinite(row["high"]):
        text += f" [{row['low']:.3g}, {row['high']:.3g}]"
    return text


def main(argv: list[str] | None = None) -> None:
    """Profile the training chorales, compare the four sets, print two Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-boot", type=positive_int, default=200, help="replicates (200)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sets and intervals")
    args = parser.parse_args(argv)
    train, generated = sets(args.seed)
    profile = musiceval.profile(train, track_names=list(CHORALE_TRACKS), bar_index=True)
    print(f"training: {len(train)} segments; {profile.bar_index.n_bars} bars indexed\n")
    distances, originality = [], []
    for name, x in generated.items():
        report = musiceval.compare(x, profile, n_boot=args.n_boot, seed=args.seed)
        frame = report.set_distances().set_index("statistic")
        distances.append([f"{name} ({len(x)})", *(cell(frame, s) for s in SHOWN)])
        found = report.originality().set_index("statistic")
        originality.append([name, *(cell(found, s) for s in found.index)])
        columns = list(found.index)
    print("| set | " + " | ".join(SHOWN) + " |")
    print("|---" * (len(SHOWN) + 1) + "|")
    print("\n".join("| " + " | ".join(row) + " |" for row in distances))
    print("\n| set | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    print("\n".join("| " + " | ".join(row) + " |" for row in originality))


if __name__ == "__main__":
    main()
