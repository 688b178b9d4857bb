"""The AWS DeepComposer GAN lab's three metrics, reproduced exactly (wrong on purpose).

Use these only to compare with numbers the lab produced (its training plots, the DeepComposer
console, a report that quotes them). They do not measure what their names say; the correct
metrics are :func:`musiceval.empty_bar_rate`, :func:`musiceval.n_pitches_used` and
:func:`musiceval.in_scale_ratio`, and :func:`musiceval.compat.side_by_side` prints both.

Source: ``aws-samples/aws-deepcomposer-samples``, ``gan/utils/metrics_utils.py`` (classes
``EmptyBarRateMetricCreator``, ``UniquePitchCountMetricCreator``, ``InScaleRateMetricCreator``
and ``MusicQualityMetricsManager._reshape_pianoroll``), reimplemented in NumPy.

The lab's protocol
------------------
* Data: JSB chorales as ``(n_samples, 32, 128, 4)`` float32 in {-1, +1}: 2 bars of 16 steps
  (4 per beat), 128 MIDI pitches, 4 piano tracks (track 0 is the melody the generator is
  conditioned on).
* Every metric first reshapes the input to ``(n_samples, 2, 16, 128, n_tracks)`` and crops the
  pitches to MIDI 24..107 (84 pitches), then returns one value per track.
* During training the metrics are computed on the generator's **raw tanh output** for 10 fixed
  melodies with fixed noise (every iteration below 100, then every 50), *not* on a binarised
  roll; the red reference line is the same metrics on the whole training set (±1 values). To
  reproduce a plotted point, pass the raw generator output, not ``output > 0``.
* Values are summed signed: -1 cells subtract. So silence in the ±1 encoding is not zero, and an
  all-zero array makes the in-scale rate 0/0.

Generalisation: any ``(n_samples, 32, 128, n_tracks)`` array is accepted (the lab hard-codes 4
tracks in its reshape; with 4 tracks the results are identical). bool, integer and real values
are read as they are (no threshold), in float64, so results may differ from the lab's float32
sums in the last digits. NaN in the input propagates as it does in the lab.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from musiceval.compat._common import C_MAJOR_MASK, as_values, block_chroma
from musiceval.exceptions import InvalidParameterError

__all__ = ["empty_bar_rate", "in_scale_rate", "unique_pitch_count"]

_N_BARS = 2
_STEPS_PER_BAR = 16
_N_PITCHES = 128
_LOWEST_PITCH, _HIGHEST_PITCH = 24, 107  # the crop, inclusive
_SHAPE = f"(n_samples, {_N_BARS * _STEPS_PER_BAR}, {_N_PITCHES}, n_tracks), the lab's layout"


def _bars(x: Any) -> np.ndarray:
    """The lab's reshape and crop: ``(n_samples, 2, 16, 84, n_tracks)`` float64."""
    values = as_values(x, _SHAPE, 4)
    n_samples, n_steps, n_pitches, n_tracks = values.shape
    if (n_steps, n_pitches) != (_N_BARS * _STEPS_PER_BAR, _N_PITCHES):
        raise InvalidParameterError(f"x must have shape {_SHAPE}; got {values.shape}")
    bars = values.reshape(n_samples, _N_BARS, _STEPS_PER_BAR, _N_PITCHES, n_tracks)
    return bars[:, :, :, _LOWEST_PITCH : _HIGHEST_PITCH + 1, :]


def empty_bar_rate(x: Any) -> np.ndarray:
    """The lab's "Empty Bar Rate", which is the **non**-empty bar rate.

    A bar counts when any of its cells (pitches 24..107) is above 0.5; the result is the mean
    of that indicator over samples and bars, so 1.0 means *no* bar is empty.

    .. math:: \\mathrm{EBR}^{\\mathrm{lab}}_k = \\frac{1}{2N} \\sum_{n=1}^{N} \\sum_{b=1}^{2}
              \\mathbb{1}\\big[\\exists s, p:\\ x_{n,b,s,p,k} > 0.5\\big]

    Parameters
    ----------
    x : array-like of shape (n_samples, 32, 128, n_tracks)
        The lab's array: ±1 data or raw tanh output.

    Returns
    -------
    ndarray of float64, shape (n_tracks,)
        In [0, 1]. On the same bars binarised at 0.5 it is
        ``1 - musiceval.empty_bar_rate(...).mean(axis=0)``.

    Examples
    --------
    >>> import numpy as np
    >>> from musiceval.compat import deepcomposer
    >>> silence = -np.ones((1, 32, 128, 4), dtype=np.float32)
    >>> deepcomposer.empty_bar_rate(silence)  # every bar is empty
    array([0., 0., 0., 0.])
    """
    active = (_bars(x) > 0.5).any(axis=(2, 3))
    return active.mean(axis=(0, 1))


