"""Bars of a MIDI file from its time signatures, and segments cut at bar lines.

A beat is a quarter note (``steps_per_beat`` steps), whatever the signature says: a bar of
``n/d`` lasts ``4 * n / d`` quarter notes, so at 4 steps per beat 3/4 and 6/8 bars are 12
steps and 4/4 and 2/2 bars are 16. A file with no time signature is in 4/4 (the MIDI default),
and so is the part of a file before its first one.

**Bar lines.** Bars start at the file's first tick and follow the time signature in effect; a
time signature that changes the metre starts a new bar at its tick (one that repeats the
metre in effect changes nothing), so a bar it interrupts is cut short. Bar lines fall on
steps as note boundaries do (rounded to the nearest step, half a step up). A pickup bar
(anacrusis) cannot be told from MIDI alone: a file that starts with one is counted from its
first tick, its bar lines shifted by the pickup's length.

**Segments** (:func:`segment_starts`) are ``n_bars`` consecutive bars of exactly
``steps_per_bar`` steps; bars of another length, a bar cut short included, are skipped and
counted (:class:`MetreSkip`), and a run of fitting bars shorter than a segment is dropped,
as 0.1.0 dropped the remainder after its last segment. Bars are compared by length in steps,
not by signature: with ``steps_per_bar=12`` a run of 3/4 bars goes on through a change to 6/8.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, TypeAlias

import numpy as np

__all__ = [
    "Metre",
    "MetreSkip",
    "TimeSignature",
    "bar_runs",
    "segment_starts",
    "signatures_in_effect",
    "time_signatures",
]

Metre: TypeAlias = Literal["file", "ignore"]
"""How MIDI files are cut into bars: ``"file"`` follows their time signatures, ``"ignore"``
cuts ``steps_per_bar``-step bars from the first tick as musiceval 0.1.0 did."""


@dataclass(frozen=True)
class TimeSignature:
    """A time-signature event of a MIDI file, as the file states it."""

    numerator: int
    """Beats of the signature per bar (the 3 of 3/4)."""
    denominator: int
    """The note value of those beats, a power of two (the 4 of 3/4)."""
    tick: int
    """Where it takes effect, in MIDI ticks from the start."""

    @property
    def bar_quarters(self) -> Fraction:
        """The length of its bar in quarter notes: ``4 * numerator / denominator``."""
        return Fraction(4 * self.numerator, self.denominator)

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


FOUR_FOUR = TimeSignature(4, 4, 0)


def time_signatures(rows: np.ndarray) -> tuple[TimeSignature, ...]:
    """The time signatures of ``read_smf``'s rows ``(tick, numerator, denominator power)`` in
    tick order (at one tick, in file order), leaving out those of numerator 0 (no bar)."""
    order = np.argsort(rows[:, 0], kind="stable")
    return tuple(
        TimeSignature(int(numerator), 2 ** int(power), int(tick))
        for tick, numerator, power in rows[order]
        if numerator > 0
    )


def signatures_in_effect(signatures: Sequence[TimeSignature]) -> list[TimeSignature]:
    """The changes of metre: 4/4 from tick 0 unless a signature starts there, then every
    signature that changes the one in effect (at one tick the last stated counts)."""
    changes = [FOUR_FOUR]
    for signature in signatures:
        if signature.tick == changes[-1].tick:
            changes[-1] = signature
        else:
            changes.append(signature)
    kept = [changes[0]]
    for signature in changes[1:]:
        if str(signature) != str(kept[-1]):
            kept.append(signature)
    return kept


@dataclass(frozen=True)
class MetreSkip:
    """The bars of one file that are not ``steps_per_bar`` steps long, by signature."""

    counts: tuple[tuple[str, Fraction, int], ...]
    """``(signature, bar length in steps, bars skipped)`` per signature that gave such bars
    (``"3/4"``; a bar cut short by a change counts as one of its signature)."""
    n_bars: int
    """Bars of the file in all, fitting or not."""

    @property
    def n_skipped(self) -> int:
        """Bars skipped for their length."""
        return sum(count for _, _, count in self.counts)

    def describe(self, steps_per_bar: int) -> str:
        """What was skipped, in words: ``"bars not 16 steps long: 176 of 176 (3/4: 176 bars of
        12 steps)"``."""
        parts = [
            f"{name}: {_bars(count)} of {_steps(length)}" for name, length, count in self.counts
        ]
        return (
            f"bars not {steps_per_bar} steps long: {self.n_skipped} of {self.n_bars} "
            f"({', '.join(parts)})"
        )

    def usual_length(self) -> int | None:
        """The bar length in steps of most skipped bars, if it is a whole number of steps."""
        length, _ = max(((length, count) for _, length, count in self.counts), key=lambda x: x[1])
        return int(length) if length.denominator == 1 else None


