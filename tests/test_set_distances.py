"""Set-level distances with uncertainty: PRDC, MMD/KID, shrinkage covariances, FD-inf, the
per-piece score and the bootstrap interval, against their reference implementations."""

import contextlib
import doctest
import functools
import inspect
import io
import math
import re
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import musiceval.distances._bootstrap
import musiceval.distances._covariance
import musiceval.distances._frechet
import musiceval.distances._mmd
import musiceval.distances._prdc
from musiceval.distances import (
    PRDC,
    BootstrapInterval,
    bootstrap_interval,
    frechet_distance,
    frechet_distance_infinity,
    kid,
    mmd,
    n_dropped_rows,
    piece_distance,
    prdc,
)
from musiceval.distances._covariance import estimate_covariance
from musiceval.exceptions import InvalidParameterError

fast = settings(max_examples=25, deadline=None)


def package_prdc(reference, generated, k):
    """The ``prdc`` package's compute_prdc, without its print."""
    from prdc import compute_prdc

    with contextlib.redirect_stdout(io.StringIO()):
        result = compute_prdc(reference, generated, k)
    return PRDC(*(float(result[name]) for name in PRDC._fields))


@pytest.mark.parametrize(
    "module",
    [
        musiceval.distances._bootstrap,
        musiceval.distances._covariance,
        musiceval.distances._frechet,
        musiceval.distances._mmd,
        musiceval.distances._prdc,
    ],
)
def test_docstring_examples(module):
    results = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted > 0
    assert results.failed == 0


# ---------------------------------------------------------------- covariance estimators


@pytest.mark.parametrize("shape", [(10, 3), (50, 20), (5, 30), (300, 56), (40, 1)])
def test_shrinkage_covariances_equal_scikit_learn(shape):
    covariance = pytest.importorskip("sklearn.covariance")
    rng = np.random.default_rng(shape[0] * 100 + shape[1])
    x = rng.normal(size=shape) @ rng.normal(size=(shape[1], shape[1])) + 3.0
    x[:, 0] = 2.0 if shape[1] > 1 else x[:, 0]  # a constant feature
    for method, estimator in (("ledoit_wolf", covariance.LedoitWolf), ("oas", covariance.OAS)):
        ours = estimate_covariance(x, method)
        theirs = estimator(assume_centered=False).fit(x).covariance_
        # measured: at most 7.1e-15 apart (at shape (5, 30)), entries up to 50
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12 * np.abs(theirs).max())
    np.testing.assert_array_equal(estimate_covariance(x, "sample"), np.cov(x, rowvar=False))


def test_frechet_with_shrinkage_is_the_fid_formula_on_scikit_learn_covariances():
    covariance = pytest.importorskip("sklearn.covariance")
    from scipy.linalg import sqrtm

    rng = np.random.default_rng(12)
    reference, generated = rng.normal(size=(30, 6)), rng.normal(size=(25, 6)) * 1.5 + 0.2
    for method, estimator in (("ledoit_wolf", covariance.LedoitWolf), ("oas", covariance.OAS)):
        cov_r = estimator().fit(reference).covariance_
        cov_g = estimator().fit(generated).covariance_
        difference = reference.mean(0) - generated.mean(0)
        expected = difference @ difference + np.trace(cov_r + cov_g)
        expected -= 2 * np.trace(sqrtm(cov_r @ cov_g).real)
        got = frechet_distance(reference, generated, standardize=False, covariance=method)
        assert got == pytest.approx(expected, rel=1e-9)


def test_frechet_sample_covariance_is_the_default_exactly():
    rng = np.random.default_rng(3)
    reference, generated = rng.normal(size=(20, 4)), rng.normal(size=(15, 4))
    assert frechet_distance(reference, generated, covariance="sample") == frechet_distance(
        reference, generated
    )


