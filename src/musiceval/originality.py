"""Originality against the training set: copied bars, copied passages, nearest neighbours.

A generator that reproduces its training set scores perfectly on every per-sample metric, so
these numbers ask a different question: how much of what it generates was already there.

* :class:`BarIndex`: every non-empty bar of the training set, hashed once (per track, all tracks
  merged, each as written and transposed to a canonical pitch), with its position (piece, bar).
  Built from one or several batches, mergeable across shards, saved to one ``.npz`` file.
* :func:`bar_match_rate`: the share of generated non-empty bars found in the index.
* :func:`longest_copied_run`: the longest passage of consecutive generated bars copied from
  consecutive bars of one training piece.
* :func:`copied_bar_counts`: the per-sample counts behind both (merged bars), each bar hashed
  once: what :class:`musiceval.Monitor` computes at every update.
* :func:`nearest_neighbour_distance`: each generated sample's Jaccard distance to the closest
  training sample, with :func:`training_nearest_neighbour_distances` (leave-one-out) as the
  baseline: a generator whose samples sit much closer to the training set than training
  samples sit to each other is copying.

Definitions (see ``docs/originality.md``)
-----------------------------------------
* A *bar* is ``steps_per_bar`` consecutive steps from the start of the roll; a bar of a track is
  *empty* when none of its cells is active, a merged bar when no track sounds. Empty bars are not
  indexed and not counted: silence is not a copy.
* The *merged* bar is all tracks together, each keeping its identity: two merged bars are
  equal when every track is. A track's bar matches bars of the same track only.
* The *canonical transposition* moves a bar down so that its lowest sounding pitch (over all
  tracks, for the merged bar) is pitch index 0. Two bars are equal up to transposition exactly
  when their canonical forms are equal, whatever the interval (octaves included).
* Hashes are 64-bit Zobrist hashes (XOR of a fixed random word per active cell). For two
  different bars they collide with probability 2**-64, so a look-up against an index of
  ``N`` distinct bars gives a false match with probability at most ``N * 2**-64`` (5.4e-14 at
  ``N = 10**6``). Matches are not verified against the bars, which the index does not keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from musiceval import _bar_index as kernels
from musiceval import _bar_index_file as index_file
from musiceval._checks import check_bool, check_instance, check_int, check_path, invalid
from musiceval._docstrings import doc
from musiceval._nearest_neighbours import (
    nearest_neighbour_distance,
    training_nearest_neighbour_distances,
)
from musiceval.exceptions import DocumentError, InvalidParameterError
from musiceval.rolls import Layout, Roll, as_roll, check_divides, is_torch_tensor

__all__ = [
    "BarIndex",
    "bar_match_rate",
    "copied_bar_counts",
    "longest_copied_run",
    "nearest_neighbour_distance",
    "training_nearest_neighbour_distances",
]

_MAX_BARS = 2**31 - 1  # bar numbers live in the low 32 bits of a position key


def _lowest_pitch(value: Any, n_pitches: int) -> int:
    if value is None:
        if n_pitches != 128:
            expected = "an int (the MIDI number of pitch index 0) when n_pitches != 128"
            raise invalid("lowest_pitch", expected, value)
        return 0
    lowest = check_int("lowest_pitch", value, minimum=0)
    if lowest + n_pitches > 128:
        expected = f"an int <= {128 - n_pitches} with {n_pitches} pitches"
        raise invalid("lowest_pitch", expected, value)
    return lowest


class BarIndex:
    """Hashes of every non-empty bar of a training set, with their positions.

    Build it with :meth:`build` (or create an empty one and :meth:`add` batches), combine shards
    with :meth:`merge`, keep it with :meth:`save`/:meth:`load`. Pieces are the training samples,
    numbered in the order they were added; bars are numbered from 0 in each piece (empty bars
    count in the numbering but are not indexed). Look-ups search sorted ``uint64`` arrays
    (``np.searchsorted``), built on the first query after a change.

    Parameters
    ----------
    n_pitches : int
        Pitches of the rolls it indexes.
    n_tracks : int
        Tracks of the rolls it indexes.
    steps_per_bar : int, default=16
        Steps in a bar.
    lowest_pitch : int, optional
        MIDI number of pitch index 0 (default 0; required when n_pitches != 128).
    """

    def __init__(
        self,
        *,
        n_pitches: int,
        n_tracks: int,
        steps_per_bar: int = 16,
        lowest_pitch: int | None = None,
    ) -> None:
        self.n_pitches = check_int("n_pitches", n_pitches, maximum=128)
        self.n_tracks = check_int("n_tracks", n_tracks, maximum=2**16)
        self.steps_per_bar = check_int("steps_per_bar", steps_per_bar, maximum=2**20)
        self.lowest_pitch = _lowest_pitch(lowest_pitch, self.n_pitches)
        self.n_pieces = 0
        self._table = kernels.cell_table(self.n_tracks, self.steps_per_bar, self.n_pitches)
        self._parts: list[dict[str, np.ndarray]] = []
        self._cache: kernels.Lookup | None = None

    @classmethod
    def build(
        cls,
        training: Any,
        *,
        steps_per_bar: int | None = None,
        layout: Layout = "NTPK",
        threshold: float = 0.0,
        lowest_pitch: int | None = None,
    ) -> BarIndex:
        """The index of ``training``: one roll array, or a list (any iterable) of batches.

        Parameters
        ----------
        training : ndarray or torch.Tensor, or an iterable of them
            Training rolls, ``(n_samples, n_steps, n_pitches, n_tracks)`` in ``layout``; every
            batch has the same pitches and tracks. Each sample is a piece. Never modified.
        steps_per_bar : int, optional
            Steps in a bar; default 16 (the bar length of an ``"NBSPK"`` input). Must divide
            n_steps.
        layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
            Axis order of every batch.
        threshold : float, default=0.0
            A cell is active when ``value > threshold``.
        lowest_pitch : int, optional
            MIDI number of pitch index 0 (default 0; required when n_pitches != 128).

        Returns
        -------
        BarIndex
        """
        single = isinstance(training, np.ndarray) or is_torch_tensor(training)
        batches = iter([training] if single or not isinstance(training, Iterable) else training)
        first = next(batches, None)
        if first is None:
            raise invalid("training", "a roll array or a non-empty iterable of them", training)
        roll = as_roll(first, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
                       name="training")  # fmt: skip
        if steps_per_bar is None:
            steps_per_bar = roll.bar_steps or 16
        index = cls(
            n_pitches=roll.n_pitches,
            n_tracks=roll.n_tracks,
            steps_per_bar=steps_per_bar,
            lowest_pitch=roll.lowest_pitch,
        )
        index._add_roll(index._check(roll, "training"))
        for batch in batches:
            index.add(batch, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch)
        return index

    def add(
        self,
        training: Any,
        *,
        layout: Layout = "NTPK",
        threshold: float = 0.0,
        lowest_pitch: int | None = None,
    ) -> BarIndex:
        """Index the samples of ``training`` as new pieces, after those already indexed.

        Parameters
        ----------
        training : ndarray or torch.Tensor
            Training rolls of the index's pitches, tracks and bar length, in ``layout``.
        layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
            Axis order.
        threshold : float, default=0.0
            A cell is active when ``value > threshold``.
        lowest_pitch : int, optional
            MIDI number of pitch index 0; default the index's.

        Returns
        -------
        BarIndex
            This index (changed in place).
        """
        self._add_roll(self._read(training, "training", layout, threshold, lowest_pitch))
        return self

    def merge(self, other: BarIndex) -> BarIndex:
        """A new index of this one's pieces followed by ``other``'s (shards: the index of both).

        Parameters
        ----------
        other : BarIndex
            An index of the same pitches, tracks, bar length and lowest pitch.

        Returns
        -------
        BarIndex
            Equal to the index built from this one's batches, then ``other``'s.
        """
        check_instance("other", other, BarIndex, "a musiceval.originality.BarIndex")
        if other._shape() != self._shape():
            raise InvalidParameterError(
                f"other must index rolls of the same shape (n_pitches, n_tracks, steps_per_bar, "
                f"lowest_pitch) = {self._shape()}; got {other._shape()}"
            )
        merged = self._like()
        theirs = dict(other._rows())
        theirs["piece"] = theirs["piece"] + self.n_pieces
        merged._parts = [self._rows(), theirs]
        merged.n_pieces = self.n_pieces + other.n_pieces
        return merged

    @property
    def n_bars(self) -> int:
        """Non-empty training bars indexed."""
        return sum(len(part["piece"]) for part in self._parts)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BarIndex):
            return NotImplemented
        mine, theirs = self._rows(), other._rows()
        return (self._shape(), self.n_pieces) == (other._shape(), other.n_pieces) and all(
            np.array_equal(mine[name], theirs[name]) for name in kernels.ROWS
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"BarIndex(n_pieces={self.n_pieces}, n_bars={self.n_bars}, n_pitches="
            f"{self.n_pitches}, n_tracks={self.n_tracks}, steps_per_bar={self.steps_per_bar}, "
            f"lowest_pitch={self.lowest_pitch})"
        )

    # ---- files ---------------------------------------------------------------------------------

    def save(self, path: str | PathLike[str]) -> Path:
        """Write the index to ``path`` (an ``.npz`` file: the arrays and a JSON document of
        schema ``musiceval.bar_index``), atomically.

        Parameters
        ----------
        path : str or os.PathLike
            The file; its directory must exist.

        Returns
        -------
        pathlib.Path
        """
        target = check_path("path", path)
        return index_file.write(target, {**self._head(), "n_bars": self.n_bars}, self._rows())

    @classmethod
    def load(cls, path: str | PathLike[str]) -> BarIndex:
        """Read an index written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
            The file.

        Returns
        -------
        BarIndex

        Raises
        ------
        DocumentError
            If the file is not a bar index of this format version, or is damaged.
        """
        head, rows = index_file.read(check_path("path", path))
        try:
            index = cls(**{name: head[name] for name in index_file.SHAPE})
        except InvalidParameterError as error:
            raise DocumentError(f"{path} is a damaged {index_file.WHAT}: {error}") from error
        index.n_pieces = head["n_pieces"]
        index._parts = [rows]
        return index

    # ---- internals -----------------------------------------------------------------------------

    def _shape(self) -> tuple[int, int, int, int]:
        return (self.n_pitches, self.n_tracks, self.steps_per_bar, self.lowest_pitch)

    def _head(self) -> dict[str, int]:
        names = ("n_pitches", "n_tracks", "steps_per_bar", "lowest_pitch", "n_pieces")
        return {name: getattr(self, name) for name in names}

    def _like(self) -> BarIndex:
        """An empty index of this one's shape."""
        return BarIndex(
            n_pitches=self.n_pitches,
            n_tracks=self.n_tracks,
            steps_per_bar=self.steps_per_bar,
            lowest_pitch=self.lowest_pitch,
        )

    def _rows(self) -> dict[str, np.ndarray]:
        if len(self._parts) != 1:
            self._parts = [kernels.concatenate_rows(self._parts, self.n_tracks)]
        return self._parts[0]

    def _read(
        self, x: Any, name: str, layout: Layout, threshold: float, lowest_pitch: int | None
    ) -> Roll:
        """``x`` as a roll of this index's shape (pitches, tracks, lowest pitch, bar length)."""
        if lowest_pitch is None:
            lowest_pitch = self.lowest_pitch
        roll = as_roll(x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, name=name)
        return self._check(roll, name)

    def _check(self, roll: Roll, name: str) -> Roll:
        """``roll`` if it has this index's shape (pitches, tracks, lowest pitch, bar length)."""
        for what, theirs, mine in (
            ("n_pitches", roll.n_pitches, self.n_pitches),
            ("n_tracks", roll.n_tracks, self.n_tracks),
            ("lowest_pitch", roll.lowest_pitch, self.lowest_pitch),
            ("steps_per_bar", roll.bar_steps or self.steps_per_bar, self.steps_per_bar),
        ):
            if theirs != mine:
                raise InvalidParameterError(
                    f"{name} must have the index's {what}={mine}; got {what}={theirs}"
                )
        check_divides("steps_per_bar", self.steps_per_bar, roll.n_steps)
        return roll

    def _add_roll(self, roll: Roll) -> None:
        n_bars = roll.n_steps // self.steps_per_bar
        if n_bars > _MAX_BARS:
            raise invalid("training", f"at most {_MAX_BARS} bars long", received=f"{n_bars} bars")
        hashes = kernels.hash_roll(roll.cells, self.steps_per_bar, self._table)
        where = np.flatnonzero(hashes.active)
        piece, bar = np.divmod(where, max(1, n_bars))
        rows = {"piece": piece + self.n_pieces, "bar": bar}
        rows |= {name: getattr(hashes, name)[where] for name in kernels.ROWS if name not in rows}
        self._parts.append({name: rows[name].astype(dtype) for name, dtype in kernels.ROWS.items()})
        self.n_pieces += roll.n_samples
        self._cache = None

    def _lookups(self) -> kernels.Lookup:
        """The sorted arrays of the look-ups (built once after each change)."""
        if self._cache is None:
            self._cache = kernels.build_lookup(self._rows())
        return self._cache


