"""Tests of dataset profiles: numbers against numpy, merge properties, reservoir, JSON, inputs.

Every statistic of a profile is checked against a direct numpy computation on the output of
:func:`musiceval.evaluate`; merging is property-tested (split a batch anywhere, profile the
parts, merge them in any order: the profile of the whole).
"""

from __future__ import annotations

import json
import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import musiceval as me
from musiceval import DatasetProfile, _documents, _profile_stats, profile
from musiceval import profiles as profile_module

PER_TRACK = list(me.registry.PER_TRACK)
FAST = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
N_STEPS = 32


pytestmark = pytest.mark.usefixtures("one_numba_thread")  # tiny rolls: see conftest.py


# ---- data and direct computations ---------------------------------------------------------


def random_rolls(seed: int, n: int, n_steps: int = N_STEPS, n_tracks: int = 3) -> np.ndarray:
    """Random notes in every track but the last, which stays silent (its ratios are all NaN).

    About one (sample, track) in seven is silent too, so that NaN and defined values mix.
    """
    rng = np.random.default_rng(seed)
    x = np.zeros((n, n_steps, 128, n_tracks), bool)
    for s in range(n):
        for k in range(n_tracks - 1):
            if rng.random() < 0.15:
                continue
            palette = rng.integers(36, 90, size=rng.integers(1, 7))
            for _ in range(rng.integers(1, 12)):
                start, length = rng.integers(0, n_steps), rng.integers(1, 9)
                x[s, start : start + length, rng.choice(palette), k] = True
    return x


def direct_values(x: np.ndarray, metrics=None, **options) -> dict[str, np.ndarray]:
    """Each metric's ``(n_samples, n_tracks)`` values, from ``musiceval.evaluate``'s table."""
    table = me.evaluate(x, metrics, **options)
    n, n_tracks = x.shape[0], x.shape[-1]
    return {
        str(name): group.value.to_numpy().reshape(n, n_tracks)
        for name, group in table.groupby("metric", observed=True, sort=False)
    }


def nan_stat(function, values: np.ndarray, **kwargs) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN tracks
        return function(values, axis=0, **kwargs)


def assert_matches_values(p: DatasetProfile, values: dict[str, np.ndarray]) -> None:
    """Every statistic of ``p`` equals numpy's on the values (all kept in the reservoir)."""
    assert p.metrics == tuple(values)
    for name, v in values.items():
        defined = ~np.isnan(v)
        assert p.count(name).tolist() == defined.sum(axis=0).tolist(), name
        assert p.n_nan(name).tolist() == (~defined).sum(axis=0).tolist(), name
        np.testing.assert_allclose(p.mean(name), nan_stat(np.nanmean, v), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(p.std(name), nan_stat(np.nanstd, v), rtol=1e-12, atol=1e-12)
        np.testing.assert_array_equal(p.min(name), nan_stat(np.nanmin, v))
        np.testing.assert_array_equal(p.max(name), nan_stat(np.nanmax, v))
        counts, edges = p.histogram(name)
        for k in range(v.shape[1]):
            expected, _ = np.histogram(v[defined[:, k], k], bins=edges)
            assert counts[k].tolist() == expected.tolist(), (name, k)
        q = [0.0, 0.05, 0.5, 0.95, 1.0]
        np.testing.assert_array_equal(p.quantile(name, q), nan_stat(np.nanquantile, v, q=q))
        np.testing.assert_array_equal(p.samples(name), v)


def assert_same_statistics(a: DatasetProfile, b: DatasetProfile) -> None:
    """Exact counts, extrema and histograms; means and stds to 1e-12 relative."""
    assert (a.metrics, a.tracks, a.conventions) == (b.metrics, b.tracks, b.conventions)
    assert (a.n_samples, a.n_steps, a.n_pitches) == (b.n_samples, b.n_steps, b.n_pitches)
    for name in a.metrics:
        for exact in (a.count, a.n_nan, a.min, a.max):
            other = getattr(b, exact.__name__)
            np.testing.assert_array_equal(exact(name), other(name), err_msg=name)
        for part_a, part_b in zip(a.histogram(name), b.histogram(name), strict=True):
            np.testing.assert_array_equal(part_a, part_b, err_msg=name)
        for close in ("mean", "std"):
            np.testing.assert_allclose(
                getattr(a, close)(name), getattr(b, close)(name), rtol=1e-12, atol=1e-12
            )


@pytest.fixture(scope="module")
def rolls() -> np.ndarray:
    return random_rolls(0, 40)


@pytest.fixture(scope="module")
def whole(rolls: np.ndarray) -> DatasetProfile:
    return profile(rolls)


# ---- the numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"per": "bar", "key": "D", "mode": "minor", "weight": "notes"},
        {"steps_per_bar": 8, "min_steps": 3, "min_pitches": 1, "grid": 4},
    ],
    ids=["defaults", "per-bar-notes", "options"],
)
def test_statistics_equal_numpy_on_evaluate(rolls, options):
    assert_matches_values(profile(rolls, chunk_size=7, **options), direct_values(rolls, **options))


