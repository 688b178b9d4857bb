"""Distances between a reference and a generated set: known answers, properties, errors."""

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.stats import gaussian_kde, norm

import musiceval.distances
import musiceval.distances._frechet
import musiceval.distances._marginal
from musiceval._kde import SmoothedSample
from musiceval.distances import (
    KL_FLOOR,
    POINT_MASS_BANDWIDTH,
    fraction_inside,
    frechet_distance,
    kde_comparison,
    relative_comparison,
    set_distances,
    z_score,
)
from musiceval.distances._frechet import trace_sqrt_product
from musiceval.exceptions import InvalidParameterError

RNG = np.random.default_rng(20240601)

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)
samples = hnp.arrays(np.float64, st.integers(2, 25), elements=finite)
fast = settings(max_examples=25, deadline=None)


def normal_quantiles(n, mean=0.0, std=1.0):
    """A deterministic 'sample' of N(mean, std^2): its n quantiles at (i + 0.5) / n."""
    return mean + std * norm.ppf((np.arange(n) + 0.5) / n)


def exact(values, mean, std):
    """Values shifted and scaled so that their mean and std (ddof=1) are exactly mean, std."""
    values = np.asarray(values, dtype=float)
    return mean + std * (values - values.mean()) / values.std(ddof=1)


def brute_force(p_density, q_density, low, high, n=100_001):
    """OA and KL(p || q) by direct integration of two density callables on a fine grid."""
    x = np.linspace(low, high, n)
    p, q = p_density(x), q_density(x)
    p, q = p / np.trapezoid(p, x), q / np.trapezoid(q, x)
    ratio = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)) - np.log(np.maximum(q, KL_FLOOR)), 0)
    return np.trapezoid(np.minimum(p, q), x), np.trapezoid(p * ratio, x)


# ---------------------------------------------------------------- kde_comparison: known answers


@pytest.mark.parametrize(
    "sample",
    [
        normal_quantiles(200),
        RNG.exponential(size=300),
        RNG.integers(0, 12, size=150).astype(float),  # a count-like metric with ties
        np.array([0.0, 1.0]),
    ],
    ids=["normal", "exponential", "integers", "two-values"],
)
def test_identical_samples_overlap_fully_with_zero_divergence(sample):
    overlap, divergence = kde_comparison(sample, sample.copy())
    assert overlap > 0.99
    assert overlap == pytest.approx(1.0, abs=1e-12)
    assert divergence == pytest.approx(0.0, abs=1e-12)


def test_disjoint_samples_do_not_overlap_and_diverge():
    reference = RNG.normal(size=300)
    generated = RNG.normal(size=200) + 100.0  # 100 standard deviations away
    overlap, divergence = kde_comparison(reference, generated)
    assert overlap < 1e-9
    assert divergence > 100.0
    # with q floored at 1e-300, KL = -H(p) - log(1e-300): about 690 minus p's entropy
    assert divergence == pytest.approx(-math.log(KL_FLOOR) - 1.42, abs=0.2)


def test_two_shifted_normals_match_the_closed_form():
    # KDE of N(mu, 1) quantiles is close to N(mu, 1 + h^2), h the Scott bandwidth
    n = 4000
    reference, generated = normal_quantiles(n), normal_quantiles(n, mean=1.0)
    sigma = math.sqrt(np.var(reference, ddof=1) * (1.0 + n ** (-0.4)))
    overlap, divergence = kde_comparison(reference, generated)
    assert overlap == pytest.approx(2 * norm.cdf(-0.5 / sigma), abs=2e-3)
    # the quantiles have lighter tails than a normal sample, which KL weighs: 2% tolerance
    assert divergence == pytest.approx(1.0 / (2 * sigma**2), rel=0.02)


@pytest.mark.parametrize("shift, scale", [(0.3, 1.0), (2.0, 0.2), (0.0, 30.0), (-5.0, 0.01)])
def test_matches_direct_integration_of_the_scipy_kdes(shift, scale):
    reference = RNG.normal(size=80)
    generated = shift + scale * RNG.gamma(2.0, size=60)
    p, q = gaussian_kde(reference), gaussian_kde(generated)
    reach = 10 * math.sqrt(max(p.covariance[0, 0], q.covariance[0, 0]))
    low = min(reference.min(), generated.min()) - reach
    high = max(reference.max(), generated.max()) + reach
    expected = brute_force(p, q, low, high)
    overlap, divergence = kde_comparison(reference, generated)
    assert overlap == pytest.approx(expected[0], abs=1e-4)
    assert divergence == pytest.approx(expected[1], rel=1e-3, abs=1e-4)


