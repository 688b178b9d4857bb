"""Hugging Face: :class:`MonitorCallback`, a :class:`musiceval.Monitor` in ``transformers.Trainer``.

Needs ``transformers`` and ``accelerate`` (``pip install "musiceval[hf]"``), imported with this
module only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import transformers

from musiceval._checks import invalid
from musiceval.integrations._common import (
    MonitorSource,
    check_callback_options,
    draw_samples,
    scalars,
)
from musiceval.monitor import Evaluation, Monitor

__all__ = ["MonitorCallback"]

_Arguments = transformers.TrainingArguments
_State = transformers.TrainerState
_Control = transformers.TrainerControl


class MonitorCallback(transformers.TrainerCallback):
    """Evaluate the generator's samples every ``every_n_steps`` training steps, and at the end.

    In ``on_step_end`` at every ``every_n_steps``-th optimizer step (``state.global_step``) and
    at the last (``state.max_steps``), and in ``on_train_end`` if training stopped at a step not
    evaluated (``control.should_training_stop``), the callback calls ``sample_fn(model)`` with
    the model in evaluation mode under ``torch.no_grad()`` (each submodule's mode is restored
    after) and passes what it returns to ``monitor.update(state.global_step, samples)``: the
    Monitor computes the metrics, records them and writes its files in the background. The
    distance and each metric's mean per track are logged as ``musiceval/distance`` and
    ``musiceval/<metric>/<track>`` (and each watched vector-valued metric's total variation
    distance as ``musiceval/vectors/<metric>/<track>``): with ``trainer`` given, through
    ``trainer.log`` (so into ``trainer.state.log_history`` and every ``report_to``
    integration, such as TensorBoard or Weights & Biases); without it, as an entry of
    ``state.log_history`` only (``{..., "step": state.global_step}``, the form
    ``trainer.log`` gives). The Monitor is closed (final figure,
    report) at the end of training.

    Under DDP (``torchrun``, ``accelerate launch``) every rank samples and calls ``update`` at
    the same steps; the Monitor gathers the values of all ranks and only rank 0 writes. A
    Monitor made in a process started by ``torchrun`` decides at its first update whether it
    is distributed (the process group exists by then); a function that makes it, called at
    ``on_train_begin``, works as well.

    Parameters
    ----------
    monitor : Monitor or callable returning a Monitor
        The evaluator, or a function of no argument that makes it.
    sample_fn : callable
        ``sample_fn(model)`` returns the generated rolls to evaluate (a tensor or array in the
        Monitor's layout), e.g. ``lambda model: model.generator(fixed_noise)``.
    every_n_steps : int, default=100
        Evaluate at the optimizer steps that are multiples of it.
    trainer : transformers.Trainer, optional
        Log through ``trainer.log``; then add the callback with ``trainer.add_callback``.
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
        trainer: transformers.Trainer | None = None,
        prefix: str = "musiceval",
    ) -> None:
        self._source = MonitorSource(monitor)
        self._sample_fn, self.every_n_steps, self.prefix = check_callback_options(
            sample_fn, every_n_steps, prefix
        )
        if trainer is not None and not isinstance(trainer, transformers.Trainer):
            raise invalid("trainer", "a transformers.Trainer or None", trainer)
        self._trainer = trainer
        self.last: Evaluation | None = None

    @property
    def monitor(self) -> Monitor:
        """The current Monitor (made now if the callback was given a function and none is)."""
        return self._source.get()

    def _evaluate(self, state: _State, model: Any) -> None:
        samples = draw_samples(self._sample_fn, model)
        self.last = self._source.update(state.global_step, samples)
        values: dict[str, float] = scalars(self.last, self.monitor.profile.tracks, self.prefix)
        if self._trainer is not None:
            self._trainer.log(values)
        else:
            state.log_history.append({**values, "step": state.global_step})

    def on_train_begin(
        self, args: _Arguments, state: _State, control: _Control, **kwargs: Any
    ) -> None:
        self._source.start()

    def on_step_end(
        self, args: _Arguments, state: _State, control: _Control, **kwargs: Any
    ) -> None:
        step = state.global_step
        due = step % self.every_n_steps == 0 or step >= state.max_steps
        if due and step > self._source.last_step:
            self._evaluate(state, kwargs["model"])

    def on_train_end(
        self, args: _Arguments, state: _State, control: _Control, **kwargs: Any
    ) -> None:
        try:
            if state.global_step > self._source.last_step:
                self._evaluate(state, kwargs["model"])
        finally:
            self._source.close()
