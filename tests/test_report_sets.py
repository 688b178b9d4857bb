"""The set-level numbers of a report: nearest-neighbour distances, half-sampling intervals, and
the table that gathers them."""

import doctest
import math

import numpy as np
import pytest
from scipy.spatial.distance import cdist

import musiceval.distances._neighbours
from musiceval import distances
from musiceval._report_sets import SET_COLUMNS, SET_LEGEND, SetOptions, set_frame
from musiceval.exceptions import InvalidParameterError

RNG = np.random.default_rng(20261127)


def test_nearest_neighbour_distances_by_hand_and_docstring():
    # reference 0, 1, 3: each one's nearest other is 1, 1, 2 away; generated 0 and 2.5 lie 0 and
    # 0.5 from the nearest reference value; medians 0.25 / 1
    result = distances.nearest_neighbour_distances([0.0, 1.0, 3.0], [0.0, 2.5], standardize=False)
    assert result.generated.tolist() == [0.0, 0.5]
    assert result.reference.tolist() == [1.0, 1.0, 2.0]
    assert result.ratio == 0.25
    assert doctest.testmod(musiceval.distances._neighbours).failed == 0


def test_nearest_neighbour_distances_equal_a_brute_force_search():
    reference, generated = RNG.normal(size=(300, 7)), RNG.normal(size=(90, 7)) + 0.3
    scale = reference.std(axis=0, ddof=1)
    between = cdist(generated / scale, reference / scale)
    within = cdist(reference / scale, reference / scale)
    np.fill_diagonal(within, np.inf)
    result = distances.nearest_neighbour_distances(reference, generated)
    np.testing.assert_allclose(result.generated, between.min(axis=1), rtol=1e-9)
    np.testing.assert_allclose(result.reference, within.min(axis=1), rtol=1e-9)
    expected = np.median(between.min(axis=1)) / np.median(within.min(axis=1))
    assert result.ratio == pytest.approx(expected, rel=1e-9)


def test_a_copy_lies_at_distance_0_and_a_tiny_reference_gives_nan():
    reference = RNG.normal(size=(40, 3))
    copy = distances.nearest_neighbour_distances(reference, reference[:10])
    assert copy.generated.tolist() == [0.0] * 10 and copy.ratio == 0.0
    tiny = distances.nearest_neighbour_distances(reference[:1], reference)
    assert np.isnan(tiny.generated).all() and tiny.reference.size == 0 and math.isnan(tiny.ratio)
    with pytest.raises(InvalidParameterError, match="generated must have 3 feature"):
        distances.nearest_neighbour_distances(reference, reference[:, :2])


def test_half_sampling_gives_the_width_of_a_mean_s_sampling_noise():
    # the difference of two means of n = 400 unit-variance values: standard error sqrt(2 / 400)
    def difference(r, g):
        return float(g.mean() - r.mean())

    reference, generated = RNG.normal(size=400), RNG.normal(size=400) + 1.0
    interval = distances.bootstrap_interval(
        difference, reference, generated, n_boot=2000, interval="half", seed=3
    )
    assert interval.estimate == pytest.approx(generated.mean() - reference.mean())
    width = interval.high - interval.low
    assert width == pytest.approx(2 * 1.96 * math.sqrt(2 / 400), rel=0.1)
    assert interval.low < interval.estimate < interval.high
    again = distances.bootstrap_interval(
        difference, reference, generated, n_boot=2000, interval="half", seed=3
    )
    assert again == interval


def test_half_sampling_covers_the_truth_about_as_often_as_it_says():
    def difference(r, g):
        return float(g.mean() - r.mean())

    covered = 0
    for trial in range(200):
        rng = np.random.default_rng(trial)
        reference, generated = rng.normal(size=100), rng.normal(size=100) + 0.5
        low, high = distances.bootstrap_interval(
            difference, reference, generated, n_boot=200, interval="half", seed=trial
        )[1:]
        covered += low <= 0.5 <= high
    assert 0.88 <= covered / 200 <= 0.99  # nominal 0.95


def _features(n: int, shift: float = 0.0) -> np.ndarray:
    return RNG.normal(size=(n, 6)) + shift


def test_the_set_table_has_every_statistic_with_a_meaning():
    reference, generated = _features(200), _features(60, 0.2)
    frame = set_frame(reference, generated, SetOptions(n_boot=20))
    assert tuple(frame.columns) == SET_COLUMNS
    assert list(frame["statistic"]) == list(SET_LEGEND)
    fd = frame.set_index("statistic")["estimate"]["frechet_distance"]
    assert fd == distances.frechet_distance(reference, generated)
    prdc = distances.prdc(reference, generated)
    for name in ("precision", "recall", "density", "coverage"):
        assert frame.set_index("statistic")["estimate"][name] == getattr(prdc, name)
    bounded = frame[frame["statistic"] != "frechet_distance_infinity"]
    assert (bounded["low"] <= bounded["estimate"]).all()
    assert (bounded["estimate"] <= bounded["high"]).all()
    rates = frame[frame["statistic"].isin(["precision", "recall", "coverage"])]
    assert ((rates["low"] >= 0) & (rates["high"] <= 1)).all()
    assert (
        frame.set_index("statistic").loc["frechet_distance_infinity", ["low", "high"]].isna().all()
    )


