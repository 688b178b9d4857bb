"""The training loop: WGAN-GP on piano rolls, with hooks called at named events.

One explicit loop (no framework): each *step* runs ``n_critic`` critic updates, each on a new
batch, then one generator update. Hooks (:class:`~musiceval.models.hooks.Hook`) are called as
``hook.on_<event>(trainer, state)`` in the order they were registered::

    on_train_start                        once, after the models are built (or restored)
    on_evaluate                           at step 0, on a fresh start only
    for step in (last step + 1) .. n_steps:
        on_step_end                       every step (for a hook registered with every=k:
                                          steps that are multiples of k)
        on_evaluate                       every config.eval_every steps and at the last step
                                          (also gated by the hook's every=)
        on_epoch_end                      when the step ends a pass over the training data
    on_train_end                          once, after the last step or a StopTraining

A hook stops training by raising :class:`~musiceval.models.hooks.StopTraining`: the other
hooks still receive the current event, the step's later events are skipped, and
``on_train_end`` runs. Any other exception from a hook propagates (with a note naming the
hook, the event and the step); checkpoints written before it stay intact.

Checkpoints requested during a step (:meth:`Trainer.save_checkpoint`) are written when all of
the step's events have run, so a checkpoint holds every hook's state at the end of that step,
whatever the order of the hooks. A non-finite loss, or non-finite weights at checkpoint time,
stop training with :class:`TrainingDiverged`; the last checkpoint on disk is the last good one.

Determinism: the data order of epoch ``e`` is a permutation drawn from
``numpy.random.default_rng([seed, e])`` (epochs are 1-based), the fixed evaluation inputs from
``default_rng([seed, 0])`` and a torch generator seeded ``seed``, the weights from torch's
generator seeded ``seed`` (the caller's global torch RNG is left as it was), the training noise
from a torch generator seeded ``seed + 1`` whose state is checkpointed. Resuming from a
checkpoint therefore repeats, on the same device and thread count, the losses of an
uninterrupted run.
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from musiceval._atomic import atomic_path, atomic_write
from musiceval.models.config import TrainConfig
from musiceval.models.data import training_data
from musiceval.models.hooks import EVENTS, Hook, StopTraining
from musiceval.models.networks import Critic, Generator, latent_shape

__all__ = [
    "CHECKPOINT_FORMAT",
    "CheckpointError",
    "TrainState",
    "Trainer",
    "TrainingDiverged",
    "resolve_device",
]

CHECKPOINT_FORMAT = "musiceval.models.checkpoint"
"""The ``"format"`` entry of a checkpoint."""

CHECKPOINT_VERSION = 1
"""The ``"version"`` entry of a checkpoint; :meth:`Trainer.fit` resumes from this one only."""

_STEP_EVENTS = ("on_step_end", "on_evaluate")  # the events gated by a hook's every=
_RESUME_MAY_CHANGE = ("n_steps", "device")  # config fields a resumed run may change
_FRESH_MAY_CHANGE = ("device",)  # and a fresh run in the same directory


class TrainingDiverged(RuntimeError):
    """A loss or a weight became NaN or infinite; training stopped."""


class CheckpointError(ValueError):
    """A checkpoint cannot be resumed from: unreadable, of another format or configuration."""


@dataclass
class TrainState:
    """What hooks read (and may annotate) at each event.

    Attributes
    ----------
    config : TrainConfig
        The run's configuration.
    generator, critic : torch.nn.Module
        The networks (in training mode, except while :meth:`Trainer.fixed_samples` runs).
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
        The latest step's losses: ``g_loss`` (generator, ``-mean D(G(z))``), ``d_loss`` (critic,
        ``mean D(fake) - mean D(real) + gp_weight * gp``), ``gp`` (gradient penalty, unweighted)
        and ``wasserstein`` (``mean D(real) - mean D(fake)``, the critic's estimate of the
        Wasserstein distance); the last three averaged over the step's critic updates.
    metrics : dict of str to ndarray
        The latest evaluation's mean metric value per track (filled by ``MetricsHook``).
    metric_distance : float or None
        The latest evaluation's mean absolute z-score of the generated tracks against the
        training set (filled by ``MetricsHook``); lower is closer.
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
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    metric_distance: float | None = None
    status: str = "running"
    stop_reason: str | None = None


