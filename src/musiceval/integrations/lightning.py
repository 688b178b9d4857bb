"""PyTorch Lightning: :class:`MonitorCallback`, a :class:`musiceval.Monitor` in ``Trainer.fit``.

Needs ``lightning`` (``pip install "musiceval[lightning]"``), imported with this module only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lightning.pytorch as pl
import torch

from musiceval.integrations._common import (
    MonitorSource,
    check_callback_options,
    draw_samples,
    scalars,
)
from musiceval.monitor import Evaluation, Monitor

__all__ = ["MonitorCallback"]


class MonitorCallback(pl.Callback):
    """Evaluate the generator's samples every ``every_n_steps`` training steps, and at the end.

    At every ``every_n_steps``-th optimizer step (``trainer.global_step``, in
    ``on_train_batch_end``) and once more at the end of training if the last step was not
    evaluated, the callback calls ``sample_fn(pl_module)`` with the module in evaluation mode
    under ``torch.no_grad()`` (each submodule's mode is restored after) and passes what it
    returns to ``monitor.update(trainer.global_step, samples)``: the Monitor computes the
    metrics, records them and writes its files in the background. The distance and each metric's
    mean per track are logged with ``pl_module.log`` as ``musiceval/distance`` and
    ``musiceval/<metric>/<track>``, and each watched vector-valued metric's total variation
    distance as ``musiceval/vectors/<metric>/<track>`` (``on_step=True``, float64), so loggers,
    ``EarlyStopping`` and ``ModelCheckpoint`` can watch them. Lightning sends ``on_step``
    values to the loggers at the steps it writes logs (every ``Trainer(log_every_n_steps=...)``,
    50 by default), so make ``every_n_steps`` a multiple of it; they carry Lightning's step
    index of the batch (``trainer.global_step - 1`` with one optimizer). Lightning refuses
    ``self.log`` at the end of training, so the final evaluation's values go to
    ``trainer.loggers`` directly, at step ``trainer.global_step``. The Monitor is closed
    (final figure, report) when ``fit`` ends, and also when it fails.

    Under DDP every rank samples and calls ``update`` at the same steps; the Monitor gathers
    the values of all ranks and only rank 0 writes. A Monitor decides whether it is
    distributed at its first update when ``torchrun`` started the processes, but at
    construction otherwise, and Lightning's DDP starts the other processes inside ``fit``:
    so under Lightning's DDP pass a function that makes it (for instance
    ``functools.partial(musiceval.Monitor, reference, out_dir="runs/x")``): the callback calls
    it in ``setup``, once the processes have joined, and again for each later ``fit``.

    The Monitor's state (its history) is saved in Lightning's checkpoints through
    :meth:`state_dict`, so ``fit(ckpt_path=...)`` continues the same history.

    Parameters
    ----------
    monitor : Monitor or callable returning a Monitor
        The evaluator, or a function of no argument that makes it (needed under DDP).
    sample_fn : callable
        ``sample_fn(pl_module)`` returns the generated rolls to evaluate (a tensor or array in
        the Monitor's layout), e.g. ``lambda module: module.generator(fixed_noise)``.
    every_n_steps : int, default=100
        Evaluate at the optimizer steps that are multiples of it.
    prefix : str, default="musiceval"
        The first part of the logged names.

    Attributes
    ----------
    last : Evaluation or None
        The latest evaluation.
    """

    def __init__(
        self,
        monitor: Monitor | Callable[[], Monitor],
        sample_fn: Callable[[Any], Any],
        *,
        every_n_steps: int = 100,
        prefix: str = "musiceval",
    ) -> None:
        self._source = MonitorSource(monitor)
        self._sample_fn, self.every_n_steps, self.prefix = check_callback_options(
            sample_fn, every_n_steps, prefix
        )
        self.last: Evaluation | None = None

    @property
    def monitor(self) -> Monitor:
        """The current Monitor (made now if the callback was given a function and none is)."""
        return self._source.get()

    @property
    def state_key(self) -> str:
        return self._generate_state_key(prefix=self.prefix)

    def _evaluate(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> dict[str, float]:
        samples = draw_samples(self._sample_fn, pl_module)
        self.last = self._source.update(trainer.global_step, samples)
        return scalars(self.last, self.monitor.profile.tracks, self.prefix)

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit":
            self._source.start()

    def on_train_batch_end(
        self,
        trainer: pl.Trainer,
        pl_module: pl.LightningModule,
        outputs: Any,
        batch: Any,
        batch_idx: int,
    ) -> None:
        step = trainer.global_step
        if step > self._source.last_step and step > 0 and step % self.every_n_steps == 0:
            values = self._evaluate(trainer, pl_module)
            logged = {
                name: torch.tensor(value, dtype=torch.float64) for name, value in values.items()
            }
            pl_module.log_dict(logged, on_step=True, on_epoch=False, batch_size=1)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.global_step > self._source.last_step:
            values = self._evaluate(trainer, pl_module)
            for logger in trainer.loggers:
                logger.log_metrics(values, step=trainer.global_step)
                logger.save()

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if stage == "fit":
            self._source.close()

    def on_exception(
        self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException
    ) -> None:
        self._source.close()

    def state_dict(self) -> dict[str, Any]:
        return {"monitor": self._source.state_dict()}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self._source.load_state_dict(state_dict.get("monitor", {}))
