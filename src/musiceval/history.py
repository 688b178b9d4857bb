"""Metric trajectories over training: :class:`MetricHistory`.

A history collects, at each training step, one value per metric and track: the mean over the
generated samples of that step (NaN samples ignored) and how many samples were defined. Plot it
against the training set's mean with :func:`musiceval.plot.plot_history`, the graph of the
AWS DeepComposer console; save it as CSV and load it back.

>>> import numpy as np
>>> history = MetricHistory(track_names=["melody", "bass"])
>>> history.record(0, {"n_notes": np.array([[4.0, 2.0], [6.0, np.nan]])})   # per sample
>>> history.record(100, {"n_notes": np.array([5.0, 3.0])})                  # already means
>>> history.to_frame()
   step   metric  track  value  count
0     0  n_notes      0    5.0      2
1     0  n_notes      1    2.0      1
2   100  n_notes      0    5.0   <NA>
3   100  n_notes      1    3.0   <NA>

pandas is imported only by the methods that build or read a table, so importing this module
costs no more than importing numpy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._atomic import atomic_path
from musiceval._checks import (
    check_choice,
    check_instance,
    check_names,
    check_path,
    invalid,
)
from musiceval._history_entries import (
    Entry,
    VectorRows,
    check_step,
    csv_columns,
    entries_from_frame,
    entries_from_mapping,
    metric_names,
    rows_at,
    set_level_records,
    track_vector,
)
from musiceval.exceptions import DocumentError, InvalidParameterError

if TYPE_CHECKING:
    import pandas as pd

    from musiceval.profiles import DatasetProfile

__all__ = ["MetricHistory"]

COLUMNS: tuple[str, ...] = ("step", "metric", "track", "value", "count")
"""Columns of :meth:`MetricHistory.to_frame` and of the CSV file (which may add ``track_name``)."""

# pandas < 3.1 reads floats exactly only with the round-trip converter (3.1 has only that one).
_PANDAS_VERSION = tuple(int(part) for part in version("pandas").split(".")[:2])
_EXACT_FLOATS = {"float_precision": "round_trip"} if _PANDAS_VERSION < (3, 1) else {}


class MetricHistory:
    """Metric values of generated samples over training steps, per metric and track.

    Parameters
    ----------
    track_names : sequence of str, optional
        A name per track (plot titles and the CSV's ``track_name`` column); tracks are
        numbered from 0 otherwise.

    Notes
    -----
    * Steps are non-negative ints and never decrease from one :meth:`record` to the next;
      several calls may share a step as long as they record different metrics.
    * Every record holds the same number of tracks (fixed by the first record or by
      ``track_names``).
    * A value is the mean over samples ignoring NaN (``np.nanmean``); ``count`` is the number
      of non-NaN samples it averages (0 and a NaN value when no sample is defined), or missing
      (``<NA>``) when the caller recorded values that were already aggregated.
    * The reference (see :meth:`set_reference`) and the track names are plotting metadata;
      :meth:`save` keeps the track names (column ``track_name``) but not the reference, which
      comes from the training set's profile.
    * Set-level series (:meth:`record_set_level`: one number per step for the whole set of
      samples, such as the Monitor's originality) are kept apart from the per-track records:
      in :meth:`set_level_frame` and :meth:`save_set_level`, not in :meth:`to_frame`.
    * So are the distances of vector-valued metrics (:meth:`record_vector_distances`: one
      number per metric, track and step, such as the Monitor's total variation distances):
      in :meth:`vector_distance_frame` and :meth:`save_vector_distances`.
    """

    def __init__(self, *, track_names: Sequence[str] | None = None) -> None:
        self._entries: list[Entry] = []
        self._n_tracks: int | None = None
        self._track_names: list[str] | None = None
        self._reference: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}
        self._set_level: list[tuple[int, str, float]] = []  # (step, name, value)
        self._vectors = VectorRows()
        if track_names is not None:
            self.track_names = track_names

    # ------------------------------------------------------------------ recording

    def record(self, step: int, values: Any) -> None:
        """Add the metric values of the samples generated at ``step``.

        Parameters
        ----------
        step : int
            Training step (or epoch), ``>= 0`` and ``>=`` every step recorded before.
        values : pandas.DataFrame or mapping of str to array-like
            Either a tidy table as returned by :func:`musiceval.evaluate` (columns ``sample``,
            ``track``, ``metric``, ``value``, in any row order; other columns are ignored;
            pairwise rows, with a ``track_b``, are refused), averaged per metric and track
            ignoring NaN, metrics in the order of a categorical ``metric`` column; or a
            mapping ``{metric: array}`` where each array has shape ``(n_samples, n_tracks)``
            (per-sample values, as the metric functions return them; averaged the same way) or
            ``(n_tracks,)`` (values already aggregated; recorded as they are, count missing).

        Raises
        ------
        InvalidParameterError
            ``step`` is not an int, is negative, is smaller than the last recorded step, or
            repeats a (step, metric) pair; ``values`` is empty, has the wrong columns or shape,
            or a number of tracks different from the history's. Nothing is recorded then.
        """
        step = check_step(step, self._last_step())
        if isinstance(values, Mapping):
            new = entries_from_mapping(step, values)
        elif hasattr(values, "columns"):
            new = entries_from_frame(step, values)
        else:
            raise invalid(
                "values",
                "a tidy DataFrame from musiceval.evaluate or a mapping {metric: array}",
                received=type(values).__name__,
            )
        self._add(new)

    def _add(self, new: list[Entry]) -> None:
        """Check ``new`` (same step) against the history, then append all of it or nothing."""
        if not new:
            raise InvalidParameterError("values must hold at least one metric; got none")
        n_tracks = self._n_tracks
        for entry in new:
            if n_tracks is None:
                n_tracks = entry.values.size
            elif entry.values.size != n_tracks:
                raise InvalidParameterError(
                    f"values of {entry.metric!r} at step {entry.step} have {entry.values.size} "
                    f"tracks; this history has {n_tracks}"
                )
        last = self._last_step()
        already = set()
        for entry in reversed(self._entries):
            if entry.step != last:
                break
            already.add(entry.metric)
        for entry in new:
            if entry.step == last and entry.metric in already:
                raise InvalidParameterError(
                    f"step {entry.step} already holds {entry.metric!r}; record each metric once "
                    "per step"
                )
        self._n_tracks = n_tracks
        self._entries.extend(new)

    def record_set_level(self, step: int, values: Mapping[str, float]) -> None:
        """Add numbers of the whole set of samples generated at ``step``, one per name.

        Parameters
        ----------
        step : int
            Training step, ``>= 0`` and ``>=`` every step recorded before with this method.
        values : mapping of str to float
            ``{name: number}`` (NaN allowed), e.g. ``Evaluation.originality``.

        Raises
        ------
        InvalidParameterError
            ``step`` is not an int, negative or below the last set-level step; ``values`` is
            empty, has a name that is not a non-empty str or a value that is not a real
            number, or repeats a (step, name) pair. Nothing is recorded then.
        """
        last = self._set_level[-1][0] if self._set_level else None
        step = check_step(step, last)
        new = set_level_records(step, values)
        recorded = rows_at(self._set_level, step)
        repeated = sorted(recorded & {name for _, name, _ in new})
        if repeated:
            raise InvalidParameterError(
                f"step {step} already holds the set-level {repeated}; record each once per step"
            )
        self._set_level.extend(new)

    def record_vector_distances(self, step: int, distances: Mapping[str, Any]) -> None:
        """Add, per vector-valued metric, a distance per track of the samples generated at
        ``step`` to the reference (e.g. ``Evaluation.vector_distances``).

        Parameters
        ----------
        step : int
            Training step, ``>= 0`` and ``>=`` every step recorded before with this method.
        distances : mapping of str to array-like of shape (n_tracks,)
            ``{metric: distances}`` (NaN allowed).

        Raises
        ------
        InvalidParameterError
            ``step`` is not an int, negative or below the last step recorded with this method;
            ``distances`` is empty, not keyed by names, not one number per track of the
            history, or repeats a (step, metric) pair. Nothing is recorded then.
        """
        self._n_tracks = self._vectors.add(step, distances, self._n_tracks)

    def set_reference(self, metric: str, mean: Any, std: Any = None) -> None:
        """Set the training set's mean (and std) of ``metric`` per track, drawn by the plots.

        Parameters
        ----------
        metric : str
            Metric name.
        mean : array-like of shape (n_tracks,)
            Reference mean per track (NaN: unknown for that track).
        std : array-like of shape (n_tracks,), optional
            Reference standard deviation per track, >= 0 or NaN; plots draw a ±1 std band
            when given.

        Raises
        ------
        InvalidParameterError
            ``metric`` is not a non-empty str; ``mean`` or ``std`` is not one number per track,
            or ``std`` is negative. Nothing is set then.
        """
        if not isinstance(metric, str) or not metric:
            raise invalid("metric", "a non-empty str", metric)
        mean_array = track_vector(mean, "mean", self._n_tracks)
        std_array = None
        if std is not None:
            std_array = track_vector(std, "std", mean_array.size)
            if np.any(std_array < 0):
                raise invalid("std", ">= 0 (or NaN)", std_array.tolist())
        if self._n_tracks is None:
            self._n_tracks = mean_array.size
        self._reference[metric] = (mean_array, std_array)

    def set_reference_from(
        self, profile: DatasetProfile, metrics: Sequence[str] | None = None
    ) -> None:
        """Take the reference mean and std of each metric from a training set's profile.

        Calls :meth:`set_reference` with ``profile.mean(metric)`` and ``profile.std(metric)``
        for every metric of ``metrics`` (default: all of the profile's), and names the tracks
        after the profile's when the history has no names yet.

        Parameters
        ----------
        profile : DatasetProfile
            The training set's profile (:func:`musiceval.profile`).
        metrics : sequence of str, optional
            Metrics to take; each must be in the profile.

        Raises
        ------
        InvalidParameterError
            ``profile`` is not a DatasetProfile, ``metrics`` names a metric it does not hold,
            or the profile has a track count other than the history's. Nothing is set then.
        """
        from musiceval.profiles import DatasetProfile

        check_instance("profile", profile, DatasetProfile, "a DatasetProfile")
        known = list(profile.metrics)
        names = known if metrics is None else metric_names(metrics, known)
        n_tracks = len(profile.tracks)
        if self._n_tracks not in (None, n_tracks):
            raise InvalidParameterError(
                f"profile has {n_tracks} tracks; the history has {self._n_tracks}"
            )
        for name in names:
            self.set_reference(name, profile.mean(name), profile.std(name))
        if self._track_names is None:
            self.track_names = list(profile.tracks)

    # ------------------------------------------------------------------ reading

    @property
    def steps(self) -> list[int]:
        """The distinct recorded steps, increasing."""
        return sorted({entry.step for entry in self._entries})

    @property
    def metrics(self) -> list[str]:
        """The recorded metric names, in the order they were first recorded."""
        return list(dict.fromkeys(entry.metric for entry in self._entries))

    @property
    def tracks(self) -> list[int]:
        """Track numbers ``0 .. n_tracks - 1`` (empty before the first record)."""
        return list(range(self._n_tracks or 0))

    @property
    def track_names(self) -> list[str] | None:
        """A name per track, or ``None``."""
        return None if self._track_names is None else list(self._track_names)

    @track_names.setter
    def track_names(self, names: Sequence[str] | None) -> None:
        if names is None:
            self._track_names = None
            return
        if (
            isinstance(names, str)
            or not isinstance(names, Sequence)
            or not all(isinstance(name, str) for name in names)
        ):
            raise invalid("track_names", "a sequence of strings", names)
        if not names:
            raise invalid("track_names", "one or more names", list(names))
        checked = check_names("track_names", names, self._n_tracks, distinct=False)
        self._n_tracks = len(checked)
        self._track_names = list(checked)

    @property
    def reference(self) -> dict[str, tuple[np.ndarray, np.ndarray | None]]:
        """``{metric: (mean, std)}``, each an array ``(n_tracks,)`` (``std`` may be ``None``)."""
        return {
            name: (mean.copy(), None if std is None else std.copy())
            for name, (mean, std) in self._reference.items()
        }

    def track_label(self, track: int) -> str:
        """The name of ``track`` if known, else ``"track {track}"``."""
        track = self._check_track(track)
        return self._track_names[track] if self._track_names else f"track {track}"

    def series(self, metric: str, track: int) -> tuple[np.ndarray, np.ndarray]:
        """Steps and values of one metric and track, as two arrays ordered by step."""
        check_choice("metric", metric, self.metrics)
        track = self._check_track(track)
        chosen = [entry for entry in self._entries if entry.metric == metric]
        steps = np.array([entry.step for entry in chosen], dtype=np.int64)
        values = np.array([entry.values[track] for entry in chosen], dtype=np.float64)
        return steps, values

    @property
    def set_level_names(self) -> list[str]:
        """The names of the set-level series, in the order they were first recorded."""
        return list(dict.fromkeys(name for _, name, _ in self._set_level))

    def set_level_series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """Steps (int64) and values (float64) of one set-level series, ordered by step."""
        check_choice("name", name, self.set_level_names)
        chosen = [(step, value) for step, at, value in self._set_level if at == name]
        steps, values = zip(*chosen, strict=True)
        return np.array(steps, dtype=np.int64), np.array(values, dtype=np.float64)

    def set_level_frame(self) -> pd.DataFrame:
        """The set-level series as a table: column ``step`` (int64, one row per step with a
        set-level record), then one float64 column per name (NaN where a step lacks it)."""
        import pandas as pd

        steps = sorted({step for step, _, _ in self._set_level})
        row = {step: i for i, step in enumerate(steps)}
        columns = {name: np.full(len(steps), np.nan) for name in self.set_level_names}
        for step, name, value in self._set_level:
            columns[name][row[step]] = value
        return pd.DataFrame({"step": np.array(steps, dtype=np.int64), **columns})

    def save_set_level(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`set_level_frame` as CSV, atomically (NaN as an empty cell; floats are
        read back exactly by ``pandas.read_csv``, from pandas 3.1 on, or before with
        ``float_precision="round_trip"``).

        Returns
        -------
        pathlib.Path
            The path written.
        """
        path = check_path("path", path)
        with atomic_path(path) as temporary:
            self.set_level_frame().to_csv(temporary, index=False)
        return path

    @property
    def vector_metrics(self) -> list[str]:
        """The metrics of :meth:`record_vector_distances`, in the order first recorded."""
        return self._vectors.metrics

    def vector_distance_frame(self) -> pd.DataFrame:
        """The vector distances as a table: ``step``, ``metric``, ``track`` (int64),
        ``tv_distance`` (float64, NaN where undefined), plus ``track_name`` when the track
        names are known; one row per step, metric and track, in recording order."""
        return self._vectors.frame(self._track_names)

    def save_vector_distances(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`vector_distance_frame` as CSV, atomically (NaN as an empty cell);
        return the path written."""
        path = check_path("path", path)
        with atomic_path(path) as temporary:
            self.vector_distance_frame().to_csv(temporary, index=False)
        return path

    def _check_track(self, track: Any) -> int:
        if isinstance(track, bool) or not isinstance(track, Integral) or track not in self.tracks:
            raise invalid("track", f"one of {self.tracks}", track)
        return int(track)

    def copy(self) -> MetricHistory:
        """A copy that later records and references of this history leave as it is."""
        twin = MetricHistory()
        twin._entries = list(self._entries)  # entries are immutable: sharing them is safe
        twin._n_tracks = self._n_tracks
        twin._track_names = None if self._track_names is None else list(self._track_names)
        twin._reference = dict(self._reference)
        twin._set_level = list(self._set_level)
        twin._vectors.rows = list(self._vectors.rows)
        return twin

    def state_dict(self) -> dict[str, Any]:
        """The records as plain lists (for checkpoints: ``torch.load(weights_only=True)`` reads
        them back); the reference and track names are not included. The set-level records,
        if any, are under ``"set_level"`` (``{"steps", "names", "values"}``, one item each),
        the vector distances under ``"vector_distances"`` (``{"steps", "metrics", "values"}``)."""
        entries = self._entries
        counts = [[-1] * e.values.size if e.counts is None else e.counts.tolist() for e in entries]
        state: dict[str, Any] = {
            "steps": [entry.step for entry in entries],
            "metrics": [entry.metric for entry in entries],
            "values": [entry.values.tolist() for entry in entries],
            "counts": counts,  # -1: recorded already aggregated
        }
        if self._set_level:
            steps, names, values = (list(column) for column in zip(*self._set_level, strict=True))
            state["set_level"] = {"steps": steps, "names": names, "values": values}
        if self._vectors.rows:
            state["vector_distances"] = self._vectors.state()
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace the records by those of :meth:`state_dict` (checked as :meth:`record` does)."""
        restored = MetricHistory(track_names=self._track_names)
        try:
            rows = zip(
                state["steps"], state["metrics"], state["values"], state["counts"], strict=True
            )
            for step, metric, values, counts in rows:
                kept = None if min(counts, default=-1) < 0 else np.asarray(counts, np.int64)
                step = check_step(step, restored._last_step())
                restored._add([Entry(step, metric, np.asarray(values, np.float64), kept)])
            set_level = state.get("set_level", {"steps": [], "names": [], "values": []})
            for step, name, value in zip(
                set_level["steps"], set_level["names"], set_level["values"], strict=True
            ):
                restored.record_set_level(step, {name: value})
            vectors = state.get("vector_distances", {"steps": [], "metrics": [], "values": []})
            for row in zip(vectors["steps"], vectors["metrics"], vectors["values"], strict=True):
                restored.record_vector_distances(row[0], {row[1]: row[2]})
        except (KeyError, TypeError, ValueError) as exc:
            raise invalid("state", "a MetricHistory.state_dict()", received=str(exc)) from exc
        self._entries, self._n_tracks = restored._entries, restored._n_tracks
        self._set_level, self._vectors = restored._set_level, restored._vectors

    def __len__(self) -> int:
        """Number of (step, metric) records."""
        return len(self._entries)

    def __repr__(self) -> str:
        steps = self.steps
        span = f"steps {steps[0]}..{steps[-1]}" if steps else "no steps"
        return (
            f"MetricHistory({len(self.metrics)} metrics, {len(self.tracks)} tracks, "
            f"{len(steps)} {span})"
        )

    def to_frame(self) -> pd.DataFrame:
        """The history as a tidy table.

        Returns
        -------
        pandas.DataFrame
            Columns ``step`` (int64), ``metric`` (str), ``track`` (int64), ``value``
            (float64, NaN where no sample was defined), ``count`` (nullable Int64: non-NaN
            samples averaged, ``<NA>`` for already-aggregated values): one row per step, metric
            and track, in recording order then track order.
        """
        import pandas as pd

        n_tracks = self._n_tracks or 0
        entries = self._entries
        counts = np.concatenate(
            [np.zeros(0, np.int64)]
            + [np.zeros(n_tracks, np.int64) if e.counts is None else e.counts for e in entries]
        )
        missing = np.concatenate(
            [np.zeros(0, bool)] + [np.full(n_tracks, e.counts is None) for e in entries]
        )
        columns = {
            "step": np.repeat(np.array([e.step for e in entries], np.int64), n_tracks),
            "metric": pd.array(np.repeat([e.metric for e in entries], n_tracks), dtype="str"),
            "track": np.tile(np.arange(n_tracks, dtype=np.int64), len(entries)),
            "value": np.concatenate([np.zeros(0)] + [e.values for e in entries]),
            "count": pd.arrays.IntegerArray(counts, mask=missing),
        }
        return pd.DataFrame(columns)

    # ------------------------------------------------------------------ files

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the history as CSV, atomically (no half-written file if interrupted).

        The columns are those of :meth:`to_frame`, plus ``track_name`` when the track names
        are known. The reference is not saved. Floats are written so that :meth:`load` reads
        them back exactly.

        Returns
        -------
        pathlib.Path
            The path written.
        """
        path = check_path("path", path)
        frame = self.to_frame()
        if self._track_names is not None:
            frame["track_name"] = np.array(self._track_names, dtype=object)[
                frame["track"].to_numpy()
            ]
        with atomic_path(path) as temporary:
            frame.to_csv(temporary, index=False)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MetricHistory:
        """Read a history written by :meth:`save`.

        Raises
        ------
        InvalidParameterError
            ``path`` is not a str or os.PathLike.
        DocumentError
            The file is not CSV, lacks a column of :data:`COLUMNS`, holds a non-integer step or
            track, a non-numeric value, a negative or fractional count, a (step, metric) without
            every track, or steps out of order; the message names the file. (A ``ValueError``.)
        """
        import pandas as pd

        path = check_path("path", path)
        try:
            frame = pd.read_csv(path, keep_default_na=False, na_values=[""], **_EXACT_FLOATS)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            raise DocumentError(f"{path}: not a MetricHistory CSV file ({error})") from None
        try:
            return cls._from_frame(frame)
        except ValueError as error:
            raise DocumentError(f"{path}: {error}") from None

    @classmethod
    def _from_frame(cls, frame: pd.DataFrame) -> MetricHistory:
        value, count, track = csv_columns(frame, COLUMNS)
        n_tracks = int(track.max()) + 1 if len(track) else 0
        history = cls()
        if "track_name" in frame.columns and len(frame):
            names = dict(zip(track.tolist(), frame["track_name"].astype(str), strict=True))
            if len(set(zip(track.tolist(), frame["track_name"], strict=True))) != len(names):
                raise ValueError("column 'track_name' gives one track several names")
            if sorted(names) == list(range(n_tracks)):
                history.track_names = [names[index] for index in range(n_tracks)]
        keys = list(zip(frame["step"].tolist(), frame["metric"].astype(str).tolist(), strict=True))
        rows: dict[tuple[int, str], list[int]] = {}
        for row, key in enumerate(keys):
            rows.setdefault(key, []).append(row)
        for (step, metric), indices in rows.items():
            where = np.array(indices)
            if sorted(track[where].tolist()) != list(range(n_tracks)):
                raise ValueError(
                    f"step {step}, metric {metric!r} must have one row per track 0..{n_tracks - 1}"
                    f"; got tracks {sorted(track[where].tolist())}"
                )
            order = where[np.argsort(track[where])]
            counts = count[order]
            if np.isnan(counts).all():
                kept = None
            elif np.isnan(counts).any():
                raise ValueError(f"step {step}, metric {metric!r} has a count on some tracks only")
            else:
                kept = counts.astype(np.int64)
            step = check_step(step, history._last_step())
            history._add([Entry(step, metric, value[order].copy(), kept)])
        return history

    def _last_step(self) -> int | None:
        return self._entries[-1].step if self._entries else None
