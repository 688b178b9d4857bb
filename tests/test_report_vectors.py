"""Vector-valued metrics in a comparison: the distances (total variation of the mean
distributions, mgeval's relative method on the vectors), their figure, and their place in the
report, its files and the command line."""

from __future__ import annotations

import doctest
import json
import math
from pathlib import Path

import numpy as np
import pytest

import musiceval
from musiceval import distances, plot
from musiceval.cli import main
from musiceval.compare import VECTOR_COLUMNS, Report
from musiceval.distances import _vectors
from musiceval.exceptions import InvalidParameterError
from musiceval.registry import PER_TRACK

VECTORS = ["pitch_class_histogram", "pitch_class_transition_matrix"]
SCALARS = ["n_notes", "pitch_range", "in_scale_ratio"]


# ---- total variation -------------------------------------------------------------------------


def test_total_variation_by_hand() -> None:
    half = [[0.5, 0.5] + [0.0] * 10]
    first = [[1.0] + [0.0] * 11]
    assert distances.total_variation_distance(half, first) == 0.5
    # each side's mean over its samples: (0.5, 0.5, 0) against (0, 0, 1), all mass moved
    assert distances.total_variation_distance([[1, 0, 0], [0, 1, 0]], [[0, 0, 1]]) == 1.0
    # matrices: every cell counts; (0.5 on the diagonal) vs (0.5 on row 0): half the mass moves
    diagonal = [[[0.5, 0.0], [0.0, 0.5]]]
    assert distances.total_variation_distance(diagonal, [[[0.5, 0.5], [0.0, 0.0]]]) == 0.5
    assert distances.total_variation_distance(diagonal, [[[0.0, 0.5], [0.5, 0.0]]]) == 1.0


def test_total_variation_leaves_undefined_samples_out() -> None:
    reference = [[1.0, 0.0], [0.0, 1.0], [np.nan, np.nan]]
    generated = [[0.5, 0.5], [np.nan, np.nan]]
    assert distances.total_variation_distance(reference, generated) == 0.0
    assert distances.total_variation_distance(reference, [[0.75, 0.25]]) == 0.25
    assert math.isnan(distances.total_variation_distance(reference, [[np.nan, np.nan]]))
    assert math.isnan(distances.total_variation_distance(np.zeros((0, 2)), [[1.0, 0.0]]))


