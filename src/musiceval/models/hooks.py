"""The shipped hooks that need nothing but the losses and the trainer, and the defaults.

A hook is a :class:`~musiceval.models.events.Hook` subclass whose ``on_<event>(trainer,
state)`` methods the trainer calls at the events of :data:`~musiceval.models.events.EVENTS`
(see :mod:`musiceval.models.events` and the trainer module for when each fires). Register a
hook with ``trainer.add_hook(hook, every=k)``: ``every`` limits its ``on_step_end`` and
``on_evaluate`` to steps that are multiples of ``k``. Hooks run in the order they were
registered, so a hook that reads what another publishes (``PlateauStopper`` reading
``MetricsHook``'s ``state.scores["metric_distance"]``) comes after it. Raise
:class:`~musiceval.models.events.StopTraining` to stop.

A hook with state that must survive a resume returns it from ``Hook.state_dict`` (plain
Python values and tensors: the checkpoint is loaded with ``torch.load(weights_only=True)``) and
takes it back in ``Hook.load_state_dict``.

Shipped hooks: :class:`LossLogger` (losses to CSV and PNG), :class:`PlateauStopper` (early
stop), :class:`Checkpointer`, and in :mod:`musiceval.models.evaluation`
:class:`~musiceval.models.evaluation.MetricsHook` (musiceval metrics of fixed samples against
the training set) and :class:`~musiceval.models.evaluation.SampleWriter` (MIDI, WAV and
piano-roll PNG); :func:`add_default_hooks` registers them as the command line does. This module
also re-exports the names hooks were imported from in musiceval 0.1.0 (``EVENTS``, ``Hook``,
``StopTraining``, ``MetricsHook``, ...).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import torch

from musiceval._background import BackgroundWriter, WriterSpec
from musiceval._checks import check_choice, check_int, check_path, check_real, invalid
from musiceval._scalars import ScalarTable, write_scalar_table
from musiceval.models.evaluation import MAX_EFFECT, MetricsHook, SampleWriter
from musiceval.models.events import EVENTS, LOSSES, Hook, StopTraining, TrainerView, TrainState

if TYPE_CHECKING:
    from musiceval.models.config import TrainConfig


class HookRegistry(Protocol):
    """What :func:`add_default_hooks` needs of a trainer (a
    :class:`~musiceval.models.trainer.Trainer` has it): its configuration and ``add_hook``."""

    @property
    def config(self) -> TrainConfig: ...

    def add_hook(self, hook: Hook, *, every: int = 1) -> Hook: ...


__all__ = [
    "EVENTS",
    "LOSSES",
    "MAX_EFFECT",
    "Checkpointer",
    "Hook",
    "HookRegistry",
    "LossLogger",
    "MetricsHook",
    "PlateauStopper",
    "SampleWriter",
    "StopTraining",
    "add_default_hooks",
]

_LOSS_TITLES = {
    "g_loss": "generator loss",
    "d_loss": "critic loss (with penalty)",
    "wasserstein": "Wasserstein estimate",
    "gp": "gradient penalty",
}


# ---------------------------------------------------------------------- losses


class LossLogger(Hook):
    """Record the losses of every step; write them as CSV and as a loss-curve PNG.

    Files (in ``directory``, default the run's output directory): ``losses.csv`` (columns
    ``step, epoch, g_loss, d_loss, gp, wasserstein``), rewritten at every evaluation and at
    the end, and ``losses.png`` (one panel per loss: the raw values, thin, and a trailing moving
    average over ``smoothing`` steps, default 1/25 of the steps so far), redrawn every
    ``plot_every`` evaluations and at the end. The files are written by a background process
    (the Monitor's writer), never inside a training step; ``on_train_end`` waits for it, and a
    failure there is raised at the next evaluation or at the end.

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
        if smoothing is not None and (
            isinstance(smoothing, bool) or not isinstance(smoothing, int) or smoothing < 1
        ):
            raise invalid("smoothing", "an int >= 1 or None", smoothing)
        self._directory = None if directory is None else check_path("directory", directory)
        self._smoothing = smoothing
        self._plot_every = check_int("plot_every", plot_every)
        self._evaluations = 0
        self._rows: list[list[float]] = []
        self._written: dict[str, Path] = {}
        self._writer: BackgroundWriter | None = None

    @property
    def rows(self) -> np.ndarray:
        """The recorded rows, float64 ``(n_steps, 6)`` in the order of :attr:`columns`."""
        return np.array(self._rows, dtype=np.float64).reshape(-1, len(self.columns))

    def on_train_start(self, trainer: TrainerView, state: TrainState) -> None:
        if self._directory is None:
            self._directory = trainer.out_dir
        self._rows = [row for row in self._rows if row[0] <= state.step]
        self._writer = BackgroundWriter(WriterSpec(out_dir=None))

    def on_step_end(self, trainer: TrainerView, state: TrainState) -> None:
        self._rows.append([state.step, state.epoch, *(state.losses[n] for n in LOSSES)])

    def on_evaluate(self, trainer: TrainerView, state: TrainState) -> None:
        assert self._writer is not None
        self._writer.submit("scalars", self._table(plot=self._evaluations % self._plot_every == 0))
        self._evaluations += 1

    def on_train_end(self, trainer: TrainerView, state: TrainState) -> None:
        assert self._writer is not None
        self._writer.submit("scalars", self._table(plot=True))
        self._writer.close()
        self._written.update(self._writer.outputs)

    def write(self, *, plot: bool = True) -> None:
        """Write ``losses.csv`` and, with ``plot`` (once there is a step), ``losses.png``, now
        (the events have them written by a background process instead)."""
        self._written.update(write_scalar_table(self._table(plot=plot)))

    def _table(self, *, plot: bool) -> ScalarTable:
        if self._directory is None:
            raise RuntimeError("LossLogger.write() needs a directory; it is set at train start")
        return ScalarTable(
            directory=self._directory,
            name="losses",
            columns=self.columns,
            rows=self.rows,
            plotted=("g_loss", "d_loss", "wasserstein", "gp"),
            titles=_LOSS_TITLES,
            smoothing=self._smoothing,
            figure=plot,
            labels=("losses (CSV)", "loss curves (PNG)"),
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


# ---------------------------------------------------------------------- early stop


class PlateauStopper(Hook):
    """Stop training when a watched quantity stops improving.

    At each ``on_evaluate`` the watched value is read: ``"metric_distance"`` from
    ``state.scores``, where ``MetricsHook`` publishes its distance to the training set (so
    register a ``MetricsHook`` first), or a loss of :data:`LOSSES`, averaged over the steps
    since the previous evaluation. The value
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
        Evaluations without improvement before stopping (>= 1).
    min_delta : float, default=0.01
        Relative improvement that counts (0.01: 1 %), finite and >= 0.
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
        self.monitor = check_choice("monitor", monitor, ("metric_distance", *LOSSES))
        self.patience = check_int("patience", patience)
        self.min_delta = check_real("min_delta", min_delta, minimum=0)
        self.mode = check_choice("mode", mode, ("min", "max"))
        self.best: float | None = None
        self.best_step: int | None = None
        self.wait = 0
        self._sum = 0.0
        self._count = 0

    def on_step_end(self, trainer: TrainerView, state: TrainState) -> None:
        if self.monitor in LOSSES:
            self._sum += state.losses[self.monitor]
            self._count += 1

    def on_evaluate(self, trainer: TrainerView, state: TrainState) -> None:
        if self.monitor not in LOSSES:
            if self.monitor not in state.scores:
                raise RuntimeError(
                    "PlateauStopper(monitor='metric_distance') found no metric distance at "
                    "on_evaluate: register a MetricsHook before it"
                )
            value = state.scores[self.monitor]
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
        self._path = None if path is None else check_path("path", path)
        self._last_step: int | None = None

    def on_train_start(self, trainer: TrainerView, state: TrainState) -> None:
        if self._path is None:
            self._path = trainer.checkpoint_path

    def on_step_end(self, trainer: TrainerView, state: TrainState) -> None:
        trainer.save_checkpoint(self._path)
        self._last_step = state.step

    def on_train_end(self, trainer: TrainerView, state: TrainState) -> None:
        if self._last_step != state.step:
            trainer.save_checkpoint(self._path)
            self._last_step = state.step

    def outputs(self) -> dict[str, Path]:
        if self._last_step is None or self._path is None:
            return {}
        return {"checkpoint": self._path}


def add_default_hooks(trainer: HookRegistry, *, patience: int | None = None) -> None:
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
