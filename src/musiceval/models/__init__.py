"""A reference GAN for piano rolls, trained with musiceval watching: ``musiceval.models``.

The AWS DeepComposer lab's conditional WGAN-GP (a U-Net generator that writes alto, tenor and
bass under a soprano line, and a convolutional critic) in PyTorch, trained on the Bach chorales
by a small explicit loop that calls plug-in hooks at named events. The shipped hooks log the
losses, evaluate fixed samples with musiceval's metrics against the training set, stop on a
plateau, write MIDI/WAV/PNG samples and checkpoint the run. See ``docs/training.md``.

Modules: ``config`` (TrainConfig), ``data`` (the training set, batches, fixed inputs),
``networks``, ``wgan`` (the WGAN-GP updates), ``events`` (events, Hook, TrainState),
``trainer`` (the loop), ``checkpoint`` (the checkpoint format), ``run_files`` (config.json,
summary.json), ``hooks`` and ``evaluation`` (the shipped hooks), ``cli``.

This subpackage needs torch (``pip install "musiceval[torch]"``); ``import musiceval`` does not
import it.
"""

from musiceval.models.checkpoint import (
    CHECKPOINT_FORMAT,
    CHECKPOINT_SCHEMA,
    CHECKPOINT_VERSION,
    CheckpointError,
)
from musiceval.models.config import TrainConfig
from musiceval.models.evaluation import MetricsHook, SampleWriter
from musiceval.models.events import (
    EVENTS,
    LOSSES,
    Hook,
    StopTraining,
    TrainerView,
    TrainingDiverged,
    TrainState,
)
from musiceval.models.hooks import Checkpointer, LossLogger, PlateauStopper, add_default_hooks
from musiceval.models.networks import Critic, Generator
from musiceval.models.trainer import Trainer

__all__ = [
    "CHECKPOINT_FORMAT",
    "CHECKPOINT_SCHEMA",
    "CHECKPOINT_VERSION",
    "EVENTS",
    "LOSSES",
    "CheckpointError",
    "Checkpointer",
    "Critic",
    "Generator",
    "Hook",
    "LossLogger",
    "MetricsHook",
    "PlateauStopper",
    "SampleWriter",
    "StopTraining",
    "TrainConfig",
    "TrainState",
    "Trainer",
    "TrainerView",
    "TrainingDiverged",
    "add_default_hooks",
]
