"""Vector-valued metrics: pitch, pitch-class, note-length and inter-onset-interval
histograms, the pitch-class and note-length transition matrices.

Each returns, per sample and track, a vector (or matrix) instead of one number:
``(n_samples, n_tracks, 12)`` for a pitch-class histogram (``(n_tracks, 12)`` for ``"KTP"``,
``(12,)`` for ``"TP"``). With the default ``normalize="total"`` the components are fractions
that sum to 1, and a silent track (nothing to count) gives all NaN; with ``normalize=None``
they are counts, and 0 for a silent track. See :mod:`musiceval.metrics` for the conventions
every metric shares and ``docs/metrics.md`` for how these differ from mgeval, MusPy and
pretty_midi.
"""

from __future__ import annotations

from typing import Any, Literal

from musiceval._docstrings import doc
from musiceval.metrics._runner import Result, run_metric
from musiceval.rolls import Layout, Per, Weight

__all__ = [
    "Normalize",
    "ioi_histogram",
    "note_length_histogram",
    "note_length_transition_matrix",
    "pitch_class_histogram",
    "pitch_class_transition_matrix",
    "pitch_histogram",
]

Normalize = Literal["total", "row"]
"""How a vector-valued metric is normalised (``None``: counts)."""

_NORMALIZE = """normalize : {"total", "row"} or None, default="total"
        ``"total"``: divide by the sum of all components (they sum to 1; NaN when nothing is
        counted); ``"row"``: divide each row by its sum (a histogram is one row: the same as
        ``"total"``); ``None``: the counts."""


