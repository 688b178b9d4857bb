"""Originality stored with the profile (its bar index) and tracked by the Monitor (issue 12)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import musiceval as me
from musiceval.exceptions import DocumentError
from musiceval.history import MetricHistory
from musiceval.originality import BarIndex

pytestmark = pytest.mark.usefixtures("one_numba_thread")
FIXTURES = Path(__file__).parent / "fixtures"
METRICS = ["n_notes", "empty_bar_rate"]
NAMES = ["bar_match_rate", "bar_match_rate_transposed", "longest_copied_run"]


def random_rolls(seed: int, n: int, n_steps: int = 64) -> np.ndarray:
    """Sparse random four-track rolls: no bar of them is a chorale's."""
    return np.random.default_rng(seed).random((n, n_steps, 128, 4)) > 0.97


# ---------------------------------------------------------------------- profiles


def test_a_profile_indexes_its_rolls_in_the_same_pass(chorales):
    profile = me.profile(chorales, METRICS, bar_index=True, chunk_size=3)
    assert profile.bar_index == BarIndex.build(chorales)
    assert profile.bar_index.n_pieces == profile.n_samples == len(chorales)
    assert profile == me.profile(chorales, METRICS, chunk_size=3).with_bar_index(
        BarIndex.build(chorales)
    )
    assert me.profile(chorales, METRICS).bar_index is None  # the default: no index
    # the profile's steps_per_bar and lowest_pitch
    narrow = me.profile(chorales[:, :, 30:90], METRICS, lowest_pitch=30, steps_per_bar=8,
                        bar_index=True)  # fmt: skip
    assert (narrow.bar_index.steps_per_bar, narrow.bar_index.lowest_pitch) == (8, 30)
    assert (
        narrow.bar_index.n_bars
        == BarIndex.build(chorales[:, :, 30:90], steps_per_bar=8, lowest_pitch=30).n_bars
    )


def test_a_profile_with_its_index_round_trips_through_its_file(chorales, tmp_path):
    profile = me.profile(chorales, METRICS, bar_index=True)
    profile.save(tmp_path / "profile.json")
    loaded = me.DatasetProfile.load(tmp_path / "profile.json")
    assert loaded == profile and loaded.bar_index == profile.bar_index
    entry = json.loads((tmp_path / "profile.json").read_text())["bar_index"]
    assert {key: entry[key] for key in ("schema", "version", "encoding")} == {
        "schema": "musiceval.bar_index", "version": 1, "encoding": "base64",
    }  # fmt: skip
    # the embedded bytes are the file BarIndex.save writes: one format
    assert BarIndex.load(profile.bar_index.save(tmp_path / "i.npz")) == loaded.bar_index
    assert me.DatasetProfile.from_json_dict(profile.to_json_dict()) == profile


def test_profiles_without_an_index_load_as_before(chorales, tmp_path):
    old = me.DatasetProfile.load(FIXTURES / "0.1.0" / "profile.json")
    assert old.bar_index is None
    today = me.profile(chorales, METRICS)
    assert "bar_index" not in today.to_json_dict()
    today.save(tmp_path / "p.json")
    assert me.DatasetProfile.load(tmp_path / "p.json").bar_index is None


def test_merging_shard_profiles_merges_their_indexes(chorales):
    both = me.profile(chorales, METRICS, bar_index=True)
    first = me.profile(chorales[:3], METRICS, bar_index=True)
    second = me.profile(chorales[3:], METRICS, bar_index=True)
    merged = first.merge(second)
    assert merged.bar_index == both.bar_index
    assert merged.count("n_notes").tolist() == both.count("n_notes").tolist()
    with pytest.warns(UserWarning, match="only other has a bar index; the merged profile has"):
        assert me.profile(chorales[:3], METRICS).merge(second).bar_index is None
    with pytest.warns(UserWarning, match="only this profile has a bar index"):
        assert first.merge(me.profile(chorales[3:], METRICS)).bar_index is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert me.profile(chorales[:3], METRICS).merge(me.profile(chorales[3:], METRICS)) == (
            me.profile(chorales[:3], METRICS).merge(me.profile(chorales[3:], METRICS))
        )


