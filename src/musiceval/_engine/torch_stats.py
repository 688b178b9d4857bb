"""The statistics of ``stats.RollStats``, computed by torch on the tensor's own device.

The numba kernel (``kernels.roll_statistics``) follows notes event by event on the host; here
the same sufficient statistics are whole-tensor operations on a boolean roll, so they run where
the tensor lives (a GPU included), a chunk of samples at a time: memory holds one chunk's mask
and a few temporaries of its size, never the batch's. Only the per-sample statistics come back
to the host, as the int32 arrays the numba pass fills, and the same reducers
(``reducers.REDUCERS``) turn them into metrics: no metric is defined twice.

With ``active[n, t, p, k]`` the thresholded roll and ``onset = active[t] & ~active[t - 1]``:

* notes are the onsets (a note is a maximal run of active steps); ``note_hist`` counts them per
  pitch, ``cell_hist`` counts active steps per pitch, and ``pc_cells``/``pc_notes`` add those up
  per pitch class;
* a note is ``qualified`` when its cell stays active for ``min_steps`` steps from its onset
  (checked over windows of 1, 2, 4, ... steps, so the cost grows with ``log2(min_steps)``);
* ``poly_steps`` counts steps with at least ``min_pitches`` active pitches (a track's sounding
  pitches at a step are its active cells);
* ``n_pitches``, ``lowest`` and ``highest`` come from the pitches with any active step (``lowest
  = n_pitches`` and ``highest = -1`` for a silent track, as the kernel leaves them);
* ``sounding`` counts steps with at least one active pitch;
* ``bar_active`` is any active cell in a bar, ``onsets`` the onsets per step, ``beat_chroma``
  the active cells per beat and pitch class, ``onset_classes`` the pitch classes with an onset
  at each step as bits (class ``c``: bit ``c``), ``onset_pitches`` the sum of the pitch
  indices with an onset at each step;
* ``length_hist`` and ``onset_octaves`` pair each onset with the end of its run
  (:func:`_notes`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from musiceval._engine.stats import N_LENGTH_BINS, Needs, RollStats
from musiceval._thresholds import threshold_tensor
from musiceval.rolls import RawRoll, Roll, is_torch_tensor

__all__ = ["gather_torch"]

_CHUNK_CELLS = 1 << 26  # cells per chunk: 64 MiB of mask, a few times that in temporaries
_OPTIONAL = (
    "pc_notes", "cell_hist", "note_hist", "bar_active", "onsets", "beat_chroma", "onset_classes",
    "length_hist", "onset_pitches", "onset_octaves",
)  # fmt: skip


def _from_numpy(cells: np.ndarray) -> Any:
    """A CPU tensor sharing ``cells``'s memory (copied only for negative strides); never
    written to, so a read-only array is fine."""
    import torch

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The given NumPy array is not writable")
        return torch.from_numpy(np.ascontiguousarray(cells))


def _active_chunks(roll: Roll | RawRoll) -> Iterator[tuple[Any, Any]]:
    """``(active, non_finite)`` per chunk of samples, in order: the chunk's bool mask on its
    device and a 0-dimensional flag tensor (or None) saying whether it held NaN or inf."""
    if isinstance(roll, Roll):
        step = max(1, _CHUNK_CELLS // max(1, math.prod(roll.cells.shape[1:])))
        for start in range(0, max(1, roll.n_samples), step):  # a chunk even when empty
            yield _from_numpy(roll.cells[start : start + step]) != 0, None
        return
    step = roll.sources_per_chunk(_CHUNK_CELLS)
    for start in range(0, roll.n_sources, step):
        stop = min(start + step, roll.n_sources)
        cells = roll.chunk(start, stop)
        if is_torch_tensor(cells):
            yield threshold_tensor(cells, roll.threshold)
        elif cells.dtype.kind == "f" and cells.dtype.name not in ("float16", "float32", "float64"):
            yield _from_numpy(roll.mask(start, stop)) != 0, None  # longdouble: no torch dtype
        else:
            yield threshold_tensor(_from_numpy(cells), roll.threshold)


def _qualified(onset: Any, active: Any, steps: int) -> Any:
    """The onsets whose cell stays active for ``steps`` (>= 1) steps, as a bool tensor over the
    steps a note can start at and still last that long (``n_steps - steps + 1`` of them).

    ``window[:, s]`` says whether ``active`` holds at every step of ``[s, s + width)``; windows
    of 1, 2, 4, ... steps are combined along the binary digits of ``steps - 1`` (the onset's
    own step is active), each step a slice and an ``&``, no copy of the roll.
    """
    import torch

    n_steps = active.shape[1]
    if steps > n_steps:
        return torch.zeros_like(onset[:, :0])
    result = onset[:, : n_steps - steps + 1].clone()
    window, width, offset, rest = active, 1, 1, steps - 1
    while rest:
        if rest & 1:
            result &= window[:, offset : offset + result.shape[1]]
            offset += width
        rest >>= 1
        if rest:
            window = window[:, : window.shape[1] - width] & window[:, width:]
            width *= 2
    return result


def _by_class(counts: Any, lowest_pitch: int, axis: int) -> Any:
    """``counts`` summed per pitch class along its pitch ``axis`` (12 long in the result)."""
    import torch

    before, size, after = counts.shape[:axis], counts.shape[axis], counts.shape[axis + 1 :]
    front = lowest_pitch % 12  # pitch index p has class (front + p) % 12
    back = -(front + size) % 12
    pad = [counts.new_zeros((*before, width, *after)) for width in (front, back)]
    padded = torch.cat([pad[0], counts, pad[1]], dim=axis)
    octaves = padded.reshape(*before, (front + size + back) // 12, 12, *after)
    return octaves.sum(axis, dtype=counts.dtype)


def _chunk_statistics(active: Any, lowest_pitch: int, needs: Needs) -> dict[str, Any]:
    """Every :class:`RollStats` array of one chunk, as int32 tensors on its device (bar_active
    uint8), the unasked optional ones left out."""
    import torch

    n, n_steps, n_pitches, n_tracks = active.shape
    int32 = torch.int32
    onset = active.clone()
    onset[:, 1:] &= ~active[:, :-1]
    cell_hist = active.sum(1, dtype=int32)
    note_hist = onset.sum(1, dtype=int32)
    sounding = (cell_hist > 0).to(int32)
    any_pitch = sounding.amax(1) > 0
    first = sounding.argmax(1).to(int32)
    last = (n_pitches - 1 - sounding.flip(1).argmax(1)).to(int32)
    per_step = active.sum(2, dtype=int32)
    out = {
        "n_notes": note_hist.sum(1, dtype=int32),
        "qualified": _qualified(onset, active, needs.min_steps).sum((1, 2), dtype=int32),
        "poly_steps": (per_step >= needs.min_pitches).sum(1, dtype=int32),
        "sounding": (per_step > 0).sum(1, dtype=int32),
        "n_pitches": sounding.sum(1, dtype=int32),
        "lowest": torch.where(any_pitch, first, n_pitches).to(int32),
        "highest": torch.where(any_pitch, last, -1).to(int32),
        "pc_cells": _by_class(cell_hist, lowest_pitch, 1),
    }
    if needs.notes:
        out["pc_notes"] = _by_class(note_hist, lowest_pitch, 1)
    if needs.pitches:
        out["cell_hist"], out["note_hist"] = cell_hist, note_hist
    if needs.steps_per_bar:
        bar = needs.steps_per_bar
        bars = active.reshape(n, n_steps // bar, bar * n_pitches, n_tracks)
        out["bar_active"] = bars.any(2).to(torch.uint8)
    if needs.onsets:
        out["onsets"] = onset.sum(2, dtype=int32)
    if needs.steps_per_beat:
        beat = needs.steps_per_beat
        beats = active.reshape(n, n_steps // beat, beat, n_pitches, n_tracks)
        out["beat_chroma"] = _by_class(beats.sum(2, dtype=int32), lowest_pitch, 2)
    if needs.onset_classes:
        classes = _by_class(onset.to(torch.uint8), lowest_pitch, 2) > 0  # at most 11 per class
        bits = torch.tensor([1 << c for c in range(12)], dtype=int32, device=active.device)
        out["onset_classes"] = (classes * bits[:, None]).sum(2, dtype=int32)
    if needs.lengths:
        out["length_hist"] = _length_histogram(active, onset)
    if needs.onset_octaves:
        out["onset_octaves"] = _onset_octaves(active, onset)
    if needs.onset_pitches:
        pitches = torch.arange(n_pitches, dtype=int32, device=active.device)
        out["onset_pitches"] = (onset * pitches[:, None]).sum(2, dtype=int32)
    return out


def _notes(active: Any, onset: Any) -> tuple[Any, Any]:
    """``(starts, lengths)``: each note's (sample, track, pitch, step) row and its length.

    Runs of a cell alternate onset, end, onset, end along the steps, so in (sample, track,
    pitch, step) order the i-th onset and the i-th end (last active step) are one note's."""
    import torch

    end = active.clone()
    end[:, :-1] &= ~active[:, 1:]
    starts = torch.nonzero(onset.permute(0, 3, 2, 1))  # (sample, track, pitch, step) rows
    ends = torch.nonzero(end.permute(0, 3, 2, 1))
    return starts, ends[:, 3] - starts[:, 3] + 1


