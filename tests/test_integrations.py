"""musiceval.integrations: Lightning and Hugging Face callbacks and the TensorBoard sink, each
driving a real framework that trains a tiny generator for a few steps on the CPU."""

from __future__ import annotations

import functools
import io
import json
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from integration_kit import (
    METRICS,
    TRACKS,
    chorale_rolls,
    fixed_noise,
    generator,
    tiny_gan,
    training_data,
)

import musiceval as me
from musiceval.compare import Report
from musiceval.history import MetricHistory
from musiceval.monitor import distance_to_reference

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")
transformers = pytest.importorskip("transformers")
pytestmark = pytest.mark.usefixtures("one_numba_thread")


@pytest.fixture(scope="module")
def reference() -> me.DatasetProfile:
    return me.profile(chorale_rolls(0, 40), METRICS, track_names=TRACKS)


def recording_sampler(captured: list):
    """``sample_fn``: the generator on fixed noise; keeps what it returned and how it was
    called (evaluation mode, no autograd)."""
    noise = fixed_noise()

    def sample(model):
        samples = model.generator(noise)
        captured.append((samples.clone(), model.training, torch.is_grad_enabled()))
        return samples

    return sample


def expected_scalars(samples, reference, prefix="musiceval") -> dict[str, float]:
    """What the callbacks log, computed directly with musiceval.compute."""
    direct = me.compute(samples, METRICS, **reference.conventions)
    flat = {f"{prefix}/distance": distance_to_reference(direct, reference)}
    for name in METRICS:
        for track, value in zip(TRACKS, np.nanmean(direct[name], axis=0), strict=True):
            flat[f"{prefix}/{name}/{track}"] = float(value)
    return flat


def assert_same_values(logged: dict, expected: dict) -> None:
    assert sorted(logged) == sorted(expected)
    for name, value in expected.items():
        np.testing.assert_equal(float(logged[name]), value, err_msg=name)


# ---------------------------------------------------------------------- Lightning


def lightning_fit(callbacks, tmp_path, max_steps, ckpt_path=None, **options):
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(*training_data()), batch_size=16
    )
    trainer = pl.Trainer(
        max_steps=max_steps, callbacks=callbacks, accelerator="cpu", devices=1,
        logger=pl.loggers.CSVLogger(tmp_path, name="logs"), log_every_n_steps=1,
        enable_progress_bar=False, enable_model_summary=False, **options,
    )  # fmt: skip
    trainer.fit(tiny_gan(), loader, ckpt_path=ckpt_path)
    return trainer


def test_lightning_callback_writes_the_files_and_logs_what_compute_gives(reference, tmp_path):
    from musiceval.integrations.lightning import MonitorCallback

    captured: list = []
    monitor = me.Monitor(reference, out_dir=tmp_path / "run", plot_every=10, sample_every=2)
    callback = MonitorCallback(monitor, recording_sampler(captured), every_n_steps=2)
    trainer = lightning_fit([callback], tmp_path, max_steps=5)

    # steps 2 and 4, then the end of training (step 5), in evaluation mode without autograd
    assert monitor.history.steps == [2, 4, 5]
    assert [(training, grad) for _, training, grad in captured] == [(False, False)] * 3
    run = tmp_path / "run"
    assert MetricHistory.load(run / "metrics.csv").to_frame().equals(monitor.history.to_frame())
    assert (run / "metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in (run / "samples").iterdir()) == [
        f"step_00000{s}.{e}" for s in (2, 5) for e in ("mid", "png", "wav")
    ]
    last = captured[-1][0]
    expected_report = Report(
        reference, np.stack([me.compute(last, METRICS)[n] for n in METRICS], 1)
    )
    report = json.loads((run / "report" / "report.json").read_text())
    assert report["rows"] == json.loads(json.dumps(expected_report.to_json_dict()))["rows"]
    assert not (run / ".musiceval.lock").exists()  # closed at the end of fit

    # Lightning's CSV: the values at Lightning's step of the batch (global_step - 1), the final
    # evaluation at global_step
    import pandas as pd

    logged = pd.read_csv(Path(trainer.logger.log_dir) / "metrics.csv")
    rows = logged.dropna(subset=["musiceval/distance"])
    assert rows["step"].tolist() == [1, 3, 5]
    for (_, row), (samples, _, _) in zip(rows.iterrows(), captured, strict=True):
        expected = expected_scalars(samples, reference)
        assert_same_values({name: row[name] for name in expected}, expected)
    # what EarlyStopping and ModelCheckpoint read: the last value logged with self.log (step 4)
    watched = float(trainer.callback_metrics["musiceval/distance"])
    assert watched == expected_scalars(captured[1][0], reference)["musiceval/distance"]
    assert callback.last.step == 5


