"""musiceval: correct, numba-fast metrics for symbolic-music generators.

Metrics are plain functions over batched piano rolls ``(n_samples, n_steps, n_pitches,
n_tracks)``; :func:`evaluate` computes many of them in one pass as a tidy table. Importing
musiceval is cheap: numba compiles (once, cached on disk) at the first metric call, and torch,
pandas, matplotlib and music21 load only when a function needs them.
"""

from musiceval.evaluate import evaluate
from musiceval.metrics import (
    best_key,
    drum_in_pattern_rate,
    empty_bar_rate,
    groove_consistency,
    in_scale_ratio,
    n_notes,
    n_pitch_classes_used,
    n_pitches_used,
    pitch_class_entropy,
    pitch_entropy,
    pitch_range,
    polyphonic_rate,
    qualified_note_rate,
    scale_consistency,
    tonal_distance,
)
from musiceval.registry import METRICS
from musiceval.rolls import LAYOUTS
from musiceval.scales import MODES

__version__ = "0.1.0"

__all__ = [
    "LAYOUTS",
    "METRICS",
    "MODES",
    "best_key",
    "drum_in_pattern_rate",
    "empty_bar_rate",
    "evaluate",
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
