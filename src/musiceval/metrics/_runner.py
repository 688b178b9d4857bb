"""The one path of every metric function: validate, compute, shape as the caller's layout."""

from __future__ import annotations

from typing import Any

import numpy as np

from musiceval.evaluate import compute
from musiceval.rolls import Layout

__all__ = ["Result", "run_metric"]

Result = np.ndarray | float
"""What a metric function returns: ``(n_samples, n_tracks)`` values, ``(n_tracks,)`` for
``"KTP"``, a float for ``"TP"``; a vector-valued metric adds its shape after those axes (an
array of that shape for ``"TP"``)."""


def run_metric(
    name: str,
    x: Any,
    *,
    layout: Layout,
    threshold: float,
    lowest_pitch: int | None,
    **options: Any,
) -> Result:
    """Metric ``name`` of ``x`` through :func:`musiceval.compute`, a float for ``"TP"`` (unless
    the metric is vector-valued)."""
    values = compute(
        x, [name], layout=layout, threshold=threshold, lowest_pitch=lowest_pitch, **options
    )[name]
    return float(values) if layout == "TP" and values.ndim == 0 else values
