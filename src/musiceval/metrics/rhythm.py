"""Rhythm: the drum pattern and the groove from bar to bar.

See :mod:`musiceval.metrics` for the conventions every metric shares.
"""

from __future__ import annotations

from typing import Any

from musiceval._docstrings import doc
from musiceval.metrics._runner import Result, run_metric
from musiceval.rolls import Layout, Per

__all__ = ["drum_in_pattern_rate", "groove_consistency"]


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