# ---- the public measures -----------------------------------------------------------------------


def _generated(
    generated: Any,
    index: Any,
    steps_per_bar: Any,
    layout: Layout,
    threshold: float,
    lowest_pitch: int | None,
) -> tuple[BarIndex, kernels.BarHashes, int, int]:
    """Checked inputs: the index, the hashes of every generated bar, n_samples and n_bars."""
    check_instance("index", index, BarIndex, "a musiceval.originality.BarIndex")
    if steps_per_bar is not None and check_int("steps_per_bar", steps_per_bar) != (
        index.steps_per_bar
    ):
        raise InvalidParameterError(
            f"steps_per_bar must be the index's, {index.steps_per_bar} (or None); got "
            f"{steps_per_bar}"
        )
    roll = index._read(generated, "generated", layout, threshold, lowest_pitch)
    hashes = kernels.hash_roll(roll.cells, index.steps_per_bar, index._table)
    return index, hashes, roll.n_samples, roll.n_steps // index.steps_per_bar


@doc("layout", "threshold")
def bar_match_rate(
    generated: Any,
    index: BarIndex,
    *,
    transposition: bool = False,
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> dict[str, Any]:
    """Share of the generated non-empty bars that occur in the training set.

    A generated bar of track ``k`` matches when the same bar occurs in track ``k`` of some
    training piece; a merged bar (all tracks together, each keeping its identity) when the same
    multi-track bar occurs. With ``transposition=True`` bars are compared in their canonical
    transposition (moved down so that the lowest sounding pitch is pitch index 0), so a bar
    transposed by any interval matches. Empty bars are left out.

    .. math:: \\mathrm{BMR} = \\frac{\\#\\{\\text{non-empty bars found in the index}\\}}
              {\\#\\{\\text{non-empty bars}\\}}

    Parameters
    ----------
    generated : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Generated rolls (other axis orders through ``layout``) of the index's pitches, tracks
        and lowest pitch. Never modified.
    index : BarIndex
        The training bars.
    transposition : bool, default=False
        Compare bars up to transposition.
    steps_per_bar : int, optional
        Steps in a bar: the index's (None, or that number). Must divide n_steps.
    {parameters}
    lowest_pitch : int, optional
        MIDI number of pitch index 0; default (and required value) the index's.

    Returns
    -------
    dict
        ``"per_track"``: ndarray of float64, shape (n_samples, n_tracks); ``"merged"``: ndarray
        of float64, shape (n_samples,); ``"set_per_track"``: shape (n_tracks,) and
        ``"set_merged"``: float, the share over all generated bars pooled; ``"n_bars"``: ndarray
        of int64, shape (n_samples,), the non-empty merged bars. Rates are in [0, 1], lower is
        more original (a copy of training bars gives 1); NaN where no bar sounds.
    """
    check_bool("transposition", transposition)
    options = (steps_per_bar, layout, threshold, lowest_pitch)
    index, hashes, n, n_bars = _generated(generated, index, *options)
    lookups = index._lookups()
    if transposition:
        track = kernels.contains(lookups.track_shifted, hashes.track_shifted)
        merged = kernels.contains(lookups.merged_shifted, hashes.merged_shifted)
    else:
        track = kernels.contains(lookups.track_exact, hashes.track_exact)
        merged = kernels.contains(lookups.merged_exact, hashes.merged_exact)
    track, track_active = (
        a.reshape(n, n_bars, index.n_tracks) for a in (track, hashes.track_active)
    )
    merged, active = merged.reshape(n, n_bars), hashes.active.reshape(n, n_bars)
    return {
        "per_track": kernels.share(track, track_active, 1),
        "merged": kernels.share(merged, active, 1),
        "set_per_track": kernels.share(track, track_active, (0, 1)),
        "set_merged": float(kernels.share(merged, active, (0, 1))),
        "n_bars": active.sum(axis=1).astype(np.int64),
    }


@doc("layout", "threshold")
def longest_copied_run(
    generated: Any,
    index: BarIndex,
    *,
    transposition: bool = False,
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> np.ndarray:
    """Longest passage of consecutive generated bars copied from consecutive bars of one piece.

    Bars are compared merged (all tracks together). Generated bars ``b .. b + L - 1`` of a
    sample form a copied run of length ``L`` when they equal bars ``c .. c + L - 1`` of one
    training piece (a training sample). With ``transposition=True`` the run may be transposed,
    by one interval for the whole run. An empty bar ends a run, in either roll.

    .. math:: \\mathrm{LCR} = \\max \\{L : \\exists\\, b, q, c\\ \\forall\\, 0 \\le t < L:
              g_{b+t} = x_{q, c+t} \\ne \\varnothing\\}

    Parameters
    ----------
    generated : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Generated rolls (other axis orders through ``layout``) of the index's pitches, tracks
        and lowest pitch. Never modified.
    index : BarIndex
        The training bars.
    transposition : bool, default=False
        Accept a run transposed by one interval.
    steps_per_bar : int, optional
        Steps in a bar: the index's (None, or that number). Must divide n_steps.
    {parameters}
    lowest_pitch : int, optional
        MIDI number of pitch index 0; default (and required value) the index's.

    Returns
    -------
    ndarray of int64, shape (n_samples,)
        In bars, from 0 (no bar copied) to n_bars; lower is more original.
    """
    check_bool("transposition", transposition)
    options = (steps_per_bar, layout, threshold, lowest_pitch)
    return _runs(*_generated(generated, index, *options), transposition)


def _runs(
    index: BarIndex, hashes: kernels.BarHashes, n: int, n_bars: int, transposition: bool
) -> np.ndarray:
    """The longest copied run of each sample, ``(n,)`` int64, from its bars' hashes."""
    lookups = index._lookups()
    active = hashes.active.reshape(n, n_bars)
    lowest = hashes.merged_lowest.reshape(n, n_bars)
    if transposition:
        queries = np.where(active, hashes.merged_shifted.reshape(n, n_bars), 0)
        found = (lookups.merged_shifted, lookups.shifted_keys, lookups.shifted_lowest)
    else:
        queries = np.where(active, hashes.merged_exact.reshape(n, n_bars), 0)
        found = (lookups.merged_exact, lookups.exact_keys, lookups.exact_lowest)
    # a non-empty bar hashing to 0 (probability 2**-64) is taken for empty
    return kernels.longest_runs(queries.astype(np.uint64), lowest, *found, transposition)


@doc("layout", "threshold")
def copied_bar_counts(
    generated: Any,
    index: BarIndex,
    *,
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> dict[str, np.ndarray]:
    """Per-sample counts of copied merged bars, as written and up to transposition, and the
    longest copied run, hashing each generated bar once (one pass instead of three).

    ``matched / n_bars`` is :func:`bar_match_rate`'s ``"merged"`` (with and without
    ``transposition``) and ``"longest_copied_run"`` is :func:`longest_copied_run` (as
    written); counts add up over samples, so sets pool them exactly (sums of matched bars over
    sums of bars), across processes too.

    Parameters
    ----------
    generated : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Generated rolls (other axis orders through ``layout``) of the index's pitches, tracks
        and lowest pitch. Never modified.
    index : BarIndex
        The training bars.
    steps_per_bar : int, optional
        Steps in a bar: the index's (None, or that number). Must divide n_steps.
    {parameters}
    lowest_pitch : int, optional
        MIDI number of pitch index 0; default (and required value) the index's.

    Returns
    -------
    dict of str to ndarray of int64, shape (n_samples,)
        ``"n_bars"`` (non-empty merged bars), ``"matched"`` and ``"matched_transposed"`` (of
        those, found in the index as written, and up to transposition), and
        ``"longest_copied_run"`` (in bars, as written).
    """
    options = (steps_per_bar, layout, threshold, lowest_pitch)
    index, hashes, n, n_bars = _generated(generated, index, *options)
    lookups = index._lookups()
    active = hashes.active.reshape(n, n_bars)
    counts = {"n_bars": active.sum(axis=1).astype(np.int64)}
    for name, table, queries in (
        ("matched", lookups.merged_exact, hashes.merged_exact),
        ("matched_transposed", lookups.merged_shifted, hashes.merged_shifted),
    ):
        found = kernels.contains(table, queries).reshape(n, n_bars)
        counts[name] = (found & active).sum(axis=1).astype(np.int64)
    counts["longest_copied_run"] = _runs(index, hashes, n, n_bars, False)
    return counts