def test_cropped_rolls_and_a_metric_subset(rolls):
    cropped = rolls[:, :, 24:108]
    names = ["n_pitch_classes_used", "pitch_class_entropy", "n_notes"]
    p = profile(cropped, names, lowest_pitch=24)
    assert (p.n_pitches, p.lowest_pitch) == (84, 24)
    assert_matches_values(p, direct_values(cropped, names, lowest_pitch=24))
    assert p.histogram("n_notes")[1].tolist() == (np.arange(84 * 16 + 2) - 0.5).tolist()


def test_histogram_edges_come_from_the_registry(whole):
    assert whole.histogram("n_pitch_classes_used")[1].tolist() == (np.arange(14) - 0.5).tolist()
    assert whole.histogram("best_key")[1].tolist() == (np.arange(13) - 0.5).tolist()
    assert whole.histogram("pitch_range")[1].tolist() == (np.arange(129) - 0.5).tolist()
    # n_notes: up to the most notes a track can hold, 128 pitches * ceil(32 / 2) steps
    assert whole.histogram("n_notes")[1][[0, -1]].tolist() == [-0.5, 128 * 16 + 0.5]
    np.testing.assert_array_equal(whole.histogram("in_scale_ratio")[1], np.linspace(0, 1, 51))
    np.testing.assert_array_equal(
        whole.histogram("pitch_entropy")[1], np.linspace(0, np.log2(128), 51)
    )


def test_a_value_rounded_past_a_bound_lands_in_the_outer_bin():
    edges = np.linspace(0.0, np.log2(12), 51)
    values = np.array([[np.log2(12) * (1 + 1e-15)], [0.0], [np.nan]])
    stats = _profile_stats.block_statistics(values, edges)
    assert stats["histogram"][0, [0, -1]].tolist() == [1, 1]
    assert stats["count"].tolist() == [2]


def test_an_all_nan_track_gives_nan_without_warnings(rolls):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = profile(rolls, chunk_size=9)
        frame = p.to_frame()
        silent = frame[(frame.track == "2") & (frame.metric == "in_scale_ratio")].iloc[0]
        assert (silent["count"], silent["n_nan"]) == (0, 40)
        for column in ("mean", "std", "min", "max", "q05", "q50", "q95"):
            assert np.isnan(silent[column]), column
        assert p.histogram("in_scale_ratio")[0][2].sum() == 0
        # counts of nothing are 0, not NaN
        assert p.mean("n_notes")[2] == 0.0 and p.std("n_notes")[2] == 0.0


def test_to_frame_is_tidy(whole):
    frame = whole.to_frame()
    assert list(frame.columns) == [
        "metric", "track", "count", "n_nan", "mean", "std", "min", "max", "q05", "q50", "q95",
    ]  # fmt: skip
    assert len(frame) == len(PER_TRACK) * 3
    assert frame.metric.tolist()[:4] == [PER_TRACK[0]] * 3 + [PER_TRACK[1]]
    assert frame.track.tolist()[:4] == ["0", "1", "2", "0"]
    rows = frame[frame.metric == "n_notes"]
    np.testing.assert_array_equal(rows["mean"], whole.mean("n_notes"))
    np.testing.assert_array_equal(rows["std"], whole.std("n_notes"))
    np.testing.assert_array_equal(rows["q50"], whole.quantile("n_notes", 0.5))
    assert rows["count"].tolist() == whole.count("n_notes").tolist()


