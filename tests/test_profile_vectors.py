"""Vector-valued metrics in dataset profiles: per-component statistics and a reservoir of the
per-sample vectors that keeps the same samples as the scalar reservoir."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

import musiceval
from musiceval.cli import main
from musiceval.corpus import profile_corpus
from musiceval.exceptions import DocumentError, InvalidParameterError
from musiceval.profiles import DatasetProfile
from musiceval.registry import METRICS, VECTOR

VECTORS = ["pitch_class_histogram", "pitch_class_transition_matrix", "note_length_histogram"]


def _rolls(n_samples: int = 24, seed: int = 0) -> np.ndarray:
    """Rolls of 64 steps and two tracks: in sample ``i`` track 0 holds ``i + 1`` one-step notes
    of pitch ``30 + i % 40`` (so ``n_notes`` of track 0 names the sample, up to 31 samples) and
    track 1 random sparse cells, silent in every third sample."""
    rng = np.random.default_rng(seed)
    x = rng.random((n_samples, 64, 128, 2)) > 0.985
    for i in range(n_samples):
        x[i, :, :, 0] = False
        x[i, : 2 * (i + 1) : 2, 30 + i % 40, 0] = True  # i + 1 one-step notes
    x[::3, :, :, 1] = False
    return x


def _sample_of_rows(p: DatasetProfile) -> np.ndarray:
    """The data index of each reservoir row (from ``n_notes`` of track 0, ``i + 1``)."""
    return p.samples("n_notes")[:, 0].astype(int) - 1


def test_hand_computed_pitch_class_histograms() -> None:
    x = np.zeros((2, 16, 128, 2), bool)
    x[0, :8, 60, 0] = x[0, 8:, 64, 0] = True  # C then E: half the cells each
    x[1, :, 67, 0] = True  # G
    x[1, :, 62, 1] = True  # D; track 1 of sample 0 is silent
    p = musiceval.profile(x, ["n_notes", "pitch_class_histogram"])
    assert p.metrics == ("n_notes",)
    assert p.vector_metrics == ("pitch_class_histogram",)
    expected_mean = np.zeros((2, 12))
    expected_mean[0, [0, 4, 7]] = [0.25, 0.25, 0.5]
    expected_mean[1, 2] = 1.0
    np.testing.assert_array_equal(p.mean("pitch_class_histogram"), expected_mean)
    np.testing.assert_array_equal(p.count("pitch_class_histogram"), [[2] * 12, [1] * 12])
    np.testing.assert_array_equal(p.n_nan("pitch_class_histogram"), [[0] * 12, [1] * 12])
    expected_std = np.zeros((2, 12))
    expected_std[0, [0, 4, 7]] = [0.25, 0.25, 0.5]  # |0.5 - 0| / 2, |1 - 0| / 2
    np.testing.assert_allclose(p.std("pitch_class_histogram"), expected_std, atol=1e-15)
    expected_max = np.zeros((2, 12))
    expected_max[0, [0, 4, 7]] = [0.5, 0.5, 1.0]
    expected_max[1, 2] = 1.0
    np.testing.assert_array_equal(p.max("pitch_class_histogram"), expected_max)
    np.testing.assert_array_equal(p.min("pitch_class_histogram")[0], np.zeros(12))
    np.testing.assert_array_equal(p.min("pitch_class_histogram")[1], expected_max[1])
    kept = p.samples("pitch_class_histogram")
    assert kept.shape == (2, 2, 12)
    np.testing.assert_array_equal(kept[0, 0], [0.5, 0, 0, 0, 0.5, 0, 0, 0, 0, 0, 0, 0])
    assert np.isnan(kept[0, 1]).all()
    np.testing.assert_array_equal(kept[1, 1], np.eye(12)[2])
    assert p.samples().shape == (2, 1, 2)


@pytest.mark.parametrize("name", VECTOR)
def test_statistics_equal_those_of_compute(name: str) -> None:
    x = _rolls()
    values = musiceval.compute(x, [name])[name]
    p = musiceval.profile(x, [name, "n_notes"], chunk_size=7, reservoir_size=5)
    assert p.vector_metrics == (name,) and p.metrics == ("n_notes",)
    shape = (2, *METRICS[name].shape)
    defined = ~np.isnan(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # components undefined in every sample
        np.testing.assert_allclose(p.mean(name), np.nanmean(values, axis=0), atol=1e-12)
        np.testing.assert_allclose(p.std(name), np.nanstd(values, axis=0), atol=1e-12)
        np.testing.assert_array_equal(p.min(name), np.nanmin(values, axis=0))
        np.testing.assert_array_equal(p.max(name), np.nanmax(values, axis=0))
    np.testing.assert_array_equal(p.count(name), defined.sum(axis=0))
    np.testing.assert_array_equal(p.n_nan(name), (~defined).sum(axis=0))
    assert p.mean(name).shape == p.count(name).shape == shape
    assert p.samples(name).shape == (5, *shape)


def test_reservoir_keeps_the_same_samples_for_vectors_and_scalars() -> None:
    x = _rolls(30)
    names = ["n_notes", "pitch_class_histogram", "note_length_transition_matrix"]
    p = musiceval.profile(x, names, chunk_size=8, reservoir_size=6, seed=3)
    rows = _sample_of_rows(p)
    assert len(rows) == 6 and len(set(rows)) == 6 and (rows >= 0).all()
    values = musiceval.compute(x[rows], names[1:])
    for name in names[1:]:
        np.testing.assert_array_equal(p.samples(name), values[name])
    np.testing.assert_array_equal(p.samples("n_notes")[:, 0], rows + 1)


def test_merge_of_two_halves_equals_the_profile_of_the_whole() -> None:
    x = _rolls(30)
    names = ["n_notes", "pitch_range", *VECTORS]
    whole = musiceval.profile(x, names, reservoir_size=12)
    merged = musiceval.profile(x[:13], names, reservoir_size=12).merge(
        musiceval.profile(x[13:], names, reservoir_size=12, seed=1)
    )
    assert merged.vector_metrics == whole.vector_metrics == tuple(VECTORS)
    for name in names:
        np.testing.assert_array_equal(merged.count(name), whole.count(name))
        np.testing.assert_array_equal(merged.n_nan(name), whole.n_nan(name))
        np.testing.assert_array_equal(merged.min(name), whole.min(name))
        np.testing.assert_array_equal(merged.max(name), whole.max(name))
        np.testing.assert_allclose(merged.mean(name), whole.mean(name), atol=1e-12)
        np.testing.assert_allclose(merged.std(name), whole.std(name), atol=1e-12)
    rows = _sample_of_rows(merged)
    assert len(rows) == 12 and len(set(rows)) == 12
    expected = musiceval.compute(x[rows], VECTORS)
    for name in VECTORS:
        np.testing.assert_array_equal(merged.samples(name), expected[name])


def test_merge_keeps_every_sample_when_the_reservoir_holds_them() -> None:
    x = _rolls(10)
    whole = musiceval.profile(x, ["n_notes", "ioi_histogram"])
    merged = musiceval.profile(x[:4], ["n_notes", "ioi_histogram"]).merge(
        musiceval.profile(x[4:], ["n_notes", "ioi_histogram"])
    )
    np.testing.assert_array_equal(merged.samples("ioi_histogram"), whole.samples("ioi_histogram"))
    np.testing.assert_array_equal(merged.samples(), whole.samples())


def test_a_stream_of_batches_gives_the_profile_of_the_array() -> None:
    x = _rolls(26)
    names = ["n_notes", *VECTORS]
    whole = musiceval.profile(x, names, chunk_size=5, reservoir_size=4)
    stream = musiceval.profile(
        iter([x[:3], x[3:11], x[11:12], x[12:]]), names, chunk_size=5, reservoir_size=4
    )
    assert stream == whole
    for name in VECTORS:
        np.testing.assert_array_equal(stream.samples(name), whole.samples(name))
        np.testing.assert_array_equal(stream.mean(name), whole.mean(name))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    x = _rolls(12)
    p = musiceval.profile(x, ["n_notes", *VECTORS], reservoir_size=5)
    p.save(tmp_path / "p.json")
    loaded = DatasetProfile.load(tmp_path / "p.json")
    assert loaded == p
    assert loaded.vector_metrics == tuple(VECTORS)
    for name in VECTORS:
        np.testing.assert_array_equal(loaded.samples(name), p.samples(name))
        np.testing.assert_array_equal(loaded.std(name), p.std(name))
    document = json.loads((tmp_path / "p.json").read_text())
    assert document["vectors"]["metrics"] == VECTORS
    assert np.shape(document["vectors"]["samples"]["pitch_class_transition_matrix"]) == (
        5, 2, 12, 12,
    )  # fmt: skip
    scalar = musiceval.profile(x, ["n_notes"])
    assert "vectors" not in scalar.to_json_dict()  # files without vectors are as before
    only = musiceval.profile(x, ["pitch_class_histogram"], reservoir_size=5)
    only.save(tmp_path / "only.json")
    assert DatasetProfile.load(tmp_path / "only.json") == only
    assert only.metrics == () and only.samples().shape == (5, 0, 2)


def test_a_document_without_vectors_is_a_profile_without_them() -> None:
    x = _rolls(6)
    document = musiceval.profile(x, ["n_notes", "pitch_class_histogram"]).to_json_dict()
    del document["vectors"]
    p = DatasetProfile.from_json_dict(document)
    assert p.vector_metrics == () and p == musiceval.profile(x, ["n_notes"])


def test_select_takes_scalar_and_vector_names() -> None:
    x = _rolls(9)
    names = ["n_notes", "pitch_range", *VECTORS]
    p = musiceval.profile(x, names, reservoir_size=4)
    picked = p.select(["note_length_histogram", "pitch_range", "pitch_class_histogram"])
    assert picked.metrics == ("pitch_range",)
    assert picked.vector_metrics == ("note_length_histogram", "pitch_class_histogram")
    np.testing.assert_array_equal(picked.samples("pitch_range"), p.samples("pitch_range"))
    np.testing.assert_array_equal(
        picked.samples("pitch_class_histogram"), p.samples("pitch_class_histogram")
    )
    assert picked == musiceval.profile(
        x, ["pitch_range", "note_length_histogram", "pitch_class_histogram"], reservoir_size=4
    )
    assert p.select(["n_notes", "pitch_range"]) == musiceval.profile(
        x, ["n_notes", "pitch_range"], reservoir_size=4
    )
    assert p.select(["pitch_class_histogram"]).metrics == ()


def test_a_silent_track_has_count_zero_and_nan_statistics() -> None:
    x = _rolls(5)
    x[..., 1] = False
    p = musiceval.profile(x, ["pitch_class_histogram"])
    np.testing.assert_array_equal(p.count("pitch_class_histogram")[1], np.zeros(12))
    np.testing.assert_array_equal(p.n_nan("pitch_class_histogram")[1], np.full(12, 5))
    for stat in (p.mean, p.std, p.min, p.max):
        assert np.isnan(stat("pitch_class_histogram")[1]).all()
    assert np.isnan(p.samples("pitch_class_histogram")[:, 1]).all()
    np.testing.assert_allclose(p.mean("pitch_class_histogram")[0].sum(), 1.0, atol=1e-12)


def test_to_frame_has_one_row_per_track_and_component() -> None:
    x = _rolls(8)
    p = musiceval.profile(x, ["n_notes", "pitch_class_histogram"])
    frame = p.to_frame()
    assert list(frame.columns) == [
        "metric", "track", "bin", "count", "n_nan", "mean", "std", "min", "max", "q05", "q50",
        "q95",
    ]  # fmt: skip
    assert len(frame) == 2 + 2 * 12
    assert frame["bin"].isna().tolist() == [True, True] + [False] * 24
    rows = frame[(frame["metric"] == "pitch_class_histogram") & (frame["track"] == "1")]
    assert rows["bin"].tolist() == list(range(12))
    np.testing.assert_array_equal(rows["mean"], p.mean("pitch_class_histogram")[1])
    np.testing.assert_array_equal(
        rows["q50"], np.nanquantile(p.samples("pitch_class_histogram")[:, 1], 0.5, axis=0)
    )
    assert "bin" not in musiceval.profile(x, ["n_notes"]).to_frame().columns


def test_histogram_and_quantile_of_a_vector_are_refused() -> None:
    p = musiceval.profile(_rolls(4), ["n_notes", "pitch_class_histogram"])
    for call in (
        lambda: p.histogram("pitch_class_histogram"),
        lambda: p.quantile("pitch_class_histogram", 0.5),
    ):
        with pytest.raises(InvalidParameterError, match=r"samples\('pitch_class_histogram'\)"):
            call()
    with pytest.raises(InvalidParameterError, match="no per-component histogram"):
        p.histogram("pitch_class_histogram")
    with pytest.raises(InvalidParameterError, match="metric must be one of"):
        p.mean("pitch_histogram")


def test_pairwise_metrics_stay_refused_and_vectors_are_not_scalars() -> None:
    x = _rolls(4)
    with pytest.raises(InvalidParameterError, match="track-pair"):
        musiceval.profile(x, ["tonal_distance", "pitch_class_histogram"])
    p = musiceval.profile(x, ["n_notes", "pitch_class_histogram"])
    fields = _arguments(p)
    rebuilt = DatasetProfile(**fields)  # equal but for the rounding of m2 through std
    assert rebuilt.vector_metrics == p.vector_metrics
    np.testing.assert_array_equal(
        rebuilt.samples("pitch_class_histogram"), p.samples("pitch_class_histogram")
    )
    with pytest.raises(InvalidParameterError, match="vector-valued metrics go in vectors"):
        DatasetProfile(**{**fields, "metrics": ["n_notes", "pitch_class_histogram"]})
    with pytest.raises(InvalidParameterError, match="vectors must be"):
        DatasetProfile(
            **{**fields, "vectors": {"n_notes": fields["vectors"]["pitch_class_histogram"]}}
        )
    with pytest.raises(InvalidParameterError, match="at least one metric"):
        DatasetProfile(**{**fields, "metrics": [], "statistics": {}, "samples": np.zeros((4, 0, 2)),
                          "vectors": None})  # fmt: skip


def _arguments(p: DatasetProfile) -> dict[str, object]:
    """The constructor's arguments that rebuild ``p``, from its public accessors."""
    moments = ("count", "n_nan", "mean", "m2", "min", "max")

    def statistics(name: str) -> dict[str, np.ndarray]:
        stats = {field: getattr(p, field)(name) for field in moments if field != "m2"}
        return {**stats, "m2": p.std(name) ** 2 * np.maximum(p.count(name), 1)}

    return {
        "metrics": p.metrics,
        "tracks": p.tracks,
        "conventions": p.conventions,
        "n_samples": p.n_samples,
        "n_steps": p.n_steps,
        "n_pitches": p.n_pitches,
        "lowest_pitch": p.lowest_pitch,
        "statistics": {
            name: {
                **statistics(name),
                "histogram": p.histogram(name)[0],
                "edges": p.histogram(name)[1],
            }
            for name in p.metrics
        },
        "samples": p.samples(),
        "reservoir_size": p.reservoir_size,
        "seed": p.seed,
        "version": p.version,
        "vectors": {
            name: {**statistics(name), "samples": p.samples(name)} for name in p.vector_metrics
        },
    }


