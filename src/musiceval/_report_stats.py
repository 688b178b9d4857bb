"""The numbers of a :class:`musiceval.compare.Report`, per metric and track.

Everything a report derives from the reference depends on the profile only: its reservoir
values (distinct values and counts), their KDE, and the intra-set distances of mgeval's relative
comparison with their KDE. That side is computed once per profile and metric and kept in a cache
keyed by the profile object (dropped when the profile is garbage-collected), so a second
report, or a second call, against the same profile pays only for the generated side.

The rules (``docs/distances.md``):

- **Discrete metrics** (:func:`is_discrete`): a track whose reference reservoir takes at most
  :data:`MAX_DISCRETE_VALUES` distinct values, each repeated 4 times on average (so a small
  sample of a continuous metric is not taken for a discrete one), and every circular metric,
  is compared as probability mass (:func:`musiceval.distances.mass_comparison`), directly and
  for the relative method; other tracks with KDEs, as :func:`musiceval.distances.kde_comparison`
  and :func:`musiceval.distances.relative_comparison` do.
- **Circular metrics** (:func:`is_circular`: ``best_key``, a pitch class 0-11): no mean, std or
  z-score; the mode and the circular variance instead (:func:`circular_summary`).
- **Robust scale** (:func:`resolutions`): the reference std floored at the metric's
  resolution, the smallest positive gap between two distinct values of the metric in the
  reference reservoir and the generated set (all tracks together).
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval import distances
from musiceval._kde import SmoothedSample
from musiceval._report_columns import COLUMNS, typed_frame
from musiceval.distances._marginal import (
    counted_mass_comparison,
    distance_counts,
    smoothed_comparison,
)
from musiceval.registry import METRICS

if TYPE_CHECKING:
    import pandas as pd

    from musiceval.profiles import DatasetProfile

__all__ = [
    "MAX_DISCRETE_VALUES",
    "ReferenceSide",
    "circular_summary",
    "compare_track",
    "direct_comparison",
    "frame_rows",
    "is_circular",
    "is_discrete",
    "reference_sides",
    "report_frame",
    "resolutions",
    "robust_frechet_distance",
]

#: A track whose reference reservoir takes at most this many distinct values is discrete.
MAX_DISCRETE_VALUES = 16
_GRID_SIZE = 512  # kde_comparison's default
_MAX_ROWS = 1000  # relative_comparison's default max_samples
_SEED = 0  # relative_comparison's default seed
_PLAIN_DISTANCES = 1 << 16  # up to this many distances, kept plain (bit-identical KDEs)
_MIN_REPEATS = 4
_PITCH_CLASSES = 12

_CACHE: dict[int, dict[str, list[ReferenceSide]]] = {}


def is_circular(metric: str) -> bool:
    """Whether ``metric`` is a pitch class on the circle of 12 (``best_key``)."""
    spec = METRICS.get(metric)
    return spec is not None and spec.kind == "pitch" and spec.name == "best_key"


def is_discrete(metric: str, n_distinct: int, n_values: int) -> bool:
    """Whether a track of ``metric`` whose reference has ``n_values`` finite values, of which
    ``n_distinct`` distinct, is compared as probability mass: a circular metric, or at most
    :data:`MAX_DISCRETE_VALUES` distinct values each seen, on average, at least 4 times."""
    few = n_distinct <= MAX_DISCRETE_VALUES and n_values >= _MIN_REPEATS * n_distinct
    return is_circular(metric) or few


@dataclass(frozen=True)
class ReferenceSide:
    """What a report needs of one metric and track of the reference, built once.

    ``values``/``counts``: the distinct finite reservoir values and their counts; ``n``: their
    total; ``discrete``: compared as mass; ``smooth``: the KDE of the finite values (None when
    discrete or fewer than 2 values); ``rows``: the values the relative method draws
    (``relative_comparison``'s draw); ``intra``: the intra-set distances of ``rows``, as
    distances and counts (plain distances, counts 1, when there are at most
    ``_PLAIN_DISTANCES``); ``intra_smooth``: their KDE (None when discrete or fewer than 2).
    """

    values: np.ndarray
    counts: np.ndarray
    n: int
    discrete: bool
    smooth: SmoothedSample | None
    rows: np.ndarray
    intra: tuple[np.ndarray, np.ndarray]
    intra_smooth: SmoothedSample | None


def _draw(n: int, rng: np.random.Generator) -> np.ndarray | None:
    """``relative_comparison``'s draw of at most ``_MAX_ROWS`` of ``n`` rows (None: all)."""
    if n <= _MAX_ROWS:
        return None
    return np.sort(rng.choice(n, _MAX_ROWS, replace=False))


def _reference_side(metric: str, column: np.ndarray) -> ReferenceSide:
    finite = column[np.isfinite(column)]
    values, counts = _counted(finite)
    discrete = is_discrete(metric, values.size, finite.size)
    keep = _draw(finite.size, np.random.default_rng(_SEED))
    rows = finite if keep is None else finite[keep]
    intra = _distances(rows)
    return ReferenceSide(
        values=values,
        counts=counts,
        n=finite.size,
        discrete=discrete,
        smooth=None if discrete or finite.size < 2 else SmoothedSample(finite),
        rows=rows,
        intra=intra,
        intra_smooth=None if discrete or intra[1].sum() < 2 else _smoothed(*intra),
    )


def _counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    distinct, counts = np.unique(values, return_counts=True)
    return distinct, counts.astype(np.float64)


def _distances(rows: np.ndarray, other: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The 1-D set distances of ``rows`` (with ``other``), as (distances, counts).

    Up to ``_PLAIN_DISTANCES`` distances: :func:`musiceval.distances.set_distances` itself
    (counts 1), so a KDE of them is exactly ``relative_comparison``'s; more: the multiset of
    :func:`~musiceval.distances._marginal.distance_counts`, from the distinct values.
    """
    n_pairs = rows.size * (rows.size - 1) // 2 if other is None else rows.size * other.size
    if n_pairs <= _PLAIN_DISTANCES:
        plain = distances.set_distances(rows, other)
        return plain, np.ones(plain.size)
    if other is None:
        return distance_counts(*_counted(rows))
    return distance_counts(*_counted(rows), *_counted(other))


def _smoothed(values: np.ndarray, counts: np.ndarray) -> SmoothedSample:
    """The KDE of plain values (counts all 1) or of a multiset."""
    plain = values.size == counts.size and values.size <= _PLAIN_DISTANCES and np.all(counts == 1)
    return SmoothedSample(values) if plain else SmoothedSample(values, counts)


def reference_sides(profile: DatasetProfile, metric: str) -> list[ReferenceSide]:
    """The reference side of every track of ``metric``, cached per profile object."""
    cached = _CACHE.get(id(profile))
    if cached is None:
        cached = _CACHE[id(profile)] = {}
        weakref.finalize(profile, _CACHE.pop, id(profile), None)
    if metric not in cached:
        reservoir = profile.samples(metric)
        cached[metric] = [
            _reference_side(metric, reservoir[:, k]) for k in range(reservoir.shape[1])
        ]
    return cached[metric]


def direct_comparison(side: ReferenceSide, finite: np.ndarray) -> tuple[float, float]:
    """``(overlap_area, kl_divergence)`` of the reference side and the finite generated
    values: ``kde_comparison``'s for a continuous track, ``mass_comparison``'s for a discrete
    one; NaN when either has fewer than 2 values."""
    if side.n < 2 or finite.size < 2:
        return math.nan, math.nan
    if side.smooth is None:  # discrete
        return counted_mass_comparison(side.values, side.counts, *_counted(finite))
    return smoothed_comparison(side.smooth, SmoothedSample(finite), _GRID_SIZE)


def compare_track(side: ReferenceSide, generated: np.ndarray) -> tuple[float, float, float, float]:
    """``(overlap_area, kl_divergence, relative_overlap_area, relative_kl_divergence)`` of one
    track: as ``kde_comparison`` and ``relative_comparison`` with their defaults for a
    continuous track, as ``mass_comparison`` for a discrete one."""
    finite = generated[np.isfinite(generated)]
    direct = direct_comparison(side, finite)
    relative = (math.nan, math.nan)
    if side.intra[1].sum() >= 2 and finite.size:
        rng = np.random.default_rng(_SEED)
        _draw(side.n, rng)  # the reference's draw comes first, as in relative_comparison
        keep = _draw(finite.size, rng)
        inter = _distances(finite if keep is None else finite[keep], side.rows)
        if inter[1].sum() >= 2:
            if side.intra_smooth is None:  # discrete
                relative = counted_mass_comparison(*side.intra, *inter)
            else:
                relative = smoothed_comparison(side.intra_smooth, _smoothed(*inter), _GRID_SIZE)
    return (*direct, *relative)


def circular_summary(values: np.ndarray) -> tuple[float, float]:
    """``(mode, circular_variance)`` of pitch classes 0-11, NaN values dropped.

    The mode is the most frequent pitch class (the lowest on a tie); the circular variance is
    :math:`1 - R`, :math:`R = |\\frac{1}{n}\\sum_j e^{2\\pi i k_j / 12}|`, in [0, 1]: 0 when
    every value is the same pitch class, 1 when they balance around the circle. Both NaN when
    no value is defined.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return math.nan, math.nan
    classes = np.mod(np.rint(finite), _PITCH_CLASSES).astype(np.int64)
    mode = float(np.argmax(np.bincount(classes, minlength=_PITCH_CLASSES)))
    resultant = abs(np.mean(np.exp(2j * math.pi * finite / _PITCH_CLASSES)))
    return mode, float(max(1.0 - resultant, 0.0))


def resolutions(reference: np.ndarray, generated: np.ndarray) -> np.ndarray:
    """Per metric, the smallest positive gap between two distinct values of the reference
    and generated sets together (all tracks); 0 when the metric takes one value or none.

    ``reference`` and ``generated`` are ``(n, n_metrics, n_tracks)`` arrays."""
    gaps = np.zeros(reference.shape[1])
    for i in range(reference.shape[1]):
        both = np.concatenate([reference[:, i].ravel(), generated[:, i].ravel()])
        distinct = np.unique(both[np.isfinite(both)])
        if distinct.size > 1:
            gaps[i] = float(np.diff(distinct).min())
    return gaps


def robust_scale(std: Any, resolution: Any) -> Any:
    """The reference std floored at the metric's resolution: ``max(std, resolution)``."""
    return np.fmax(std, resolution)


def robust_frechet_distance(
    reference: np.ndarray, generated: np.ndarray, metrics: tuple[str, ...]
) -> float:
    """The Fréchet distance of ``Report.frechet_distance_robust``.

    Circular metrics are left out; every other (metric, track) feature of both sets is divided
    by :func:`robust_scale` of the reference's std (over the reservoir rows without NaN,
    ``ddof=1``, as ``frechet_distance`` standardises) and the metric's :func:`resolutions`
    (features that are constant with no gap are divided by 1), then compared unstandardised.
    NaN when every metric is circular.
    """
    linear = [i for i, metric in enumerate(metrics) if not is_circular(metric)]
    if not linear:
        return math.nan
    reference, generated = reference[:, linear], generated[:, linear]
    gaps = np.repeat(resolutions(reference, generated), reference.shape[2])
    reference = reference.reshape(len(reference), -1)
    generated = generated.reshape(len(generated), -1)
    rows = reference[np.isfinite(reference).all(axis=1)]
    std = rows.std(axis=0, ddof=1) if len(rows) > 1 else np.zeros(reference.shape[1])
    scale = robust_scale(std, gaps)
    scale[scale == 0] = 1.0
    return float(
        distances.frechet_distance(reference / scale, generated / scale, standardize=False)
    )


def frame_rows(
    profile: DatasetProfile, values: np.ndarray, quantiles: tuple[float, float]
) -> list[dict[str, Any]]:
    """The rows of ``Report.to_frame``: one dict per metric and track, keyed by column.

    ``values`` is the report's ``(n_generated, n_metrics, n_tracks)`` array; ``quantiles`` the
    probabilities of the reference range of ``inside_reference_range``.
    """
    rows: list[dict[str, Any]] = []
    gaps = resolutions(profile.samples(), values)
    for i, metric in enumerate(profile.metrics):
        circular = is_circular(metric)
        reference_mean, reference_std = profile.mean(metric), profile.std(metric)
        low, high = profile.quantile(metric, quantiles)
        reservoir = profile.samples(metric)
        sides = reference_sides(profile, metric)
        for k, track in enumerate(profile.tracks):
            column = values[:, i, k]
            defined = column[~np.isnan(column)]
            row: dict[str, Any] = {"metric": metric, "track": track}
            row.update(_moments(float(reference_mean[k]), float(reference_std[k]), defined))
            row["robust_z_score"] = float(
                distances.z_score(
                    row["reference_mean"],
                    robust_scale(row["reference_std"], gaps[i]),
                    row["generated_mean"],
                )
            )
            if circular:
                for key in ("reference_mean", "reference_std", "generated_mean", "generated_std"):
                    row[key] = math.nan
                row["difference"] = row["z_score"] = row["robust_z_score"] = math.nan
            row["inside_reference_range"] = distances.fraction_inside(
                column, float(low[k]), float(high[k])
            )
            row["comparison"] = "mass" if sides[k].discrete else "kde"
            row.update(zip(_COMPARISONS, compare_track(sides[k], column), strict=True))
            modes = (math.nan,) * 4
            if circular:
                modes = (*circular_summary(reservoir[:, k]), *circular_summary(column))
            row.update(zip(_CIRCULAR, modes, strict=True))
            row["n_generated"] = int(defined.size)
            row["n_generated_nan"] = int(column.size - defined.size)
            rows.append(row)
    return rows


def report_frame(
    profile: DatasetProfile, values: np.ndarray, quantiles: tuple[float, float]
) -> pd.DataFrame:
    """``Report.to_frame``: the :func:`frame_rows` as a frame of :data:`COLUMNS` (``metric``,
    ``track`` and ``comparison`` str, the ``n_`` counts int64, every other column float64); no
    row, the same columns and types, when the profile holds no scalar metric."""
    rows = frame_rows(profile, values, quantiles)
    return typed_frame(rows, COLUMNS, ("metric", "track", "comparison"))


_COMPARISONS = ("overlap_area", "kl_divergence", "relative_overlap_area", "relative_kl_divergence")
_CIRCULAR = ("reference_mode", "reference_spread", "generated_mode", "generated_spread")


def _moments(reference_mean: float, reference_std: float, defined: np.ndarray) -> dict[str, float]:
    """Means, stds, difference and z-score of one track (NaN where a side has no value)."""
    if defined.size:
        generated_mean, generated_std = float(np.mean(defined)), float(np.std(defined))
    else:
        generated_mean = generated_std = math.nan
    return {
        "reference_mean": reference_mean,
        "reference_std": reference_std,
        "generated_mean": generated_mean,
        "generated_std": generated_std,
        "difference": generated_mean - reference_mean,
        "z_score": float(distances.z_score(reference_mean, reference_std, generated_mean)),
    }