def test_the_grid_is_common_so_swapping_gives_the_same_overlap():
    # very different ranges: mgeval would evaluate the two densities on different grids
    reference = RNG.normal(size=100)
    generated = 5.0 + 40.0 * RNG.normal(size=70)
    forward, backward = kde_comparison(reference, generated), kde_comparison(generated, reference)
    assert forward[0] == pytest.approx(backward[0], abs=1e-12)
    assert forward[1] != pytest.approx(backward[1])  # KL is not symmetric


@fast
@given(samples, samples)
def test_overlap_is_symmetric_and_bounded_and_kl_non_negative(reference, generated):
    overlap, divergence = kde_comparison(reference, generated)
    swapped, _ = kde_comparison(generated, reference)
    assert 0.0 <= overlap <= 1.0
    assert overlap == pytest.approx(swapped, abs=1e-9)
    assert divergence >= 0.0


@fast
@given(samples, st.floats(-1e3, 1e3), st.floats(0.01, 100.0))
def test_overlap_and_kl_are_invariant_to_a_common_affine_map(sample, shift, scale):
    generated = sample[::-1] * 0.5 + 1.0
    before = kde_comparison(sample, generated)
    after = kde_comparison(shift + scale * sample, shift + scale * generated)
    assert after[0] == pytest.approx(before[0], abs=1e-6)
    if before[1] < 100.0:  # far from the floor, which is not scale-free
        assert after[1] == pytest.approx(before[1], rel=1e-4, abs=1e-6)


# ---------------------------------------------------------------- kde_comparison: constants


def test_both_constant_and_equal():
    assert kde_comparison(np.full(5, 3.0), np.full(9, 3.0)) == (1.0, 0.0)


def test_both_constant_and_different():
    assert kde_comparison(np.full(5, 3.0), np.full(9, 3.5)) == (0.0, math.inf)


@pytest.mark.parametrize("constant_side", ["reference", "generated"])
@pytest.mark.parametrize("value", [0.0, 0.7, 25.0])
def test_one_constant_side_is_a_smoothed_point_mass(constant_side, value):
    spread = RNG.normal(size=150)
    constant = np.full(40, value)
    kde = gaussian_kde(spread)
    h = POINT_MASS_BANDWIDTH * math.sqrt(kde.covariance[0, 0])

    def point_mass(x):
        return norm.pdf(x, value, h)

    if constant_side == "reference":
        arguments, densities = (constant, spread), (point_mass, kde)
    else:
        arguments, densities = (spread, constant), (kde, point_mass)
    overlap, divergence = kde_comparison(*arguments)
    # brute force over two fine grids: the point mass's neighbourhood and everything else
    low, high = min(spread.min(), value) - 8, max(spread.max(), value) + 8
    x = np.unique(
        np.r_[np.linspace(low, high, 50_001), np.linspace(value - 8 * h, value + 8 * h, 5_001)]
    )
    p, q = densities[0](x), densities[1](x)
    p, q = p / np.trapezoid(p, x), q / np.trapezoid(q, x)
    ratio = np.where(p > 0, np.log(np.where(p > 0, p, 1.0)) - np.log(np.maximum(q, KL_FLOOR)), 0)
    assert overlap == pytest.approx(np.trapezoid(np.minimum(p, q), x), abs=1e-4)
    assert divergence == pytest.approx(np.trapezoid(p * ratio, x), rel=1e-3)
    assert 0.0 <= overlap < 0.5
    assert math.isfinite(divergence) and divergence > 0


def test_a_point_mass_beside_a_spread_overlaps_where_the_spread_is_dense():
    spread = normal_quantiles(500)
    at_mode, far = kde_comparison(np.zeros(10), spread), kde_comparison(np.full(10, 3.0), spread)
    assert at_mode[0] > far[0]
    assert at_mode[1] < far[1]


