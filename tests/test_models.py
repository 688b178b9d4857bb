"""musiceval.models: networks, configuration, the trainer's events, checkpoints and faults.

Tiny networks on a small synthetic set (16 four-voice samples) keep each run under a second;
one end-to-end ``--quick`` run of the command line uses the first 40 chorales.
"""

import ast
import json
import re
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import musiceval  # noqa: E402
from musiceval.exceptions import DocumentError, InvalidParameterError  # noqa: E402
from musiceval.history import MetricHistory  # noqa: E402
from musiceval.models import (  # noqa: E402
    EVENTS,
    Checkpointer,
    CheckpointError,
    Critic,
    Generator,
    Hook,
    LossLogger,
    MetricsHook,
    PlateauStopper,
    SampleWriter,
    StopTraining,
    TrainConfig,
    Trainer,
    TrainingDiverged,
)
from musiceval.models.cli import main  # noqa: E402
from musiceval.models.run_files import load_summary  # noqa: E402
from musiceval.models.wgan import critic_step, generator_step, gradient_penalty  # noqa: E402

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


@pytest.fixture(scope="module")
def rolls():
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


# ---------------------------------------------------------------------- networks and config


def test_networks_shapes_window_and_condition():
    torch.manual_seed(0)
    generator = Generator(n_steps=32, channels=4, latent_channels=4, lowest_pitch=24, n_pitches=64)
    critic = Critic(n_steps=32, channels=4, lowest_pitch=24, n_pitches=64)
    condition = -torch.ones(3, 32, 128)
    condition[:, :, 60] = 1.0
    out = generator(condition, torch.randn(3, 4, 2, 4))
    assert out.shape == (3, 32, 128, 4)
    assert torch.equal(out[..., 0], condition)  # the soprano is the condition itself
    assert torch.all(out[:, :, :24] == -1) and torch.all(out[:, :, 88:] == -1)
    assert out.abs().max() <= 1
    assert critic(out).shape == (3,)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in critic.modules())
    free = Generator(n_steps=32, conditional=False, channels=4, latent_channels=4)
    assert free(None, torch.randn(2, 4, 2, 4)).shape == (2, 32, 128, 4)


def test_config_validation_and_json_round_trip(tmp_path):
    with pytest.raises(ValueError, match=r"TrainConfig\.n_bars must be 2 or 4; got 3"):
        TrainConfig(n_bars=3)
    with pytest.raises(TypeError, match=r"TrainConfig\.batch_size must be an int >= 1; got 2\.5"):
        TrainConfig(batch_size=2.5)
    with pytest.raises(ValueError, match=r"TrainConfig\.n_pitches must be a multiple of 16"):
        TrainConfig(n_pitches=40)
    with pytest.raises(ValueError, match=r"TrainConfig\.device must be one of"):
        TrainConfig(device="tpu")
    with pytest.raises(ValueError, match=r"TrainConfig\.metrics must be distinct names"):
        TrainConfig(metrics=("tonal_distance",))
    with pytest.raises(ValueError, match="unknown TrainConfig field"):
        TrainConfig.from_dict({"learning_rate": 0.1})
    config = TrainConfig.quick(betas=[0.0, 0.99], seed=7)
    assert config.betas == (0.0, 0.99)
    assert TrainConfig.load(config.save(tmp_path / "config.json")) == config


def test_cuda_requested_without_a_gpu_is_a_clear_error(tmp_path, rolls):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match=r"device='cuda' was requested but torch .* no CUDA"):
        trainer(tmp_path, rolls, tiny(device="cuda"))


# ---------------------------------------------------------------------- events