@dataclass
class _Registration:
    hook: Hook
    every: int
    label: str
    seconds: dict[str, float]


def resolve_device(name: str) -> torch.device:
    """The torch device of :attr:`TrainConfig.device` (``"auto"``: CUDA if available).

    Raises
    ------
    ValueError
        ``"cuda"`` is requested and torch sees no CUDA device.
    """
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device='cuda' was requested but torch {torch.__version__} sees no CUDA device "
            f"(torch.cuda.is_available() is False); use device='cpu' or 'auto'"
        )
    return torch.device(name)


class Trainer:
    """Train the conditional (or unconditional) WGAN-GP on piano rolls, calling hooks.

    Parameters
    ----------
    config : TrainConfig
        The run's configuration.
    out_dir : str or os.PathLike
        Output directory (created if missing): ``config.json``, ``summary.json``, the
        checkpoint and whatever the hooks write.
    hooks : iterable of Hook, optional
        Hooks registered with ``every=1``, in order (more with :meth:`add_hook`).
    data : array-like of shape (n_samples, n_steps, 128, n_tracks), optional
        Training rolls (bool, or numbers with active = ``> 0``); default: the Bach chorales,
        ``musiceval.datasets.load_chorales(n_bars=config.n_bars, ...)``, with the soprano as
        track 0.
    track_names : sequence of str, optional
        A name per track; default the chorale voices (soprano, alto, tenor, bass) for the
        chorales, else ``"0", "1", ...``.
    resume : bool or str or os.PathLike, default=False
        Continue from a checkpoint: ``True`` for :attr:`checkpoint_path`, or a path. The
        checkpoint's configuration must equal ``config`` except ``n_steps`` and ``device``.
    overwrite : bool, default=False
        Start a fresh run in a directory that holds a run of another configuration.
    progress : bool, default=True
        Show a tqdm progress bar (on stderr) with the latest losses.

    Raises
    ------
    ValueError
        ``out_dir`` holds a run of a different configuration (and ``overwrite`` is False), its
        ``config.json`` is unreadable, ``resume`` and ``overwrite`` are both set, or the device
        is unavailable.
    """

    def __init__(
        self,
        config: TrainConfig,
        out_dir: str | os.PathLike[str],
        *,
        hooks: Iterable[Hook] = (),
        data: Any = None,
        track_names: Sequence[str] | None = None,
        resume: bool | str | os.PathLike[str] = False,
        overwrite: bool = False,
        progress: bool = True,
    ) -> None:
        if not isinstance(config, TrainConfig):
            raise TypeError(f"config must be a TrainConfig; got {type(config).__name__}")
        if not isinstance(out_dir, str | os.PathLike):
            raise TypeError(f"out_dir must be a str or os.PathLike; got {type(out_dir).__name__}")
        for name, value in (("overwrite", overwrite), ("progress", progress)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} must be a bool; got {value!r}")
        if not isinstance(resume, bool | str | os.PathLike):
            raise TypeError(f"resume must be a bool or a checkpoint path; got {resume!r}")
        if resume is not False and overwrite:
            raise ValueError("resume and overwrite exclude each other; choose one")
        self._config = config
        self._out_dir = Path(out_dir)
        self._progress = progress
        self._device = resolve_device(config.device)
        if resume is True:
            self._resume_from: Path | None = self.checkpoint_path
        else:
            self._resume_from = None if resume is False else Path(resume)
        self._check_out_dir(overwrite)
        self._data_argument = data
        self._track_names_argument = None if track_names is None else tuple(track_names)
        self._pending_checkpoints: list[Path] = []
        self._in_step = False
        self._last_checkpoint: tuple[Path, int] | None = None
        self._samples: tuple[int, torch.Tensor] | None = None
        self._state: TrainState | None = None
        self._wall_seconds = 0.0
        self._hooks: list[_Registration] = []
        for hook in hooks:
            self.add_hook(hook)

    # ------------------------------------------------------------------ description

    @property
    def config(self) -> TrainConfig:
        """The run's configuration."""
        return self._config

    @property
    def out_dir(self) -> Path:
        """The output directory."""
        return self._out_dir

    @property
    def device(self) -> torch.device:
        """The device the networks train on."""
        return self._device

    @property
    def checkpoint_path(self) -> Path:
        """The default checkpoint file: ``out_dir / "checkpoint.pt"``."""
        return self._out_dir / "checkpoint.pt"

    @property
    def hooks(self) -> list[Hook]:
        """The registered hooks, in calling order."""
        return [entry.hook for entry in self._hooks]

    @property
    def state(self) -> TrainState:
        """The training state (available from ``on_train_start`` on)."""
        if self._state is None:
            raise RuntimeError("the training state exists once fit() has built the models")
        return self._state

    @property
    def data(self) -> np.ndarray:
        """The training rolls, bool ``(n_samples, n_steps, 128, n_tracks)`` (read-only)."""
        return self._data

    @property
    def track_names(self) -> tuple[str, ...]:
        """A name per track of the data and of the generated rolls."""
        return self._track_names

    @property
    def generated_tracks(self) -> tuple[int, ...]:
        """Tracks the generator writes (all but track 0, the condition, when conditional)."""
        first = 1 if self._config.conditional else 0
        return tuple(range(first, self._data.shape[3]))

    @property
    def hook_seconds(self) -> dict[str, dict[str, float]]:
        """Wall time spent in each hook, per event: ``{"0:LossLogger": {"on_step_end": ...}}``."""
        return {entry.label: dict(entry.seconds) for entry in self._hooks}

    @property
    def wall_seconds(self) -> float:
        """Wall time of the last :meth:`fit` so far (data loading included)."""
        return self._wall_seconds

    # ------------------------------------------------------------------ hooks

    def add_hook(self, hook: Hook, *, every: int = 1) -> Hook:
        """Register ``hook`` after the others; returns it.

        Parameters
        ----------
        hook : Hook
            An instance of a :class:`~musiceval.models.hooks.Hook` subclass.
        every : int, default=1
            Call the hook's ``on_step_end`` and ``on_evaluate`` only at steps that are multiples
            of ``every`` (step 0 included); the other events always reach it.
        """
        if not isinstance(hook, Hook):
            raise TypeError(
                f"hook must be an instance of musiceval.models.Hook (subclass it and override "
                f"the events you need); got {type(hook).__name__}"
            )
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an int >= 1; got {every!r}")
        if self._state is not None:
            raise RuntimeError("hooks must be registered before fit()")
        label = f"{len(self._hooks)}:{type(hook).__name__}"
        self._hooks.append(_Registration(hook, every, label, dict.fromkeys(EVENTS, 0.0)))
        return hook

    # ------------------------------------------------------------------ sampling

    @torch.no_grad()
    def generate(self, condition: torch.Tensor | None, z: torch.Tensor) -> torch.Tensor:
        """Run the generator in evaluation mode (batch-norm running statistics), without grad.

        Parameters
        ----------
        condition : torch.Tensor of shape (batch, n_steps, 128), or None
            Soprano lines in -1/+1 (None for an unconditional model).
        z : torch.Tensor of shape (batch, latent_channels, n_steps / 16, n_pitches / 16)

        Returns
        -------
        torch.Tensor of shape (batch, n_steps, 128, n_tracks)
            tanh values on the training device; a cell sounds when it is ``> 0``.
        """
        generator = self.state.generator
        was_training = generator.training
        generator.eval()
        try:
            return generator(condition, z)
        finally:
            generator.train(was_training)

    def fixed_samples(self) -> torch.Tensor:
        """The generator's output on the fixed evaluation inputs at the current step.

        Computed once per step (the first hook that asks pays for it) with :meth:`generate`.
        """
        state = self.state
        if self._samples is None or self._samples[0] != state.step:
            self._samples = (state.step, self.generate(state.fixed_condition, state.fixed_noise))
        return self._samples[1]

    # ------------------------------------------------------------------ checkpoints

    def save_checkpoint(self, path: str | os.PathLike[str] | None = None) -> None:
        """Write a checkpoint (default :attr:`checkpoint_path`), atomically.

        Called during a step, the write waits until all of the step's events have run; outside
        a step (``on_train_start``, ``on_train_end``) it happens at once. The checkpoint holds
        the configuration, step and epoch, both networks and optimisers, the noise generator's
        state, the fixed evaluation inputs and every hook's ``state_dict()``.

        Raises
        ------
        TrainingDiverged
            A network holds a NaN or infinite weight (nothing is written then).
        """
        target = self.checkpoint_path if path is None else Path(path)
        if self._in_step:
            if target not in self._pending_checkpoints:
                self._pending_checkpoints.append(target)
        else:
            self._write_checkpoint(target)

    @property
    def last_checkpoint(self) -> tuple[Path, int] | None:
        """``(path, step)`` of the last checkpoint written by this trainer, or None."""
        return self._last_checkpoint

    def _write_checkpoint(self, path: Path) -> None:
        state = self.state
        for name, network in (("generator", state.generator), ("critic", state.critic)):
            if not all(bool(torch.isfinite(p).all()) for p in network.state_dict().values()):
                raise TrainingDiverged(
                    f"the {name} holds NaN or infinite weights at step {state.step}; the "
                    f"checkpoint {path} was not written. {self._last_good()}"
                )
        payload = {
            "format": CHECKPOINT_FORMAT,
            "version": CHECKPOINT_VERSION,
            "config": self._config.to_dict(),
            "step": state.step,
            "epoch": state.epoch,
            "generator": state.generator.state_dict(),
            "critic": state.critic.state_dict(),
            "g_optimizer": self._g_optimizer.state_dict(),
            "d_optimizer": self._d_optimizer.state_dict(),
            "noise_rng": self._noise_rng.get_state(),
            "fixed_indices": torch.as_tensor(self._fixed_indices),
            "fixed_noise": state.fixed_noise.cpu(),
            "hooks": {entry.label: entry.hook.state_dict() for entry in self._hooks},
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as temporary:
            torch.save(payload, temporary)
        self._last_checkpoint = (path, state.step)

    def _last_good(self) -> str:
        if self._last_checkpoint is None:
            return "No checkpoint was written by this run."
        path, step = self._last_checkpoint
        return f"The last good checkpoint is {path} (step {step})."

    def _read_checkpoint(self, path: Path) -> dict[str, Any]:
        """The checkpoint's contents, checked; raises CheckpointError before changing anything."""
        if not path.is_file():
            raise CheckpointError(
                f"cannot resume: no checkpoint at {path}; start a fresh run (without resume)"
            )
        try:
            payload = torch.load(path, map_location=self._device, weights_only=True)
        except Exception as exc:  # any unreadable file is refused, whatever torch raises
            raise CheckpointError(
                f"cannot resume: {path} is not a readable checkpoint ({type(exc).__name__}: "
                f"{exc}); it may be truncated or corrupt. Start again with overwrite=True "
                f"(--overwrite)"
            ) from exc
        if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
            raise CheckpointError(f"cannot resume: {path} is not a musiceval models checkpoint")
        if payload.get("version") != CHECKPOINT_VERSION:
            raise CheckpointError(
                f"cannot resume: {path} is a checkpoint of version {payload.get('version')!r}; "
                f"this musiceval reads version {CHECKPOINT_VERSION}"
            )
        try:
            saved = TrainConfig.from_dict(payload["config"])
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(
                f"cannot resume: {path} holds a bad configuration: {exc}"
            ) from exc
        differences = saved.differences(self._config, ignore=_RESUME_MAY_CHANGE)
        if differences:
            raise CheckpointError(
                f"cannot resume: {path} was written with another configuration "
                f"({_describe(differences)}); only n_steps and device may change on resume"
            )
        return payload

    # ------------------------------------------------------------------ output directory

    def _check_out_dir(self, overwrite: bool) -> None:
        path = self._out_dir / "config.json"
        if path.exists() and not path.is_file():
            raise ValueError(f"{path} exists and is not a file; choose another out_dir")
        if not path.exists() or overwrite:
            return
        try:
            previous = TrainConfig.load(path)
        except ValueError as exc:
            raise ValueError(
                f"{self._out_dir} holds an unreadable config.json ({exc}); pass overwrite=True "
                f"(--overwrite) to start a new run there, or choose another output directory"
            ) from None
        resuming = self._resume_from is not None
        ignore = _RESUME_MAY_CHANGE if resuming else _FRESH_MAY_CHANGE
        differences = previous.differences(self._config, ignore=ignore)
        if differences:
            advice = (
                "a resumed run may change only n_steps and device"
                if resuming
                else "pass overwrite=True (--overwrite) to replace it, or choose another output "
                "directory"
            )
            raise ValueError(
                f"{self._out_dir} holds a run of a different configuration "
                f"({_describe(differences)}); {advice}"
            )

    # ------------------------------------------------------------------ training

    def fit(self) -> TrainState:
        """Train until ``config.n_steps`` steps are done or a hook raises StopTraining.

        Returns
        -------
        TrainState
            The final state (``status`` ``"completed"`` or ``"stopped"``).

        Raises
        ------
        TrainingDiverged
            A loss or weight became NaN or infinite (the message names the last good
            checkpoint). ``summary.json`` records the failure.
        CheckpointError
            The checkpoint to resume from is missing, unreadable or of another configuration.
        """
        if self._state is not None:
            raise RuntimeError("fit() runs once per Trainer; build a new Trainer to train again")
        started = time.perf_counter()
        self._load_data()
        payload = None if self._resume_from is None else self._read_checkpoint(self._resume_from)
        if payload is not None and payload["step"] > self._config.n_steps:
            raise ValueError(
                f"the checkpoint {self._resume_from} is at step {payload['step']}, past "
                f"n_steps={self._config.n_steps}; resume with more steps (--steps) to continue"
            )
        if payload is None and self.checkpoint_path.exists():
            warnings.warn(
                f"{self.checkpoint_path} exists; this fresh run replaces it at its first "
                f"checkpoint (resume=True, --resume, continues it instead)",
                RuntimeWarning,
                stacklevel=2,
            )
        state = self._build(payload)
        self._out_dir.mkdir(parents=True, exist_ok=True)
        self._config.save(self._out_dir / "config.json")
        bar = self._progress_bar(state.step)
        finished = False
        try:
            stop = self._fire("on_train_start", state)
            if not stop and payload is None:
                stop = self._fire("on_evaluate", state)
            while not stop and state.step < self._config.n_steps:
                stop = self._run_step(state, bar)
            if stop:
                state.status, state.stop_reason = "stopped", stop
            else:
                state.status = "completed"
            self._fire("on_train_end", state)
            finished = True
        except TrainingDiverged as exc:
            state.status, state.stop_reason = "diverged", str(exc)
            finished = True
            raise
        finally:
            self._in_step = False
            if bar is not None:
                bar.close()
            self._wall_seconds = time.perf_counter() - started
            if finished:  # not after a hook's error: the summary describes a whole run
                self._write_summary(state)
        return state

    def _run_step(self, state: TrainState, bar: Any) -> str | None:
        """One step and its events; returns the stop reason, if a hook asked to stop."""
        step = state.step + 1
        epoch = (step - 1) // self._steps_per_epoch + 1
        losses = self._train_step(self._batches(step, epoch), step, epoch)
        state.step, state.epoch, state.losses = step, epoch, losses
        if bar is not None:
            bar.set_postfix(
                {name: f"{value:.3g}" for name, value in losses.items() if name != "gp"},
                refresh=False,
            )
            bar.update(1)
        self._in_step = True
        stop = self._fire("on_step_end", state)
        if not stop and (step % self._config.eval_every == 0 or step == self._config.n_steps):
            stop = self._fire("on_evaluate", state)
        if not stop and step % self._steps_per_epoch == 0:
            stop = self._fire("on_epoch_end", state)
        self._in_step = False
        pending, self._pending_checkpoints = self._pending_checkpoints, []
        for path in pending:
            self._write_checkpoint(path)
        return stop

    def _fire(self, event: str, state: TrainState) -> str | None:
        """Call ``event`` on every hook in order; returns the first StopTraining's reason."""
        stop = None
        for entry in self._hooks:
            if event in _STEP_EVENTS and state.step % entry.every:
                continue
            started = time.perf_counter()
            try:
                getattr(entry.hook, event)(self, state)
            except StopTraining as exc:
                if stop is None and event != "on_train_end":
                    stop = f"{entry.label}: {exc}"
            except Exception as exc:
                exc.add_note(f"raised by hook {entry.label} in {event} at step {state.step}")
                raise
            finally:
                entry.seconds[event] += time.perf_counter() - started
        return stop

    def _train_step(self, batches: torch.Tensor, step: int, epoch: int) -> dict[str, float]:
        """``n_critic`` critic updates (one per batch), then one generator update."""
        config = self._config
        generator, critic = self._state.generator, self._state.critic
        d_losses, penalties, distances = [], [], []
        for indices in batches:
            real = self._data_tensor[indices].float() * 2 - 1
            condition = real[..., 0] if config.conditional else None
            with torch.no_grad():
                fake = generator(condition, self._noise(len(real)))
            mix = torch.rand(len(real), 1, 1, 1, generator=self._noise_rng).to(self._device)
            mixed = (mix * real + (1 - mix) * fake).requires_grad_(True)
            (gradient,) = torch.autograd.grad(critic(mixed).sum(), mixed, create_graph=True)
            penalty = ((gradient.flatten(start_dim=1).norm(dim=1) - 1) ** 2).mean()
            scores = critic(torch.cat([real, fake]))  # no batch norm: one pass for both
            distance = scores[: len(real)].mean() - scores[len(real) :].mean()
            loss = config.gp_weight * penalty - distance
            values = torch.stack([loss, penalty, distance]).tolist()  # one device sync
            self._check_finite("critic loss", values[0], step, epoch)
            self._d_optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self._d_optimizer.step()
            d_losses.append(values[0])
            penalties.append(values[1])
            distances.append(values[2])
        critic.requires_grad_(False)
        try:
            fake = generator(condition, self._noise(len(real)))
            g_loss = -critic(fake).mean()
            g_value = g_loss.item()
            self._check_finite("generator loss", g_value, step, epoch)
            self._g_optimizer.zero_grad(set_to_none=True)
            g_loss.backward()
            self._g_optimizer.step()
        finally:
            critic.requires_grad_(True)
        return {
            "g_loss": g_value,
            "d_loss": float(np.mean(d_losses)),
            "gp": float(np.mean(penalties)),
            "wasserstein": float(np.mean(distances)),
        }

    def _check_finite(self, name: str, value: float, step: int, epoch: int) -> None:
        """Raise TrainingDiverged if the loss ``value`` is NaN or infinite."""
        if not math.isfinite(value):
            raise TrainingDiverged(
                f"the {name} is {value} at step {step} (epoch {epoch}); training stopped before "
                f"the update, and no checkpoint of this step was written. {self._last_good()} "
                f"Try a lower lr, or check the data and the hooks that change the networks."
            )

    def _noise(self, n: int) -> torch.Tensor:
        shape = latent_shape(
            self._config.n_steps_per_sample, self._config.n_pitches, self._config.latent_channels
        )
        return torch.randn(n, *shape, generator=self._noise_rng).to(self._device)

    def _batches(self, step: int, epoch: int) -> torch.Tensor:
        """Indices ``(n_critic, batch_size)`` of the step's batches (a slice of the epoch's
        permutation)."""
        if self._permutation is None or self._permutation[0] != epoch:
            order = np.random.default_rng([self._config.seed, epoch]).permutation(len(self._data))
            self._permutation = (epoch, order)
        per_step = self._config.n_critic * self._config.batch_size
        first = ((step - 1) % self._steps_per_epoch) * per_step
        chosen = self._permutation[1][first : first + per_step]
        return torch.from_numpy(chosen.reshape(self._config.n_critic, -1)).to(self._device)

    # ------------------------------------------------------------------ set-up

    def _load_data(self) -> None:
        config = self._config
        data, names = training_data(
            config, self._data_argument, self._track_names_argument, progress=self._progress
        )
        self._data_tensor = torch.from_numpy(data).to(self._device)  # never written to
        data.flags.writeable = False
        self._data = data
        self._track_names = names
        self._steps_per_epoch = len(data) // (config.n_critic * config.batch_size)
        self._permutation: tuple[int, np.ndarray] | None = None

    def _build(self, payload: dict[str, Any] | None) -> TrainState:
        """Networks, optimisers, RNG and fixed inputs: new, or all restored from ``payload``."""
        config = self._config
        n_steps, n_tracks = config.n_steps_per_sample, self._data.shape[3]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            generator = Generator(
                n_steps=n_steps,
                n_tracks=n_tracks,
                conditional=config.conditional,
                channels=config.channels,
                latent_channels=config.latent_channels,
                lowest_pitch=config.lowest_pitch,
                n_pitches=config.n_pitches,
            ).to(self._device)
            critic = Critic(
                n_steps=n_steps,
                n_tracks=n_tracks,
                channels=config.channels,
                lowest_pitch=config.lowest_pitch,
                n_pitches=config.n_pitches,
            ).to(self._device)
        adam = {"lr": config.lr, "betas": config.betas}
        g_optimizer = torch.optim.Adam(generator.parameters(), **adam)
        d_optimizer = torch.optim.Adam(critic.parameters(), **adam)
        noise_rng = torch.Generator().manual_seed(config.seed + 1)
        if payload is None:
            indices = np.sort(
                np.random.default_rng([config.seed, 0]).choice(
                    len(self._data), config.n_eval, replace=False
                )
            )
            eval_rng = torch.Generator().manual_seed(config.seed)
            shape = latent_shape(n_steps, config.n_pitches, config.latent_channels)
            fixed_noise = torch.randn(config.n_eval, *shape, generator=eval_rng)
            step = epoch = 0
        else:
            indices, fixed_noise, step, epoch = self._restore(
                payload, generator, critic, g_optimizer, d_optimizer, noise_rng
            )
        fixed_noise = fixed_noise.to(self._device)
        condition = None
        if config.conditional:
            rows = torch.from_numpy(indices).to(self._device)
            condition = self._data_tensor[rows][..., 0].float() * 2 - 1
        self._g_optimizer, self._d_optimizer = g_optimizer, d_optimizer
        self._noise_rng = noise_rng
        self._fixed_indices = indices
        self._state = TrainState(
            config=config,
            generator=generator,
            critic=critic,
            fixed_condition=condition,
            fixed_noise=fixed_noise,
            step=step,
            epoch=epoch,
        )
        if payload is not None:
            self._restore_hooks(payload)
        return self._state

    def _restore(
        self,
        payload: dict[str, Any],
        generator: Generator,
        critic: Critic,
        g_optimizer: torch.optim.Optimizer,
        d_optimizer: torch.optim.Optimizer,
        noise_rng: torch.Generator,
    ) -> tuple[np.ndarray, torch.Tensor, int, int]:
        """Load the networks, optimisers and RNG (all new objects) from a checked payload."""
        path = self._resume_from
        try:
            generator.load_state_dict(payload["generator"])
            critic.load_state_dict(payload["critic"])
            g_optimizer.load_state_dict(payload["g_optimizer"])
            d_optimizer.load_state_dict(payload["d_optimizer"])
            noise_rng.set_state(payload["noise_rng"].cpu())
            indices = payload["fixed_indices"].cpu().numpy()
            fixed_noise = payload["fixed_noise"]
            step, epoch = int(payload["step"]), int(payload["epoch"])
        except (KeyError, RuntimeError, ValueError, TypeError, AttributeError) as exc:
            raise CheckpointError(
                f"cannot resume: {path} is incomplete or mismatched: {exc}"
            ) from exc
        if not (0 <= step and indices.shape == (self._config.n_eval,)):
            raise CheckpointError(f"cannot resume: {path} holds an inconsistent step or inputs")
        if indices.max(initial=0) >= len(self._data):
            raise CheckpointError(
                f"cannot resume: {path} refers to training sample {int(indices.max())} but the "
                f"data holds {len(self._data)}; resume with the same data"
            )
        return indices, fixed_noise, step, epoch

    def _restore_hooks(self, payload: dict[str, Any]) -> None:
        saved = payload.get("hooks", {})
        for entry in self._hooks:
            if entry.label in saved:
                try:
                    entry.hook.load_state_dict(saved[entry.label])
                except (KeyError, TypeError, ValueError) as exc:
                    raise CheckpointError(
                        f"cannot resume: the state of hook {entry.label} in "
                        f"{self._resume_from} does not fit it: {exc}"
                    ) from exc

    def _progress_bar(self, initial: int) -> Any:
        if not self._progress:
            return None
        from tqdm import tqdm

        return tqdm(
            total=self._config.n_steps,
            initial=initial,
            desc="training",
            unit="step",
            file=sys.stderr,
            dynamic_ncols=True,
        )

    def _write_summary(self, state: TrainState) -> None:
        seconds = self.hook_seconds
        wall = self._wall_seconds
        summary = {
            "status": state.status,
            "stop_reason": state.stop_reason,
            "step": state.step,
            "epoch": state.epoch,
            "n_steps": self._config.n_steps,
            "device": str(self._device),
            "torch_threads": torch.get_num_threads(),
            "wall_seconds": wall,
            "losses": state.losses,
            "metrics": {name: np.asarray(v).tolist() for name, v in state.metrics.items()},
            "metric_distance": state.metric_distance,
            "hook_seconds": seconds,
            "hook_share": {
                label: (sum(events.values()) / wall if wall > 0 else None)
                for label, events in seconds.items()
            },
            "last_checkpoint": None
            if self._last_checkpoint is None
            else {"path": str(self._last_checkpoint[0]), "step": self._last_checkpoint[1]},
        }
        text = json.dumps(_json_safe(summary), indent=2) + "\n"
        self._out_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(self._out_dir / "summary.json", lambda file: file.write(text))


def _describe(differences: dict[str, Any]) -> str:
    return ", ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new) in differences.items())


def _json_safe(value: Any) -> Any:
    """Non-finite floats as None, so that the file is standard JSON."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
