"""MuseGAN's metrics as its code computes them (wrong on purpose), and its paper-era evaluation.

Use these only to compare with numbers MuseGAN's code produced. The correct metrics are the
ones in :mod:`musiceval` (:func:`musiceval.compat.side_by_side` prints both).

Two generations of MuseGAN code are reproduced, both reimplemented in NumPy:

* ``salu133445/musegan``, ``src/musegan/metrics.py`` (the current code, TensorFlow 1): the
  functions :func:`empty_bar_rate`, :func:`n_pitches_used`, :func:`n_pitch_classes_used`,
  :func:`polyphonic_rate`, :func:`in_scale_rate`, :func:`qualified_note_rate`,
  :func:`drum_in_pattern_rate` and :func:`harmonicity` mirror its ``get_metric_ops``. Each
  pools over all samples and bars and returns one value per track.
* ``v2/musegan/utils/metrics.py`` (the code of the AAAI 2018 paper era): :func:`evaluate_v2`
  mirrors ``Metrics.eval``, which scores each bar alone, leaves empty bars out (NaN) and
  averages with ``nanmean``.

Input
-----
MuseGAN's layout ``(n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)`` (musiceval's
``"NBSPK"``). MuseGAN uses 84 pitches, MIDI 24..107. Its ``src`` "chroma" (:func:`to_chroma`)
runs only on a multiple of 12 pitches (84 = 7 x 12, 96, 120, ...): on any other count, 128
included, :func:`to_chroma`, :func:`n_pitch_classes_used`, :func:`in_scale_rate` and
:func:`harmonicity` raise :class:`~musiceval.exceptions.InvalidParameterError`, where MuseGAN's
code fails in its ``reshape``; ``get_metric_ops`` builds that chroma first, so MuseGAN's
training reports no metric at all on such rolls. The other ``src`` functions and
:func:`evaluate_v2` (whose own ``to_chroma`` always pads) take any number of pitches, as
MuseGAN's do. The ``src`` functions read the values as they are, as MuseGAN's do: its training
script feeds them ``round((tanh + 1) / 2)``, a {0, 1} roll, which :func:`binarize` reproduces.
:func:`evaluate_v2` binarises with ``x > 0`` itself, as ``v2``'s ``Model.run_eval`` does.
Results are float64 (MuseGAN computes most of them in float32, so the last digits can differ);
the two counts, :func:`n_pitches_used` and :func:`n_pitch_classes_used`, hold whole numbers,
as MuseGAN's int64 results do.

What differs from the correct metrics
-------------------------------------
* ``empty_bar_rate`` is the *non*-empty rate (``v2``'s is right).
* ``n_pitches_used`` counts active cells per bar, not pitches (MuseGAN issue #141); ``v2``'s is
  right, per bar. ``n_pitches_used`` and ``n_pitch_classes_used`` average their int64 counts
  with ``tf.reduce_mean``, which divides integers with truncation: per-bar counts 79, 114, 87
  and 111 give 97, not 97.75.
* The "chroma" sums blocks of consecutive pitches (see :func:`to_chroma`), so
  ``n_pitch_classes_used``, ``in_scale_rate``, ``harmonicity`` and their ``v2`` versions are
  about pitch blocks, not pitch classes.
* ``qualified_note_rate`` pairs onsets with offsets in time-major order, so it is about 1
  whatever the notes (``v2``'s pairs them per pitch and is right, per bar).
* ``polyphonic_rate`` counts steps with *more than* 2 pitches (``v2``: at least 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from musiceval._checks import check_int, check_pairs, invalid, nanmean
from musiceval.compat._common import C_MAJOR_MASK, TONAL_MATRIX, as_values, block_chroma
from musiceval.compat._v2 import bar_drum_patterns, bar_qualified_notes, check_drum_filter
from musiceval.exceptions import InvalidParameterError

__all__ = [
    "DRUM_MASK_BAR_LENGTHS",
    "V2_METRICS",
    "binarize",
    "drum_in_pattern_rate",
    "empty_bar_rate",
    "evaluate_v2",
    "harmonicity",
    "in_scale_rate",
    "n_pitch_classes_used",
    "n_pitches_used",
    "polyphonic_rate",
    "qualified_note_rate",
    "to_chroma",
]

V2_METRICS: tuple[str, ...] = (
    "empty_bar",
    "pitch_used",
    "qualified_note",
    "polyphonicity",
    "in_scale",
    "drum_pattern",
    "chroma_used",
)
"""The per-track metrics of ``v2``'s ``Metrics.eval``, in its order."""

