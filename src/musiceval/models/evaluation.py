"""Hooks that look at the generator's output: :class:`MetricsHook` (musiceval's metrics of the
fixed samples against the training set) and :class:`SampleWriter` (MIDI, WAV and piano-roll
PNG files to listen to and look at).

Both read ``trainer.fixed_samples()``, the generator's tanh output on the fixed evaluation
inputs, computed once per step whichever asks first, and binarise it with musiceval's rule
``threshold=0.0`` (a cell sounds when its value is > 0).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from musiceval._background import BackgroundWriter, WriterSpec
from musiceval._checks import (
    check_bool,
    check_int,
    check_metric_names,
    check_path,
    check_real,
    invalid,
    nanmean,
)
from musiceval.exceptions import InvalidParameterError
from musiceval.models.events import Hook, TrainerView, TrainState
from musiceval.monitor import MAX_EFFECT, Evaluation, Monitor
from musiceval.registry import PER_TRACK, VECTOR

if TYPE_CHECKING:
    from musiceval.history import MetricHistory
    from musiceval.profiles import DatasetProfile

__all__ = ["FURTHEST", "MAX_EFFECT", "MetricsHook", "SampleWriter", "final_results", "furthest"]

FURTHEST = 3
"""How many (metric, track) pairs the run's results list as furthest from the training set."""


# ---------------------------------------------------------------------- metrics


