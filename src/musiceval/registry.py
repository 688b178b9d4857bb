"""One table of every metric: what it measures, its bounds, what it needs from the data.

The engine, ``compute``, ``evaluate``, profiles, reports, hooks, the CLI and the tests read this
table instead of listing metrics again; each metric's definition (its reducer) lives in the
engine, under the same name. Naming rule (as scikit-learn's): ``*_rate``/``*_ratio`` lie in [0, 1],
``n_*`` are counts, ``*_distance`` is lower-is-closer, ``*_histogram``/``*_matrix`` are
vector-valued distributions; none of these is "higher is better": a generator is good when its
values are close to the training set's.

Most metrics give one number per sample and track (``shape == ()``); the vector-valued ones
(:data:`VECTOR`: histograms, transition matrices) give an array of ``shape`` per sample and
track. :data:`PER_TRACK` is the default set of :func:`musiceval.compute`,
:func:`musiceval.evaluate` and :func:`musiceval.profile`: the per-track scalar metrics of
musiceval 0.1 (vectors, and the scalar metrics added since, such as ``polyphony``, are asked for
by name, so that default tables and profiles keep their content; a profile holds a vector
metric's statistics per component and its per-sample vectors, ``musiceval.profile(x,
["pitch_class_histogram"])``). :data:`SCALAR` lists every per-track scalar metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["DOMAINS", "METRICS", "PER_TRACK", "SCALAR", "VECTOR", "MetricSpec"]

DOMAINS = ("any", "pitched", "drums")
"""The values of :attr:`MetricSpec.domain`."""


@dataclass(frozen=True)
class MetricSpec:
    """Metadata of one metric.

    Attributes
    ----------
    name : str
        Public function name in :mod:`musiceval`.
    kind : str
        ``"rate"`` (a fraction), ``"count"``, ``"average"`` (a mean or a spread: of counts,
        steps or semitones), ``"entropy"``, ``"pitch"`` (a pitch class, MIDI pitch or
        interval), ``"distance"`` or
        ``"distribution"`` (a vector of fractions that sums to 1 with the default
        ``normalize="total"``).
    lower, upper : float
        Bounds of every defined value (every component, for a vector) with the default options
        (``upper`` for a 128-pitch roll; it can be ``inf``; the tonal distance's is
        ``2 * sqrt(r1**2 + r2**2 + r3**2)``).
    unit : str
        What the value counts or measures.
    options : tuple of str
        The conventions (keyword options) the value depends on, besides layout and threshold.
    needs : frozenset of str
        Optional statistics: ``"bars"``, ``"onsets"``, ``"beats"``, ``"pitches"``,
        ``"onset_classes"``, ``"lengths"``, ``"onset_pitches"``, ``"onset_octaves"``.
    per_bar : bool
        Whether ``per="bar"`` applies (the metric is computed on each bar alone).
    pairwise : bool
        Compares two tracks (values per track pair, not per track).
    shape : tuple of int
        Shape of one value: ``()`` for a number, ``(12,)`` for a pitch-class histogram,
        ``(12, 12)`` for a transition matrix. :func:`musiceval.compute` returns
        ``(n_samples, n_tracks, *shape)``; :func:`musiceval.evaluate` gives one row per
        component, numbered in C order in its ``bin`` column.
    default : bool
        In :data:`PER_TRACK`, the default set (the metrics of musiceval 0.1).
    domain : {"any", "pitched", "drums"}
        The tracks the metric applies to when the drum tracks are known (``drums=`` of
        :func:`musiceval.compute`): ``"pitched"`` metrics read pitch as pitch (scales, keys,
        ranges, chords) and are NaN on drum tracks, ``"drums"`` metrics (drum patterns,
        groove) are NaN on pitched tracks, ``"any"`` metrics (notes, bars, lengths) apply to
        both.
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
    shape: tuple[int, ...] = ()
    default: bool = True
    domain: str = "any"


_SCALE = ("key", "mode", "lowest_pitch", "weight")
_DISTRIBUTION = ("lowest_pitch", "weight", "normalize")

METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in [
        MetricSpec("empty_bar_rate", "rate", 0, 1, "fraction of bars",
                   ("steps_per_bar",), frozenset({"bars"}), per_bar=False),
        MetricSpec("n_pitches_used", "count", 0, 128, "pitches", domain="pitched"),
        MetricSpec("n_pitch_classes_used", "count", 0, 12,
                   "pitch classes", ("lowest_pitch",), domain="pitched"),
        MetricSpec("in_scale_ratio", "rate", 0, 1,
                   "fraction of cells (or notes)", _SCALE, domain="pitched"),
        MetricSpec("scale_consistency", "rate", 0, 1,
                   "fraction of cells (or notes)", ("mode", "lowest_pitch", "weight"),
                   domain="pitched"),
        MetricSpec("best_key", "pitch", 0, 11, "pitch class of the key",
                   ("mode", "lowest_pitch", "weight"), per_bar=False, domain="pitched"),
        MetricSpec("polyphonic_rate", "rate", 0, 1, "fraction of steps",
                   ("min_pitches",), domain="pitched"),
        MetricSpec("qualified_note_rate", "rate", 0, 1,
                   "fraction of notes", ("min_steps",)),
        MetricSpec("pitch_range", "pitch", 0, 127, "semitones", domain="pitched"),
        MetricSpec("n_notes", "count", 0, math.inf, "notes"),
        MetricSpec("pitch_entropy", "entropy", 0, math.log2(128), "bits",
                   ("weight",), frozenset({"pitches"}), domain="pitched"),
        MetricSpec("pitch_class_entropy", "entropy", 0,
                   math.log2(12), "bits", ("lowest_pitch", "weight"), domain="pitched"),
        MetricSpec("drum_in_pattern_rate", "rate", 0, 1,
                   "fraction of notes", ("steps_per_beat", "grid"), frozenset({"onsets"}),
                   domain="drums"),
        MetricSpec("groove_consistency", "rate", 0, 1,
                   "1 - mean onset-pattern distance", ("steps_per_bar",),
                   frozenset({"bars", "onsets"}), per_bar=False, domain="drums"),
        MetricSpec("tonal_distance", "distance", 0, 3,
                   "tonal-centroid distance", ("steps_per_beat", "lowest_pitch", "radii"),
                   frozenset({"beats"}), per_bar=False, pairwise=True, domain="pitched"),
        MetricSpec("polyphony", "average", 1, 128, "sounding pitches per sounding step",
                   default=False, domain="pitched"),
        MetricSpec("lowest_active_pitch", "pitch", 0, 127, "MIDI pitch", ("lowest_pitch",),
                   default=False, domain="pitched"),
        MetricSpec("highest_active_pitch", "pitch", 0, 127, "MIDI pitch", ("lowest_pitch",),
                   default=False, domain="pitched"),
        MetricSpec("pitch_class_histogram", "distribution", 0, 1,
                   "fraction of cells (or notes) per pitch class", _DISTRIBUTION,
                   shape=(12,), default=False, domain="pitched"),
        MetricSpec("pitch_histogram", "distribution", 0, 1,
                   "fraction of cells (or notes) per MIDI pitch", _DISTRIBUTION,
                   frozenset({"pitches"}), shape=(128,), default=False, domain="pitched"),
        MetricSpec("pitch_class_transition_matrix", "distribution", 0, 1,
                   "fraction of pitch-class transitions", ("lowest_pitch", "normalize"),
                   frozenset({"onset_classes"}), shape=(12, 12), default=False, domain="pitched"),
        MetricSpec("note_length_histogram", "distribution", 0, 1,
                   "fraction of notes per length in steps (1..31, >= 32)", ("normalize",),
                   frozenset({"lengths"}), shape=(32,), default=False),
        MetricSpec("ioi_mean", "average", 1, math.inf,
                   "steps between consecutive onset steps", (), frozenset({"onsets"}),
                   default=False),
        MetricSpec("ioi_std", "average", 0, math.inf,
                   "steps (population standard deviation of the inter-onset intervals)", (),
                   frozenset({"onsets"}), default=False),
        MetricSpec("pitch_shift", "average", 0, 127,
                   "semitones between the mean pitches of consecutive onset steps", (),
                   frozenset({"onsets", "onset_pitches"}), default=False, domain="pitched"),
        MetricSpec("ioi_histogram", "distribution", 0, 1,
                   "fraction of inter-onset intervals per length in steps (1..31, >= 32)",
                   ("normalize",), frozenset({"onsets"}), shape=(32,), default=False),
        MetricSpec("note_length_transition_matrix", "distribution", 0, 1,
                   "fraction of note-length transitions (bins 1, 2-3, 4-7, 8-15, 16-31, >= 32 "
                   "steps)", ("normalize",), frozenset({"onset_octaves"}), shape=(6, 6),
                   default=False),
    ]
}  # fmt: skip

PER_TRACK: tuple[str, ...] = tuple(
    name for name, spec in METRICS.items() if spec.default and not spec.pairwise
)
"""The default metrics: per-track, scalar, those of musiceval 0.1 (all but ``tonal_distance``)."""

SCALAR: tuple[str, ...] = tuple(
    name for name, spec in METRICS.items() if not spec.shape and not spec.pairwise
)
"""Every per-track metric whose value is one number."""

VECTOR: tuple[str, ...] = tuple(name for name, spec in METRICS.items() if spec.shape)
"""Every vector-valued metric; :func:`musiceval.profile` holds them (statistics per component,
the per-sample vectors in its reservoir) when asked for by name."""
