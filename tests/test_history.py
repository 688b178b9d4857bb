"""MetricHistory: values, CSV round trips, errors, the reference from a profile."""

import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import HISTORY_METRICS as METRICS
from conftest import sparse_rolls as _rolls
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import musiceval
from musiceval import plot
from musiceval.exceptions import DocumentError, InvalidParameterError
from musiceval.history import COLUMNS, MetricHistory

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