def unique_pitch_count(x: Any) -> np.ndarray:
    """The lab's "Unique Pitch Count", which is not a count: a distance from a flat histogram.

    For each of the 84 pitches, the values are summed over the 16 steps of a bar and averaged
    over samples and bars (:math:`h_{p,k}`); the result is the Euclidean norm over pitches of
    :math:`1 - h`. With ±1 data a silent pitch contributes :math:`1 - (-16) = 17`.

    .. math:: \\mathrm{UPC}^{\\mathrm{lab}}_k = \\Big(\\sum_{p=24}^{107} (1 - h_{p,k})^2
              \\Big)^{1/2}, \\qquad h_{p,k} = \\frac{1}{2N} \\sum_{n,b} \\sum_{s=1}^{16}
              x_{n,b,s,p,k}

    Parameters
    ----------
    x : array-like of shape (n_samples, 32, 128, n_tracks)
        The lab's array: ±1 data or raw tanh output.

    Returns
    -------
    ndarray of float64, shape (n_tracks,)
        >= 0; ``17 * sqrt(84) = 155.8`` for silence in the ±1 encoding, ``sqrt(84) = 9.17`` for
        an all-zero array. Not comparable with :func:`musiceval.n_pitches_used`.

    Examples
    --------
    >>> import numpy as np
    >>> from musiceval.compat import deepcomposer
    >>> deepcomposer.unique_pitch_count(np.zeros((1, 32, 128, 1)))  # sqrt(84)
    array([9.16515139])
    """
    histogram = _bars(x).sum(axis=2).mean(axis=(0, 1))
    return np.linalg.norm(1.0 - histogram, axis=0)


def in_scale_rate(x: Any) -> np.ndarray:
    """The lab's "In Scale Rate": a C-major mask over a block "chroma" of signed sums.

    The 84 cropped pitches are reshaped to ``(12, 7)`` in C order and summed over the 7, so
    "chroma" bin ``i`` is the block of consecutive pitches MIDI ``24 + 7i .. 30 + 7i``, not a
    pitch class. The bins ``{0, 2, 4, 5, 7, 9, 11}`` count as in scale. Values are summed with
    their sign over all samples, bars and steps, then divided.

    .. math:: \\mathrm{ISR}^{\\mathrm{lab}}_k = \\frac{\\sum_{n,b,s} \\sum_{i \\in M}
              c_{n,b,s,i,k}}{\\sum_{n,b,s} \\sum_{i=0}^{11} c_{n,b,s,i,k}}, \\qquad
              c_{\\cdot,i,k} = \\sum_{j=0}^{6} x_{\\cdot,\\,24 + 7i + j,\\,k}

    with :math:`M = \\{0, 2, 4, 5, 7, 9, 11\\}`.

    Parameters
    ----------
    x : array-like of shape (n_samples, 32, 128, n_tracks)
        The lab's array: ±1 data or raw tanh output.

    Returns
    -------
    ndarray of float64, shape (n_tracks,)
        In [0, 1] for non-negative input; unbounded for signed input. Silence in the ±1
        encoding gives 7/12 (49 of 84 cells are "in scale"); an all-zero track gives NaN (0/0).
        A held C-E-G triad on {0, 1} gives 2/3 (C and E fall in bin 5, G in bin 6);
        :func:`musiceval.in_scale_ratio` gives 1.

    Examples
    --------
    >>> import numpy as np
    >>> from musiceval.compat import deepcomposer
    >>> deepcomposer.in_scale_rate(-np.ones((1, 32, 128, 1)))  # silence: 7/12
    array([0.58333333])
    """
    chroma = block_chroma(_bars(x))
    in_scale = (C_MAJOR_MASK[:, None] * chroma.sum(axis=2)).sum(axis=(0, 1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        return in_scale / chroma.sum(axis=(0, 1, 2, 3))