def test_derived_profiles_keep_the_index_and_a_wrong_index_is_refused(chorales):
    profile = me.profile(chorales, METRICS, bar_index=True)
    assert profile.select(["n_notes"]).bar_index == profile.bar_index
    assert profile.with_bar_index(None).bar_index is None
    assert profile.with_bar_index(None) != profile
    with pytest.raises(me.InvalidParameterError, match=r"bar_index must be the index of the "
                       r"profiled rolls \(n_pieces=8\); got n_pieces=3"):  # fmt: skip
        profile.with_bar_index(BarIndex.build(chorales[:3]))
    with pytest.raises(me.InvalidParameterError, match=r"\(steps_per_bar=16\); got steps_per_bar"):
        profile.with_bar_index(BarIndex.build(chorales, steps_per_bar=8))
    with pytest.raises(me.InvalidParameterError, match="bar_index must be None or a musiceval"):
        profile.with_bar_index("index.npz")
    with pytest.raises(me.InvalidParameterError, match="bar_index must be True or False"):
        me.profile(chorales, METRICS, bar_index=1)
    with pytest.raises(me.InvalidParameterError, match="steps_per_bar=16 does not divide"):
        me.profile(chorales[:, :40], ["n_notes"], bar_index=True)


def test_a_damaged_embedded_index_is_a_document_error(chorales):
    document = me.profile(chorales[:2], METRICS, bar_index=True).to_json_dict()
    for entry, message in [
        ({**document["bar_index"], "version": 2}, r"reads that version only\); got .*'version': 2"),
        ({**document["bar_index"], "npz": "not base64!"}, "bar_index.npz must be base64"),
        ({**document["bar_index"], "npz": "AAAA"}, r"\(field bar_index\) is not a musiceval bar"),
        ([], "field bar_index must be an object; got"),
    ]:
        with pytest.raises(
            DocumentError, match=f"src is a malformed musiceval profile: .*{message}"
        ):
            me.DatasetProfile.from_json_dict({**document, "bar_index": entry}, source="src")


# ---------------------------------------------------------------------- the Monitor


def test_copied_bar_counts_are_the_counts_behind_the_two_measures(chorales):
    from musiceval.originality import bar_match_rate, copied_bar_counts, longest_copied_run

    index = BarIndex.build(chorales[:5])
    mixed = np.concatenate([chorales[3:7], np.roll(chorales[:2], 3, axis=2), random_rolls(8, 2)])
    mixed[0, 16:32] = False  # an empty bar in a copy: 3 bars left, runs of 1 and 2
    counts = copied_bar_counts(mixed, index)
    n_bars = counts["n_bars"]
    assert n_bars.tolist() == [3, 4, 4, 4, 4, 4, 4, 4]
    for key, transposition in (("matched", False), ("matched_transposed", True)):
        rates = bar_match_rate(mixed, index, transposition=transposition)["merged"]
        np.testing.assert_array_equal(counts[key] / n_bars, rates)
    np.testing.assert_array_equal(counts["longest_copied_run"], longest_copied_run(mixed, index))
    assert counts["matched"].tolist() == [3, 4, 0, 0, 0, 0, 0, 0]
    assert counts["matched_transposed"].tolist() == [3, 4, 0, 0, 4, 4, 0, 0]
    assert counts["longest_copied_run"].tolist() == [2, 4, 0, 0, 0, 0, 0, 0]
    assert {v.dtype for v in counts.values()} == {np.dtype(np.int64)}


