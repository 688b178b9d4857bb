"""The summary lines of a report, in words: the sets' sizes, tracks and conventions, the
Fréchet distances and the set-level numbers (:class:`musiceval._report_set_level.SetLevel`), or,
for a profile without scalar metrics, that it holds none (so there is no per-metric table, no
Fréchet or set-level distance) and where its vector-valued metrics are compared."""

from __future__ import annotations

from typing import TYPE_CHECKING

from musiceval._report_text import format_cell

if TYPE_CHECKING:
    from musiceval._report_set_level import SetLevel
    from musiceval.profiles import DatasetProfile

__all__ = ["no_scalar_line", "summary_lines"]


def no_scalar_line(profile: DatasetProfile) -> str:
    """The sentence that takes the Fréchet distance's place when ``profile`` holds no scalar
    metric: what it holds instead, and what the report leaves out."""
    return (
        f"The profile holds no scalar metric, only vector-valued ones "
        f"({', '.join(profile.vector_metrics)}): no per-metric table, no Fréchet or set-level "
        f"distance (they are over scalar metrics); the vector metrics are compared in their own "
        f"table (Vector metrics)."
    )


def summary_lines(
    profile: DatasetProfile,
    n_generated: int,
    frechet: tuple[float, float],
    set_level: SetLevel,
) -> list[str]:
    """The summary of a report of ``n_generated`` samples against ``profile``: counts, tracks
    and conventions; the Fréchet distance and its robust form (``frechet``), or
    :func:`no_scalar_line` without a scalar metric; then ``set_level``'s lines."""
    options = ", ".join(f"{key}={value}" for key, value in profile.conventions.items())
    lines = [
        f"Generated samples: {n_generated}; reference samples: {profile.n_samples} "
        f"({profile.n_kept} in the reservoir).",
        f"Tracks: {', '.join(profile.tracks)}; conventions: {options}.",
    ]
    if not set_level.measured:
        return [*lines, no_scalar_line(profile), *set_level.lines()]
    return [
        *lines,
        f"Fréchet distance (squared, in reference standard deviations): "
        f"{format_cell(frechet[0])} (robust, each std floored at the metric's resolution, keys "
        f"left out: {format_cell(frechet[1])})",
        *set_level.lines(),
    ]
