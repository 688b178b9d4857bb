"""What a report says about the vector-valued metrics of its profile
(``DatasetProfile.vector_metrics``: histograms and transition matrices, a distribution per
sample): per metric and track, the total variation distance between the reference's and the
generated mean distributions, and mgeval's relative method on the per-sample vectors
(:func:`musiceval.distances.distribution_comparison`); a figure per metric
(:func:`musiceval.plot.plot_vector_means`); their place in every form of the report.

A report whose profile holds no vector metric has none of this: no table row, no JSON key, no
section, no figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval import distances
from musiceval._report_columns import VECTOR_COLUMNS, VECTOR_LEGEND, typed_frame
from musiceval._report_figures import Job, figure_name
from musiceval._report_text import Section
from musiceval.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import pandas as pd

    from musiceval.profiles import DatasetProfile

__all__ = ["SECTION_TEXT", "SECTION_TITLE", "VectorComparison"]

SECTION_TITLE = "Vector metrics"
"""The heading of the vector metrics' table in every form of the report."""

SECTION_TEXT = (
    "Per vector-valued metric (a distribution per sample) and track: tv_distance between the "
    "reference's and the generated mean distributions (0 same, 1 disjoint); overlap_area and "
    "kl_divergence of mgeval's distances between per-sample vectors (1 and 0: generated samples "
    "lie among the reference as its own do). Figures: distribution_<metric>.png."
)
"""What the vector metrics' table holds, in words (stated above it)."""

_COMPACT = ("metric", "track", "tv_distance", "overlap_area", "kl_divergence")


class VectorComparison:
    """The vector metrics of one report: the profile, and the generated set's vectors
    (``vectors``: each of ``profile.vector_metrics`` -> ``(n_generated, n_tracks, *shape)``;
    None: none measured, nothing compared). Checked when built; numbers computed on first use.
    """

    def __init__(
        self, profile: DatasetProfile, vectors: Mapping[str, Any] | None, n_generated: int
    ) -> None:
        self._profile = profile
        self.metrics: tuple[str, ...] = () if vectors is None else profile.vector_metrics
        self._vectors = {} if vectors is None else _checked(profile, vectors, n_generated)

    def samples(self, metric: str) -> np.ndarray:
        """The generated vectors of ``metric``, ``(n_generated, n_tracks, *shape)`` (a copy)."""
        return self._vectors[metric].copy()

    @cached_property
    def _compared(self) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """The table of :data:`VECTOR_COLUMNS` and the generated mean of each metric."""

        rows: list[dict[str, Any]] = []
        means: dict[str, np.ndarray] = {}
        for metric in self.metrics:
            reservoir, generated = self._profile.samples(metric), self._vectors[metric]
            reference_mean, counts = self._profile.mean(metric), self._profile.count(metric)
            track_means = []
            for k, track in enumerate(self._profile.tracks):
                result = distances.distribution_comparison(
                    reservoir[:, k], generated[:, k], reference_mean=reference_mean[k]
                )
                track_means.append(result["generated_mean"])
                rows.append({"metric": metric, "track": track, **result})
                rows[-1]["n_reference"] = int(np.min(counts[k]))  # every reference sample
            means[metric] = np.stack(track_means)
        return typed_frame(rows, VECTOR_COLUMNS, ("metric", "track")), means

    def frame(self) -> pd.DataFrame:
        """One row per vector metric and track (a new frame on each call)."""
        return self._compared[0].copy()

    def generated_mean(self, metric: str) -> np.ndarray:
        """The generated mean distribution of ``metric`` per track, ``(n_tracks, *shape)``
        (NaN where no generated vector is defined)."""
        return self._compared[1][metric].copy()

    def json(self) -> dict[str, Any]:
        """The part of ``report.json``: ``{}`` without vector metrics."""
        if not self.metrics:
            return {}
        records = self.frame().to_dict(orient="records")
        return {
            "vector_distances": {
                "metrics": list(self.metrics),
                "columns": list(VECTOR_COLUMNS),
                "rows": records,
            }
        }

    def sections(self) -> tuple[Section, ...]:
        """The section of the report's pages (none without vector metrics)."""
        if not self.metrics:
            return ()
        figures = tuple(figure_name(metric) for metric in self.metrics)
        return (
            Section(SECTION_TITLE, SECTION_TEXT, self.frame(), VECTOR_LEGEND, _COMPACT, figures),
        )

    def jobs(self, directory: Path) -> list[Job]:
        """The figure jobs of :meth:`Report.save`: one per vector metric, written as
        :func:`figure_name` in ``directory``."""
        return [
            (
                "plot_vector_means",
                (
                    self._profile.mean(metric),
                    self.generated_mean(metric),
                    directory / figure_name(metric),
                ),
                {"metric": metric, "track_names": list(self._profile.tracks)},
            )
            for metric in self.metrics
        ]


def _checked(
    profile: DatasetProfile, vectors: Mapping[str, Any], n_generated: int
) -> dict[str, np.ndarray]:
    """``vectors`` as read-only float64 arrays, each ``(n_generated, *profile.mean(name).shape)``,
    for exactly the profile's vector metrics."""
    if not isinstance(vectors, Mapping) or set(vectors) != set(profile.vector_metrics):
        given = sorted(vectors) if isinstance(vectors, Mapping) else type(vectors).__name__
        raise InvalidParameterError(
            f"vectors must map each of the profile's vector metrics "
            f"{list(profile.vector_metrics)} to its generated values; got {given}"
        )
    checked = {}
    for name in profile.vector_metrics:
        array = np.array(vectors[name], dtype=np.float64)
        expected = (n_generated, *profile.mean(name).shape)
        if array.shape != expected:
            raise InvalidParameterError(
                f"vectors[{name!r}] must have shape {expected} (n_generated, n_tracks, then "
                f"the metric's shape); got shape {array.shape}"
            )
        array.flags.writeable = False
        checked[name] = array
    return checked
