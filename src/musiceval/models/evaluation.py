"""Hooks that look at the generator's output: :class:`MetricsHook` (musiceval's metrics of the
fixed samples against the training set) and :class:`SampleWriter` (MIDI, WAV and piano-roll
PNG files to listen to and look at).

Both read ``trainer.fixed_samples()``, the generator's tanh output on the fixed evaluation
inputs, computed once per step whichever asks first, and binarise it with musiceval's rule
``threshold=0.0`` (a cell sounds when its value is > 0).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from musiceval._checks import (
    check_bool,
    check_int,
    check_metric_names,
    check_path,
    check_real,
    nanmean,
)
from musiceval.models.events import Hook, TrainerView, TrainState
from musiceval.registry import PER_TRACK

if TYPE_CHECKING:
    from musiceval.history import MetricHistory
    from musiceval.profiles import DatasetProfile

__all__ = ["MAX_EFFECT", "MetricsHook", "SampleWriter"]

MAX_EFFECT = 10.0
"""The cap of each term of ``MetricsHook``'s distance: a difference of more than 10 pooled
standard deviations (or any difference between two constant sets) counts as 10."""


# ---------------------------------------------------------------------- metrics


class MetricsHook(Hook):
    """Evaluate the fixed samples with musiceval metrics against the training set.

    At train start the training data are profiled once (:func:`musiceval.profile`, saved as
    ``reference_profile.json``). At every ``on_evaluate`` the generator's output on the fixed
    conditions and noise (``trainer.fixed_samples()``) is **binarised with musiceval's rule
    ``threshold=0.0``: a cell sounds when its tanh value is > 0** (the midpoint of the -1/+1
    encoding of the data), the metrics are computed on it with the profile's conventions
    (:func:`musiceval.compute`, one kernel pass; a CUDA tensor is thresholded on the GPU and
    only the one-byte mask is copied to the host), recorded in a
    :class:`~musiceval.history.MetricHistory` whose reference is the profile's mean and std,
    and written as ``metrics.csv`` and ``metrics.png`` (metrics x tracks, with the training
    set's mean and ±1 std). The hook publishes, for the hooks after it and ``summary.json``,
    each metric's mean per track (an ndarray of shape ``(n_tracks,)``) in
    ``state.metrics[name]`` and one number in ``state.scores["metric_distance"]``, lower is
    closer (see :data:`MAX_EFFECT`): the mean
    over the metrics and generated tracks of the effect size
    ``min(|generated mean - reference mean| / s, MAX_EFFECT)`` with the pooled standard
    deviation ``s = sqrt((reference std**2 + generated std**2) / 2)``; a pair with equal means
    counts 0 (even when ``s`` is 0), one with no defined generated value is left out.

    At train end the final samples are evaluated (if that step was not) and compared with the
    profile (:func:`musiceval.compare`), saved under ``report/`` (Markdown, CSV, JSON, HTML and
    figures).

    Parameters
    ----------
    metrics : sequence of str, optional
        Distinct per-track musiceval metrics; default ``trainer.config.metrics``.
    directory : str or os.PathLike, optional
        Where to write; default the trainer's ``out_dir``.
    plot_every : int, default=5
        Redraw ``metrics.png`` every ``plot_every`` evaluations (and at the end); the CSV is
        rewritten at every evaluation. Drawing the figure takes about a second, 100 times
        longer than computing the metrics.
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
            metrics = check_metric_names("metrics", metrics, PER_TRACK)
        self._requested = metrics
        self._directory = None if directory is None else check_path("directory", directory)
        self._plot_every = check_int("plot_every", plot_every)
        self._report = check_bool("report", report)
        self._metrics: tuple[str, ...] = ()
        self._steps: list[int] = []
        self._values: list[np.ndarray] = []  # per evaluation: (n_metrics, n_samples, n_tracks)
        self._profile: DatasetProfile | None = None
        self._history: MetricHistory | None = None
        self._plotted: int | None = None  # the last step drawn in metrics.png
        self._written: dict[str, Path] = {}

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
    def history(self) -> MetricHistory:
        """The metric trajectories (available from train start)."""
        if self._history is None:
            raise RuntimeError("the history exists from train start")
        return self._history

    def on_train_start(self, trainer: TrainerView, state: TrainState) -> None:
        import musiceval
        from musiceval.history import MetricHistory

        config = trainer.config
        metrics = self._requested or config.metrics
        if self._values and tuple(metrics) != self._metrics:
            raise ValueError(
                f"MetricsHook was restored with metrics {list(self._metrics)} but is asked for "
                f"{list(metrics)}"
            )
        self._metrics = tuple(metrics)
        if self._directory is None:
            self._directory = trainer.out_dir
        self._directory.mkdir(parents=True, exist_ok=True)
        self._profile = musiceval.profile(
            trainer.data,
            list(self._metrics),
            track_names=list(trainer.track_names),
            steps_per_bar=config.steps_per_bar,
            steps_per_beat=config.steps_per_beat,
        )
        path = self.directory / "reference_profile.json"
        self._profile.save(path)
        self._written["training-set profile (JSON)"] = path
        kept = [i for i, step in enumerate(self._steps) if step <= state.step]
        self._steps = [self._steps[i] for i in kept]
        self._values = [self._values[i] for i in kept]
        self._history = MetricHistory(track_names=list(trainer.track_names))
        for name in self._metrics:
            self._history.set_reference(name, self._profile.mean(name), self._profile.std(name))
        for step, values in zip(self._steps, self._values, strict=True):
            self._history.record(step, dict(zip(self._metrics, values, strict=True)))

    def on_evaluate(self, trainer: TrainerView, state: TrainState) -> None:
        self._evaluate(trainer, state)
        self._write(final=False)

    def on_train_end(self, trainer: TrainerView, state: TrainState) -> None:
        import musiceval

        if not self._steps or self._steps[-1] != state.step:
            self._evaluate(trainer, state)
        self._write(final=True)
        if self._report:
            report = musiceval.compare(trainer.fixed_samples(), self.profile, threshold=0.0)
            self._written["comparison report (folder)"] = report.save(self.directory / "report")

    def _evaluate(self, trainer: TrainerView, state: TrainState) -> None:
        import musiceval

        values_by_name = musiceval.compute(
            trainer.fixed_samples(), list(self._metrics), threshold=0.0, **self.profile.conventions
        )
        values = np.stack([values_by_name[name] for name in self._metrics])
        self._steps.append(state.step)
        self._values.append(values)
        self.history.record(state.step, dict(zip(self._metrics, values, strict=True)))
        means = nanmean(values, axis=1)  # (n_metrics, n_tracks)
        state.metrics.update(zip(self._metrics, means, strict=True))
        state.scores["metric_distance"] = self._distance(values, trainer.generated_tracks)

    def _distance(self, values: np.ndarray, tracks: tuple[int, ...]) -> float:
        """The mean capped effect size of ``values`` (n_metrics, n_samples, n_tracks)."""
        profile = self.profile
        chosen = values[:, :, list(tracks)]
        mean = nanmean(chosen, axis=1)
        spread = np.sqrt(nanmean((chosen - mean[:, None, :]) ** 2, axis=1))
        reference = np.stack([profile.mean(name) for name in self._metrics])[:, list(tracks)]
        scale = np.stack([profile.std(name) for name in self._metrics])[:, list(tracks)]
        difference = np.abs(mean - reference)
        pooled = np.sqrt((scale**2 + spread**2) / 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            effect = np.minimum(difference / pooled, MAX_EFFECT)
        effect = np.where(difference == 0, 0.0, effect)
        return float(nanmean(effect.reshape(-1), axis=0))

    def _write(self, *, final: bool) -> None:
        from musiceval.plot import plot_history

        self._written["metric history (CSV)"] = self.history.save(self.directory / "metrics.csv")
        due = final or (len(self._steps) - 1) % self._plot_every == 0
        if due and self._plotted != self._steps[-1]:
            self._written["metric trajectories (PNG)"] = plot_history(
                self.history, self.directory / "metrics.png"
            )
            self._plotted = self._steps[-1]

    def state_dict(self) -> dict[str, Any]:
        values = np.array(self._values, dtype=np.float64)
        return {
            "metrics": list(self._metrics),
            "steps": torch.tensor(self._steps, dtype=torch.int64),
            "values": torch.from_numpy(values),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        steps, values = state["steps"], state["values"]
        if len(steps) and (values.ndim != 4 or len(values) != len(steps)):
            raise ValueError(f"values must have shape (n_steps, ...); got {tuple(values.shape)}")
        self._metrics = tuple(state["metrics"])
        self._steps = [int(step) for step in steps.tolist()]
        self._values = list(values.numpy()) if len(steps) else []

    def outputs(self) -> dict[str, Path]:
        return dict(self._written)


# ---------------------------------------------------------------------- samples


class SampleWriter(Hook):
    """Write the first fixed samples as MIDI, WAV and a piano-roll PNG, to listen to progress.

    At the start of a fresh run (step 0, the untrained generator), at every ``on_step_end`` it
    receives (register it with ``every=k``) and at the end, the first ``n_samples`` of
    ``trainer.fixed_samples()``, binarised like ``MetricsHook`` (tanh value > 0), are written
    one after the other in time as ``step_000100.mid`` (one instrument per track, readable by
    pretty_midi and pypianoroll), ``step_000100.wav`` (pretty_midi's built-in sine synthesis,
    no soundfont) and ``step_000100.png``. A fresh run first deletes the ``step_*`` files of
    an earlier run in ``directory``.

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
        self._written: dict[str, Path] = {}

    @property
    def directory(self) -> Path:
        """Where the files go (default ``out_dir / "samples"``; known from train start)."""
        if self._directory is None:
            raise RuntimeError("SampleWriter's directory is set at train start")
        return self._directory

    def on_train_start(self, trainer: TrainerView, state: TrainState) -> None:
        if self._directory is None:
            self._directory = trainer.out_dir / "samples"
        self._directory.mkdir(parents=True, exist_ok=True)
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

    def write(self, trainer: TrainerView, state: TrainState) -> None:
        """Write the three files of the current step."""
        from musiceval import io, plot

        config = trainer.config
        rolls = (trainer.fixed_samples()[: self.n_samples] > 0).cpu().numpy()
        stem = self.directory / f"step_{state.step:06d}"
        names = list(trainer.track_names)
        beat, tempo = config.steps_per_beat, self.tempo
        midi = io.write_midi(
            stem.with_suffix(".mid"),
            rolls,
            track_names=names,
            threshold=0.0,
            steps_per_beat=beat,
            tempo=tempo,
        )
        wav = io.write_wav(
            stem.with_suffix(".wav"), rolls, threshold=0.0, steps_per_beat=beat, tempo=tempo
        )
        png = plot.plot_roll(
            rolls,
            stem.with_suffix(".png"),
            threshold=0.0,
            track_names=names,
            steps_per_bar=config.steps_per_bar,
        )
        self._last_step = state.step
        self._written.update(
            {"samples (MIDI)": midi, "samples (WAV)": wav, "samples (piano-roll PNG)": png}
        )

    def outputs(self) -> dict[str, Path]:
        return dict(self._written)