def test_events_reach_hooks_in_order_with_every(tmp_path, rolls):
    log = []
    run = trainer(tmp_path, rolls, hooks=[Recorder("a", log)])
    run.add_hook(Recorder("b", log), every=3)
    state = run.fit()
    assert (state.status, state.step, state.epoch) == ("completed", 4, 2)
    # 16 samples, 2 batches of 4 per step: 2 steps per epoch; evaluations at 0, 2 and 4
    expected_a = [
        ("on_train_start", 0),
        ("on_evaluate", 0),
        ("on_step_end", 1),
        ("on_step_end", 2),
        ("on_evaluate", 2),
        ("on_epoch_end", 2),
        ("on_step_end", 3),
        ("on_step_end", 4),
        ("on_evaluate", 4),
        ("on_epoch_end", 4),
        ("on_train_end", 4),
    ]
    assert [(e, s) for name, e, s in log if name == "a"] == expected_a
    assert [(e, s) for name, e, s in log if name == "b"] == [
        ("on_train_start", 0),
        ("on_evaluate", 0),
        ("on_epoch_end", 2),
        ("on_step_end", 3),
        ("on_epoch_end", 4),
        ("on_train_end", 4),
    ]
    # within an event, hooks run in registration order
    first_step_end = [name for name, e, s in log if (e, s) == ("on_step_end", 3)]
    assert first_step_end == ["a", "b"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["step"] == 4
    assert set(summary["hook_seconds"]) == {"0:Recorder", "1:Recorder"}


def test_hooks_must_subclass_hook(tmp_path, rolls):
    run = trainer(tmp_path, rolls)
    with pytest.raises(TypeError, match="subclass it"):
        run.add_hook(object())
    with pytest.raises(ValueError, match="every must be an int >= 1"):
        run.add_hook(Hook(), every=0)


def test_add_hook_refuses_a_method_that_is_not_an_event(tmp_path, rolls):
    class Typo(Hook):
        def on_step_ends(self, trainer, state):  # never called: refused at registration
            pass

    run = trainer(tmp_path, rolls)
    with pytest.raises(InvalidParameterError) as info:
        run.add_hook(Typo())
    message = str(info.value)
    assert message.startswith("hook must be a Hook whose on_* methods are events of ")
    assert "Typo with method(s) ['on_step_ends']" in message
    assert all(event in message for event in EVENTS)
    with pytest.raises(InvalidParameterError, match="on_step_ends"):
        trainer(tmp_path, rolls, hooks=[Typo()])
    assert run.hooks == []


def test_bad_hook_and_trainer_arguments_name_what_was_expected(tmp_path, rolls):
    cases = [
        (lambda: PlateauStopper(patience=0), "patience must be an int >= 1; got 0 (int)"),
        (lambda: PlateauStopper(mode="up"), "mode must be one of ['min', 'max']; got 'up'"),
        (lambda: PlateauStopper(min_delta=-1), "min_delta must be a finite number >= 0; got -1"),
        (lambda: LossLogger(smoothing=0), "smoothing must be an int >= 1 or None; got 0 (int)"),
        (lambda: MetricsHook(plot_every=0), "plot_every must be an int >= 1; got 0 (int)"),
        (lambda: MetricsHook(["n_notes", "n_notes"]), "metrics must be a non-empty list"),
        (lambda: SampleWriter(n_samples=True), "n_samples must be an int >= 1; got True (bool)"),
        (lambda: Checkpointer(path=3), "path must be a str or os.PathLike; got 3 (int)"),
        (lambda: trainer(tmp_path, rolls, overwrite="yes"), "overwrite must be True or False"),
        (lambda: TrainConfig(lr=0), "TrainConfig.lr must be a finite number > 0; got 0 (int)"),
    ]
    for make, message in cases:
        with pytest.raises(InvalidParameterError) as info:
            make()
        assert str(info.value).startswith(message), (str(info.value), message)


def test_stop_training_ends_after_the_event(tmp_path, rolls):
    log = []
    hooks = [
        At("on_step_end", 2, raise_(StopTraining("enough"))),
        Recorder("after", log),
    ]
    state = trainer(tmp_path, rolls, hooks=hooks).fit()
    assert (state.status, state.step) == ("stopped", 2)
    assert state.stop_reason == "0:At: enough"
    events = [(e, s) for _, e, s in log]
    assert ("on_step_end", 2) in events  # the other hooks still got the event
    assert ("on_evaluate", 2) not in events  # the step's later events are skipped
    assert events[-1] == ("on_train_end", 2)


@pytest.mark.filterwarnings(OLD_NAME)  # the 0.1.0 name, on purpose
def test_plateau_stopper_stops_on_a_flat_quantity(tmp_path, rolls):
    class Flat(Hook):
        def on_evaluate(self, trainer, state):
            state.metric_distance = 1.0

    stopper = PlateauStopper("metric_distance", patience=2, min_delta=0.01)
    state = trainer(tmp_path, rolls, tiny(eval_every=1, n_steps=10), [Flat(), stopper]).fit()
    # best at step 0, no 1 % improvement at steps 1 and 2: stop at step 2
    assert (state.status, state.step) == ("stopped", 2)
    assert "metric_distance has not improved by 1% for 2 evaluations" in state.stop_reason
    assert (stopper.best, stopper.best_step, stopper.wait) == (1.0, 0, 2)


def test_plateau_stopper_on_a_loss_and_its_checks(tmp_path, rolls):
    stopper = PlateauStopper("gp", patience=1, min_delta=1e9, mode="max")
    state = trainer(tmp_path, rolls, tiny(eval_every=1, n_steps=10), [stopper]).fit()
    assert (state.status, state.step) == ("stopped", 2)  # first value at step 1, no 1e9x rise
    with pytest.raises(ValueError, match="monitor must be one of"):
        PlateauStopper("accuracy")
    run = trainer(tmp_path / "b", rolls, hooks=[PlateauStopper()])
    with pytest.raises(RuntimeError, match="register a MetricsHook before it"):
        run.fit()


# ---------------------------------------------------------------------- metrics


@pytest.mark.filterwarnings(OLD_NAME)  # the 0.1.0 name, on purpose
def test_metrics_hook_watches_the_fixed_samples(tmp_path, rolls):
    hook = MetricsHook(plot_every=100, report=False)
    state = trainer(tmp_path, rolls, hooks=[hook]).fit()
    assert list(state.metrics) == ["n_pitches_used", "polyphonic_rate"]
    assert state.metrics["n_pitches_used"].shape == (4,)
    assert np.isfinite(state.metric_distance) and 0 <= state.metric_distance <= 10
    history = MetricHistory.load(tmp_path / "metrics.csv")
    assert history.steps == [0, 2, 4]
    assert history.track_names == ["0", "1", "2", "3"]
    assert (tmp_path / "metrics.png").stat().st_size > 0
    assert (tmp_path / "reference_profile.json").is_file()
    # the soprano is the condition, copied from monophonic training samples
    assert hook.profile.mean("polyphonic_rate")[0] == 0.0
    assert state.metrics["polyphonic_rate"][0] == 0.0


def test_metrics_hook_publishes_means_and_distance_in_the_state(tmp_path, rolls):
    class NaNScore(Hook):  # a second evaluation hook publishing next to MetricsHook
        def on_evaluate(self, trainer, state):
            state.scores["undefined"] = float("nan")

    hook = MetricsHook(plot_every=100, report=False)
    run = trainer(tmp_path, rolls, hooks=[hook, NaNScore()])
    state = run.fit()
    values = musiceval.compute(run.fixed_samples(), ["n_pitches_used", "polyphonic_rate"])
    for name, array in values.items():
        assert np.array_equal(state.metrics[name], np.nanmean(array, axis=0))
    recorded = hook.state_dict()["values"][-1].numpy()  # the last evaluation's, step 4
    assert np.array_equal(recorded, np.stack(list(values.values())))
    distance = state.scores["metric_distance"]
    assert 0 <= distance <= 10
    with pytest.deprecated_call(match="state.scores"):
        assert state.metric_distance == distance
    summary = load_summary(tmp_path / "summary.json")
    assert (summary["schema"], summary["version"]) == ("musiceval.run_summary", 1)
    assert summary["scores"]["metric_distance"] == distance
    assert np.isnan(summary["scores"]["undefined"])
    assert np.array_equal(summary["metrics"]["polyphonic_rate"], state.metrics["polyphonic_rate"])
    written = json.loads((tmp_path / "summary.json").read_text())
    assert written["scores"]["undefined"] == "nan"  # standard JSON, not NaN or null


# ---------------------------------------------------------------------- WGAN-GP updates


class Linear(torch.nn.Module):
    """D(x) = x . w + b on flattened samples: its input gradient is w everywhere."""

    def __init__(self, w, b=0.0):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w, dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.tensor(b, dtype=torch.float64))

    def forward(self, x):
        return x.flatten(start_dim=1) @ self.w + self.b


