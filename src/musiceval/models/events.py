"""The trainer's events and what hooks share: :data:`EVENTS`, :class:`Hook`, :class:`TrainState`.

Everything a hook needs to be written lives here, so that hooks import this module and never the
trainer (which imports it too). A hook is a plain object whose ``on_<event>(trainer, state)``
methods the trainer calls, in registration order, at the events of :data:`EVENTS`; it receives
the trainer (through the methods of :class:`TrainerView`) and the run's :class:`TrainState`.
Training ends early when a hook raises :class:`StopTraining`, or when the loop raises
:class:`TrainingDiverged`.

Hooks share data through the state, as PyTorch Ignite's handlers do through ``State.metrics``:
an evaluation hook publishes values under names in :attr:`TrainState.metrics` (arrays, any
shape) and single numbers for others to watch in :attr:`TrainState.scores`; a hook that reads
them (a stopper) is registered after the one that writes them.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch

from musiceval._checks import invalid
from musiceval.exceptions import InvalidParameterError
from musiceval.models.config import TrainConfig

__all__ = [
    "EVENTS",
    "LOSSES",
    "Hook",
    "StopTraining",
    "TrainState",
    "TrainerView",
    "TrainingDiverged",
    "check_hook",
]

EVENTS = ("on_train_start", "on_step_end", "on_evaluate", "on_epoch_end", "on_train_end")
"""The events, in the order they first occur."""

LOSSES = ("g_loss", "d_loss", "gp", "wasserstein")
"""Keys of :attr:`TrainState.losses`."""


class StopTraining(Exception):
    """Raised by a hook to end training after the current event.

    The other hooks still receive the event, the rest of the step's events are skipped and
    ``on_train_end`` runs; ``TrainState.status`` becomes ``"stopped"`` and
    ``TrainState.stop_reason`` holds the message.
    """


class TrainingDiverged(RuntimeError):
    """A loss or a weight became NaN or infinite; training stopped."""


@dataclass
class TrainState:
    """What hooks read (and may annotate) at each event.

    Attributes
    ----------
    config : TrainConfig
        The run's configuration.
    generator, critic : torch.nn.Module
        The networks (in training mode, except while ``Trainer.fixed_samples`` runs).
    fixed_condition : torch.Tensor of shape (n_eval, n_steps, 128), or None
        The fixed conditioning soprano lines in -1/+1 on the training device (None when
        unconditional).
    fixed_noise : torch.Tensor of shape (n_eval, latent_channels, n_steps / 16, n_pitches / 16)
        The fixed noise, on the training device.
    step : int
        Training steps completed (1-based: 1 after the first generator update; 0 before).
    epoch : int
        Epoch of the latest step (1-based; 0 before the first step).
    losses : dict of str to float
        The latest step's losses (keys :data:`LOSSES`): ``g_loss`` (generator,
        ``-mean D(G(z))``), ``d_loss`` (critic, ``mean D(fake) - mean D(real) + gp_weight *
        gp``), ``gp`` (gradient penalty, unweighted) and ``wasserstein`` (``mean D(real) -
        mean D(fake)``, the critic's estimate of the Wasserstein distance); the last three
        averaged over the step's critic updates.
    metrics : dict of str to Any
        The latest evaluation's values, by name, as evaluation hooks publish them (Ignite's
        ``State.metrics``): ``MetricsHook`` writes each of its metrics' mean per track, an
        ndarray of shape ``(n_tracks,)``, under the metric's name. Written to
        ``summary.json``.
    scores : dict of str to float
        Single numbers evaluation hooks publish for other hooks to watch (``PlateauStopper``
        reads its monitor here): ``MetricsHook`` writes ``"metric_distance"``, the mean
        capped effect size of the generated tracks against the training set (lower is
        closer). Written to ``summary.json``.
    status : str
        ``"running"``, then ``"completed"``, ``"stopped"`` (a StopTraining) or ``"diverged"``.
    stop_reason : str or None
        The message of the StopTraining (prefixed by the hook) or of the divergence.
    """

    config: TrainConfig
    generator: torch.nn.Module
    critic: torch.nn.Module
    fixed_condition: torch.Tensor | None
    fixed_noise: torch.Tensor
    step: int = 0
    epoch: int = 0
    losses: dict[str, float] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    status: str = "running"
    stop_reason: str | None = None

    @property
    def metric_distance(self) -> float | None:
        """``scores.get("metric_distance")``; deprecated (kept for the hooks of musiceval 0.1.0):
        read and write ``state.scores["metric_distance"]`` instead."""
        _warn_metric_distance()
        return self.scores.get("metric_distance")

    @metric_distance.setter
    def metric_distance(self, value: float | None) -> None:
        _warn_metric_distance()
        if value is None:
            self.scores.pop("metric_distance", None)
        else:
            self.scores["metric_distance"] = value


def _warn_metric_distance() -> None:
    warnings.warn(
        "TrainState.metric_distance is deprecated; use state.scores['metric_distance']",
        DeprecationWarning,
        stacklevel=3,
    )


class TrainerView(Protocol):
    """What a hook may use of the trainer that calls it (``musiceval.models.Trainer``)."""

    @property
    def config(self) -> TrainConfig:
        """The run's configuration."""

    @property
    def out_dir(self) -> Path:
        """The output directory."""

    @property
    def checkpoint_path(self) -> Path:
        """The default checkpoint file."""

    @property
    def data(self) -> np.ndarray:
        """The training rolls, bool ``(n_samples, n_steps, 128, n_tracks)`` (read-only)."""

    @property
    def track_names(self) -> tuple[str, ...]:
        """A name per track."""

    @property
    def generated_tracks(self) -> tuple[int, ...]:
        """Tracks the generator writes."""

    def fixed_samples(self) -> torch.Tensor:
        """The generator's output on the fixed evaluation inputs at the current step."""

    def save_checkpoint(self, path: str | os.PathLike[str] | None = None) -> None:
        """Checkpoint the run (at the end of the step when called during one)."""


