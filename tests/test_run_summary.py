"""The end of a training run: the results of ``summary.json`` (final metric distance, Fréchet
distance, the pairs furthest from the training set), the lines printed from them, and the
y-limits of the trajectory figure ``metrics.png``.

One short real run (the tiny configuration of ``_trainer_kit`` on 16 synthetic four-voice
samples) is checked against what the run's own files say: ``report/report.json`` (the
comparison report of the final samples, written by the Monitor's background process),
``metrics.csv`` and ``reference_profile.json``.
"""

import json
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from _trainer_kit import four_voices, trainer  # noqa: E402

from musiceval.history import MetricHistory  # noqa: E402
from musiceval.models import LossLogger, MetricsHook  # noqa: E402
from musiceval.models.evaluation import MAX_EFFECT, furthest  # noqa: E402
from musiceval.models.run_files import (  # noqa: E402
    load_summary,
    run_summary,
    summary_lines,
    write_summary,
)
from musiceval.profiles import DatasetProfile  # noqa: E402

GENERATED = ["1", "2", "3"]  # track 0 is the condition


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    hook = MetricsHook(plot_every=100)
    state = trainer(out, four_voices(), hooks=[LossLogger(), hook]).fit()
    report = json.loads((out / "report" / "report.json").read_text())
    rows = {(row["metric"], row["track"]): row for row in report["rows"]}
    return {"out": out, "state": state, "hook": hook, "report": report, "rows": rows}


def _number(value):
    return math.inf if value == "inf" else -math.inf if value == "-inf" else float(value)


def _effect(row):
    """|g - r| / sqrt((s_r^2 + s_g^2) / 2), from a row of report.json."""
    difference = abs(_number(row["difference"]))
    pooled = math.sqrt((row["reference_std"] ** 2 + row["generated_std"] ** 2) / 2)
    if difference == 0:
        return 0.0
    return math.inf if pooled == 0 else difference / pooled


def test_the_summary_holds_the_final_results_of_the_run(run):
    summary = load_summary(run["out"] / "summary.json")
    results = summary["results"]
    assert results == run["hook"].results
    assert (results["step"], results["n_samples"], results["tracks"]) == (4, 4, GENERATED)
    # the metric distance: the state's, and the mean capped effect size of the report's rows
    distance = results["metric_distance"]
    assert (
        distance == summary["scores"]["metric_distance"] == run["state"].scores["metric_distance"]
    )
    effects = [_effect(row) for key, row in run["rows"].items() if key[1] in GENERATED]
    assert len(effects) == 6
    assert distance == pytest.approx(np.mean(np.minimum(effects, MAX_EFFECT)), rel=1e-12)
    # the Fréchet distance: the report's
    assert results["frechet_distance"] == pytest.approx(
        float(run["report"]["frechet_distance"]), rel=1e-12
    )
    assert results["frechet_distance"] > 0


def test_the_three_furthest_pairs_are_the_report_rows_of_largest_effect(run):
    results = load_summary(run["out"] / "summary.json")["results"]
    generated = {key: row for key, row in run["rows"].items() if key[1] in GENERATED}
    ranked = sorted(generated, key=lambda key: -_effect(generated[key]))  # stable
    pairs = results["furthest"]
    assert [(pair["metric"], pair["track"]) for pair in pairs] == ranked[:3]
    history = MetricHistory.load(run["out"] / "metrics.csv")
    profile = DatasetProfile.load(run["out"] / "reference_profile.json")
    for pair in pairs:
        row = run["rows"][(pair["metric"], pair["track"])]
        k = int(pair["track"])
        for key in ("generated_mean", "generated_std", "reference_mean", "reference_std"):
            assert pair[key] == row[key], key
        assert pair["z_score"] == _number(row["z_score"])
        assert pair["effect_size"] == pytest.approx(_effect(row), rel=1e-12)
        assert pair["reference_mean"] == profile.mean(pair["metric"])[k]
        assert pair["reference_std"] == profile.std(pair["metric"])[k]
        steps, means = history.series(pair["metric"], k)
        assert steps[-1] == 4
        assert pair["generated_mean"] == pytest.approx(means[-1], rel=1e-12)