@doc("lowest_pitch", "weight", "per", "bar_steps", "layout", "threshold")
def pitch_class_histogram(
    x: Any,
    *,
    weight: Weight = "cells",
    normalize: Normalize | None = "total",
    lowest_pitch: int | None = None,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> Result:
    """Histogram of the 12 pitch classes ``(lowest_pitch + p) % 12`` (C = 0), normalised.

    .. math:: h_c = \\sum_{p : (p_0 + p) \\bmod 12 = c} w_p, \\qquad
              q_c = \\frac{h_c}{\\sum_{c'=0}^{11} h_{c'}}

    where :math:`w_p` is the number of active cells (``weight="cells"``, duration-weighted) or
    of notes (``weight="notes"``) at pitch index :math:`p`. The counts are those of
    :func:`musiceval.pitch_class_entropy`, which is the entropy of this histogram.

    Parameters
    ----------
    x : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Piano rolls (other axis orders through ``layout``). Never modified.
    {normalize}
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks, 12)
        Bin ``c`` is pitch class ``c``. In [0, 1], summing to 1; all NaN for a silent track
        (all 0 with ``normalize=None``). MusPy's histogram (behind its
        ``pitch_class_entropy``) is ``weight="notes"``.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((16, 128), dtype=bool)
    >>> x[:8, 60] = x[8:12, 64] = x[12:, 67] = True  # C4 for 8 steps, E4 for 4, G4 for 4
    >>> musiceval.pitch_class_histogram(x, layout="TP")[[0, 4, 7]].tolist()
    [0.5, 0.25, 0.25]
    >>> musiceval.pitch_class_histogram(x, weight="notes", layout="TP")[[0, 4, 7]].round(3)
    array([0.333, 0.333, 0.333])
    >>> bool(np.isnan(musiceval.pitch_class_histogram(x[:0], layout="TP")).all())
    True
    """
    return run_metric(
        "pitch_class_histogram", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        weight=weight, normalize=normalize, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("lowest_pitch", "weight", "per", "bar_steps", "layout", "threshold")
def pitch_histogram(
    x: Any,
    *,
    weight: Weight = "cells",
    normalize: Normalize | None = "total",
    lowest_pitch: int | None = None,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> Result:
    """Histogram of the 128 MIDI pitches, normalised.

    .. math:: q_m = \\frac{w_{m - p_0}}{\\sum_p w_p}, \\qquad m = 0, \\dots, 127

    where :math:`w_p` counts active cells (``weight="cells"``) or notes (``weight="notes"``) at
    pitch index :math:`p` and :math:`p_0` is ``lowest_pitch``. Always 128 bins, one per MIDI
    pitch, whatever the roll's pitch axis: a cropped roll (say 84 pitches from MIDI 24) fills
    bins ``lowest_pitch`` to ``lowest_pitch + n_pitches - 1`` and leaves the others 0, so
    histograms of differently cropped rolls line up.

    Parameters
    ----------
    x : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Piano rolls (other axis orders through ``layout``). Never modified.
    {normalize}
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks, 128)
        Bin ``m`` is MIDI pitch ``m``. In [0, 1], summing to 1; all NaN for a silent track
        (all 0 with ``normalize=None``). :func:`musiceval.pitch_entropy` is its entropy.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((16, 84), dtype=bool)  # MIDI 24..107
    >>> x[:, 60 - 24] = True
    >>> int(musiceval.pitch_histogram(x, lowest_pitch=24, layout="TP").argmax())
    60
    """
    return run_metric(
        "pitch_histogram", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        weight=weight, normalize=normalize, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("lowest_pitch", "per", "bar_steps", "layout", "threshold")
def pitch_class_transition_matrix(
    x: Any,
    *,
    normalize: Normalize | None = "total",
    lowest_pitch: int | None = None,
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
) -> Result:
    """Transitions between the pitch classes of consecutive onsets, as a 12 x 12 matrix.

    Let :math:`O_t` be the set of pitch classes with a note starting at step :math:`t` (in
    the track) and :math:`t_1 < t_2 < \\dots < t_m` the steps where :math:`O_t` is not empty.
    Consecutive onsets are :math:`(t_i, t_{i+1})`, whatever lies between them (rests, held
    notes); every pair of a class in :math:`O_{t_i}` and a class in :math:`O_{t_{i+1}}` is a
    transition:

    .. math:: C_{ab} = \\sum_{i=1}^{m-1} [a \\in O_{t_i}]\\,[b \\in O_{t_{i+1}}], \\qquad
              T_{ab} = \\frac{C_{ab}}{\\sum_{a',b'} C_{a'b'}}

    For a melody (one note at a time) this counts each note's class against the next note's.
    A chord of classes A followed by a chord of classes B adds 1 to every cell of A x B; two
    pitches of one class starting together count once (a set). Repeated notes with no gap
    merge into one note (a binary roll cannot tell them apart).

    The default ``normalize="total"`` gives the joint distribution of consecutive pairs: it
    sums to 1 like the histograms, is defined whenever the track has two onset steps, and
    weighs each transition by how often it occurs, so distances between matrices (as mgeval
    computes) and means over samples are not dominated by rare classes. ``normalize="row"``
    gives the Markov chain :math:`P(b \\mid a)`, with NaN rows for classes that never lead
    anywhere (undefined, not 0).

    Parameters
    ----------
    x : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Piano rolls (other axis orders through ``layout``). Never modified.
    {normalize}
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks, 12, 12)
        ``[..., a, b]``: from class ``a`` to class ``b``. In [0, 1]; all NaN when the track has
        fewer than two onset steps (all 0 with ``normalize=None``). :func:`musiceval.evaluate`
        numbers the bins ``12 * a + b``.

    Notes
    -----
    mgeval (through pretty_midi's ``get_pitch_class_transition_matrix``) counts a transition
    from note A to note B when B starts within 0.05 s of A's end: notes separated by a rest
    never count, overlapping notes do, and its default is counts (``normalize=0``). Here rests
    and durations do not matter, only the order of onsets.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((12, 128), dtype=bool)
    >>> x[0:4, 60] = x[4:8, 62] = x[8:12, 64] = True  # C D E
    >>> m = musiceval.pitch_class_transition_matrix(x, normalize=None, layout="TP")
    >>> [(int(a), int(b)) for a, b in np.argwhere(m)], float(m.sum())
    ([(0, 2), (2, 4)], 2.0)
    """
    return run_metric(
        "pitch_class_transition_matrix", x, layout=layout, threshold=threshold,
        lowest_pitch=lowest_pitch, normalize=normalize, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("per", "bar_steps", "layout", "threshold", "lowest_pitch")
def note_length_histogram(
    x: Any,
    *,
    normalize: Normalize | None = "total",
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Histogram of note lengths in steps: 32 bins, lengths 1 to 31 and 32 or more.

    .. math:: h_i = \\#\\{\\text{notes of length } i + 1\\} \\ (i < 31), \\quad
              h_{31} = \\#\\{\\text{notes of length} \\ge 32\\}, \\qquad
              q_i = \\frac{h_i}{\\sum_j h_j}

    A note is a maximal run of active steps at one pitch, cut at the edges of the roll (and of
    each bar with ``per="bar"``): a note tied over a bar line counts as two there. Lengths are
    exact step counts, not rounded to musical durations; at 4 steps per beat bin 0 is a
    sixteenth note, bin 3 a quarter, bin 15 a 4/4 bar and bin 31 two bars or longer.

    Parameters
    ----------
    x : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Piano rolls (other axis orders through ``layout``). Never modified.
    {normalize}
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks, 32)
        Bin ``i`` holds the notes of ``i + 1`` steps (the last one, 32 steps or more). In
        [0, 1], summing to 1; all NaN for a silent track (all 0 with ``normalize=None``).

    Notes
    -----
    mgeval's ``note_length_hist`` has 12 bins of musical durations (whole, half, quarter,
    eighth, sixteenth, their dotted values, three triplets) relative to the bar, each note put
    in the nearest; here the bins are step counts, the same for any metre.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((16, 128), dtype=bool)
    >>> x[0:4, 60] = x[4:6, 62] = x[6:8, 64] = True  # lengths 4, 2, 2
    >>> h = musiceval.note_length_histogram(x, normalize=None, layout="TP")
    >>> h[:4].tolist()
    [0.0, 2.0, 0.0, 1.0]
    """
    return run_metric(
        "note_length_histogram", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        normalize=normalize, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("per", "bar_steps", "layout", "threshold", "lowest_pitch")
def ioi_histogram(
    x: Any,
    *,
    normalize: Normalize | None = "total",
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Histogram of inter-onset intervals in steps: 32 bins, 1 to 31 steps and 32 or more.

    The IOIs :math:`d_i = t_{i+1} - t_i` are the gaps between consecutive onset steps of the
    track (steps where at least one note starts; see :func:`musiceval.ioi_mean`, whose value
    is this histogram's mean):

    .. math:: h_j = \\#\\{i : d_i = j + 1\\} \\ (j < 31), \\quad
              h_{31} = \\#\\{i : d_i \\ge 32\\}, \\qquad
              q_j = \\frac{h_j}{\\sum_l h_l}

    The bins are those of :func:`musiceval.note_length_histogram`: at 4 steps per beat bin 3
    is a quarter note between onsets, bin 15 a 4/4 bar. A chord is one onset step (no IOI of
    0); with ``per="bar"`` only the IOIs inside each bar count.

    Parameters
    ----------
    x : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Piano rolls (other axis orders through ``layout``). Never modified.
    {normalize}
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks, 32)
        Bin ``j`` holds the IOIs of ``j + 1`` steps (the last one, 32 steps or more). In
        [0, 1], summing to 1; all NaN with fewer than two onset steps (all 0 with
        ``normalize=None``).

    Notes
    -----
    mgeval's ``avg_IOI`` is the mean of the differences between the sorted onsets of all
    notes, in seconds, with a 0 for every extra note of a chord; it has no histogram. MusPy
    has no IOI metric.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((16, 128), dtype=bool)
    >>> x[0:4, 60] = x[4:6, [64, 67]] = x[10:12, 62] = True  # onsets at 0, 4 (a chord), 10
    >>> h = musiceval.ioi_histogram(x, normalize=None, layout="TP")
    >>> h[:6].tolist()
    [0.0, 0.0, 0.0, 1.0, 0.0, 1.0]
    """
    return run_metric(
        "ioi_histogram", x, layout=layout, threshold=threshold, lowest_pitch=lowest_pitch,
        normalize=normalize, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


@doc("per", "bar_steps", "layout", "threshold", "lowest_pitch")
def note_length_transition_matrix(
    x: Any,
    *,
    normalize: Normalize | None = "total",
    per: Per = "sample",
    steps_per_bar: int | None = None,
    layout: Layout = "NTPK",
    threshold: float = 0.0,
    lowest_pitch: int | None = None,
) -> Result:
    """Transitions between the lengths of consecutive onsets, as a 6 x 6 matrix.

    Note lengths are binned by octaves of steps: bin :math:`b < 5` holds the notes of
    :math:`2^b` to :math:`2^{b+1} - 1` steps (1, 2-3, 4-7, 8-15, 16-31), bin 5 the notes of 32
    steps or more. With :math:`L_t` the set of bins of the notes starting at step :math:`t` and
    :math:`t_1 < \\dots < t_m` the onset steps of the track, as for
    :func:`musiceval.pitch_class_transition_matrix`:

    .. math:: C_{ab} = \\sum_{i=1}^{m-1} [a \\in L_{t_i}]\\,[b \\in L_{t_{i+1}}], \\qquad
              T_{ab} = \\frac{C_{ab}}{\\sum_{a',b'} C_{a'b'}}

    For a melody this counts each note's length bin against the next note's. Notes are
    maximal runs of active steps (cut at the roll's edges, and at bar lines with
    ``per="bar"``). Octave bins are the same for any metre and stretch with time: playing
    the roll twice as slowly (each step repeated) moves bin :math:`b < 5` to :math:`b + 1`.
    At 4 steps per beat they are: sixteenth; eighth (and dotted eighth); quarter up to a half
    less one step; half; whole note (one 4/4 bar); two bars or more.

    Parameters
    ----------
    x : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Piano rolls (other axis orders through ``layout``). Never modified.
    {normalize}
    {parameters}

    Returns
    -------
    ndarray of float64, shape (n_samples, n_tracks, 6, 6)
        ``[..., a, b]``: from length bin ``a`` to length bin ``b``. In [0, 1]; all NaN when the
        track has fewer than two onset steps (all 0 with ``normalize=None``).
        :func:`musiceval.evaluate` numbers the bins ``6 * a + b``.

    Notes
    -----
    mgeval's ``note_length_transition_matrix`` uses its 12 musical-duration classes of
    ``note_length_hist`` (each note rounded to the nearest), consecutive notes in the order of
    the MIDI file's events, and counts by default; here the bins are octaves of steps, the
    order is that of onset steps and notes starting together are a set.

    Examples
    --------
    >>> import numpy as np, musiceval
    >>> x = np.zeros((16, 128), dtype=bool)
    >>> x[0:4, 60] = x[4:5, 62] = x[5:16, 64] = True  # lengths 4, 1, 11: bins 2, 0, 3
    >>> m = musiceval.note_length_transition_matrix(x, normalize=None, layout="TP")
    >>> [(int(a), int(b)) for a, b in np.argwhere(m)]
    [(0, 3), (2, 0)]
    """
    return run_metric(
        "note_length_transition_matrix", x, layout=layout, threshold=threshold,
        lowest_pitch=lowest_pitch, normalize=normalize, per=per, steps_per_bar=steps_per_bar,
    )  # fmt: skip


_VECTORS = (pitch_class_histogram, pitch_histogram, pitch_class_transition_matrix)
for _function in (*_VECTORS, note_length_histogram, ioi_histogram, note_length_transition_matrix):
    _function.__doc__ = (_function.__doc__ or "").replace("{normalize}", _NORMALIZE)