_SHAPE = "(n_samples, n_bars, steps_per_bar, n_pitches, n_tracks), MuseGAN's layout"
_DRUM_MASKS: dict[int, tuple[list[float], int]] = {
    96: ([1.0, 0.1, 0.0, 0.0, 0.0, 0.1], 16),
    48: ([1.0, 0.1, 0.1], 16),
    24: ([1.0, 0.1, 0.1], 8),
    72: ([1.0, 0.1, 0.0, 0.0, 0.0, 0.1], 12),
    36: ([1.0, 0.1, 0.1], 12),
    64: ([1.0, 0.1, 0.0, 0.1], 16),
    32: ([1.0, 0.1], 16),
    16: ([1.0, 0.1], 8),
}  # steps per bar -> (pattern, repeats) of src/musegan/metrics.py's _drum_pattern_mask
DRUM_MASK_BAR_LENGTHS: tuple[int, ...] = tuple(sorted(_DRUM_MASKS))
"""The bar lengths (steps) :func:`drum_in_pattern_rate` has a MuseGAN drum mask for."""


def _values(x: Any) -> np.ndarray:
    return as_values(x, _SHAPE, 5)


def binarize(x: Any) -> np.ndarray:
    """MuseGAN's training-time binarisation of tanh output: ``round((x + 1) / 2)``.

    ``src/train.py`` applies it to the generator output before ``get_save_metric_ops``. Halves
    round to even, so 0 maps to 0: on values in [-1, 1] this is ``x > 0`` as 0.0/1.0.

    .. math:: b = \\operatorname{round}\\big((x + 1) / 2\\big)

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Generator output in [-1, 1].

    Returns
    -------
    ndarray of float64, same shape
        {0, 1} for input in [-1, 1].
    """
    return np.round(0.5 * (_values(x) + 1.0))


def to_chroma(x: Any) -> np.ndarray:
    """MuseGAN's "chroma" (``to_chroma``): sums of blocks of consecutive pitches.

    The pitch axis is reshaped to ``(12, n_blocks)`` in C order and summed over the blocks, so
    bin ``i`` holds pitch indices ``i * n_blocks`` to ``(i + 1) * n_blocks - 1``. With
    MuseGAN's 84 pitches from MIDI 24 the blocks are 7 wide: C4 (index 36) and E4 (40) fall in
    bin 5, G4 (43), F#4 (42) and C5 (48) in bin 6. A pitch class would be
    ``(lowest_pitch + p) % 12``.

    MuseGAN's code runs only on a multiple of 12 pitches. On any other count it pads the pitch
    axis to the next multiple of 12 but computes the block width from the *padded* count plus
    one: 128 pitches pad to 132 and are reshaped to 12 x 12 = 144 per step, which fails.
    (``tf.reshape`` takes the sample axis as ``-1``, so the reshape goes through when
    ``n_samples`` is a multiple of ``n_blocks + 1``: 12 for 128 pitches, where it returns the
    chroma of 11/12 as many "samples", bins mixing steps and samples.) This function raises on
    every such count.

    .. math:: c_{\\cdot,i,k} = \\sum_{j=0}^{w-1} x_{\\cdot,\\,w i + j,\\,k}, \\qquad
              w = n\\_pitches / 12

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Piano rolls; n_pitches must be a multiple of 12 (MuseGAN: 84).

    Returns
    -------
    ndarray of float64, shape (n_samples, n_bars, steps_per_bar, 12, n_tracks)

    Raises
    ------
    InvalidParameterError
        When n_pitches is not a multiple of 12 (128, say): MuseGAN's code cannot run on it.
        For a 128-pitch roll from MIDI 0, ``x[..., 24:108, :]`` is MuseGAN's range.
    """
    return _src_chroma(_values(x))


