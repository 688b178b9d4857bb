"""The metric functions: plain functions over batched piano rolls (scikit-learn style).

Every function takes the roll(s) ``x`` first and keyword-only options after it, and returns
float64 values of shape ``(n_samples, n_tracks)`` for the canonical layout ``"NTPK"``
(``(n_tracks,)`` for ``"KTP"``, a float for ``"TP"``). A cell is active when
``value > threshold``. A note is a maximal run of active steps at one pitch in one track, cut at
the edges of the roll (and of the bar with ``per="bar"``). Undefined values are NaN (a ratio with
nothing to count, e.g. no note); counts of nothing are 0. ``*_rate``/``*_ratio`` lie in [0, 1],
``n_*`` are counts. The vector-valued metrics (:mod:`musiceval.metrics.distributions`:
histograms, transition matrices) add their shape after those axes. Full definitions, and how
each differs from pypianoroll, MuseGAN, MusPy and the DeepComposer lab, are in
``docs/metrics.md``.
"""

from musiceval.metrics.distributions import (
    ioi_histogram,
    note_length_histogram,
    note_length_transition_matrix,
    pitch_class_histogram,
    pitch_class_transition_matrix,
    pitch_histogram,
)
from musiceval.metrics.notes import (
    empty_bar_rate,
    n_notes,
    polyphonic_rate,
    polyphony,
    qualified_note_rate,
)
from musiceval.metrics.pitches import (
    highest_active_pitch,
    lowest_active_pitch,
    n_pitch_classes_used,
    n_pitches_used,
    pitch_class_entropy,
    pitch_entropy,
    pitch_range,
    pitch_shift,
)
from musiceval.metrics.rhythm import drum_in_pattern_rate, groove_consistency, ioi_mean, ioi_std
from musiceval.metrics.tonality import best_key, in_scale_ratio, scale_consistency, tonal_distance

__all__ = [
    "best_key",
    "drum_in_pattern_rate",
    "empty_bar_rate",
    "groove_consistency",
    "highest_active_pitch",
    "in_scale_ratio",
    "ioi_histogram",
    "ioi_mean",
    "ioi_std",
    "lowest_active_pitch",
    "n_notes",
    "n_pitch_classes_used",
    "n_pitches_used",
    "note_length_histogram",
    "note_length_transition_matrix",
    "pitch_class_entropy",
    "pitch_class_histogram",
    "pitch_class_transition_matrix",
    "pitch_entropy",
    "pitch_histogram",
    "pitch_range",
    "pitch_shift",
    "polyphonic_rate",
    "polyphony",
    "qualified_note_rate",
    "scale_consistency",
    "tonal_distance",
]