def test_ledoit_wolf_by_hand():
    # x = (0, 2, 0, 2) and a constant 1: centred rows (+-1, 0), S = diag(1, 0) (ddof=0).
    # Every row's outer product x_i x_i' equals S, so the estimated variance of S is 0
    # (beta = (sum |x_i|^4 / n - |S|_F^2) / (n p) = (4 / 4 - 1) / 8 = 0): no shrinkage.
    reference = np.array([[0.0, 1.0], [2.0, 1.0], [0.0, 1.0], [2.0, 1.0]])
    np.testing.assert_array_equal(estimate_covariance(reference, "ledoit_wolf"), np.diag([1, 0]))
    # with rows that vary, the constant feature gets a positive variance s * Tr(S) / p
    reference = np.array([[0.0, 1.0], [1.0, 1.0], [3.0, 1.0], [4.0, 1.0], [2.0, 1.0]])
    for method in ("ledoit_wolf", "oas"):
        assert estimate_covariance(reference, method)[1, 1] > 0
        assert frechet_distance(reference, reference, covariance=method) == pytest.approx(
            0, abs=1e-12
        )


# ---------------------------------------------------------------- PRDC


@pytest.mark.parametrize(
    ("n", "m", "d", "k"), [(200, 150, 5, 5), (300, 300, 20, 3), (50, 80, 2, 7)]
)
def test_prdc_equals_the_prdc_package_on_continuous_data(n, m, d, k):
    pytest.importorskip("prdc")
    rng = np.random.default_rng(n + m + d + k)
    reference, generated = rng.normal(size=(n, d)), rng.normal(size=(m, d)) * 1.2 + 0.3
    ours = prdc(reference, generated, k=k, standardize=False)
    theirs = package_prdc(reference, generated, k)
    for name in PRDC._fields:  # the same counts: densities differ only in summation order
        assert getattr(ours, name) == pytest.approx(getattr(theirs, name), rel=1e-12), name


def test_prdc_by_hand_on_four_points():
    # reference 0, 1, 2, 3 with k = 1: every ball has radius 1.
    # generated 0.5, 4, 10, 11 with k = 1: radii 3.5, 3.5, 1, 1.
    # precision: 0.5 in the balls of 0 and 1, 4 on the boundary of 3's ball -> 2/4
    # density: (2 + 1) balls / (k * 4) = 0.75
    # recall: 0.5's ball (radius 3.5) holds 0, 1, 2 and 3 -> 4/4
    # coverage: the balls of 0 and 1 hold 0.5, that of 3 holds 4 (tie), 2's none -> 3/4
    got = prdc([0.0, 1.0, 2.0, 3.0], [0.5, 4.0, 10.0, 11.0], k=1, standardize=False)
    assert got == PRDC(precision=0.5, recall=1.0, density=0.75, coverage=0.75)


def test_prdc_counts_ties_as_inside_where_the_package_does_not():
    pytest.importorskip("prdc")
    # the hand case above: the package's `<` leaves 4 outside 3's ball
    reference, generated = (
        np.array([[0.0], [1.0], [2.0], [3.0]]),
        np.array([[0.5], [4.0], [10.0], [11.0]]),
    )
    assert package_prdc(reference, generated, 1) == PRDC(0.25, 1.0, 0.5, 0.5)
    # integer counts where every value is repeated k times: every radius is 0, so with `<`
    # nothing is inside anything, even for a generated set that copies the reference
    reference = np.repeat(np.array([[3, 1], [4, 0], [5, 2], [7, 1]], float), 4, axis=0)
    assert package_prdc(reference, reference.copy(), 3) == PRDC(0.0, 0.0, 0.0, 0.0)
    assert prdc(reference, reference.copy(), k=3, standardize=False) == PRDC(1.0, 1.0, 4 / 3, 1.0)
    # the tie survives standardisation (rounding of scaled distances is tolerated)
    assert prdc(reference, reference.copy(), k=3) == PRDC(1.0, 1.0, 4 / 3, 1.0)


@fast
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(4, 30), st.integers(1, 4)),
        elements=st.integers(-20, 20).map(float),
    ),
    st.integers(1, 3),
    st.booleans(),
)
def test_prdc_of_a_set_against_itself(rows, k, standardize):
    got = prdc(rows, rows, k=k, standardize=standardize)
    assert (got.precision, got.recall, got.coverage) == (1.0, 1.0, 1.0)
    assert got.density >= (k + 1) / k - 1e-12  # every row in its own ball and k others' (ties add)


