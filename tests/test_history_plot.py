"""MetricHistory (values, CSV, errors), the PNG figures, and the atomic-write helper."""

import stat
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import musiceval
from musiceval import _atomic
from musiceval.exceptions import DocumentError, InvalidParameterError
from musiceval.history import COLUMNS, MetricHistory

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.image import imread  # noqa: E402

from musiceval import plot  # noqa: E402
from musiceval.plot import _distributions as _plot_distributions  # noqa: E402
from musiceval.plot import _history as _plot_history  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
METRICS = ["n_notes", "in_scale_ratio", "empty_bar_rate"]


def _rolls(seed: int, n_samples: int = 6, n_tracks: int = 3) -> np.ndarray:
    """Sparse random rolls; track 1 is silent in the first two samples, track 2 in all."""
    rng = np.random.default_rng(seed)
    x = rng.random((n_samples, 32, 128, n_tracks)) > 0.97
    x[:2, :, :, 1] = False
    x[:, :, :, 2] = False
    return x


@pytest.fixture(scope="module")
def history() -> MetricHistory:
    result = MetricHistory(track_names=["soprano", "alto", "bass"])
    for seed, step in enumerate([0, 10, 100, 1000, 5000]):
        result.record(step, musiceval.evaluate(_rolls(seed), METRICS, steps_per_bar=16))
    result.set_reference("in_scale_ratio", [0.9, 0.95, np.nan], [0.05, 0.02, np.nan])
    result.set_reference("n_notes", [30.0, 20.0, 0.0], None)
    return result


# ---------------------------------------------------------------------- MetricHistory


def test_record_stores_the_nanmean_and_count_of_the_samples():
    x = _rolls(7)
    table = musiceval.evaluate(x, METRICS, steps_per_bar=16)
    history = MetricHistory()
    history.record(3, table)
    frame = history.to_frame()
    assert list(frame.columns) == list(COLUMNS)
    assert frame["step"].eq(3).all() and history.steps == [3]
    assert history.metrics == METRICS and history.tracks == [0, 1, 2]
    for name in METRICS:
        values = getattr(musiceval, name)(x, **({"steps_per_bar": 16} if "bar" in name else {}))
        rows = frame[frame["metric"] == name]
        assert rows["track"].tolist() == [0, 1, 2]
        defined = ~np.isnan(values)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # nanmean of an all-NaN track
            expected = np.nanmean(values, axis=0)
        np.testing.assert_array_equal(rows["value"].to_numpy(), expected)
        assert rows["count"].tolist() == defined.sum(axis=0).tolist()
    # in_scale_ratio is undefined on silent tracks: 4 of 6 samples on track 1, none on track 2
    ratio = frame[frame["metric"] == "in_scale_ratio"]
    assert ratio["count"].tolist() == [6, 4, 0]
    assert np.isnan(ratio["value"].iloc[2])


def test_mapping_of_per_sample_arrays_equals_the_evaluate_table():
    x = _rolls(8)
    from_table, from_mapping = MetricHistory(), MetricHistory()
    table = musiceval.evaluate(x, ["n_notes", "in_scale_ratio"])
    from_table.record(0, table.sample(frac=1.0, random_state=0))  # row order does not matter
    from_mapping.record(
        0, {"n_notes": musiceval.n_notes(x), "in_scale_ratio": musiceval.in_scale_ratio(x)}
    )
    pd.testing.assert_frame_equal(from_table.to_frame(), from_mapping.to_frame(), check_exact=True)


def test_already_aggregated_values_have_no_count():
    history = MetricHistory()
    history.record(5, {"loss": [0.5, np.nan]})
    frame = history.to_frame()
    assert frame["value"].tolist()[0] == 0.5 and np.isnan(frame["value"].iloc[1])
    assert frame["count"].isna().all() and str(frame["count"].dtype) == "Int64"


def test_csv_round_trip_is_exact(history, tmp_path):
    path = history.save(tmp_path / "history.csv")
    assert path == tmp_path / "history.csv"
    assert path.read_text().splitlines()[0] == "step,metric,track,value,count,track_name"
    loaded = MetricHistory.load(path)
    pd.testing.assert_frame_equal(loaded.to_frame(), history.to_frame(), check_exact=True)
    assert loaded.track_names == ["soprano", "alto", "bass"]
    assert (loaded.steps, loaded.metrics, loaded.tracks) == (
        history.steps,
        history.metrics,
        history.tracks,
    )
    assert [p.name for p in tmp_path.iterdir()] == ["history.csv"]  # no temporary left