def _onset_octaves(active: Any, onset: Any) -> Any:
    """The kernel's ``onset_octaves`` (bit ``b`` at a step where a note of ``2**b`` to
    ``2**(b + 1) - 1`` steps starts), as int64 (the bits fit 31)."""
    import torch

    n, n_steps, _, n_tracks = active.shape
    starts, lengths = _notes(active, onset)
    powers = 2 ** torch.arange(31, device=active.device)
    octaves = (lengths[:, None] >= powers).sum(1) - 1
    cells = (starts[:, 0] * n_steps + starts[:, 3]) * n_tracks + starts[:, 1]
    unique = torch.unique(cells * 32 + octaves)  # each octave once per cell: a sum is an OR
    out = torch.zeros(n * n_steps * n_tracks, dtype=torch.int64, device=active.device)
    out.index_add_(0, unique // 32, 2 ** (unique % 32))
    return out.reshape(n, n_steps, n_tracks)


def _length_histogram(active: Any, onset: Any) -> Any:
    """Notes per length (``N_LENGTH_BINS`` bins, as the kernel's ``length_hist``), int32."""
    import torch

    n, _, _, n_tracks = active.shape
    starts, lengths = _notes(active, onset)
    bins = lengths.clamp(max=N_LENGTH_BINS) - 1
    index = (starts[:, 0] * N_LENGTH_BINS + bins) * n_tracks + starts[:, 1]
    counts = torch.bincount(index, minlength=n * N_LENGTH_BINS * n_tracks)
    return counts.reshape(n, N_LENGTH_BINS, n_tracks).to(torch.int32)


def gather_torch(roll: Roll | RawRoll, needs: Needs) -> RollStats:
    """The :class:`RollStats` of ``roll``, equal to ``stats.gather``'s and ``stats.gather_raw``'s,
    computed with torch where the roll lives (a ``Roll`` and numpy sources: the CPU).

    Raises the roll's NaN/inf error; the device is synchronised once, at the end.
    """
    import torch

    parts: list[dict[str, Any]] = []
    flags = []
    for active, non_finite in _active_chunks(roll):
        parts.append(_chunk_statistics(active, roll.lowest_pitch, needs))
        if non_finite is not None:
            flags.append(non_finite)
    if flags and bool(torch.stack(flags).any()):
        raise roll.non_finite()  # type: ignore[union-attr]  # only a RawRoll has NaN
    names = list(parts[0])
    joined: dict[str, Any] = {
        name: torch.cat([part[name] for part in parts]).cpu().numpy() for name in names
    }
    cast = {"onset_classes": np.uint16, "onset_octaves": np.uint32}
    joined = {name: value.astype(cast.get(name, value.dtype)) for name, value in joined.items()}
    return needs.stats(roll.n_steps, {**dict.fromkeys(_OPTIONAL), **joined}, roll.lowest_pitch)
