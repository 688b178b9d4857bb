"""musiceval: correct, numba-fast metrics for symbolic-music generators.

Metrics are plain functions over batched piano rolls ``(n_samples, n_steps, n_pitches,
n_tracks)``; :func:`compute` computes many of them in one pass as arrays, :func:`evaluate` as a
tidy table. Importing musiceval is cheap: numba compiles (once, cached on disk) at the first
metric call, and torch, pandas, matplotlib and music21 load only when a function needs them.
"""

from musiceval import metrics as _metrics
from musiceval._version import __version__
from musiceval.compare import Report, compare
from musiceval.evaluate import compute, evaluate
from musiceval.exceptions import InvalidParameterError
from musiceval.keyfinding import KeyEstimate, find_key
from musiceval.metrics import *  # noqa: F403 (the metric functions, listed in metrics.__all__)
from musiceval.monitor import Evaluation, Monitor
from musiceval.profiles import DatasetProfile, profile
from musiceval.registry import METRICS
from musiceval.rolls import LAYOUTS
from musiceval.scales import MODES

__all__ = [
    "LAYOUTS",
    "METRICS",
    "MODES",
    "DatasetProfile",
    "Evaluation",
    "InvalidParameterError",
    "KeyEstimate",
    "Monitor",
    "Report",
    "__version__",
    "compare",
    "compute",
    "evaluate",
    "find_key",
    "profile",
    *_metrics.__all__,
]