def test_csv_round_trip_of_an_empty_and_a_pre_aggregated_history(tmp_path):
    empty = MetricHistory.load(MetricHistory().save(tmp_path / "empty.csv"))
    assert len(empty) == 0 and empty.to_frame().empty and empty.steps == []
    mixed = MetricHistory()
    mixed.record(0, {"loss": [1.0]})
    mixed.record(0, {"n_notes": [[2.0], [np.nan]]})
    loaded = MetricHistory.load(mixed.save(tmp_path / "mixed.csv"))
    pd.testing.assert_frame_equal(loaded.to_frame(), mixed.to_frame(), check_exact=True)
    assert loaded.track_names is None


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(0, 5), st.integers(1, 3)),
        elements=st.floats(allow_nan=True, allow_infinity=False, width=64),
    ),
    st.lists(st.integers(0, 10**9), min_size=1, max_size=4),
)
def test_values_and_csv_round_trip_for_any_floats(values, steps):
    history = MetricHistory()
    for step in sorted(steps):
        if step in history.steps:
            continue
        history.record(step, {"m": values})
    frame = history.to_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmean(values, axis=0)
    np.testing.assert_array_equal(frame["value"].to_numpy()[: values.shape[1]], expected)
    assert frame["count"].tolist()[: values.shape[1]] == (~np.isnan(values)).sum(0).tolist()
    with tempfile.TemporaryDirectory() as directory:
        loaded = MetricHistory.load(history.save(Path(directory) / "h.csv"))
        pd.testing.assert_frame_equal(loaded.to_frame(), frame, check_exact=True)


def test_steps_must_be_non_decreasing_non_negative_ints():
    history = MetricHistory()
    history.record(10, {"a": [1.0]})
    history.record(10, {"b": [1.0]})  # same step, another metric: fine
    with pytest.raises(ValueError, match=r"step 9 comes before the last recorded step 10"):
        history.record(9, {"a": [1.0]})
    with pytest.raises(ValueError, match=r"step 10 already holds 'a'"):
        history.record(10, {"a": [2.0]})
    for bad in (11.0, True, "12", None):
        with pytest.raises(ValueError, match="step must be an int"):
            history.record(bad, {"a": [1.0]})
    with pytest.raises(ValueError, match="step must be >= 0"):
        MetricHistory().record(-1, {"a": [1.0]})
    history.record(np.int64(11), {"a": [1.0]})
    assert history.steps == [10, 11] and len(history) == 3


def test_a_refused_record_records_nothing():
    history = MetricHistory()
    history.record(0, {"a": [1.0, 2.0]})
    before = history.to_frame()
    with pytest.raises(ValueError, match=r"'c' at step 1 have 3 tracks; this history has 2"):
        history.record(1, {"b": [1.0, 2.0], "c": [1.0, 2.0, 3.0]})
    pd.testing.assert_frame_equal(history.to_frame(), before)
    assert history.steps == [0]


def _table(sample, track, value=None):
    value = [1.0] * len(sample) if value is None else value
    return pd.DataFrame({"sample": sample, "track": track, "metric": "a", "value": value})


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "at least one metric"),
        ({"a": np.zeros((2, 2, 2))}, r"values\['a'\] must have shape"),
        ({"a": []}, r"values\['a'\] must have shape"),
        ({"a": ["x"]}, r"values\['a'\] must be numbers"),
        ({1: [1.0]}, "keyed by metric names"),
        ([1.0, 2.0], "values must be a tidy DataFrame"),
        (
            pd.DataFrame({"metric": ["a"], "value": [1.0]}),
            r"lacks the columns \['sample', 'track'\]",
        ),
        (_table(sample=[0], track=[1]), "no rows for some"),
        (_table(sample=[0, 0], track=[0, 0]), "several rows for one sample and track of 'a'"),
        (_table(sample=[0], track=[-1]), "track numbers >= 0"),
        (_table(sample=[0], track=[0], value=["x"]), r"values\['value'\] must hold numbers"),
    ],
)
def test_bad_values_are_refused(values, message):
    with pytest.raises(ValueError, match=message):
        MetricHistory().record(0, values)