def _bars(count: int) -> str:
    return f"{count} bar{'s' if count != 1 else ''}"


def _steps(length: Fraction) -> str:
    text = str(length.numerator) if length.denominator == 1 else f"{float(length):.4g}"
    return f"{text} steps"


def bar_runs(
    signatures: Sequence[TimeSignature],
    ticks_per_beat: int,
    steps_per_beat: int,
    n_steps: int,
    steps_per_bar: int,
) -> tuple[list[tuple[int, int]], MetreSkip]:
    """The runs of consecutive bars of ``steps_per_bar`` steps in a roll of ``n_steps``:
    ``(first step, bars)`` each, and what was skipped.

    The bars that begin before ``n_steps`` count. A fitting bar that the roll ends inside (the
    last note ends before its bar line) is dropped as 0.1.0 dropped the remainder: neither in a
    run nor skipped.
    """
    changes = signatures_in_effect(signatures)
    starts = [Fraction(change.tick * steps_per_beat, ticks_per_beat) for change in changes]
    starts = [start for start in starts if start < n_steps] + [Fraction(n_steps)]
    runs: list[tuple[int, int]] = []
    skipped: dict[str, list] = {}
    n_bars = 0
    for index, start in enumerate(starts[:-1]):
        signature, end = changes[index], starts[index + 1]
        length = signature.bar_quarters * steps_per_beat
        begun = -(-(end - start) // length)
        n_bars += begun
        short = 0
        if length == steps_per_bar:
            first = int(start + Fraction(1, 2))  # rounded as note boundaries are
            last = index + 2 == len(starts)
            full = (n_steps - first) // steps_per_bar if last else (end - start) // length
            _add_run(runs, first, int(full), steps_per_bar)
            short = 0 if last else begun - full  # a bar cut short by the change
        if length != steps_per_bar or short:
            entry = skipped.setdefault(str(signature), [length, 0])
            entry[1] += begun if length != steps_per_bar else short
    counts = tuple((name, length, int(count)) for name, (length, count) in skipped.items())
    return runs, MetreSkip(counts, int(n_bars))


def _add_run(runs: list[tuple[int, int]], first: int, count: int, steps_per_bar: int) -> None:
    """Append a run of bars, joining it to the previous one when it goes on from it."""
    if count <= 0:
        return
    if runs and runs[-1][0] + runs[-1][1] * steps_per_bar == first:
        runs[-1] = (runs[-1][0], runs[-1][1] + count)
    else:
        runs.append((first, count))


def segment_starts(runs: Sequence[tuple[int, int]], n_bars: int, steps_per_bar: int) -> np.ndarray:
    """The first step of every segment of ``n_bars`` bars the runs hold, each run cut from its
    start (a remainder shorter than a segment is dropped)."""
    starts = [
        first + segment * n_bars * steps_per_bar
        for first, count in runs
        for segment in range(count // n_bars)
    ]
    return np.asarray(starts, dtype=np.int64)