def test_variance_underflow_is_treated_as_constant():
    # distinct values whose variance underflows: gaussian_kde would raise LinAlgError
    tiny = np.array([0.0, 5e-324, 0.0, 5e-324])
    overlap, divergence = kde_comparison(tiny, np.array([0.0, 5e-324]))
    assert 0.0 <= overlap <= 1.0 and divergence >= 0.0


# ---------------------------------------------------------------- kde_comparison: inputs


def test_fewer_than_two_finite_values_give_nan():
    for reference, generated in [
        ([1.0], [1.0, 2.0]),
        ([1.0, 2.0], [np.nan, 3.0, np.inf]),
        ([], [1.0, 2.0]),
    ]:
        assert all(math.isnan(v) for v in kde_comparison(reference, generated))


def test_non_finite_values_are_dropped():
    reference, generated = RNG.normal(size=50), RNG.normal(size=40) + 0.5
    with_nan = np.r_[reference[:20], np.nan, reference[20:], np.inf]
    assert kde_comparison(with_nan, generated) == kde_comparison(reference, generated)


def test_inputs_are_not_modified():
    reference, generated = RNG.normal(size=30), np.full(20, 0.2)
    reference[3] = np.nan
    before = reference.copy(), generated.copy()
    kde_comparison(reference, generated)
    relative_comparison(reference, generated)
    frechet_distance(reference, generated)
    np.testing.assert_array_equal(reference, before[0])
    np.testing.assert_array_equal(generated, before[1])


def test_grid_size_sets_the_resolution():
    reference, generated = RNG.normal(size=60), RNG.normal(size=60) + 1.0
    coarse = kde_comparison(reference, generated, grid_size=16)
    fine = kde_comparison(reference, generated, grid_size=4096)
    assert coarse[0] == pytest.approx(fine[0], abs=0.05)
    assert kde_comparison(reference, generated) == pytest.approx(fine, abs=1e-4)


@pytest.mark.parametrize(
    "arguments, error, words",
    [
        ((np.ones((3, 2)), np.ones(3)), ValueError, ["reference", "1-D", "(3, 2)"]),
        ((np.ones(3), np.ones((3, 1))), ValueError, ["generated", "1-D", "(3, 1)"]),
        ((np.array(["a", "b"]), np.ones(3)), TypeError, ["reference", "real", "<U1"]),
        ((np.ones(3), np.ones(3) + 1j), TypeError, ["generated", "complex"]),
    ],
)
def test_bad_samples_are_named(arguments, error, words):
    with pytest.raises(error) as raised:
        kde_comparison(*arguments)
    for word in words:
        assert word in str(raised.value)


@pytest.mark.parametrize("grid_size, error", [(1, ValueError), (2.5, TypeError), (True, TypeError)])
def test_bad_grid_size_is_named(grid_size, error):
    with pytest.raises(error, match="grid_size"):
        kde_comparison(np.arange(3.0), np.arange(3.0), grid_size=grid_size)


@pytest.mark.parametrize(
    "sample",
    [
        RNG.normal(size=20_000),
        RNG.exponential(size=30_000),
        RNG.integers(0, 5, 40_000).astype(float),
    ],
    ids=["normal", "exponential", "integers"],
)
def test_binned_evaluation_of_large_samples_matches_scipy(sample):
    smooth = SmoothedSample(sample)
    grid = np.linspace(sample.min() - 1.0, sample.max() + 1.0, 300)
    expected = gaussian_kde(sample)(grid)
    np.testing.assert_allclose(smooth.density(grid), expected, rtol=0, atol=5e-5 * expected.max())


def test_exact_evaluation_and_bandwidth_are_scipys():
    sample = RNG.gamma(2.0, size=700)
    smooth = SmoothedSample(sample)
    kde = gaussian_kde(sample)
    assert smooth.bandwidth == pytest.approx(np.sqrt(kde.covariance[0, 0]), rel=1e-12)
    grid = np.linspace(-1.0, 12.0, 400)
    np.testing.assert_allclose(smooth.density(grid), kde(grid), rtol=1e-10, atol=1e-14)