def test_the_printed_summary_says_the_results(run):
    summary = load_summary(run["out"] / "summary.json")
    results = summary["results"]
    lines = summary_lines(summary)
    text = "\n".join(lines)
    assert lines[0] == "completed at step 4 of 4 (epoch 2)"
    assert lines[1] == "results at step 4: 4 samples of 1, 2, 3 against the training set"
    assert f"metric distance   {results['metric_distance']:.4g}  (" in lines[2]
    assert f"Fréchet distance  {results['frechet_distance']:.4g}  (" in lines[3]
    table = lines[5:9]
    assert table[0].split() == ["metric", "·", "track", "generated", "reference", "effect", "z"]
    for line, pair in zip(table[1:], results["furthest"], strict=True):
        cells = line.split()
        assert cells[:3] == [pair["metric"], "·", pair["track"]]
        numbers = [pair[key] for key in ("generated_mean", "generated_std", "reference_mean",
                                         "reference_std", "effect_size", "z_score")]  # fmt: skip
        assert cells[3:] == [
            f"{numbers[0]:.4g}", "±", f"{numbers[1]:.4g}",
            f"{numbers[2]:.4g}", "±", f"{numbers[3]:.4g}",
            f"{numbers[4]:.4g}", f"{numbers[5]:.4g}",
        ]  # fmt: skip
    assert lines[9].startswith("wall time ")
    assert lines[10].startswith("  0:LossLogger ") and "% of the wall time)" in lines[10]
    assert lines[11].startswith("  1:MetricsHook ")
    assert "stopped by" not in text


def test_non_finite_results_are_written_as_strings_and_read_back(run, tmp_path):
    summary = load_summary(run["out"] / "summary.json")
    pair = {
        "metric": "polyphonic_rate",
        "track": "1",
        "effect_size": math.inf,
        "z_score": -math.inf,
        "generated_mean": 0.5,
        "generated_std": 0.0,
        "reference_mean": 1.0,
        "reference_std": 0.0,
    }
    summary["results"] = {**summary["results"], "frechet_distance": math.nan, "furthest": [pair]}
    write_summary(tmp_path, summary)
    written = json.loads((tmp_path / "summary.json").read_text())["results"]
    assert written["frechet_distance"] == "nan"
    assert (written["furthest"][0]["effect_size"], written["furthest"][0]["z_score"]) == (
        "inf",
        "-inf",
    )
    again = load_summary(tmp_path / "summary.json")["results"]
    assert math.isnan(again["frechet_distance"])
    assert again["furthest"] == [pair]
    lines = summary_lines(load_summary(tmp_path / "summary.json"))
    assert "Fréchet distance  nan  (" in lines[3]
    assert lines[6].split()[-2:] == ["inf", "-inf"]


def test_a_summary_without_results_loads_and_prints(run, tmp_path):
    """Version 1 summaries written before ``results`` existed, and runs without a MetricsHook
    (or diverged before its on_train_end), have no results."""
    state = run["state"]
    summary = run_summary(
        state,
        device="cpu",
        torch_threads=1,
        wall_seconds=2.0,
        hook_seconds={"0:LossLogger": {"on_step_end": 0.5}},
        last_checkpoint=None,
        hooks=[LossLogger()],
    )
    assert summary["results"] is None
    del summary["results"]  # as written before results existed
    write_summary(tmp_path, summary)
    loaded = load_summary(tmp_path / "summary.json")
    assert loaded["results"] is None
    assert summary_lines(loaded) == [
        "completed at step 4 of 4 (epoch 2)",
        "wall time 2.0 s on cpu, 1 torch threads",
        "  0:LossLogger            0.50 s  (25.0% of the wall time)",
    ]


# ---------------------------------------------------------------------- the ranking rule


