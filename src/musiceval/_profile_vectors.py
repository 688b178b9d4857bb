"""The vector-valued metrics of a dataset profile (registry ``shape != ()``,
:data:`musiceval.registry.VECTOR`: histograms and transition matrices).

Per metric, :class:`ProfileVectors` holds the sufficient statistics of every component,
``count``, ``n_nan`` (int64), ``mean``, ``m2``, ``min`` and ``max`` (float64), each of shape
``(n_tracks, *shape)`` and merged elementwise exactly as the scalar ones
(``musiceval._profile_stats.merge_moments``), and the per-sample vectors of the profile's
reservoir, ``(n_kept, n_tracks, *shape)``: the same kept samples, in the same order, as the
scalar reservoir, because the profile picks the rows once and indexes both. No histogram is
kept per component. Also :func:`profile_frame`, the table of ``DatasetProfile.to_frame``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from musiceval._checks import check_metric_names, invalid
from musiceval._profile_stats import (
    FLOAT_FIELDS,
    INT_FIELDS,
    block_moments,
    check_moment_values,
    check_moments,
    check_reservoir,
    float_array,
    frozen,
    merge_moments,
    same_array,
)
from musiceval.registry import METRICS, VECTOR

__all__ = ["FIELDS", "ProfileVectors", "block_vectors", "profile_frame", "scalar_only"]

FIELDS = (*INT_FIELDS, *FLOAT_FIELDS)
"""The statistics kept per component of a vector-valued metric."""

_QUANTILES = (0.05, 0.5, 0.95)


class ProfileVectors:
    """The checked, read-only vector-valued part of a profile (see the module docstring).

    Build one with :meth:`check`; :meth:`fields` gives back the mapping it was built from.
    """

    __hash__ = None  # type: ignore[assignment]  # __eq__ compares arrays: not hashable

    def __init__(
        self, statistics: Mapping[str, Mapping[str, np.ndarray]], samples: Mapping[str, np.ndarray]
    ) -> None:
        self.names: tuple[str, ...] = tuple(statistics)
        self.statistics = dict(statistics)
        self.samples = dict(samples)

    @classmethod
    def check(
        cls,
        vectors: Mapping[str, Mapping[str, Any]] | None,
        *,
        metrics: Sequence[str],
        n_tracks: int,
        n_samples: int,
        n_kept: int,
    ) -> ProfileVectors:
        """The vectors of a profile of the scalar ``metrics``, checked as the scalar statistics
        are (ValueError naming the metric and field), or InvalidParameterError for names that
        are not vector-valued metrics, or a profile without any metric."""
        vectors = {} if vectors is None else vectors
        if not isinstance(vectors, Mapping):
            raise invalid("vectors", "None or a mapping of vector-valued metric names", vectors)
        names = check_metric_names("vectors", list(vectors), VECTOR) if vectors else ()
        if not names and not metrics:
            raise invalid(
                "metrics", "at least one metric (scalar ones in metrics, vector-valued ones in "
                "vectors)", received="none",
            )  # fmt: skip
        statistics, samples = {}, {}
        for name in names:
            entry, spec = vectors[name], METRICS[name]
            if not isinstance(entry, Mapping):
                raise invalid(f"vectors[{name!r}]", "a mapping of statistics and samples", entry)
            if "samples" not in entry:
                raise ValueError(f"statistics of {name} lack ['samples']")
            shape = (n_tracks, *spec.shape)
            stats = check_moments(name, entry, shape, n_samples)
            check_moment_values(name, stats, spec.lower, spec.upper, "the registry bounds")
            kept = float_array(entry["samples"], f"{name} samples")
            kept = frozen(kept, f"{name} samples", (n_kept, *shape))
            check_reservoir(name, stats, kept, n_samples)
            statistics[name], samples[name] = stats, kept
        return cls(statistics, samples)

    def fields(self) -> dict[str, dict[str, np.ndarray]]:
        """Per metric, its statistics and ``"samples"``: what :meth:`check` takes."""
        return {
            name: {**self.statistics[name], "samples": self.samples[name]} for name in self.names
        }

    def merge(self, other: ProfileVectors, rows: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
        """The fields of this part followed by ``other``'s (same names): merged statistics, and
        the rows ``rows`` of the concatenated reservoirs (those the scalar reservoir keeps)."""
        return {
            name: {
                **merge_moments(self.statistics[name], other.statistics[name]),
                "samples": np.concatenate([self.samples[name], other.samples[name]])[rows],
            }
            for name in self.names
        }

    def select(self, names: Sequence[str]) -> dict[str, dict[str, np.ndarray]]:
        """The fields of the vector-valued metrics among ``names``, in that order."""
        fields = self.fields()
        return {name: fields[name] for name in names if name in fields}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProfileVectors):
            return NotImplemented
        return (
            self.names == other.names
            and all(
                same_array(self.statistics[name][field], other.statistics[name][field])
                for name in self.names
                for field in FIELDS
            )
            and all(same_array(self.samples[name], other.samples[name]) for name in self.names)
        )


def block_vectors(
    values: Mapping[str, np.ndarray], keep: np.ndarray | None
) -> dict[str, dict[str, np.ndarray]]:
    """The fields of one block of ``(n, n_tracks, *shape)`` values per metric, keeping the
    reservoir rows ``keep`` (None: every row)."""
    return {
        name: {**block_moments(array), "samples": array if keep is None else array[keep]}
        for name, array in values.items()
    }


def scalar_only(metric: str, method: str) -> Exception:
    """The error of ``method`` (``histogram``, ``quantile``) asked for a vector metric."""
    return invalid(
        "metric",
        f"a scalar metric for {method}() (a profile keeps no per-component histogram of a "
        f"vector-valued metric; samples({metric!r}) gives its vectors in the reservoir)",
        received=f"the vector-valued metric {metric!r}",
    )


def profile_frame(profile: Any) -> Any:
    """``DatasetProfile.to_frame``'s table of ``profile`` (see its docstring)."""
    import pandas as pd

    tracks = list(profile.tracks)
    names = [*profile.metrics, *profile.vector_metrics]
    sizes = [math.prod(METRICS[name].shape) for name in names]
    columns: dict[str, Any] = {
        "metric": np.repeat(names, [len(tracks) * size for size in sizes]),
        "track": np.concatenate([np.repeat(tracks, size) for size in sizes]),
    }
    if profile.vector_metrics:
        bins = np.concatenate(
            [np.tile(np.arange(size) if METRICS[n].shape else [-1], len(tracks))
             for n, size in zip(names, sizes, strict=True)]
        )  # fmt: skip
        columns["bin"] = pd.arrays.IntegerArray(bins, mask=bins < 0)
    parts: dict[str, list[np.ndarray]] = {
        key: [] for key in ("count", "n_nan", "mean", "std", "min", "max", "q05", "q50", "q95")
    }
    for name in names:
        for key in ("count", "n_nan", "mean", "std", "min", "max"):
            parts[key].append(getattr(profile, key)(name).reshape(-1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN tracks give NaN
            quantiles = np.nanquantile(profile.samples(name), _QUANTILES, axis=0)
        for key, row in zip(("q05", "q50", "q95"), quantiles, strict=True):
            parts[key].append(row.reshape(-1))
    frame = {**columns, **{key: np.concatenate(arrays) for key, arrays in parts.items()}}
    return pd.DataFrame(frame)
