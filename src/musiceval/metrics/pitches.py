"""Pitches and pitch classes: how many are used, their range, extremes, entropy and motion.

See :mod:`musiceval.metrics` for the conventions every metric shares.
"""

from __future__ import annotations

from typing import Any

from musiceval._docstrings import doc
from musiceval.metrics._runner import Result, run_metric
from musiceval.rolls import Layout, Per, Weight

__all__ = [
    "highest_active_pitch",
    "lowest_active_pitch",
    "n_pitch_classes_used",
    "n_pitches_used",
    "pitch_class_entropy",
    "pitch_entropy",
    "pitch_range",
    "pitch_shift",
]


@doc("x", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def n_pitches_used(
    x: Any,
    *,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Number of distinct pitches with at least one active cell.

    .. math:: \\mathrm{NPU} = \\#\\{p : \\exists t,\\ x_{t,p} > \\theta\\}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, n_pitches]; 0 for a silent track.

    Notes
    -----
    MuseGAN's code counts active *cells* per bar under this name (its issue #141).
    """
    return run_metric(
        "n_pitches_used",
        x,
        layout=layout,
        threshold=threshold,
        lowest_pitch=lowest_pitch,
        per=per,
        steps_per_bar=steps_per_bar,
    )


@doc("x", "lowest_pitch", "per", "bar_steps", "layout", "threshold")
def n_pitch_classes_used(
    x: Any,
    *,
    lowest_pitch: int | None = None,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> Result:
    """Number of distinct pitch classes ``(lowest_pitch + p) % 12`` with an active cell.

    .. math:: \\mathrm{NPCU} = \\#\\{(p_0 + p) \\bmod 12 : \\exists t,\\ x_{t,p} > \\theta\\}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, 12]; 0 for a silent track. MuseGAN's "UPC" is ``per="bar"``.

    Notes
    -----
    pypianoroll bins pitches by ``p // 10``; MuseGAN and the DeepComposer lab sum blocks of
    adjacent semitones. Here C4 + C5 is one pitch class and C-E-G three.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((16, 128), dtype=bool)
    >>> x[:, [60, 72]] = True  # C4 + C5
    >>> musiceval.n_pitch_classes_used(x, layout="TP")
    1.0
    """
    return run_metric(
        "n_pitch_classes_used", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def pitch_range(
    x: Any,
    *,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Highest minus lowest active pitch, in semitones.

    .. math:: \\mathrm{range} = \\max\\{p : \\text{active}\\} - \\min\\{p : \\text{active}\\}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, n_pitches - 1]; 0 for a single pitch, NaN for a silent track (MusPy gives -127 for
        drum-only music).
    """
    return run_metric(
        "pitch_range",
        x,
        layout=layout,
        threshold=threshold,
        lowest_pitch=lowest_pitch,
        per=per,
        steps_per_bar=steps_per_bar,
    )


@doc("x", "weight", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def pitch_entropy(
    x: Any,
    *,
    weight: Weight = "cells",
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Shannon entropy (bits) of the pitch histogram.

    .. math:: H = -\\sum_p q_p \\log_2 q_p, \\quad q_p = h_p / \\sum_{p'} h_{p'}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, log2(n_pitches)]; 0 for one pitch, NaN for a silent track. MusPy weights by
        notes: use ``weight="notes"`` to match it.
    """
    return run_metric(
        "pitch_entropy", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        weight=weight, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "lowest_pitch", "weight", "per", "bar_steps", "layout", "threshold")
def pitch_class_entropy(
    x: Any,
    *,
    lowest_pitch: int | None = None,
    weight: Weight = "cells",
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> Result:
    """Shannon entropy (bits) of the pitch-class histogram (``(lowest_pitch + p) % 12``).

    .. math:: H = -\\sum_{c=0}^{11} q_c \\log_2 q_c, \\quad q_c = h_c / \\sum_{c'} h_{c'}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, log2(12)]; NaN for a silent track.
    """
    return run_metric(
        "pitch_class_entropy", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        weight=weight, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "lowest_pitch", "per", "bar_steps", "layout", "threshold")
def lowest_active_pitch(
    x: Any,
    *,
    lowest_pitch: int | None = None,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> Result:
    """MIDI number of the lowest pitch with an active cell.

    Named ``*_active_pitch`` so as not to clash with the ``lowest_pitch`` option (where the
    roll's pitch axis starts).

    .. math:: \\mathrm{lowest} = p_0 + \\min\\{p : \\exists t,\\ x_{t,p} > \\theta\\}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        A MIDI pitch (``lowest_pitch`` + pitch index) in [0, 127]; NaN for a silent track.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((4, 84), dtype=bool)  # MIDI 24..107
    >>> x[:, [36, 40]] = True  # MIDI 60 and 64
    >>> musiceval.lowest_active_pitch(x, lowest_pitch=24, layout="TP")
    60.0
    """
    return run_metric(
        "lowest_active_pitch", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "lowest_pitch", "per", "bar_steps", "layout", "threshold")
def highest_active_pitch(
    x: Any,
    *,
    lowest_pitch: int | None = None,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> Result:
    """MIDI number of the highest pitch with an active cell.

    .. math:: \\mathrm{highest} = p_0 + \\max\\{p : \\exists t,\\ x_{t,p} > \\theta\\}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        A MIDI pitch (``lowest_pitch`` + pitch index) in [0, 127]; NaN for a silent track.
        ``highest_active_pitch - lowest_active_pitch`` is :func:`musiceval.pitch_range`.
    """
    return run_metric(
        "highest_active_pitch", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def pitch_shift(
    x: Any,
    *,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Mean absolute interval, in semitones, between the pitches of consecutive onsets.

    Let :math:`t_1 < \\dots < t_m` be the onset steps of the track (steps where at least one
    note starts, as for :func:`musiceval.ioi_mean`) and :math:`\\bar p_i` the mean pitch of
    the notes starting at :math:`t_i` (the pitch itself for a single note):

    .. math:: \\mathrm{PS} = \\frac{1}{m - 1} \\sum_{i=1}^{m-1}
              \\left| \\bar p_{i+1} - \\bar p_i \\right|

    For a melody (one note per onset step) this is mgeval's ``avg_pitch_shift``: the mean
    absolute difference between consecutive notes' pitches. Notes that start together (a
    chord) are one event at their mean pitch, so the value does not depend on an order among
    simultaneous notes, which a piano roll does not have (mgeval takes the MIDI file's event
    order, and then counts the spacing inside a chord as motion). Held notes and rests between
    onsets do not matter; a repeated pitch held without a gap is one note.

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, 127]; 0 when every onset repeats the same (mean) pitch; NaN with fewer than two
        onset steps. Unchanged by transposition and by time-stretching.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((12, 128), dtype=bool)
    >>> x[0:4, 60] = x[4:8, 67] = x[8:12, 64] = True  # C4 G4 E4: up 7, down 3
    >>> musiceval.pitch_shift(x, layout="TP")
    5.0
    >>> x[8:12, 72] = True  # E4 and C5 together: mean pitch 68, 1 above G4
    >>> musiceval.pitch_shift(x, layout="TP")
    4.0
    """
    return run_metric(
        "pitch_shift", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, per=per,
        steps_per_bar=steps_per_bar,
    )  # fmt: skip
