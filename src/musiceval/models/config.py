"""The configuration of a training run: :class:`TrainConfig`, validated and saved as JSON.

A run is fully described by its configuration and the data: with the same configuration, the
same chorales and the same torch build and thread count, two CPU runs give the same losses. The
trainer writes the configuration to ``config.json`` in the output directory at the start of
every run and refuses a directory holding another configuration (unless told to overwrite it).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

from musiceval._checks import check_bool, check_choice, check_int, check_real, invalid
from musiceval._documents import load, save
from musiceval.exceptions import DocumentError, InvalidParameterError
from musiceval.registry import PER_TRACK, VECTOR

if TYPE_CHECKING:
    import torch

__all__ = ["DEVICES", "SCHEMA", "TrainConfig", "describe_differences", "resolve_device"]

SCHEMA = "musiceval.models.TrainConfig"
"""The ``"schema"`` field of ``config.json``."""

SCHEMA_VERSION = 1
"""The ``"version"`` field of ``config.json``."""

DEVICES = ("auto", "cpu", "cuda")
"""Accepted values of :attr:`TrainConfig.device` (``"auto"``: CUDA when available)."""

DEFAULT_METRICS = (
    "empty_bar_rate",
    "n_pitches_used",
    "in_scale_ratio",
    "polyphonic_rate",
    "pitch_class_histogram",
    "pitch_class_transition_matrix",
)
"""The metrics watched by default: the DeepComposer guide's empty-bar rate, pitches used and
in-scale ratio, the polyphonic rate (a chorale voice sings one note at a time), and two
vector-valued metrics compared as distributions, the pitch-class histogram and the
pitch-class transition matrix (the metric distance counts the four scalar ones)."""

_STAGE = 16  # the networks halve time and pitch four times
_MAX_SEED = 2**32 - 1
_DOCUMENT_HEAD = ("schema", "version", "musiceval_version")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run of the chorale GAN.

    The defaults are the README's main command: a run that finishes in about 9 minutes on an idle
    2-core CPU. :meth:`quick` is a run of a few seconds for tests. The DeepComposer lab's own
    sizes are ``channels=64, latent_channels=512`` on all 128 pitches, with 1000 steps.

    Parameters
    ----------
    seed : int, default=0
        Seeds the weights, the data order, the noise and the fixed evaluation inputs
        (``0 <= seed < 2**32``).
    n_bars : {2, 4}, default=2
        Bars per training sample (chorale segments of ``n_bars`` 4/4 bars).
    steps_per_beat : int, default=4
        Time steps per quarter note; ``n_bars * 4 * steps_per_beat`` must be a multiple of 16.
    chorale_limit : int or None, default=None
        Train on the first ``chorale_limit`` chorales only (``None``: all of them).
    conditional : bool, default=True
        Condition on the soprano and generate alto, tenor and bass (the lab's model), or
        generate all four voices from noise.
    channels : int, default=32
        Filters of the first convolution of each network (doubling at each of the 4 stages).
    latent_channels : int, default=32
        Channels of the noise at the generator's bottleneck.
    lowest_pitch : int, default=24
        MIDI number of the lowest modelled pitch.
    n_pitches : int, default=64
        Modelled pitches from ``lowest_pitch`` (a multiple of 16, at most
        ``128 - lowest_pitch``); the generator writes silence outside them.
    lr : float, default=1e-3
        Adam learning rate of both networks.
    betas : tuple of float, default=(0.5, 0.9)
        Adam's betas, each in [0, 1).
    gp_weight : float, default=10.0
        Weight of the WGAN-GP gradient penalty (>= 0).
    n_critic : int, default=5
        Critic updates per generator update.
    batch_size : int, default=64
        Samples per batch (each critic update reads a new batch).
    n_steps : int, default=500
        Generator updates (training steps) of the run.
    eval_every : int, default=25
        Steps between two ``on_evaluate`` events (there is one more at step 0 and at the last
        step).
    sample_every : int, default=100
        Steps between two writes of the sample files (MIDI, WAV, PNG).
    checkpoint_every : int, default=100
        Steps between two checkpoints (there is one more at the end).
    n_eval : int, default=64
        Fixed evaluation inputs (conditions and noise), drawn from the training set once.
    metrics : tuple of str, default=DEFAULT_METRICS
        Musiceval metrics watched during training: per-track scalar ones
        (``musiceval.registry.PER_TRACK``), at least one, and vector-valued ones
        (``musiceval.registry.VECTOR``).
    device : {"auto", "cpu", "cuda"}, default="auto"
        Where to train; ``"auto"`` is CUDA when torch sees a GPU, else the CPU.

    Raises
    ------
    musiceval.InvalidParameterError
        When a field has the wrong type or value (a ``ValueError`` and a ``TypeError``); the
        message reads ``"TrainConfig.<field> must be <expected>; got <received>"``.
    """

    seed: int = 0
    n_bars: int = 2
    steps_per_beat: int = 4
    chorale_limit: int | None = None
    conditional: bool = True
    channels: int = 32
    latent_channels: int = 32
    lowest_pitch: int = 24
    n_pitches: int = 64
    lr: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.9)
    gp_weight: float = 10.0
    n_critic: int = 5
    batch_size: int = 64
    n_steps: int = 500
    eval_every: int = 25
    sample_every: int = 100
    checkpoint_every: int = 100
    n_eval: int = 64
    metrics: tuple[str, ...] = field(default=DEFAULT_METRICS)
    device: str = "auto"

    def __post_init__(self) -> None:
        _int(self, "seed", minimum=0, maximum=_MAX_SEED)
        if _int(self, "n_bars") not in (2, 4):
            raise invalid("TrainConfig.n_bars", "2 or 4", self.n_bars)
        _int(self, "steps_per_beat")
        if self.n_steps_per_sample % _STAGE:
            raise InvalidParameterError(
                f"TrainConfig.steps_per_beat must make n_bars * 4 * steps_per_beat a multiple "
                f"of {_STAGE}; got {self.n_bars} * 4 * {self.steps_per_beat} = "
                f"{self.n_steps_per_sample}"
            )
        if self.chorale_limit is not None:
            _int(self, "chorale_limit")
        check_bool("TrainConfig.conditional", self.conditional)
        for name in ("channels", "latent_channels", "n_critic", "batch_size", "n_steps"):
            _int(self, name)
        for name in ("eval_every", "sample_every", "checkpoint_every", "n_eval"):
            _int(self, name)
        _int(self, "lowest_pitch", minimum=0, maximum=127)
        n_pitches = _int(self, "n_pitches", minimum=_STAGE, maximum=128 - self.lowest_pitch)
        if n_pitches % _STAGE:
            raise invalid("TrainConfig.n_pitches", f"a multiple of {_STAGE}", n_pitches)
        self._set("lr", check_real("TrainConfig.lr", self.lr, minimum=0, strict=True))
        self._set("gp_weight", check_real("TrainConfig.gp_weight", self.gp_weight, minimum=0))
        self._set("betas", _betas(self.betas))
        self._set("metrics", _metrics(self.metrics))
        check_choice("TrainConfig.device", self.device, DEVICES)

    def _set(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)  # normalise a field of the frozen dataclass

    # ------------------------------------------------------------------ derived

    @property
    def n_steps_per_sample(self) -> int:
        """Time steps of one sample: ``n_bars * 4 * steps_per_beat``."""
        return self.n_bars * 4 * self.steps_per_beat

    @property
    def steps_per_bar(self) -> int:
        """Time steps of one 4/4 bar: ``4 * steps_per_beat``."""
        return 4 * self.steps_per_beat

    # ------------------------------------------------------------------ presets

    @classmethod
    def quick(cls, **changes: Any) -> TrainConfig:
        """A run of a few seconds on a CPU (tests, ``--quick``): small networks and batches,
        the first 40 chorales, 20 steps; ``changes`` override any field."""
        values: dict[str, Any] = {
            "chorale_limit": 40,
            "channels": 8,
            "latent_channels": 8,
            "batch_size": 16,
            "n_steps": 20,
            "eval_every": 5,
            "sample_every": 10,
            "checkpoint_every": 10,
            "n_eval": 16,
        }
        return cls(**{**values, **changes})

    # ------------------------------------------------------------------ files

    def to_dict(self) -> dict[str, Any]:
        """The fields as a JSON-ready dict (tuples become lists)."""
        values = dataclasses.asdict(self)
        values["betas"] = list(self.betas)
        values["metrics"] = list(self.metrics)
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Build a configuration from :meth:`to_dict`'s dict; missing fields take defaults.

        Raises
        ------
        musiceval.InvalidParameterError
            ``values`` is not a mapping, names an unknown field (the message lists the known
            ones), or holds a bad value.
        """
        if not isinstance(values, Mapping):
            raise invalid("values", "a mapping of field names", values)
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InvalidParameterError(
                f"unknown TrainConfig field(s) {unknown}; expected some of {known}"
            )
        return cls(**values)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the configuration as a JSON document, atomically; returns the path.

        The document (``musiceval._documents``) holds ``"schema"`` (:data:`SCHEMA`),
        ``"version"`` (:data:`SCHEMA_VERSION`), ``"musiceval_version"`` and the fields of
        :meth:`to_dict`. The directory must exist.
        """
        return save(path, SCHEMA, SCHEMA_VERSION, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TrainConfig:
        """Read a configuration written by :meth:`save` (or by musiceval 0.1.0, whose files
        have no ``"musiceval_version"``).

        Raises
        ------
        musiceval.exceptions.DocumentError
            The file is not JSON, not a TrainConfig of this schema version, or holds a bad
            field; the message names the file. (A ``ValueError``.)
        """
        content = load(path, SCHEMA, SCHEMA_VERSION, what="TrainConfig")
        values = {k: v for k, v in content.items() if k not in _DOCUMENT_HEAD}
        try:
            return cls.from_dict(values)
        except (TypeError, ValueError) as exc:
            raise DocumentError(f"{path} holds a bad TrainConfig: {exc}") from None

    def differences(self, other: TrainConfig, *, ignore: tuple[str, ...] = ()) -> dict[str, Any]:
        """Fields whose values differ: ``{name: (self's value, other's value)}``."""
        mine, theirs = self.to_dict(), other.to_dict()
        return {
            name: (mine[name], theirs[name])
            for name in mine
            if name not in ignore and mine[name] != theirs[name]
        }


def resolve_device(name: str) -> torch.device:
    """The torch device of :attr:`TrainConfig.device` (``"auto"``: CUDA if available).

    Raises
    ------
    ValueError
        ``"cuda"`` is requested and torch sees no CUDA device.
    """
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device='cuda' was requested but torch {torch.__version__} sees no CUDA device "
            f"(torch.cuda.is_available() is False); use device='cpu' or 'auto'"
        )
    return torch.device(name)


