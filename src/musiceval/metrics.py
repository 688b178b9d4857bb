"""The metric functions: plain functions over batched piano rolls (scikit-learn style).

Every function takes the roll(s) ``x`` first and keyword-only options after it, and returns
float64 values of shape ``(n_samples, n_tracks)`` for the canonical layout ``"NTPK"``
(``(n_tracks,)`` for ``"KTP"``, a float for ``"TP"``). A cell is active when
``value > threshold``. A note is a maximal run of active steps at one pitch in one track, cut at
the edges of the roll (and of the bar with ``per="bar"``). Undefined values are NaN (a ratio with
nothing to count, e.g. no note); counts of nothing are 0. ``*_rate``/``*_ratio`` lie in [0, 1],
``n_*`` are counts. Full definitions, and how each differs from pypianoroll, MuseGAN, MusPy and
the DeepComposer lab, are in ``docs/metrics.md``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from musiceval._checks import check_choice, check_int, invalid
from musiceval._docstrings import doc
from musiceval.evaluate import compute
from musiceval.rolls import LAYOUTS, Layout, Per, Weight

__all__ = [
    "best_key",
    "drum_in_pattern_rate",
    "empty_bar_rate",
    "groove_consistency",
    "in_scale_ratio",
    "n_notes",
    "n_pitch_classes_used",
    "n_pitches_used",
    "pitch_class_entropy",
    "pitch_entropy",
    "pitch_range",
    "polyphonic_rate",
    "qualified_note_rate",
    "scale_consistency",
    "tonal_distance",
]

Result = np.ndarray | float


def _run(
    name: str,
    x: Any,
    *,
    layout: Layout,
    threshold: float,
    lowest_pitch: int | None,
    **options: Any,
) -> Result:
    values = compute(
        x, [name], layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, **options
    )[name]
    return float(values) if layout == "TP" else values


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
    return _run(
        "empty_bar_rate", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        steps_per_bar=steps_per_bar,
    )  # fmt: skip


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
    return _run(
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
    return _run(
        "n_pitch_classes_used", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "key", "mode", "lowest_pitch", "weight", "per", "bar_steps", "layout", "threshold")
def in_scale_ratio(
    x: Any,
    *,
    key: int | str = "C",
    mode: str = "major",
    lowest_pitch: int | None = None,
    weight: Weight = "cells",
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> Result:
    """Fraction of active cells (or notes) whose pitch class is in the scale.

    .. math:: \\mathrm{ISR} = \\frac{\\sum_{c \\in S(key, mode)} h_c}{\\sum_{c=0}^{11} h_c}

    where :math:`h_c` counts the active cells (``weight="cells"``) or notes (``"notes"``) of
    pitch class :math:`c`.

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, 1]; NaN for a silent track.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((4, 128), dtype=bool)
    >>> x[:, [60, 64, 67]] = True  # C-E-G
    >>> musiceval.in_scale_ratio(x, layout="TP"), musiceval.in_scale_ratio(x, key="F#", layout="TP")
    (1.0, 0.0)
    """
    return _run(
        "in_scale_ratio", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        key=key, mode=mode, weight=weight, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "mode", "lowest_pitch", "weight", "per", "bar_steps", "layout", "threshold")
def scale_consistency(
    x: Any,
    *,
    mode: str = "major",
    lowest_pitch: int | None = None,
    weight: Weight = "cells",
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> Result:
    """Largest in-scale ratio over the 12 keys of ``mode``.

    .. math:: \\mathrm{SC} = \\max_{k \\in 0..11} \\mathrm{ISR}(k, mode)

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        In [0, 1]; NaN for a silent track. See :func:`best_key` for the argmax.
    """
    return _run(
        "scale_consistency", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        mode=mode, weight=weight, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "mode", "lowest_pitch", "weight", "layout", "threshold")
def best_key(
    x: Any,
    *,
    mode: str = "major",
    lowest_pitch: int | None = None,
    weight: Weight = "cells",
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> Result:
    """Key (pitch class 0-11, C = 0) whose ``mode`` scale holds the most active cells.

    .. math:: \\arg\\max_{k \\in 0..11} \\mathrm{ISR}(k, mode)

    Ties go to the lowest pitch class.

    Parameters
    ----------
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks)
        Pitch class in 0..11 as a float; NaN for a silent track.
    """
    return _run(
        "best_key", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, mode=mode,
        weight=weight,
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
    return _run(
        "polyphonic_rate", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        min_pitches=min_pitches, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


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
    return _run(
        "qualified_note_rate", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        min_steps=min_steps, per=per, steps_per_bar=steps_per_bar,
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
    return _run(
        "pitch_range",
        x,
        layout=layout,
        threshold=threshold,
        lowest_pitch=lowest_pitch,
        per=per,
        steps_per_bar=steps_per_bar,
    )


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
    return _run(
        "n_notes",
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
    return _run(
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
    return _run(
        "pitch_class_entropy", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        weight=weight, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


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
    return _run(
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
    return _run(
        "groove_consistency", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "steps_per_beat", "lowest_pitch", "layout", "threshold")
def tonal_distance(
    x: Any,
    track_a: int,
    track_b: int,
    *,
    steps_per_beat: int = 4,
    radii: tuple[float, float, float] = (1.0, 1.0, 0.5),
    lowest_pitch: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> np.ndarray | float:
    """Mean distance between the tonal centroids of two tracks, beat by beat.

    For each beat, each track's chroma :math:`c` (active cells per pitch class) is mapped to
    the 6-D tonal centroid of Harte et al. (2006), :math:`\\zeta = \\Phi c / \\lVert c \\rVert_1`,
    with the fifths, minor-thirds and major-thirds circles of radii ``radii``. The distance is
    averaged over the beats where both tracks sound.

    .. math:: \\mathrm{TD} = \\operatorname{mean}_{beats} \\lVert \\zeta_a - \\zeta_b \\rVert_2

    ``steps_per_beat`` must divide n_steps.

    Parameters
    ----------
    track_a, track_b : int
        Indices of the two tracks compared.
    radii : tuple of 3 floats, default=(1.0, 1.0, 0.5)
        Radii of the fifths, minor-thirds and major-thirds circles.
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples,)
        >= 0 (at most 2 * sqrt(r1**2 + r2**2 + r3**2) = 3 by default), 0 for identical harmony;
        NaN when no beat has notes in both tracks. A float for ``layout="KTP"`` or ``"TP"``.

    References
    ----------
    C. Harte, M. Sandler and M. Gasser, "Detecting harmonic change in musical audio", 2006.
    """
    check_choice("layout", layout, LAYOUTS)
    shape = getattr(x, "shape", ())
    n_tracks = shape[layout.index("K")] if "K" in layout and len(shape) == len(layout) else 1
    for name, track in (("track_a", track_a), ("track_b", track_b)):
        check_int(name, track, minimum=0)
        if track >= n_tracks:
            raise invalid(name, f"a track index below n_tracks={n_tracks}", track)
    result = compute(
        x, ["tonal_distance"], layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        pairs=[(int(track_a), int(track_b))], steps_per_beat=steps_per_beat, radii=radii,
    )["tonal_distance"]  # fmt: skip
    return float(result[0]) if layout in ("TP", "KTP") else result[:, 0]
