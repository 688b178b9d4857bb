"""musiceval.Monitor: one evaluator for any training loop, with its files written elsewhere."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pytest
from monitor_sinks import FailingSink, RecordingSink, SlowSink

import musiceval as me
from musiceval._background import BackgroundError
from musiceval.compare import Report
from musiceval.history import MetricHistory
from musiceval.monitor import distance_to_reference

pytestmark = pytest.mark.usefixtures("one_numba_thread")
METRICS = ["n_notes", "n_pitches_used", "in_scale_ratio", "empty_bar_rate"]


def rolls(seed: int, n: int, n_tracks: int = 3) -> np.ndarray:
    """tanh-like rolls (active where > 0): a few notes per track, some tracks silent."""
    rng = np.random.default_rng(seed)
    x = np.full((n, 32, 128, n_tracks), -1.0, np.float32)
    for s in range(n):
        for k in range(n_tracks):
            if rng.random() < 0.2:
                continue
            for _ in range(rng.integers(1, 8)):
                start, length = rng.integers(0, 32), rng.integers(1, 9)
                x[s, start : start + length, rng.integers(48, 80), k] = 0.8
    return x


@pytest.fixture(scope="module")
def reference() -> me.DatasetProfile:
    return me.profile(rolls(0, 40) > 0, METRICS, track_names=["s", "a", "b"])


def test_update_returns_the_metrics_of_the_samples_and_their_distance(reference):
    samples = rolls(1, 8)
    monitor = me.Monitor(reference)
    result = monitor.update(10, samples)
    direct = me.compute(samples, METRICS, **reference.conventions)
    assert result.step == 10 and result.n_samples == 8
    for name in METRICS:
        np.testing.assert_array_equal(result.values[name], direct[name])
        np.testing.assert_array_equal(result.means[name], np.nanmean(direct[name], axis=0))
    assert result.distance == distance_to_reference(direct, reference)
    assert monitor.history.steps == [10] and monitor.outputs == {}
    assert monitor.close() == {}


def test_distance_is_the_capped_mean_effect_size_by_hand():
    # one metric, one track: reference values 1, 3 (mean 2, std 1); generated 4, 4 (std 0):
    # |4 - 2| / sqrt((1 + 0) / 2) = 2.828...; a second track equal to the reference counts 0
    ref = me.profile(np.zeros((2, 16, 128, 2), bool), ["n_notes"])
    values = {"n_notes": np.array([[4.0, 0.0], [4.0, 0.0]])}
    fake = _ProfileStub(mean=[2.0, 0.0], std=[1.0, 0.0], tracks=ref.tracks)
    assert distance_to_reference(values, fake) == pytest.approx((2 / np.sqrt(0.5) + 0) / 2)
    assert distance_to_reference(values, fake, tracks=[0]) == pytest.approx(2 / np.sqrt(0.5))
    far = {"n_notes": np.array([[400.0, 0.0], [400.0, 0.0]])}
    assert distance_to_reference(far, fake, tracks=[0]) == me.monitor.MAX_EFFECT


class _ProfileStub:
    """The three things distance_to_reference reads of a profile."""

    def __init__(self, mean, std, tracks):
        self._mean, self._std, self.tracks = np.array(mean), np.array(std), tracks

    def mean(self, name):
        return self._mean

    def std(self, name):
        return self._std


def test_files_are_written_in_the_background_and_close_writes_the_report(reference, tmp_path):
    samples = [rolls(seed, 6) for seed in range(2, 6)]
    with me.Monitor(reference, out_dir=tmp_path, plot_every=2, sample_every=2) as monitor:
        for step, batch in enumerate(samples):
            monitor.update(100 * step, batch)
    outputs = monitor.outputs
    saved = MetricHistory.load(tmp_path / "metrics.csv")
    assert saved.to_frame().equals(monitor.history.to_frame())
    assert (tmp_path / "metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    written = sorted(p.name for p in (tmp_path / "samples").iterdir())
    assert written == [f"step_{s:06d}.{e}" for s in (0, 200) for e in ("mid", "png", "wav")]
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    expected = Report(
        reference, np.stack([me.compute(samples[-1], METRICS)[n] for n in METRICS], 1)
    )
    assert report["rows"] == json.loads(json.dumps(expected.to_json_dict()))["rows"]
    assert outputs["comparison report (folder)"] == tmp_path / "report"
    assert not (tmp_path / ".musiceval.lock").exists()


def test_update_does_not_wait_for_the_writer(reference, tmp_path):
    marker = tmp_path / "sink-done"
    monitor = me.Monitor(reference, sinks=[SlowSink(marker, seconds=2.0)])
    monitor.update(0, rolls(6, 4))  # the sink takes 2 s in the other process
    assert not marker.exists()
    monitor.flush()
    assert marker.read_text() == "0"
    monitor.close()


def test_a_failure_in_the_writer_is_raised_with_its_cause(reference):
    monitor = me.Monitor(reference, sinks=[FailingSink()])
    monitor.update(0, rolls(7, 4))
    with pytest.raises(
        BackgroundError, match=r"failed in record: .*RuntimeError\('disk on fire'\)"
    ):
        monitor.flush()
    with pytest.raises(BackgroundError, match=r"(?s)monitor_sinks\.py.*disk on fire"):  # traceback
        monitor.update(1, rolls(7, 4))
        monitor.flush()
    monitor.close()


def test_sinks_receive_every_evaluation_and_the_listening_files(reference, tmp_path):
    log = tmp_path / "sink.jsonl"
    with me.Monitor(reference, out_dir=tmp_path / "run", sample_every=1,
                    sinks=[RecordingSink(log)]) as monitor:  # fmt: skip
        results = [monitor.update(step, rolls(8 + step, 3)) for step in (0, 5)]
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    evaluations = [line for line in lines if line["kind"] == "evaluation"]
    assert [e["step"] for e in evaluations] == [0, 5]
    assert [e["distance"] for e in evaluations] == [r.distance for r in results]
    files = [line for line in lines if line["kind"] == "samples"]
    assert [f["shape"] for f in files] == [[3, 32, 128, 3]] * 2
    assert files[1]["files"]["samples (MIDI)"].endswith("step_000005.mid")
    assert lines[-1] == {"kind": "closed"}


def test_a_second_monitor_on_the_same_directory_is_refused(reference, tmp_path):
    first = me.Monitor(reference, out_dir=tmp_path)
    with pytest.raises(
        me.InvalidParameterError, match=rf"out_dir must be .*locked by process {os.getpid()}"
    ):
        me.Monitor(reference, out_dir=tmp_path)
    first.close()
    me.Monitor(reference, out_dir=tmp_path).close()  # released


def test_a_stale_lock_is_taken_over_with_a_warning(reference, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    (tmp_path / ".musiceval.lock").write_text(json.dumps(
        {"pid": int(dead.stdout), "host": os.uname().nodename, "since": 0}))  # fmt: skip
    with pytest.warns(RuntimeWarning, match=f"left by process {int(dead.stdout)}"):
        monitor = me.Monitor(reference, out_dir=tmp_path)
    assert json.loads((tmp_path / ".musiceval.lock").read_text())["pid"] == os.getpid()
    monitor.close()


def test_a_resumed_monitor_continues_the_same_history(reference, tmp_path):
    batches = [rolls(seed, 5) for seed in range(10, 16)]
    whole = me.Monitor(reference)
    for step, batch in enumerate(batches):
        whole.update(step, batch)
    first = me.Monitor(reference)
    for step, batch in enumerate(batches[:3]):
        first.update(step, batch)
    state = first.state_dict()
    with me.Monitor(reference, out_dir=tmp_path) as resumed:
        resumed.load_state_dict(state)
        for step, batch in list(enumerate(batches))[3:]:
            resumed.update(step, batch)
    assert resumed.history.to_frame().equals(whole.history.to_frame())
    saved = MetricHistory.load(tmp_path / "metrics.csv")  # the writer's copy was restored too
    assert saved.to_frame().equals(whole.history.to_frame())


def test_bad_samples_and_options_are_named(reference):
    monitor = me.Monitor(reference)
    with pytest.raises(
        me.InvalidParameterError,
        match=r"samples must be rolls of the reference's .* \(32, 128, 3\); got \(32, 128, 2\) at "
        r"step 4 \(shape \(2, 32, 128, 2\)",
    ):
        monitor.update(4, rolls(1, 2, n_tracks=2))
    bad = rolls(1, 2)
    bad[0, 0, 0, 0] = np.nan
    with pytest.raises(me.InvalidParameterError, match="samples of step 7: x holds NaN or inf"):
        monitor.update(7, bad)
    with pytest.raises(me.InvalidParameterError, match=r"metrics must be .*\['n_notes', "):
        me.Monitor(reference, metrics=["pitch_range"])
    with pytest.raises(me.InvalidParameterError, match="conventions must be left out"):
        me.Monitor(reference, steps_per_bar=8)
    monitor.update(9, rolls(1, 2))
    with pytest.raises(me.InvalidParameterError, match="step 8 comes before the last"):
        monitor.update(8, rolls(1, 2))


def test_a_killed_process_leaves_whole_files(reference, tmp_path):
    script = f"""
import sys, numpy as np, musiceval as me
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_monitor import rolls
reference = me.DatasetProfile.load({str(tmp_path / "profile.json")!r})
monitor = me.Monitor(reference, out_dir={str(tmp_path / "run")!r}, plot_every=1, sample_every=1)
step = 0
while True:
    monitor.update(step, rolls(step, 4))
    step += 1
    if step == 3:
        print("running", flush=True)
"""
    reference.save(tmp_path / "profile.json")
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "running"
    run = tmp_path / "run"
    deadline = time.monotonic() + 120  # kill once the writer has written each kind of file
    while time.monotonic() < deadline and not (
        (run / "metrics.png").exists() and any((run / "samples").glob("step_*.mid"))
    ):
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stdout.close()
    time.sleep(1.0)  # the writer process sees the end of its input and exits
    MetricHistory.load(run / "metrics.csv")  # a whole CSV
    assert (run / "metrics.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for path in (run / "samples").glob("step_*.mid"):
        assert path.read_bytes()[:4] == b"MThd"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the dead process's lock
        me.Monitor(reference, out_dir=run).close()
