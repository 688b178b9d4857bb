"""The entries of a :class:`~musiceval.history.MetricHistory` and how records become entries:
from a mapping of per-sample or aggregated arrays, or from a tidy table of ``evaluate``.

Each entry is one metric at one step: per-track means and the number of defined samples each
averages. :class:`VectorRows` keeps the per-track distances of vector-valued metrics to a
reference, one row per step and metric. Nothing here imports pandas at module level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._checks import check_int, invalid, nanmean
from musiceval.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "VECTOR_COLUMNS",
    "Entry",
    "VectorRows",
    "aggregate",
    "check_step",
    "check_table",
    "csv_columns",
    "entries_from_frame",
    "entries_from_mapping",
    "metric_names",
    "rows_at",
    "set_level_records",
    "track_vector",
]

VECTOR_COLUMNS: tuple[str, ...] = ("step", "metric", "track", "tv_distance")
"""Columns of ``MetricHistory.vector_distance_frame`` (the CSV file may add ``track_name``)."""


@dataclass(frozen=True)
class Entry:
    """The values of one metric at one step: per-track means and defined-sample counts."""

    step: int
    metric: str
    values: np.ndarray  # float64 (n_tracks,)
    counts: np.ndarray | None  # int64 (n_tracks,), None when recorded as already-aggregated


def rows_at(rows: Sequence[tuple[Any, ...]], step: int) -> set[Any]:
    """The names of the ``(step, name, ...)`` rows recorded at ``step``: the last ones, since
    steps never decrease (so recording stays linear when a history is replayed row by row)."""
    recorded = set()
    for row in reversed(rows):
        if row[0] != step:
            break
        recorded.add(row[1])
    return recorded


def check_step(step: Any, last: int | None) -> int:
    """``step`` as an int ``>= 0`` and ``>= last``, or an InvalidParameterError naming it."""
    step = check_int("step", step, minimum=None)
    if step < 0:
        raise invalid("step", ">= 0", step)
    if last is not None and step < last:
        raise InvalidParameterError(
            f"step {step} comes before the last recorded step {last}; steps must not decrease"
        )
    return step


def track_vector(values: Any, name: str, n_tracks: int | None) -> np.ndarray:
    """A float64 vector of one value per track, or an InvalidParameterError naming ``name``."""
    try:
        array = np.array(values, dtype=np.float64).reshape(-1 if np.ndim(values) else 1)
    except (TypeError, ValueError):
        raise invalid(name, "numbers, one per track", values) from None
    if np.ndim(values) > 1 or array.size == 0:
        raise InvalidParameterError(
            f"{name} must have shape (n_tracks,); got shape {np.shape(values)}"
        )
    if n_tracks is not None and array.size != n_tracks:
        raise InvalidParameterError(
            f"{name} must have one value per track ({n_tracks}); got {array.size}"
        )
    return array


def set_level_records(step: int, values: Any) -> list[tuple[int, str, float]]:
    """``(step, name, value)`` per item of a mapping of names to real numbers, or an
    InvalidParameterError naming what is wrong."""
    if not isinstance(values, Mapping) or not values:
        raise invalid("values", "a non-empty mapping {name: number}", values)
    records = []
    for name, value in values.items():
        if not isinstance(name, str) or not name:
            raise invalid("values", "keyed by non-empty names", received=f"the key {name!r}")
        if isinstance(value, bool) or not isinstance(value, Real):
            raise invalid(f"values[{name!r}]", "a real number", value)
        records.append((step, name, float(value)))
    return records


def entries_from_mapping(step: int, values: Mapping[str, Any]) -> list[Entry]:
    entries = []
    for metric, raw in values.items():
        if not isinstance(metric, str) or not metric:
            raise invalid("values", "keyed by metric names", received=f"the key {metric!r}")
        try:
            array = np.array(raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise invalid(f"values[{metric!r}]", "numbers", raw) from None
        if array.ndim == 1 and array.size:
            entries.append(Entry(step, metric, array, None))
        elif array.ndim == 2 and array.shape[1]:
            entries.append(aggregate(step, metric, array))
        else:
            raise InvalidParameterError(
                f"values[{metric!r}] must have shape (n_samples, n_tracks) or (n_tracks,); got "
                f"shape {array.shape}"
            )
    return entries


def aggregate(step: int, metric: str, array: np.ndarray) -> Entry:
    """The entry of per-sample values ``(n_samples, n_tracks)``: nanmean and non-NaN count."""
    mean = nanmean(array, axis=0)  # all-NaN or no sample -> NaN
    return Entry(step, metric, mean, np.count_nonzero(~np.isnan(array), axis=0).astype(np.int64))


def entries_from_frame(step: int, frame: pd.DataFrame) -> list[Entry]:
    """Entries of a tidy table: per metric, its values as ``(n_samples, n_tracks)``, aggregated.

    Each metric's values are laid out as a dense array in sample order before the nanmean,
    so a table and the arrays of the metric functions give bit-identical means.
    """
    import pandas as pd

    check_table(frame)
    if frame.empty:
        return []
    if not pd.api.types.is_integer_dtype(frame["track"]):
        raise invalid("values['track']", "track numbers >= 0", received=str(frame["track"].dtype))
    if frame["track"].min() < 0:
        raise invalid("values['track']", "track numbers >= 0", frame["track"].min())
    try:
        value = frame["value"].to_numpy(np.float64)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"values['value'] must hold numbers; got {frame['value'].dtype}"
        ) from None
    # metrics in the table's category order (evaluate's: as requested), else as they appear
    ordered = isinstance(frame["metric"].dtype, pd.CategoricalDtype)
    metric_codes, metric_names = pd.factorize(frame["metric"], sort=ordered)
    if np.any(metric_codes < 0):
        raise InvalidParameterError(
            "values['metric'] must name a metric on every row; some are missing"
        )
    sample_codes, _ = pd.factorize(frame["sample"], sort=True)
    track = frame["track"].to_numpy(np.int64)
    n_tracks = int(track.max()) + 1
    entries = []
    for code, name in enumerate(metric_names):
        rows = metric_codes == code
        tracks = np.unique(track[rows])
        if tracks.size != n_tracks:
            raise InvalidParameterError(
                f"values has no rows for some tracks of {name!r}: tracks {tracks.tolist()}, "
                f"expected 0..{n_tracks - 1}"
            )
        used, samples = np.unique(sample_codes[rows], return_inverse=True)
        cells = samples * n_tracks + track[rows]
        if np.unique(cells).size < cells.size:
            raise InvalidParameterError(
                f"values has several rows for one sample and track of {name!r}"
            )
        dense = np.full(used.size * n_tracks, np.nan)
        dense[cells] = value[rows]
        entries.append(aggregate(step, str(name), dense.reshape(used.size, n_tracks)))
    return entries


def check_table(frame: pd.DataFrame) -> None:
    """Refuse a table without evaluate's columns, or with pairwise rows."""
    needed = ("sample", "track", "metric", "value")
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise InvalidParameterError(
            f"values lacks the columns {missing}; expected a table from musiceval.evaluate "
            "(sample, track, metric, value)"
        )
    if "track_b" in frame.columns and frame["track_b"].notna().any():
        pairwise = sorted(set(frame.loc[frame["track_b"].notna(), "metric"].astype(str)))
        raise InvalidParameterError(
            f"values holds pairwise metrics {pairwise} (rows with a track_b); MetricHistory "
            "records per-track metrics: evaluate them separately"
        )