def test_pairwise_rows_are_refused():
    table = musiceval.evaluate(_rolls(1), ["n_notes", "tonal_distance"])
    with pytest.raises(ValueError, match=r"pairwise metrics \['tonal_distance'\]"):
        MetricHistory().record(0, table)


def test_track_names_and_reference_are_checked():
    history = MetricHistory(track_names=["a", "b"])
    with pytest.raises(ValueError, match="have 3 tracks; this history has 2"):
        history.record(0, {"m": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="mean must have one value per track"):
        history.set_reference("m", [1.0, 2.0, 3.0], None)
    with pytest.raises(ValueError, match="std must be >= 0"):
        history.set_reference("m", [1.0, 2.0], [1.0, -1.0])
    with pytest.raises(ValueError, match="track_names must be a sequence of strings"):
        MetricHistory(track_names="ab")
    history.set_reference("m", [1.0, 2.0], [0.5, np.nan])
    mean, std = history.reference["m"]
    mean[0] = 99.0  # a copy
    assert history.reference["m"][0].tolist() == [1.0, 2.0] and np.isnan(std[1])


def _history_ab() -> MetricHistory:
    history = MetricHistory(track_names=["a", "b"])
    history.record(3, {"m": [1.0, 2.0]})
    return history


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda h: h.record(3.0, {"n": [1.0, 2.0]}), "step must be an int; got 3.0 (float)"),
        (lambda h: h.record(-1, {"n": [1.0, 2.0]}), "step must be >= 0; got -1 (int)"),
        (
            lambda h: h.record(4, {"n": [[1.0, 2.0]] * 2, 5: [1.0]}),
            "values must be keyed by metric names; got the key 5",
        ),
        (lambda h: h.set_reference("", [1.0, 2.0]), "metric must be a non-empty str; got ''"),
        (
            lambda h: h.set_reference("m", [1.0, 2.0], [1.0, -1.0]),
            "std must be >= 0 (or NaN); got [1.0, -1.0]",
        ),
        (lambda h: h.series("x", 0), "metric must be one of ['m']; got 'x'"),
        (lambda h: h.series("m", 2), "track must be one of [0, 1]; got 2 (int)"),
        (lambda h: h.series("m", True), "track must be one of [0, 1]; got True (bool)"),
        (lambda h: h.track_label(-1), "track must be one of [0, 1]; got -1 (int)"),
        (
            lambda h: setattr(h, "track_names", ["a", "b", "c"]),
            "track_names must be 2 names (a sequence of str); got ['a', 'b', 'c']",
        ),
        (lambda h: MetricHistory(track_names=[]), "track_names must be one or more names; got []"),
        (lambda h: h.save(3), "path must be a str or os.PathLike; got 3 (int)"),
        (lambda h: MetricHistory.load(None), "path must be a str or os.PathLike; got None"),
    ],
)
def test_bad_arguments_raise_one_error_type_with_the_uniform_message(call, message):
    history = _history_ab()
    before = history.to_frame()
    with pytest.raises(InvalidParameterError) as raised:
        call(history)
    assert str(raised.value) == message
    pd.testing.assert_frame_equal(history.to_frame(), before)
    assert history.track_names == ["a", "b"] and history.reference == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("step,metric,track,value\n0,a,0,1.0\n", r"missing columns \['count'\]"),
        ("step,metric,track,value,count\n0.5,a,0,1.0,1\n", "column 'step' must hold integers"),
        ("step,metric,track,value,count\n0,a,0,x,1\n", "'value' and 'count' must hold numbers"),
        ("step,metric,track,value,count\n0,a,0,1.0,-1\n", "non-negative integers"),
        ("step,metric,track,value,count\n0,a,1,1.0,1\n", "one row per track 0..1"),
        ("step,metric,track,value,count\n5,a,0,1.0,1\n2,a,0,1.0,1\n", "step 2 comes before"),
        ("", "not a MetricHistory CSV"),
    ],
)
def test_load_refuses_a_bad_csv_naming_the_file(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DocumentError, match=message) as error:
        MetricHistory.load(path)
    assert str(path) in str(error.value)


# ---------------------------------------------------------------------- figures


