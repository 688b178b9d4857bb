"""The training loop: WGAN-GP on piano rolls, with hooks called at named events.

One explicit loop (no framework): each *step* runs ``n_critic`` critic updates, each on a new
batch, then one generator update (the maths: :mod:`musiceval.models.wgan`). Hooks
(:class:`~musiceval.models.events.Hook`) are called as ``hook.on_<event>(trainer, state)`` in
the order they were registered::

    on_train_start                        once, after the models are built (or restored)
    on_evaluate                           at step 0, on a fresh start only
    for step in (last step + 1) .. n_steps:
        on_step_end                       every step (for a hook registered with every=k:
                                          steps that are multiples of k)
        on_evaluate                       every config.eval_every steps and at the last step
                                          (also gated by the hook's every=)
        on_epoch_end                      when the step ends a pass over the training data
    on_train_end                          once, after the last step or a StopTraining

A hook stops training by raising :class:`~musiceval.models.events.StopTraining`: the other
hooks still receive the current event, the step's later events are skipped, and
``on_train_end`` runs. Any other exception from a hook propagates (with a note naming the
hook, the event and the step); checkpoints written before it stay intact.

Checkpoints (:mod:`musiceval.models.checkpoint`) requested during a step
(:meth:`Trainer.save_checkpoint`) are written when all of the step's events have run, so a
checkpoint holds every hook's state at the end of that step, whatever the order of the hooks. A
non-finite loss, or non-finite weights at checkpoint time, stop training with
:class:`TrainingDiverged`; the last checkpoint on disk is the last good one. ``config.json``,
``summary.json`` and the lock on ``out_dir`` are :mod:`musiceval.models.run_files`'s.

Determinism: the data order of epoch ``e`` is a permutation drawn from
``numpy.random.default_rng([seed, e])`` (epochs are 1-based), the fixed evaluation inputs from
``default_rng([seed, 0])`` and a torch generator seeded ``seed``, the weights from torch's
generator seeded ``seed`` (the caller's global torch RNG is left as it was), the training noise
and the penalty's interpolation weights from a torch generator seeded ``seed + 1`` whose state
is checkpointed. Resuming from a checkpoint therefore repeats, on the same device and thread
count, the losses of an uninterrupted run.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from musiceval._checks import (
    check_bool,
    check_instance,
    check_int,
    check_names,
    check_path,
    invalid,
)
from musiceval.exceptions import InvalidParameterError
from musiceval.models.checkpoint import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_SCHEMA,
    CHECKPOINT_VERSION,
    CheckpointError,
    describe_last_checkpoint,
    read_checkpoint,
    restore_hooks,
    restore_training,
    write_checkpoint,
)
from musiceval.models.config import TrainConfig, resolve_device
from musiceval.models.data import fixed_inputs, step_batches, steps_per_epoch, training_data
from musiceval.models.events import (
    EVENTS,
    Hook,
    StopTraining,
    TrainingDiverged,
    TrainState,
    check_hook,
)
from musiceval.models.networks import build_networks, latent_shape
from musiceval.models.run_files import check_out_dir, open_run, run_lock, run_summary, write_summary
from musiceval.models.wgan import critic_step, generator_step
from musiceval.rolls import is_torch_tensor

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_SCHEMA",
    "CHECKPOINT_VERSION",
    "CheckpointError",
    "TrainState",
    "Trainer",
    "TrainingDiverged",
    "resolve_device",
]

_STEP_EVENTS = ("on_step_end", "on_evaluate")  # the events gated by a hook's every=


@dataclass
class _Registration:
    hook: Hook
    every: int
    label: str
    seconds: dict[str, float]


class Trainer:
    """Train the conditional (or unconditional) WGAN-GP on piano rolls, calling hooks.

    Parameters
    ----------
    config : TrainConfig
        The run's configuration.
    out_dir : str or os.PathLike
        Output directory (created if missing): ``config.json``, ``summary.json``, the
        checkpoint and whatever the hooks write. :meth:`fit` locks it (``.musiceval.lock``).
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
    musiceval.InvalidParameterError
        A bad argument, or ``resume`` and ``overwrite`` both set.
    ValueError
        ``out_dir`` holds a run of a different configuration (and ``overwrite`` is False), its
        ``config.json`` is unreadable, or the device is unavailable.
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
        check_instance("config", config, TrainConfig, "a TrainConfig")
        check_bool("overwrite", overwrite)
        check_bool("progress", progress)
        if not isinstance(resume, bool | str | os.PathLike):
            raise invalid("resume", "True, False or a checkpoint path", resume)
        if resume is not False and overwrite:
            raise InvalidParameterError("resume and overwrite exclude each other; choose one")
        self._config = config
        self._out_dir = check_path("out_dir", out_dir)
        self._progress = progress
        self._overwrite = overwrite
        self._device = resolve_device(config.device)
        if resume is True:
            self._resume_from: Path | None = self.checkpoint_path
        else:
            self._resume_from = None if resume is False else Path(resume)
        check_out_dir(
            self._out_dir, config, resuming=self._resume_from is not None, overwrite=overwrite
        )
        if not (data is None or isinstance(data, np.ndarray | Sequence) or is_torch_tensor(data)):
            raise invalid("data", "an array or tensor (n_samples, n_steps, 128, n_tracks)", data)
        self._data_argument = data
        self._track_names_argument = None
        if track_names is not None:
            self._track_names_argument = check_names("track_names", track_names)
        self._pending_checkpoints: list[Path] = []
        self._in_step = False
        self._last_checkpoint: tuple[Path, int] | None = None
        self._samples: tuple[int, torch.Tensor] | None = None
        self._state: TrainState | None = None
        self._wall_seconds = 0.0
        self._hooks: list[_Registration] = []
        if isinstance(hooks, str) or not isinstance(hooks, Iterable):
            raise invalid("hooks", "an iterable of Hook instances", hooks)
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
            An instance of a :class:`~musiceval.models.events.Hook` subclass, whose methods
            named ``on_*`` are all events of :data:`~musiceval.models.events.EVENTS` (a
            misspelt event such as ``on_step_ends`` would never be called, so it is refused).
        every : int, default=1
            Call the hook's ``on_step_end`` and ``on_evaluate`` only at steps that are multiples
            of ``every`` (step 0 included); the other events always reach it.

        Raises
        ------
        musiceval.InvalidParameterError
            ``hook`` is not a Hook, has an ``on_*`` method that is not an event, or ``every``
            is not an int >= 1.
        RuntimeError
            :meth:`fit` has started.
        """
        check_hook(hook)
        every = check_int("every", every)
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
        write_checkpoint(
            path,
            self.state,
            g_optimizer=self._g_optimizer,
            d_optimizer=self._d_optimizer,
            noise_rng=self._noise_rng,
            fixed_indices=self._fixed_indices,
            hooks={entry.label: entry.hook for entry in self._hooks},
            last_checkpoint=self._last_checkpoint,
        )
        self._last_checkpoint = (path, self.state.step)

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
            The checkpoint to resume from is missing, unreadable, damaged (a zip member fails
            its CRC-32), of another configuration or past ``config.n_steps``.
        musiceval.InvalidParameterError
            Another running process (trainer, Monitor) holds ``out_dir``'s lock, which ``fit``
            holds until it ends (sharing it with the Monitor of its own ``MetricsHook``).
        ValueError
            ``out_dir`` now holds a run that this one may not continue (see the class).
        """
        if self._state is not None:
            raise RuntimeError("fit() runs once per Trainer; build a new Trainer to train again")
        resuming = self._resume_from is not None
        with run_lock(self._out_dir, self._config, resuming=resuming, overwrite=self._overwrite):
            return self._fit()

    def _fit(self) -> TrainState:
        started = time.perf_counter()
        self._load_data()
        payload = None
        if self._resume_from is not None:
            payload = read_checkpoint(self._resume_from, self._config, device=self._device)
        state = self._build(payload)
        open_run(
            self._out_dir, self._config, fresh=payload is None, checkpoint=self.checkpoint_path
        )
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
                summary = run_summary(
                    state,
                    device=str(self._device),
                    torch_threads=torch.get_num_threads(),
                    wall_seconds=self._wall_seconds,
                    hook_seconds=self.hook_seconds,
                    last_checkpoint=self._last_checkpoint,
                    hooks=self.hooks,
                )
                write_summary(self._out_dir, summary)
        return state

    def _run_step(self, state: TrainState, bar: Any) -> str | None:
        """One step and its events; returns the stop reason, if a hook asked to stop."""
        step = state.step + 1
        epoch = (step - 1) // self._steps_per_epoch + 1
        batches = step_batches(self._config, len(self._data), step)
        losses = self._train_step(torch.from_numpy(batches).to(self._device), step, epoch)
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
        generator, critic = self.state.generator, self.state.critic
        critic_losses = []
        for indices in batches:
            real = self._data_tensor[indices].float() * 2 - 1
            condition = real[..., 0] if config.conditional else None
            noise = self._noise(len(real))
            mix = torch.rand(len(real), 1, 1, 1, generator=self._noise_rng).to(self._device)
            losses = critic_step(
                generator,
                critic,
                self._d_optimizer,
                real,
                condition,
                noise,
                mix,
                gp_weight=config.gp_weight,
            )
            self._check_finite("critic loss", losses.d_loss, step, epoch)
            critic_losses.append(losses)
        noise = self._noise(len(real))
        g_loss = generator_step(generator, critic, self._g_optimizer, condition, noise)
        self._check_finite("generator loss", g_loss, step, epoch)
        d_losses, penalties, distances = zip(*critic_losses, strict=True)
        return {
            "g_loss": g_loss,
            "d_loss": float(np.mean(d_losses)),
            "gp": float(np.mean(penalties)),
            "wasserstein": float(np.mean(distances)),
        }

    def _check_finite(self, name: str, value: float, step: int, epoch: int) -> None:
        """Raise TrainingDiverged if the loss ``value`` is NaN or infinite."""
        if not math.isfinite(value):
            raise TrainingDiverged(
                f"the {name} is {value} at step {step} (epoch {epoch}); training stopped before "
                f"the update, and no checkpoint of this step was written. "
                f"{describe_last_checkpoint(self._last_checkpoint)} "
                f"Try a lower lr, or check the data and the hooks that change the networks."
            )

    def _noise(self, n: int) -> torch.Tensor:
        shape = latent_shape(
            self._config.n_steps_per_sample, self._config.n_pitches, self._config.latent_channels
        )
        return torch.randn(n, *shape, generator=self._noise_rng).to(self._device)

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
        self._steps_per_epoch = steps_per_epoch(config, len(data))

    def _build(self, payload: dict[str, Any] | None) -> TrainState:
        """Networks, optimisers, RNG and fixed inputs: new, or all restored from ``payload``."""
        config = self._config
        generator, critic = build_networks(config, self._data.shape[3], self._device)
        g_optimizer = torch.optim.Adam(generator.parameters(), lr=config.lr, betas=config.betas)
        d_optimizer = torch.optim.Adam(critic.parameters(), lr=config.lr, betas=config.betas)
        noise_rng = torch.Generator().manual_seed(config.seed + 1)
        if payload is None:
            indices, fixed_noise = fixed_inputs(config, len(self._data))
            step = epoch = 0
        else:
            indices, fixed_noise, step, epoch = restore_training(
                payload,
                generator=generator,
                critic=critic,
                g_optimizer=g_optimizer,
                d_optimizer=d_optimizer,
                noise_rng=noise_rng,
                n_eval=config.n_eval,
                n_samples=len(self._data),
                source=str(self._resume_from),
            )
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
            fixed_noise=fixed_noise.to(self._device),
            step=step,
            epoch=epoch,
        )
        if payload is not None:
            hooks = {entry.label: entry.hook for entry in self._hooks}
            restore_hooks(payload, hooks, source=str(self._resume_from))
        return self._state

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