def test_copies_of_training_segments_are_fully_copied_and_random_rolls_not(chorales):
    monitor = me.Monitor(chorales, metrics=METRICS)
    assert monitor.bar_index == BarIndex.build(chorales)
    copied = monitor.update(1, chorales[2:6])
    assert copied.originality == {
        "bar_match_rate": 1.0, "bar_match_rate_transposed": 1.0, "longest_copied_run": 4.0,
    }  # fmt: skip
    assert monitor.update(2, random_rolls(0, 4)).originality == dict.fromkeys(NAMES, 0.0)
    # a copy a tone up: every bar is found up to transposition only
    shifted = monitor.update(3, np.roll(chorales[:4], 2, axis=2)).originality
    assert shifted == {
        "bar_match_rate": 0.0, "bar_match_rate_transposed": 1.0, "longest_copied_run": 0.0,
    }  # fmt: skip
    monitor.close()


def test_rates_pool_bars_over_samples_by_hand(chorales):
    # sample 0: 4 bars copied; sample 1: bars 0-1 copied, bars 2-3 random; sample 2: silent
    samples = np.zeros((3, 64, 128, 4), bool)
    samples[0] = chorales[5]
    samples[1, :32], samples[1, 32:] = chorales[1, :32], random_rolls(1, 1, 32)[0]
    monitor = me.Monitor(me.profile(chorales, METRICS, bar_index=True))
    result = monitor.update(0, samples).originality
    assert result["bar_match_rate"] == result["bar_match_rate_transposed"] == 6 / 8
    assert result["longest_copied_run"] == 4.0
    assert math.isnan(monitor.update(1, samples[2:]).originality["bar_match_rate"])
    assert monitor.update(2, samples[2:]).originality["longest_copied_run"] == 0.0


def test_the_index_comes_from_the_profile_the_argument_or_nowhere(chorales, tmp_path):
    plain = me.profile(chorales, METRICS)
    index = BarIndex.build(chorales[:4])
    explicit = me.Monitor(plain, bar_index=index)
    assert explicit.bar_index is index
    assert explicit.update(0, chorales[4:5]).originality["bar_match_rate"] < 1.0
    assert me.Monitor(chorales, metrics=METRICS, originality=False).bar_index is None
    assert me.Monitor(me.profile(chorales, METRICS, bar_index=True),
                      originality=False).bar_index is None  # fmt: skip
    with pytest.raises(
        me.InvalidParameterError,
        match=r"bar_index must be an index of the "
        r"reference's rolls .*'steps_per_bar': 16\}; got .*'steps_per_bar': 8",
    ):
        me.Monitor(plain, bar_index=BarIndex.build(chorales, steps_per_bar=8))
    with me.Monitor(plain, out_dir=tmp_path, metrics=["n_notes"]) as monitor:
        assert monitor.update(0, chorales[:2]).originality == {}
    assert not (tmp_path / "originality.csv").exists()
    assert not (tmp_path / "originality.png").exists()
    assert "set_level" not in monitor.state_dict()["history"]


