"""Sufficient statistics of a roll, gathered by one kernel pass.

:func:`gather` prepares a validated :class:`~musiceval.rolls.Roll` for the kernel (a flat
``uint8`` row per time step, padded to whole 64-bit words), allocates the outputs and runs
:func:`musiceval._engine.kernels.roll_statistics`; :func:`gather_raw` does the same for a
:class:`~musiceval.rolls.RawRoll`, thresholded inside the kernel (``raw.host_chunks``), and
``torch_stats.gather_torch`` computes the same statistics with torch on a tensor's device.
Every metric is then a small numpy reduction of a :class:`RollStats` (see ``reducers``), so any
set of metrics costs one pass over the data.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections import namedtuple
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from musiceval._engine.raw import host_chunks
from musiceval.rolls import RawRoll, Roll

__all__ = [
    "N_LENGTH_BINS",
    "N_LENGTH_OCTAVES",
    "IntervalStats",
    "Needs",
    "RollStats",
    "gather",
    "gather_raw",
    "light_pass",
    "one_task_one_thread",
]

_CHUNK = 64  # samples per parallel task of the kernel
_SERIAL_CELLS = 1 << 18  # (sample, step, track) cells a light kernel reduces on one thread
N_LENGTH_BINS = 32
"""Bins of the note-length histogram: lengths 1 to 31 steps, then 32 steps or more."""
N_LENGTH_OCTAVES = 6
"""Bins of the note-length transition matrix: lengths 1, 2-3, 4-7, 8-15, 16-31 and >= 32 steps
(bin ``b < 5``: ``2**b`` to ``2**(b + 1) - 1`` steps)."""


@contextlib.contextmanager
def one_task_one_thread(n_samples: int) -> Iterator[None]:
    """Run the kernels of a batch that is one parallel task (at most ``_CHUNK`` samples) on
    the calling thread alone: waking numba's thread pool costs more than the pass, and when a
    training loop's threads hold the cores it took 35-40 ms instead of 2.5 ms per call of 64
    samples (measured on 2 cores between torch matrix products)."""
    with _one_thread(n_samples <= _CHUNK):
        yield


@contextlib.contextmanager
def light_pass(n_cells: int) -> Iterator[None]:
    """Run a light kernel over ``n_cells`` per-step statistics (the transitions and
    inter-onset intervals: a few nanoseconds a cell) on the calling thread alone when there
    are at most ``_SERIAL_CELLS``: under 1 ms that way, where each wake of numba's thread pool
    cost 4-12 ms on 2 cores that other processes held (measured at a load average of 5)."""
    with _one_thread(n_cells <= _SERIAL_CELLS):
        yield


@contextlib.contextmanager
def _one_thread(alone: bool) -> Iterator[None]:
    if not alone:
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(before)


IntervalStats = namedtuple("IntervalStats", ["count", "total", "squares", "histogram", "shifts"])
"""The inter-onset intervals of each sample and track (see :attr:`RollStats.intervals`): int64
``count``, ``total`` and ``squares`` (their number, sum and sum of squares) ``(n, n_tracks)``,
``histogram`` ``(n, n_tracks, N_LENGTH_BINS)``, and float64 ``shifts`` ``(n, n_tracks)``, the
summed absolute differences of the mean pitches of consecutive onset steps (0 where
``onset_pitches`` was not gathered)."""


@dataclass(frozen=True)
class RollStats:
    """Per-(sample, track) statistics (see ``_kernels.roll_statistics``), int32 arrays.

    ``n_notes``, ``qualified`` (notes >= min_steps long), ``poly_steps`` (steps with >=
    min_pitches sounding pitches), ``n_pitches`` (distinct pitches), ``lowest``/``highest``
    (sounding pitch indices, meaningless where ``n_notes`` is 0), ``sounding`` (steps with at
    least one sounding pitch) have shape ``(n_samples, n_tracks)``; ``pc_cells``
    ``(n_samples, 12, n_tracks)``. The optional ``pc_notes``, ``cell_hist``/``note_hist``,
    ``bar_active``, ``onsets``, ``beat_chroma``, ``onset_classes`` (uint16), ``length_hist``
    (``(n_samples, N_LENGTH_BINS, n_tracks)``), ``onset_pitches`` (the sum of the pitch
    indices starting at each step) and ``onset_octaves`` (uint32, bit ``b`` when a note of
    ``2**b`` to ``2**(b + 1) - 1`` steps starts at the step) are ``None`` when not gathered.
    ``lowest_pitch``: the MIDI number of pitch index 0 of the roll; ``rows_per_sample``: how
    many consecutive rows make one sample (its bars, when the statistics are per bar).
    """

    n_steps: int
    steps_per_bar: int | None
    steps_per_beat: int | None
    n_notes: np.ndarray
    qualified: np.ndarray
    poly_steps: np.ndarray
    n_pitches: np.ndarray
    lowest: np.ndarray
    highest: np.ndarray
    sounding: np.ndarray
    pc_cells: np.ndarray
    pc_notes: np.ndarray | None
    cell_hist: np.ndarray | None
    note_hist: np.ndarray | None
    bar_active: np.ndarray | None
    onsets: np.ndarray | None
    beat_chroma: np.ndarray | None
    onset_classes: np.ndarray | None
    length_hist: np.ndarray | None
    onset_pitches: np.ndarray | None
    onset_octaves: np.ndarray | None
    lowest_pitch: int = 0
    rows_per_sample: int = 1

    def needed(self, name: str) -> np.ndarray:
        """The optional statistic ``name``, which the metric being reduced needs.

        Raises RuntimeError when the pass did not gather it: the metric's registry entry lacks
        it in ``needs`` (a bug of musiceval, never of the caller).
        """
        value = getattr(self, name)
        if value is None:
            raise RuntimeError(f"{name!r} was not gathered: add it to the metric's needs")
        return value

    @functools.cached_property
    def intervals(self) -> IntervalStats:
        """:class:`IntervalStats` from ``onsets`` (and ``onset_pitches``, when gathered),
        computed once (``transitions.onset_intervals``): an onset step is a step where at least
        one note starts, an interval the gap between consecutive onset steps of a track."""
        from musiceval._engine.transitions import onset_intervals

        onsets = np.ascontiguousarray(self.needed("onsets"))
        n, _, k = onsets.shape
        pitches = self.onset_pitches
        summed = np.zeros((n, 0, k), onsets.dtype) if pitches is None else pitches
        moments = np.zeros((n, k, 3), np.int64)
        histogram = np.zeros((n, k, N_LENGTH_BINS), np.int64)
        shifts = np.zeros((n, k))
        with light_pass(onsets.size):
            onset_intervals(onsets, np.ascontiguousarray(summed), moments, histogram, shifts)
        return IntervalStats(moments[..., 0], moments[..., 1], moments[..., 2], histogram, shifts)

    def bar_length(self) -> int:
        """Steps per bar of the gathered ``bar_active`` (see :meth:`needed`)."""
        if self.steps_per_bar is None:
            raise RuntimeError("bars were not gathered: add 'bars' to the metric's needs")
        return self.steps_per_bar


@dataclass(frozen=True)
class Needs:
    """What one pass gathers (see :func:`gather`): the note length of ``qualified``, the pitches
    of ``poly_steps``, and the optional statistics: ``steps_per_bar`` (must divide ``n_steps``)
    which bars are active, ``steps_per_beat`` (must divide ``n_steps``) the pitch-class content
    of each beat, ``onsets`` the notes starting at each step, ``pitches`` the per-pitch
    histograms, ``notes`` the notes per pitch class (``weight="notes"``), ``onset_classes`` the
    pitch classes starting at each step, ``lengths`` the notes per length, ``onset_pitches``
    the sum of the pitch indices starting at each step, ``onset_octaves`` the length octaves
    of the notes starting at each step."""

    min_steps: int = 1
    min_pitches: int = 1
    steps_per_bar: int | None = None
    steps_per_beat: int | None = None
    onsets: bool = False
    pitches: bool = False
    notes: bool = False
    onset_classes: bool = False
    lengths: bool = False
    onset_pitches: bool = False
    onset_octaves: bool = False

    def stats(self, n_steps: int, statistics: dict[str, Any], lowest_pitch: int) -> RollStats:
        """:class:`RollStats` from the arrays named as its fields, the optional ones that were
        not asked for left out (``None``), of a roll whose pitch index 0 is ``lowest_pitch``."""
        asked = {
            "pc_notes": self.notes,
            "cell_hist": self.pitches,
            "note_hist": self.pitches,
            "bar_active": bool(self.steps_per_bar),
            "onsets": self.onsets,
            "beat_chroma": bool(self.steps_per_beat),
            "onset_classes": self.onset_classes,
            "length_hist": self.lengths,
            "onset_pitches": self.onset_pitches,
            "onset_octaves": self.onset_octaves,
        }
        chosen: dict[str, Any] = {
            name: value if asked.get(name, True) else None for name, value in statistics.items()
        }
        return RollStats(
            n_steps, self.steps_per_bar, self.steps_per_beat, **chosen, lowest_pitch=lowest_pitch
        )


def _words(cells: np.ndarray) -> np.ndarray:
    """The roll as ``(n_samples, n_steps, n_words)`` uint64, each word 8 cells of a step."""
    n_samples, n_steps, n_pitches, n_tracks = cells.shape
    n_cells = n_pitches * n_tracks
    rows = cells.reshape(n_samples, n_steps, n_cells)
    n_bytes = -(-n_cells // 8) * 8
    if n_bytes != n_cells or rows.ctypes.data % 8:
        padded = np.zeros((n_samples, n_steps, n_bytes), np.uint8)
        padded[:, :, :n_cells] = rows
        rows = padded
    return rows.view(np.uint64)


def _outputs(shape: tuple[int, ...], needs: Needs) -> Any:
    """The kernel's zeroed :class:`~musiceval._engine.kernels.Outputs` for a roll of ``shape``."""
    from musiceval._engine import kernels

    n, t, p, k = shape
    counts = np.zeros((n, kernels.COUNT_SLOTS, k), np.int32)
    counts[:, kernels.LOWEST] = p
    counts[:, kernels.HIGHEST] = -1
    hist_shape = (n, p if needs.pitches else 0, k)
    bar, beat = needs.steps_per_bar, needs.steps_per_beat
    return kernels.Outputs(
        counts=counts,
        pc_cells=np.zeros((n, 12, k), np.int32),
        pc_notes=np.zeros((n, 12 if needs.notes else 0, k), np.int32),
        cell_hist=np.zeros(hist_shape, np.int32),
        note_hist=np.zeros(hist_shape, np.int32),
        bar_active=np.zeros((n, t // bar if bar else 0, k), np.uint8),
        onsets=np.zeros((n, t if needs.onsets else 0, k), np.int32),
        beat_chroma=np.zeros((n, t // beat if beat else 0, 12, k), np.int32),
        onset_classes=np.zeros((n, t if needs.onset_classes else 0, k), np.uint16),
        length_hist=np.zeros((n, N_LENGTH_BINS if needs.lengths else 0, k), np.int32),
        onset_pitches=np.zeros((n, t if needs.onset_pitches else 0, k), np.int32),
        onset_octaves=np.zeros((n, t if needs.onset_octaves else 0, k), np.uint32),
    )


def _options(needs: Needs) -> Any:
    from musiceval._engine import kernels

    return kernels.Options(
        min_steps=needs.min_steps,
        min_pitches=needs.min_pitches,
        steps_per_bar=needs.steps_per_bar or 1,
        steps_per_beat=needs.steps_per_beat or 1,
        chunk=_CHUNK,
        big_endian=sys.byteorder == "big",
    )


def _stats(out: Any, n_steps: int, needs: Needs, lowest_pitch: int) -> RollStats:
    from musiceval._engine import kernels

    counts = out.counts
    slots = {
        "n_notes": kernels.N_NOTES,
        "qualified": kernels.QUALIFIED,
        "poly_steps": kernels.POLY_STEPS,
        "n_pitches": kernels.N_PITCHES,
        "lowest": kernels.LOWEST,
        "highest": kernels.HIGHEST,
        "sounding": kernels.SOUNDING,
    }
    statistics = {name: counts[:, slot] for name, slot in slots.items()}
    statistics.update(out._asdict())
    del statistics["counts"]
    return needs.stats(n_steps, statistics, lowest_pitch)


def gather(roll: Roll, **needs: Any) -> RollStats:
    """Run the fused kernel once over ``roll``; ``needs``: the fields of :class:`Needs`
    (leave out what no requested metric needs)."""
    from musiceval._engine import kernels

    wanted = Needs(**needs)
    out = _outputs(roll.cells.shape, wanted)
    with one_task_one_thread(roll.n_samples):
        kernels.roll_statistics(_words(roll.cells), roll.pitch_classes(), _options(wanted), out)
    return _stats(out, roll.n_steps, wanted, roll.lowest_pitch)


def gather_raw(raw: RawRoll, needs: Needs) -> RollStats:
    """:func:`gather` for a roll not thresholded yet: the kernel thresholds each sample as it
    reads it (``kernels.raw_roll_statistics``), so no mask of the roll is ever built. Raises the
    roll's NaN/inf error."""
    from musiceval._engine import kernels

    out = _outputs(raw.shape, needs)
    options, pitch_classes = _options(needs), raw.pitch_classes()
    for start, stop, cells, rule in host_chunks(raw):
        rows = slice(start * raw.bars, stop * raw.bars)
        part = kernels.Outputs(*(array[rows] for array in out))
        with one_task_one_thread(len(cells)):
            if kernels.raw_roll_statistics(cells, rule, pitch_classes, options, part):
                raise raw.non_finite()
    return _stats(out, raw.n_steps, needs, raw.lowest_pitch)