class Hook:
    """Base class of hooks: every event is a no-op; override the ones you need.

    Each event method takes ``(trainer, state)`` and returns nothing. A method named ``on_*``
    that is not one of :data:`EVENTS` (a typo such as ``on_step_ends``) is refused when the
    hook is registered.
    """

    def on_train_start(self, trainer: TrainerView, state: TrainState) -> None:
        """Once, after the networks are built or restored (``state.step`` is 0 on a fresh
        start, the checkpoint's step on a resume)."""

    def on_step_end(self, trainer: TrainerView, state: TrainState) -> None:
        """After each training step (``state.losses`` holds its losses)."""

    def on_evaluate(self, trainer: TrainerView, state: TrainState) -> None:
        """When the fixed samples should be evaluated (``trainer.fixed_samples()``)."""

    def on_epoch_end(self, trainer: TrainerView, state: TrainState) -> None:
        """After the step that ends a pass over the training data."""

    def on_train_end(self, trainer: TrainerView, state: TrainState) -> None:
        """Once, after the last step or a StopTraining (not after an error)."""

    def state_dict(self) -> dict[str, Any]:
        """State to checkpoint (plain values and tensors); default: nothing."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Take back what :meth:`state_dict` returned (on resume); default: nothing."""

    def outputs(self) -> dict[str, Path]:
        """Files this hook has written, by description (printed by the command line)."""
        return {}


def check_hook(hook: Any) -> Hook:
    """``hook`` if it is a :class:`Hook` whose methods named ``on_*`` are all events.

    A method such as ``on_step_ends`` (a misspelt ``on_step_end``) would silently never be
    called; it is refused at registration instead, as Ignite refuses an unknown event.

    Raises
    ------
    musiceval.InvalidParameterError
        ``hook`` is not a Hook, or has an ``on_*`` method that is not one of :data:`EVENTS`
        (the message names it and lists the events).
    """
    if not isinstance(hook, Hook):
        error = invalid("hook", "an instance of musiceval.models.Hook", hook)
        raise InvalidParameterError(f"{error} (subclass it and override the events you need)")
    unknown = [
        name
        for name in dir(hook)
        if name.startswith("on_") and name not in EVENTS and callable(getattr(hook, name))
    ]
    if unknown:
        raise invalid(
            "hook",
            f"a Hook whose on_* methods are events of {list(EVENTS)}",
            received=f"{type(hook).__name__} with method(s) {unknown} (a misspelt event?)",
        )
    return hook
