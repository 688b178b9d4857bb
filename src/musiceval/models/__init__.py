"""A reference GAN for piano rolls, trained with musiceval watching: ``musiceval.models``.

The AWS DeepComposer lab's conditional WGAN-GP (a U-Net generator that writes alto, tenor and
bass under a soprano line, and a convolutional critic) in PyTorch, trained on the Bach chorales
by a small explicit loop that calls plug-in hooks at named events. The shipped hooks log the
losses, evaluate fixed samples with musiceval's metrics against the training set, stop on a
plateau, write MIDI/WAV/PNG samples and checkpoint the run. See ``docs/training.md``.

This subpackage needs torch (``pip install "musiceval[torch]"``); ``import musiceval`` does not
import it.
"""

from musiceval.models.config import TrainConfig
from musiceval.models.hooks import (
    EVENTS,
    LOSSES,
    Checkpointer,
    Hook,
    LossLogger,
    MetricsHook,
    PlateauStopper,
    SampleWriter,
    StopTraining,
    add_default_hooks,
)
from musiceval.models.networks import Critic, Generator
from musiceval.models.trainer import (
    CheckpointError,
    Trainer,
    TrainingDiverged,
    TrainState,
)

__all__ = [
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
    "TrainingDiverged",
    "add_default_hooks",
]
