"""The one JSON document format, and the files musiceval 0.1.0 wrote, which must still load."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import musiceval as me
from musiceval import _documents
from musiceval.exceptions import DocumentError

FIXTURES = Path(__file__).parent / "fixtures" / "0.1.0"


def test_non_finite_numbers_are_strings_and_come_back_exactly():
    values = {"a": np.array([np.nan, np.inf, -np.inf, 0.1, -0.0]), "b": (1, np.int64(2), True)}
    text = _documents.dumps(_documents.encode(values))

    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    loaded = json.loads(text, parse_constant=no_constants)
    assert loaded == {"a": ["nan", "inf", "-inf", 0.1, -0.0], "b": [1, 2, True]}
    back = _documents.decode_floats(loaded["a"])
    np.testing.assert_array_equal(back, values["a"])
    assert math.copysign(1.0, back[-1]) == -1.0
    with pytest.raises(ValueError, match="expected a number, 'nan', 'inf' or '-inf'; got 'NaN'"):
        _documents.decode_float("NaN")


def test_documents_start_with_schema_version_and_musiceval_version(tmp_path):
    path = _documents.save(tmp_path / "d.json", "musiceval.test", 3, {"x": math.nan})
    content = json.loads(path.read_text())
    assert list(content) == ["schema", "version", "musiceval_version", "x"]
    assert content == {
        "schema": "musiceval.test", "version": 3, "musiceval_version": me.__version__, "x": "nan"
    }  # fmt: skip
    assert _documents.load(path, "musiceval.test", 3, what="test document") == content


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"schema": "other", "version": 1}, "d.json is not a test document: expected schema "
         "'musiceval.test', got 'other'"),
        ([1, 2], "d.json is not a test document: expected schema 'musiceval.test', got None"),
        ({"schema": "musiceval.test", "version": 2}, "d.json holds a test document of schema "
         "version 2; this musiceval reads version 1 only"),
    ],
)  # fmt: skip
def test_one_reader_refuses_other_schemas_and_versions_alike(tmp_path, content, message):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(content))
    with pytest.raises(DocumentError) as error:
        _documents.load(path, "musiceval.test", 1, what="test document")
    assert message in str(error.value)
    path.write_text("{")
    with pytest.raises(DocumentError, match=r"d\.json is not a JSON test document"):
        _documents.load(path, "musiceval.test", 1, what="test document")


def test_an_old_key_may_stand_for_the_schema():
    old = {"format": "old.name", "version": 1, "x": 1}
    checked = _documents.check(
        old, "new.name", 1, what="thing", source="f", aliases={"format": "old.name"}
    )
    assert checked == old
    with pytest.raises(DocumentError, match="f is not a thing"):
        _documents.check({"format": "else", "version": 1}, "new.name", 1, what="thing",
                         source="f", aliases={"format": "old.name"})  # fmt: skip


# ---- files written by musiceval 0.1.0 (tests/fixtures/0.1.0/make_profile_and_report.py) ----


@pytest.fixture(scope="module")
def rolls() -> np.ndarray:
    with np.load(FIXTURES / "rolls.npz") as data:
        return data["pianoroll"]


def test_a_0_1_0_profile_loads_and_equals_today_s(rolls):
    old = me.DatasetProfile.load(FIXTURES / "profile.json")
    today = me.profile(
        rolls[:16],
        ["n_notes", "in_scale_ratio", "empty_bar_rate"],
        track_names=["melody", "bass"],
        reservoir_size=8,
    )
    assert old.version == "0.1.0"
    assert old == today  # every statistic and the reservoir, bit for bit


def test_a_0_1_0_report_has_today_s_format_and_numbers(rolls):
    old = _documents.load(FIXTURES / "report.json", "musiceval.report", 1, what="report")
    report = me.compare(rolls[16:], me.DatasetProfile.load(FIXTURES / "profile.json"))
    today = json.loads(json.dumps(report.to_json_dict()))
    # the Frechet trace now comes from a symmetric eigensolver, not scipy's sqrtm: 1e-8 apart
    assert today.pop("frechet_distance") == pytest.approx(old.pop("frechet_distance"), rel=1e-7)
    # set-level distances with intervals were added (issue 12), and columns (issue 15: robust
    # z, circular keys, mass comparison); the old ones keep their order and values
    assert today.pop("set_distances")["rows"][0]["statistic"] == "frechet_distance"
    assert today.pop("originality") == []  # the 0.1.0 profile holds no bar index
    intervals = today.pop("intervals")  # and the intervals of every overlap and KL
    assert [row["overlap_area"] for row in intervals] == [
        row["overlap_area"] for row in old["rows"]
    ]
    # and the conventions drums and force (issue 15), unknown drums by default
    conventions = today["reference"]["conventions"]
    assert (conventions.pop("drums"), conventions.pop("force")) == (None, [])
    columns = old.pop("columns")
    assert [c for c in today.pop("columns") if c in columns] == columns
    today["rows"] = [{c: row[c] for c in columns} for row in today["rows"]]
    assert today == old


def test_a_boolean_version_and_a_deeply_nested_file_are_refused(tmp_path):
    # True == 1 in Python, so {"version": true} passed for version 1; deep nesting raised
    # RecursionError out of json.loads (issue 10 item 10)
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"schema": "musiceval.test", "version": True}))
    with pytest.raises(DocumentError, match="of schema version True; this musiceval reads"):
        _documents.load(path, "musiceval.test", 1, what="test document")
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DocumentError, match="is not a JSON test document: RecursionError"):
        _documents.load(path, "musiceval.test", 1, what="test document")