class Scale(torch.nn.Module):
    """G(c, z) = a * z, one parameter; records the condition it was given."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(1.0, dtype=torch.float64))
        self.conditions = []

    def forward(self, condition, z):
        self.conditions.append(condition)
        return self.a * z


REAL = torch.tensor([[1.0, 0.0], [0.0, 1.0]], dtype=torch.float64)
NOISE = torch.tensor([[1.0, 1.0], [2.0, 0.0]], dtype=torch.float64)
MIX = torch.tensor([[0.25], [0.75]], dtype=torch.float64)


def test_gradient_penalty_by_hand():
    # a linear critic's input gradient is w, of norm 5: gp = (5 - 1)**2 whatever the mix
    assert gradient_penalty(Linear([3.0, 4.0]), REAL, NOISE, MIX).item() == 16.0

    class Square(torch.nn.Module):  # D(x) = |x|**2 / 2: the gradient at x is x itself
        def forward(self, x):
            return (x**2).sum(dim=1) / 2

    # halfway points: [1, 0.5] for both samples, of norm sqrt(1.25)
    half = torch.full((2, 1), 0.5, dtype=torch.float64)
    penalty = gradient_penalty(Square(), REAL, NOISE, half)
    assert penalty.item() == pytest.approx((1.25**0.5 - 1) ** 2, rel=1e-15)
    assert penalty.requires_grad  # kept in the graph, for the critic's update


def test_critic_step_by_hand():
    generator, critic = Scale(), Linear([3.0, 4.0])
    optimizer = torch.optim.SGD(critic.parameters(), lr=0.1)
    condition = torch.zeros(2, 1)
    losses = critic_step(generator, critic, optimizer, REAL, condition, NOISE, MIX, gp_weight=10.0)
    # D(real) = [3, 4], D(fake) = [7, 6]: W = 3.5 - 6.5; loss = 10 * 16 - W
    assert losses == (163.0, 16.0, -3.0)
    assert losses.d_loss == 163.0 and losses.wasserstein == -3.0
    assert generator.conditions == [condition]
    # d loss / d w = 10 * 2 * (5 - 1) * w / 5 - (mean real - mean fake) = 16 w + [1, 0]
    assert critic.w.detach().tolist() == pytest.approx([3 - 0.1 * 49, 4 - 0.1 * 64], rel=1e-15)
    assert critic.b.item() == 0.0  # the bias cancels in W and has no input gradient
    assert generator.a.grad is None  # the fake batch is made without gradient

    before = critic.w.detach().clone()
    inf = torch.full_like(REAL, float("inf"))
    losses = critic_step(generator, critic, optimizer, inf, None, NOISE, MIX, gp_weight=10.0)
    assert not np.isfinite(losses.d_loss)
    assert torch.equal(critic.w.detach(), before)  # no update from a non-finite loss


def test_generator_step_by_hand():
    generator, critic = Scale(), Linear([3.0, 4.0], b=1.0)
    optimizer = torch.optim.SGD(generator.parameters(), lr=0.1)
    loss = generator_step(generator, critic, optimizer, None, NOISE)
    assert loss == -7.5  # -mean(D(z)) = -mean([8, 7])
    assert generator.a.item() == pytest.approx(1 + 0.1 * 6.5, rel=1e-15)  # d loss / d a = -6.5
    assert critic.w.grad is None and critic.b.grad is None
    assert critic.w.requires_grad and critic.b.requires_grad  # restored after the step


# ---------------------------------------------------------------------- checkpoints


def test_resume_reproduces_the_uninterrupted_run(tmp_path, rolls):
    config = tiny(n_steps=6)
    whole = tmp_path / "whole"
    hooks = [LossLogger(), MetricsHook(plot_every=100, report=False), Checkpointer()]
    trainer(whole, rolls, config, hooks).fit()

    part = tmp_path / "part"
    hooks = [LossLogger(), MetricsHook(plot_every=100, report=False), Checkpointer()]
    trainer(part, rolls, tiny(n_steps=3), hooks).fit()
    assert torch.load(part / "checkpoint.pt", weights_only=True)["step"] == 3
    hooks = [LossLogger(), MetricsHook(plot_every=100, report=False), Checkpointer()]
    state = trainer(part, rolls, config, hooks, resume=True).fit()
    assert state.step == 6

    assert np.array_equal(losses_csv(whole), losses_csv(part))
    assert losses_csv(part)[:, 0].tolist() == [1, 2, 3, 4, 5, 6]
    a = MetricHistory.load(whole / "metrics.csv").to_frame()
    b = MetricHistory.load(part / "metrics.csv").to_frame()
    assert b["step"].unique().tolist() == [0, 2, 3, 4, 6]  # the short run evaluated at 3
    assert a.equals(b[b["step"] != 3].reset_index(drop=True))


def test_corrupt_or_foreign_checkpoints_are_refused(tmp_path, rolls):
    trainer(tmp_path, rolls, hooks=[Checkpointer()]).fit()
    path = tmp_path / "checkpoint.pt"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match=r"not a readable checkpoint.*truncated"):
        trainer(tmp_path, rolls, tiny(n_steps=8), resume=True).fit()
    path.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable checkpoint"):
        trainer(tmp_path, rolls, resume=True).fit()
    other = tmp_path / "other"
    trainer(other, rolls, tiny(lr=0.01), [Checkpointer()]).fit()
    with pytest.raises(CheckpointError, match=r"another configuration \(lr: 0\.01 -> 0\.001\)"):
        trainer(tmp_path / "c", rolls, resume=other / "checkpoint.pt").fit()
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        trainer(tmp_path / "d", rolls, resume=True).fit()


def fixture_hooks():
    """The hooks of the 0.1.0 run in tests/fixtures/0.1.0 (its checkpoint holds their states)."""
    return [
        LossLogger(),
        MetricsHook(plot_every=100, report=False),
        PlateauStopper("metric_distance", patience=50),
        Checkpointer(),
    ]


def test_a_checkpoint_of_musiceval_0_1_0_resumes(tmp_path, rolls):
    old = torch.load(FIXTURES / "checkpoint.pt", weights_only=True)
    assert old["format"] == "musiceval.models.checkpoint" and "schema" not in old
    for name in ("checkpoint.pt", "config.json"):
        shutil.copyfile(FIXTURES / name, tmp_path / name)
    restored = []

    class Restored(Hook):
        def on_train_start(self, trainer, state):
            weights = {k: v.clone() for k, v in state.generator.state_dict().items()}
            restored.append((weights, trainer.hooks[2].state_dict()))

    hooks = [*fixture_hooks(), Restored()]
    state = trainer(tmp_path, rolls, tiny(n_steps=6), hooks, resume=True).fit()
    assert (state.status, state.step) == ("completed", 6)
    generator, stopper = restored[0]
    assert generator.keys() == old["generator"].keys()
    assert all(torch.equal(generator[k], v) for k, v in old["generator"].items())
    assert stopper == old["hooks"]["2:PlateauStopper"]
    rows = losses_csv(tmp_path)
    assert rows[:, 0].tolist() == [1, 2, 3, 4, 5, 6]
    assert np.array_equal(rows[:4], old["hooks"]["0:LossLogger"]["rows"].numpy())
    assert np.isfinite(rows[4:]).all()
    assert MetricHistory.load(tmp_path / "metrics.csv").steps == [0, 2, 4, 6]
    new = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert (new["schema"], new["version"], new["step"]) == ("musiceval.checkpoint", 1, 6)
    assert new["musiceval_version"] == musiceval.__version__ and "format" not in new
    assert TrainConfig.load(tmp_path / "config.json") == tiny(n_steps=6)


def test_the_files_of_musiceval_0_1_0_are_read(tmp_path):
    assert TrainConfig.load(FIXTURES / "config.json") == tiny()
    with pytest.raises(
        DocumentError,
        match=re.escape("not a musiceval run summary: expected schema 'musiceval.run_summary'"),
    ):
        load_summary(FIXTURES / "summary.json")


def test_checkpoints_and_configs_of_another_schema_or_version_are_refused(tmp_path, rolls):
    payload = torch.load(FIXTURES / "checkpoint.pt", weights_only=True)
    path = tmp_path / "run" / "checkpoint.pt"
    path.parent.mkdir()
    torch.save({**payload, "version": 2}, path)
    with pytest.raises(
        CheckpointError,
        match=r"cannot resume: .* holds a musiceval checkpoint "
        r"of schema version 2; this musiceval reads version 1 only",
    ):
        trainer(tmp_path / "run", rolls, resume=True).fit()
    del payload["format"]
    torch.save(payload, path)
    with pytest.raises(
        CheckpointError,
        match=re.escape(
            "not a musiceval checkpoint: expected schema 'musiceval.checkpoint', got None"
        ),
    ):
        trainer(tmp_path / "run", rolls, resume=True).fit()
    config = json.loads(tiny().save(tmp_path / "config.json").read_text())
    assert (config["schema"], config["version"]) == ("musiceval.models.TrainConfig", 1)
    assert config["musiceval_version"] == musiceval.__version__
    (tmp_path / "config.json").write_text(json.dumps({**config, "version": 2}))
    with pytest.raises(
        DocumentError,
        match="holds a TrainConfig of schema version 2; this musiceval reads version 1 only",
    ):
        TrainConfig.load(tmp_path / "config.json")
    (tmp_path / "config.json").write_text(json.dumps({**config, "lr": -1}))
    with pytest.raises(DocumentError, match=r"holds a bad TrainConfig: TrainConfig\.lr must be"):
        TrainConfig.load(tmp_path / "config.json")


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path, rolls):
    def poison(trainer, state):
        with torch.no_grad():
            next(state.generator.parameters()).fill_(float("nan"))

    run = trainer(tmp_path, rolls, tiny(n_steps=8), [At("on_step_end", 3, poison)])
    run.add_hook(Checkpointer(), every=2)
    with pytest.raises(TrainingDiverged, match=r"loss is nan at step 4.*checkpoint\.pt \(step 2\)"):
        run.fit()
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    assert saved["step"] == 2
    assert all(torch.isfinite(v).all() for v in saved["generator"].values())
    assert json.loads((tmp_path / "summary.json").read_text())["status"] == "diverged"


def test_nan_weights_are_never_checkpointed(tmp_path, rolls):
    def poison(trainer, state):
        with torch.no_grad():
            next(state.critic.parameters()).fill_(float("inf"))

    hooks = [At("on_step_end", 2, poison), Checkpointer()]
    with pytest.raises(TrainingDiverged, match="critic holds NaN or infinite weights at step 2"):
        trainer(tmp_path, rolls, hooks=hooks).fit()
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == 1


def test_a_failing_hook_keeps_the_checkpoint_written_before(tmp_path, rolls):
    run = trainer(tmp_path, rolls, tiny(n_steps=6), [LossLogger()])
    run.add_hook(Checkpointer(), every=2)
    run.add_hook(At("on_step_end", 3, raise_(KeyError("broken hook"))))
    with pytest.raises(KeyError, match="broken hook") as info:
        run.fit()
    assert "raised by hook 2:At in on_step_end at step 3" in info.value.__notes__
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=True)["step"] == 2
    state = trainer(tmp_path, rolls, tiny(n_steps=6), [LossLogger()], resume=True).fit()
    assert state.step == 6
    assert losses_csv(tmp_path)[:, 0].tolist() == [1, 2, 3, 4, 5, 6]


def test_four_bar_samples(tmp_path, rolls):
    four_bars = np.concatenate([rolls, rolls[::-1]], axis=1)  # (16, 64, 128, 4)
    state = trainer(tmp_path, four_bars, tiny(n_bars=4), [MetricsHook(report=False)]).fit()
    assert state.step == 4 and state.fixed_noise.shape == (4, 4, 4, 4)
    with pytest.raises(ValueError, match=r"data must have shape \(n_samples, 32, 128, n_tracks\)"):
        trainer(tmp_path / "b", four_bars).fit()


def test_resume_past_n_steps_is_refused(tmp_path, rolls):
    trainer(tmp_path, rolls, hooks=[Checkpointer()]).fit()
    with pytest.raises(ValueError, match="at step 4, past n_steps=2; resume with more steps"):
        trainer(tmp_path, rolls, tiny(n_steps=2), resume=True).fit()


def test_output_directory_of_another_configuration(tmp_path, rolls):
    trainer(tmp_path, rolls).fit()
    with pytest.raises(ValueError, match=r"different configuration \(seed: 0 -> 1\).*overwrite"):
        trainer(tmp_path, rolls, tiny(seed=1))
    assert trainer(tmp_path, rolls, tiny(seed=1), overwrite=True).fit().step == 4
    assert TrainConfig.load(tmp_path / "config.json").seed == 1
    trainer(tmp_path, rolls, tiny(seed=1, device="auto"))  # the device may change
    with pytest.raises(ValueError, match="exclude each other"):
        trainer(tmp_path, rolls, resume=True, overwrite=True)
    (tmp_path / "config.json").write_text("{")
    with pytest.raises(ValueError, match=r"unreadable config\.json"):
        trainer(tmp_path, rolls)


@pytest.mark.filterwarnings(OLD_NAME)  # the 0.1.0 name, on purpose
def test_unconditional_model_generates_every_track(tmp_path, rolls):
    hook = MetricsHook(plot_every=100, report=False)
    run = trainer(tmp_path, rolls, tiny(conditional=False), [hook])
    state = run.fit()
    assert state.fixed_condition is None and run.generated_tracks == (0, 1, 2, 3)
    assert run.fixed_samples().shape == (4, 32, 128, 4)
    assert np.isfinite(state.metric_distance)


def test_data_outside_the_pitch_window_is_refused(tmp_path, rolls):
    high = rolls.copy()
    high[0, 0, 100, 1] = True
    with pytest.raises(ValueError, match=r"MIDI pitches \d+-100 but the model covers 24-87"):
        trainer(tmp_path, high).fit()


# ---------------------------------------------------------------------- command line


def test_quick_run_end_to_end(tmp_path, capsys):
    import pretty_midi
    from scipy.io import wavfile

    out = tmp_path / "run"
    assert main(["--quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert "completed at step 20 of 20" in printed
    assert re.search(r"1:MetricsHook +\d+\.\d+ s +\(\d+\.\d+% of the wall time\)", printed)
    for name in ("config.json", "summary.json", "losses.csv", "metrics.csv", "checkpoint.pt"):
        assert (out / name).is_file(), name
        assert str(out / name) in printed
    for png in ("losses.png", "metrics.png", "report/z_scores.png"):
        assert (out / png).stat().st_size > 0, png
    assert (out / "report" / "report.md").is_file()
    assert sorted(p.name for p in (out / "samples").glob("*.mid")) == [
        "step_000000.mid",
        "step_000010.mid",
        "step_000020.mid",
    ]
    midi = pretty_midi.PrettyMIDI(str(out / "samples" / "step_000020.mid"))
    assert [i.name for i in midi.instruments] == ["soprano", "alto", "tenor", "bass"]
    assert midi.instruments[0].notes  # the soprano condition sounds
    rate, audio = wavfile.read(out / "samples" / "step_000020.wav")
    assert rate == 22050 and audio.dtype == np.int16 and audio.size > rate
    with wave.open(str(out / "samples" / "step_000000.wav")) as file:
        assert file.getnframes() > 0
    assert (out / "samples" / "step_000020.png").stat().st_size > 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert 0 < summary["hook_share"]["1:MetricsHook"] < 1

    # the same directory with another configuration needs --overwrite
    assert main(["--quick", "--out", str(out), "--no-progress", "--seed", "3"]) == 1
    assert "different configuration (seed: 0 -> 3)" in capsys.readouterr().err


def test_cli_reports_bad_requests(tmp_path, capsys):
    assert main(["--quick", "--out", str(tmp_path), "--resume", "--no-progress"]) == 1
    assert "no checkpoint at" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--steps", "0"])


# ---------------------------------------------------------------------- docs


def test_the_documented_hook_runs(tmp_path, rolls):
    text = (ROOT / "docs" / "training.md").read_text()
    section = text.split("## Write your own hook", 1)[1]
    code = re.search(r"```python\n(.+?)\n```", section, flags=re.S).group(1)
    run = trainer(tmp_path, rolls, tiny(n_steps=6))
    namespace = {"trainer": run}
    exec(code, namespace)
    run.fit()
    hook = run.hooks[-1]
    assert [step for step, _ in hook.log] == [0, 2, 4, 6]


# ---------------------------------------------------------------------- module structure


def _imports(path, modules):
    """The musiceval modules ``path`` imports (at any depth: functions and TYPE_CHECKING too),
    and the private names it takes from them."""
    targets, private = set(), []
    aliases = {}
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                targets.add(alias.name)
                if alias.name.startswith("musiceval"):
                    aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, path  # absolute imports only
            for alias in node.names:
                module = f"{node.module}.{alias.name}"
                targets.add(module if module in modules else node.module)
                if module not in modules and alias.name.startswith("_"):
                    private.append(module)
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in aliases and re.match(r"_[a-z]", node.attr):
                private.append(f"{node.value.id}.{node.attr}")
    return {t for t in targets if t in modules}, private


def test_models_has_no_import_cycle_no_private_import_and_small_modules():
    package = ROOT / "src" / "musiceval"
    modules = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(package.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        targets, private = _imports(path, modules)
        own = name + "." if path.name == "__init__.py" else None  # __init__ joins its package
        graph[name] = {t for t in targets if t != name and not (own and t.startswith(own))}
        if name.startswith("musiceval.models"):
            assert private == [], (name, private)
            assert len(path.read_text().splitlines()) <= 600, name

    def reaches(start, goal, seen):
        for target in graph[start] - seen:
            seen.add(target)
            if target == goal or reaches(target, goal, seen):
                return True
        return False

    models = [name for name in modules if name.startswith("musiceval.models")]
    assert len(models) >= 12
    assert [name for name in models if reaches(name, name, set())] == []
    assert "musiceval.models.trainer" not in graph["musiceval.models.events"]
    assert not any(name.startswith("musiceval.models") for name in graph["musiceval"])