def test_profiles_of_other_vector_metrics_do_not_merge() -> None:
    x = _rolls(4)
    a = musiceval.profile(x, ["n_notes", "pitch_class_histogram"])
    b = musiceval.profile(x, ["n_notes", "ioi_histogram"])
    with pytest.raises(ValueError, match=r"same metrics.*pitch_class_histogram.*ioi_histogram"):
        a.merge(b)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda v: v.update(statistics=3), "field vectors.statistics must be an object"),
        (lambda v: v["samples"].pop("pitch_class_histogram"),
         "missing field vectors.samples.pitch_class_histogram"),
        (lambda v: v["statistics"]["pitch_class_histogram"].update(mean="high"),
         "field vectors.statistics.pitch_class_histogram.mean must hold numbers"),
        (lambda v: v["statistics"]["pitch_class_histogram"].update(count=[[1.5] * 12] * 2),
         "field vectors.statistics.pitch_class_histogram.count must hold integers"),
        (lambda v: v["statistics"]["pitch_class_histogram"]["max"][0].__setitem__(0, 2.0),
         r"min and max within \[0, 1\] \(the registry bounds\); track 0, component \(0,\)"),
        (lambda v: v["samples"]["pitch_class_histogram"].pop(),
         r"pitch_class_histogram samples must have shape \(4, 2, 12\)"),
        (lambda v: v["samples"]["pitch_class_histogram"][0][0].__setitem__(3, 0.9),
         "the reservoir of pitch_class_histogram must hold values of the data: track 0, "
         r"component \(3,\)"),
        (lambda v: v.update(metrics=["pitch_class_histogram"] * 2),
         "field vectors.metrics must be a list of distinct metric names"),
        (lambda v: v.update(
            metrics=["n_notes"],
            statistics={"n_notes": v["statistics"]["pitch_class_histogram"]},
            samples={"n_notes": v["samples"]["pitch_class_histogram"]},
        ), "vectors must be a non-empty list of metric names: distinct names from"),
    ],
)  # fmt: skip
def test_a_tampered_file_is_a_document_error(tmp_path: Path, edit, message: str) -> None:
    x = _rolls(4)
    x[:, :, 27:40:3, 0] = False  # no D#: component 3 of track 0 is 0 in every sample
    musiceval.profile(x, ["n_notes", "pitch_class_histogram"]).save(tmp_path / "p.json")
    document = json.loads((tmp_path / "p.json").read_text())
    edit(document["vectors"])
    (tmp_path / "bad.json").write_text(json.dumps(document))
    with pytest.raises(DocumentError, match=message):
        DatasetProfile.load(tmp_path / "bad.json")
    document["vectors"] = [1]
    with pytest.raises(DocumentError, match="field vectors must be an object"):
        DatasetProfile.from_json_dict(document)