def test_quantile_shapes_and_bad_probabilities(whole):
    assert whole.quantile("n_notes", 0.5).shape == (3,)
    assert whole.quantile("n_notes", [0.1, 0.9]).shape == (2, 3)
    for bad in (1.5, -0.1, [[0.5]], np.nan):
        with pytest.raises(ValueError, match="q must be"):
            whole.quantile("n_notes", bad)
    with pytest.raises(ValueError, match="metric must be one of"):
        whole.mean("tonal_distance")


def test_accessors_return_copies(whole):
    whole.mean("n_notes")[:] = -1
    whole.samples()[:] = -1
    assert whole.mean("n_notes")[0] >= 0 and np.nanmin(whole.samples()) >= 0


# ---- merge ---------------------------------------------------------------------------------


@FAST
@given(data=st.data())
def test_merge_of_any_split_in_any_order_is_the_profile_of_the_whole(data):
    n = data.draw(st.integers(2, 12), label="n")
    x = random_rolls(data.draw(st.integers(0, 2**16), label="seed"), n)
    n_parts = data.draw(st.integers(2, min(3, n)), label="n_parts")
    cuts = data.draw(
        st.lists(st.integers(1, n - 1), min_size=n_parts - 1, max_size=n_parts - 1, unique=True),
        label="cuts",
    )
    parts = [
        profile(part, chunk_size=data.draw(st.integers(1, 6), label="chunk"))
        for part in np.split(x, sorted(cuts))
    ]
    order = data.draw(st.permutations(range(n_parts)), label="order")
    merged = parts[order[0]]
    for i in order[1:]:
        merged = merged.merge(parts[i])
    whole = profile(x)
    assert_same_statistics(merged, whole)
    # everything is kept, in the order of the merge
    expected = np.concatenate([parts[i].samples() for i in order])
    np.testing.assert_array_equal(merged.samples(), expected)
    if list(order) == sorted(order):
        np.testing.assert_array_equal(merged.samples(), whole.samples())
    if n_parts == 3:  # associativity
        assert_same_statistics(parts[0].merge(parts[1].merge(parts[2])), whole)


def test_merge_returns_a_new_profile_and_changes_neither(rolls):
    a, b = profile(rolls[:25]), profile(rolls[25:])
    a_before, b_before = DatasetProfile.from_json_dict(a.to_json_dict()), b.to_json_dict()
    merged = a.merge(b)
    assert merged is not a and merged.n_samples == 40
    assert a == a_before and b.to_json_dict() == b_before


def test_chunk_size_does_not_change_the_profile(rolls):
    one, big = profile(rolls, chunk_size=1), profile(rolls, chunk_size=10_000)
    assert_same_statistics(one, big)
    np.testing.assert_array_equal(one.samples(), big.samples())


# ---- reservoir -----------------------------------------------------------------------------


def numbered_rolls(n: int) -> np.ndarray:
    """Sample ``i`` holds ``i + 1`` notes, so that its n_notes value names it."""
    x = np.zeros((n, 16, 128, 1), bool)
    for i in range(n):
        x[i, :, : i + 1, 0] = True
    return x


def test_reservoir_keeps_everything_when_it_fits(rolls):
    p = profile(rolls, chunk_size=3, reservoir_size=40)
    values = direct_values(rolls)
    assert p.n_kept == 40 and p.samples().shape == (40, len(PER_TRACK), 3)
    np.testing.assert_array_equal(p.samples(), np.stack(list(values.values()), axis=1))


@pytest.mark.parametrize("chunk_size", [1, 4, 100])
def test_reservoir_is_a_deterministic_sample_without_repeats(chunk_size):
    x = numbered_rolls(30)
    p = profile(x, ["n_notes", "n_pitches_used"], chunk_size=chunk_size, reservoir_size=7, seed=3)
    assert p.n_kept == 7
    kept = p.samples("n_notes")[:, 0].astype(int)
    assert len(set(kept)) == 7 and set(kept) <= set(range(1, 31))
    np.testing.assert_array_equal(p.samples("n_pitches_used"), p.samples("n_notes"))  # whole rows
    again = profile(
        x, ["n_notes", "n_pitches_used"], chunk_size=chunk_size, reservoir_size=7, seed=3
    )
    assert again == p
    seeds = {
        tuple(
            profile(x, ["n_notes"], chunk_size=chunk_size, reservoir_size=7, seed=s).samples()[
                :, 0, 0
            ]
        )
        for s in range(5)
    }
    assert len(seeds) > 1
    # statistics do not depend on the reservoir
    assert p.mean("n_notes")[0] == 15.5 and p.count("n_notes")[0] == 30


