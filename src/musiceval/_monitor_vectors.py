"""The vector-valued metrics a :class:`~musiceval.Monitor` watches (``DatasetProfile.
vector_metrics``: histograms and transition matrices, a distribution per sample and track).

At each update the Monitor computes them with the scalar metrics, gathers them across ranks
like the scalar values, and measures, per metric and track, the total variation distance
between the batch's mean distribution and the reference profile's mean
(:func:`musiceval.distances.total_variation_distance`): ``Evaluation.vector_distances``, the
rows of ``vectors.csv`` and the lines of ``vectors.png``. The final report compares the last
update's vectors (``Report.vector_distances``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._checks import check_metric_names, invalid
from musiceval.distances import total_variation_distance

if TYPE_CHECKING:
    from musiceval.history import MetricHistory
    from musiceval.originality import BarIndex
    from musiceval.profiles import DatasetProfile

__all__ = [
    "defined_mean",
    "last_state",
    "last_update",
    "plot_vector_distances",
    "report_profile",
    "split_metrics",
    "vector_distances",
]


def split_metrics(
    metrics: Sequence[str] | None, profile: DatasetProfile
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The watched scalar and vector metrics, each in the order given: ``metrics`` (names the
    profile holds, of either kind), or by default all of the profile's. Raises
    InvalidParameterError naming a metric the profile lacks, or when no scalar metric is left
    (the distance and the history need one)."""
    known = (*profile.metrics, *profile.vector_metrics)
    names = check_metric_names("metrics", metrics, known, default=known)
    scalars = tuple(name for name in names if name in profile.metrics)
    if not scalars:
        raise invalid(
            "metrics",
            f"names that include a scalar metric of the profile's {list(profile.metrics)}",
            received=f"{list(names)}",
        )
    return scalars, tuple(name for name in names if name not in profile.metrics)


def defined_mean(values: np.ndarray) -> np.ndarray:
    """The mean over samples of ``(n_samples, n_tracks, *shape)`` vectors, per track, over the
    samples whose vector is defined (all finite): ``(n_tracks, *shape)``, all NaN for a track
    with none."""
    flat = values.reshape(*values.shape[:2], -1)
    defined = np.isfinite(flat).all(axis=2)
    total = np.where(defined[..., None], flat, 0.0).sum(axis=0)
    count = defined.sum(axis=0)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean.reshape(values.shape[1:])


def vector_distances(
    profile: DatasetProfile, vectors: Mapping[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per metric of ``vectors`` (``(n_samples, n_tracks, *shape)`` each): the total variation
    distance per track between the samples' mean distribution and ``profile.mean(metric)``
    (float64 ``(n_tracks,)``, NaN where either has no defined vector), and the samples' mean
    (:func:`defined_mean`)."""
    distances, means = {}, {}
    for name, values in vectors.items():
        reference, means[name] = profile.mean(name), defined_mean(values)
        distances[name] = np.array(
            [total_variation_distance(reference[k][None], means[name][k][None]) for k in
             range(values.shape[1])],
            dtype=np.float64,
        )  # fmt: skip
    return distances, means


def report_profile(
    profile: DatasetProfile,
    metrics: Sequence[str],
    vectors: Sequence[str],
    index: BarIndex | None,
) -> DatasetProfile:
    """The profile of the Monitor's final report: the watched metrics of both kinds only, with
    the bar index the originality was measured against."""
    if (*metrics, *vectors) != (*profile.metrics, *profile.vector_metrics):
        profile = profile.select([*metrics, *vectors])
    if index is not None and profile.bar_index is None:
        profile = profile.with_bar_index(index)
    return profile


def last_state(
    step: int, values: np.ndarray, copies: np.ndarray, vectors: Mapping[str, np.ndarray]
) -> dict[str, Any]:
    """The Monitor's last update as plain values (``Monitor.state_dict()["last"]``): its step,
    scalar values, copied-bar counts and vectors."""
    return {
        "step": step,
        "values": values.tolist(),
        "copied": copies.tolist(),
        "vectors": {name: array.tolist() for name, array in vectors.items()},
    }


def last_update(
    last: Mapping[str, Any], names: Sequence[str]
) -> tuple[int, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """:func:`last_state`'s update back: step, values, copied-bar counts and the vectors of
    ``names`` (a state from before counts or vectors were kept has none)."""
    values = np.array(last["values"])
    copies = np.array(last.get("copied", []), dtype=np.float64).reshape(len(values), -1)
    vectors = last.get("vectors", {})
    kept = {name: np.array(vectors[name], np.float64) for name in names if name in vectors}
    return int(last["step"]), values, copies, kept


def plot_vector_distances(history: MetricHistory, path: str | os.PathLike[str]) -> Path:
    """Draw the vector distances of ``history`` against the step into the PNG file ``path``
    (``vectors.png`` of a Monitor): a panel per metric, a line per track, the total variation
    distance in [0, 1]. Returns the path written."""
    from musiceval.plot._base import check_png_path, finish, new_figure, require_matplotlib

    require_matplotlib("plot_vector_distances")
    target = check_png_path(path)
    assert target is not None
    frame, metrics = history.vector_distance_frame(), history.vector_metrics
    figure = new_figure(4.0 * len(metrics), 3.2)
    for ax, metric in zip(figure.subplots(1, len(metrics), squeeze=False)[0], metrics,
                          strict=True):  # fmt: skip
        rows = frame[frame["metric"] == metric]
        for track in history.tracks:
            chosen = rows[rows["track"] == track]
            ax.plot(chosen["step"], chosen["tv_distance"], marker=".",
                    label=history.track_label(track))  # fmt: skip
        ax.set(title=metric, xlabel="step", ylabel="total variation distance", ylim=(0.0, 1.0))
        ax.legend(fontsize="small")
    finish(figure, target)
    return target