def test_cli_profiles_a_vector_metric(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    x = _rolls(6)
    np.save(tmp_path / "train.npy", x)
    status = main(
        ["profile", str(tmp_path / "train.npy"), "-o", str(tmp_path / "p.json"),
         "--metrics", "n_notes,pitch_class_histogram"]
    )  # fmt: skip
    assert status == 0
    assert "for 2 metrics" in capsys.readouterr().out
    loaded = DatasetProfile.load(tmp_path / "p.json")
    assert loaded == musiceval.profile(x, ["n_notes", "pitch_class_histogram"])


def test_a_corpus_profile_holds_vectors(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    for i in range(4):
        roll = rng.random((1, 64, 128, 2)) > 0.99
        roll[..., :30, :] = False
        roll[0, -1, 60, :] = True  # the files last 64 steps: one segment each
        musiceval.io.write_midi(tmp_path / f"song{i}.mid", roll)
    names = ["n_notes", "pitch_class_histogram"]
    result = profile_corpus(tmp_path, metrics=names, shard_size=2)
    direct = musiceval.profile(tmp_path, names)
    assert result.profile.vector_metrics == ("pitch_class_histogram",)
    np.testing.assert_array_equal(
        result.profile.count("pitch_class_histogram"), direct.count("pitch_class_histogram")
    )
    np.testing.assert_allclose(
        result.profile.mean("pitch_class_histogram"),
        direct.mean("pitch_class_histogram"),
        atol=1e-12,
    )


def test_every_scalar_metric_is_profiled_like_compute_gives_it() -> None:
    """The scalar metrics added with the vectors (polyphony, ioi_mean, ...) are profiled too;
    an average without an upper bound (ioi_mean, ioi_std) gets 50 bins up to n_steps."""
    from musiceval.registry import SCALAR

    x = _rolls(12)
    p = musiceval.profile(x, list(SCALAR))
    values = musiceval.compute(x, list(SCALAR))
    for name in SCALAR:
        count, edges = p.histogram(name)
        np.testing.assert_array_equal(count.sum(axis=1), (~np.isnan(values[name])).sum(axis=0))
        np.testing.assert_allclose(p.mean(name), np.nanmean(values[name], axis=0), rtol=1e-12)
    for name in ("ioi_mean", "ioi_std"):
        edges = p.histogram(name)[1]
        assert (edges[0], edges[-1], len(edges)) == (METRICS[name].lower, 64.0, 51)
    assert p.mean("ioi_mean")[0] == pytest.approx(2.0)  # track 0: one-step notes every 2 steps