def test_the_writer_keeps_the_series_in_originality_csv_and_png(chorales, tmp_path):
    batches = [chorales[:3], random_rolls(2, 3), np.roll(chorales[3:6], 1, axis=2)]
    with me.Monitor(chorales, metrics=METRICS, out_dir=tmp_path, plot_every=1) as monitor:
        results = [monitor.update(10 * step, batch) for step, batch in enumerate(batches)]
    table = pd.read_csv(tmp_path / "originality.csv")
    assert list(table.columns) == ["step", *NAMES]
    assert table["step"].tolist() == [0, 10, 20]
    for name in NAMES:
        assert table[name].tolist() == [result.originality[name] for result in results]
    assert table.equals(monitor.history.set_level_frame())
    assert (tmp_path / "originality.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert monitor.outputs["originality (CSV)"] == tmp_path / "originality.csv"
    # metrics.csv keeps its columns, without the set-level series
    assert list(pd.read_csv(tmp_path / "metrics.csv").columns) == [
        "step", "metric", "track", "value", "count", "track_name",
    ]  # fmt: skip


def test_the_final_report_says_how_much_of_the_last_samples_is_copied(chorales, tmp_path):
    plain = me.profile(chorales, METRICS)  # no index in the profile: the argument's is used
    index = BarIndex.build(chorales, steps_per_bar=16)
    with me.Monitor(plain, bar_index=index, out_dir=tmp_path) as monitor:
        monitor.update(0, random_rolls(1, 3))
        state = monitor.state_dict()
        monitor.update(1, chorales[:3])
    assert state["last"]["copied"] == [[0.0, 0.0, 4.0, 0.0]] * 3  # 4 bars, none copied
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    found = {row["statistic"]: row["estimate"] for row in report["originality"]}
    assert found == {"bar_match_rate": 1.0, "bar_match_rate_transposed": 1.0,
                     "longest_copied_run": 4.0}  # fmt: skip
    assert (
        "of the generated non-empty bars occur in the training set"
        in (tmp_path / "report" / "report.md").read_text()
    )


def test_a_resumed_monitor_continues_the_same_originality(chorales, tmp_path):
    reference = me.profile(chorales, METRICS, bar_index=True)
    batches = [chorales[:2], random_rolls(3, 2), chorales[4:6], random_rolls(4, 2)]
    whole = me.Monitor(reference)
    for step, batch in enumerate(batches):
        whole.update(step, batch)
    first = me.Monitor(reference)
    for step, batch in enumerate(batches[:2]):
        first.update(step, batch)
    state = first.state_dict()
    assert state["history"]["set_level"]["steps"] == [0, 0, 0, 1, 1, 1]
    with me.Monitor(reference, out_dir=tmp_path / "resumed") as resumed:
        resumed.load_state_dict(state)
        for step, batch in list(enumerate(batches))[2:]:
            resumed.update(step, batch)
    expected = whole.history.set_level_frame()
    assert resumed.history.set_level_frame().equals(expected)
    saved = pd.read_csv(tmp_path / "resumed" / "originality.csv")
    assert saved.equals(expected)  # the writer's copy was restored too


def test_the_tensorboard_sink_logs_the_originality(chorales, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from musiceval.integrations import TensorBoardSink

    sink = TensorBoardSink(tmp_path / "tb")
    with me.Monitor(chorales, metrics=["n_notes"], sinks=[sink]) as monitor:
        results = [monitor.update(5, chorales[:2]), monitor.update(6, random_rolls(5, 2))]
    events = EventAccumulator(str(tmp_path / "tb"), size_guidance={"scalars": 0}).Reload()
    for name in NAMES:
        logged = events.Scalars(f"musiceval/originality/{name}")
        assert [(e.step, e.value) for e in logged] == [
            (r.step, np.float32(r.originality[name])) for r in results
        ]


# ---------------------------------------------------------------------- history and figure


def test_set_level_series_are_recorded_checked_and_restored():
    history = MetricHistory()
    history.record_set_level(0, {"a": 0.5, "b": 2})
    history.record_set_level(3, {"a": np.float64(0.25)})
    assert history.set_level_names == ["a", "b"]
    steps, values = history.set_level_series("a")
    assert steps.tolist() == [0, 3] and values.tolist() == [0.5, 0.25]
    frame = history.set_level_frame()
    assert frame["step"].tolist() == [0, 3] and frame["b"].tolist()[0] == 2.0
    assert math.isnan(frame["b"].tolist()[1])
    assert len(history) == 0 and history.to_frame().empty  # apart from the per-track records
    twin = MetricHistory()
    twin.load_state_dict(history.state_dict())
    assert twin.set_level_frame().equals(frame)
    assert history.copy().set_level_frame().equals(frame)
    for step, values, message in [
        (2, {"a": 1.0}, "step 2 comes before the last recorded step 3"),
        (3, {"a": 1.0}, r"step 3 already holds the set-level \['a'\]"),
        (4, {}, "values must be a non-empty mapping"),
        (4, {"a": "x"}, r"values\['a'\] must be a real number"),
        (4, {"": 1.0}, "values must be keyed by non-empty names"),
    ]:
        with pytest.raises(me.InvalidParameterError, match=message):
            history.record_set_level(step, values)
    assert history.set_level_frame().equals(frame)  # nothing recorded by a refused call


def test_plot_originality_draws_a_history_or_its_table(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    from musiceval.plot import plot_originality

    history = MetricHistory()
    for step, rate in [(0, 0.5), (10, 0.25), (20, 0.0)]:
        history.record_set_level(step, dict(zip(NAMES, [rate, rate + 0.1, 4 * rate], strict=True)))
    assert plot_originality(history, tmp_path / "o.png") == tmp_path / "o.png"
    figure = plot_originality(history.set_level_frame())
    ax = figure.axes[0]
    assert [line.get_ydata().tolist() for line in ax.lines] == [[0.5, 0.25, 0.0],
                                                                [0.6, 0.35, 0.1]]  # fmt: skip
    assert figure.axes[1].lines[0].get_ydata().tolist() == [2.0, 1.0, 0.0]
    own = Figure()
    axis = own.subplots()
    assert plot_originality(history, ax=axis) is own and len(own.axes) == 2
    with pytest.raises(me.InvalidParameterError, match="holds no originality to draw"):
        plot_originality(MetricHistory())
    with pytest.raises(me.InvalidParameterError, match="history_or_frame must be a Metric"):
        plot_originality({"step": [1]})


# ---------------------------------------------------------------------- DDP

_DDP_SCRIPT = """
import json, sys
import numpy as np
import torch.distributed as dist
import musiceval as me

dist.init_process_group("gloo")
rank = dist.get_rank()
rolls = np.load(sys.argv[1])
reference = me.profile(rolls, ["n_notes"], bar_index=True)
mine = np.load(sys.argv[2])[rank]
with me.Monitor(reference, out_dir=sys.argv[3]) as monitor:
    results = [monitor.update(step, mine[:, :, :, :, step]).originality for step in (0, 1)]
with open(f"{sys.argv[4]}/rank{rank}.json", "w") as file:
    json.dump(results, file)
# as a DDP script ends (tests/ddp_script.py): rank 0 is still writing the final report when
# rank 1 is done, and a process that exits with its process group open aborts in gloo
dist.barrier()
dist.destroy_process_group()
"""


def test_under_ddp_every_rank_gets_the_originality_of_the_union(chorales, tmp_path):
    pytest.importorskip("torch.distributed")
    # rank 0: 2 copied chorale segments and 2 random rolls; rank 1: the other way round;
    # the second update: the same, a tone up (found up to transposition only)
    ranks = np.stack([
        np.concatenate([chorales[:2], random_rolls(6, 2)]),
        np.concatenate([random_rolls(7, 2), chorales[2:4]]),
    ])  # fmt: skip
    ranks = np.stack([ranks, np.roll(ranks, 2, axis=3)], axis=-1)  # (rank, n, T, P, K, update)
    # first in this process: the ranks then find the compiled kernels cached
    single = me.Monitor(me.profile(chorales, ["n_notes"], bar_index=True))
    expected = [single.update(step, np.concatenate(ranks[..., step])).originality
                for step in (0, 1)]  # fmt: skip
    single.close()
    np.save(tmp_path / "rolls.npy", chorales)
    np.save(tmp_path / "ranks.npy", ranks)
    (tmp_path / "script.py").write_text(_DDP_SCRIPT)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc_per_node=2", str(tmp_path / "script.py"), str(tmp_path / "rolls.npy"),
               str(tmp_path / "ranks.npy"), str(tmp_path / "run"), str(tmp_path)]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    got = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(2)]
    assert got[0] == got[1] == expected
    assert expected[0]["bar_match_rate"] == expected[1]["bar_match_rate_transposed"] == 0.5
    table = pd.read_csv(tmp_path / "run" / "originality.csv")
    assert table[NAMES].to_dict("records") == expected