def test_lightning_early_stopping_watches_the_distance(reference, tmp_path):
    from musiceval.integrations.lightning import MonitorCallback

    captured: list = []
    callback = MonitorCallback(me.Monitor(reference), recording_sampler(captured), every_n_steps=1)
    stop = pl.callbacks.EarlyStopping(
        "musiceval/distance", patience=1, check_on_train_epoch_end=True
    )
    trainer = lightning_fit([callback, stop], tmp_path, max_steps=20, enable_checkpointing=False)
    distances = [expected_scalars(x, reference)["musiceval/distance"] for x, _, _ in captured]
    # one batch per epoch: at each epoch's end EarlyStopping reads that step's distance, and
    # with patience 1 stops at the first that is not below the best before it
    worse = [k for k in range(1, len(distances)) if distances[k] >= min(distances[:k])]
    assert worse and trainer.global_step == worse[0] + 1 < 20
    assert len(captured) == trainer.global_step  # no second evaluation of the last step


@pytest.mark.filterwarnings("ignore:Be aware that when using `ckpt_path`")
def test_lightning_resume_continues_the_same_history(reference, tmp_path):
    from musiceval.integrations.lightning import MonitorCallback

    def callback(monitor):
        return MonitorCallback(monitor, recording_sampler([]), every_n_steps=2)

    whole = me.Monitor(reference)
    lightning_fit([callback(whole)], tmp_path / "whole", max_steps=8, enable_checkpointing=False)

    first = me.Monitor(reference)
    checkpoints = pl.callbacks.ModelCheckpoint(tmp_path / "ckpt", every_n_train_steps=4)
    lightning_fit([callback(first), checkpoints], tmp_path / "first", max_steps=4)
    (saved,) = (tmp_path / "ckpt").iterdir()
    state = torch.load(saved, weights_only=True)["callbacks"]
    (monitor_state,) = [s["monitor"] for k, s in state.items() if k.startswith("MonitorCallback")]
    assert monitor_state["history"]["steps"][-1] == 4

    resumed = me.Monitor(reference, out_dir=tmp_path / "run", plot_every=10, report=False)
    lightning_fit([callback(resumed)], tmp_path / "second", max_steps=8, ckpt_path=saved,
                  enable_checkpointing=False)  # fmt: skip
    assert resumed.history.steps == [2, 4, 6, 8]
    assert resumed.history.to_frame().equals(whole.history.to_frame())
    saved_history = MetricHistory.load(tmp_path / "run" / "metrics.csv")
    assert saved_history.to_frame().equals(whole.history.to_frame())


def test_lightning_callback_builds_its_monitor_in_setup(reference, tmp_path):
    from musiceval.integrations.lightning import MonitorCallback

    made: list = []

    def make_monitor():
        made.append(me.Monitor(reference, out_dir=tmp_path / "run", report=False))
        return made[-1]

    callback = MonitorCallback(make_monitor, recording_sampler([]), every_n_steps=3)
    assert made == []
    lightning_fit([callback], tmp_path, max_steps=3, enable_checkpointing=False)
    lightning_fit([callback], tmp_path, max_steps=3, enable_checkpointing=False)
    assert len(made) == 2 and callback.monitor is made[1]  # one Monitor per fit
    assert [m.history.steps for m in made] == [[3], [3]]
    assert (tmp_path / "run" / "metrics.csv").is_file()


# ---------------------------------------------------------------------- Hugging Face


class TinyGenerator(torch.nn.Module):
    """The generator as a model the Hugging Face Trainer runs: forward returns the loss."""

    def __init__(self) -> None:
        super().__init__()
        self.generator = generator()

    def forward(self, noise, target):
        return {"loss": torch.nn.functional.mse_loss(self.generator(noise), target)}