def test_furthest_ranks_by_effect_size(run):
    profile = DatasetProfile.load(run["out"] / "reference_profile.json")
    mean = {name: profile.mean(name) for name in profile.metrics}
    std = {name: profile.std(name) for name in profile.metrics}
    assert std["polyphonic_rate"][1:].tolist() == [0.0, 0.0, 0.0]  # monophonic voices
    assert (std["n_pitches_used"][1:] > 0).all()
    pitches = np.tile(mean["n_pitches_used"], (2, 1))  # the means: effect 0 ...
    pitches[:, 1] += [-1.0, 1.0] + 3 * std["n_pitches_used"][1]  # ... but track 1: z 3
    rate = np.zeros((2, 4))
    rate[:, 1] = [0.25, 0.25]  # constant, reference constant 0: effect inf, z inf
    rate[:, 2] = [0.0, 0.5]  # mean 0.25, std 0.25: effect 0.25 / sqrt(0.25**2 / 2)
    rate[:, 3] = np.nan  # undefined: not ranked
    values = {"n_pitches_used": pitches, "polyphonic_rate": rate}
    pairs = furthest(values, profile, [1, 2, 3], n=10)
    assert [(p["metric"], p["track"]) for p in pairs] == [
        ("polyphonic_rate", "1"),
        ("n_pitches_used", "1"),
        ("polyphonic_rate", "2"),
        ("n_pitches_used", "2"),
        ("n_pitches_used", "3"),
    ]
    assert (pairs[0]["effect_size"], pairs[0]["z_score"]) == (math.inf, math.inf)
    s_r = std["n_pitches_used"][1]
    assert pairs[1]["effect_size"] == pytest.approx(3 * s_r / math.sqrt((s_r**2 + 1.0) / 2))
    assert pairs[1]["z_score"] == pytest.approx(3.0)
    assert pairs[1]["generated_std"] == pytest.approx(1.0)
    assert pairs[2]["effect_size"] == pytest.approx(math.sqrt(2.0))
    assert pairs[2]["z_score"] == math.inf
    assert [p["effect_size"] for p in pairs[3:]] == [0.0, 0.0]
    assert furthest(values, profile, [1, 2, 3]) == pairs[:3]
    # two infinite effects (and z-scores): metric and track order
    both = {"polyphonic_rate": np.array([[0.0, 0.5, 0.5, 0.0]] * 2)}
    assert [p["track"] for p in furthest(both, profile, [1, 2])] == ["1", "2"]


# ---------------------------------------------------------------------- metrics.png y-limits


def _history():
    """Hand-made trajectories of three steps, four tracks, with the reference of the docs."""
    history = MetricHistory(track_names=["soprano", "alto", "tenor", "bass"])
    nan = math.nan
    history.record(0, {"n_pitches_used": [4.5, 64.0, 40.0, 40.0],
                       "empty_bar_rate": [0.0, 0.0, nan, 0.0],
                       "polyphonic_rate": [0.0, 0.739, nan, 1.0],
                       "x": [nan, 1.0, nan, 2.0]})  # fmt: skip
    history.record(100, {"n_pitches_used": [4.5, 5.73, 40.0, 40.0],
                         "empty_bar_rate": [0.0, 0.078, nan, 0.0],
                         "polyphonic_rate": [0.0, 0.182, nan, 1.0],
                         "x": [nan, 1.0, nan, 2.0]})  # fmt: skip
    history.record(500, {"n_pitches_used": [4.5, 5.86, 40.0, 40.0],
                         "empty_bar_rate": [0.0, 0.0, nan, 0.0],
                         "polyphonic_rate": [0.0, 0.172, nan, 1.0],
                         "x": [nan, 1.0, nan, 2.0]})  # fmt: skip
    history.set_reference("n_pitches_used", [4.5, 4.71, nan, nan], [0.0, 1.3, nan, nan])
    history.set_reference("empty_bar_rate", [0.0, 0.0003, 0.5, nan], [0.0, 0.012, 0.1, nan])
    history.set_reference("polyphonic_rate", [0.0, 0.0, nan, 1.0], [0.0, 0.0, nan, nan])
    return history


