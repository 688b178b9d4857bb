"""Shared parameter descriptions of the public docstrings, written once.

A docstring names a ``{parameters}`` placeholder in its Parameters section; :func:`doc` fills
it with the descriptions of the named parameters, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["PARAMETERS", "doc"]

F = TypeVar("F", bound=Callable[..., Any])

PARAMETERS: dict[str, str] = {
    "x": """x : ndarray or torch.Tensor of shape (n_samples, n_steps, n_pitches, n_tracks)
        Piano rolls (other axis orders through ``layout``): bool, integer (velocity) or real
        (probabilities, {0, 1}, {-1, +1}, raw tanh). Never modified.""",
    "layout": """layout : {"NTPK", "TP", "KTP", "NBSPK"}, default="NTPK"
        Axis order: samples N, steps T, pitches P, tracks K, bars B, steps per bar S.""",
    "threshold": """threshold : float, default=0.0
        A cell is active when ``value > threshold``.""",
    "lowest_pitch": """lowest_pitch : int, optional
        MIDI number of pitch index 0 (default 0; required when n_pitches != 128, e.g. 24 for
        the DeepComposer crop).""",
    "steps_per_bar": """steps_per_bar : int, optional
        Steps in a bar; default 16 (the bar length of an ``"NBSPK"`` input). Must divide
        n_steps.""",
    "steps_per_beat": """steps_per_beat : int, default=4
        Steps in a beat.""",
    "bar_steps": """steps_per_bar : int, optional
        Steps in a bar for ``per="bar"``; default 16 (the bar length of an ``"NBSPK"`` input).
        Must divide n_steps.""",
    "per": """per : {"sample", "bar"}, default="sample"
        ``"bar"`` computes the metric on each bar alone (notes cut at bar lines) and averages
        over the non-empty bars of the sample (NaN when every bar is empty), as MuseGAN reports.""",
    "weight": """weight : {"cells", "notes"}, default="cells"
        Count active cells (duration-weighted) or notes (onsets).""",
    "key": """key : int or str, default="C"
        Tonic as a pitch class (C = 0) or a name ("F#", "Bb"); ``"auto"``: each sample's and
        track's own key, found with ``find_key(x, "albrecht")`` (its mode too: leave ``mode``
        out), see ``docs/keys.md``.""",
    "mode": """mode : str, default="major"
        One of ``musiceval.scales.MODES``: major/ionian, dorian, phrygian, lydian, mixolydian,
        minor/natural_minor/aeolian, locrian, harmonic_minor, melodic_minor.""",
}


def doc(*names: str) -> Callable[[F], F]:
    """Append the shared parameter descriptions (in order) to the docstring's Parameters."""

    def decorate(function: F) -> F:
        shared = "\n    ".join(PARAMETERS[name] for name in names)
        function.__doc__ = (function.__doc__ or "").replace("{parameters}", shared)
        return function

    return decorate
