"""musiceval.models: networks, configuration, the trainer's events, the metrics hook, the
WGAN-GP updates, the command line.

Tiny networks on a small synthetic set (16 four-voice samples) keep each run under a second;
one end-to-end ``--quick`` run of the command line uses the first 40 chorales.
"""

import json
import re
import wave

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")


from _trainer_kit import (  # noqa: E402
    OLD_NAME,
    ROOT,
    At,
    Recorder,
    four_voices,
    raise_,
    tiny,
    trainer,
)

import musiceval  # noqa: E402
from musiceval.exceptions import InvalidParameterError  # noqa: E402
from musiceval.history import MetricHistory  # noqa: E402
from musiceval.models import (  # noqa: E402
    EVENTS,
    Checkpointer,
    Critic,
    Generator,
    Hook,
    LossLogger,
    MetricsHook,
    PlateauStopper,
    SampleWriter,
    StopTraining,
    TrainConfig,
)
from musiceval.models.cli import main  # noqa: E402
from musiceval.models.run_files import load_summary  # noqa: E402
from musiceval.models.wgan import critic_step, generator_step, gradient_penalty  # noqa: E402


@pytest.fixture(scope="module")
def rolls():
    return four_voices()


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
    with pytest.raises(ValueError, match=r"TrainConfig\.metrics must be distinct names"):
        TrainConfig(metrics=("pitch_class_histogram",))  # no scalar metric
    assert TrainConfig().metrics[-2:] == ("pitch_class_histogram", "pitch_class_transition_matrix")
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
    last = hook.state_dict()["last"]  # the last evaluation's, step 4: (sample, metric, track)
    assert last["step"] == 4
    assert np.array_equal(np.array(last["values"]), np.stack(list(values.values()), axis=1))
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


def test_metrics_hook_watches_vector_metrics_as_distributions(tmp_path, rolls):
    names = ["n_pitches_used", "pitch_class_histogram", "pitch_class_transition_matrix"]
    hook = MetricsHook(names, plot_every=100, report=False)
    run = trainer(tmp_path, rolls, hooks=[hook])
    state = run.fit()
    assert hook.profile.vector_metrics == tuple(names[1:])
    assert hook.monitor.vector_metrics == tuple(names[1:])
    assert list(state.metrics) == ["n_pitches_used"]  # the means of the scalar metrics
    values = musiceval.compute(run.fixed_samples(), names[1:])
    for name, array in values.items():  # (sample, track, *shape), NaN for a silent track
        reference = hook.profile.mean(name).reshape(4, -1)
        flat = array.reshape(*array.shape[:2], -1)
        generated = [np.mean([v for v in flat[:, k] if np.isfinite(v).all()], axis=0)
                     for k in range(4)]  # fmt: skip
        tv = [0.5 * np.abs(reference[k] - generated[k]).sum() for k in (1, 2, 3)]
        assert state.scores[f"vector_distance/{name}"] == pytest.approx(np.mean(tv), abs=1e-12)
    frame = pd.read_csv(tmp_path / "vectors.csv")
    assert frame["step"].unique().tolist() == [0, 2, 4]
    assert frame["metric"].unique().tolist() == names[1:]
    with pytest.raises(ValueError, match="metrics must be names including a per-track scalar"):
        MetricsHook(["pitch_class_histogram"])


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


# ---------------------------------------------------------------------- command line


def test_quick_run_end_to_end(tmp_path, capsys):
    import pretty_midi
    from scipy.io import wavfile

    out = tmp_path / "run"
    assert main(["--quick", "--out", str(out), "--no-progress", "--device", "cpu"]) == 0
    printed = capsys.readouterr().out
    assert "completed at step 20 of 20" in printed
    summary = json.loads((out / "summary.json").read_text())
    distance = summary["results"]["metric_distance"]
    assert re.search(rf"metric distance +{re.escape(format(distance, '.4g'))} ", printed)
    assert "Fréchet distance" in printed and "furthest from the training set" in printed
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