def _assert_png(path: Path, width: int, height: int) -> None:
    assert path.is_file()
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert path.stat().st_size > 5_000
    pixels = imread(path)
    assert pixels.shape[2] in (3, 4)
    assert abs(pixels.shape[1] - width) <= 2 and abs(pixels.shape[0] - height) <= 2, pixels.shape
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_plot_history_writes_the_grid(history, tmp_path):
    path = plot.plot_history(history, tmp_path / "history.png", metrics=METRICS[:2])
    width, height = plot.PANEL_SIZE
    _assert_png(path, round(width * 3 * plot.DPI), round((height * 2 + 0.4) * plot.DPI))


def test_history_figure_axes(history):
    figure = plot.plot_history(history, metrics=METRICS)
    axes = figure.axes
    assert len(axes) == len(METRICS) * 3
    assert {ax.get_xscale() for ax in axes} == {"symlog"}  # steps 0..5000: log, 0 kept
    assert axes[0].get_title() == "n_notes · soprano"
    assert axes[5].get_title() == "in_scale_ratio · bass"
    low, high = axes[3].get_ylim()  # in_scale_ratio: registry bounds [0, 1] and a margin
    assert low == pytest.approx(-0.05) and high == pytest.approx(1.05)
    low, high = axes[0].get_ylim()  # n_notes: [0, inf): bottom 5% below 0, top automatic
    assert low == pytest.approx(-0.05 * high) and high > 30
    linear = MetricHistory()
    for step in (0, 50, 100):
        linear.record(step, {"x": [1.0]})
    assert plot.plot_history(linear).axes[0].get_xscale() == "linear"
    positive = MetricHistory()
    for step in (1, 1000):
        positive.record(step, {"x": [1.0]})
    assert plot.plot_history(positive).axes[0].get_xscale() == "log"


def test_log_step_rule():
    assert not _plot_history.use_log_steps([0, 1, 100])  # exactly two decades
    assert _plot_history.use_log_steps([0, 1, 101])
    assert _plot_history.use_log_steps([10, 1001])
    assert not _plot_history.use_log_steps([0, 0])
    assert not _plot_history.use_log_steps([])
    assert not _plot_history.use_log_steps([5000, 10000, 20000])


def test_plot_distributions_handles_nan_and_constant_tracks(tmp_path):
    rng = np.random.default_rng(0)
    reference = np.column_stack(
        [rng.normal(10, 2, 300).round(), np.full(300, 4.0), np.full(300, np.nan), rng.random(300)]
    )
    generated = np.column_stack(
        [rng.normal(14, 3, 80).round(), np.full(80, 4.0), np.full(80, np.nan), rng.random(80)]
    )
    generated[:5, 3] = np.inf
    path = plot.plot_distributions(
        reference,
        generated,
        tmp_path / "n_pitches_used.png",
        metric="n_pitches_used",
        track_names=["s", "a", "t", "b"],
        reference_mean=[10.0, 4.0, np.nan, 0.5],
    )
    width, height = plot.PANEL_SIZE
    _assert_png(path, round(width * 4 * plot.DPI), round((height + 0.4) * plot.DPI))
    one_track = plot.plot_distributions(
        rng.random(50), np.full(20, np.nan), tmp_path / "one.png", metric="custom"
    )
    _assert_png(one_track, round(width * plot.DPI), round((height + 0.4) * plot.DPI))


def test_integer_metrics_get_one_bin_per_integer():
    edges = _plot_distributions.bins(np.array([3.0, 5.0, 9.0]), "n_pitches_used")
    np.testing.assert_array_equal(edges, np.arange(3, 11) - 0.5)
    assert _plot_distributions.bins(np.array([2.0, 2.0]), "in_scale_ratio").tolist() == [1.5, 2.5]
    assert _plot_distributions.bins(np.linspace(0, 1, 10_000), "in_scale_ratio").size <= 41


def test_plot_z_scores_marks_undefined_and_clipped_bars(tmp_path):
    frame = pd.DataFrame(
        {
            "metric": np.repeat(["n_notes", "in_scale_ratio", "pitch_range"], 2),
            "track": [0, 1] * 3,
            "z_score": [0.4, -1.5, np.nan, np.inf, -12.0, 2.5],
        }
    )
    path = plot.plot_z_scores(frame, tmp_path / "z.png")
    _assert_png(path, 800, round((1.6 + 0.26 * 6) * plot.DPI))


