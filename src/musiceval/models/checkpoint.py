"""Checkpoints of a training run: the format, the atomic write and the checked read.

A checkpoint is one ``torch.save`` file holding a dict in musiceval's one document format
(``musiceval._documents``): ``"schema"`` (:data:`CHECKPOINT_SCHEMA`), ``"version"``
(:data:`CHECKPOINT_VERSION`) and ``"musiceval_version"``, then ``"config"`` (the
``TrainConfig`` as a dict), ``"step"``, ``"epoch"``, ``"generator"`` and ``"critic"`` (state
dicts), ``"g_optimizer"`` and ``"d_optimizer"`` (Adam state dicts), ``"noise_rng"`` (the state
of the training noise's torch generator), ``"fixed_indices"`` (int64, the training samples of
the fixed evaluation inputs), ``"fixed_noise"`` (on the CPU) and ``"hooks"`` (each hook's
``state_dict()`` under its label, ``"0:LossLogger"``). It is read with
``torch.load(weights_only=True)``, so it holds only plain values and tensors.

``torch.save`` writes a zip archive (``data.pkl``, then one member per tensor storage,
``data/0``, ``data/1``, ...) whose members each carry a CRC-32 checksum. Before anything is
unpickled, :func:`read_checkpoint` reads every member and checks it against its checksum: torch
does not, so a flipped byte in a weight would otherwise load, train on and be saved again.

The checkpoints of musiceval 0.1.0 name their kind under ``"format"``
(:data:`CHECKPOINT_FORMAT`) instead of ``"schema"``, with the same fields; they are read as
version 1.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from musiceval._atomic import atomic_path
from musiceval._documents import check, document
from musiceval.exceptions import DocumentError
from musiceval.models.config import TrainConfig, describe_differences
from musiceval.models.events import Hook, TrainingDiverged, TrainState

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_SCHEMA",
    "CHECKPOINT_VERSION",
    "CheckpointError",
    "Restored",
    "describe_last_checkpoint",
    "read_checkpoint",
    "restore_hooks",
    "restore_training",
    "write_checkpoint",
]

CHECKPOINT_SCHEMA = "musiceval.checkpoint"
"""The ``"schema"`` entry of a checkpoint."""

CHECKPOINT_VERSION = 1
"""The ``"version"`` entry of a checkpoint; the trainer resumes from this one only."""

CHECKPOINT_FORMAT = "musiceval.models.checkpoint"
"""The ``"format"`` entry of the checkpoints of musiceval 0.1.0 (which have no ``"schema"``);
still read."""

RESUME_MAY_CHANGE = ("n_steps", "device")
"""The configuration fields a resumed run may change."""


class CheckpointError(ValueError):
    """A checkpoint cannot be resumed from: unreadable, of another format or configuration."""


class Restored(NamedTuple):
    """What :func:`restore_training` returns besides the objects it loads into."""

    fixed_indices: np.ndarray
    """int64 ``(n_eval,)``: the training samples of the fixed evaluation inputs."""
    fixed_noise: torch.Tensor
    """The fixed noise, on the device the checkpoint was mapped to."""
    step: int
    epoch: int


def write_checkpoint(
    path: str | os.PathLike[str],
    state: TrainState,
    *,
    g_optimizer: torch.optim.Optimizer,
    d_optimizer: torch.optim.Optimizer,
    noise_rng: torch.Generator,
    fixed_indices: np.ndarray,
    hooks: Mapping[str, Hook],
    last_checkpoint: tuple[Path, int] | None = None,
) -> Path:
    """Write the checkpoint of ``state`` to ``path`` atomically (its directory is created).

    Nothing is written when a network holds a NaN or infinite weight.

    Parameters
    ----------
    path : str or os.PathLike
        The file; an existing one is replaced only once the new one is complete.
    state : TrainState
        Its configuration, step, epoch, networks and fixed noise are saved.
    g_optimizer, d_optimizer : torch.optim.Optimizer
        The generator's and the critic's.
    noise_rng : torch.Generator
        The generator of the training noise.
    fixed_indices : ndarray of int
        The training samples of the fixed evaluation inputs.
    hooks : mapping of str to Hook
        Each hook by its label; their ``state_dict()`` is saved.
    last_checkpoint : (pathlib.Path, int), optional
        The run's previous checkpoint and its step, named in the error.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    TrainingDiverged
        A network holds a NaN or infinite weight.
    """
    for name, network in (("generator", state.generator), ("critic", state.critic)):
        if not all(bool(torch.isfinite(p).all()) for p in network.state_dict().values()):
            raise TrainingDiverged(
                f"the {name} holds NaN or infinite weights at step {state.step}; the "
                f"checkpoint {path} was not written. {describe_last_checkpoint(last_checkpoint)}"
            )
    payload = {
        **document(CHECKPOINT_SCHEMA, CHECKPOINT_VERSION, {}),
        "config": state.config.to_dict(),
        "step": state.step,
        "epoch": state.epoch,
        "generator": state.generator.state_dict(),
        "critic": state.critic.state_dict(),
        "g_optimizer": g_optimizer.state_dict(),
        "d_optimizer": d_optimizer.state_dict(),
        "noise_rng": noise_rng.get_state(),
        "fixed_indices": torch.as_tensor(fixed_indices),
        "fixed_noise": state.fixed_noise.cpu(),
        "hooks": {label: hook.state_dict() for label, hook in hooks.items()},
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(target) as temporary:
        torch.save(payload, temporary)
    return target


def describe_last_checkpoint(last_checkpoint: tuple[Path, int] | None) -> str:
    """The sentence naming a run's last good checkpoint ``(path, step)``, for error messages."""
    if last_checkpoint is None:
        return "No checkpoint was written by this run."
    path, step = last_checkpoint
    return f"The last good checkpoint is {path} (step {step})."


