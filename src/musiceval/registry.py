"""One table of every metric: what it measures, its bounds, what it needs from the data.

The engine, ``compute``, ``evaluate``, profiles, reports, hooks, the CLI and the tests read this
table instead of listing metrics again; each metric's definition (its reducer) lives in the
engine, under the same name. Naming rule (as scikit-learn's): ``*_rate``/``*_ratio`` lie in [0, 1],
``n_*`` are counts, ``*_distance`` is lower-is-closer; none of these is "higher is better": a
generator is good when its values are close to the training set's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["METRICS", "PER_TRACK", "MetricSpec"]


@dataclass(frozen=True)
class MetricSpec:
    """Metadata of one metric.

    Attributes
    ----------
    name : str
        Public function name in :mod:`musiceval`.
    kind : str
        ``"rate"`` (a fraction), ``"count"``, ``"entropy"``, ``"pitch"`` (a pitch class or
        interval) or ``"distance"``.
    lower, upper : float
        Bounds of every defined value with the default options (``upper`` for a 128-pitch roll;
        it can be ``inf``; the tonal distance's is ``2 * sqrt(r1**2 + r2**2 + r3**2)``).
    unit : str
        What the value counts or measures.
    options : tuple of str
        The conventions (keyword options) the value depends on, besides layout and threshold.
    needs : frozenset of str
        Optional statistics: ``"bars"``, ``"onsets"``, ``"beats"``, ``"pitches"``.
    per_bar : bool
        Whether ``per="bar"`` applies (the metric is computed on each bar alone).
    pairwise : bool
        Compares two tracks (values per track pair, not per track).
    """

    name: str
    kind: str
    lower: float
    upper: float
    unit: str
    options: tuple[str, ...] = ()
    needs: frozenset[str] = frozenset()
    per_bar: bool = True
    pairwise: bool = False


_SCALE = ("key", "mode", "lowest_pitch", "weight")

METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in [
        MetricSpec("empty_bar_rate", "rate", 0, 1, "fraction of bars",
                   ("steps_per_bar",), frozenset({"bars"}), per_bar=False),
        MetricSpec("n_pitches_used", "count", 0, 128, "pitches"),
        MetricSpec("n_pitch_classes_used", "count", 0, 12,
                   "pitch classes", ("lowest_pitch",)),
        MetricSpec("in_scale_ratio", "rate", 0, 1,
                   "fraction of cells (or notes)", _SCALE),
        MetricSpec("scale_consistency", "rate", 0, 1,
                   "fraction of cells (or notes)", ("mode", "lowest_pitch", "weight")),
        MetricSpec("best_key", "pitch", 0, 11, "pitch class of the key",
                   ("mode", "lowest_pitch", "weight"), per_bar=False),
        MetricSpec("polyphonic_rate", "rate", 0, 1, "fraction of steps",
                   ("min_pitches",)),
        MetricSpec("qualified_note_rate", "rate", 0, 1,
                   "fraction of notes", ("min_steps",)),
        MetricSpec("pitch_range", "pitch", 0, 127, "semitones"),
        MetricSpec("n_notes", "count", 0, math.inf, "notes"),
        MetricSpec("pitch_entropy", "entropy", 0, math.log2(128), "bits",
                   ("weight",), frozenset({"pitches"})),
        MetricSpec("pitch_class_entropy", "entropy", 0,
                   math.log2(12), "bits", ("lowest_pitch", "weight")),
        MetricSpec("drum_in_pattern_rate", "rate", 0, 1,
                   "fraction of notes", ("steps_per_beat", "grid"), frozenset({"onsets"})),
        MetricSpec("groove_consistency", "rate", 0, 1,
                   "1 - mean onset-pattern distance", ("steps_per_bar",),
                   frozenset({"bars", "onsets"}), per_bar=False),
        MetricSpec("tonal_distance", "distance", 0, 3,
                   "tonal-centroid distance", ("steps_per_beat", "lowest_pitch", "radii"),
                   frozenset({"beats"}), per_bar=False, pairwise=True),
    ]
}  # fmt: skip

PER_TRACK: tuple[str, ...] = tuple(name for name, spec in METRICS.items() if not spec.pairwise)