# ---------------------------------------------------------------- set_distances


def test_set_distances_by_hand():
    np.testing.assert_array_equal(set_distances([0.0, 1.0, 3.0]), [1.0, 3.0, 2.0])
    np.testing.assert_array_equal(
        set_distances([0.0, 1.0], [3.0, 5.0, 0.5]), [3, 5, 0.5, 2, 4, 0.5]
    )
    np.testing.assert_allclose(
        set_distances([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]), [5.0, 10.0, 5.0]
    )
    np.testing.assert_allclose(set_distances([[0.0, 0.0]], [[3.0, 4.0], [0.0, 1.0]]), [5.0, 1.0])


@fast
@given(st.integers(0, 12), st.integers(0, 12), st.integers(1, 4))
def test_set_distance_counts(n, m, d):
    a, b = RNG.normal(size=(n, d)), RNG.normal(size=(m, d))
    intra, inter = set_distances(a), set_distances(a, b)
    assert intra.shape == (n * (n - 1) // 2,)
    assert inter.shape == (n * m,)
    assert (intra >= 0).all() and (inter >= 0).all()
    if n and m:
        np.testing.assert_allclose(inter, np.linalg.norm(a[:, None] - b[None], axis=-1).ravel())


def test_set_distances_drop_rows_with_non_finite_values():
    a = np.array([[0.0, 0.0], [np.nan, 1.0], [3.0, 4.0], [1.0, np.inf]])
    np.testing.assert_allclose(set_distances(a), [5.0])
    np.testing.assert_allclose(set_distances(a, [[0.0, 0.0], [np.nan, 0.0]]), [0.0, 5.0])
    np.testing.assert_array_equal(set_distances([np.nan, 1.0]), [])


def test_set_distances_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"b must have 2 feature\(s\).*\(3, 3\)"):
        set_distances(np.ones((3, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"a must be an array of shape.*\(2, 2, 2\)"):
        set_distances(np.ones((2, 2, 2)))
    with pytest.raises(TypeError, match="a must hold real numbers"):
        set_distances([None, 1.0])


# ---------------------------------------------------------------- relative_comparison


def test_relative_comparison_by_hand():
    result = relative_comparison([0.0, 1.0, 3.0], [1.0, 2.0])
    np.testing.assert_array_equal(result["intra_distances"], [1.0, 3.0, 2.0])
    np.testing.assert_array_equal(result["inter_distances"], [1.0, 0.0, 2.0, 2.0, 1.0, 1.0])
    assert result["intra_mean"] == pytest.approx(2.0)
    assert result["intra_std"] == pytest.approx(math.sqrt(2 / 3))
    assert result["inter_mean"] == pytest.approx(7 / 6)
    assert result["inter_std"] == pytest.approx(np.std([1.0, 0, 2, 2, 1, 1]))
    assert (result["overlap_area"], result["kl_divergence"]) == kde_comparison(
        result["intra_distances"], result["inter_distances"]
    )


def test_relative_comparison_known_answers():
    reference = RNG.normal(size=(120, 3))
    similar = relative_comparison(reference, RNG.normal(size=(100, 3)))
    far = relative_comparison(reference, RNG.normal(size=(100, 3)) + 50.0)
    assert similar["overlap_area"] > 0.9
    assert similar["kl_divergence"] < 0.05
    assert far["overlap_area"] < 1e-6
    assert far["kl_divergence"] > 100.0
    assert far["inter_mean"] == pytest.approx(50 * math.sqrt(3), rel=0.05)


def test_relative_comparison_undefined_and_constant_sets():
    assert math.isnan(relative_comparison([1.0, 2.0], [1.0, 2.0])["overlap_area"])  # 1 distance
    empty = relative_comparison([1.0, 2.0, 4.0], [np.nan])
    assert empty["inter_distances"].size == 0 and math.isnan(empty["inter_mean"])
    assert math.isnan(empty["kl_divergence"])
    constant = relative_comparison(np.zeros(5), np.zeros(4))  # every distance is 0
    assert (constant["overlap_area"], constant["kl_divergence"]) == (1.0, 0.0)


def test_relative_comparison_subsamples_reproducibly():
    reference, generated = RNG.normal(size=(300, 2)), RNG.normal(size=(250, 2))
    first = relative_comparison(reference, generated, max_samples=50, seed=3)
    again = relative_comparison(reference, generated, max_samples=50, seed=3)
    assert first["intra_distances"].size == 50 * 49 // 2
    assert first["inter_distances"].size == 50 * 50
    np.testing.assert_array_equal(first["inter_distances"], again["inter_distances"])
    full = relative_comparison(reference[:40], generated[:30], max_samples=None)
    assert full["inter_distances"].size == 1200
    with pytest.raises(ValueError, match="max_samples"):
        relative_comparison(reference, generated, max_samples=0)


# ---------------------------------------------------------------- frechet_distance


@pytest.mark.parametrize("standardize", [True, False])
def test_frechet_of_identical_sets_is_zero(standardize):
    reference = RNG.normal(size=(200, 5)) * [1, 10, 0.1, 3, 1]
    assert frechet_distance(reference, reference.copy(), standardize=standardize) == pytest.approx(
        0.0, abs=1e-9
    )


@pytest.mark.parametrize("mu1, s1, mu2, s2", [(0, 1, 0, 1), (1, 2, -3, 0.5), (10, 0.1, 10, 4)])
def test_frechet_of_two_1d_gaussians_is_the_closed_form(mu1, s1, mu2, s2):
    reference = exact(RNG.normal(size=50), mu1, s1)  # mean and std (ddof=1) exactly mu, s
    generated = exact(RNG.normal(size=70), mu2, s2)
    closed_form = (mu1 - mu2) ** 2 + (s1 - s2) ** 2
    assert frechet_distance(reference, generated, standardize=False) == pytest.approx(
        closed_form, rel=1e-9, abs=1e-9
    )
    # standardised: the same distance in units of the reference variance
    assert frechet_distance(reference, generated) == pytest.approx(
        closed_form / s1**2, rel=1e-9, abs=1e-9
    )


def test_frechet_of_independent_features_adds_their_closed_forms():
    # two orthogonal +-1 patterns: each set's columns are exactly uncorrelated
    first, second = np.tile([-1.0, 1.0, -1.0, 1.0], 10), np.tile([-1.0, -1.0, 1.0, 1.0], 10)
    reference = np.column_stack([exact(first, 0, 1), exact(second, 5, 2)])
    generated = np.column_stack([exact(first, 1, 3), exact(second, 5, 1)])
    assert np.cov(reference, rowvar=False)[0, 1] == pytest.approx(0.0, abs=1e-12)
    expected = (0 - 1) ** 2 + (1 - 3) ** 2 + (5 - 5) ** 2 + (2 - 1) ** 2
    assert frechet_distance(reference, generated, standardize=False) == pytest.approx(
        expected, rel=1e-9
    )
    # standardised by the reference stds (1, 2): 1 + 4 for the first, (1 - 1/2)^2 for the second
    assert frechet_distance(reference, generated) == pytest.approx(1 + 4 + 1 / 4, rel=1e-9)


def test_frechet_matches_the_symmetric_eigen_formula():
    reference = RNG.normal(size=(60, 4)) @ RNG.normal(size=(4, 4))
    generated = RNG.normal(size=(80, 4)) @ RNG.normal(size=(4, 4)) + 0.3
    cov_r, cov_g = np.cov(reference, rowvar=False), np.cov(generated, rowvar=False)
    difference = reference.mean(0) - generated.mean(0)
    expected = (
        difference @ difference + np.trace(cov_r + cov_g) - 2 * trace_sqrt_product(cov_r, cov_g)
    )
    assert frechet_distance(reference, generated, standardize=False) == pytest.approx(
        expected, rel=1e-9
    )


def test_frechet_uses_the_eigen_formula_for_singular_covariances(monkeypatch):
    # fewer samples than features: singular covariances, where scipy's sqrtm is inaccurate
    # (its imaginary part was 1.6e-5 of its largest real entry with scipy 1.15)
    rng = np.random.default_rng(117)
    reference, generated = rng.normal(size=(3, 8)), rng.normal(size=(3, 8))
    used = []

    def spy(cov_a, cov_b):
        used.append(True)
        return trace_sqrt_product(cov_a, cov_b)

    monkeypatch.setattr(musiceval.distances._frechet, "trace_sqrt_product", spy)
    cov_r, cov_g = np.cov(reference, rowvar=False), np.cov(generated, rowvar=False)
    difference = reference.mean(0) - generated.mean(0)
    trace_root = trace_sqrt_product(cov_r, cov_g)
    expected = difference @ difference + np.trace(cov_r + cov_g) - 2 * trace_root
    assert frechet_distance(reference, generated, standardize=False) == pytest.approx(
        expected, rel=1e-12
    )
    assert used


@st.composite
def two_sets(draw):
    # quarter-units: shifting by any float keeps their spreads to about 1e-13 (a spread of a
    # few ulps, e.g. [0, 1e-11] + 1, is legitimately rescaled by the shift's rounding)
    quarters = st.integers(-4000, 4000).map(lambda i: i / 4)
    d = draw(st.integers(1, 3))
    reference = draw(hnp.arrays(np.float64, (draw(st.integers(2, 12)), d), elements=quarters))
    generated = draw(hnp.arrays(np.float64, (draw(st.integers(2, 12)), d), elements=quarters))
    return reference, generated


def test_frechet_of_a_feature_whose_variance_underflows_is_defined():
    reference = np.array([[0.0, 1.0], [2.8e-242, 2.0], [0.0, 3.0]])
    assert frechet_distance(reference, reference[::-1]) == pytest.approx(0.0, abs=1e-12)


@fast
@given(two_sets(), st.floats(-1e3, 1e3))
def test_frechet_is_non_negative_and_translation_invariant(sets, shift):
    reference, generated = sets
    magnitude = np.abs(np.r_[reference.ravel(), generated.ravel(), shift]).max()
    for standardize in (True, False):
        distance = frechet_distance(reference, generated, standardize=standardize)
        moved = frechet_distance(reference + shift, generated + shift, standardize=standardize)
        assert distance >= 0.0
        scale = 1.0 + distance + (0.0 if standardize else magnitude**2)
        assert moved == pytest.approx(distance, abs=1e-6 * scale)


def test_frechet_standardisation_is_per_feature_and_skips_constant_features():
    reference = np.column_stack([exact(np.arange(30.0), 0, 1), np.full(30, 7.0)])
    generated = np.column_stack([exact(np.arange(30.0), 0, 1), np.full(30, 9.0)])
    # feature 2 is constant in the reference: left unscaled, it contributes (7 - 9)^2
    assert frechet_distance(reference, generated) == pytest.approx(4.0, rel=1e-9)
    # scaling a feature in both sets changes nothing once standardised
    scaled_r, scaled_g = reference * [1000.0, 1.0], generated * [1000.0, 1.0]
    assert frechet_distance(scaled_r, scaled_g) == pytest.approx(
        frechet_distance(reference, generated)
    )


def test_frechet_drops_rows_with_non_finite_values_and_needs_two_rows():
    reference, generated = RNG.normal(size=(20, 3)), RNG.normal(size=(25, 3)) + 1
    polluted = np.vstack([generated[:5], [np.nan, 0.0, 0.0], generated[5:], [0.0, np.inf, 1.0]])
    assert frechet_distance(reference, polluted) == frechet_distance(reference, generated)
    assert math.isnan(frechet_distance(reference, generated[:1]))
    assert math.isnan(frechet_distance([[np.nan, 1.0], [1.0, 1.0]], generated[:, :2]))


def test_frechet_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"generated must have 3 feature\(s\)"):
        frechet_distance(np.ones((4, 3)), np.ones((4, 2)))
    with pytest.raises(TypeError, match="standardize must be a bool"):
        frechet_distance(np.ones((4, 3)), np.ones((4, 3)), standardize="yes")


# ---------------------------------------------------------------- z_score and fraction_inside


def test_z_score_by_hand():
    assert z_score(1.0, 0.5, 2.0) == 2.0
    assert z_score(1.0, 2.0, 0.0) == -0.5
    assert z_score(3.0, 0.0, 3.0) == 0.0
    assert z_score(3.0, 0.0, 4.0) == math.inf
    assert z_score(3.0, 0.0, 2.0) == -math.inf
    assert math.isnan(z_score(np.nan, 1.0, 2.0))
    assert math.isnan(z_score(1.0, np.nan, 2.0))
    assert math.isnan(z_score(1.0, 0.0, np.nan))
    np.testing.assert_array_equal(
        z_score([0.0, 1.0], [1.0, 0.0], [[2.0], [1.0]]), [[2.0, np.inf], [1.0, 0.0]]
    )
    assert isinstance(z_score(1, 1, 1), float)


def test_z_score_rejects_a_negative_std():
    with pytest.raises(ValueError, match="reference_std must be >= 0"):
        z_score(0.0, -1.0, 0.0)


def test_fraction_inside_by_hand():
    assert fraction_inside([0.0, 0.5, 1.0, 2.0, np.nan], 0.0, 1.0) == 0.75  # bounds included
    assert fraction_inside([[1.0, 2.0], [3.0, np.inf]], 1.5, 10.0) == 2 / 3
    assert fraction_inside([5.0], 5.0, 5.0) == 1.0
    assert math.isnan(fraction_inside([np.nan, np.inf], 0.0, 1.0))
    assert math.isnan(fraction_inside([], 0.0, 1.0))
    assert math.isnan(fraction_inside([0.5], np.nan, 1.0))


def test_fraction_inside_errors_name_the_argument():
    with pytest.raises(ValueError, match="lower must be <= upper"):
        fraction_inside([0.5], 1.0, 0.0)
    with pytest.raises(TypeError, match="upper must be a real number"):
        fraction_inside([0.5], 0.0, "1")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: kde_comparison([1.0, 2.0], [1.0], grid_size=1),
            "grid_size must be an int >= 2; got 1 (int)",
        ),
        (
            lambda: kde_comparison([[1.0], [1.0, 2.0]], [1.0]),
            "reference must be array-like of real numbers; got [[1.0], [1.0, 2.0]]",
        ),
        (
            lambda: kde_comparison(np.ones((2, 2)), [1.0]),
            "reference must be a 1-D array of shape (n_samples,); got shape (2, 2)",
        ),
        (
            lambda: set_distances(np.ones((2, 2, 2))),
            "a must be an array of shape (n_samples,) or (n_samples, n_features); "
            "got shape (2, 2, 2)",
        ),
        (
            lambda: relative_comparison([1.0, 2.0], [1.0], max_samples=0),
            "max_samples must be an int >= 1; got 0 (int)",
        ),
        (
            lambda: relative_comparison([1.0, 2.0], [1.0], seed=-1),
            "seed must be an int >= 0; got -1 (int)",
        ),
        (
            lambda: frechet_distance([1.0, 2.0], [1.0], standardize=1),
            "standardize must be a bool; got 1 (int)",
        ),
        (lambda: z_score(0.0, -1.0, 0.0), "reference_std must be >= 0 (or NaN); got -1.0"),
        (
            lambda: fraction_inside([0.5], 1.0, 0.0),
            "lower must be <= upper; got lower=1.0, upper=0.0",
        ),
        (lambda: fraction_inside([0.5], 0.0, "1"), "upper must be a real number; got '1'"),
        (lambda: fraction_inside([0.5], True, 1.0), "lower must be a real number; got True (bool)"),
    ],
)
def test_bad_arguments_raise_one_error_type_with_the_uniform_message(call, message):
    with pytest.raises(InvalidParameterError) as raised:
        call()
    assert str(raised.value) == message


def test_the_removed_sqrtm_tolerance_is_deprecated_not_gone():
    with pytest.warns(DeprecationWarning, match="SQRTM_IMAG_TOLERANCE is deprecated"):
        assert musiceval.distances.SQRTM_IMAG_TOLERANCE == 1e-6
    with pytest.raises(AttributeError, match="no attribute 'NOT_A_NAME'"):
        musiceval.distances.NOT_A_NAME  # noqa: B018


def test_docstring_examples_run():
    attempted = 0
    for module in (musiceval.distances._marginal, musiceval.distances._frechet):
        results = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert results.failed == 0
        attempted += results.attempted
    assert attempted >= 15