def test_plots_refuse_bad_arguments(history, tmp_path):
    samples = np.zeros((4, 2))
    with pytest.raises(InvalidParameterError, match=r"path must end in \.png"):
        plot.plot_history(history, tmp_path / "history.pdf")
    with pytest.raises(InvalidParameterError, match="path's directory"):
        plot.plot_history(history, tmp_path / "missing" / "history.png")
    with pytest.raises(InvalidParameterError, match="metrics must be distinct names"):
        plot.plot_history(history, tmp_path / "h.png", metrics=["nope"])
    with pytest.raises(InvalidParameterError, match="history holds no records"):
        plot.plot_history(MetricHistory(), tmp_path / "h.png")
    with pytest.raises(InvalidParameterError, match="history must be a MetricHistory"):
        plot.plot_history(history.to_frame(), tmp_path / "h.png")
    with pytest.raises(InvalidParameterError, match="generated_samples must have 2 tracks"):
        plot.plot_distributions(samples, np.zeros((4, 3)), tmp_path / "d.png", metric="m")
    with pytest.raises(InvalidParameterError, match="track_names must give 2 names"):
        plot.plot_distributions(samples, samples, tmp_path / "d.png", metric="m", track_names=["a"])
    with pytest.raises(InvalidParameterError, match="reference_mean must have 2 values"):
        plot.plot_distributions(
            samples, samples, tmp_path / "d.png", metric="m", reference_mean=[1]
        )
    with pytest.raises(InvalidParameterError, match="metric must be a non-empty string"):
        plot.plot_distributions(samples, samples, tmp_path / "d.png", metric="")
    with pytest.raises(InvalidParameterError, match=r"lacks \['z_score'\]"):
        plot.plot_z_scores(pd.DataFrame({"metric": ["a"], "track": [0]}), tmp_path / "z.png")
    with pytest.raises(InvalidParameterError, match="frame has no rows"):
        plot.plot_z_scores(pd.DataFrame(columns=["metric", "track", "z_score"]), tmp_path / "z.png")
    with pytest.raises(InvalidParameterError, match="clip must be"):
        plot.plot_z_scores(
            pd.DataFrame({"metric": ["a"], "track": [0], "z_score": [1.0]}),
            tmp_path / "z.png",
            clip=1,
        )
    assert list(tmp_path.iterdir()) == []


def _figure_cases(history: MetricHistory) -> dict:
    """Per public function: a call drawing a few panels (keywords still open), the keyword
    naming the Axes to draw on, and the number of panels."""
    rng = np.random.default_rng(3)
    reference = np.column_stack([rng.normal(10, 2, 200).round(), np.full(200, np.nan)])
    generated = np.column_stack([rng.normal(12, 3, 50).round(), rng.random(50)])
    frame = pd.DataFrame(
        {"metric": ["a", "a", "b"], "track": [0, 1, 0], "z_score": [0.5, np.nan, -9.0]}
    )
    rolls = _rolls(4, n_samples=2)
    steps = np.arange(1, 61)
    losses = {"g": np.sin(steps / 5.0), "d": np.cos(steps / 5.0), "gp": steps / 60.0}
    return {
        "history": (lambda **kw: plot.plot_history(history, metrics=METRICS[:2], **kw), "axes", 6),
        "distributions": (
            lambda **kw: plot.plot_distributions(reference, generated, metric="n_notes", **kw),
            "axes",
            2,
        ),
        "z_scores": (lambda **kw: plot.plot_z_scores(frame, **kw), "ax", 1),
        "roll": (lambda **kw: plot.plot_roll(rolls, steps_per_bar=8, **kw), "axes", 3),
        "losses": (lambda **kw: plot.plot_losses(steps, losses, smoothing=5, **kw), "axes", 3),
    }


def _drawn(ax) -> dict:
    """What a panel shows, in data (or axes) coordinates: independent of the panel's size."""
    return {
        "lines": [line.get_xydata() for line in ax.lines],
        "patches": [
            patch.get_patch_transform().transform(patch.get_path().vertices) for patch in ax.patches
        ],
        "images": [np.asarray(image.get_array()) for image in ax.images],
        "texts": [text.get_text() for text in ax.texts],
        "title": ax.get_title(),
        "scales": (ax.get_xscale(), ax.get_yscale()),
        "limits": (ax.get_xlim(), ax.get_ylim()),
    }


