"""Notes, bars and texture: how many notes, how long, how many at once, which bars are empty.

See :mod:`musiceval.metrics` for the conventions every metric shares.
"""

from __future__ import annotations

from typing import Any

from musiceval._docstrings import doc
from musiceval.metrics._runner import Result, run_metric
from musiceval.rolls import Layout, Per

__all__ = ["empty_bar_rate", "n_notes", "polyphonic_rate", "polyphony", "qualified_note_rate"]


@doc("x", "steps_per_bar", "layout", "threshold", "lowest_pitch")
def empty_bar_rate(
    x: Any,
    *,
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Fraction of bars in which the track has no active cell.

    .. math:: \\mathrm{EBR} = \\frac{\\#\\{b : \\text{no cell of bar } b \\text{ is active}\\}}
              {n\\_steps / steps\\_per\\_bar}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, 1]; NaN when the roll has no bar (n_steps = 0).

    Notes
    -----
    pypianoroll's ``empty_beat_rate``, MuseGAN's code and the DeepComposer lab return the
    *non*-empty rate; MusPy counts one bar too many.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((1, 64, 128, 1), dtype=bool)
    >>> x[0, 16:20, 60, 0] = True  # one note in bar 2 of 4
    >>> musiceval.empty_bar_rate(x)
    array([[0.75]])
    """
    return run_metric(
        "empty_bar_rate", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def n_notes(
    x: Any,
    *,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Number of notes (maximal runs of active steps at one pitch, cut at the roll's edges).

    .. math:: \\mathrm{N} = \\sum_p \\#\\{t : x_{t,p} > \\theta
              \\wedge (t = 0 \\vee x_{t-1,p} \\le \\theta)\\}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        >= 0; 0 for a silent track. Repeated notes with no gap merge into one (a binary roll
        cannot tell them apart).
    """
    return run_metric(
        "n_notes",
        x,
        layout=layout,
        threshold=threshold,
        lowest_pitch=lowest_pitch,
        per=per,
        steps_per_bar=steps_per_bar,
    )


@doc("x", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def qualified_note_rate(
    x: Any,
    *,
    min_steps: int = 2,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Fraction of notes that last at least ``min_steps`` steps.

    A note is a maximal run of active steps at one pitch, cut at the edges of the roll.

    .. math:: \\mathrm{QNR} = \\frac{\\#\\{\\text{notes with length} \\ge m\\}}{\\#\\text{notes}}

    Parameters
    ----------
    min_steps : int, default=2
        Shortest qualified note, in steps (``>=``).
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, 1]; NaN for a silent track.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((8, 128), dtype=bool)
    >>> x[0, 60] = x[4, 62] = True  # two one-step notes
    >>> musiceval.qualified_note_rate(x, min_steps=2, layout="TP")
    0.0
    """
    return run_metric(
        "qualified_note_rate", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        min_steps=min_steps, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def polyphonic_rate(
    x: Any,
    *,
    min_pitches: int = 2,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Fraction of all steps at which at least ``min_pitches`` pitches are active.

    .. math:: \\mathrm{PR} = \\frac{\\#\\{t : \\#\\{p : x_{t,p} > \\theta\\} \\ge m\\}}{n\\_steps}

    Parameters
    ----------
    min_pitches : int, default=2
        Pitches that must sound together (``>=``).
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, 1]; NaN when n_steps = 0. Silent steps count in the denominator.
    """
    return run_metric(
        "polyphonic_rate", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        min_pitches=min_pitches, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "per", "bar_steps", "layout", "threshold", "lowest_pitch")
def polyphony(
    x: Any,
    *,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Mean number of active pitches over the steps where at least one pitch is active.

    .. math:: \\mathrm{polyphony} = \\frac{\\sum_t \\#\\{p : x_{t,p} > \\theta\\}}
              {\\#\\{t : \\exists p,\\ x_{t,p} > \\theta\\}}

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [1, n_pitches]; 1 for a melody, NaN for a silent track. Silent steps do not count
        (unlike :func:`musiceval.polyphonic_rate`'s denominator).

    Notes
    -----
    MusPy's ``polyphony`` has this definition but pools every non-drum track of a song into
    one roll; here each track has its own value.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((8, 128), dtype=bool)
    >>> x[0:4, [60, 64, 67]] = True  # a triad for 4 steps, then 2 steps of one note, 2 silent
    >>> x[4:6, 60] = True
    >>> musiceval.polyphony(x, layout="TP")
    2.3333333333333335
    """
    return run_metric(
        "polyphony",
        x,
        layout=layout,
        threshold=threshold,
        lowest_pitch=lowest_pitch,
        per=per,
        steps_per_bar=steps_per_bar,
    )