def csv_columns(
    frame: pd.DataFrame, columns: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``value`` (float64), ``count`` (float64, NaN where missing) and ``track`` (int64)
    columns of a MetricHistory CSV table, or a ValueError saying what is wrong with it."""
    import pandas as pd

    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(
            f"missing columns {missing}; a MetricHistory CSV has the columns "
            f"{', '.join(columns)} (and optionally track_name); found {list(frame.columns)}"
        )
    for column in ("step", "track"):
        if len(frame) and not pd.api.types.is_integer_dtype(frame[column]):
            raise ValueError(f"column {column!r} must hold integers; got {frame[column].dtype}")
    try:
        value = frame["value"].astype(np.float64).to_numpy()
        count = frame["count"].astype(np.float64).to_numpy()
    except (TypeError, ValueError):
        raise ValueError("columns 'value' and 'count' must hold numbers") from None
    defined = ~np.isnan(count)
    if np.any(count[defined] < 0) or np.any(count[defined] % 1 != 0):
        raise ValueError("column 'count' must hold non-negative integers or nothing")
    if frame["metric"].isna().any() or (frame["metric"].astype(str) == "").any():
        raise ValueError("column 'metric' must hold a name on every row")
    return value, count, frame["track"].to_numpy(np.int64)


def metric_names(metrics: Any, known: list[str]) -> list[str]:
    """``metrics`` as a list of names among ``known``, or an InvalidParameterError."""
    names = None
    if not isinstance(metrics, str | bytes | Mapping) and isinstance(metrics, Iterable):
        names = list(metrics)
    if names is None or not all(isinstance(name, str) and name in known for name in names):
        raise invalid("metrics", f"names among the profile's {known}", metrics)
    return names


class VectorRows:
    """Per-track distances of vector-valued metrics, one row per (step, metric): steps never
    decrease, a (step, metric) pair is recorded once, every row has ``n_tracks`` values."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, str, np.ndarray]] = []  # (step, metric, float64 (n_tracks,))

    @property
    def metrics(self) -> list[str]:
        """The metrics recorded, in the order first recorded."""
        return list(dict.fromkeys(metric for _, metric, _ in self.rows))

    def add(self, step: Any, distances: Any, n_tracks: int | None) -> int:
        """Append the rows of ``distances`` (``{metric: one value per track}``), all or none;
        return the number of tracks. Raises InvalidParameterError naming what is wrong."""
        step = check_step(step, self.rows[-1][0] if self.rows else None)
        if not isinstance(distances, Mapping) or not distances:
            raise invalid("distances", "a non-empty mapping {metric: array (n_tracks,)}", distances)
        recorded = rows_at(self.rows, step)
        new = []
        for metric, values in distances.items():
            if not isinstance(metric, str) or not metric:
                raise invalid("distances", "keyed by metric names", received=f"the key {metric!r}")
            if metric in recorded:
                raise InvalidParameterError(
                    f"step {step} already holds the vector distances of {metric!r}; record each "
                    "metric once per step"
                )
            array = track_vector(values, f"distances[{metric!r}]", n_tracks)
            n_tracks = array.size
            new.append((step, metric, array))
        self.rows.extend(new)
        assert n_tracks is not None
        return n_tracks

    def state(self) -> dict[str, list[Any]]:
        """The rows as plain lists: ``{"steps", "metrics", "values"}``, one item per row."""
        return {
            "steps": [step for step, _, _ in self.rows],
            "metrics": [metric for _, metric, _ in self.rows],
            "values": [values.tolist() for _, _, values in self.rows],
        }

    def frame(self, track_names: Sequence[str] | None) -> pd.DataFrame:
        """One row per step, metric and track: the columns of :data:`VECTOR_COLUMNS` (``track``
        int64, ``tv_distance`` float64), plus ``track_name`` when ``track_names`` are given."""
        import pandas as pd

        n_tracks = self.rows[0][2].size if self.rows else 0
        columns: dict[str, Any] = {
            "step": np.repeat(np.array([row[0] for row in self.rows], np.int64), n_tracks),
            "metric": pd.array(np.repeat([row[1] for row in self.rows], n_tracks), dtype="str"),
            "track": np.tile(np.arange(n_tracks, dtype=np.int64), len(self.rows)),
            "tv_distance": np.concatenate([np.zeros(0)] + [row[2] for row in self.rows]),
        }
        if track_names is not None:
            columns["track_name"] = np.array(track_names, dtype=object)[columns["track"]]
        return pd.DataFrame(columns)