@pytest.mark.parametrize("name", ["history", "distributions", "z_scores", "roll", "losses"])
def test_drawing_on_the_callers_axes_draws_the_same_artists(history, tmp_path, monkeypatch, name):
    from matplotlib.figure import Figure

    draw, keyword, n = _figure_cases(history)[name]
    alone = draw()
    assert isinstance(alone, Figure)
    panels = [ax for ax in alone.axes if ax.get_visible()]
    assert len(panels) == n
    figure = Figure(figsize=(3.0 * (n + 1), 3.0))
    grid = figure.subplots(1, n + 1)
    monkeypatch.chdir(tmp_path)
    assert draw(**{keyword: grid[1] if keyword == "ax" else grid[1:]}) is figure
    assert list(tmp_path.iterdir()) == []  # no path: nothing written
    untouched = _drawn(grid[0])
    assert untouched["lines"] == untouched["patches"] == untouched["texts"] == []
    for own, mine in zip(panels, grid[1:], strict=True):
        assert len(own.lines) + len(own.patches) + len(own.images) > 0
        np.testing.assert_equal(_drawn(mine), _drawn(own))
    assert len(figure.legends) == 0  # the caller's figure gets no figure-level legend


def test_a_path_writes_the_callers_figure_and_a_2d_grid_is_read_row_major(history, tmp_path):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.0, 4.0))
    grid = figure.subplots(2, 3)
    path = plot.plot_history(history, tmp_path / "mine.png", metrics=METRICS[:2], axes=grid)
    assert path == tmp_path / "mine.png"
    _assert_png(path, 600, 400)  # the caller's size, at plot.DPI
    assert grid[0, 2].get_title() == "n_notes · bass"
    assert grid[1, 0].get_title() == "in_scale_ratio · soprano"
    assert grid[0, 0].get_legend() is not None and grid[0, 1].get_legend() is None


def test_without_a_path_the_figure_has_the_documented_size(history):
    width, height = plot.PANEL_SIZE
    sizes = {
        name: tuple(draw().get_size_inches())
        for name, (draw, _, _) in _figure_cases(history).items()
    }
    assert sizes["history"] == pytest.approx((3 * width, 2 * height + 0.4))
    assert sizes["distributions"] == pytest.approx((2 * width, height + 0.4))
    assert sizes["z_scores"] == pytest.approx((8.0, 1.6 + 0.26 * 3))
    assert sizes["roll"] == pytest.approx((10.0, 1.6 * 3 + 0.4))
    assert sizes["losses"] == pytest.approx((10.0, 5.0))


def test_bad_axes_are_refused_before_drawing(history, tmp_path):
    from matplotlib.figure import Figure

    figure, other = Figure(), Figure()
    grid = figure.subplots(1, 2)
    frame = pd.DataFrame({"metric": ["a"], "track": [0], "z_score": [1.0]})
    cases = [
        (
            lambda: plot.plot_history(history, axes=grid),
            "axes must be an array of 9 matplotlib Axes; got 2 Axes",
        ),
        (lambda: plot.plot_z_scores(frame, ax=grid), "ax must be a matplotlib Axes; got 2 Axes"),
        (lambda: plot.plot_z_scores(frame, ax="left"), "ax must be a matplotlib Axes; got 'le"),
        (
            lambda: plot.plot_roll(_rolls(0)[..., :2], axes=[grid[0], other.subplots()]),
            "axes must be Axes of one figure; got Axes of 2 figures",
        ),
    ]
    for call, message in cases:
        with pytest.raises(InvalidParameterError, match=message):
            call()
    assert all(not ax.lines and not ax.patches and not ax.images for ax in figure.axes)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_figure_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    from matplotlib.figure import Figure

    path = tmp_path / "z.png"
    path.write_bytes(b"old")
    frame = pd.DataFrame({"metric": ["a"], "track": [0], "z_score": [1.0]})

    def broken(self, target, **kwargs):
        Path(target).write_bytes(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        plot.plot_z_scores(frame, path)
    assert [p.name for p in tmp_path.iterdir()] == ["z.png"] and path.read_bytes() == b"old"


# ---------------------------------------------------------------------- atomic writes


def test_atomic_path_replaces_an_existing_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with _atomic.atomic_path(path) as temporary:
        assert temporary.parent == tmp_path and temporary.exists() and temporary != path
        assert path.read_text() == "old"  # untouched until the block succeeds
        temporary.write_text("new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.parametrize("exception", [RuntimeError, KeyboardInterrupt])
def test_an_exception_leaves_no_file_and_no_temporary(tmp_path, exception):
    with pytest.raises(exception), _atomic.atomic_path(tmp_path / "new.txt") as temporary:
        temporary.write_text("half")
        raise exception()
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "old.txt").write_text("old")

    def fail(file):
        file.write("half")
        raise exception()

    with pytest.raises(exception):
        _atomic.atomic_write(tmp_path / "old.txt", fail)
    assert [p.name for p in tmp_path.iterdir()] == ["old.txt"]
    assert (tmp_path / "old.txt").read_text() == "old"


def test_atomic_write_text_and_binary(tmp_path):
    text = _atomic.atomic_write(tmp_path / "a.txt", lambda f: f.write("é\n"))
    assert text.read_bytes() == "é\n".encode()
    data = _atomic.atomic_write(tmp_path / "b.bin", lambda f: f.write(b"\x00\x01"), binary=True)
    assert data.read_bytes() == b"\x00\x01"


def test_atomic_files_get_ordinary_permissions(tmp_path):
    (tmp_path / "plain.txt").write_text("x")
    written = _atomic.atomic_write(tmp_path / "atomic.txt", lambda f: f.write("x"))
    mode = stat.S_IMODE
    assert mode(written.stat().st_mode) == mode((tmp_path / "plain.txt").stat().st_mode)


def test_atomic_path_refuses_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError), _atomic.atomic_path(tmp_path):
        pass
    with pytest.raises(FileNotFoundError), _atomic.atomic_path(tmp_path / "no" / "x.txt"):
        pass


