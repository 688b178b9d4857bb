"""Hooks: plain objects the trainer calls at named events, and the five that ship.

Subclass :class:`Hook` and override the events you need; each is called as
``hook.on_<event>(trainer, state)`` with the :class:`~musiceval.models.trainer.Trainer` and its
:class:`~musiceval.models.trainer.TrainState` (see the trainer module for when each event
fires). Register a hook with ``trainer.add_hook(hook, every=k)``: ``every`` limits its
``on_step_end`` and ``on_evaluate`` to steps that are multiples of ``k``. Hooks run in the
order they were registered, so a hook that reads what another writes (``PlateauStopper``
reading ``MetricsHook``'s distance) comes after it. Raise :class:`StopTraining` to stop.

A hook with state that must survive a resume returns it from :meth:`Hook.state_dict` (plain
Python values and tensors: the checkpoint is loaded with ``torch.load(weights_only=True)``) and
takes it back in :meth:`Hook.load_state_dict`.

Shipped hooks: :class:`LossLogger` (losses to CSV and PNG), :class:`MetricsHook` (musiceval
metrics of fixed samples against the training set), :class:`PlateauStopper` (early stop),
:class:`SampleWriter` (MIDI, WAV and piano-roll PNG) and :class:`Checkpointer`;
:func:`add_default_hooks` registers them as the command line does.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from musiceval._atomic import atomic_write

if TYPE_CHECKING:
    from musiceval.history import MetricHistory
    from musiceval.models.trainer import Trainer, TrainState
    from musiceval.profiles import DatasetProfile

__all__ = [
    "EVENTS",
    "LOSSES",
    "MAX_EFFECT",
    "Checkpointer",
    "Hook",
    "LossLogger",
    "MetricsHook",
    "PlateauStopper",
    "SampleWriter",
    "StopTraining",
    "add_default_hooks",
]

EVENTS = ("on_train_start", "on_step_end", "on_evaluate", "on_epoch_end", "on_train_end")
"""The events, in the order they first occur."""

LOSSES = ("g_loss", "d_loss", "gp", "wasserstein")
"""Keys of ``TrainState.losses``."""

MAX_EFFECT = 10.0
"""The cap of each term of ``MetricsHook``'s distance: a difference of more than 10 pooled
standard deviations (or any difference between two constant sets) counts as 10."""

_LOSS_TITLES = {
    "g_loss": "generator loss",
    "d_loss": "critic loss (with penalty)",
    "wasserstein": "Wasserstein estimate",
    "gp": "gradient penalty",
}


class StopTraining(Exception):
    """Raised by a hook to end training after the current event.

    The other hooks still receive the event, the rest of the step's events are skipped and
    ``on_train_end`` runs; ``TrainState.status`` becomes ``"stopped"`` and
    ``TrainState.stop_reason`` holds the message.
    """


class Hook:
    """Base class of hooks: every event is a no-op; override the ones you need.

    Each event method takes ``(trainer, state)`` and returns nothing.
    """

    def on_train_start(self, trainer: Trainer, state: TrainState) -> None:
        """Once, after the networks are built or restored (``state.step`` is 0 on a fresh
        start, the checkpoint's step on a resume)."""

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        """After each training step (``state.losses`` holds its losses)."""

    def on_evaluate(self, trainer: Trainer, state: TrainState) -> None:
        """When the fixed samples should be evaluated (``trainer.fixed_samples()``)."""

    def on_epoch_end(self, trainer: Trainer, state: TrainState) -> None:
        """After the step that ends a pass over the training data."""

    def on_train_end(self, trainer: Trainer, state: TrainState) -> None:
        """Once, after the last step or a StopTraining (not after an error)."""

    def state_dict(self) -> dict[str, Any]:
        """State to checkpoint (plain values and tensors); default: nothing."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back what :meth:`state_dict` returned (on resume); default: nothing."""

    def outputs(self) -> dict[str, Path]:
        """Files this hook has written, by description (printed by the command line)."""
        return {}


# ---------------------------------------------------------------------- losses


class LossLogger(Hook):
    """Record the losses of every step; write them as CSV and as a loss-curve PNG.

    Files (in ``directory``, default the run's output directory): ``losses.csv`` (columns
    ``step, epoch, g_loss, d_loss, gp, wasserstein``), rewritten at every evaluation and at
    the end, and ``losses.png`` (one panel per loss: the raw values, thin, and a trailing moving
    average over ``smoothing`` steps, default 1/25 of the steps so far), redrawn every
    ``plot_every`` evaluations and at the end.

    Parameters
    ----------
    directory : str or os.PathLike, optional
        Where to write; default the trainer's ``out_dir``.
    smoothing : int, optional
        Window of the moving average, in steps.
    plot_every : int, default=5
        Evaluations between two drawings of the figure.
    """

    columns = ("step", "epoch", *LOSSES)

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        smoothing: int | None = None,
        plot_every: int = 5,
    ) -> None:
        if smoothing is not None and (isinstance(smoothing, bool) or smoothing < 1):
            raise ValueError(f"smoothing must be an int >= 1 or None; got {smoothing!r}")
        _check_every("plot_every", plot_every)
        self._directory = None if directory is None else Path(directory)
        self._smoothing = smoothing
        self._plot_every = plot_every
        self._evaluations = 0
        self._rows: list[list[float]] = []
        self._written: dict[str, Path] = {}

    @property
    def rows(self) -> np.ndarray:
        """The recorded rows, float64 ``(n_steps, 6)`` in the order of :attr:`columns`."""
        return np.array(self._rows, dtype=np.float64).reshape(-1, len(self.columns))

    def on_train_start(self, trainer: Trainer, state: TrainState) -> None:
        if self._directory is None:
            self._directory = trainer.out_dir
        self._rows = [row for row in self._rows if row[0] <= state.step]

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        self._rows.append([state.step, state.epoch, *(state.losses[n] for n in LOSSES)])

    def on_evaluate(self, trainer: Trainer, state: TrainState) -> None:
        self.write(plot=self._evaluations % self._plot_every == 0)
        self._evaluations += 1

    def on_train_end(self, trainer: Trainer, state: TrainState) -> None:
        self.write(plot=True)

    def write(self, *, plot: bool = True) -> None:
        """Write ``losses.csv`` and, with ``plot`` (once there is a step), ``losses.png``."""
        directory = self._directory
        if directory is None:
            raise RuntimeError("LossLogger.write() needs a directory; it is set at train start")
        directory.mkdir(parents=True, exist_ok=True)
        rows = self._rows

        def write_csv(file: Any) -> None:
            writer = csv.writer(file)
            writer.writerow(self.columns)
            for row in rows:
                writer.writerow([int(row[0]), int(row[1]), *(repr(float(v)) for v in row[2:])])

        self._written["losses (CSV)"] = atomic_write(
            directory / "losses.csv", write_csv, newline=""
        )
        if plot and rows:
            from musiceval.plot import plot_losses

            table = self.rows
            names = ("g_loss", "d_loss", "wasserstein", "gp")
            self._written["loss curves (PNG)"] = plot_losses(
                table[:, 0],
                {name: table[:, 2 + LOSSES.index(name)] for name in names},
                directory / "losses.png",
                titles=_LOSS_TITLES,
                smoothing=self._smoothing,
            )

    def state_dict(self) -> dict[str, Any]:
        return {"rows": torch.tensor(self.rows)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        rows = state["rows"]
        if rows.ndim != 2 or rows.shape[1] != len(self.columns):
            raise ValueError(f"rows must have shape (n, {len(self.columns)}); got {rows.shape}")
        self._rows = rows.tolist()

    def outputs(self) -> dict[str, Path]:
        return dict(self._written)


def _check_every(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an int >= 1; got {value!r}")


# ---------------------------------------------------------------------- metrics


class MetricsHook(Hook):
    """Evaluate the fixed samples with musiceval metrics against the training set.

    At train start the training data are profiled once (:func:`musiceval.profile`, saved as
    ``reference_profile.json``). At every ``on_evaluate`` the generator's output on the fixed
    conditions and noise (``trainer.fixed_samples()``) is **binarised with musiceval's rule
    ``threshold=0.0``: a cell sounds when its tanh value is > 0** (the midpoint of the -1/+1
    encoding of the data), the metrics are computed on it with the profile's conventions
    (:func:`musiceval.evaluate`, one kernel pass; a CUDA tensor is thresholded on the GPU and
    only the one-byte mask is copied to the host), recorded in a
    :class:`~musiceval.history.MetricHistory` whose reference is the profile's mean and std,
    and written as ``metrics.csv`` and ``metrics.png`` (metrics x tracks, with the training
    set's mean and ±1 std). ``state.metrics`` gets the per-track means and
    ``state.metric_distance`` one number, lower is closer (see :data:`MAX_EFFECT`): the mean
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
        Per-track musiceval metrics; default ``trainer.config.metrics``.
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
        _check_every("plot_every", plot_every)
        self._requested = None if metrics is None else tuple(metrics)
        self._directory = None if directory is None else Path(directory)
        self._plot_every = plot_every
        self._report = report
        self._metrics: tuple[str, ...] = ()
        self._steps: list[int] = []
        self._values: list[np.ndarray] = []  # per evaluation: (n_metrics, n_samples, n_tracks)
        self._profile: DatasetProfile | None = None
        self._history: MetricHistory | None = None
        self._plotted: int | None = None  # the last step drawn in metrics.png
        self._written: dict[str, Path] = {}

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

    def on_train_start(self, trainer: Trainer, state: TrainState) -> None:
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
        path = self._directory / "reference_profile.json"
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

    def on_evaluate(self, trainer: Trainer, state: TrainState) -> None:
        self._evaluate(trainer, state)
        self._write(final=False)

    def on_train_end(self, trainer: Trainer, state: TrainState) -> None:
        import musiceval

        if not self._steps or self._steps[-1] != state.step:
            self._evaluate(trainer, state)
        self._write(final=True)
        if self._report:
            report = musiceval.compare(trainer.fixed_samples(), self.profile, threshold=0.0)
            self._written["comparison report (folder)"] = report.save(self._directory / "report")

    def _evaluate(self, trainer: Trainer, state: TrainState) -> None:
        import musiceval

        samples = trainer.fixed_samples()
        frame = musiceval.evaluate(
            samples, list(self._metrics), threshold=0.0, **self.profile.conventions
        )
        n_samples, n_tracks = samples.shape[0], samples.shape[3]
        values = frame["value"].to_numpy().reshape(len(self._metrics), n_samples, n_tracks)
        self._steps.append(state.step)
        self._values.append(values)
        self.history.record(state.step, dict(zip(self._metrics, values, strict=True)))
        means = _nanmean(values, axis=1)  # (n_metrics, n_tracks)
        state.metrics = dict(zip(self._metrics, means, strict=True))
        state.metric_distance = self._distance(values, trainer.generated_tracks)

    def _distance(self, values: np.ndarray, tracks: tuple[int, ...]) -> float:
        """The mean capped effect size of ``values`` (n_metrics, n_samples, n_tracks)."""
        profile = self.profile
        chosen = values[:, :, list(tracks)]
        mean = _nanmean(chosen, axis=1)
        spread = np.sqrt(_nanmean((chosen - mean[:, None, :]) ** 2, axis=1))
        reference = np.stack([profile.mean(name) for name in self._metrics])[:, list(tracks)]
        scale = np.stack([profile.std(name) for name in self._metrics])[:, list(tracks)]
        difference = np.abs(mean - reference)
        pooled = np.sqrt((scale**2 + spread**2) / 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            effect = np.minimum(difference / pooled, MAX_EFFECT)
        effect = np.where(difference == 0, 0.0, effect)
        return float(_nanmean(effect.reshape(-1), axis=0))

    def _write(self, *, final: bool) -> None:
        from musiceval.plot import plot_history

        self._written["metric history (CSV)"] = self.history.save(self._directory / "metrics.csv")
        due = final or (len(self._steps) - 1) % self._plot_every == 0
        if due and self._plotted != self._steps[-1]:
            self._written["metric trajectories (PNG)"] = plot_history(
                self.history, self._directory / "metrics.png"
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


def _nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    """Mean ignoring NaN; NaN (without a warning) where nothing is defined."""
    defined = ~np.isnan(values)
    count = defined.sum(axis=axis)
    total = np.where(defined, values, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


# ---------------------------------------------------------------------- early stop


class PlateauStopper(Hook):
    """Stop training when a watched quantity stops improving.

    At each ``on_evaluate`` the watched value is read: ``"metric_distance"`` (the
    ``MetricsHook``'s distance to the training set, so register a ``MetricsHook`` first) or a
    loss of :data:`LOSSES`, averaged over the steps since the previous evaluation. The value
    improves when it beats the best so far by a relative ``min_delta``
    (``value < best - min_delta * |best|`` in ``"min"`` mode); after ``patience`` evaluations
    without improvement the stopper raises :class:`StopTraining`. Undefined (NaN) values are
    skipped.

    Parameters
    ----------
    monitor : str, default="metric_distance"
        ``"metric_distance"`` or one of ``"g_loss"``, ``"d_loss"``, ``"gp"``,
        ``"wasserstein"``.
    patience : int, default=5
        Evaluations without improvement before stopping.
    min_delta : float, default=0.01
        Relative improvement that counts (0.01: 1 %).
    mode : {"min", "max"}, default="min"
        Whether lower or higher is better.
    """

    def __init__(
        self,
        monitor: str = "metric_distance",
        *,
        patience: int = 5,
        min_delta: float = 0.01,
        mode: str = "min",
    ) -> None:
        choices = ("metric_distance", *LOSSES)
        if monitor not in choices:
            raise ValueError(f"monitor must be one of {list(choices)}; got {monitor!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be an int >= 1; got {patience!r}")
        if isinstance(min_delta, bool) or not (
            isinstance(min_delta, int | float) and min_delta >= 0
        ):
            raise ValueError(f"min_delta must be a number >= 0; got {min_delta!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max'; got {mode!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = mode
        self.best: float | None = None
        self.best_step: int | None = None
        self.wait = 0
        self._sum = 0.0
        self._count = 0

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        if self.monitor in LOSSES:
            self._sum += state.losses[self.monitor]
            self._count += 1

    def on_evaluate(self, trainer: Trainer, state: TrainState) -> None:
        if self.monitor == "metric_distance":
            if state.metric_distance is None:
                raise RuntimeError(
                    "PlateauStopper(monitor='metric_distance') found no metric distance at "
                    "on_evaluate: register a MetricsHook before it"
                )
            value = state.metric_distance
        elif self._count == 0:
            return
        else:
            value = self._sum / self._count
            self._sum, self._count = 0.0, 0
        if math.isnan(value):
            return
        if self._improves(value):
            self.best, self.best_step, self.wait = value, state.step, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            raise StopTraining(
                f"{self.monitor} has not improved by {self.min_delta:.0%} for {self.patience} "
                f"evaluations (best {self.best:.4g} at step {self.best_step}, now {value:.4g})"
            )

    def _improves(self, value: float) -> bool:
        if self.best is None:
            return True
        margin = self.min_delta * abs(self.best)
        return value < self.best - margin if self.mode == "min" else value > self.best + margin

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": math.nan if self.best is None else self.best,
            "best_step": -1 if self.best_step is None else self.best_step,
            "wait": self.wait,
            "sum": self._sum,
            "count": self._count,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        best = float(state["best"])
        self.best = None if math.isnan(best) else best
        self.best_step = None if state["best_step"] < 0 else int(state["best_step"])
        self.wait = int(state["wait"])
        self._sum, self._count = float(state["sum"]), int(state["count"])


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
        if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
            raise ValueError(f"n_samples must be an int >= 1; got {n_samples!r}")
        self.n_samples = n_samples
        self.tempo = float(tempo)
        self._directory = None if directory is None else Path(directory)
        self._last_step: int | None = None
        self._written: dict[str, Path] = {}

    def on_train_start(self, trainer: Trainer, state: TrainState) -> None:
        if self._directory is None:
            self._directory = trainer.out_dir / "samples"
        self._directory.mkdir(parents=True, exist_ok=True)
        if state.step == 0:
            for pattern in ("step_*.mid", "step_*.wav", "step_*.png"):
                for old in self._directory.glob(pattern):
                    old.unlink()
            self.write(trainer, state)

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        self.write(trainer, state)

    def on_train_end(self, trainer: Trainer, state: TrainState) -> None:
        if self._last_step != state.step:
            self.write(trainer, state)

    def write(self, trainer: Trainer, state: TrainState) -> None:
        """Write the three files of the current step."""
        from musiceval import io, plot

        config = trainer.config
        rolls = (trainer.fixed_samples()[: self.n_samples] > 0).cpu().numpy()
        stem = self._directory / f"step_{state.step:06d}"
        names = list(trainer.track_names)
        options = {"threshold": 0.0, "steps_per_beat": config.steps_per_beat, "tempo": self.tempo}
        midi = io.write_midi(stem.with_suffix(".mid"), rolls, track_names=names, **options)
        wav = io.write_wav(stem.with_suffix(".wav"), rolls, **options)
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


# ---------------------------------------------------------------------- checkpoints


class Checkpointer(Hook):
    """Checkpoint the run at every ``on_step_end`` it receives and at the end.

    Register it with ``every=k`` for a checkpoint every ``k`` steps. Each checkpoint replaces
    the previous one atomically (a killed run leaves the last complete file) and is written
    once all of the step's events have run (see :meth:`Trainer.save_checkpoint`). Resume with
    ``Trainer(..., resume=True)`` (``--resume``).

    Parameters
    ----------
    path : str or os.PathLike, optional
        Default ``trainer.checkpoint_path`` (``out_dir / "checkpoint.pt"``).
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._path = None if path is None else Path(path)
        self._last_step: int | None = None

    def on_train_start(self, trainer: Trainer, state: TrainState) -> None:
        if self._path is None:
            self._path = trainer.checkpoint_path

    def on_step_end(self, trainer: Trainer, state: TrainState) -> None:
        trainer.save_checkpoint(self._path)
        self._last_step = state.step

    def on_train_end(self, trainer: Trainer, state: TrainState) -> None:
        if self._last_step != state.step:
            trainer.save_checkpoint(self._path)
            self._last_step = state.step

    def outputs(self) -> dict[str, Path]:
        return {} if self._last_step is None else {"checkpoint": self._path}


def add_default_hooks(trainer: Trainer, *, patience: int | None = None) -> None:
    """Register the command line's hooks: LossLogger, MetricsHook, an optional PlateauStopper
    on the metric distance (``patience`` evaluations), SampleWriter every
    ``config.sample_every`` steps and Checkpointer every ``config.checkpoint_every`` steps."""
    config = trainer.config
    trainer.add_hook(LossLogger())
    trainer.add_hook(MetricsHook())
    if patience is not None:
        trainer.add_hook(PlateauStopper("metric_distance", patience=patience))
    trainer.add_hook(SampleWriter(), every=config.sample_every)
    trainer.add_hook(Checkpointer(), every=config.checkpoint_every)