def describe_differences(differences: Mapping[str, tuple[Any, Any]]) -> str:
    """``"lr: 0.01 -> 0.001, seed: 0 -> 1"`` for :meth:`TrainConfig.differences`'s dict."""
    return ", ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new) in differences.items())


def _int(config: TrainConfig, name: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    value = check_int(
        f"TrainConfig.{name}", getattr(config, name), minimum=minimum, maximum=maximum
    )
    config._set(name, value)
    return value


def _betas(betas: Any) -> tuple[float, float]:
    expected = "two numbers in [0, 1)"
    if isinstance(betas, str) or not hasattr(betas, "__len__") or len(betas) != 2:
        raise invalid("TrainConfig.betas", expected, betas)
    if not all(isinstance(b, Real) and not isinstance(b, bool) for b in betas):
        raise invalid("TrainConfig.betas", expected, betas)
    if not all(0.0 <= float(b) < 1.0 for b in betas):
        raise invalid("TrainConfig.betas", expected, betas)
    return (float(betas[0]), float(betas[1]))


def _metrics(metrics: Any) -> tuple[str, ...]:
    expected = f"distinct names from {list(PER_TRACK)} (at least one) and {list(VECTOR)}"
    if isinstance(metrics, str) or not hasattr(metrics, "__iter__"):
        raise invalid("TrainConfig.metrics", f"a list of {expected}", metrics)
    names = tuple(metrics)
    known = {*PER_TRACK, *VECTOR}
    if len(set(names)) < len(names) or not set(names) <= known or not set(names) & {*PER_TRACK}:
        raise invalid("TrainConfig.metrics", expected, list(names))
    return names