def read_checkpoint(
    path: str | os.PathLike[str], config: TrainConfig, *, device: torch.device
) -> dict[str, Any]:
    """The checkpoint at ``path``, checked against ``config``; nothing is loaded into anything.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`write_checkpoint` (or by musiceval 0.1.0).
    config : TrainConfig
        The resuming run's configuration: it must equal the checkpoint's except in
        :data:`RESUME_MAY_CHANGE`.
    device : torch.device
        Where the tensors are mapped.

    Returns
    -------
    dict
        The checkpoint's contents.

    Raises
    ------
    CheckpointError
        No file at ``path``, an unreadable (truncated, corrupt) file, a zip member whose bytes
        fail their CRC-32 check (the message names the member), a file of another schema or
        version, of another configuration, or at a step past ``config.n_steps``.
    """
    source = Path(path)
    if not source.is_file():
        raise CheckpointError(
            f"cannot resume: no checkpoint at {source}; start a fresh run (without resume)"
        )
    content = _verified_bytes(source)
    try:
        payload = torch.load(io.BytesIO(content), map_location=device, weights_only=True)
    except Exception as exc:  # any unreadable file is refused, whatever torch raises
        raise _unreadable(source, exc) from exc
    try:
        payload = check(
            payload,
            CHECKPOINT_SCHEMA,
            CHECKPOINT_VERSION,
            what="musiceval checkpoint",
            source=str(source),
            aliases={"format": CHECKPOINT_FORMAT},
        )
    except DocumentError as exc:
        raise CheckpointError(f"cannot resume: {exc}") from exc
    try:
        saved = TrainConfig.from_dict(payload["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"cannot resume: {source} holds a bad configuration: {exc}") from exc
    differences = saved.differences(config, ignore=RESUME_MAY_CHANGE)
    if differences:
        raise CheckpointError(
            f"cannot resume: {source} was written with another configuration "
            f"({describe_differences(differences)}); only n_steps and device may change on "
            f"resume"
        )
    if isinstance(payload.get("step"), int) and payload["step"] > config.n_steps:
        raise CheckpointError(
            f"the checkpoint {source} is at step {payload['step']}, past "
            f"n_steps={config.n_steps}; resume with more steps (--steps) to continue"
        )
    return payload


_MEMBER_ERRORS = (
    zipfile.BadZipFile,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    zlib.error,
)
"""What reading a damaged zip member raises: a wrong CRC-32 or header (BadZipFile), data cut
short (EOFError), a damaged compression method (NotImplementedError, zlib.error)."""


def _unreadable(source: Path, exc: BaseException) -> CheckpointError:
    return CheckpointError(
        f"cannot resume: {source} is not a readable checkpoint ({type(exc).__name__}: "
        f"{exc}); it may be truncated or corrupt. Start again with overwrite=True "
        f"(--overwrite)"
    )


def _verified_bytes(source: Path) -> bytes:
    """The bytes of the checkpoint at ``source``, once every zip member has been read and
    checked against its CRC-32 (``torch.load`` then reads these same bytes).

    Raises
    ------
    CheckpointError
        ``source`` is not a zip archive (truncated, or not written by ``torch.save``), or a
        member fails its checks (a wrong CRC-32, a local header that disagrees with the
        directory, data cut short); the message names the member.
    """
    try:
        content = source.read_bytes()
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable(source, exc) from exc
    with archive:
        for member in archive.infolist():
            try:
                with archive.open(member) as stream:
                    while stream.read(1 << 24):
                        pass
            except _MEMBER_ERRORS as exc:
                raise CheckpointError(
                    f"cannot resume: {source} is damaged: its member {member.filename!r} "
                    f"fails its check ({exc}); its bytes are not those torch.save wrote. "
                    f"Resume from another checkpoint, or start again with overwrite=True "
                    f"(--overwrite)"
                ) from exc
    return content


def restore_training(
    payload: Mapping[str, Any],
    *,
    generator: torch.nn.Module,
    critic: torch.nn.Module,
    g_optimizer: torch.optim.Optimizer,
    d_optimizer: torch.optim.Optimizer,
    noise_rng: torch.Generator,
    n_eval: int,
    n_samples: int,
    source: str | os.PathLike[str],
) -> Restored:
    """Load a checked payload's networks, optimisers and noise state into the given objects.

    ``n_eval`` and ``n_samples`` (the training set's size) are checked against the fixed
    inputs; ``source`` names the file in messages.

    Raises
    ------
    CheckpointError
        A field is missing or does not fit the objects, or the fixed inputs do not fit the
        configuration or the data.
    """
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
            f"cannot resume: {source} is incomplete or mismatched: {exc}"
        ) from exc
    if not (0 <= step and indices.shape == (n_eval,)):
        raise CheckpointError(f"cannot resume: {source} holds an inconsistent step or inputs")
    if indices.max(initial=0) >= n_samples:
        raise CheckpointError(
            f"cannot resume: {source} refers to training sample {int(indices.max())} but the "
            f"data holds {n_samples}; resume with the same data"
        )
    return Restored(indices, fixed_noise, step, epoch)


def restore_hooks(
    payload: Mapping[str, Any], hooks: Mapping[str, Hook], *, source: str | os.PathLike[str]
) -> None:
    """Give each hook (by label) its saved state, if the checkpoint holds one.

    Raises
    ------
    CheckpointError
        A hook's ``load_state_dict`` refuses its state (KeyError, TypeError or ValueError).
    """
    saved = payload.get("hooks", {})
    for label, hook in hooks.items():
        if label in saved:
            try:
                hook.load_state_dict(saved[label])
            except (KeyError, TypeError, ValueError) as exc:
                raise CheckpointError(
                    f"cannot resume: the state of hook {label} in {source} does not fit it: {exc}"
                ) from exc
