"""The report's statistics that fit the quantity: probability mass for discrete tracks,
circular statistics for keys, robust scaling, the cached reference side, the binned KDE's error
bound and the figures' options. Hand-built cases first."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import gaussian_kde

import musiceval
from musiceval import _report_stats, distances
from musiceval._kde import SmoothedSample
from musiceval.compare import COLUMNS, LEGEND, Report
from musiceval.distances._marginal import (
    MASS_PRIOR,
    counted_mass_comparison,
    distance_counts,
    mass_comparison,
    set_distances,
)

RNG = np.random.default_rng(20261127)


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    return float(np.sum(p * np.log(p / q)))


# ---------------------------------------------------------------- mass comparison by hand


def test_mass_comparison_by_hand():
    # reference: three 0s and one 1; generated: two 0s. Support {0, 1}, K = 2, alpha = 1/2.
    overlap, divergence = mass_comparison([0, 0, 0, 1], [0, 0])
    assert overlap == 0.75  # min(3/4, 1) + min(1/4, 0)
    p = np.array([3.5, 1.5]) / 5.0
    q = np.array([2.5, 0.5]) / 3.0
    assert divergence == pytest.approx(_kl(p, q), rel=1e-12)
    assert divergence == pytest.approx(0.0542886, abs=1e-7)
    assert MASS_PRIOR == 0.5


def test_mass_comparison_same_shares_and_disjoint_sets():
    assert mass_comparison([1.0, 2.0, 2.0, 3.0], [3.0, 2.0, 1.0, 2.0]) == (1.0, 0.0)
    overlap, divergence = mass_comparison([0.0] * 10, [1.0] * 10)
    assert overlap == 0.0
    p, q = np.array([10.5, 0.5]) / 11.0, np.array([0.5, 10.5]) / 11.0
    assert divergence == pytest.approx(_kl(p, q), rel=1e-12)
    assert math.isfinite(divergence)  # the KDE gives inf for two different constants
    assert distances.kde_comparison([0.0] * 10, [1.0] * 10) == (0.0, math.inf)


def test_mass_comparison_drops_non_finite_values_and_needs_two():
    assert mass_comparison([0, 1, np.nan, np.inf], [0, 1]) == (1.0, 0.0)
    assert all(math.isnan(x) for x in mass_comparison([1.0], [1.0, 2.0]))
    assert all(math.isnan(x) for x in mass_comparison([1.0, 2.0], [np.nan, 2.0]))


def test_counted_mass_comparison_adds_repeated_values():
    values = np.array([0.0, 1.0, 0.0, 2.0])
    counts = np.array([1.0, 2.0, 3.0, 1.0])
    expanded = np.repeat(values, counts.astype(int))
    q = np.array([0.0, 2.0, 2.0])
    assert counted_mass_comparison(values, counts, q, np.ones(3)) == pytest.approx(
        mass_comparison(expanded, q), rel=1e-14
    )


@pytest.mark.parametrize("kind", ["integers", "floats"])
def test_distance_counts_are_the_multiset_of_set_distances(kind):
    if kind == "integers":
        a, b = RNG.integers(0, 7, 60).astype(float), RNG.integers(0, 9, 25).astype(float)
    else:
        a, b = RNG.normal(size=40), RNG.normal(size=30)
    distinct, counts = np.unique(a, return_counts=True)
    other, other_counts = np.unique(b, return_counts=True)
    intra = distance_counts(distinct, counts.astype(float))
    expected = np.unique(set_distances(a), return_counts=True)
    np.testing.assert_allclose(intra[0], expected[0], rtol=1e-14)
    np.testing.assert_array_equal(intra[1], expected[1])
    inter = distance_counts(other, other_counts.astype(float), distinct, counts.astype(float))
    np.testing.assert_allclose(
        np.sort(np.repeat(inter[0], inter[1].astype(int))), np.sort(set_distances(b, a)), rtol=1e-14
    )


# ---------------------------------------------------------------- circular statistics


@pytest.mark.parametrize(
    ("values", "mode", "spread"),
    [
        ([3.0, 3.0, 3.0], 3.0, 0.0),
        ([0.0, 0.0, 6.0, 6.0], 0.0, 1.0),  # opposite keys balance: R = 0
        ([0.0, 4.0, 8.0], 0.0, 1.0),  # three keys a third apart: R = 0
        (
            [11.0, 11.0, 1.0, np.nan],
            11.0,
            1.0 - abs(2 * np.exp(-1j * np.pi / 6) + np.exp(1j * np.pi / 6)) / 3,
        ),
        ([np.nan], math.nan, math.nan),
    ],
)
def test_circular_summary_by_hand(values, mode, spread):
    got_mode, got_spread = _report_stats.circular_summary(np.array(values))
    np.testing.assert_equal(got_mode, mode)
    np.testing.assert_allclose(got_spread, spread, atol=1e-12)


def test_only_best_key_is_circular():
    assert _report_stats.is_circular("best_key")
    assert not any(_report_stats.is_circular(m) for m in ("pitch_range", "n_notes", "unknown"))
    assert _report_stats.is_discrete("best_key", 12, 12)
    assert _report_stats.is_discrete("pitch_entropy", 16, 64)
    assert not _report_stats.is_discrete("pitch_entropy", 17, 2000)
    assert not _report_stats.is_discrete("n_notes", 6, 8)  # 8 values: too few to call discrete


# ---------------------------------------------------------------- robust scale


def test_resolution_is_the_smallest_step_of_both_sets():
    reference = np.zeros((5, 2, 2))
    reference[0, 0, 1] = 0.25  # metric 0 moves in quarters; metric 1 is constant
    generated = np.full((3, 2, 2), 0.5)
    generated[:, 1] = 7.0
    generated[0, 0, 0] = np.nan
    np.testing.assert_array_equal(_report_stats.resolutions(reference, generated), [0.25, 7.0])
    np.testing.assert_array_equal(
        _report_stats.resolutions(reference[:, 1:], reference[:, 1:]), [0.0]
    )


def _bar_profile() -> tuple[musiceval.DatasetProfile, np.ndarray]:
    """40 one-track samples of 4 bars: one has an empty bar; generated: all have one."""
    reference = np.zeros((40, 64, 128, 1), bool)
    reference[:, :, 60] = True
    reference[0, 16:32] = False  # empty_bar_rate 0.25 once, 0 otherwise
    generated = reference[:8].copy()
    generated[:, 32:48] = False  # 0.25 everywhere (sample 0: 0.5)
    metrics = ["empty_bar_rate", "n_notes"]
    return musiceval.profile(reference, metrics, steps_per_bar=16), generated


def test_robust_z_score_floors_the_std_at_one_step():
    profile, generated = _bar_profile()
    frame = musiceval.compare(generated, profile).to_frame().set_index("metric")
    row = frame.loc["empty_bar_rate"]
    mean = 0.25 / 40
    std = math.sqrt(0.25**2 / 40 - mean**2)
    generated_mean = (0.5 + 7 * 0.25) / 8
    assert row["reference_std"] == pytest.approx(std, rel=1e-12)
    assert row["z_score"] == pytest.approx((generated_mean - mean) / std, rel=1e-12)
    assert row["robust_z_score"] == pytest.approx((generated_mean - mean) / 0.25, rel=1e-12)
    assert abs(row["robust_z_score"]) < 1.2 < 4 < abs(row["z_score"])


def test_robust_frechet_of_one_feature_is_the_closed_form():
    profile, generated = _bar_profile()
    report = musiceval.compare(generated, profile.select(["empty_bar_rate"]))
    reference = profile.samples("empty_bar_rate")[:, 0] / 0.25  # max(std, 0.25) = 0.25
    ours = report.samples("empty_bar_rate")[:, 0] / 0.25
    expected = (reference.mean() - ours.mean()) ** 2 + (
        reference.std(ddof=1) - ours.std(ddof=1)
    ) ** 2
    assert report.frechet_distance_robust == pytest.approx(expected, rel=1e-9)
    assert report.frechet_distance > 20 * report.frechet_distance_robust


# ---------------------------------------------------------------- report rows


def _random_rolls(seed: int, n: int) -> np.ndarray:
    """``n`` two-track samples of random notes (continuous entropies, few distinct counts)."""
    rng = np.random.default_rng(seed)
    rolls = np.zeros((n, 64, 128, 2), bool)
    rolls[:, :, 48:84] = rng.random((n, 64, 36, 2)) < 0.03
    return rolls


def test_discrete_tracks_are_compared_as_mass():
    metrics = ["n_pitch_classes_used", "pitch_class_entropy", "best_key", "empty_bar_rate"]
    profile = musiceval.profile(_random_rolls(0, 80), metrics)
    report = musiceval.compare(_random_rolls(1, 30), profile)
    frame = report.to_frame()
    assert list(frame.columns) == list(COLUMNS) and set(LEGEND) == set(COLUMNS)
    for row in frame.itertuples():
        track = profile.tracks.index(row.track)
        reference = profile.samples(row.metric)[:, track]
        ours = report.samples(row.metric)[:, track]
        finite = reference[np.isfinite(reference)]
        n_distinct = np.unique(finite).size
        discrete = row.metric == "best_key" or (n_distinct <= 16 and finite.size >= 4 * n_distinct)
        assert row.comparison == ("mass" if discrete else "kde")
        expected = (mass_comparison if discrete else distances.kde_comparison)(reference, ours)
        assert (row.overlap_area, row.kl_divergence) == pytest.approx(expected, rel=1e-12)
    by_metric = frame.groupby("metric")["comparison"].agg(set)
    assert by_metric["pitch_class_entropy"] == {"kde"}
    assert by_metric["best_key"] == by_metric["empty_bar_rate"] == {"mass"}


def test_continuous_relative_comparison_is_mgevals():
    profile = musiceval.profile(_random_rolls(2, 1200), ["pitch_class_entropy"])
    generated = _random_rolls(3, 40)
    frame = musiceval.compare(generated, profile).to_frame()
    values = musiceval.compute(generated, ["pitch_class_entropy"])["pitch_class_entropy"]
    for k, row in enumerate(frame.itertuples()):
        assert row.comparison == "kde"
        expected = distances.relative_comparison(
            profile.samples("pitch_class_entropy")[:, k], values[:, k]
        )  # 1000 of the 1200 reference rows drawn, 499,500 distances: binned
        assert row.relative_overlap_area == pytest.approx(expected["overlap_area"], rel=1e-9)
        assert row.relative_kl_divergence == pytest.approx(
            expected["kl_divergence"], rel=1e-9, abs=1e-12
        )


def test_best_key_rows_have_mode_and_spread_not_mean(chorales: np.ndarray):
    profile = musiceval.profile(chorales, ["best_key", "n_notes"])
    generated = np.roll(chorales[:20], 2, axis=2)  # up a whole tone
    report = musiceval.compare(generated, profile)
    frame = report.to_frame().set_index("metric")
    keys = frame.loc["best_key"]
    for column in ("reference_mean", "generated_std", "difference", "z_score", "robust_z_score"):
        assert keys[column].isna().all(), column
    for k in range(4):
        mode, spread = _report_stats.circular_summary(report.samples("best_key")[:, k])
        assert keys["generated_mode"].iloc[k] == mode
        assert keys["generated_spread"].iloc[k] == pytest.approx(spread, abs=1e-12)
        counts = np.bincount(profile.samples("best_key")[:, k].astype(int), minlength=12)
        assert keys["reference_mode"].iloc[k] == np.argmax(counts)
    assert frame.loc["n_notes", "reference_mode"].isna().all()
    assert frame.loc["n_notes", "z_score"].notna().all()


def test_the_reference_side_is_built_once_per_profile():
    profile = musiceval.profile(_random_rolls(4, 50), ["pitch_entropy", "n_notes"])
    first = _report_stats.reference_sides(profile, "pitch_entropy")
    assert _report_stats.reference_sides(profile, "pitch_entropy") is first
    frames = [musiceval.compare(_random_rolls(seed, 9), profile).to_frame() for seed in (5, 6)]
    assert _report_stats.reference_sides(profile, "pitch_entropy") is first
    assert not frames[0].equals(frames[1])
    key = id(profile)
    del profile, first
    import gc

    gc.collect()
    assert key not in _report_stats._CACHE


# ---------------------------------------------------------------- binned KDE error bound


def _exact_comparison(reference: np.ndarray, generated: np.ndarray) -> tuple[float, float]:
    """kde_comparison's grid and formulas with scipy's exact KDEs."""
    p_smooth, q_smooth = SmoothedSample(reference), SmoothedSample(generated)
    low, high = min(p_smooth.low, q_smooth.low), max(p_smooth.high, q_smooth.high)
    grid = np.unique(
        np.concatenate(
            [np.linspace(low, high, 512), p_smooth.support(512, 6.0), q_smooth.support(512, 6.0)]
        )
    )
    p, q = gaussian_kde(reference)(grid), gaussian_kde(generated)(grid)
    p, q = p / np.trapezoid(p, grid), q / np.trapezoid(q, grid)
    log_ratio = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)) - np.log(np.maximum(q, 1e-300)), 0)
    return float(np.trapezoid(np.minimum(p, q), grid)), float(np.trapezoid(p * log_ratio, grid))


@pytest.mark.parametrize(
    "case",
    ["normal", "shifted", "narrow-wide", "bimodal-far", "lattice", "skewed", "heavy"],
)
def test_binned_kde_comparison_is_within_its_bound(case):
    rng = np.random.default_rng(7)
    reference = rng.normal(size=3000)
    generated = {
        "normal": lambda: rng.normal(size=1500),
        "shifted": lambda: rng.normal(size=1500) + 4.0,
        "narrow-wide": lambda: rng.normal(size=1500) * 30.0,
        "bimodal-far": lambda: np.r_[rng.normal(size=750), rng.normal(size=750) + 40.0],
        "lattice": lambda: rng.integers(-64, 64, 1500) / 32.0,
        "skewed": lambda: rng.gamma(0.5, size=1500),
        "heavy": lambda: rng.standard_t(1.5, size=1500),
    }[case]()
    overlap, divergence = distances.kde_comparison(reference, generated)
    exact_overlap, exact_divergence = _exact_comparison(reference, generated)
    assert overlap == pytest.approx(exact_overlap, abs=1e-4)
    assert divergence == pytest.approx(exact_divergence, abs=1e-3, rel=1e-3)


def test_binned_kde_on_chorale_values_is_within_its_bound(chorales: np.ndarray):
    values = musiceval.compute(chorales, ["pitch_class_entropy", "in_scale_ratio"])
    for name, array in values.items():
        reference, generated = array[:, 0], array[:, 1]
        reference = np.tile(reference[np.isfinite(reference)], 4)  # binned: > 341 values
        generated = np.tile(generated[np.isfinite(generated)], 3)
        got = distances.kde_comparison(reference, generated)
        exact = _exact_comparison(reference, generated)
        assert got == pytest.approx(exact, abs=1e-4), name


def test_binned_density_tails_keep_their_relative_precision():
    sample = RNG.normal(size=50_000)
    grid = np.linspace(-12.0, 12.0, 97)
    expected = gaussian_kde(sample)(grid)
    got = SmoothedSample(sample).density(grid)
    np.testing.assert_allclose(got, expected, rtol=0, atol=5e-5 * expected.max())
    far = expected < 1e-11 * expected.max()
    assert far.any()
    np.testing.assert_allclose(got[far], expected[far], rtol=0.05)


# ---------------------------------------------------------------- figures


def test_save_without_figures_and_with_one_worker(tmp_path, chorales: np.ndarray):
    profile = musiceval.profile(chorales, ["n_notes", "best_key"])
    report = musiceval.compare(chorales[:12], profile)
    quick = report.save(tmp_path / "quick", figures=False)
    assert sorted(p.name for p in quick.iterdir()) == [
        "report.csv",
        "report.html",
        "report.json",
        "report.md",
    ]
    assert "data:image/png" not in (quick / "report.html").read_text()
    serial = report.save(tmp_path / "serial", workers=1)
    parallel = report.save(tmp_path / "parallel", workers=2)
    names = sorted(p.name for p in serial.iterdir())
    assert names == sorted(p.name for p in parallel.iterdir())
    assert "distribution_best_key.png" in names and "z_scores.png" in names
    for name in names:
        if name.endswith(".csv") or name.endswith(".md"):
            assert (serial / name).read_bytes() == (parallel / name).read_bytes(), name
    with pytest.raises(ValueError, match="workers must be"):
        report.save(tmp_path / "bad", workers=0)
    with pytest.raises(TypeError, match="figures must be"):
        report.save(tmp_path / "bad", figures="no")


def test_a_small_reference_is_smoothed_not_taken_for_discrete(chorales: np.ndarray):
    profile = musiceval.profile(chorales, ["n_notes"])  # 8 samples: at most 8 distinct values
    report = Report(profile, np.full((3, 1, 4), 12.0))
    frame = report.to_frame()
    assert (frame["comparison"] == "kde").all()
    for k, row in enumerate(frame.itertuples()):
        expected = distances.kde_comparison(profile.samples("n_notes")[:, k], np.full(3, 12.0))
        assert (row.overlap_area, row.kl_divergence) == expected
    assert frame["generated_mode"].isna().all()


def test_a_report_of_keys_alone_has_no_z_figure(tmp_path, chorales: np.ndarray):
    report = musiceval.compare(chorales, musiceval.profile(chorales, ["best_key"]))
    saved = report.save(tmp_path / "keys", workers=1)
    names = sorted(p.name for p in saved.iterdir())
    assert names == [
        "distribution_best_key.png",
        *(f"report.{e}" for e in "csv html json md".split()),
    ]
    assert math.isnan(report.frechet_distance_robust)  # no linear feature left


def test_a_weighted_sample_is_the_sample_repeated():
    values = np.array([0.0, 0.5, 2.0, 3.5])
    counts = np.array([3.0, 1.0, 2.0, 5.0])
    repeated = np.repeat(values, counts.astype(int))
    weighted, plain = SmoothedSample(values, counts), SmoothedSample(repeated)
    assert weighted.bandwidth == pytest.approx(plain.bandwidth, rel=1e-13)
    grid = np.linspace(-2.0, 6.0, 101)
    np.testing.assert_allclose(weighted.density(grid), plain.density(grid), rtol=1e-12)
    many = RNG.integers(0, 50, 40_000) / 7.0  # binned: 40,000 x 101 > 2**19
    distinct, times = np.unique(many, return_counts=True)
    np.testing.assert_allclose(
        SmoothedSample(distinct, times).density(grid),
        SmoothedSample(many).density(grid),
        rtol=1e-10,
        atol=1e-14,
    )


def test_the_key_figure_has_one_bar_per_pitch_class_and_no_mean_line():
    pytest.importorskip("matplotlib")
    from musiceval import plot

    reference = np.array([[0.0], [0.0], [7.0], [11.0]])
    figure = plot.plot_distributions(reference, np.array([[2.0], [2.0]]), metric="best_key")
    (ax,) = figure.axes
    labels = [label.get_text() for label in ax.get_xticklabels()]
    assert labels == ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    assert len(ax.patches) == 12 + 1  # 12 reference bars, one generated outline
    assert not ax.lines  # no mean lines on a circle
