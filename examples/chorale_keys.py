"""How often each key profile finds the key of a Bach chorale (why ``key="auto"`` uses one).

For every four-part chorale of music21's corpus (no download) whose last bass note is the tonic
of its key signature's major or minor key, that key is taken as the truth; the chorale's
duration-weighted pitch-class histogram (all four voices) goes to
:func:`musiceval.keyfinding.best_key_indices` with each profile, and the script prints how
often the key, the tonic and the mode are right. Chorales that end elsewhere (the Phrygian
ones, on the dominant) are left out.

Run from a clone after ``pip install -e ".[all]"``::

    python examples/chorale_keys.py              # all chorales (about a minute)
    python examples/chorale_keys.py --limit 40   # the first 40 only
"""

from __future__ import annotations

import argparse

import numpy as np

from musiceval.cli import positive_int
from musiceval.keyfinding import KEY_PROFILES, best_key_indices


def chorale_keys(limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pitch-class histograms ``(n, 12)`` (quarter notes per class) and true key indices
    ``(n,)`` (``t`` major, ``12 + t`` minor) of the qualifying chorales."""
    from music21 import corpus

    histograms, truth = [], []
    for score in corpus.chorales.Iterator():
        signatures = score.flatten().getElementsByClass("KeySignature")
        bass = score.parts[-1].flatten().notes if len(score.parts) == 4 else []
        if not signatures or not len(bass):
            continue
        last = bass[-1].pitches[0].pitchClass
        modes = [signatures[0].asKey(mode).tonic.pitchClass for mode in ("major", "minor")]
        if last not in modes:
            continue
        histogram = np.zeros(12)
        for note in score.flatten().notes:
            for pitch in note.pitches:
                histogram[pitch.pitchClass] += float(note.duration.quarterLength)
        histograms.append(histogram)
        truth.append(last + 12 * modes.index(last))
        if limit is not None and len(truth) == limit:
            break
    return np.array(histograms), np.array(truth)


def main(argv: list[str] | None = None) -> None:
    """Print the share of chorales whose key, tonic and mode each profile finds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=positive_int, default=None, metavar="N",
                        help="use only the first N qualifying chorales (default: all)")  # fmt: skip
    histograms, truth = chorale_keys(parser.parse_args(argv).limit)
    print(f"{len(truth)} chorales ending on the tonic of their key signature's key\n")
    print("| profile | key | tonic | mode |\n|---|---|---|---|")
    for profile in KEY_PROFILES:
        found = best_key_indices(histograms, profile)
        shares = [found == truth, found % 12 == truth % 12, found // 12 == truth // 12]
        print(f"| {profile} | " + " | ".join(f"{share.mean():.3f}" for share in shares) + " |")


if __name__ == "__main__":
    main()