def test_reservoir_sample_is_uniform():
    x = numbered_rolls(20)
    counts = np.zeros(20, int)
    for seed in range(300):
        kept = profile(x, ["n_notes"], chunk_size=3, reservoir_size=5, seed=seed).samples()
        counts[kept[:, 0, 0].astype(int) - 1] += 1
    # each sample is kept with probability 5 / 20: 75 times expected, standard deviation 7.5
    assert counts.sum() == 1500
    assert counts.min() > 40 and counts.max() < 110, counts


def test_merge_of_sampled_reservoirs_keeps_the_smaller_capacity():
    x = numbered_rolls(30)
    a = profile(x[:20], ["n_notes"], reservoir_size=8, seed=1)
    b = profile(x[20:], ["n_notes"], reservoir_size=5, seed=2)
    merged = a.merge(b)
    assert merged.reservoir_size == 5 and merged.n_kept == 5
    kept = merged.samples()[:, 0, 0].astype(int)
    assert len(set(kept)) == 5 and set(kept) <= set(range(1, 31))
    assert a.merge(b) == merged  # deterministic


# ---- save / load ---------------------------------------------------------------------------


def test_json_round_trip_is_exact(tmp_path, whole):
    path = tmp_path / "profile.json"
    whole.save(path)
    loaded = DatasetProfile.load(path)
    assert loaded == whole
    assert loaded.to_json_dict() == whole.to_json_dict()
    assert_same_statistics(loaded, whole)
    text = path.read_text(encoding="utf-8")

    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    document = json.loads(text, parse_constant=no_constants)
    assert (document["schema"], document["version"]) == ("musiceval.profile", 1)
    assert document["statistics"]["in_scale_ratio"]["mean"][2] == "nan"
    assert document["tracks"] == ["0", "1", "2"]
    assert document["conventions"]["steps_per_bar"] == 16
    DatasetProfile.load(str(path))  # a str path too


def test_non_finite_values_survive_json():
    values = np.array([[np.nan, np.inf], [-np.inf, 1e-300], [0.1, -0.0]])
    encoded = _documents.encode(values)
    assert encoded[0] == ["nan", "inf"] and encoded[1][0] == "-inf"
    decoded = _documents.decode_floats(json.loads(json.dumps(encoded)))
    np.testing.assert_array_equal(decoded, values)
    assert np.signbit(decoded[2, 1])