# (metric, track): (low, high), by the rule of plot._history.y_limits
EXPECTED_LIMITS = {
    # values 4.5 on the reference 4.5 ± 0: one point, 5% of 4.5 around it
    ("n_pitches_used", 0): (4.5 - 0.225, 4.5 + 0.225),
    # values 5.73-64 and 4.71 ± 2 * 1.3 = 2.11-7.31: [2.11, 64], 5% of 61.89 around
    ("n_pitches_used", 1): (2.11 - 0.05 * 61.89, 64 + 0.05 * 61.89),
    # constant 40, no reference: 5% of 40 around (not the metric's bounds 0-128)
    ("n_pitches_used", 2): (38.0, 42.0),
    ("n_pitches_used", 3): (38.0, 42.0),
    # constant 0 on the reference 0 ± 0: 5% of 1 around
    ("empty_bar_rate", 0): (-0.05, 0.05),
    # values 0-0.078, reference 0.0003 ± 2 * 0.012 clipped to the bound 0: [0, 0.078]
    ("empty_bar_rate", 1): (-0.05 * 0.078, 1.05 * 0.078),
    # NaN-only values, reference 0.5 ± 2 * 0.1: [0.3, 0.7]
    ("empty_bar_rate", 2): (0.3 - 0.02, 0.7 + 0.02),
    ("empty_bar_rate", 3): (-0.05, 0.05),
    ("polyphonic_rate", 0): (-0.05, 0.05),
    # values 0.172-0.739 and the reference 0 ± 0: [0, 0.739]
    ("polyphonic_rate", 1): (-0.05 * 0.739, 1.05 * 0.739),
    # NaN-only values, no reference: the metric's bounds [0, 1]
    ("polyphonic_rate", 2): (-0.05, 1.05),
    # constant 1, reference mean 1 with no std: one point
    ("polyphonic_rate", 3): (0.95, 1.05),
    # no registry bounds: NaN-only and no reference is [0, 1]; constant 1 and 2 as above
    ("x", 0): (-0.05, 1.05),
    ("x", 1): (0.95, 1.05),
    ("x", 2): (-0.05, 1.05),
    ("x", 3): (1.9, 2.1),
}


def test_trajectory_panels_are_scaled_to_the_values_and_the_reference_band():
    pytest.importorskip("matplotlib")
    from musiceval import plot
    from musiceval.plot import _history as plot_history

    history = _history()
    metrics = ["n_pitches_used", "empty_bar_rate", "polyphonic_rate", "x"]
    data = plot_history.history_data(history, metrics)
    figure = plot.plot_history(history, metrics=metrics)
    for panel, ax in zip(data.panels, figure.axes, strict=True):
        track = ["soprano", "alto", "tenor", "bass"].index(panel.title.split(" · ")[1])
        expected = EXPECTED_LIMITS[(panel.metric, track)]
        assert panel.limits == pytest.approx(expected, abs=1e-12), panel.title
        assert ax.get_ylim() == pytest.approx(expected, abs=1e-12), panel.title


def test_y_limits_of_edge_cases():
    from musiceval.plot._history import y_limits

    nan, inf = math.nan, math.inf
    assert y_limits([nan, nan], nan, nan) == (-0.05, 1.05)
    assert y_limits([], nan, nan, (0.0, 128.0)) == pytest.approx((-6.4, 134.4))
    assert y_limits([nan], 2.0, nan) == pytest.approx((1.9, 2.1))  # the mean alone
    assert y_limits([-3.0, -3.0], nan, nan) == pytest.approx((-3.15, -2.85))
    assert y_limits([0.2, inf, -inf, nan], nan, nan) == pytest.approx((0.15, 0.25))
    assert y_limits([1.0, 3.0], 2.0, 10.0, (0.0, inf)) == pytest.approx((-1.1, 23.1))
