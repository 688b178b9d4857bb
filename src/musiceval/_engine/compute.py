"""Run any set of metrics over one roll with one pass (two with ``per="bar"``).

:func:`musiceval.evaluate.compute` (behind every metric function, ``evaluate``, profiles and
reports) comes here with a validated roll, thresholded (a ``Roll``) or not yet (a ``RawRoll``),
and a backend: gather the statistics the requested metrics need (``stats`` with numba,
``torch_stats`` with torch), reduce them (``reducers``, the same for both), average per bar
where asked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from musiceval._checks import nanmean
from musiceval._engine.reducers import REDUCERS
from musiceval._engine.stats import Needs, RollStats, gather, gather_raw
from musiceval.exceptions import InvalidParameterError
from musiceval.registry import METRICS
from musiceval.rolls import Conventions, RawRoll, Roll, check_divides, is_torch_tensor

__all__ = ["choose_backend", "compute_roll"]


def choose_backend(roll: Roll | RawRoll, backend: str) -> str:
    """``"numba"`` or ``"torch"`` for ``backend`` (one of ``rolls.BACKENDS``): ``"auto"`` is
    torch for a tensor on a non-CPU device, numba otherwise. Raises when torch is asked for and
    not installed."""
    if backend == "auto":
        if isinstance(roll, RawRoll) and is_torch_tensor(roll.source):
            return "numba" if roll.source.device.type == "cpu" else "torch"
        return "numba"
    if backend == "torch":
        try:
            import torch  # noqa: F401
        except ImportError:
            raise InvalidParameterError(
                "backend must be 'auto' or 'numba' when torch is not installed; got 'torch' "
                "(install torch, or leave backend out)"
            ) from None
    return backend


def _gather_for(
    roll: Roll | RawRoll, conventions: Conventions, names: Sequence[str], bar: int, backend: str
) -> RollStats:
    needs = set().union(*(METRICS[name].needs for name in names))
    if any("grid" in METRICS[name].options for name in names):
        conventions.check_grid()
    if "bars" in needs:
        check_divides("steps_per_bar", bar, roll.n_steps)
    if "beats" in needs:
        check_divides("steps_per_beat", conventions.steps_per_beat, roll.n_steps)
    wanted = Needs(
        min_steps=conventions.min_steps,
        min_pitches=conventions.min_pitches,
        steps_per_bar=bar if "bars" in needs else None,
        steps_per_beat=conventions.steps_per_beat if "beats" in needs else None,
        onsets="onsets" in needs,
        pitches="pitches" in needs,
        notes=conventions.weight == "notes",
        onset_classes="onset_classes" in needs,
        lengths="lengths" in needs,
        onset_pitches="onset_pitches" in needs,
        onset_octaves="onset_octaves" in needs,
    )
    if backend == "torch":
        from musiceval._engine.torch_stats import gather_torch

        return gather_torch(roll, wanted)
    if isinstance(roll, RawRoll):
        return gather_raw(roll, wanted)
    return gather(roll, **vars(wanted))


def _reduce(
    spec_name: str,
    stats: RollStats,
    conventions: Conventions,
    pairs: Sequence[tuple[int, int]],
    normalize: str | None,
) -> np.ndarray:
    spec = METRICS[spec_name]
    if spec.pairwise:
        return REDUCERS[spec_name](stats, conventions, pairs)
    if spec.shape:
        return REDUCERS[spec_name](stats, conventions, normalize)
    return REDUCERS[spec_name](stats, conventions)


def _nanmean_bars(values: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """Mean over axis 1 of ``values`` (n, n_bars, n_tracks, *shape) where the bar is not empty
    (``empty`` (n, n_bars, n_tracks)), component by component; NaN when none is."""
    empty = empty.reshape(empty.shape + (1,) * (values.ndim - empty.ndim))
    return nanmean(np.where(empty, np.nan, values), axis=1)


def compute_roll(
    roll: Roll | RawRoll,
    conventions: Conventions,
    names: Sequence[str],
    pairs: Sequence[tuple[int, int]] = (),
    backend: str = "numba",
    normalize: str | None = "total",
) -> dict[str, np.ndarray]:
    """Values of each metric in ``names`` as ``(n_samples, n_tracks)`` float64 arrays.

    Pairwise metrics give ``(n_samples, len(pairs))``, vector-valued ones ``(n_samples,
    n_tracks, *shape)`` normalised as ``normalize`` says (``histograms.NORMALIZATIONS``). With
    ``conventions.per == "bar"``, the metrics that allow it are computed on every bar alone and
    averaged over the non-empty bars of each sample and track (NaN when all are empty); the
    others stay per sample. ``backend``: ``"numba"`` or ``"torch"`` (see
    :func:`choose_backend`), the same values either way.
    """
    bar = conventions.bar_length(roll)
    per_bar = [n for n in names if conventions.per == "bar" and METRICS[n].per_bar]
    per_sample = [n for n in names if n not in per_bar]
    results: dict[str, Any] = {}
    if per_sample:
        stats = _gather_for(roll, conventions, per_sample, bar, backend)
        for name in per_sample:
            results[name] = _reduce(name, stats, conventions, pairs, normalize)
    if per_bar:
        check_divides("steps_per_bar", bar, roll.n_steps)
        bars = roll.split_bars(bar)
        n_bars = roll.n_steps // bar
        stats = _gather_for(bars, conventions, [*per_bar, "empty_bar_rate"], bar, backend)
        stats = dataclasses.replace(stats, rows_per_sample=n_bars)
        shape = (roll.n_samples, n_bars, roll.n_tracks)
        empty = stats.needed("bar_active")[:, 0, :].reshape(shape) == 0
        for name in per_bar:
            values = _reduce(name, stats, conventions, pairs, normalize)
            results[name] = _nanmean_bars(values.reshape(shape + METRICS[name].shape), empty)
    return {name: results[name] for name in names}