def test_a_copy_of_the_reference_is_flagged_and_small_sets_give_nan():
    reference = _features(120)
    copy = set_frame(reference, reference[:50], SetOptions(n_boot=10)).set_index("statistic")
    assert copy.loc["nearest_neighbour_ratio", "estimate"] == 0.0
    assert copy.loc["precision", "estimate"] == 1.0
    small = set_frame(reference, reference[:4], SetOptions(n_boot=10)).set_index("statistic")
    assert small.loc[["precision", "recall", "density", "coverage"], "estimate"].isna().all()
    assert not math.isnan(small.loc["frechet_distance", "estimate"])
    none = set_frame(reference, _features(30), SetOptions(n_boot=None))
    assert none[["low", "high"]].isna().all().all()


def test_a_report_shows_the_set_level_numbers_with_their_intervals(chorales):
    import musiceval as me

    profile = me.profile(chorales, track_names=["s", "a", "t", "b"])
    report = me.compare(chorales[:4], profile, n_boot=20, seed=1)
    frame = report.set_distances().set_index("statistic")
    assert frame.loc["frechet_distance", "estimate"] == report.frechet_distance
    assert frame.loc["nearest_neighbour_ratio", "estimate"] == 0.0  # a copy of the reference
    transposed = np.roll(chorales, 1, axis=2)  # every note a semitone up: other metric values
    moved = me.compare(transposed, profile, n_boot=None).set_distances().set_index("statistic")
    assert moved.loc["nearest_neighbour_ratio", "estimate"] > 0
    assert moved.loc["frechet_distance", "estimate"] > frame.loc["frechet_distance", "estimate"]
    assert moved[["low", "high"]].isna().all().all()
    markdown = report.to_markdown()
    assert "Set-level distances [95% half-sampling intervals, 20 replicates, seed 1]" in markdown
    ratio = report.to_json_dict()["set_distances"]
    assert (ratio["n_boot"], ratio["seed"]) == (20, 1)
    assert [row["statistic"] for row in ratio["rows"]] == list(SET_LEGEND)
    with pytest.raises(InvalidParameterError, match=r"^n_boot must be an int >= 1; got 0"):
        me.compare(chorales, profile, n_boot=0)


def test_a_report_says_how_much_is_copied_when_the_profile_indexes_its_bars(chorales):
    import musiceval as me

    profile = me.profile(chorales, bar_index=True)
    copy = me.compare(chorales[:4], profile, n_boot=10).originality().set_index("statistic")
    assert copy["estimate"].tolist() == [1.0, 1.0, 4.0]  # every bar; a whole 4-bar segment
    up = me.compare(np.roll(chorales[:4], 2, axis=2), profile, n_boot=10)
    found = up.originality().set_index("statistic")["estimate"]
    assert found["bar_match_rate_transposed"] == 1.0 and found["bar_match_rate"] < 1.0
    assert "of the generated non-empty bars occur in the training set as written" in (
        up.to_markdown()
    )
    plain = me.compare(chorales[:4], me.profile(chorales), n_boot=None)
    assert plain.originality().empty
    assert "Originality: not measured" in plain.to_markdown()


def test_every_overlap_and_kl_has_an_interval_around_the_report_s_value(chorales):
    import musiceval as me

    profile = me.profile(chorales)
    report = me.compare(np.roll(chorales, 1, axis=2), profile, n_boot=30)
    frame = report.to_frame()
    intervals = report.comparison_intervals()
    assert intervals[["metric", "track"]].equals(frame[["metric", "track"]])
    for name in ("overlap_area", "kl_divergence"):
        np.testing.assert_array_equal(intervals[name], frame[name])
        defined = intervals.dropna(subset=[f"{name}_low"])
        assert len(defined) > 40
        assert (defined[f"{name}_low"] <= defined[f"{name}_high"]).all()
    assert intervals["overlap_area_low"].min() >= 0 and intervals["overlap_area_high"].max() <= 1
    assert len(report.to_json_dict()["intervals"]) == len(frame)
    plain = me.compare(chorales, profile, n_boot=None).comparison_intervals()
    assert plain[["overlap_area_low", "kl_divergence_high"]].isna().all().all()
