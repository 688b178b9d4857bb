"""musiceval.models: checkpoints (resume, corruption, 0.1.0 files), divergence and faults,
the output directory."""

import json
import re
import shutil
import struct
import zipfile

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")


from _trainer_kit import (  # noqa: E402
    FIXTURES,
    OLD_NAME,
    At,
    four_voices,
    losses_csv,
    raise_,
    tiny,
    trainer,
)

import musiceval  # noqa: E402
from musiceval.exceptions import DocumentError  # noqa: E402
from musiceval.history import MetricHistory  # noqa: E402
from musiceval.models import (  # noqa: E402
    Checkpointer,
    CheckpointError,
    Hook,
    LossLogger,
    MetricsHook,
    PlateauStopper,
    TrainConfig,
    TrainingDiverged,
)
from musiceval.models.evaluation import _up_to  # noqa: E402
from musiceval.models.run_files import load_summary  # noqa: E402


@pytest.fixture(scope="module")
def rolls():
    return four_voices()


# ---------------------------------------------------------------------- checkpoints


VECTORS = (
    "n_pitches_used",
    "polyphonic_rate",
    "pitch_class_histogram",
    "pitch_class_transition_matrix",
)


def test_resume_reproduces_the_uninterrupted_run(tmp_path, rolls):
    config = tiny(n_steps=6, metrics=VECTORS)
    whole = tmp_path / "whole"
    hooks = [LossLogger(), MetricsHook(plot_every=100, report=False), Checkpointer()]
    trainer(whole, rolls, config, hooks).fit()
    whole_state = hooks[1].state_dict()

    part = tmp_path / "part"
    hooks = [LossLogger(), MetricsHook(plot_every=100, report=False), Checkpointer()]
    trainer(part, rolls, tiny(n_steps=3, metrics=VECTORS), hooks).fit()
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
    a, b = (pd.read_csv(run / "vectors.csv") for run in (whole, part))
    assert a["metric"].unique().tolist() == list(VECTORS[2:])
    assert b["step"].unique().tolist() == [0, 2, 3, 4, 6]
    assert a.equals(b[b["step"] != 3].reset_index(drop=True))

    # a state holding records past the checkpoint's step keeps those up to it, of every kind
    trimmed = MetricHistory()
    trimmed.load_state_dict(_up_to(whole_state, 4)["history"])
    history = MetricHistory()
    history.load_state_dict(whole_state["history"])
    assert trimmed.steps == [0, 2, 4]
    for frame in ("vector_distance_frame", "set_level_frame"):
        full = getattr(history, frame)()
        kept = full[full["step"] <= 4]
        assert len(kept) < len(full)
        assert getattr(trimmed, frame)().equals(kept)


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


def _member_data_offset(path, name):
    """Where the bytes of the zip member ``name`` start: after its local header (30 bytes, the
    name and the extra field, whose lengths are the header's last two 16-bit fields)."""
    with zipfile.ZipFile(path) as archive:
        (member,) = [m for m in archive.infolist() if m.filename.endswith(name)]
    with open(path, "rb") as file:
        file.seek(member.header_offset)
        header = file.read(30)
    assert header[:4] == b"PK\x03\x04"
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    return member.filename, member.header_offset + 30 + name_length + extra_length


@pytest.mark.parametrize("written_by", ["this version", "0.1.0"])
def test_a_checkpoint_with_a_flipped_weight_byte_is_refused(tmp_path, rolls, written_by):
    path = tmp_path / "checkpoint.pt"
    if written_by == "0.1.0":
        for name in ("checkpoint.pt", "config.json"):
            shutil.copyfile(FIXTURES / name, tmp_path / name)
    else:
        trainer(tmp_path, rolls, hooks=[Checkpointer()]).fit()
    original = torch.load(path, weights_only=True)
    first = next(iter(original["generator"]))  # data/0: the first tensor pickled
    member, offset = _member_data_offset(path, "/data/0")
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01  # the lowest mantissa byte of a float32 weight, little-endian
    path.write_bytes(bytes(data))
    # torch itself loads the damaged file: one weight moved by one unit in the last place
    damaged = torch.load(path, weights_only=True)["generator"][first]
    changed = damaged != original["generator"][first]
    assert int(changed.sum()) == 1
    assert torch.allclose(damaged, original["generator"][first], rtol=1e-6, atol=0)
    with pytest.raises(CheckpointError) as info:
        trainer(tmp_path, rolls, tiny(n_steps=8), resume=True).fit()
    message = str(info.value)
    assert f"{path} is damaged: its member {member!r} fails its check" in message
    assert "Bad CRC-32" in message
    assert path.read_bytes() == bytes(data)  # refused before anything was written


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