# ---------------------------------------------------------------------- imports


def test_history_and_plot_modules_import_neither_matplotlib_nor_pandas():
    code = (
        "import sys, musiceval.history, musiceval.plot, musiceval._atomic; "
        "print([m for m in ('matplotlib', 'pandas') if m in sys.modules])"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_reference_from_a_profile(chorales: np.ndarray, tmp_path) -> None:
    profile = musiceval.profile(
        chorales, ["n_notes", "in_scale_ratio"], track_names=["S", "A", "T", "B"]
    )
    history = MetricHistory()
    history.set_reference_from(profile, ["in_scale_ratio"])
    mean, std = history.reference["in_scale_ratio"]
    np.testing.assert_array_equal(mean, profile.mean("in_scale_ratio"))
    np.testing.assert_array_equal(std, profile.std("in_scale_ratio"))
    assert list(history.reference) == ["in_scale_ratio"] and history.track_names == list("SATB")
    history.set_reference_from(profile)
    assert list(history.reference) == ["in_scale_ratio", "n_notes"]
    history.record(0, {"n_notes": musiceval.n_notes(chorales)})
    assert plot.plot_history(history, tmp_path / "h.png").stat().st_size > 5000
    with pytest.raises(ValueError, match=r"metrics must be names among the profile's"):
        history.set_reference_from(profile, ["pitch_range"])
    with pytest.raises(ValueError, match="profile has 1 tracks; the history has 4"):
        history.set_reference_from(musiceval.profile(chorales[..., :1], ["n_notes"]))
    with pytest.raises(ValueError, match="profile must be a DatasetProfile; got dict"):
        history.set_reference_from({})
    with pytest.raises(InvalidParameterError) as raised:
        history.set_reference_from(profile, "n_notes")
    assert str(raised.value) == (
        "metrics must be names among the profile's ['n_notes', 'in_scale_ratio']; got 'n_notes'"
    )
    with pytest.raises(InvalidParameterError, match=r"DatasetProfile; got 'p\.json'"):
        history.set_reference_from("p.json")


def test_plot_losses_draws_one_panel_per_loss(tmp_path) -> None:
    steps = np.arange(1, 101)
    losses = {"g": np.sin(steps / 10.0), "d": np.cos(steps / 10.0), "gp": steps / 100.0}
    path = plot.plot_losses(steps, losses, tmp_path / "losses.png", titles={"g": "generator"})
    assert imread(path).shape[:2] == (500, 1000)  # 2 rows x 2 columns of 5 x 2.5 inches
    with pytest.raises(InvalidParameterError, match="losses must map names to 100 values each"):
        plot.plot_losses(steps, {"g": steps[:5]}, tmp_path / "bad.png")
    with pytest.raises(InvalidParameterError, match="smoothing must be an int >= 1; got 0"):
        plot.plot_losses(steps, losses, tmp_path / "bad.png", smoothing=0)
    assert not (tmp_path / "bad.png").exists()
