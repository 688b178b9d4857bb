"""Per-voice profile of Bach's chorales with the newer metrics: the reference a generator meets.

Reads the chorale segments of :func:`musiceval.datasets.load_chorales` (music21's corpus, no
download; cached after the first run), computes the scalar metrics added since musiceval 0.1 and
the vector-valued ones with :func:`musiceval.compute`, and prints one Markdown table: per voice
(soprano, alto, tenor, bass) the mean of every scalar over the segments, a summary of every
vector (its mean over the segments), and how often :func:`musiceval.keyfinding.find_key` gives
a voice the key of the four voices together.

Run from a clone after ``pip install -e ".[all]"``::

    python examples/chorale_features.py              # all chorales
    python examples/chorale_features.py --limit 20   # the first 20 only
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import musiceval
from musiceval.cli import positive_int
from musiceval.datasets import CHORALE_TRACKS, load_chorales
from musiceval.keyfinding import find_key
from musiceval.scales import key_name

STEPS_PER_BEAT = 4  # sixteenth-note resolution
SCALARS = ("ioi_mean", "ioi_std", "pitch_shift", "polyphony", "lowest_active_pitch",
           "highest_active_pitch")  # fmt: skip
VECTORS = ("pitch_class_histogram", "note_length_histogram", "ioi_histogram",
           "pitch_class_transition_matrix", "note_length_transition_matrix")  # fmt: skip
LENGTH_BINS = ("1", "2-3", "4-7", "8-15", "16-31", ">=32")  # note_length_transition_matrix


def top_classes(mean: np.ndarray) -> str:
    """The 3 largest bins of a mean pitch-class histogram, as ``C 0.21``."""
    return ", ".join(f"{key_name(int(c))} {mean[c]:.2f}" for c in np.argsort(-mean)[:3])


def top_steps(mean: np.ndarray) -> str:
    """The largest bin of a mean 32-bin step histogram: its length in steps and its fraction."""
    top = int(np.argmax(mean))
    return f"{top + 1}{'+' if top == 31 else ''} steps ({mean[top]:.2f})"


def top_cell(mean: np.ndarray, names) -> str:
    """The largest cell of a mean transition matrix, as ``a -> b (fraction)``."""
    a, b = np.unravel_index(int(np.argmax(mean)), mean.shape)
    return f"{names(a)} -> {names(b)} ({mean[a, b]:.3f})"


def key_agreement(rolls: np.ndarray) -> tuple[np.ndarray, float]:
    """Per voice, the fraction of segments where its key is that of the four voices together
    (voices laid one after the other in time, so that doubled notes count twice); and the
    fraction where soprano and bass have the same key."""
    n, steps, pitches, voices = rolls.shape
    together = rolls.transpose(0, 3, 1, 2).reshape(n, voices * steps, pitches, 1)
    full, alone = find_key(together), find_key(rolls)  # tonic (n, 1) and (n, voices)
    same = (alone.tonic == full.tonic) & (alone.mode == full.mode)
    bass_soprano = (alone.tonic[:, 0] == alone.tonic[:, 3]) & (alone.mode[:, 0] == alone.mode[:, 3])
    return same.mean(axis=0), float(bass_soprano.mean())


def table(rolls: np.ndarray) -> tuple[list[str], float]:
    """The Markdown table (one row per scalar metric or vector summary) and the fraction of
    segments whose soprano and bass have the same key."""
    values = musiceval.compute(rolls, [*SCALARS, *VECTORS])
    rows = [f"| {name} | " + " | ".join(f"{v:.2f}" for v in np.nanmean(values[name], axis=0)) + " |"
            for name in SCALARS]  # fmt: skip
    means = {name: np.nanmean(values[name], axis=0) for name in VECTORS}  # (voices, *shape)
    summaries = {
        "pitch_class_histogram: top 3": [top_classes(m) for m in means["pitch_class_histogram"]],
        "note_length_histogram: top": [top_steps(m) for m in means["note_length_histogram"]],
        "ioi_histogram: top": [top_steps(m) for m in means["ioi_histogram"]],
        "pitch_class_transition_matrix: top": [
            top_cell(m, lambda c: key_name(int(c))) for m in means["pitch_class_transition_matrix"]
        ],
        "note_length_transition_matrix: top": [
            top_cell(m, lambda b: LENGTH_BINS[b]) for m in means["note_length_transition_matrix"]
        ],
    }
    rows += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in summaries.items()]
    agreement, bass_soprano = key_agreement(rolls)
    rows.append(
        "| find_key = key of all voices | " + " | ".join(f"{a:.2f}" for a in agreement) + " |"
    )
    header = "| metric (mean over segments) | " + " | ".join(CHORALE_TRACKS) + " |"
    return [header, "|---" * (len(CHORALE_TRACKS) + 1) + "|", *rows], bass_soprano


def main(argv: list[str] | None = None) -> None:
    """Load the chorales, compute the metrics, print the per-voice Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=positive_int, default=None, metavar="N",
                        help="use only the first N qualifying chorales (default: all)")  # fmt: skip
    parser.add_argument("--cache-dir", default=None, help="cache directory of load_chorales")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    rolls = load_chorales(steps_per_beat=STEPS_PER_BEAT, limit=args.limit,
                          cache_dir=args.cache_dir, progress=False)  # fmt: skip
    print(f"{len(rolls)} segments of 4 bars, {STEPS_PER_BEAT} steps per beat\n")
    if len(rolls):
        lines, bass_soprano = table(rolls)
        print("\n".join(lines))
        print(f"\nSoprano and bass in the same key (find_key): {bass_soprano:.2f}")
    print(f"\n({time.perf_counter() - start:.1f} s; pitch classes C = 0; step bins in steps)")


if __name__ == "__main__":
    main()