@pytest.mark.parametrize(
    ("reference", "generated", "message"),
    [
        ([1.0, 0.0], [[1.0, 0.0]], r"reference must be an array of shape \(n_samples, n_bins\)"),
        ([[1.0, 0.0]], [[1.0, 0.0, 0.0]], r"generated must hold distributions of shape \(2,\)"),
        ([[1.5, -0.5]], [[1.0, 0.0]], "first with a negative value -0.5"),
        (
            [[1.0, 0.0]],
            [[2.0, 1.0], [1.0, 0.0]],
            "1 defined sample.s. are not, the first with sum 3",
        ),
        ([["a", "b"]], [[1.0, 0.0]], "reference must hold real numbers"),
    ],
)
def test_total_variation_refuses_what_is_not_a_set_of_distributions(
    reference: object, generated: object, message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        distances.total_variation_distance(reference, generated)


# ---- the relative method on vectors --------------------------------------------------------


def _direct(reference: np.ndarray, generated: np.ndarray) -> tuple[float, float]:
    """mgeval's comparison written out: pdist/cdist, scipy's KDEs on kde_comparison's grid."""
    from scipy.spatial.distance import cdist, pdist
    from scipy.stats import gaussian_kde

    intra = pdist(reference.reshape(len(reference), -1))
    inter = cdist(generated.reshape(len(generated), -1), reference.reshape(len(reference), -1))
    inter = inter.ravel()
    kernels = [gaussian_kde(intra), gaussian_kde(inter)]
    pieces = [np.linspace(min(intra.min(), inter.min()), max(intra.max(), inter.max()), 512)]
    for values, kernel in zip((intra, inter), kernels, strict=True):
        reach = 6.0 * math.sqrt(kernel.covariance[0, 0])
        pieces.append(np.linspace(values.min() - reach, values.max() + reach, 512))
    grid = np.unique(np.concatenate(pieces))
    p, q = (kernel(grid) for kernel in kernels)
    p, q = p / np.trapezoid(p, grid), q / np.trapezoid(q, grid)
    return float(np.trapezoid(np.minimum(p, q), grid)), float(np.trapezoid(p * np.log(p / q), grid))


def test_relative_method_on_matrices_matches_a_direct_computation() -> None:
    rng = np.random.default_rng(3)
    reference = rng.dirichlet(np.ones(9), 12).reshape(12, 3, 3)
    generated = rng.dirichlet(np.full(9, 0.4), 7).reshape(7, 3, 3)
    with_silent = np.concatenate([generated, np.full((2, 3, 3), np.nan)])
    result = distances.distribution_comparison(reference, with_silent)
    overlap, divergence = _direct(reference, generated)
    assert result["overlap_area"] == pytest.approx(overlap, rel=1e-9)
    assert result["kl_divergence"] == pytest.approx(divergence, rel=1e-9)
    assert (result["n_reference"], result["n_generated"]) == (12, 7)
    assert result["tv_distance"] == pytest.approx(
        0.5 * np.abs(generated.mean(axis=0) - reference.mean(axis=0)).sum(), abs=1e-15
    )
    np.testing.assert_allclose(result["generated_mean"], generated.mean(axis=0))
    assert result["generated_mean"].shape == (3, 3)


def test_identical_sets_and_a_collapsed_one() -> None:
    rng = np.random.default_rng(1)
    reference = rng.dirichlet(np.full(12, 0.5), 300)
    same = distances.distribution_comparison(reference, reference)
    assert same["tv_distance"] == 0.0
    # every generated sample's zero distance to itself: 1 in 300 inter-set distances
    assert same["overlap_area"] > 0.99 and same["kl_divergence"] < 0.01
    collapsed = np.zeros((50, 12))
    collapsed[:, 0] = 1.0  # every sample plays C only
    far = distances.distribution_comparison(reference, collapsed)
    assert far["tv_distance"] == pytest.approx(1.0 - reference[:, 0].mean())
    assert far["overlap_area"] < 0.1 and far["kl_divergence"] > 5


def test_given_reference_mean_replaces_the_samples_mean() -> None:
    reference = [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    result = distances.distribution_comparison(reference, [[0.5, 0.5]], reference_mean=[0.25, 0.75])
    assert result["tv_distance"] == 0.25
    np.testing.assert_array_equal(result["reference_mean"], [0.25, 0.75])
    undefined = distances.distribution_comparison(
        reference, [[0.5, 0.5]], reference_mean=[np.nan, np.nan]
    )
    assert math.isnan(undefined["tv_distance"])
    assert undefined["overlap_area"] == pytest.approx(
        distances.relative_comparison(reference, [[0.5, 0.5]])["overlap_area"]
    )
    with pytest.raises(InvalidParameterError, match=r"reference_mean must be of shape \(2,\)"):
        distances.distribution_comparison(reference, reference, reference_mean=[1.0])
    with pytest.raises(InvalidParameterError, match="reference_mean must be a distribution or"):
        distances.distribution_comparison(reference, reference, reference_mean=[1.0, np.nan])
    with pytest.raises(InvalidParameterError, match="reference_mean must hold probability"):
        distances.distribution_comparison(reference, reference, reference_mean=[0.5, 0.6])


def test_too_few_samples_are_undefined() -> None:
    result = distances.distribution_comparison([[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0]])
    assert result["tv_distance"] == 0.5  # defined from one sample a side
    assert math.isnan(result["overlap_area"]) and math.isnan(result["kl_divergence"])


def test_docstring_examples() -> None:
    results = doctest.testmod(_vectors, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted >= 4 and results.failed == 0


# ---- the figure ----------------------------------------------------------------------------


def test_histogram_figure(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    rng = np.random.default_rng(0)
    reference, generated = rng.dirichlet(np.ones(12), 4), rng.dirichlet(np.ones(12), 4)
    generated[2] = np.nan  # a silent track
    path = plot.plot_vector_means(
        reference, generated, tmp_path / "h.png", metric="pitch_class_histogram",
        track_names=list("SATB"),
    )  # fmt: skip
    assert path == tmp_path / "h.png"
    assert imread(path).shape == (290, 1360, 4)  # 4 panels of 3.4 x 2.5 in + 0.4 in, 100 dpi
    figure = plot.plot_vector_means(reference, generated, metric="pitch_class_histogram")
    ax = figure.axes[0]
    assert [label.get_text() for label in ax.get_xticklabels()] == [
        "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B",
    ]  # fmt: skip
    np.testing.assert_allclose([bar.get_height() for bar in ax.patches], reference[0])
    assert "no defined generated vector" in figure.axes[2].get_legend_handles_labels()[1]


def test_matrix_figure_on_the_callers_axes(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure
    from matplotlib.image import imread

    rng = np.random.default_rng(0)
    reference = rng.dirichlet(np.ones(144), 2).reshape(2, 12, 12)
    generated = rng.dirichlet(np.ones(144), 2).reshape(2, 12, 12)
    path = plot.plot_vector_means(
        reference, generated, tmp_path / "m.png", metric="pitch_class_transition_matrix"
    )
    assert imread(path).shape == (640, 1020, 4)  # 3 x 3.4 in wide, 2 x 3 + 0.4 in high
    figure = Figure()
    axes = figure.subplots(2, 3)
    assert plot.plot_vector_means(reference, generated, metric="m", axes=axes) is figure
    difference = axes[1, 2].get_images()[0]
    np.testing.assert_allclose(difference.get_array(), generated[1] - reference[1])
    low, high = difference.get_clim()
    assert low == -high == -np.abs(generated[1] - reference[1]).max()
    with pytest.raises(InvalidParameterError, match="axes must be an array of 6 matplotlib"):
        plot.plot_vector_means(reference, generated, metric="m", axes=axes[0])
    with pytest.raises(InvalidParameterError, match="generated_mean must have the shape"):
        plot.plot_vector_means(reference, generated[:1], metric="m")
    with pytest.raises(InvalidParameterError, match=r"reference_mean must be of shape \(n_"):
        plot.plot_vector_means(reference[0, 0], generated[0, 0], metric="m")


# ---- the report ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reports(chorales: np.ndarray) -> tuple[Report, Report]:
    """The chorales shifted a tritone against their profile with and without vector metrics."""
    profile = musiceval.profile(chorales, [*PER_TRACK, *VECTORS], track_names=list("SATB"))
    generated = np.roll(chorales, 6, axis=2)
    generated[:2, :, :, 3] = False  # a silent bass in two samples
    scalars_only = profile.select(list(profile.metrics))
    return (
        musiceval.compare(generated, profile, n_boot=10),
        musiceval.compare(generated, scalars_only, n_boot=10),
    )


def test_vector_distances_of_the_chorales(chorales: np.ndarray, reports) -> None:
    report, _ = reports
    profile = report.profile
    frame = report.vector_distances()
    assert list(frame.columns) == list(VECTOR_COLUMNS)
    assert list(frame["metric"]) == [name for name in VECTORS for _ in range(4)]
    assert list(frame["track"]) == list("SATB") * 2
    assert frame["n_generated"].dtype == np.int64 and frame["tv_distance"].dtype == np.float64
    generated = np.roll(chorales, 6, axis=2)
    generated[:2, :, :, 3] = False
    values = musiceval.compute(generated, VECTORS, **profile.conventions)
    for row in frame.itertuples():
        k = "SATB".index(row.track)
        vectors = values[row.metric][:, k].reshape(len(generated), -1)
        defined = vectors[~np.isnan(vectors).any(axis=1)]
        reference_mean = profile.mean(row.metric)[k].ravel()
        assert row.n_generated == len(defined) == (len(chorales) - 2 if k == 3 else len(chorales))
        assert row.n_reference == profile.count(row.metric)[k].min() == len(chorales)
        tv = 0.5 * np.abs(defined.mean(axis=0) - reference_mean).sum()
        assert row.tv_distance == pytest.approx(tv, abs=1e-12)
        reservoir = profile.samples(row.metric)[:, k].reshape(profile.n_kept, -1)
        direct = distances.relative_comparison(reservoir, defined)
        assert row.overlap_area == direct["overlap_area"]
        assert row.kl_divergence == direct["kl_divergence"]
    # a tritone away, the pitch-class means share little: far more than between the voices
    assert frame["tv_distance"].min() > 0.3


def test_self_comparison_gives_zero_total_variation(chorales: np.ndarray) -> None:
    profile = musiceval.profile(chorales, ["n_notes", *VECTORS])
    frame = musiceval.compare(chorales, profile, n_boot=None).vector_distances()
    assert frame["tv_distance"].abs().max() < 1e-12
    assert (frame["n_generated"] == frame["n_reference"]).all()


def test_every_form_of_the_report_shows_the_vectors(reports) -> None:
    report, _ = reports
    text = report.to_text()
    assert all(len(line) <= 100 for line in text.splitlines())
    block = text[text.index("\nVector metrics: ") :].splitlines()
    assert block[-9].split() == ["metric", "track", "tv_distance", "overlap_area", "kl_divergence"]
    first = report.vector_distances().iloc[0]
    assert block[-8].split()[:3] == ["pitch_class_histogram", "S", f"{first.tv_distance:.4g}"]
    full = report.to_text(full=True)
    assert "Vector metrics columns:\n  metric: the vector-valued metric's name" in full
    markdown = report.to_markdown()
    assert (
        "## Vector metrics\n" in markdown and "- tv_distance: total variation distance" in markdown
    )
    assert "| pitch_class_transition_matrix | B     |" in markdown
    document = report.to_json_dict()
    part = document["vector_distances"]
    assert part["metrics"] == VECTORS and part["columns"] == list(VECTOR_COLUMNS)
    assert part["rows"][0]["tv_distance"] == first.tv_distance


def test_save_writes_the_vector_figures(tmp_path: Path, reports) -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    report, _ = reports
    out = report.save(tmp_path / "r", workers=2)
    assert imread(out / "distribution_pitch_class_histogram.png").shape == (290, 1360, 4)
    assert imread(out / "distribution_pitch_class_transition_matrix.png").shape == (
        1240, 1020, 4,
    )  # fmt: skip
    page = (out / "report.html").read_text()
    section = page[page.index("<h2>Vector metrics</h2>") : page.index("<h2>Legend</h2>")]
    assert section.count("<img ") == 2 and "<td>pitch_class_histogram</td>" in section
    assert page.count("<img ") == 2 + 1 + len(PER_TRACK)  # and z-scores, distributions
    saved = json.loads((out / "report.json").read_text())
    assert len(saved["vector_distances"]["rows"]) == 8
    report.save(out, figures=False)  # a report's own files are replaced
    assert not (out / "distribution_pitch_class_histogram.png").exists()


def _without_vectors(text: str) -> str:
    """A report's Markdown with the vector section and its legend lines cut out."""
    start, end = text.index("## Vector metrics\n"), text.index("## Legend\n")
    text = text[:start] + text[end:]
    start = text.index("\nVector metrics columns:\n")
    end = text.index("\nConventions (docs/conventions.md):")
    return text[:start] + text[end:]


def test_a_report_without_vector_metrics_is_unchanged(tmp_path: Path, reports) -> None:
    with_vectors, without = reports
    assert without.vector_distances().empty
    assert list(without.vector_distances().columns) == list(VECTOR_COLUMNS)
    assert without.to_frame().equals(with_vectors.to_frame())
    assert _without_vectors(with_vectors.to_markdown()) == without.to_markdown()
    assert "Vector" not in without.to_markdown() + without.to_text(full=True)
    assert with_vectors.to_text().startswith(without.to_text() + "\n\nVector metrics: ")
    document = with_vectors.to_json_dict()
    del document["vector_distances"]
    assert document == without.to_json_dict()
    out = without.save(tmp_path / "r", figures=False)
    assert sorted(path.name for path in out.iterdir()) == [
        "report.csv", "report.html", "report.json", "report.md",
    ]  # fmt: skip
    assert "Vector" not in (out / "report.html").read_text()


def test_report_checks_the_vectors(reports) -> None:
    report, _ = reports
    profile = report.profile
    values = report.samples()
    vectors = {  # every sample uniform over its bins (or cells)
        name: np.full((len(values), *profile.mean(name).shape), 1 / profile.mean(name)[0].size)
        for name in VECTORS
    }
    assert Report(profile, values, vectors=vectors).vector_distances().shape == (8, 7)
    assert Report(profile, values).vector_distances().empty  # none given: none compared
    with pytest.raises(InvalidParameterError, match=r"vectors must map each of the profile's"):
        Report(profile, values, vectors={"pitch_class_histogram": vectors[VECTORS[0]]})
    vectors[VECTORS[1]] = vectors[VECTORS[1]][:, :, :6]
    with pytest.raises(
        InvalidParameterError,
        match=r"vectors\['pitch_class_transition_matrix'\] must have shape \(8, 4, 12, 12\)",
    ):
        Report(profile, values, vectors=vectors)


# ---- the command line ----------------------------------------------------------------------


def test_compare_prints_the_vector_block(
    chorales: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    np.savez(tmp_path / "train.npz", pianoroll=chorales)
    np.save(tmp_path / "gen.npy", np.roll(chorales, 6, axis=2))
    metrics = ",".join([*SCALARS, *VECTORS])
    profile = tmp_path / "p.json"
    assert (
        main(["profile", str(tmp_path / "train.npz"), "-o", str(profile), "--metrics", metrics])
        == 0
    )
    base = ["compare", str(tmp_path / "gen.npy"), "--no-figures"]
    # the profile's metrics, vectors included, in another order, are the profile's own
    again = ",".join(reversed(metrics.split(",")))
    capsys.readouterr()
    assert (
        main([*base, "--profile", str(profile), "-o", str(tmp_path / "a"), "--metrics", again]) == 0
    )
    from_profile = capsys.readouterr().out
    assert "\nVector metrics: " in from_profile
    assert "pitch_class_transition_matrix  3" in from_profile
    status = main([*base, "--reference", str(tmp_path / "train.npz"), "-o", str(tmp_path / "b"),
                   "--metrics", metrics])  # fmt: skip
    assert status == 0
    from_reference = capsys.readouterr().out  # this profile also indexes bars: originality

    def block(out: str) -> str:
        return out[out.index("\nVector metrics: ") : out.index("\nEvery column")]

    assert block(from_reference) == block(from_profile)
    saved = json.loads((tmp_path / "b" / "report.json").read_text())
    assert saved["vector_distances"]["metrics"] == VECTORS
