"""The PNG figures: what each draws, on its own figure or the caller's Axes, and errors."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import HISTORY_METRICS as METRICS
from conftest import sparse_rolls as _rolls

from musiceval.exceptions import InvalidParameterError
from musiceval.history import MetricHistory

matplotlib = pytest.importorskip("matplotlib")
from matplotlib.image import imread  # noqa: E402

from musiceval import plot  # noqa: E402
from musiceval.plot import _distributions as _plot_distributions  # noqa: E402
from musiceval.plot import _history as _plot_history  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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
    # each panel: its values and the reference mean +- 2 std, clipped to the metric's bounds,
    # plus 5% of that span on each side
    low, high = axes[3].get_ylim()  # in_scale_ratio · soprano: values up to 0.9 + 2 * 0.05 = 1
    lowest = history.series("in_scale_ratio", 0)[1].min()
    assert (low, high) == pytest.approx((lowest - 0.05 * (1 - lowest), 1 + 0.05 * (1 - lowest)))
    low, high = axes[0].get_ylim()  # n_notes · soprano: the reference mean 30 (no std) up
    highest = history.series("n_notes", 0)[1].max()
    assert (low, high) == pytest.approx(
        (30 - 0.05 * (highest - 30), highest + 0.05 * (highest - 30))
    )
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
