"""Scales, keys and harmony: in-scale ratios, the best-fitting key, tonal distance between tracks.

See :mod:`musiceval.metrics` for the conventions every metric shares.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from musiceval._checks import check_choice, check_int, invalid
from musiceval._docstrings import doc
from musiceval.evaluate import compute
from musiceval.metrics._runner import Result, run_metric
from musiceval.rolls import LAYOUTS, Layout, Per, Weight
from musiceval.scales import Mode

__all__ = ["best_key", "in_scale_ratio", "scale_consistency", "tonal_distance"]


@doc("x", "key", "mode", "lowest_pitch", "weight", "per", "bar_steps", "layout", "threshold")
def in_scale_ratio(
    x: Any,
    *,
    key: int | str = "C",
    mode: Mode = "major",
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
    return run_metric(
        "in_scale_ratio", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        key=key, mode=mode, weight=weight, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "mode", "lowest_pitch", "weight", "per", "bar_steps", "layout", "threshold")
def scale_consistency(
    x: Any,
    *,
    mode: Mode = "major",
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
    return run_metric(
        "scale_consistency", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        mode=mode, weight=weight, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("x", "mode", "lowest_pitch", "weight", "layout", "threshold")
def best_key(
    x: Any,
    *,
    mode: Mode = "major",
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
    return run_metric(
        "best_key", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, mode=mode,
        weight=weight,
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
    shape = getattr(x, "shape", None)
    n_tracks = None  # unknown until x is checked, by compute
    if shape is not None and len(shape) == len(layout):  # the layout's letters are its axes
        n_tracks = shape[layout.index("K")] if "K" in layout else 1
    for name, track in (("track_a", track_a), ("track_b", track_b)):
        check_int(name, track, minimum=0)
        if n_tracks is not None and track >= n_tracks:
            raise invalid(name, f"a track index below n_tracks={n_tracks}", track)
    result = compute(
        x, ["tonal_distance"], layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        pairs=[(int(track_a), int(track_b))], steps_per_beat=steps_per_beat, radii=radii,
    )["tonal_distance"]  # fmt: skip
    return float(result[0]) if layout in ("TP", "KTP") else result[:, 0]