def _src_chroma(values: np.ndarray) -> np.ndarray:
    """``src``'s ``to_chroma`` of checked values, or the error where MuseGAN's reshape fails."""
    n_pitches = values.shape[3]
    remainder = n_pitches % 12
    if remainder:
        padded = n_pitches + 12 - remainder
        raise InvalidParameterError(
            f"x must have a multiple of 12 pitches for MuseGAN's to_chroma (84 = 7 x 12, "
            f"MuseGAN's MIDI 24..107, or 96, 108, 120, ...); got {n_pitches}. MuseGAN's code "
            f"cannot run on {n_pitches} pitches: it pads them to {padded}, then reshapes each "
            f"step to 12 x {padded // 12 + 1} = {padded + 12} values, which fails. Crop to a "
            f"multiple of 12 (a 128-pitch roll from MIDI 0: x[..., 24:108, :])"
        )
    return block_chroma(values)


def _count_cells_per_bar(values: np.ndarray) -> np.ndarray:
    """``n_pitches_used`` as coded: nonzero cells per bar, mean over samples and bars.

    ``tf.count_nonzero`` gives int64 and ``tf.reduce_mean`` of an integer tensor divides with
    truncation (TensorFlow documents ``reduce_mean([1, 0, 1, 0])`` as 0): the counts are
    non-negative, so that is the floor division of their sum.
    """
    n_samples, n_bars = values.shape[:2]
    total = np.count_nonzero(values, axis=3).sum(axis=(0, 1, 2))
    return (total // (n_samples * n_bars)).astype(np.float64)


def empty_bar_rate(x: Any) -> np.ndarray:
    """MuseGAN's ``empty_bar_rate``, which is the **non**-empty bar rate.

    ``src/musegan/metrics.py``, ``empty_bar_rate``: the mean over samples and bars of whether
    any cell of the bar is above 0.5.

    .. math:: \\mathrm{EB}^{\\mathrm{code}}_k = \\frac{1}{N B} \\sum_{n,b}
              \\mathbb{1}\\big[\\exists s, p:\\ x_{n,b,s,p,k} > 0.5\\big]

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Piano rolls, {0, 1} as MuseGAN feeds them.

    Returns
    -------
    ndarray of float64, shape (n_tracks,)
        In [0, 1], 1 = no bar is empty; ``1 - musiceval.empty_bar_rate(...)`` averaged over
        samples, on {0, 1} input.
    """
    return (_values(x) > 0.5).any(axis=(2, 3)).mean(axis=(0, 1))


def n_pitches_used(x: Any) -> np.ndarray:
    """MuseGAN's ``n_pitches_used``, which counts active **cells** per bar (issue #141).

    ``src/musegan/metrics.py``, ``n_pitches_used``: nonzero cells of each step, summed over the
    bar's steps, averaged over samples and bars by ``tf.reduce_mean`` of int64 counts, which
    truncates: per-bar counts 79, 114, 87 and 111 give 97 (not 97.75). A triad held for a
    16-step bar gives 48.

    .. math:: \\mathrm{UP}^{\\mathrm{code}}_k = \\Big\\lfloor \\frac{1}{N B} \\sum_{n,b}
              \\sum_{s} \\#\\{p : x_{n,b,s,p,k} \\ne 0\\} \\Big\\rfloor

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Piano rolls, {0, 1} as MuseGAN feeds them.

    Returns
    -------
    ndarray of float64, shape (n_tracks,)
        Whole numbers in [0, steps_per_bar * n_pitches] (MuseGAN's int64 values); 0 for
        silence.
    """
    return _count_cells_per_bar(_values(x))


def n_pitch_classes_used(x: Any) -> np.ndarray:
    """MuseGAN's ``n_pitch_classes_used``: ``n_pitches_used`` applied to :func:`to_chroma`.

    ``src/musegan/metrics.py``, ``get_metric_ops``: nonzero block-chroma bins of each step,
    summed over the bar's steps, averaged over samples and bars with truncation, as in
    :func:`n_pitches_used`. On MuseGAN's 84 pitches from MIDI 24, a C-E-G triad held for 16
    steps (bins 5, 5, 6) gives 32, as does C4 + C5; the number of pitch classes is 3 and 1.

    .. math:: \\mathrm{UPC}^{\\mathrm{code}}_k = \\Big\\lfloor \\frac{1}{N B} \\sum_{n,b}
              \\sum_{s} \\#\\{i : c_{n,b,s,i,k} \\ne 0\\} \\Big\\rfloor

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Piano rolls, {0, 1} as MuseGAN feeds them; n_pitches must be a multiple of 12 (see
        :func:`to_chroma`).

    Returns
    -------
    ndarray of float64, shape (n_tracks,)
        Whole numbers in [0, 12 * steps_per_bar] (MuseGAN's int64 values); 0 for silence.

    Raises
    ------
    InvalidParameterError
        When n_pitches is not a multiple of 12, where MuseGAN's ``to_chroma`` fails.
    """
    return _count_cells_per_bar(_src_chroma(_values(x)))


def polyphonic_rate(x: Any, *, threshold: int = 2) -> np.ndarray:
    """MuseGAN's ``polyphonic_rate``: steps with **more than** ``threshold`` nonzero pitches.

    ``src/musegan/metrics.py``, ``polyphonic_rate``: per bar, the share of steps with more than
    ``threshold`` nonzero cells, averaged over samples and bars. With the default a held dyad
    scores 0 (musiceval's ``polyphonic_rate`` counts ``>= min_pitches``, default 2).

    .. math:: \\mathrm{PR}^{\\mathrm{code}}_k = \\frac{1}{N B S} \\sum_{n,b}
              \\#\\{s : \\#\\{p : x_{n,b,s,p,k} \\ne 0\\} > \\tau\\}

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Piano rolls, {0, 1} as MuseGAN feeds them.
    threshold : int, default=2
        A step counts when it has more than this many nonzero pitches (strict).

    Returns
    -------
    ndarray of float64, shape (n_tracks,)
        In [0, 1]; 0 for silence. Equals musiceval's ``polyphonic_rate(min_pitches=threshold +
        1)`` averaged over samples, on {0, 1} input.
    """
    values = _values(x)
    threshold = check_int("threshold", threshold, minimum=0)
    polyphonic = np.count_nonzero(values, axis=3) > threshold
    return (polyphonic.sum(axis=2) / values.shape[2]).mean(axis=(0, 1))


def in_scale_rate(x: Any) -> np.ndarray:
    """MuseGAN's ``in_scale_ratio``: a C-major mask over the block chroma, pooled.

    ``src/musegan/metrics.py``, ``in_scale_rate(to_chroma(x))``: the chroma bins
    ``{0, 2, 4, 5, 7, 9, 11}`` (``_scale_mask(key=3)``) over all bins, summed over samples,
    bars and steps. A held C-E-G triad scores 2/3 on MuseGAN's 84 pitches (bins 5, 5, 6).

    .. math:: \\mathrm{IS}^{\\mathrm{code}}_k = \\frac{\\sum_{n,b,s} \\sum_{i \\in M}
              c_{n,b,s,i,k}}{\\sum_{n,b,s} \\sum_{i} c_{n,b,s,i,k}}, \\qquad
              M = \\{0, 2, 4, 5, 7, 9, 11\\}

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Piano rolls, {0, 1} as MuseGAN feeds them; n_pitches must be a multiple of 12 (see
        :func:`to_chroma`).

    Returns
    -------
    ndarray of float64, shape (n_tracks,)
        In [0, 1] on non-negative input; NaN for a silent track (0/0).

    Raises
    ------
    InvalidParameterError
        When n_pitches is not a multiple of 12, where MuseGAN's ``to_chroma`` fails.
    """
    chroma = _src_chroma(_values(x))
    in_scale = (C_MAJOR_MASK[:, None] * chroma.sum(axis=2)).sum(axis=(0, 1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return in_scale / chroma.sum(axis=(0, 1, 2, 3))


def qualified_note_rate(x: Any, *, threshold: int = 2) -> np.ndarray:
    """MuseGAN's ``qualified_note_rate``, whose onset/offset pairing makes it about 1.

    ``src/musegan/metrics.py``, ``qualified_note_rate``: per track, the values are cast to int
    (truncating toward zero), the bars of a sample joined, the time axis padded with one zero
    step at each end and differenced; in the flattened ``(sample, step, pitch)`` order the
    ``j``-th positive difference (onset) is paired with the ``j``-th negative one (offset), and
    a pair "qualifies" when the *flat-index* difference is at least ``threshold``. Flat indices
    of different steps differ by multiples of ``n_pitches``, so almost every pair qualifies: two
    one-step notes score 1.0 (musiceval: 0.0). The denominator counts onsets with
    ``count_nonzero`` of their flat indices, which drops an onset at index 0 (sample 0, step 0,
    pitch 0), so the rate can exceed 1.

    .. math:: \\mathrm{QN}^{\\mathrm{code}}_k = \\frac{\\#\\{j : f^{\\mathrm{off}}_j -
              f^{\\mathrm{on}}_j \\ge \\tau\\}}{\\#\\{j : f^{\\mathrm{on}}_j \\ne 0\\}}

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Piano rolls, {0, 1} as MuseGAN feeds them.
    threshold : int, default=2
        Shortest qualified flat-index distance (``>=``).

    Returns
    -------
    ndarray of float64, shape (n_tracks,)
        About 1 on any roll with notes; NaN for a silent track, inf when its only onset is at
        flat index 0.

    Raises
    ------
    InvalidParameterError
        When a track's values give more onsets than offsets (more than two levels, such as
        velocities 1 then 2): MuseGAN's code fails there too, with a broadcasting error. Use
        :func:`binarize` first; ±1 input runs, as in MuseGAN, and gives a meaningless number.
    """
    values = _values(x)
    threshold = check_int("threshold", threshold, minimum=0)
    n_samples, n_bars, steps_per_bar, n_pitches, n_tracks = values.shape
    joined = values.reshape(n_samples, n_bars * steps_per_bar, n_pitches, n_tracks)
    steps = np.diff(np.pad(joined.astype(np.int64), ((0, 0), (1, 1), (0, 0), (0, 0))), axis=1)
    rates = np.empty(n_tracks)
    for track in range(n_tracks):
        flat = steps[..., track].reshape(-1)
        onsets, offsets = np.flatnonzero(flat > 0), np.flatnonzero(flat < 0)
        if onsets.size != offsets.size:
            raise InvalidParameterError(
                f"x track {track} has {onsets.size} onsets and {offsets.size} offsets; expected "
                f"a {{0, 1}} roll (MuseGAN's pairing fails here too): pass musegan.binarize(x)"
            )
        qualified = np.count_nonzero(offsets - onsets >= threshold)
        with np.errstate(divide="ignore", invalid="ignore"):
            rates[track] = np.float64(qualified) / np.count_nonzero(onsets)
    return rates


def drum_in_pattern_rate(x: Any) -> np.ndarray:
    """MuseGAN's ``drum_in_pattern_rate``: cells weighted by a grid mask with 0.1 tolerance.

    ``src/musegan/metrics.py``, ``drum_in_pattern_rate`` with its ``_drum_pattern_mask``: each
    step of a bar has a weight (1 on the grid, 0.1 next to it, 0 elsewhere; for 16 steps
    ``[1, 0.1] * 8``); the values summed over pitches are weighted and divided by the number of
    nonzero cells. Cells, not onsets, are counted: a kick held for a whole 16-step bar scores
    0.55 (musiceval: one hit on the grid, 1.0). MuseGAN applies it to track 0 (drums) only;
    here every track is scored, take element 0 to reproduce it.

    .. math:: \\mathrm{DP}^{\\mathrm{code}}_k = \\frac{\\sum_{n,b,s} w_s \\sum_p x_{n,b,s,p,k}}
              {\\#\\{(n,b,s,p) : x_{n,b,s,p,k} \\ne 0\\}}

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Piano rolls, {0, 1} as MuseGAN feeds them; steps_per_bar must be one of 16, 24, 32, 36,
        48, 64, 72 or 96 (the bar lengths MuseGAN has a mask for).

    Returns
    -------
    ndarray of float64, shape (n_tracks,)
        In [0, 1] on {0, 1} input; 0 (not NaN) for a silent track, as coded.
    """
    values = _values(x)
    steps_per_bar = values.shape[2]
    if steps_per_bar not in _DRUM_MASKS:
        raise InvalidParameterError(
            f"x must have steps_per_bar in {list(DRUM_MASK_BAR_LENGTHS)} (MuseGAN's drum masks); "
            f"got {steps_per_bar}"
        )
    pattern, repeats = _DRUM_MASKS[steps_per_bar]
    mask = np.tile(pattern, repeats)
    in_pattern = (mask[:, None] * values.sum(axis=3)).sum(axis=(0, 1, 2))
    n_cells = np.count_nonzero(values, axis=(0, 1, 2, 3))
    return np.divide(in_pattern, n_cells, out=np.zeros_like(in_pattern), where=n_cells > 0)


def _check_beat_resolution(beat_resolution: Any, steps_per_bar: int) -> int:
    resolution = check_int("beat_resolution", beat_resolution, minimum=None)
    if resolution < 1 or steps_per_bar % resolution:
        raise invalid(
            "beat_resolution",
            f"a positive divisor of steps_per_bar={steps_per_bar}",
            beat_resolution,
        )
    return resolution


def _tonal_centroids(chroma: np.ndarray, beat_resolution: int) -> np.ndarray:
    """Per-beat tonal centroids ``(..., n_beats, 6, n_tracks)`` of ``(..., S, 12, K)`` chroma.

    Each beat's chroma is divided by its sum: a silent beat gives NaN, as in MuseGAN.
    """
    *lead, n_steps, _, n_tracks = chroma.shape
    beats = chroma.reshape(*lead, n_steps // beat_resolution, beat_resolution, 12, n_tracks)
    beats = beats.sum(axis=-3)
    with np.errstate(divide="ignore", invalid="ignore"):
        beats = beats / beats.sum(axis=-2, keepdims=True)
    return np.einsum("dc,...ck->...dk", TONAL_MATRIX, beats)


def harmonicity(x: Any, *, beat_resolution: int) -> np.ndarray:
    """MuseGAN's ``harmonicity`` (tonal distance) between every two tracks, on block chroma.

    ``src/musegan/metrics.py``, ``harmonicity``: the block chroma (:func:`to_chroma`) is summed
    per beat, divided by its sum and mapped to Harte et al.'s 6-D tonal centroid (radii 1, 1,
    0.5); the result is the mean over *all* beats of all samples of the Euclidean distance
    between the two tracks' centroids. A beat where either track is silent is 0/0, which makes
    the whole mean NaN. ``get_metric_ops`` passes ``chroma[..., 1:]``: to reproduce it, drop the
    drum track (``x[..., 1:]``). On MuseGAN's 84 pitches, a held C4 against a held C5 (bins 5
    and 6) scores 2.55, like two pitch classes a semitone apart; musiceval's ``tonal_distance``
    gives 0.

    .. math:: \\mathrm{TD}^{\\mathrm{code}}_{k,l} = \\operatorname{mean}_{\\text{beats } t}
              \\big\\lVert \\Phi \\hat c_{t,k} - \\Phi \\hat c_{t,l} \\big\\rVert_2, \\qquad
              \\hat c_t = c_t / \\textstyle\\sum_i c_{t,i}

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Piano rolls, {0, 1} as MuseGAN feeds them; n_pitches must be a multiple of 12 (see
        :func:`to_chroma`).
    beat_resolution : int
        Steps per beat; must divide steps_per_bar.

    Returns
    -------
    ndarray of float64, shape (n_tracks, n_tracks)
        Symmetric, >= 0, 0 on the diagonal where the track sounds on every beat; NaN for a pair
        where either track has a silent beat.

    Raises
    ------
    InvalidParameterError
        When n_pitches is not a multiple of 12, where MuseGAN's ``to_chroma`` fails.

    References
    ----------
    C. Harte, M. Sandler and M. Gasser, "Detecting harmonic change in musical audio", 2006.
    """
    values = _values(x)
    resolution = _check_beat_resolution(beat_resolution, values.shape[2])
    centroids = _tonal_centroids(_src_chroma(values), resolution)
    centroids = centroids.reshape(-1, 6, values.shape[-1])
    distances = np.linalg.norm(centroids[..., :, None] - centroids[..., None, :], axis=1)
    return distances.mean(axis=0)


def evaluate_v2(
    x: Any,
    *,
    beat_resolution: int,
    pairs: Sequence[tuple[int, int]] | None = None,
    drum_filter: Any = None,
) -> dict[str, np.ndarray]:
    """MuseGAN's paper-era evaluation (``v2``): every bar scored alone, empty bars skipped.

    ``v2/musegan/utils/metrics.py``, ``Metrics.eval``, as ``Model.run_eval`` calls it: the
    input is binarised with ``x > 0`` and split into bars. For each bar and track, ``empty_bar``
    is 1 when no cell is active; every other metric is NaN on an empty bar, else:

    * ``pitch_used``: pitches active in the bar (``get_num_pitch_used``), correct;
    * ``qualified_note``: notes of at least 2 steps over notes, onsets and offsets paired per
      pitch (correct, notes cut at bar lines);
    * ``polyphonicity``: steps with at least 2 active pitches over the bar's steps;
    * ``in_scale``: C-major mask over ``v2``'s block chroma, which always pads
      ``12 - n_pitches % 12`` pitches (84 pitches become 96, blocks of 8; 128 become 132,
      blocks of 11);
    * ``drum_pattern``: the bar's changes (onsets and the step after each note's end: ``np.diff``
      of a bool roll is ``!=``) weighted by ``drum_filter`` at the best of 6 shifts, over the
      number of changes;
    * ``chroma_used``: nonzero bins of that block chroma.

    ``tonal_distance`` is computed for each bar and pair (``get_harmonicity``): per beat, the
    distance between the two tracks' tonal centroids of block chroma, averaged over the bar's
    beats (NaN if either track has a silent beat). Each metric is then averaged over all bars
    of all samples with ``nanmean``.

    .. math:: m^{v2}_k = \\operatorname{nanmean}_{(n, b)} \\; m(x_{n,b,\\cdot,\\cdot,k} > 0)

    Parameters
    ----------
    x : array-like of shape (n_samples, n_bars, steps_per_bar, n_pitches, n_tracks)
        Piano rolls (generator output or data); cells above 0 are active.
    beat_resolution : int
        Steps per beat for ``tonal_distance``; must divide steps_per_bar (MuseGAN: 24).
    pairs : sequence of (int, int), optional
        Track pairs for ``tonal_distance``; default every pair ``(a, b)`` with ``a < b``
        (MuseGAN's config: ``[(1, 2)]``).
    drum_filter : array-like of shape (steps_per_bar,), optional
        Step weights for ``drum_pattern``. Default MuseGAN's ``tile([1, .1, 0, 0, 0, .1], 16)``,
        which fits 96-step bars only; for other bar lengths ``drum_pattern`` is then NaN.

    Returns
    -------
    dict of str to ndarray of float64
        The :data:`V2_METRICS` names, each of shape (n_tracks,), and ``"tonal_distance"`` of
        shape (n_pairs,). ``empty_bar`` is in [0, 1] and right (unlike ``src``'s); the others
        are NaN for a track whose bars are all empty. MuseGAN reports ``drum_pattern`` for the
        drum track only and the others for the rest.
    """
    values = _values(x)
    n_samples, n_bars, steps_per_bar, n_pitches, n_tracks = values.shape
    resolution = _check_beat_resolution(beat_resolution, steps_per_bar)
    checked_pairs = check_pairs("pairs", pairs, n_tracks)
    weights = check_drum_filter(drum_filter, steps_per_bar)
    bars = values.reshape(n_samples * n_bars, steps_per_bar, n_pitches, n_tracks) > 0
    empty = ~bars.any(axis=(1, 2))
    chroma = block_chroma(bars.astype(np.int64), always_pad=True)
    bar_chroma = chroma.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        in_scale = (C_MAJOR_MASK[:, None] * bar_chroma).sum(axis=1) / bar_chroma.sum(axis=1)
    scores = {
        "pitch_used": (bars.sum(axis=1) > 0).sum(axis=1),
        "qualified_note": bar_qualified_notes(bars, 2),
        "polyphonicity": (bars.sum(axis=2) >= 2).sum(axis=1) / steps_per_bar,
        "in_scale": in_scale,
        "drum_pattern": (
            np.full(empty.shape, np.nan) if weights is None else bar_drum_patterns(bars, weights)
        ),
        "chroma_used": (bar_chroma > 0).sum(axis=1),
    }
    result = {"empty_bar": empty.mean(axis=0)}
    for name, per_bar in scores.items():
        result[name] = nanmean(np.where(empty, np.nan, per_bar), axis=0)
    centroids = _tonal_centroids(chroma, resolution)  # (bar, beat, 6, track)
    distances = [
        np.linalg.norm(centroids[..., a] - centroids[..., b], axis=-1).mean(axis=1)
        for a, b in checked_pairs
    ]
    result["tonal_distance"] = (
        nanmean(np.stack(distances, axis=1), axis=0) if distances else np.empty(0)
    )
    return {name: result[name] for name in (*V2_METRICS, "tonal_distance")}