def hf_trainer(tmp_path, max_steps, report_to="none"):
    noise, target = training_data()
    data = [{"noise": n, "target": t} for n, t in zip(noise, target, strict=True)]
    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "hf"), max_steps=max_steps, per_device_train_batch_size=16,
        learning_rate=0.05, report_to=report_to, save_strategy="no", use_cpu=True,
        disable_tqdm=True, logging_steps=100, seed=0,
    )  # fmt: skip
    return transformers.Trainer(model=TinyGenerator(), args=args, train_dataset=data)


def musiceval_entries(trainer) -> list[dict]:
    return [entry for entry in trainer.state.log_history if "musiceval/distance" in entry]


def test_hf_callback_logs_through_the_trainer_and_writes_the_files(reference, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from musiceval.integrations.hf import MonitorCallback

    captured: list = []
    monitor = me.Monitor(reference, out_dir=tmp_path / "run", plot_every=10, sample_every=10)
    trainer = hf_trainer(tmp_path, max_steps=5, report_to="tensorboard")
    callback = MonitorCallback(monitor, recording_sampler(captured), every_n_steps=2,
                               trainer=trainer)  # fmt: skip
    trainer.add_callback(callback)
    trainer.train()

    assert monitor.history.steps == [2, 4, 5]  # every 2 steps and the last
    assert [(training, grad) for _, training, grad in captured] == [(False, False)] * 3
    entries = musiceval_entries(trainer)
    assert [entry["step"] for entry in entries] == [2, 4, 5]
    for entry, (samples, _, _) in zip(entries, captured, strict=True):
        expected = expected_scalars(samples, reference)
        assert_same_values({name: entry[name] for name in expected}, expected)
    run = tmp_path / "run"
    assert MetricHistory.load(run / "metrics.csv").to_frame().equals(monitor.history.to_frame())
    assert (run / "metrics.png").is_file() and (run / "samples" / "step_000002.wav").is_file()
    assert (run / "report" / "report.json").is_file()
    assert not (run / ".musiceval.lock").exists()  # closed at the end of training

    # trainer.log reached the Trainer's own TensorBoard integration ("train/" is its prefix)
    (run_dir,) = (tmp_path / "hf" / "runs").iterdir()
    events = EventAccumulator(str(run_dir), size_guidance={"scalars": 0}).Reload()
    distances = events.Scalars("train/musiceval/distance")
    assert [e.step for e in distances] == [2, 4, 5]
    assert [e.value for e in distances] == pytest.approx(
        [e["musiceval/distance"] for e in entries], rel=1e-6
    )


def test_hf_callback_without_the_trainer_appends_to_the_log_history(reference, tmp_path):
    from musiceval.integrations.hf import MonitorCallback

    captured: list = []
    trainer = hf_trainer(tmp_path, max_steps=4)
    monitor = functools.partial(me.Monitor, reference)  # made at on_train_begin
    callback = MonitorCallback(monitor, recording_sampler(captured), every_n_steps=3)
    trainer.add_callback(callback)
    trainer.train()
    entries = musiceval_entries(trainer)
    assert [entry["step"] for entry in entries] == [3, 4] == callback.monitor.history.steps
    for entry, (samples, _, _) in zip(entries, captured, strict=True):
        expected = expected_scalars(samples, reference)
        assert_same_values({name: entry[name] for name in expected}, expected)


# ---------------------------------------------------------------------- TensorBoard


def test_tensorboard_sink_writes_scalars_images_and_audio(reference, tmp_path):
    from PIL import Image
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from musiceval.integrations import TensorBoardSink

    sink = TensorBoardSink(tmp_path / "tb", track_names=reference.tracks)
    model, (noise, target) = generator(), training_data()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    evaluations = []
    with me.Monitor(reference, out_dir=tmp_path / "run", sample_every=2, plot_every=10,
                    report=False, sinks=[sink]) as monitor:  # fmt: skip
        for step in range(1, 7):
            loss = torch.nn.functional.mse_loss(model(noise), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if step % 2 == 0:
                with torch.no_grad():
                    evaluations.append(monitor.update(step, model(fixed_noise())))

    events = EventAccumulator(
        str(tmp_path / "tb"), size_guidance={"scalars": 0, "images": 0, "audio": 0}
    ).Reload()
    tags = events.Tags()
    assert sorted(tags["scalars"]) == sorted(
        ["musiceval/distance"] + [f"musiceval/{m}/{t}" for m in METRICS for t in TRACKS]
    )
    for name in METRICS:
        for k, track in enumerate(TRACKS):
            scalars = events.Scalars(f"musiceval/{name}/{track}")
            assert [e.step for e in scalars] == [2, 4, 6]
            expected = [np.float32(e.means[name][k]) for e in evaluations]
            np.testing.assert_array_equal([np.float32(e.value) for e in scalars], expected)
    distances = [np.float32(e.value) for e in events.Scalars("musiceval/distance")]
    np.testing.assert_array_equal(distances, [np.float32(e.distance) for e in evaluations])
    # the listening files of the 1st and 3rd update (sample_every=2): steps 2 and 6, as written
    images, audio = events.Images("musiceval/piano_roll"), events.Audio("musiceval/audio")
    assert [e.step for e in images] == [e.step for e in audio] == [2, 6]
    samples = tmp_path / "run" / "samples"
    for image_event, audio_event, step in zip(images, audio, (2, 6), strict=True):
        with Image.open(samples / f"step_{step:06d}.png") as png:
            written = np.asarray(png.convert("RGB"))
        with Image.open(io.BytesIO(image_event.encoded_image_string)) as logged:
            np.testing.assert_array_equal(np.asarray(logged.convert("RGB")), written)
        with wave.open(str(samples / f"step_{step:06d}.wav")) as file:
            rate, frames = file.getframerate(), file.readframes(file.getnframes())
        with wave.open(io.BytesIO(audio_event.encoded_audio_string)) as logged:
            assert (logged.getframerate(), logged.getnchannels()) == (rate, 1)
            sound = np.frombuffer(logged.readframes(logged.getnframes()), "<i2")
        # int16 / 32768 in the sink, * 32767 in torch's encoder: within one step
        difference = sound.astype(int) - np.frombuffer(frames, "<i2").astype(int)
        assert len(sound) == len(frames) // 2 and np.abs(difference).max() <= 1


# ---------------------------------------------------------------------- rules


def test_the_package_loads_no_framework_and_musiceval_does_not_load_it():
    code = (
        "import sys, musiceval; before = 'musiceval.integrations' in sys.modules; "
        "import musiceval.integrations; heavy = ['torch', 'lightning', 'transformers', "
        "'tensorboard', 'PIL', 'matplotlib']; print(before, [m for m in heavy if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False []"


def test_bad_arguments_are_named(reference, tmp_path):
    from musiceval.integrations import TensorBoardSink
    from musiceval.integrations.hf import MonitorCallback as HFCallback
    from musiceval.integrations.lightning import MonitorCallback

    monitor = me.Monitor(reference)
    sample = recording_sampler([])
    cases = [
        (lambda: MonitorCallback(3, sample), "monitor must be a musiceval.Monitor or a function"),
        (lambda: MonitorCallback(monitor, 3), "sample_fn must be a function of the model"),
        (lambda: MonitorCallback(monitor, sample, every_n_steps=0),
         r"every_n_steps must be an int >= 1; got 0 \(int\)"),
        (lambda: HFCallback(monitor, sample, prefix="a/"), "prefix must be a non-empty str"),
        (lambda: HFCallback(monitor, sample, trainer="t"), "trainer must be a transformers"),
        (lambda: TensorBoardSink(3), "log_dir must be"),
        (lambda: TensorBoardSink(tmp_path, track_names="sab"), "track_names must be"),
        (lambda: TensorBoardSink(tmp_path, prefix=""), "prefix must be a non-empty str"),
    ]  # fmt: skip
    for make, message in cases:
        with pytest.raises(me.InvalidParameterError, match=message):
            make()
    callback = MonitorCallback(lambda: "not a monitor", sample)
    with pytest.raises(me.InvalidParameterError, match="a function returning str"):
        callback.monitor  # noqa: B018
