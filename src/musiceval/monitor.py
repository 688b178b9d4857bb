"""Watch any training run: :class:`Monitor`, one evaluator for every training loop.

A Monitor is built once from the training set (a :class:`~musiceval.DatasetProfile`, rolls, or
a stream of batches) and then fed the generator's samples: ``monitor.update(step, samples)``
computes musiceval's metrics on them (on the tensor's own device for torch), records them in a
:class:`~musiceval.history.MetricHistory` against the training set's mean, and returns the
values and one distance to the reference, within milliseconds. Everything slow (the CSV, the
trajectory figure, MIDI/WAV/PNG samples to listen to, sinks such as TensorBoard) is done by a
background process, never inside the training step; a failure there is raised, with its cause,
by the next ``update`` or ``close``. ``close()`` waits for it and writes the final comparison
report. Every file is replaced atomically, so a killed process leaves whole files.

Under ``torch.distributed`` (DDP, ``torchrun``) each rank passes its own samples; the values
are gathered so that every rank gets the evaluation of the union of the samples (the same
distance on every rank, so early stopping agrees), and only rank 0 writes files.

The reference trainer's ``MetricsHook``, the Lightning and Hugging Face callbacks
(``musiceval.integrations``) are thin users of this class.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from musiceval._background import BackgroundWriter, WriterSpec
from musiceval._checks import (
    check_bool,
    check_int,
    check_path,
    check_real,
    invalid,
    nanmean,
)
from musiceval._copied_bars import check_index, counts, pool
from musiceval._listening import SAMPLE_MIDI, SAMPLE_PNG, SAMPLE_WAV
from musiceval._lock import DirectoryLock, lock_directory
from musiceval._monitor_vectors import (
    last_state,
    last_update,
    report_profile,
    split_metrics,
    vector_distances,
)
from musiceval._ranks import check_distributed, launched_with_several_processes, rank
from musiceval.evaluate import compute
from musiceval.exceptions import InvalidParameterError
from musiceval.history import MetricHistory
from musiceval.profiles import DatasetProfile, profile
from musiceval.rolls import Layout, as_roll

if TYPE_CHECKING:
    from musiceval.originality import BarIndex
    from musiceval.rolls import Roll

__all__ = [
    "MAX_EFFECT",
    "SAMPLE_MIDI",
    "SAMPLE_PNG",
    "SAMPLE_WAV",
    "Evaluation",
    "Monitor",
    "Sink",
    "distance_to_reference",
]

MAX_EFFECT = 10.0
"""The cap of each term of the distance: a difference of more than 10 pooled standard
deviations (or any difference between two constant sets) counts as 10."""


@dataclass(frozen=True)
class Evaluation:
    """What :meth:`Monitor.update` returns for one step.

    Attributes
    ----------
    step : int
        The training step.
    values : dict of str to ndarray of shape (n_samples, n_tracks)
        Each metric's per-sample values (all ranks' samples under DDP, in rank order).
    means : dict of str to ndarray of shape (n_tracks,)
        Each metric's mean over the samples, NaN ignored.
    distance : float
        :func:`distance_to_reference` of the values; lower is closer.
    tracks : tuple of str
        The track names (the reference's), in the order of the values' last axis.
    originality : mapping of str to float
        With a bar index (see :class:`Monitor`), the samples' originality against the training
        set, pooled over all samples (every rank's): ``"bar_match_rate"`` and
        ``"bar_match_rate_transposed"``, the share of non-empty merged bars found in the
        training set as written and up to transposition (in [0, 1], NaN when no bar sounds;
        lower is more original), and ``"longest_copied_run"``, the longest run of bars copied
        from one training piece, in bars, the maximum over samples. Empty without an index.
    vector_distances : mapping of str to ndarray of shape (n_tracks,)
        Per watched vector-valued metric (:attr:`Monitor.vector_metrics`), the total variation
        distance per track between the samples' mean distribution and the reference's mean, in
        [0, 1] (NaN where either has no defined vector); empty when none is watched.
    vector_means : mapping of str to ndarray of shape (n_tracks, ...)
        Per watched vector-valued metric, the samples' mean distribution per track.
    """

    step: int
    values: dict[str, np.ndarray]
    means: dict[str, np.ndarray]
    distance: float
    tracks: tuple[str, ...] = ()
    originality: Mapping[str, float] = field(default_factory=dict)
    vector_distances: Mapping[str, np.ndarray] = field(default_factory=dict)
    vector_means: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def n_samples(self) -> int:
        """Samples evaluated."""
        return len(next(iter(self.values.values())))


class Sink(Protocol):
    """Where a Monitor also sends what it records (e.g. TensorBoard); called in the background
    writer's process, in step order. A sink is pickled to that process, so its class must live in
    an importable module (not the ``__main__`` script) and it should open files lazily. The
    files of :meth:`add_samples` are keyed :data:`SAMPLE_MIDI`, :data:`SAMPLE_WAV` and
    :data:`SAMPLE_PNG` (in a temporary folder when the Monitor has no ``out_dir``)."""

    def add_evaluation(self, evaluation: Evaluation) -> None: ...

    def add_samples(self, step: int, rolls: np.ndarray, files: Mapping[str, Path]) -> None: ...

    def close(self) -> None: ...


def distance_to_reference(
    values: Mapping[str, np.ndarray], reference: DatasetProfile, tracks: Sequence[int] | None = None
) -> float:
    """How far generated samples are from the reference: the mean capped effect size.

    .. math:: d = \\operatorname{mean}_{m, k} \\min\\left(\\frac{|\\bar g_{mk} - \\bar r_{mk}|}
              {\\sqrt{(s_{r,mk}^2 + s_{g,mk}^2) / 2}}, 10\\right)

    over the scalar metrics ``m`` of ``values`` (the vector-valued ones have their own
    distances, :attr:`Evaluation.vector_distances`) and the ``tracks`` ``k`` (default all), with the
    generated mean and population std over the samples (NaN ignored) and the reference's
    (``reference.mean``, ``reference.std``). A pair with equal means counts 0 (even when both
    stds are 0); a pair with no defined generated value is left out; NaN when none is left.

    Parameters
    ----------
    values : mapping of str to ndarray of shape (n_samples, n_tracks)
        Per-sample values of metrics the reference holds.
    reference : DatasetProfile
        The training set's profile.
    tracks : sequence of int, optional
        The tracks to count (e.g. the generated ones of a conditional model).
    """
    chosen = list(range(len(reference.tracks))) if tracks is None else list(tracks)
    stacked = np.stack([np.asarray(v, np.float64)[:, chosen] for v in values.values()])
    mean = nanmean(stacked, axis=1)
    spread = np.sqrt(nanmean((stacked - mean[:, None, :]) ** 2, axis=1))
    center = np.stack([reference.mean(name)[chosen] for name in values])
    scale = np.stack([reference.std(name)[chosen] for name in values])
    difference = np.abs(mean - center)
    pooled = np.sqrt((scale**2 + spread**2) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        effect = np.minimum(difference / pooled, MAX_EFFECT)
    effect = np.where(difference == 0, 0.0, effect)
    return float(nanmean(effect.reshape(-1), axis=0))


class Monitor:
    """Evaluate a generator's samples against a reference while it trains, from any loop.

    Parameters
    ----------
    reference : DatasetProfile, ndarray, torch.Tensor, str, os.PathLike or iterable of batches
        The training set: its profile, or rolls to profile now (anything
        :func:`musiceval.profile` takes, with ``metrics``, ``layout``, ``threshold``,
        ``lowest_pitch``, ``track_names`` and ``conventions`` below).
    metrics : sequence of str, optional
        The metrics to watch, with at least one scalar metric; default: the profile's, scalar
        and vector-valued (every per-track scalar metric when profiling). With a profile, each
        must be one it holds. Vector-valued ones (``musiceval.registry.VECTOR``) are compared
        by :attr:`Evaluation.vector_distances` and written to ``vectors.csv``.
    out_dir : str or os.PathLike, optional
        Where to write ``metrics.csv``, ``metrics.png``, ``samples/`` and ``report/``; None
        writes nothing. A lock file (``.musiceval.lock``) keeps a second Monitor out.
    lock : bool, default=True
        Hold ``out_dir``'s lock while the Monitor is open. False only where this process
        holds that lock already: ``musiceval.models.MetricsHook`` passes False for its
        trainer's ``out_dir``, which ``Trainer.fit`` locks.
    layout, threshold, lowest_pitch
        How to read the samples (and the reference rolls): ``threshold=0.0`` fits raw tanh
        output and {-1, +1} or {0, 1} data; 0.5 fits probabilities.
    track_names : sequence of str, optional
        A name per track (when profiling rolls); a profile has its own.
    tracks : sequence of int, optional
        The tracks the distance counts; default all (a conditional model: the generated ones).
    plot_every : int, default=5
        Draw ``metrics.png`` every ``plot_every`` updates (and at :meth:`close`).
    sample_every : int, default=0
        Write the first ``n_written`` samples as MIDI, WAV and PNG every ``sample_every``
        updates (0: never).
    n_written : int, default=4
        Samples per listening file.
    tempo : float, default=100.0
        Quarter notes per minute of the listening files.
    report : bool, default=True
        Write the comparison report of the last update's samples at :meth:`close`.
    sinks : sequence of Sink, optional
        Also send every evaluation and listening file there (e.g.
        ``musiceval.integrations.TensorBoardSink``).
    distributed : bool, optional
        Gather the values of every rank (torch.distributed); default: when torch.distributed
        is initialised with more than one process.
    originality : bool, default=True
        Track the samples' originality (:attr:`Evaluation.originality`, ``originality.csv``
        and ``originality.png``) against a bar index of the training set: ``bar_index``, else
        the profile's (:attr:`DatasetProfile.bar_index`), else, when profiling rolls, one
        built in the same pass (the rolls must then hold whole bars). Without an index, none.
    bar_index : BarIndex, optional
        The training set's :class:`musiceval.originality.BarIndex` (the reference's pitches,
        tracks, lowest pitch and ``steps_per_bar``).
    **conventions
        Metric options when profiling rolls (``steps_per_bar``, ``key``, ...); a profile has
        its own and refuses others.

    Examples
    --------
    >>> monitor = musiceval.Monitor(train_rolls, out_dir="runs/x", sample_every=10)
    >>> for step in range(1, n_steps + 1):               # doctest: +SKIP
    ...     train_step()
    ...     if step % 100 == 0:
    ...         result = monitor.update(step, generator(fixed_noise))
    ...         print(step, result.distance)
    >>> monitor.close()                                   # doctest: +SKIP
    """

    def __init__(
        self,
        reference: Any,
        *,
        metrics: Sequence[str] | None = None,
        out_dir: str | os.PathLike[str] | None = None,
        lock: bool = True,
        layout: Layout = "NTPK",
        threshold: float = 0.0,
        lowest_pitch: int | None = None,
        track_names: Sequence[str] | None = None,
        tracks: Sequence[int] | None = None,
        plot_every: int = 5,
        sample_every: int = 0,
        n_written: int = 4,
        tempo: float = 100.0,
        report: bool = True,
        sinks: Sequence[Sink] = (),
        distributed: bool | None = None,
        originality: bool = True,
        bar_index: BarIndex | None = None,
        **conventions: Any,
    ) -> None:
        reading = {"layout": layout, "threshold": threshold, "lowest_pitch": lowest_pitch}
        self._reading: dict[str, Any] = reading
        build = check_bool("originality", originality) and bar_index is None
        self._profile = _reference_profile(reference, metrics, track_names, self._reading,
                                           conventions, build)  # fmt: skip
        if bar_index is None and originality:
            bar_index = self._profile.bar_index
        self._index = None if bar_index is None else check_index(bar_index, self._profile)
        self._metrics, self._vectors = split_metrics(metrics, self._profile)
        self._tracks = _check_tracks(tracks, len(self._profile.tracks))
        self._plot_every = check_int("plot_every", plot_every)
        self._sample_every = check_int("sample_every", sample_every, minimum=0)
        self._n_written = check_int("n_written", n_written)
        self._tempo = check_real("tempo", tempo, minimum=0, strict=True)
        self._report = check_bool("report", report)
        self._sinks = tuple(sinks)
        self._wanted_distributed = None if distributed is None else check_bool(
            "distributed", distributed)  # fmt: skip
        self._distributed: bool | None = None  # known at the first update: DDP starts later
        self._history = MetricHistory(track_names=list(self._profile.tracks))
        self._history.set_reference_from(self._profile, self._metrics)
        self._updates, self._seconds = 0, 0.0
        # the last update's step, values, copied-bar counts ((n, 0) without an index), vectors
        self._last: tuple[int, np.ndarray, np.ndarray, dict[str, np.ndarray]] | None = None
        self._out = None if out_dir is None else check_path("out_dir", out_dir)
        self._lock_out = check_bool("lock", lock)
        self._lock: DirectoryLock | None = None
        self._writer: BackgroundWriter | None = None
        self._closed = False
        if not launched_with_several_processes():
            self._start()  # now, so that a locked directory is refused at once

    def _start(self) -> None:
        """Decide whether this process gathers and writes, lock the directory, start the writer:
        at construction, or at the first update in a job launched with several processes
        (torchrun, Lightning DDP), whose process group may not exist yet when it is built."""
        if self._distributed is not None:
            return
        self._distributed = check_distributed(self._wanted_distributed)
        if (self._out is not None or self._sinks) and self.writes_files:
            if self._out is not None and self._lock_out:
                self._lock = lock_directory(self._out)
            self._writer = BackgroundWriter(self._spec())
            if len(self._history):  # restored before the start
                self._writer.submit("restore", self._history.state_dict())

    def _spec(self) -> WriterSpec:
        conventions = self._profile.conventions
        listening = {
            "track_names": self._profile.tracks,
            "steps_per_beat": conventions["steps_per_beat"],
            "steps_per_bar": conventions["steps_per_bar"],
            "tempo": self._tempo,
            "lowest_pitch": self._profile.lowest_pitch,
        }
        profile = report_profile(self._profile, self._metrics, self._vectors, self._index)
        return WriterSpec(self._out, profile, self._metrics, listening, self._sinks)

    # ------------------------------------------------------------------ description

    @property
    def profile(self) -> DatasetProfile:
        """The reference profile."""
        return self._profile

    @property
    def metrics(self) -> tuple[str, ...]:
        """The watched scalar metrics, in order."""
        return self._metrics

    @property
    def vector_metrics(self) -> tuple[str, ...]:
        """The watched vector-valued metrics, in order (empty when none)."""
        return self._vectors

    @property
    def bar_index(self) -> BarIndex | None:
        """The training set's bar index the originality is measured against, or None."""
        return self._index

    @property
    def history(self) -> MetricHistory:
        """The recorded trajectories (a live object: copy it to keep a snapshot)."""
        return self._history

    @property
    def writes_files(self) -> bool:
        """Whether this process writes (rank 0, or not distributed; decided at the first
        update)."""
        distributed = self._distributed
        if distributed is None:
            distributed = check_distributed(self._wanted_distributed)
        return not distributed or rank() == 0

    @property
    def outputs(self) -> dict[str, Path]:
        """The files written so far, by description (the latest of each kind)."""
        return {} if self._writer is None else self._writer.outputs

    @property
    def seconds(self) -> dict[str, float]:
        """Time spent: ``"update"`` (in the training process), ``"background"`` (the writer's
        process, working on other cores when there are some)."""
        background = 0.0 if self._writer is None else self._writer.seconds
        return {"update": self._seconds, "background": background}

    # ------------------------------------------------------------------ evaluating

    def update(self, step: int, samples: Any) -> Evaluation:
        """Evaluate the samples generated at ``step``; files are written in the background.

        Parameters
        ----------
        step : int
            Training step, >= 0, never below an earlier update's.
        samples : ndarray or torch.Tensor
            Generated rolls in ``layout`` (any dtype; a tensor on any device), with the
            reference's steps, pitches and tracks.

        Returns
        -------
        Evaluation
            The values, means, distance and originality (of every rank's samples under DDP).

        Raises
        ------
        musiceval.InvalidParameterError
            Samples of another shape than the reference's (both named), NaN or inf in them
            (the step named), a step below the last.
        musiceval._background.BackgroundError
            The background writer failed since the last call (its cause attached).
        """
        started = time.perf_counter()
        self._check_open()
        self._start()
        if self._writer is not None:
            self._writer.check()
        step = check_int("step", step, minimum=0)
        _check_shape(samples, self._reading["layout"], self._profile, step)
        try:
            values = compute(samples, [*self._metrics, *self._vectors], **self._reading,
                             **self._profile.conventions)  # fmt: skip
        except InvalidParameterError as error:
            raise InvalidParameterError(f"samples of step {step}: {error}") from error
        stacked = np.stack([values[name] for name in self._metrics], axis=1)
        copies = np.zeros((len(stacked), 0))
        if self._index is not None:
            copies = counts(samples, self._index, self._reading)
        stacked, copies, *vectors = self._gather(stacked, copies, *(values[name] for name in
                                                                    self._vectors))  # fmt: skip
        pooled = {} if self._index is None else pool(copies)
        if pooled:
            self._history.record_set_level(step, pooled)
        by_name = {name: stacked[:, m] for m, name in enumerate(self._metrics)}
        self._history.record(step, by_name)
        watched = dict(zip(self._vectors, vectors, strict=True))
        distances, vector_means = vector_distances(self._profile, watched)
        if distances:
            self._history.record_vector_distances(step, distances)
        evaluation = Evaluation(
            step=step,
            values=by_name,
            means={name: nanmean(v, axis=0) for name, v in by_name.items()},
            distance=distance_to_reference(by_name, self._profile, self._tracks),
            tracks=self._profile.tracks,
            originality=pooled,
            vector_distances=distances,
            vector_means=vector_means,
        )
        self._updates += 1
        self._last = (step, stacked, copies, watched)
        if self._writer is not None:
            self._schedule(evaluation, samples)
        self._seconds += time.perf_counter() - started
        return evaluation

    def _schedule(self, evaluation: Evaluation, samples: Any) -> None:
        """Queue this update's work on the background writer."""
        assert self._writer is not None
        n = self._updates
        self._writer.submit("record", evaluation)
        if (n - 1) % self._plot_every == 0:
            self._writer.submit("draw")
        if self._sample_every and (n - 1) % self._sample_every == 0:
            self._writer.submit("listen", (evaluation.step, self._first_rolls(samples)))

    def _first_rolls(self, samples: Any) -> np.ndarray:
        """The first ``n_written`` samples as a host bool array, canonical (a small copy)."""
        reading: dict[str, Any] = {**self._reading, "lowest_pitch": self._profile.lowest_pitch}
        head = (
            samples[: self._n_written] if self._reading["layout"] in ("NTPK", "NBSPK") else samples
        )
        roll: Roll = as_roll(head, **reading, name="samples")
        return roll.cells.astype(bool)

    def _gather(self, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
        """Every rank's arrays (per-sample rows), in rank order, in one collective call (the
        arrays themselves when not distributed)."""
        if not self._distributed:
            return arrays
        import torch.distributed as dist

        parts: list[Any] = [None] * dist.get_world_size()
        dist.all_gather_object(parts, arrays)
        return tuple(np.concatenate(column, axis=0) for column in zip(*parts, strict=True))

    # ------------------------------------------------------------------ ending

    def flush(self) -> None:
        """Wait until the background writer has done everything queued so far."""
        if self._writer is not None:
            self._writer.flush()

    def close(self) -> dict[str, Path]:
        """Draw the last figure, write the comparison report, wait for the writer, unlock.

        Returns the files written, by description. Calling it again does nothing more.
        Raises the background writer's failure, if any, after releasing the lock.
        """
        if self._closed:
            return self.outputs
        self._closed = True
        try:
            if self._writer is not None:
                if self._last is not None:
                    self._writer.submit("draw")
                    if self._report and self._out is not None:
                        self._writer.submit("report", self._last[1:])
                self._writer.close()
        finally:
            if self._lock is not None:
                self._lock.release()
        return self.outputs

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this Monitor is closed; make a new one to evaluate more")

    # ------------------------------------------------------------------ resuming

    def state_dict(self) -> dict[str, Any]:
        """What a resumed run needs to continue the same history (plain values: a checkpoint
        loads it with ``torch.load(weights_only=True)``)."""
        last = None if self._last is None else last_state(*self._last)
        return {
            "metrics": list(self._metrics),
            "updates": self._updates,
            "history": self._history.state_dict(),
            "last": last,
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Continue from :meth:`state_dict`'s state (same metrics)."""
        if list(state.get("metrics", ())) != list(self._metrics):
            raise invalid(
                "state", f"the state of a Monitor of the metrics {list(self._metrics)}",
                received=f"metrics {list(state.get('metrics', ()))}",
            )  # fmt: skip
        self._history.load_state_dict(state["history"])
        if self._writer is not None:  # the writer's copy of the history too
            self._writer.submit("restore", self._history.state_dict())
        self._updates = check_int("updates", state["updates"], minimum=0)
        last = state.get("last")
        self._last = None if last is None else last_update(last, self._vectors)

    def __repr__(self) -> str:
        return (
            f"Monitor({len(self._metrics)} metrics, tracks {list(self._profile.tracks)}, "
            f"{self._updates} updates, out_dir={None if self._out is None else str(self._out)})"
        )


# ---------------------------------------------------------------------- helpers


def _reference_profile(
    reference: Any,
    metrics: Sequence[str] | None,
    track_names: Sequence[str] | None,
    reading: Mapping[str, Any],
    conventions: Mapping[str, Any],
    bar_index: bool,
) -> DatasetProfile:
    """The reference's profile: as given, or computed from rolls (with their bar index when
    ``bar_index``)."""
    if not isinstance(reference, DatasetProfile):
        return profile(reference, metrics, track_names=track_names, bar_index=bar_index,
                       **reading, **conventions)  # fmt: skip
    if conventions or track_names is not None:
        given = sorted([*conventions, *(["track_names"] if track_names is not None else [])])
        raise invalid(
            "conventions", "left out with a DatasetProfile reference (it holds its own)",
            received=f"{given}",
        )  # fmt: skip
    return reference


def _check_tracks(tracks: Any, n_tracks: int) -> list[int] | None:
    if tracks is None:
        return None
    expected = f"a non-empty sequence of distinct track indices below {n_tracks}"
    if isinstance(tracks, str) or not isinstance(tracks, Sequence) or not tracks:
        raise invalid("tracks", expected, tracks)
    checked = [check_int("tracks", track, minimum=0, maximum=n_tracks - 1) for track in tracks]
    if len(set(checked)) != len(checked):
        raise invalid("tracks", expected, list(tracks))
    return checked


def _check_shape(samples: Any, layout: str, reference: DatasetProfile, step: int) -> None:
    """Refuse samples of other steps, pitches or tracks than the reference's, naming both."""
    shape = tuple(getattr(samples, "shape", ()))
    if len(shape) != len(layout):
        return  # compute names the error
    n_steps = shape[layout.index("T")] if "T" in layout else shape[1] * shape[2]
    n_tracks = shape[layout.index("K")] if "K" in layout else 1
    got = (n_steps, shape[layout.index("P")], n_tracks)
    expected = (reference.n_steps, reference.n_pitches, len(reference.tracks))
    if got != expected:
        raise invalid(
            "samples",
            f"rolls of the reference's (n_steps, n_pitches, n_tracks) = {expected}",
            received=f"{got} at step {step} (shape {shape} in layout {layout!r})",
        )
