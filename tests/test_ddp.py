"""The Monitor under DDP: two CPU processes (gloo) started by torchrun, each passing its own
samples; rank 0's files equal a one-process evaluation of the union, rank 1 writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from integration_kit import METRICS, TRACKS, chorale_rolls

import musiceval as me
from musiceval.compare import Report
from musiceval.history import MetricHistory

pytest.importorskip("torch.distributed")
pytestmark = pytest.mark.usefixtures("one_numba_thread")
SCRIPT = Path(__file__).with_name("ddp_script.py")


def torchrun(mode: str, tmp_path: Path) -> tuple[Path, list[dict], list[dict]]:
    """Run the script on two processes; the output directory and each rank's results."""
    out, results = tmp_path / "run", tmp_path / "results"
    results.mkdir()
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", str(SCRIPT), mode, str(out), str(results)]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    arrays = [dict(np.load(results / f"rank{r}.npz")) for r in range(2)]
    summaries = [json.loads((results / f"rank{r}.json").read_text()) for r in range(2)]
    return out, arrays, summaries


@pytest.fixture(scope="module")
def reference() -> me.DatasetProfile:
    return me.profile(chorale_rolls(0, 40), METRICS, track_names=TRACKS)


def history_of(state: dict) -> MetricHistory:
    history = MetricHistory(track_names=TRACKS)
    history.load_state_dict(state)
    return history


def test_rank_0_writes_the_evaluation_of_the_union_and_rank_1_nothing(reference, tmp_path):
    out, arrays, summaries = torchrun("monitor", tmp_path)

    # one process, the union of the samples in rank order
    single = me.Monitor(reference)
    for step in (0, 10, 20):
        union = np.concatenate([arrays[0][f"samples_{step}"], arrays[1][f"samples_{step}"]])
        assert len(union) == 3 + 4  # rank 0 gave 3 samples, rank 1 gave 4
        distance = single.update(step, union).distance
        assert arrays[0][f"distance_{step}"] == arrays[1][f"distance_{step}"] == distance
    expected = single.history.to_frame()
    assert history_of(summaries[0]["history"]).to_frame().equals(expected)
    assert history_of(summaries[1]["history"]).to_frame().equals(expected)  # every rank records
    assert MetricHistory.load(out / "metrics.csv").to_frame().equals(expected)
    last = np.stack([me.compute(union, METRICS)[name] for name in METRICS], axis=1)
    report = json.loads((out / "report" / "report.json").read_text())
    assert report["rows"] == json.loads(json.dumps(Report(reference, last).to_json_dict()))["rows"]

    # only rank 0 writes: its files, no lock left, and rank 1 started no writer
    assert [s["writes_files"] for s in summaries] == [True, False]
    assert summaries[1]["outputs"] == [] and summaries[1]["background_seconds"] == 0.0
    assert "comparison report (folder)" in summaries[0]["outputs"]
    assert sorted(p.name for p in out.iterdir()) == ["metrics.csv", "metrics.png", "report",
                                                      "samples"]  # fmt: skip
    assert sorted(p.name for p in (out / "samples").iterdir()) == [
        f"step_{s:06d}.{e}" for s in (0, 20) for e in ("mid", "png", "wav")
    ]


def test_lightning_ddp_gathers_the_ranks_samples(reference, tmp_path):
    pytest.importorskip("lightning")
    out, arrays, summaries = torchrun("lightning", tmp_path)

    single = me.Monitor(reference)
    for k, step in enumerate((2, 4)):
        union = np.concatenate([arrays[0][f"samples_{k}"], arrays[1][f"samples_{k}"]])
        distance = single.update(step, union).distance
    assert arrays[0]["last_distance"] == arrays[1]["last_distance"] == distance
    expected = single.history.to_frame()
    for summary in summaries:
        assert history_of(summary["history"]).to_frame().equals(expected)
    assert MetricHistory.load(out / "metrics.csv").to_frame().equals(expected)
    assert [s["writes_files"] for s in summaries] == [True, False]
    assert summaries[1]["outputs"] == []
    assert sorted(p.name for p in out.iterdir()) == ["metrics.csv", "metrics.png"]


def test_hf_ddp_gathers_the_ranks_samples(reference, tmp_path):
    pytest.importorskip("transformers")
    out, arrays, summaries = torchrun("hf", tmp_path)

    single = me.Monitor(reference)
    distances = []
    for k, step in enumerate((2, 4)):
        union = np.concatenate([arrays[0][f"samples_{k}"], arrays[1][f"samples_{k}"]])
        distances.append(single.update(step, union).distance)
    np.testing.assert_array_equal(arrays[0]["distances"], distances)  # trainer.log on each rank
    np.testing.assert_array_equal(arrays[1]["distances"], distances)
    expected = single.history.to_frame()
    assert MetricHistory.load(out / "metrics.csv").to_frame().equals(expected)
    assert [s["writes_files"] for s in summaries] == [True, False]
    assert sorted(p.name for p in out.iterdir()) == ["metrics.csv", "metrics.png"]