def test_load_refuses_other_schemas_versions_and_malformed_files(tmp_path, whole):
    document = whole.to_json_dict()
    cases = {
        "version.json": ({**document, "version": 2}, r"version 2; this musiceval reads version 1"),
        "schema.json": ({**document, "schema": "other"}, "not a musiceval profile"),
        "list.json": ([1, 2], "not a musiceval profile"),
        "missing.json": ({k: v for k, v in document.items() if k != "seed"}, "missing field"),
        "count.json": (
            {**document, "n_samples": 41},
            "count \\+ n_nan of empty_bar_rate must equal n_samples=41",
        ),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_text(json.dumps(content))
        with pytest.raises(ValueError, match=message):
            DatasetProfile.load(tmp_path / name)
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a JSON musiceval profile"):
        DatasetProfile.load(tmp_path / "bad.json")


@pytest.mark.parametrize("failing", ["fsync", "replace", "interrupt"])
def test_an_interrupted_save_leaves_nothing_behind(tmp_path, monkeypatch, whole, failing):
    target = tmp_path / "profile.json"
    error = KeyboardInterrupt if failing == "interrupt" else OSError

    def fail(*args, **kwargs):
        raise error("disk full")

    monkeypatch.setattr(os, "replace" if failing == "replace" else "fsync", fail)
    with pytest.raises(error):
        whole.save(target)
    assert list(tmp_path.iterdir()) == []
    target.write_text("previous profile")
    with pytest.raises(error):
        whole.save(target)
    assert list(tmp_path.iterdir()) == [target]
    assert target.read_text() == "previous profile"
    monkeypatch.undo()
    whole.save(target)
    assert DatasetProfile.load(target) == whole and list(tmp_path.iterdir()) == [target]


# ---- inputs --------------------------------------------------------------------------------


def test_npy_and_npz_files_give_the_profile_of_the_array(tmp_path, rolls, whole):
    np.save(tmp_path / "rolls.npy", rolls)
    np.savez(tmp_path / "rolls.npz", pianoroll=rolls, other=rolls[:3])
    np.savez_compressed(tmp_path / "keyed.npz", samples=rolls)
    assert profile(tmp_path / "rolls.npy") == whole
    assert profile(tmp_path / "rolls.npy", chunk_size=16) == profile(rolls, chunk_size=16)
    assert profile(str(tmp_path / "rolls.npz")) == whole
    assert profile(tmp_path / "keyed.npz", npz_key="samples") == whole
    assert profile(tmp_path / "rolls.npz", npz_key="other") == profile(rolls[:3])
    with pytest.raises(ValueError, match=r"holds no array 'pianoroll'; it holds \['samples'\]"):
        profile(tmp_path / "keyed.npz")
    with pytest.raises(ValueError, match=r"npz_key applies to \.npz files only"):
        profile(tmp_path / "rolls.npy", npz_key="pianoroll")
    with pytest.raises(ValueError, match=r"npz_key applies to \.npz files only"):
        profile(rolls, npz_key="pianoroll")
    (tmp_path / "rolls.txt").write_text("")
    with pytest.raises(ValueError, match=r"rolls\.txt' is not a piano-roll file; expected \.npy"):
        profile(tmp_path / "rolls.txt")
    with pytest.raises(ValueError, match=r"missing\.npy' does not exist"):
        profile(tmp_path / "missing.npy")
    (tmp_path / "rolls.mid").write_bytes(b"")
    with pytest.raises(ValueError, match=r"rolls\.mid' is not a readable MIDI file"):
        profile(tmp_path / "rolls.mid")


def test_float_npy_is_thresholded_chunk_by_chunk(tmp_path, rolls, whole):
    tanh_like = np.where(rolls, 0.8, -0.9).astype(np.float32)
    np.save(tmp_path / "tanh.npy", tanh_like)
    assert profile(tmp_path / "tanh.npy", chunk_size=16) == profile(rolls, chunk_size=16)
    assert profile(tanh_like + 1.0, threshold=1.0, chunk_size=5) == profile(rolls, chunk_size=5)


def test_layouts_and_torch_give_the_same_profile(rolls, whole):
    torch = pytest.importorskip("torch")
    assert profile(torch.from_numpy(rolls)) == whole
    assert profile(torch.from_numpy(rolls).float() * 2 - 1, chunk_size=11) == profile(
        rolls, chunk_size=11
    )
    nbspk = rolls.reshape(40, 2, 16, 128, 3)
    assert profile(nbspk, layout="NBSPK") == whole
    assert profile(nbspk, layout="NBSPK").conventions["steps_per_bar"] == 16
    assert profile(rolls[0].transpose(2, 0, 1), layout="KTP") == profile(rolls[:1])
    assert profile(rolls[0, :, :, 0], layout="TP") == profile(rolls[:1, ..., :1])


def test_bad_arguments_are_refused(rolls):
    with pytest.raises(TypeError, match="unknown option"):
        profile(rolls, stepsperbar=16)
    with pytest.raises(ValueError, match="pairwise"):
        profile(rolls, ["n_notes", "tonal_distance"])
    with pytest.raises(TypeError, match="list of metric names"):
        profile(rolls, "n_notes")
    with pytest.raises(ValueError, match="distinct names"):
        profile(rolls, ["n_notes", "n_notes"])
    with pytest.raises(ValueError, match="distinct names"):
        profile(rolls, ["not_a_metric"])
    with pytest.raises(ValueError, match="chunk_size must be an int >= 1; got 0"):
        profile(rolls, chunk_size=0)
    with pytest.raises(ValueError, match="reservoir_size must be an int >= 1"):
        profile(rolls, reservoir_size=0)
    with pytest.raises(ValueError, match=r"track_names must be 3 distinct names.*\['a', 'b'\]"):
        profile(rolls, track_names=["a", "b"])
    with pytest.raises(ValueError, match="distinct"):
        profile(rolls, track_names=["a", "b", "a"])
    with pytest.raises(ValueError, match="reference is empty"):
        profile(rolls[:0])
    with pytest.raises(ValueError, match="steps_per_bar=12 does not divide n_steps=32"):
        profile(rolls, steps_per_bar=12)
    with pytest.raises(ValueError, match="contradicts the NBSPK input"):
        profile(rolls.reshape(40, 2, 16, 128, 3), layout="NBSPK", steps_per_bar=8)
    with pytest.raises(TypeError, match=r"numpy\.ndarray or torch\.Tensor"):
        profile(rolls.tolist())


def test_mismatched_merges_name_both_values(tmp_path, rolls, whole):
    cases = [
        (
            profile(rolls, ["n_notes"]),
            r"metrics: \['empty_bar_rate', .*'groove_consistency'\] != \['n_notes'\]",
        ),
        (profile(rolls, steps_per_bar=8), "conventions: steps_per_bar=16 != steps_per_bar=8"),
        (profile(rolls, key="D"), "conventions: key=0 != key=2"),
        (profile(rolls[..., :2]), r"numbers of tracks: 3 \['0', '1', '2'\] != 2 \['0', '1'\]"),
        (profile(rolls, track_names=["s", "a", "b"]), r"track names: \['0', '1', '2'\] != \['s'"),
        (
            profile(rolls[:, :, 24:108], lowest_pitch=24),
            "n_pitches=128, lowest_pitch=0 != n_pitches=84, lowest_pitch=24",
        ),
        (profile(rolls[:, :16]), "n_steps: n_steps=32 != n_steps=16"),
    ]
    for other, message in cases:
        with pytest.raises(ValueError, match=message):
            whole.merge(other)
    document = whole.to_json_dict()
    document["statistics"]["pitch_range"]["histogram"]["edges"] = (np.arange(129) - 0.25).tolist()
    shifted = DatasetProfile.from_json_dict(document)
    with pytest.raises(
        ValueError,
        match=r"edges for pitch_range: 128 bins over \[-0.5, 127.5\] != 128 bins over "
        r"\[-0.25, 127.75\]",
    ):
        whole.merge(shifted)
    with pytest.raises(TypeError, match="DatasetProfile"):
        whole.merge(rolls)


def test_package_exports():
    assert me.profile is profile and "profile" in me.__all__ and "DatasetProfile" in me.__all__
    assert "profile" in repr(profile_module) and repr(me.profile).startswith("<function")


# ---- real data -----------------------------------------------------------------------------


def test_profile_of_the_chorales_is_plausible(tmp_path):
    pytest.importorskip("music21")
    pytest.importorskip("tqdm")
    from musiceval.datasets import CHORALE_TRACKS, load_chorales

    chorales = load_chorales(limit=5, cache_dir=tmp_path, progress=False)
    p = profile(chorales, track_names=CHORALE_TRACKS)
    assert p.tracks == CHORALE_TRACKS and p.n_samples == len(chorales)
    assert p.mean("empty_bar_rate").tolist() == [0.0] * 4
    assert p.n_nan("pitch_range").tolist() == [0] * 4  # every voice sings in every segment
    assert p.min("n_pitch_classes_used").min() >= 1 and p.max("n_pitch_classes_used").max() <= 12
    assert np.all(p.mean("n_pitches_used") >= p.mean("n_pitch_classes_used"))
    assert np.all(p.max("pitch_range") <= 24)  # a voice stays within two octaves
    assert np.all((p.min("best_key") >= 0) & (p.max("best_key") <= 11))
    assert np.all(p.mean("polyphonic_rate") < 0.05)  # a voice sings one note at a time
    assert np.all(p.mean("in_scale_ratio") > 0.5)
    assert_matches_values(p, direct_values(chorales))
    p.save(tmp_path / "chorales.json")
    assert DatasetProfile.load(tmp_path / "chorales.json") == p
