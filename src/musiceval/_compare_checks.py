"""The checks of :func:`musiceval.compare.compare` and :meth:`musiceval.compare.Report.save`:
a generated set must have the profile's shape; a report directory holds only report files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musiceval.exceptions import InvalidParameterError
from musiceval.registry import METRICS

if TYPE_CHECKING:
    from musiceval.profiles import DatasetProfile

__all__ = ["REPORT_FILE", "check_report_directory", "check_roll", "check_shape"]

REPORT_FILE = re.compile(r"report\.(md|csv|json|html)|z_scores\.png|distribution_\w+\.png")
"""The names of the files a report writes."""


def check_shape(x: Any, layout: str, profile: DatasetProfile) -> None:
    """Refuse a pitch or track count that differs from the profile's, before reading cells."""
    shape = getattr(x, "shape", None)
    if shape is None or len(shape) != len(layout):
        return  # read_roll gives the error
    n_tracks = shape[layout.index("K")] if "K" in layout else 1
    check_roll(None, shape[layout.index("P")], n_tracks, profile, None)


def check_roll(
    n_steps: int | None, n_pitches: int, n_tracks: int, profile: DatasetProfile, per: str | None
) -> None:
    """Refuse a roll whose tracks, pitches or (when a metric, scalar or vector-valued, depends
    on bars) steps differ from the profile's; ``None`` steps are not checked."""
    n_profiled = len(profile.tracks)
    if n_tracks != n_profiled:
        raise InvalidParameterError(
            f"the generated set has {n_tracks} track(s) but the profile has {n_profiled} "
            f"({', '.join(profile.tracks)}); expected the same tracks in the same order"
        )
    if n_pitches != profile.n_pitches:
        raise InvalidParameterError(
            f"the generated set has {n_pitches} pitches but the profile has "
            f"{profile.n_pitches} (lowest_pitch={profile.lowest_pitch}); expected the same "
            f"pitch axis"
        )
    if n_steps is None or n_steps == profile.n_steps:
        return
    by_bar = [
        name
        for name in (*profile.metrics, *profile.vector_metrics)
        if "bars" in METRICS[name].needs or (per == "bar" and METRICS[name].per_bar)
    ]
    if by_bar:
        raise InvalidParameterError(
            f"the generated set has {n_steps} steps per sample but the profile has "
            f"{profile.n_steps}; the metrics {by_bar} depend on the number of bars"
        )


def check_report_directory(root: Path) -> None:
    """Refuse to replace a directory that holds anything but a report's own files."""
    if not root.is_dir():
        return
    foreign = sorted(
        item.name
        for item in root.iterdir()
        if not (item.is_file() and REPORT_FILE.fullmatch(item.name))
    )
    if foreign:
        raise InvalidParameterError(
            f"directory {str(root)!r} holds files a report does not write ({foreign[:5]}); "
            f"choose a new or empty directory (saving replaces the whole directory)"
        )
