"""The Monitor watches vector-valued metrics (histograms, transition matrices): per metric and
track, the total variation distance between each update's mean distribution and the reference
profile's, in ``Evaluation.vector_distances``, ``vectors.csv``, TensorBoard, the callbacks' logs,
its state and the final report.

Run as a script under ``torchrun --nproc_per_node=2`` (``ddp OUT RESULTS``) it is the DDP part:
each rank passes its own samples to the same Monitor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from integration_kit import TRACKS, chorale_rolls

import musiceval as me
from musiceval.distances import total_variation_distance
from musiceval.history import MetricHistory
from musiceval.monitor import distance_to_reference

pytestmark = pytest.mark.usefixtures("one_numba_thread")
PCH = "pitch_class_histogram"
C, D, E, G = 60, 62, 64, 67


def pitch_rolls(notes: list[tuple[list[int], list[int]]]) -> np.ndarray:
    """Bool rolls (n, 16, 128, 2): per sample, the pitches each track holds for all 16 steps."""
    x = np.zeros((len(notes), 16, 128, 2), bool)
    for s, tracks in enumerate(notes):
        for k, pitches in enumerate(tracks):
            x[s, :, pitches, k] = True
    return x


# the reference: track a always C; track b E in two samples, G in two -> mean b = E/2 + G/2
REFERENCE = pitch_rolls([([C], [E]), ([C], [E]), ([C], [G]), ([C], [G])])
# generated: a = C, D, C -> mean 2/3 C + 1/3 D, TV 1/3; b = E, E+G (half each), silent ->
# mean over the two defined samples 3/4 E + 1/4 G, TV (|3/4 - 1/2| + |1/4 - 1/2|) / 2 = 1/4
GENERATED = pitch_rolls([([C], [E]), ([D], [E, G]), ([C], [])])
BY_HAND = np.array([1 / 3, 1 / 4])


@pytest.fixture(scope="module")
def reference() -> me.DatasetProfile:
    return me.profile(REFERENCE, ["n_notes", PCH, "n_pitches_used"], track_names=["a", "b"])


def test_update_gives_the_total_variation_distance_by_hand(reference):
    np.testing.assert_allclose(reference.mean(PCH)[1][[4, 7]], [0.5, 0.5])
    monitor = me.Monitor(reference)
    assert monitor.metrics == ("n_notes", "n_pitches_used") and monitor.vector_metrics == (PCH,)
    result = monitor.update(5, GENERATED)
    assert list(result.vector_distances) == [PCH]
    np.testing.assert_allclose(result.vector_distances[PCH], BY_HAND, rtol=1e-12)
    means = np.zeros((2, 12))
    means[0, [0, 2]] = [2 / 3, 1 / 3]
    means[1, [4, 7]] = [3 / 4, 1 / 4]
    np.testing.assert_allclose(result.vector_means[PCH], means, rtol=1e-12)
    # the scalars are what they were: compute's values, the distance over scalars only
    direct = me.compute(GENERATED, ["n_notes", "n_pitches_used"], **reference.conventions)
    assert list(result.values) == ["n_notes", "n_pitches_used"]
    for name, values in direct.items():
        np.testing.assert_array_equal(result.values[name], values)
    assert result.distance == distance_to_reference(direct, reference)
    frame = monitor.history.vector_distance_frame()
    assert frame["step"].tolist() == [5, 5] and frame["track_name"].tolist() == ["a", "b"]
    np.testing.assert_allclose(frame["tv_distance"], BY_HAND, rtol=1e-12)
    assert monitor.history.metrics == ["n_notes", "n_pitches_used"]  # metrics.csv: scalars


def test_the_watched_metrics_and_the_errors_naming_them(reference):
    only = me.Monitor(reference, metrics=["n_notes"])
    assert only.vector_metrics == () and only.update(0, GENERATED).vector_distances == {}
    chosen = me.Monitor(reference, metrics=[PCH, "n_notes"])
    assert chosen.metrics == ("n_notes",) and chosen.vector_metrics == (PCH,)
    with pytest.raises(me.InvalidParameterError, match="ioi_histogram"):
        me.Monitor(reference, metrics=["n_notes", "ioi_histogram"])  # not profiled
    with pytest.raises(me.InvalidParameterError, match="include a scalar metric"):
        me.Monitor(reference, metrics=[PCH])
    # a Monitor that profiles rolls profiles the vector metrics it is asked for
    rolled = me.Monitor(REFERENCE, metrics=["n_notes", PCH], track_names=["a", "b"])
    assert rolled.profile.vector_metrics == (PCH,)
    np.testing.assert_allclose(rolled.update(1, GENERATED).vector_distances[PCH], BY_HAND)


def test_the_files_the_report_and_a_resumed_run_keep_every_row(reference, tmp_path):
    first = me.Monitor(reference, out_dir=tmp_path / "run", report=False)
    first.update(0, REFERENCE)
    first.update(10, GENERATED)
    state = json.loads(json.dumps(first.state_dict()))  # plain values, as a checkpoint holds
    first.close()
    assert state["history"]["vector_distances"]["steps"] == [0, 10]

    resumed = me.Monitor(reference, out_dir=tmp_path / "run")
    resumed.load_state_dict(state)
    resumed.update(20, GENERATED[:1])  # a = C, b = E: TV 0 and 1/2
    outputs = resumed.close()
    run = tmp_path / "run"
    assert outputs["vector distances (CSV)"] == run / "vectors.csv"
    assert (run / "vectors.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    import pandas as pd

    written = pd.read_csv(run / "vectors.csv")
    assert list(written.columns) == ["step", "metric", "track", "tv_distance", "track_name"]
    assert written["step"].tolist() == [0, 0, 10, 10, 20, 20]
    assert set(written["metric"]) == {PCH} and written["track"].tolist() == [0, 1] * 3
    np.testing.assert_allclose(written["tv_distance"], [0, 0, *BY_HAND, 0, 0.5], atol=1e-12)

    # the final report compares the last update's vectors with the profile
    report = (run / "report" / "report.md").read_text()
    assert "## Vector metrics" in report
    table = json.loads((run / "report" / "report.json").read_text())["vector_distances"]
    assert [row["tv_distance"] for row in table["rows"]] == pytest.approx([0.0, 0.5])


def test_a_resumed_monitor_writes_the_report_of_the_restored_vectors(reference, tmp_path):
    first = me.Monitor(reference)
    first.update(3, GENERATED)
    resumed = me.Monitor(reference, out_dir=tmp_path / "run")
    resumed.load_state_dict(json.loads(json.dumps(first.state_dict())))
    resumed.close()  # no update since the restore: the report of the restored last update
    table = json.loads((tmp_path / "run" / "report" / "report.json").read_text())
    np.testing.assert_allclose([r["tv_distance"] for r in table["vector_distances"]["rows"]],
                               BY_HAND)  # fmt: skip


def test_history_vector_distances_round_trip_and_refusals():
    history = MetricHistory(track_names=["a", "b"])
    history.record_vector_distances(1, {PCH: [0.25, np.nan]})
    history.record_vector_distances(2, {PCH: [0.5, 0.0], "ioi_histogram": [1.0, 0.0]})
    assert history.vector_metrics == [PCH, "ioi_histogram"]
    copy = history.copy()
    restored = MetricHistory()
    restored.load_state_dict(history.state_dict())
    for other in (copy, restored):
        frame = other.vector_distance_frame()
        assert frame["step"].tolist() == [1, 1, 2, 2, 2, 2]
        np.testing.assert_array_equal(frame["tv_distance"], [0.25, np.nan, 0.5, 0, 1, 0])
    history.record_vector_distances(3, {PCH: [0.0, 0.0]})
    assert len(copy.vector_distance_frame()) == 6  # the copy is left as it was
    with pytest.raises(me.InvalidParameterError, match="before the last recorded step 3"):
        history.record_vector_distances(2, {PCH: [0.0, 0.0]})
    with pytest.raises(me.InvalidParameterError, match="already holds the vector distances"):
        history.record_vector_distances(3, {PCH: [0.0, 0.0]})
    with pytest.raises(me.InvalidParameterError, match="one value per track \\(2\\)"):
        history.record_vector_distances(4, {PCH: [0.0, 0.0, 0.0]})
    assert MetricHistory().state_dict().get("vector_distances") is None


def test_a_sink_receives_the_vector_distances_as_tensorboard_scalars(reference, tmp_path):
    pytest.importorskip("torch")
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )
    from musiceval.integrations import TensorBoardSink

    sink = TensorBoardSink(tmp_path / "tb", track_names=reference.tracks)
    with me.Monitor(reference, report=False, sinks=[sink]) as monitor:
        monitor.update(1, REFERENCE)
        monitor.update(2, GENERATED)
    events = event_accumulator.EventAccumulator(str(tmp_path / "tb")).Reload()
    for k, track in enumerate(reference.tracks):
        scalars = events.Scalars(f"musiceval/vectors/{PCH}/{track}")
        assert [e.step for e in scalars] == [1, 2]
        np.testing.assert_allclose([e.value for e in scalars], [0.0, BY_HAND[k]], rtol=1e-6)


def test_lightning_logs_the_vector_distances_of_its_samples(tmp_path):
    torch = pytest.importorskip("torch")
    pl = pytest.importorskip("lightning.pytorch")
    import pandas as pd
    from integration_kit import fixed_noise, tiny_gan, training_data

    from musiceval.integrations.lightning import MonitorCallback

    reference = me.profile(chorale_rolls(0, 40), ["n_notes", PCH], track_names=TRACKS)
    captured = []

    def sample(module):
        captured.append(module.generator(fixed_noise()))
        return captured[-1]

    monitor = me.Monitor(reference, out_dir=tmp_path / "run", report=False)
    trainer = pl.Trainer(
        max_steps=4, callbacks=[MonitorCallback(monitor, sample, every_n_steps=2)],
        accelerator="cpu", devices=1, logger=pl.loggers.CSVLogger(tmp_path, name="logs"),
        log_every_n_steps=1, enable_progress_bar=False, enable_model_summary=False,
    )  # fmt: skip
    data = torch.utils.data.TensorDataset(*training_data())
    trainer.fit(tiny_gan(), torch.utils.data.DataLoader(data, batch_size=16))

    logged = pd.read_csv(Path(trainer.logger.log_dir) / "metrics.csv")
    rows = logged.dropna(subset=["musiceval/distance"])
    assert len(rows) == len(captured) == 2
    written = pd.read_csv(tmp_path / "run" / "vectors.csv", keep_default_na=False,
                          na_values=[""])  # fmt: skip
    assert written["step"].tolist() == [2] * 3 + [4] * 3
    for n, ((_, row), samples) in enumerate(zip(rows.iterrows(), captured, strict=True)):
        vectors = me.compute(samples, [PCH], **reference.conventions)[PCH]
        for k, track in enumerate(TRACKS):
            expected = total_variation_distance(reference.mean(PCH)[k][None], vectors[:, k])
            np.testing.assert_equal(row[f"musiceval/vectors/{PCH}/{track}"], expected)
            np.testing.assert_equal(written["tv_distance"].iloc[3 * n + k], expected)


def test_ddp_distances_are_over_every_ranks_samples(tmp_path):
    pytest.importorskip("torch.distributed")
    out, results = tmp_path / "run", tmp_path / "results"
    results.mkdir()
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", __file__, "ddp", str(out), str(results)]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ranks = [dict(np.load(results / f"rank{r}.npz")) for r in range(2)]

    single = me.Monitor(ddp_reference())
    for step in DDP_STEPS:
        union = np.concatenate([ranks[0][f"samples_{step}"], ranks[1][f"samples_{step}"]])
        expected = single.update(step, union).vector_distances[PCH]
        np.testing.assert_array_equal(ranks[0][f"tv_{step}"], expected)
        np.testing.assert_array_equal(ranks[1][f"tv_{step}"], expected)
    import pandas as pd

    written = pd.read_csv(out / "vectors.csv", keep_default_na=False, na_values=[""])
    expected_frame = single.history.vector_distance_frame()
    np.testing.assert_array_equal(written["tv_distance"], expected_frame["tv_distance"])
    assert written["step"].tolist() == expected_frame["step"].tolist()
    assert "## Vector metrics" in (out / "report" / "report.md").read_text()


# ---------------------------------------------------------------------- the DDP script

DDP_STEPS = (0, 10)


def ddp_reference() -> me.DatasetProfile:
    return me.profile(chorale_rolls(0, 20), ["n_notes", PCH], track_names=TRACKS)


def run_ddp(out: Path, results: Path) -> None:
    """Each rank passes its own samples (3 on rank 0, 4 on rank 1) at every step."""
    import torch.distributed as dist

    dist.init_process_group("gloo")
    rank = dist.get_rank()
    monitor = me.Monitor(ddp_reference(), out_dir=out)
    arrays = {}
    for step in DDP_STEPS:
        samples = chorale_rolls(1000 * step + rank + 1, 3 + rank)
        arrays[f"samples_{step}"] = samples
        arrays[f"tv_{step}"] = monitor.update(step, samples).vector_distances[PCH]
    monitor.close()
    np.savez(results / f"rank{rank}.npz", **arrays)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    assert sys.argv[1] == "ddp"
    run_ddp(Path(sys.argv[2]), Path(sys.argv[3]))
