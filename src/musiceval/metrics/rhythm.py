"""Rhythm: the drum pattern, the groove from bar to bar and the inter-onset intervals.

See :mod:`musiceval.metrics` for the conventions every metric shares.
"""

from __future__ import annotations

from typing import Any

from musiceval._docstrings import doc
from musiceval.metrics._runner import Result, run_metric
from musiceval.rolls import Layout, Per

__all__ = ["drum_in_pattern_rate", "groove_consistency", "ioi_mean", "ioi_std"]

_ONSETS = """An onset step of a track is a step where at least one of its notes starts (a cell
    switches on: a note held without a gap has one onset, so a repeated pitch held continuously
    is one note, as in every metric); the inter-onset intervals (IOIs) of the track are the gaps
    :math:`d_i = t_{i+1} - t_i \\ge 1` between its consecutive onset steps
    :math:`t_1 < \\dots < t_m`, rests and held notes included. A chord is one onset step, so
    notes starting together give no IOI of 0 (mgeval's ``avg_IOI`` gives one per extra note
    of the chord). With ``per="bar"`` each bar is a roll of its own: a note held over a bar line
    starts again at the bar's first step, and only the IOIs inside the bar count."""


@doc("x", "steps_per_beat", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def drum_in_pattern_rate(
    x: Any,
    *,
    steps_per_beat: int = 4,
    grid: int = 2,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Fraction of notes (hits) that start on the rhythmic grid.

    The grid has ``grid`` positions per beat (2: eighth notes, MuseGAN's "8-beat" pattern; 4:
    sixteenths), counted from the first step of the roll: step ``t`` is on it when
    ``t % (steps_per_beat // grid) == 0``.

    .. math:: \\mathrm{DP} = \\frac{\\#\\{\\text{notes starting on the grid}\\}}{\\#\\text{notes}}

    Parameters
    ----------
    grid : int, default=2
        Grid positions per beat; must divide ``steps_per_beat``.
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, 1]; NaN for a silent track. Meaningful on drum tracks.
    """
    return run_metric(
        "drum_in_pattern_rate", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        steps_per_beat=steps_per_beat, grid=grid, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "steps_per_bar", "layout", "threshold", "lowest_pitch")
def groove_consistency(
    x: Any,
    *,
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """One minus the mean onset-pattern distance between consecutive bars.

    :math:`G_b` is the set of positions in bar :math:`b` where some note of the track starts.
    Consecutive bars are compared by the Jaccard distance of their onset sets, so positions
    where *neither* bar has an onset do not count (MusPy divides the Hamming distance by the bar
    length, which lets shared silence dominate: its issue #73). Pairs of two onset-free bars are
    skipped.

    .. math:: \\mathrm{GC} = 1 - \\operatorname{mean}_{b : G_b \\cup G_{b+1} \\ne \\emptyset}
              \\frac{|G_b \\triangle G_{b+1}|}{|G_b \\cup G_{b+1}|}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, 1], 1 = every bar repeats the same onset pattern; NaN with fewer than two bars or
        no onset. A silent bar then a one-kick bar gives 0 (MusPy: 0.9375 at 16 steps).
    """
    return run_metric(
        "groove_consistency", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def ioi_mean(
    x: Any,
    *,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Mean inter-onset interval, in steps.

    {onsets}

    .. math:: \\mathrm{IOI} = \\frac{1}{m - 1} \\sum_{i=1}^{m-1} (t_{i+1} - t_i)
              = \\frac{t_m - t_1}{m - 1}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [1, n_steps - 1]; NaN with fewer than two onset steps. Time-stretching the roll by
        ``s`` (each step repeated ``s`` times) multiplies it by ``s``; transposing leaves it.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((16, 128), dtype=bool)
    >>> x[0:4, 60] = x[4:6, 64] = x[4:6, 67] = x[10:12, 62] = True  # onsets at 0, 4, 10
    >>> musiceval.ioi_mean(x, layout="TP")  # (4 + 6) / 2
    5.0
    >>> musiceval.ioi_mean(x[:4], layout="TP")  # one onset step: undefined
    nan
    """
    return run_metric(
        "ioi_mean", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, per=per,
        steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def ioi_std(
    x: Any,
    *,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Population standard deviation of the inter-onset intervals, in steps.

    {onsets}

    .. math:: \\sigma_{\\mathrm{IOI}} = \\sqrt{\\frac{1}{m - 1} \\sum_{i=1}^{m-1}
              (d_i - \\bar d)^2}, \\qquad \\bar d = \\mathrm{IOI}

    the population standard deviation (``ddof=0``) of the :math:`m - 1` IOIs, defined from one
    IOI on (one IOI: 0), so it is defined exactly where :func:`musiceval.ioi_mean` is.

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        >= 0, 0 for an isochronous track (every IOI the same); NaN with fewer than two onset
        steps. Scales with time-stretching as :func:`musiceval.ioi_mean`.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((16, 128), dtype=bool)
    >>> x[0:4, 60] = x[4:6, 64] = x[10:12, 62] = True  # IOIs 4 and 6
    >>> musiceval.ioi_std(x, layout="TP")
    1.0
    """
    return run_metric(
        "ioi_std", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, per=per,
        steps_per_bar=steps_per_bar,
    )  # fmt: skip


for _function in (ioi_mean, ioi_std):
    _function.__doc__ = (_function.__doc__ or "").replace("{onsets}", _ONSETS)