class MetricsHook(Hook):
    """Evaluate the fixed samples with musiceval metrics against the training set: the
    reference trainer's adapter over :class:`musiceval.Monitor`.

    At train start the training data are profiled once (:func:`musiceval.profile`, saved as
    ``reference_profile.json``) and a Monitor is made on the output directory. At every
    ``on_evaluate`` the generator's output on the fixed conditions and noise
    (``trainer.fixed_samples()``) goes to ``Monitor.update``: **binarised with musiceval's rule
    ``threshold=0.0``, a cell sounds when its tanh value is > 0** (the midpoint of the -1/+1
    encoding of the data), the metrics are computed with the profile's conventions and
    recorded in the Monitor's :class:`~musiceval.history.MetricHistory`, and ``metrics.csv``
    and ``metrics.png`` (metrics x tracks, with the training set's mean and ±1 std) are
    written by the Monitor's background process, never inside the step. The hook publishes,
    for the hooks after it and ``summary.json``, each scalar metric's mean per track (an ndarray of
    shape ``(n_tracks,)``) in ``state.metrics[name]`` and the Monitor's distance to the
    training set (:func:`musiceval.monitor.distance_to_reference`, lower is closer; see
    :data:`MAX_EFFECT`) over the generated tracks in ``state.scores["metric_distance"]``.
    The profile holds an index of the training bars (``bar_index=True``), so the Monitor also
    tracks how much of the samples is copied (``originality.csv``, ``originality.png``) and
    the hook publishes it in ``state.scores["originality/<name>"]`` (the bar match rates and
    the longest copied run, :attr:`musiceval.Evaluation.originality`). The vector-valued
    metrics among ``metrics`` (``musiceval.registry.VECTOR``, e.g. ``pitch_class_histogram``)
    are profiled too and compared by the Monitor as distributions: the total variation
    distance per track between the samples' mean and the training set's
    (:attr:`musiceval.Evaluation.vector_distances`, in ``vectors.csv`` and ``vectors.png``),
    published as its mean over the generated tracks in
    ``state.scores["vector_distance/<name>"]``; the metric distance counts the scalar metrics
    only.

    At train end the final samples are evaluated (if that step was not), :attr:`results`
    (:func:`final_results`: the metric distance, the Fréchet distance and the pairs furthest
    from the training set) are computed for ``summary.json``, and the Monitor is closed: the
    comparison report of the last samples is saved under ``report/`` (Markdown, CSV, JSON,
    HTML and figures; with vector-valued metrics, its "Vector metrics" section).

    Parameters
    ----------
    metrics : sequence of str, optional
        Distinct musiceval metrics: per-track scalar ones (``musiceval.registry.PER_TRACK``),
        at least one, and vector-valued ones (``musiceval.registry.VECTOR``); default
        ``trainer.config.metrics``.
    directory : str or os.PathLike, optional
        Where to write; default the trainer's ``out_dir`` (whose lock, held by
        ``Trainer.fit``, the hook's Monitor then shares).
    plot_every : int, default=5
        Redraw ``metrics.png`` every ``plot_every`` evaluations (and at the end); the CSV is
        rewritten at every evaluation.
    report : bool, default=True
        Write the final comparison report.
    """

    def __init__(
        self,
        metrics: Sequence[str] | None = None,
        *,
        directory: str | os.PathLike[str] | None = None,
        plot_every: int = 5,
        report: bool = True,
    ) -> None:
        if metrics is not None:
            metrics = check_metric_names("metrics", metrics, (*PER_TRACK, *VECTOR))
            if not set(metrics) & set(PER_TRACK):
                raise invalid("metrics", "names including a per-track scalar one", list(metrics))
        self._requested = metrics
        self._directory = None if directory is None else check_path("directory", directory)
        self._plot_every = check_int("plot_every", plot_every)
        self._report = check_bool("report", report)
        self._metrics: tuple[str, ...] = ()
        self._profile: DatasetProfile | None = None
        self._monitor: Monitor | None = None
        self._state: dict[str, Any] | None = None  # restored from a checkpoint, until train start
        self._last: Evaluation | None = None
        self._tracks: tuple[int, ...] = ()
        self._results: dict[str, Any] | None = None
        self._written: dict[str, Path] = {}

    @property
    def results(self) -> dict[str, Any] | None:
        """The final evaluation's results (:func:`final_results`), from train end; else None."""
        return self._results

    @property
    def directory(self) -> Path:
        """Where the hook writes (default the trainer's ``out_dir``; known from train start)."""
        if self._directory is None:
            raise RuntimeError("MetricsHook's directory is set at train start")
        return self._directory

    @property
    def profile(self) -> DatasetProfile:
        """The training set's profile (available from train start)."""
        if self._profile is None:
            raise RuntimeError("the profile is computed at train start")
        return self._profile

    @property
    def monitor(self) -> Monitor:
        """The evaluator (available from train start)."""
        if self._monitor is None:
            raise RuntimeError("MetricsHook's Monitor is made at train start")
        return self._monitor

    @property
    def history(self) -> MetricHistory:
        """The metric trajectories (available from train start)."""
        return self.monitor.history

    def on_train_start(self, trainer: TrainerView, state: TrainState) -> None:
        import musiceval

        config = trainer.config
        metrics = tuple(self._requested or config.metrics)
        if self._state is not None:
            _check_restored(self._state, metrics)
        self._metrics = metrics
        self._tracks = tuple(trainer.generated_tracks)
        if self._directory is None:
            self._directory = trainer.out_dir
        self._directory.mkdir(parents=True, exist_ok=True)
        self._profile = musiceval.profile(
            trainer.data,
            list(self._metrics),
            track_names=list(trainer.track_names),
            steps_per_bar=config.steps_per_bar,
            steps_per_beat=config.steps_per_beat,
            bar_index=True,  # the Monitor then tracks how much of each evaluation is copied
        )
        path = self.directory / "reference_profile.json"
        self._profile.save(path)
        self._written["training-set profile (JSON)"] = path
        shared = self._directory.resolve() == trainer.out_dir.resolve()  # Trainer.fit locks it
        self._monitor = Monitor(
            self._profile,
            metrics=self._metrics,
            out_dir=self._directory,
            lock=not shared,
            tracks=trainer.generated_tracks,
            plot_every=self._plot_every,
            report=self._report,
        )
        if self._state is not None:
            self._monitor.load_state_dict(_up_to(self._state, state.step))

    def on_evaluate(self, trainer: TrainerView, state: TrainState) -> None:
        self._evaluate(trainer, state)

    def on_train_end(self, trainer: TrainerView, state: TrainState) -> None:
        if self._last is None or self._last.step != state.step:
            self._evaluate(trainer, state)
        assert self._last is not None
        self._results = final_results(self._last, self.profile, self._tracks)
        self._written.update(self.monitor.close())

    def _evaluate(self, trainer: TrainerView, state: TrainState) -> None:
        evaluation = self.monitor.update(state.step, trainer.fixed_samples())
        self._last = evaluation
        state.metrics.update(evaluation.means)
        state.scores["metric_distance"] = evaluation.distance
        for name, value in evaluation.originality.items():
            state.scores[f"originality/{name}"] = value
        for name, distances in evaluation.vector_distances.items():
            generated = distances[list(self._tracks)]
            state.scores[f"vector_distance/{name}"] = float(nanmean(generated, axis=0))

    def state_dict(self) -> dict[str, Any]:
        if self._monitor is None:
            return {} if self._state is None else dict(self._state)
        return {**self._monitor.state_dict(), "vector_metrics": list(self._monitor.vector_metrics)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._state = _monitor_state(state)

    def outputs(self) -> dict[str, Path]:
        written = dict(self._written)
        if self._monitor is not None:
            written.update(self._monitor.outputs)
        return written


def final_results(
    evaluation: Evaluation, reference: DatasetProfile, tracks: Sequence[int]
) -> dict[str, Any]:
    """How far an evaluation is from the reference: what ``summary.json`` calls ``results``.

    Parameters
    ----------
    evaluation : Evaluation
        The final evaluation (:meth:`musiceval.Monitor.update`'s result).
    reference : DatasetProfile
        The training set's profile; it holds every metric of ``evaluation``.
    tracks : sequence of int
        The generated tracks, which the metric distance counts.

    Returns
    -------
    dict
        ``step``, ``n_samples``, ``tracks`` (the names of ``tracks``), ``metric_distance``
        (the evaluation's distance), ``frechet_distance`` (that of the comparison report of
        the same values: every track, :attr:`musiceval.compare.Report.frechet_distance`) and
        ``furthest`` (:func:`furthest`).
    """
    from musiceval.compare import Report

    metrics = list(evaluation.values)
    if list(reference.metrics) != metrics:
        reference = reference.select(metrics)
    stacked = np.stack([evaluation.values[name] for name in metrics], axis=1)
    return {
        "step": evaluation.step,
        "n_samples": evaluation.n_samples,
        "tracks": [reference.tracks[k] for k in tracks],
        "metric_distance": evaluation.distance,
        "frechet_distance": Report(reference, stacked).frechet_distance,
        "furthest": furthest(evaluation.values, reference, tracks),
    }


def furthest(
    values: dict[str, np.ndarray],
    reference: DatasetProfile,
    tracks: Sequence[int],
    n: int = FURTHEST,
) -> list[dict[str, Any]]:
    """The ``n`` (metric, track) pairs whose generated values are furthest from the reference.

    Pairs are ranked by their effect size, largest first: the difference of the generated and
    reference means in pooled population standard deviations,

    .. math:: e = \\frac{|\\bar g - \\bar r|}{\\sqrt{(s_r^2 + s_g^2) / 2}},

    the term of the metric distance (:func:`musiceval.monitor.distance_to_reference`, which
    caps it at :data:`MAX_EFFECT`) before its cap, so the pairs listed are the largest terms of
    the metric distance, in order even among capped ones. Unlike the z-score
    ``(g - r) / s_r``, it stays finite where the reference std is 0 (a chorale voice's
    ``polyphonic_rate``) while the generated values vary. It is 0 when the means are equal
    and inf when they differ and both sets are constant (then the z-score is +-inf too, so it
    cannot break the tie); equal effect sizes keep the order of the metrics and tracks. Pairs
    with no defined generated value or reference mean are not ranked; a NaN effect size (a
    NaN reference std) ranks last.

    Parameters
    ----------
    values : dict of str to ndarray of shape (n_samples, n_tracks)
        Per-sample values (NaN where undefined) of metrics ``reference`` holds.
    reference : DatasetProfile
        The reference profile.
    tracks : sequence of int
        The tracks to rank.
    n : int, default=FURTHEST
        How many pairs to return (fewer when fewer are defined).

    Returns
    -------
    list of dict
        ``metric``, ``track`` (the track's name), ``effect_size`` (:math:`e`), ``z_score``
        (as the report's: :func:`musiceval.distances.z_score`, +-inf where the reference std
        is 0 and the means differ), ``generated_mean`` and ``generated_std`` (over the defined
        values, as the report's), ``reference_mean`` and ``reference_std``.

    Raises
    ------
    musiceval.InvalidParameterError
        ``n`` is not an int >= 1.
    """
    from musiceval.distances import z_score

    n = check_int("n", n)
    rows = []
    for name, array in values.items():
        for k in tracks:
            column = np.asarray(array, dtype=np.float64)[:, k]
            defined = column[~np.isnan(column)]
            center, spread = float(reference.mean(name)[k]), float(reference.std(name)[k])
            if not defined.size or math.isnan(center):
                continue
            mean, std = float(np.mean(defined)), float(np.std(defined))
            rows.append(
                {
                    "metric": name,
                    "track": reference.tracks[k],
                    "effect_size": _effect_size(mean - center, spread, std),
                    "z_score": float(z_score(center, spread, mean)),
                    "generated_mean": mean,
                    "generated_std": std,
                    "reference_mean": center,
                    "reference_std": spread,
                }
            )
    rows.sort(key=_farther_first)  # stable: equal keys keep metric and track order
    return rows[:n]


def _effect_size(difference: float, reference_std: float, generated_std: float) -> float:
    """``|difference|`` in pooled stds: 0 for equal means, inf for different means of two
    constant sets, NaN when the reference std is."""
    pooled = math.sqrt((reference_std**2 + generated_std**2) / 2)
    if difference == 0:
        return 0.0
    return math.inf if pooled == 0 else abs(difference) / pooled


def _farther_first(row: dict[str, Any]) -> float:
    effect = row["effect_size"]
    return -effect if not math.isnan(effect) else 1.0


def _monitor_state(state: dict[str, Any]) -> dict[str, Any]:
    """A Monitor's state from a checkpoint's: today's as it is, or 0.1.0's (per evaluation,
    every sample's values ``(n_metrics, n_samples, n_tracks)``), recorded again."""
    if "history" in state:
        return state
    from musiceval.history import MetricHistory

    steps, values = state["steps"].tolist(), state["values"]
    if len(steps) and (values.ndim != 4 or len(values) != len(steps)):
        raise InvalidParameterError(
            f"values must have shape (n_steps, ...); got {tuple(values.shape)}"
        )
    metrics = list(state["metrics"])
    history = MetricHistory()
    for step, per_metric in zip(steps, values.numpy(), strict=True):
        history.record(int(step), dict(zip(metrics, per_metric, strict=True)))
    last = None
    if steps:
        last = {"step": int(steps[-1]), "values": values[-1].numpy().transpose(1, 0, 2).tolist()}
    return {"metrics": metrics, "updates": len(steps), "history": history.state_dict(),
            "last": last}  # fmt: skip


def _check_restored(state: dict[str, Any], metrics: Sequence[str]) -> None:
    """Refuse to continue a restored Monitor state with other metrics: its scalar ones
    (``"metrics"``) and its vector-valued ones (``"vector_metrics"``, none in a checkpoint
    written before the hook watched them) must be those of ``metrics``, in order."""
    restored = (*state["metrics"], *state.get("vector_metrics", ()))
    asked = (*(m for m in metrics if m not in VECTOR), *(m for m in metrics if m in VECTOR))
    if restored != asked:
        raise InvalidParameterError(
            f"MetricsHook was restored with metrics {list(restored)} but is asked for "
            f"{list(metrics)}"
        )


_SEPARATE_RECORDS = ("set_level", "vector_distances")
"""The keys of a MetricHistory state holding records of their own, each with its own steps."""


def _up_to(state: dict[str, Any], step: int) -> dict[str, Any]:
    """``state`` without the records after ``step`` (a run resumed from an earlier checkpoint)."""
    history = dict(state["history"])
    separate = {key: history.pop(key) for key in _SEPARATE_RECORDS if key in history}
    trimmed = _steps_up_to(history, step)
    for key, records in separate.items():
        trimmed[key] = _steps_up_to(records, step)
    last = state["last"] if state["last"] is None or state["last"]["step"] <= step else None
    return {**state, "history": trimmed, "last": last}


def _steps_up_to(columns: dict[str, Any], step: int) -> dict[str, Any]:
    """``columns`` (lists aligned with ``columns["steps"]``) without the entries after ``step``."""
    kept = [i for i, recorded in enumerate(columns["steps"]) if recorded <= step]
    return {key: [column[i] for i in kept] for key, column in columns.items()}


# ---------------------------------------------------------------------- samples


class SampleWriter(Hook):
    """Write the first fixed samples as MIDI, WAV and a piano-roll PNG, to listen to progress.

    At the start of a fresh run (step 0, the untrained generator), at every ``on_step_end`` it
    receives (register it with ``every=k``) and at the end, the first ``n_samples`` of
    ``trainer.fixed_samples()``, binarised like ``MetricsHook`` (tanh value > 0), are written
    one after the other in time as ``step_000100.mid`` (one instrument per track, readable by
    pretty_midi and pypianoroll), ``step_000100.wav`` (FluidSynth with pretty_midi's General
    MIDI soundfont when it is installed, else sine waves: :attr:`synthesizer` says which) and
    ``step_000100.png``, by the Monitor's background process (the files of the Monitor's
    ``sample_every``), never inside the step; ``on_train_end`` waits for them. A fresh run
    first deletes the ``step_*`` files of an earlier run in ``directory``.

    Parameters
    ----------
    n_samples : int, default=4
        Samples per file.
    directory : str or os.PathLike, optional
        Default ``out_dir / "samples"``.
    tempo : float, default=100.0
        Quarter notes per minute.
    """

    def __init__(
        self,
        n_samples: int = 4,
        *,
        directory: str | os.PathLike[str] | None = None,
        tempo: float = 100.0,
    ) -> None:
        self.n_samples = check_int("n_samples", n_samples)
        self.tempo = check_real("tempo", tempo, minimum=0, strict=True)
        self._directory = None if directory is None else check_path("directory", directory)
        self._last_step: int | None = None
        self._writer: BackgroundWriter | None = None
        self._written: dict[str, Path] = {}

    @property
    def directory(self) -> Path:
        """Where the files go (default ``out_dir / "samples"``; known from train start)."""
        if self._directory is None:
            raise RuntimeError("SampleWriter's directory is set at train start")
        return self._directory

    @property
    def synthesizer(self) -> str:
        """What renders the WAV files: ``"fluidsynth (TimGM6mb.sf2)"`` or ``"sine (...)"``."""
        from musiceval.io import synthesizer

        return synthesizer()

    def on_train_start(self, trainer: TrainerView, state: TrainState) -> None:
        if self._directory is None:
            self._directory = trainer.out_dir / "samples"
        self._directory.mkdir(parents=True, exist_ok=True)
        config = trainer.config
        listening = {
            "track_names": tuple(trainer.track_names),
            "steps_per_beat": config.steps_per_beat,
            "steps_per_bar": config.steps_per_bar,
            "tempo": self.tempo,
        }
        spec = WriterSpec(out_dir=None, listening=listening, samples_dir=self._directory)
        self._writer = BackgroundWriter(spec)
        if state.step == 0:
            for pattern in ("step_*.mid", "step_*.wav", "step_*.png"):
                for old in self._directory.glob(pattern):
                    old.unlink()
            self.write(trainer, state)

    def on_step_end(self, trainer: TrainerView, state: TrainState) -> None:
        self.write(trainer, state)

    def on_train_end(self, trainer: TrainerView, state: TrainState) -> None:
        if self._last_step != state.step:
            self.write(trainer, state)
        assert self._writer is not None
        self._writer.close()
        self._written.update(self._writer.outputs)

    def write(self, trainer: TrainerView, state: TrainState) -> None:
        """Queue the three files of the current step (written in the background)."""
        if self._writer is None:
            raise RuntimeError("SampleWriter writes from train start")
        rolls = (trainer.fixed_samples()[: self.n_samples] > 0).cpu().numpy()
        self._writer.submit("listen", (state.step, rolls))
        self._last_step = state.step

    def outputs(self) -> dict[str, Path]:
        written = dict(self._written)
        if self._writer is not None:
            written.update(self._writer.outputs)
        written.pop("all samples (folder)", None)  # the command line lists the folder itself
        return written
