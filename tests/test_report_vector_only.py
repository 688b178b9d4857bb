"""A comparison against a profile of vector-valued metrics only (no scalar metric): its vector
distances are those of a profile that also holds scalars, the numbers over scalar metrics are
NaN or have no row, the originality is measured, and every form of the report says that the
profile holds no scalar metric; also ``--scale-key auto`` against a profile's "auto" key."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli_kit import run_cli

import musiceval
from musiceval.compare import COLUMNS, VECTOR_COLUMNS, Report
from musiceval.exceptions import InvalidParameterError

VECTORS = ["pitch_class_histogram", "pitch_class_transition_matrix"]
SCALARS = ["n_notes", "pitch_range", "in_scale_ratio"]
NO_SCALAR = "The profile holds no scalar metric, only vector-valued ones"


def _generated(chorales: np.ndarray) -> np.ndarray:
    """The chorales a tritone up, with a silent bass in the first two samples."""
    generated = np.roll(chorales, 6, axis=2)
    generated[:2, :, :, 3] = False
    return generated


@pytest.fixture(scope="module")
def reports(chorales: np.ndarray) -> tuple[Report, Report]:
    """The same generated set against a profile of the vectors only and one with scalars too;
    no warning on the way."""
    both = musiceval.profile(chorales, [*SCALARS, *VECTORS], track_names=list("SATB"))
    vectors_only = musiceval.profile(chorales, VECTORS, track_names=list("SATB"))
    assert vectors_only.metrics == () and vectors_only.vector_metrics == tuple(VECTORS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = musiceval.compare(_generated(chorales), vectors_only, n_boot=10)
        report.to_text(), report.to_json_dict(), report.comparison_intervals()
    return report, musiceval.compare(_generated(chorales), both, n_boot=10)


def test_vector_distances_are_those_of_a_profile_with_scalars(
    chorales: np.ndarray, reports
) -> None:
    report, with_scalars = reports
    frame = report.vector_distances()
    assert frame.equals(with_scalars.vector_distances())
    assert list(frame.columns) == list(VECTOR_COLUMNS) and len(frame) == 8
    # the total variation by hand: half the summed gap between the mean distributions
    generated = musiceval.compute(_generated(chorales), ["pitch_class_histogram"])
    bass = generated["pitch_class_histogram"][2:, 3]  # the defined bass vectors
    reference = musiceval.compute(chorales, ["pitch_class_histogram"])["pitch_class_histogram"]
    tv = 0.5 * np.abs(bass.mean(axis=0) - reference[:, 3].mean(axis=0)).sum()
    row = frame[(frame["metric"] == "pitch_class_histogram") & (frame["track"] == "B")].iloc[0]
    assert row.tv_distance == pytest.approx(tv, abs=1e-12)
    assert (row.n_generated, row.n_reference) == (len(chorales) - 2, len(chorales))


def test_numbers_over_scalar_metrics_are_nan_or_have_no_row(reports) -> None:
    report, with_scalars = reports
    assert report.metrics == () and report.n_generated == with_scalars.n_generated
    assert report.samples().shape == (report.n_generated, 0, 4)
    frame = report.to_frame()
    assert frame.empty and list(frame.columns) == list(COLUMNS)
    assert frame.dtypes.equals(with_scalars.to_frame().dtypes)  # str, int64 and float64
    assert math.isnan(report.frechet_distance) and math.isnan(report.frechet_distance_robust)
    distances = report.set_distances()
    expected = with_scalars.set_distances()
    assert distances["statistic"].tolist() == expected["statistic"].tolist()
    assert distances["closer"].tolist() == expected["closer"].tolist()
    assert distances[["estimate", "low", "high"]].isna().all().all()
    intervals = report.comparison_intervals()
    assert intervals.empty
    assert intervals.columns.equals(with_scalars.comparison_intervals().columns)
    assert (intervals.dtypes.iloc[2:] == np.float64).all()
    assert report.originality().empty  # the profile indexes no bar
    assert repr(report) == "Report(n_generated=8, metrics=0, tracks=['S', 'A', 'T', 'B'], " + (
        "reference_samples=8)"
    )


def test_every_form_says_there_is_no_scalar_metric(reports) -> None:
    report, with_scalars = reports
    text = report.to_text()
    assert all(len(line) <= 100 for line in text.splitlines())
    assert NO_SCALAR in " ".join(line.strip() for line in text.splitlines())
    assert "Furthest" not in text and "Fréchet distance (squared" not in text

    def block(text: str) -> str:
        return text[text.index("\nVector metrics: ") :]

    assert block(text) == block(with_scalars.to_text())
    full = report.to_text(full=True)
    assert block(full)[: block(full).index("\n\n")] in with_scalars.to_text(full=True)
    assert "\nColumns:" not in full and "\nVector metrics columns:\n  metric: " in full
    markdown = report.to_markdown()
    assert markdown.startswith("# musiceval report\n\nGenerated samples: 8; reference samples: ")
    assert NO_SCALAR in markdown and "## Every metric and track" not in markdown
    section = markdown[markdown.index("## Vector metrics\n") : markdown.index("## Legend\n")]
    assert section in with_scalars.to_markdown()
    assert "## Legend\n\nVector metrics columns:\n\n- metric: " in markdown
    assert "\nColumns:" not in markdown and "\nConventions (docs/conventions.md):\n" in markdown
    document = report.to_json_dict()
    assert document["no_scalar_metric"].startswith(NO_SCALAR)
    assert "no_scalar_metric" not in with_scalars.to_json_dict()
    assert document["rows"] == [] and document["intervals"] == []
    assert document["frechet_distance"] == "nan" and document["reference"]["metrics"] == []
    assert {row["estimate"] for row in document["set_distances"]["rows"]} == {"nan"}
    assert document["vector_distances"] == with_scalars.to_json_dict()["vector_distances"]


def test_save_writes_the_vector_figures_only(tmp_path: Path, reports) -> None:
    pytest.importorskip("matplotlib")
    report, _ = reports
    out = report.save(tmp_path / "r", workers=1)
    assert sorted(path.name for path in out.iterdir()) == [
        "distribution_pitch_class_histogram.png",
        "distribution_pitch_class_transition_matrix.png",
        "report.csv", "report.html", "report.json", "report.md",
    ]  # fmt: skip
    table = pd.read_csv(out / "report.csv")
    assert table.empty and list(table.columns) == list(COLUMNS)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<img ") == 2 and NO_SCALAR in page
    assert "Every metric and track" not in page and "<h2>Vector metrics</h2>" in page
    assert (out / "report.md").read_text(encoding="utf-8") == report.to_markdown()
    saved = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert len(saved["vector_distances"]["rows"]) == 8 and saved["rows"] == []
    report.save(out, figures=False)
    assert sorted(path.name for path in out.iterdir()) == [
        "report.csv", "report.html", "report.json", "report.md",
    ]  # fmt: skip


def test_a_bar_index_gives_the_originality(chorales: np.ndarray) -> None:
    vectors_only = musiceval.profile(chorales, VECTORS, bar_index=True)
    with_scalars = musiceval.profile(chorales, ["n_notes", *VECTORS], bar_index=True)
    copied = musiceval.compare(chorales, vectors_only, n_boot=10)
    frame = copied.originality().set_index("statistic")["estimate"]
    # the training set itself: every bar found, every sample's 4 bars one copied run
    assert frame.to_dict() == {
        "bar_match_rate": 1.0, "bar_match_rate_transposed": 1.0, "longest_copied_run": 4.0,
    }  # fmt: skip
    moved = musiceval.compare(np.roll(chorales, 6, axis=2), vectors_only, n_boot=10)
    rates = moved.originality().set_index("statistic")["estimate"]
    assert (rates["bar_match_rate"], rates["bar_match_rate_transposed"]) == (0.0, 1.0)
    expected = musiceval.compare(np.roll(chorales, 6, axis=2), with_scalars, n_boot=10)
    assert moved.originality().equals(expected.originality())
    assert "Originality against the 32 indexed training bars: 0.0% [0.0%, 0.0%]" in (
        moved.to_markdown()
    )


def test_bars_are_checked_for_vector_metrics_per_bar(chorales: np.ndarray) -> None:
    per_bar = musiceval.profile(chorales, VECTORS, per="bar")
    with pytest.raises(
        InvalidParameterError,
        match=r"has 32 steps per sample but the profile has 64; the metrics "
        r"\['pitch_class_histogram', 'pitch_class_transition_matrix'\] depend on the number",
    ):
        musiceval.compare(chorales[:, :32], per_bar)
    per_sample = musiceval.compare(chorales[:, :32], musiceval.profile(chorales, VECTORS))
    assert per_sample.n_generated == len(chorales)


def test_report_takes_values_without_metrics(reports) -> None:
    report, _ = reports
    profile = report.profile
    values = np.zeros((3, 0, 4))
    assert Report(profile, values).vector_distances().empty  # no vectors given: none compared
    with pytest.raises(InvalidParameterError, match=r"values must be of shape \(n_generated > 0"):
        Report(profile, np.zeros((3, 1, 4)))


# ---- the command line ----------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path, chorales: np.ndarray) -> Path:
    np.savez(tmp_path / "train.npz", pianoroll=chorales)
    np.save(tmp_path / "gen.npy", np.roll(chorales, 6, axis=2))
    return tmp_path


def test_compare_with_a_profile_of_vectors_only(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = str(files / "p.json")
    status, _, _ = run_cli(
        ["profile", str(files / "train.npz"), "-o", profile, "--metrics", ",".join(VECTORS)],
        capsys,
    )
    assert status == 0
    command = ["compare", str(files / "gen.npy"), "--profile", profile, "--no-figures"]
    status, out, err = run_cli([*command, "-o", str(files / "r")], capsys)
    assert (status, err) == (0, "")
    assert NO_SCALAR in " ".join(line.strip() for line in out.splitlines())
    assert "\nVector metrics: " in out and "Furthest" not in out
    assert "\npitch_class_transition_matrix  3  " in out
    saved = json.loads((files / "r" / "report.json").read_text(encoding="utf-8"))
    assert saved["vector_distances"]["metrics"] == VECTORS and saved["rows"] == []
    status, out, _ = run_cli([*command, "-o", str(files / "f"), "--full"], capsys)
    assert status == 0 and "\nVector metrics columns:\n" in out and "\nColumns:" not in out


def test_scale_key_auto_against_a_profile_of_auto(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = str(files / "auto.json")
    metrics = ["--metrics", "in_scale_ratio,n_notes"]
    status, _, _ = run_cli(
        ["profile", str(files / "train.npz"), "-o", profile, "--scale-key", "auto", *metrics],
        capsys,
    )
    assert status == 0
    command = ["compare", str(files / "gen.npy"), "--profile", profile, "--no-figures"]
    status, plain, err = run_cli([*command, "-o", str(files / "a")], capsys)
    assert (status, err) == (0, "")
    status, repeated, err = run_cli(
        [*command, "-o", str(files / "b"), "--scale-key", "auto"], capsys
    )
    assert (status, err) == (0, "")
    assert repeated.replace(str(files / "b"), "") == plain.replace(str(files / "a"), "")
    assert "key=auto" in plain
    saved = json.loads((files / "a" / "report.json").read_text(encoding="utf-8"))
    assert saved["reference"]["conventions"]["key"] == "auto"
    legend = (files / "a" / "report.md").read_text(encoding="utf-8")
    assert "\n- key=auto: tonic of in_scale_ratio: auto = each sample's and track's own key, " in (
        legend
    )
    # each voice in its own key, a tritone up: in scale as much as the chorales themselves
    rows = [row for row in saved["rows"] if row["metric"] == "in_scale_ratio"]
    assert all(abs(row["difference"]) < 1e-12 for row in rows)
    status, _, err = run_cli([*command, "-o", str(files / "c"), "--scale-key", "C"], capsys)
    assert status == 2
    assert "--scale-key C differs from what the profile" in err
    assert f"{profile} fixes (--scale-key auto)" in err
    # a profile of a named key refuses auto, and names its key
    named = str(files / "named.json")
    run_cli(
        ["profile", str(files / "train.npz"), "-o", named, "--scale-key", "D", *metrics], capsys
    )
    command[3] = named
    status, _, err = run_cli([*command, "-o", str(files / "d"), "--scale-key", "auto"], capsys)
    assert status == 2 and f"--scale-key auto differs from what the profile {named}" in err
    assert "fixes (--scale-key D)" in err
    status, _, err = run_cli([*command, "-o", str(files / "e"), "--scale-key", "D"], capsys)
    assert (status, err) == (0, "")
