"""What the model tests share: a tiny configuration, a small four-voice set, hooks that record
or act at a given step."""

from pathlib import Path

import numpy as np

from musiceval.models import Hook, TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "0.1.0"
OLD_NAME = "ignore:TrainState.metric_distance is deprecated:DeprecationWarning"
TINY = {
    "channels": 4,
    "latent_channels": 4,
    "batch_size": 4,
    "n_critic": 2,
    "n_steps": 4,
    "eval_every": 2,
    "sample_every": 2,
    "checkpoint_every": 2,
    "n_eval": 4,
    "metrics": ("n_pitches_used", "polyphonic_rate"),
    "device": "cpu",
}


def tiny(**changes):
    return TrainConfig(**{**TINY, **changes})


def four_voices():
    """16 samples of 2 bars: four voices, each one pitch at a time, notes of 4 steps."""
    rng = np.random.default_rng(0)
    x = np.zeros((16, 32, 128, 4), dtype=bool)
    pitches = rng.integers(48, 76, size=(16, 8, 4))
    for n in range(16):
        for k in range(4):
            for beat in range(8):
                x[n, 4 * beat : 4 * beat + 4, pitches[n, beat, k] - 6 * k, k] = True
    return x


def trainer(out, rolls, config=None, hooks=(), **options):
    return Trainer(config or tiny(), out, hooks=hooks, data=rolls, progress=False, **options)


class Recorder(Hook):
    """Records (name, event, step) into a shared log."""

    def __init__(self, name, log):
        self.name, self.log = name, log

    def on_train_start(self, trainer, state):
        self.log.append((self.name, "on_train_start", state.step))

    def on_step_end(self, trainer, state):
        self.log.append((self.name, "on_step_end", state.step))

    def on_evaluate(self, trainer, state):
        self.log.append((self.name, "on_evaluate", state.step))

    def on_epoch_end(self, trainer, state):
        self.log.append((self.name, "on_epoch_end", state.step))

    def on_train_end(self, trainer, state):
        self.log.append((self.name, "on_train_end", state.step))


class At(Hook):
    """Calls ``action(trainer, state)`` in ``event`` at ``step``."""

    def __init__(self, event, step, action):
        self.event, self.step, self.action = event, step, action

    def on_step_end(self, trainer, state):
        if self.event == "on_step_end" and state.step == self.step:
            self.action(trainer, state)

    def on_evaluate(self, trainer, state):
        if self.event == "on_evaluate" and state.step == self.step:
            self.action(trainer, state)


def raise_(exception):
    def action(trainer, state):
        raise exception

    return action


def losses_csv(directory):
    return np.loadtxt(Path(directory) / "losses.csv", delimiter=",", skiprows=1, ndmin=2)