def test_prdc_of_distinct_continuous_rows_against_themselves_has_density_k_plus_1_over_k():
    rows = np.random.default_rng(4).normal(size=(60, 3))
    assert prdc(rows, rows, k=4) == PRDC(1.0, 1.0, pytest.approx(5 / 4), 1.0)


def test_prdc_holds_no_square_matrix():
    # 4,000 rows: a 4,000 x 4,000 float64 matrix alone is 122 MiB
    rows = np.random.default_rng(5).normal(size=(4000, 60))
    tracemalloc.start()
    try:
        prdc(rows[:3000], rows[1000:], k=5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 110 * 2**20  # measured 107 MiB for 4,000 x 4,000, blocks of 2**22 entries


def test_prdc_needs_k_plus_1_rows_in_each_set():
    rows = np.arange(10.0)
    with pytest.raises(InvalidParameterError, match=r"^k must .*reference rows \(5\).*k \+ 1 = 6"):
        prdc(rows[:5], rows, k=5)
    with pytest.raises(InvalidParameterError, match=r"^k must .*generated rows \(5\).*; got 5"):
        prdc(rows, rows[:5], k=5)
    # rows holding NaN do not count
    with pytest.raises(InvalidParameterError, match=r"reference rows \(5\)"):
        prdc(np.r_[rows[:5], np.nan], rows, k=5)
    assert prdc(rows[:6], rows, k=5).precision == 1.0


# ---------------------------------------------------------------- MMD and KID


def double_loop_mmd(x, y, kernel):
    """The unbiased MMD^2 by its definition, one pair at a time."""
    n, m = len(x), len(y)
    xx = sum(kernel(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(kernel(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(kernel(x[i], y[j]) for i in range(n) for j in range(m)) / (n * m)
    return xx + yy - 2 * xy


def cubic(a, b):
    return (float(a @ b) / len(a) + 1.0) ** 3


def test_kid_equals_the_double_loop_on_whole_sets():
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(30, 4)), rng.normal(size=(25, 4)) + 0.5
    expected = double_loop_mmd(x, y, cubic)
    assert kid(x, y, standardize=False) == pytest.approx(expected, rel=1e-12)
    assert mmd(x, y, kernel="polynomial", standardize=False) == pytest.approx(expected, rel=1e-12)


def test_kid_averages_the_double_loop_over_the_seeded_subsets():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(40, 3)), rng.normal(size=(30, 3)) * 2
    draws = np.random.default_rng(11)
    expected = np.mean(
        [
            double_loop_mmd(
                x[draws.choice(40, 12, replace=False)],
                y[draws.choice(30, 12, replace=False)],
                cubic,
            )
            for _ in range(5)
        ]
    )
    got = kid(x, y, subset_size=12, n_subsets=5, standardize=False, seed=11)
    assert got == pytest.approx(expected, rel=1e-12)
    assert kid(x, y, subset_size=12, n_subsets=5, seed=11) == kid(
        x, y, subset_size=12, n_subsets=5, seed=11
    )


def test_kid_standardizes_with_the_reference_mean_and_std():
    rng = np.random.default_rng(8)
    x, y = rng.normal(size=(20, 3)) * [1, 10, 100] + 50, rng.normal(size=(15, 3)) * 3
    centre, scale = x.mean(0), x.std(0, ddof=1)
    expected = double_loop_mmd((x - centre) / scale, (y - centre) / scale, cubic)
    assert kid(x, y) == pytest.approx(expected, rel=1e-10)


def test_rbf_mmd_equals_the_double_loop_with_the_median_bandwidth():
    from scipy.spatial.distance import pdist

    rng = np.random.default_rng(9)
    x, y = rng.normal(size=(20, 3)), rng.normal(size=(15, 3)) + 1
    sigma = np.median(pdist(np.r_[x, y]))

    def gaussian(a, b):
        return math.exp(-float((a - b) @ (a - b)) / (2 * sigma**2))

    expected = double_loop_mmd(x, y, gaussian)
    assert mmd(x, y, standardize=False) == pytest.approx(expected, rel=1e-10)
    assert mmd(x, y, bandwidth=float(sigma), standardize=False) == pytest.approx(
        expected, rel=1e-10
    )
    # translating and scaling both sets alike changes nothing once standardised
    assert mmd(x, y) == pytest.approx(mmd(3 * x + 7, 3 * y + 7), rel=1e-9)


@pytest.mark.parametrize("kernel", ["rbf", "polynomial"])
def test_mmd_of_one_distribution_averages_zero(kernel):
    # the estimator is unbiased: over 200 pairs of sets from N(0, I) its mean is 0 within
    # 4 standard errors (a biased V-statistic would sit at about +2 standard errors per 0.01)
    rng = np.random.default_rng(10)
    values = np.array(
        [
            mmd(
                rng.normal(size=(20, 3)), rng.normal(size=(20, 3)), kernel=kernel, standardize=False
            )
            for _ in range(200)
        ]
    )
    assert abs(values.mean()) < 4 * values.std(ddof=1) / math.sqrt(len(values))
    shifted = mmd(rng.normal(size=(200, 3)), rng.normal(size=(200, 3)) + 1, kernel=kernel)
    assert shifted > 10 * values.std(ddof=1) / math.sqrt(len(values))


def test_mmd_and_kid_are_nan_below_two_rows():
    assert math.isnan(mmd([1.0], [1.0, 2.0]))
    assert math.isnan(kid([1.0, 2.0], [[np.nan], [1.0]]))


# ---------------------------------------------------------------- FD-inf


def test_fd_infinity_removes_the_finite_set_bias_on_known_gaussians():
    # reference N(0, I) (100,000 rows: its own bias is about 1e-4); generated sets of 400 rows
    # from N(0.1, diag(s^2)): closed-form distance |mu|^2 + sum (1 - s)^2 = 1.1185...
    d = 10
    scale, mean = np.linspace(0.5, 1.5, d), np.full(d, 0.1)
    exact = mean @ mean + ((1 - scale) ** 2).sum()
    reference = np.random.default_rng(5).normal(size=(100_000, d))
    finite, infinite = [], []
    for seed in range(20):
        generated = mean + np.random.default_rng(seed).normal(size=(400, d)) * scale
        finite.append(frechet_distance(reference, generated, standardize=False) - exact)
        result = frechet_distance_infinity(reference, generated, standardize=False, seed=seed)
        infinite.append(result.distance - exact)
    # measured: mean errors 0.100 (FD at 400 rows) and 0.002 (FD-inf)
    assert np.mean(finite) > 0.07
    assert abs(np.mean(infinite)) < 0.03
    assert np.mean(np.abs(infinite)) < np.mean(np.abs(finite))


def test_fd_infinity_fits_the_documented_sizes_and_ends_at_the_whole_set():
    rng = np.random.default_rng(13)
    reference, generated = rng.normal(size=(300, 4)), rng.normal(size=(100, 4)) + 0.3
    result = frechet_distance_infinity(reference, generated, n_draws=3)
    assert result.sizes == tuple(int(v) for v in np.round(np.linspace(10, 100, 15)))
    assert result.distances[-1] == frechet_distance(reference, generated)
    slope, intercept = np.polyfit(1 / np.array(result.sizes), result.distances, 1)
    assert (result.distance, result.slope) == (pytest.approx(intercept), pytest.approx(slope))
    assert 0 < result.r2 <= 1
    assert result == frechet_distance_infinity(reference, generated, n_draws=3)  # seeded
    other = frechet_distance_infinity(reference, generated, n_draws=3, seed=1)
    assert other.distance != result.distance
    custom = frechet_distance_infinity(reference, generated, min_size=50, n_sizes=6)
    assert custom.sizes == (50, 60, 70, 80, 90, 100)


def test_fd_infinity_is_nan_for_tiny_sets_and_refuses_a_min_size_too_large():
    assert math.isnan(frechet_distance_infinity([1.0, 2.0, 3.0], [1.0, 2.0]).distance)
    assert frechet_distance_infinity([1.0], [1.0, 2.0, 3.0]).sizes == ()
    with pytest.raises(InvalidParameterError, match=r"^min_size must .* rows \(4\); got 4"):
        frechet_distance_infinity([1.0, 2.0, 3.0], [1.0, 2.0, 3.0, np.nan, 4.0], min_size=4)


# ---------------------------------------------------------------- per-piece score


def test_piece_distance_is_the_mahalanobis_distance_of_the_chosen_covariance():
    covariance = pytest.importorskip("sklearn.covariance")
    rng = np.random.default_rng(14)
    reference = rng.normal(size=(40, 5)) @ rng.normal(size=(5, 5))
    pieces = rng.normal(size=(6, 5))
    for method, cov in (
        ("sample", np.cov(reference, rowvar=False)),
        ("ledoit_wolf", covariance.LedoitWolf().fit(reference).covariance_),
        ("oas", covariance.OAS().fit(reference).covariance_),
    ):
        difference = pieces - reference.mean(0)
        expected = np.einsum("ij,jk,ik->i", difference, np.linalg.inv(cov), difference)
        got = piece_distance(reference, pieces, covariance=method, standardize=False)
        np.testing.assert_allclose(got, expected, rtol=1e-9)
    # the sample covariance's Mahalanobis distance does not depend on the scaling
    np.testing.assert_allclose(
        piece_distance(reference, pieces, covariance="sample"),
        piece_distance(reference, pieces, covariance="sample", standardize=False),
        rtol=1e-9,
    )
    assert piece_distance(reference, pieces[0]) == pytest.approx(
        piece_distance(reference, pieces)[0]
    )


def test_piece_distance_of_a_gaussian_reference_is_about_n_features():
    rng = np.random.default_rng(15)
    reference, pieces = rng.normal(size=(5000, 8)), rng.normal(size=(2000, 8))
    assert piece_distance(reference, pieces).mean() == pytest.approx(8, rel=0.05)


def test_piece_distance_where_the_reference_does_not_vary():
    # feature 1 is constant 1 in the reference: a piece with 1 there is scored on feature 0,
    # one with 2 there is infinitely far with the sample covariance, finite with shrinkage
    reference = np.array([[0.0, 1.0], [2.0, 1.0], [0.0, 1.0], [2.0, 1.0]])
    pieces = np.array([[3.0, 1.0], [1.0, 2.0], [np.nan, 1.0]])
    got = piece_distance(reference, pieces, covariance="sample")
    assert got[0] == pytest.approx(3.0) and got[1] == math.inf and math.isnan(got[2])
    # the Ledoit-Wolf shrinkage of this reference is 0 (test_ledoit_wolf_by_hand)
    assert piece_distance(reference, pieces[:2]).tolist() == [pytest.approx(4.0), math.inf]
    varied = np.array([[0.0, 1.0], [1.0, 1.0], [3.0, 1.0], [4.0, 1.0], [2.0, 1.0]])
    assert np.isfinite(piece_distance(varied, pieces[:2])).all()
    assert math.isnan(piece_distance(reference[:1], [1.0, 1.0]))
    assert piece_distance([0.0, 2.0, 0.0, 2.0], 3.0, covariance="sample") == pytest.approx(3.0)
    with pytest.raises(InvalidParameterError, match=r"^pieces must be an array of shape \(2,\)"):
        piece_distance(reference, [1.0, 2.0, 3.0])


# ---------------------------------------------------------------- bootstrap


def mean_difference(reference, generated):
    return generated.mean() - reference.mean()


def test_bootstrap_resamples_both_sets_with_replacement_in_the_documented_order():
    rng = np.random.default_rng(16)
    reference, generated = rng.normal(size=30), rng.normal(size=20) + 1
    got = bootstrap_interval(mean_difference, reference, generated, n_boot=50, seed=3)
    draws = np.random.default_rng(3)
    replicates = []
    for _ in range(50):
        rows_r, rows_g = draws.integers(0, 30, 30), draws.integers(0, 20, 20)
        replicates.append(mean_difference(reference[rows_r], generated[rows_g]))
    low, high = np.quantile(replicates, [0.025, 0.975])
    assert got == BootstrapInterval(mean_difference(reference, generated), low, high)
    basic = bootstrap_interval(
        mean_difference, reference, generated, n_boot=50, seed=3, interval="basic"
    )
    assert basic.low == pytest.approx(2 * got.estimate - high)
    assert basic.high == pytest.approx(2 * got.estimate - low)


@fast
@given(
    hnp.arrays(np.float64, st.integers(3, 30), elements=st.floats(-100, 100)),
    st.integers(0, 2**32),
    st.floats(0.5, 0.99),
)
def test_bootstrap_interval_contains_the_mean_and_is_reproducible(values, seed, confidence):
    # the mean difference of resampled sets is unbiased, and with the same set on both sides
    # its replicates spread around 0 = the estimate
    got = bootstrap_interval(
        mean_difference, values, values, n_boot=200, seed=seed, confidence=confidence
    )
    assert got.estimate == 0.0
    assert got.low <= 1e-9 and got.high >= -1e-9
    assert got == bootstrap_interval(
        mean_difference, values, values, n_boot=200, seed=seed, confidence=confidence
    )


def test_bootstrap_keeps_the_statistic_s_named_fields_and_drops_non_finite_rows():
    rng = np.random.default_rng(17)
    reference, generated = rng.normal(size=(40, 2)), rng.normal(size=(30, 2))
    with_nan = np.r_[reference, [[np.nan, 0.0], [np.inf, 1.0]]]
    got = bootstrap_interval(functools.partial(prdc, k=3), with_nan, generated, n_boot=20)
    assert isinstance(got.low, PRDC) and isinstance(got.high, PRDC)
    assert got.estimate == prdc(reference, generated, k=3)
    for name in PRDC._fields:
        assert getattr(got.low, name) <= getattr(got.high, name)
    assert n_dropped_rows(with_nan) == 2
    arrays = bootstrap_interval(
        lambda r, g: np.array([r.shape[0], g.shape[0]]), with_nan, generated, n_boot=3
    )
    np.testing.assert_array_equal(arrays.low, [40, 30])


def test_bootstrap_of_the_frechet_distance():
    rng = np.random.default_rng(18)
    reference, generated = rng.normal(size=(200, 5)), rng.normal(size=(200, 5)) + 0.5
    percentile = bootstrap_interval(frechet_distance, reference, generated, n_boot=100)
    basic = bootstrap_interval(frechet_distance, reference, generated, n_boot=100, interval="basic")
    assert percentile.estimate == basic.estimate == frechet_distance(reference, generated)
    assert percentile.low < percentile.high and basic.low < basic.high
    # the replicates of a distance biased upwards sit above the estimate; basic reflects them
    assert basic.low < percentile.low and basic.high < percentile.high


def test_bootstrap_nan_replicates_are_left_out():
    values = np.arange(5.0)
    got = bootstrap_interval(lambda r, g: math.nan, values, values, n_boot=5)
    assert all(math.isnan(v) for v in got)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_boot": 0}, r"^n_boot must be an int >= 1; got 0 \(int\)$"),
        ({"n_boot": 2.5}, r"^n_boot must be an int >= 1; got 2.5 \(float\)$"),
        ({"confidence": 0.0}, r"^confidence must be a number in \(0, 1\); got 0.0 \(float\)$"),
        ({"confidence": 1}, r"^confidence must be a number in \(0, 1\); got 1 \(int\)$"),
        ({"confidence": 95}, r"^confidence must be a number in \(0, 1\)"),
        ({"seed": -1}, r"^seed must be an int >= 0; got -1"),
        (
            {"interval": "bca"},
            r"^interval must be one of \['percentile', 'basic', 'half'\]; got 'bca'",
        ),
    ],
)
def test_bootstrap_refuses_bad_options(options, message):
    with pytest.raises(InvalidParameterError, match=message):
        bootstrap_interval(mean_difference, [1.0, 2.0], [1.0, 2.0], **options)


def test_bootstrap_refuses_a_statistic_that_is_not_callable():
    with pytest.raises(
        InvalidParameterError, match=r"^statistic must be a callable .*; got 1.0 \(float\)$"
    ):
        bootstrap_interval(1.0, [1.0, 2.0], [1.0, 2.0])


# ---------------------------------------------------------------- the NaN rule, errors


def test_n_dropped_rows():
    assert n_dropped_rows([[1.0, np.nan], [1.0, 2.0], [np.inf, -np.inf]]) == 2
    assert n_dropped_rows([1.0, np.nan, 3.0]) == 1
    assert n_dropped_rows(np.zeros((0, 3))) == 0
    with pytest.raises(InvalidParameterError, match=r"^values must be an array of shape"):
        n_dropped_rows(np.zeros((2, 2, 2)))


def test_set_level_functions_drop_rows_holding_non_finite_values():
    rng = np.random.default_rng(19)
    reference, generated = rng.normal(size=(30, 3)), rng.normal(size=(25, 3))
    dirty_r = np.r_[reference, [[np.nan, 0, 0]]]
    dirty_g = np.r_[[[0, np.inf, 0]], generated]
    assert prdc(dirty_r, dirty_g) == prdc(reference, generated)
    assert mmd(dirty_r, dirty_g) == mmd(reference, generated)
    assert kid(dirty_r, dirty_g) == kid(reference, generated)
    assert frechet_distance(dirty_r, dirty_g, covariance="oas") == frechet_distance(
        reference, generated, covariance="oas"
    )
    assert frechet_distance_infinity(dirty_r, dirty_g) == frechet_distance_infinity(
        reference, generated
    )


class _Unusable:
    """A value of a type no parameter accepts."""


@pytest.mark.parametrize(
    ("function", "args"),
    [
        (prdc, (np.arange(12.0), np.arange(12.0))),
        (mmd, (np.arange(6.0), np.arange(6.0))),
        (kid, (np.arange(6.0), np.arange(6.0))),
        (frechet_distance, (np.arange(6.0), np.arange(6.0))),
        (frechet_distance_infinity, (np.arange(6.0), np.arange(6.0))),
        (piece_distance, (np.arange(6.0), 1.0)),
        (bootstrap_interval, (mean_difference, np.arange(6.0), np.arange(6.0))),
        (n_dropped_rows, (np.arange(6.0),)),
    ],
)
def test_every_argument_is_refused_alike(function, args):
    # as tests/test_errors.py does for every public function: each parameter in turn
    # replaced by an unusable value raises "<name> must ...; got ..."
    function(*args)
    bound = inspect.signature(function).bind_partial(*args).arguments
    for name in inspect.signature(function).parameters:
        with pytest.raises(InvalidParameterError) as raised:
            function(**{**bound, name: _Unusable()})
        message = str(raised.value)
        assert re.match(rf"{name} must .+; got .+", message), message
        assert " object at 0x" not in message


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: prdc([1.0] * 9, [1.0] * 9, k=0), r"^k must be an int >= 1; got 0"),
        (lambda: prdc([1.0] * 9, [1.0] * 9, standardize=1), r"^standardize must be a bool"),
        (lambda: mmd([1.0, 2], [1.0, 2], kernel="linear"), r"^kernel must be one of"),
        (lambda: mmd([1.0, 2], [1.0, 2], bandwidth=0.0), r"^bandwidth must be a finite number > 0"),
        (
            lambda: mmd([1.0, 2], [1.0, 2], kernel="polynomial", bandwidth=1.0),
            r'^bandwidth must be None with kernel="polynomial"; got 1.0',
        ),
        (lambda: kid([1.0, 2], [1.0, 2], subset_size=1), r"^subset_size must be an int >= 2"),
        (lambda: kid([1.0, 2], [1.0, 2], n_subsets=0), r"^n_subsets must be an int >= 1"),
        (
            lambda: frechet_distance([1.0, 2], [1.0, 2], covariance="shrunk"),
            r"^covariance must be one of \['sample', 'ledoit_wolf', 'oas'\]; got 'shrunk'",
        ),
        (lambda: frechet_distance_infinity([1.0, 2], [1.0, 2], n_sizes=1), r"^n_sizes must"),
        (lambda: frechet_distance_infinity([1.0, 2], [1.0, 2], n_draws=0), r"^n_draws must"),
        (lambda: frechet_distance_infinity([1.0, 2], [1.0, 2], min_size=1), r"^min_size must"),
        (lambda: prdc(np.ones((9, 2)), np.ones((9, 3))), r"^generated must have 2 feature"),
    ],
)
def test_bad_options_are_refused(call, message):
    with pytest.raises(InvalidParameterError, match=message):
        call()
