"""The training set of a run (the Bach chorales, or the caller's rolls, checked against the
configuration) and the fixed evaluation inputs drawn from it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from musiceval.exceptions import InvalidParameterError
from musiceval.models.config import TrainConfig
from musiceval.models.networks import latent_shape

__all__ = ["fixed_inputs", "step_batches", "steps_per_epoch", "training_data"]


def training_data(
    config: TrainConfig,
    data: Any = None,
    track_names: Sequence[str] | None = None,
    *,
    progress: bool = True,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """The training rolls and track names of a run.

    Parameters
    ----------
    config : TrainConfig
        The run's configuration (shape, pitch window, batch sizes).
    data : array-like or torch.Tensor of shape (n_samples, n_steps, 128, n_tracks), optional
        The rolls (bool, or numbers with active = ``> 0``; copied). Default: the chorales,
        ``musiceval.datasets.load_chorales(n_bars=config.n_bars,
        steps_per_beat=config.steps_per_beat, limit=config.chorale_limit)``, soprano first.
    track_names : sequence of str, optional
        A name per track; default the chorale voices, or ``"0", "1", ...`` for ``data``.
    progress : bool, default=True
        Show the progress bar of a first chorale build.

    Returns
    -------
    rolls : ndarray of bool, shape (n_samples, n_steps, 128, n_tracks)
        C-contiguous.
    track_names : tuple of str

    Raises
    ------
    musiceval.InvalidParameterError
        The rolls are not a 4-d array of bool or real values, do not have
        ``config.n_steps_per_sample`` steps and 128 pitches, have one track for a conditional
        model, hold fewer samples than one step reads (``n_critic * batch_size``) or than
        ``n_eval``, or have notes outside the model's pitch window; ``track_names`` of the
        wrong length.
    """
    if data is None:
        from musiceval.datasets import CHORALE_TRACKS, load_chorales

        chorales = load_chorales(
            n_bars=config.n_bars,
            steps_per_beat=config.steps_per_beat,
            limit=config.chorale_limit,
            progress=progress,
        )
        rolls = chorales if isinstance(chorales, np.ndarray) else chorales[0]
        names = tuple(track_names or CHORALE_TRACKS)
    else:
        rolls = _as_bool_rolls(data)
        names = tuple(track_names or (str(k) for k in range(rolls.shape[3])))
    n, n_steps, n_pitches, n_tracks = rolls.shape
    if (n_steps, n_pitches) != (config.n_steps_per_sample, 128):
        raise InvalidParameterError(
            f"data must have shape (n_samples, {config.n_steps_per_sample}, 128, n_tracks) for "
            f"n_bars={config.n_bars} and steps_per_beat={config.steps_per_beat}; got "
            f"{rolls.shape}"
        )
    if config.conditional and n_tracks < 2:
        raise InvalidParameterError(
            f"a conditional model needs data of >= 2 tracks; got {n_tracks}"
        )
    if len(names) != n_tracks:
        raise InvalidParameterError(
            f"track_names must name the {n_tracks} tracks; got {list(names)}"
        )
    per_step = config.n_critic * config.batch_size
    if n < per_step:
        raise InvalidParameterError(
            f"a step reads n_critic * batch_size = {per_step} samples but the data holds {n}; "
            f"lower batch_size or use more data"
        )
    if n < config.n_eval:
        raise InvalidParameterError(f"n_eval={config.n_eval} exceeds the {n} training samples")
    _check_window(rolls, config)
    return np.ascontiguousarray(rolls), names


def _as_bool_rolls(data: Any) -> np.ndarray:
    """``data`` as a new bool array (active = ``> 0``)."""
    if type(data).__module__.split(".")[0] == "torch":
        data = data.detach().cpu().numpy()
    array = np.asarray(data)
    if array.ndim != 4:
        raise InvalidParameterError(
            f"data must have shape (n_samples, n_steps, 128, n_tracks); got shape {array.shape}"
        )
    if array.dtype.kind not in "biuf":
        raise InvalidParameterError(f"data must hold bool or real values; got dtype {array.dtype}")
    return array.copy() if array.dtype == np.bool_ else array > 0


def _check_window(rolls: np.ndarray, config: TrainConfig) -> None:
    """Refuse notes outside the modelled pitch window."""
    used = np.flatnonzero(rolls.any(axis=(0, 1, 3)))
    low, high = config.lowest_pitch, config.lowest_pitch + config.n_pitches - 1
    if used.size and (used[0] < low or used[-1] > high):
        raise InvalidParameterError(
            f"the training data uses MIDI pitches {int(used[0])}-{int(used[-1])} but the model "
            f"covers {low}-{high} (lowest_pitch={low}, n_pitches={config.n_pitches}); widen "
            f"the window in TrainConfig"
        )


def fixed_inputs(config: TrainConfig, n_samples: int) -> tuple[np.ndarray, torch.Tensor]:
    """The fixed evaluation inputs of a fresh run: which training samples, and the noise.

    Parameters
    ----------
    config : TrainConfig
        ``n_eval``, ``seed`` and the noise's shape.
    n_samples : int
        Samples in the training set.

    Returns
    -------
    indices : ndarray of int64, shape (n_eval,)
        Distinct sample indices in increasing order, drawn by
        ``numpy.random.default_rng([seed, 0])``; their soprano lines are the fixed conditions.
    noise : torch.Tensor of shape (n_eval, latent_channels, n_steps / 16, n_pitches / 16)
        On the CPU, from a torch generator seeded ``seed``.
    """
    rng = np.random.default_rng([config.seed, 0])
    indices = np.sort(rng.choice(n_samples, config.n_eval, replace=False))
    shape = latent_shape(config.n_steps_per_sample, config.n_pitches, config.latent_channels)
    noise = torch.randn(config.n_eval, *shape, generator=torch.Generator().manual_seed(config.seed))
    return indices, noise


def steps_per_epoch(config: TrainConfig, n_samples: int) -> int:
    """Training steps in one pass over ``n_samples`` samples: each step reads ``n_critic *
    batch_size`` of them, and the last incomplete step's worth of an epoch is skipped."""
    return n_samples // (config.n_critic * config.batch_size)


def step_batches(config: TrainConfig, n_samples: int, step: int) -> np.ndarray:
    """The sample indices of training step ``step``'s batches.

    Epoch ``e`` (1-based) reads the permutation ``numpy.random.default_rng([seed,
    e]).permutation(n_samples)`` in order, ``n_critic * batch_size`` indices per step.

    Returns
    -------
    ndarray of int64, shape (n_critic, batch_size)
        One row per critic update.
    """
    per_epoch = steps_per_epoch(config, n_samples)
    epoch = (step - 1) // per_epoch + 1
    order = np.random.default_rng([config.seed, epoch]).permutation(n_samples)
    per_step = config.n_critic * config.batch_size
    first = ((step - 1) % per_epoch) * per_step
    return order[first : first + per_step].reshape(config.n_critic, -1)
