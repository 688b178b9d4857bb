"""compare() and Report: the numbers against direct numpy, self-comparison, corruption, files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import musiceval
from musiceval.compare import COLUMNS

METRICS = ["n_notes", "in_scale_ratio", "pitch_range", "empty_bar_rate", "pitch_class_entropy"]


def _rolls(seed: int, n: int = 12, tracks: int = 2) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rolls = np.zeros((n, 32, 128, tracks), bool)
    rolls[:, :, 48:84] = rng.random((n, 32, 36, tracks)) < 0.04
    return rolls


def _direct(x: np.ndarray, metrics: list[str]) -> pd.DataFrame:
    long = musiceval.evaluate(x, metrics)
    grouped = long.groupby(["metric", "track"], observed=True)["value"]
    return pd.DataFrame(
        {
            "mean": grouped.agg(lambda v: np.nanmean(v.to_numpy())),
            "std": grouped.agg(lambda v: np.nanstd(v.to_numpy())),
        }
    )


@pytest.mark.parametrize("source", ["random", "chorales"])
def test_frame_matches_numpy(source: str, chorales: np.ndarray) -> None:
    if source == "random":
        reference, generated = _rolls(0), _rolls(1, n=9)
    else:
        reference, generated = chorales, np.roll(chorales, 6, axis=2)
    names = [f"t{k}" for k in range(reference.shape[-1])]
    frame = musiceval.compare(generated, musiceval.profile(reference, METRICS, track_names=names))
    frame = frame.to_frame()
    assert list(frame.columns) == list(COLUMNS)
    assert list(frame["metric"]) == [m for m in METRICS for _ in names]
    assert list(frame["track"]) == names * len(METRICS)
    ref, gen = _direct(reference, METRICS), _direct(generated, METRICS)
    for row in frame.itertuples():
        key = (row.metric, int(row.track[1:]))
        np.testing.assert_allclose(row.reference_mean, ref.loc[key, "mean"], rtol=1e-9)
        np.testing.assert_allclose(row.reference_std, ref.loc[key, "std"], rtol=1e-7, atol=1e-12)
        np.testing.assert_allclose(row.generated_mean, gen.loc[key, "mean"], rtol=1e-12)
        np.testing.assert_allclose(row.generated_std, gen.loc[key, "std"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(row.difference, row.generated_mean - row.reference_mean)
        if row.reference_std > 0:
            expected = (row.generated_mean - row.reference_mean) / row.reference_std
            np.testing.assert_allclose(row.z_score, expected, rtol=1e-12)
        assert row.n_generated + row.n_generated_nan == len(generated)


def test_self_comparison(chorales: np.ndarray) -> None:
    profile = musiceval.profile(chorales, METRICS)
    report = musiceval.compare(chorales, profile)
    frame = report.to_frame()
    np.testing.assert_allclose(frame["difference"], 0.0, atol=1e-12)
    np.testing.assert_allclose(frame["z_score"], 0.0, atol=1e-9)
    assert (frame["overlap_area"] > 0.95).all()
    assert abs(report.frechet_distance) < 1e-6


@pytest.mark.parametrize("corruption", ["transpose", "random_notes"])
def test_corruption_moves_in_scale_ratio(chorales: np.ndarray, corruption: str) -> None:
    profile = musiceval.profile(chorales, ["in_scale_ratio", "n_notes"])
    if corruption == "transpose":
        corrupted = np.roll(chorales, 6, axis=2)
    else:
        rng = np.random.default_rng(0)
        corrupted = np.zeros_like(chorales)  # random notes in the voices' range
        corrupted[:, :, 40:84] = rng.random((*chorales.shape[:2], 44, 4)) < 0.03
    report = musiceval.compare(corrupted, profile)
    z = report.to_frame().set_index("metric").loc["in_scale_ratio", "z_score"]
    # 5 chorales in several keys (scored against C major) spread the reference widely
    assert (z < -0.3).all() and np.abs(z).mean() > 1
    assert report.frechet_distance > 1


def test_save_writes_every_file(tmp_path, chorales: np.ndarray) -> None:
    metrics = ["n_notes", "in_scale_ratio"]
    profile = musiceval.profile(chorales, metrics, track_names=["s", "a", "t", "b"])
    report = musiceval.compare(np.roll(chorales, 6, axis=2), profile)
    out = report.save(tmp_path / "new" / "dir")
    assert out == tmp_path / "new" / "dir"
    pngs = [f"distribution_{m}.png" for m in metrics] + ["z_scores.png"]
    for name in ["report.md", "report.csv", "report.json", "report.html", *pngs]:
        assert (out / name).is_file(), name
    for name in pngs:
        data = (out / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000, name
    assert not list(out.glob(".*.tmp"))
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == len(pngs)
    frame = report.to_frame()
    pd.testing.assert_frame_equal(pd.read_csv(out / "report.csv"), frame, check_dtype=False)
    saved = json.loads((out / "report.json").read_text())
    assert (saved["schema"], saved["version"]) == ("musiceval.report", 1)
    assert len(saved["rows"]) == len(frame)
    assert saved["rows"][0]["z_score"] == pytest.approx(frame["z_score"][0])
    markdown = (out / "report.md").read_text()
    assert "Fréchet distance" in markdown and "| in_scale_ratio" in markdown


def test_save_replaces_a_report_whole_or_not_at_all(
    tmp_path, chorales: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    from musiceval import plot

    profile = musiceval.profile(chorales, ["n_notes", "pitch_range"])
    out = tmp_path / "report"
    musiceval.compare(chorales, profile).save(out)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    assert len(before) == 7
    smaller = musiceval.profile(chorales, ["n_notes"])
    musiceval.compare(chorales[:2], smaller).save(out)  # a stale distribution_pitch_range goes
    assert sorted(path.name for path in out.iterdir()) == [
        "distribution_n_notes.png",
        "report.csv",
        "report.html",
        "report.json",
        "report.md",
        "z_scores.png",
    ]
    musiceval.compare(chorales, profile).save(out)
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    def fail(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # interrupted half-way, after z_scores.png was written

    monkeypatch.setattr(plot, "plot_distributions", fail)
    with pytest.raises(KeyboardInterrupt):
        musiceval.compare(chorales[:2], profile).save(out)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["report"]  # no temporary left


def test_save_refuses_a_directory_with_other_files(tmp_path, chorales: np.ndarray) -> None:
    report = musiceval.compare(chorales, musiceval.profile(chorales, ["n_notes"]))
    (tmp_path / "model.pt").write_bytes(b"weights")
    with pytest.raises(
        ValueError, match=r"holds files a report does not write \(\['model\.pt'\]\)"
    ):
        report.save(tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["model.pt"]
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="exists and is not a directory"):
        report.save(tmp_path / "file")


def test_undefined_values_are_nan() -> None:
    reference = _rolls(0)
    generated = np.zeros_like(reference[:3])  # empty: pitch_range etc. undefined
    report = musiceval.compare(generated, musiceval.profile(reference, ["pitch_range", "n_notes"]))
    frame = report.to_frame().set_index("metric")
    assert frame.loc["pitch_range", "generated_mean"].isna().all()
    assert (frame.loc["pitch_range", "n_generated_nan"] == 3).all()
    assert frame.loc["pitch_range", "overlap_area"].isna().all()
    assert (frame.loc["n_notes", "generated_mean"] == 0).all()
    assert np.isnan(report.frechet_distance)
    assert "nan" in report.to_markdown()


def test_mismatches_are_refused() -> None:
    profile = musiceval.profile(_rolls(0, tracks=2), ["n_notes", "empty_bar_rate"])
    with pytest.raises(ValueError, match=r"3 track\(s\).*profile has 2"):
        musiceval.compare(_rolls(1, tracks=3), profile)
    with pytest.raises(ValueError, match=r"64 pitches.*profile has 128"):
        musiceval.compare(_rolls(1)[:, :, :64], profile)
    with pytest.raises(ValueError, match=r"16 steps.*profile has 32"):
        musiceval.compare(_rolls(1)[:, :16], profile)
    with pytest.raises(ValueError, match=r"lowest_pitch=10.*lowest_pitch=0"):
        musiceval.compare(_rolls(1), profile, lowest_pitch=10)
    empty = r"generated is empty: got canonical shape \(0, 32, 128, 2\)"
    with pytest.raises(ValueError, match=empty):
        musiceval.compare(_rolls(1, tracks=2)[:0], profile)
    short = musiceval.profile(_rolls(0), ["n_notes"])
    assert musiceval.compare(_rolls(1)[:, :16], short).n_generated == 12  # no bar metric


def test_file_inputs(tmp_path) -> None:
    reference, generated = _rolls(0), _rolls(1)
    profile = musiceval.profile(reference, ["n_notes"])
    np.save(tmp_path / "g.npy", generated)
    np.savez(tmp_path / "g.npz", rolls=generated)
    direct = musiceval.compare(generated, profile).to_frame()
    pd.testing.assert_frame_equal(musiceval.compare(tmp_path / "g.npy", profile).to_frame(), direct)
    from_npz = musiceval.compare(tmp_path / "g.npz", profile, npz_key="rolls").to_frame()
    pd.testing.assert_frame_equal(from_npz, direct)
