"""Dataset profiles where a hostile audit broke them: a histogram as large as the samples are
long, and profile files whose values no data gives (or that cannot be read at all)."""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import musiceval as me
from musiceval import DatasetProfile, _profile_stats
from musiceval.exceptions import DocumentError

FIXTURE = Path(__file__).parent / "fixtures" / "0.1.0" / "profile.json"

pytestmark = pytest.mark.usefixtures("one_numba_thread")


# ---- histograms of long samples ------------------------------------------------------------


def test_long_samples_have_a_bounded_histogram(tmp_path):
    profile = me.profile(np.zeros((2, 65536, 128, 1), bool), ["n_notes", "pitch_range"])
    counts, edges = profile.histogram("n_notes")
    # one bin per integer 0..4095, then 256 bins per doubling: 16 wide from 4096 to 8192,
    # 32 wide to 16384, ..., 8192 wide to 2**22; the last bin holds 2**22, the most notes
    # 128 pitches * 32768 steps can hold
    widths = np.diff(edges)
    assert len(widths) == 4096 + 10 * 256 + 1
    assert widths[:4096].tolist() == [1.0] * 4096
    for doubling in range(10):
        part = widths[4096 + 256 * doubling : 4096 + 256 * (doubling + 1)]
        assert part.tolist() == [16.0 * 2**doubling] * 256
    assert edges[4096:4099].tolist() == [4095.5, 4111.5, 4127.5]
    assert edges[-2:].tolist() == [2**22 - 0.5, 2**22 + 0.5]
    assert counts.tolist() == [[2] + [0] * 6656]
    assert profile.histogram("pitch_range")[1].tolist() == (np.arange(129) - 0.5).tolist()
    profile.save(tmp_path / "long.json")
    assert (tmp_path / "long.json").stat().st_size < 200_000  # 0.1.0: 55 MiB
    assert DatasetProfile.load(tmp_path / "long.json") == profile


def _dense_rolls(n: int = 6, n_steps: int = 80) -> np.ndarray:
    """Notes one step long on every other step, so that ``n_notes`` is the number of active
    cells: from about 400 to 4,900 per sample, on both sides of 4096."""
    rng = np.random.default_rng(3)
    x = np.zeros((n, n_steps, 128, 1), bool)
    for sample, density in enumerate(np.linspace(0.1, 0.95, n)):
        x[sample, ::2, :, 0] = rng.random((n_steps // 2, 128)) < density
    return x


def test_profiles_of_long_samples_merge_exactly():
    x = _dense_rolls()
    notes = x.sum(axis=(1, 2)).astype(np.float64)  # (n, 1)
    assert notes.min() < 4096 < notes.max()
    whole = me.profile(x, ["n_notes"])
    counts, edges = whole.histogram("n_notes")
    # past 4095.5, 64 bins 16 wide up to 5119.5, then [5119.5, 5120.5] for 128 * 40 notes
    assert edges[-3:].tolist() == [5103.5, 5119.5, 5120.5] and len(edges) == 4096 + 65 + 1
    np.testing.assert_array_equal(counts[0], np.histogram(notes[:, 0], edges)[0])
    for split in (1, 3, 5):
        merged = me.profile(x[:split], ["n_notes"]).merge(me.profile(x[split:], ["n_notes"]))
        for part_a, part_b in zip(merged.histogram("n_notes"), (counts, edges), strict=True):
            np.testing.assert_array_equal(part_a, part_b)


def _one_bin_per_integer(profile: DatasetProfile, values: np.ndarray) -> DatasetProfile:
    """``profile`` with the ``n_notes`` histogram musiceval 0.1.0 made: a bin per integer."""
    document = profile.to_json_dict()
    edges = np.arange(128 * 40 + 2, dtype=np.float64) - 0.5
    stats = _profile_stats.block_statistics(values, edges)
    document["statistics"]["n_notes"]["histogram"] = {
        "edges": edges.tolist(),
        "counts": stats["histogram"].tolist(),
    }
    return DatasetProfile.from_json_dict(document)


def test_a_0_1_0_profile_of_long_samples_merges_with_today_s():
    x = _dense_rolls()
    notes = x.sum(axis=(1, 2)).astype(np.float64)
    whole = me.profile(x, ["n_notes"])
    old = _one_bin_per_integer(me.profile(x[:2], ["n_notes"]), notes[:2])
    new = me.profile(x[2:], ["n_notes"])
    assert len(old.histogram("n_notes")[1]) == 5122 and len(new.histogram("n_notes")[1]) == 4162
    for merged in (old.merge(new), new.merge(old)):
        for part_a, part_b in zip(
            merged.histogram("n_notes"), whole.histogram("n_notes"), strict=True
        ):
            np.testing.assert_array_equal(part_a, part_b)  # today's edges, exact counts
        assert merged.count("n_notes").tolist() == [6]
    also_old = _one_bin_per_integer(me.profile(x[2:], ["n_notes"]), notes[2:])
    counts, edges = old.merge(also_old).histogram("n_notes")  # two 0.1.0 profiles: as in 0.1.0
    assert len(edges) == 5122
    np.testing.assert_array_equal(counts[0], np.histogram(notes[:, 0], edges)[0])


# ---- values a profile file may not hold ----------------------------------------------------


def _fixture() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text())


def _set(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node = document
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


NOTES = "statistics.n_notes"
BAD_VALUES = {  # path -> (value, what the message says); the fixture's n_notes lie in [0, 7]
    "mean_nan": (
        f"{NOTES}.mean.0",
        "nan",
        r"statistics of n_notes must satisfy mean, m2, min and max are finite when count > 0; "
        r"track 0 has count=16, mean=nan",
    ),
    "mean_inf": (f"{NOTES}.mean.1", "inf", r"are finite when count > 0; track 1 has count=16"),
    "mean_outside": (f"{NOTES}.mean.1", 7.5, r"min <= mean <= max; track 1 .* mean=7\.5"),
    "m2_negative": (f"{NOTES}.m2.0", -1.0, r"0 <= m2 <= count \* \(\(max - min\) / 2\)\*\*2"),
    "m2_too_large": (f"{NOTES}.m2.0", 197.0, r"0 <= m2 .*track 0 has count=16, .*m2=197\.0"),
    "n_steps_huge": ("n_steps", 10**30, r"n_steps must be an int in \[0, 1099511627776\]"),
    "count_bool": (f"{NOTES}.count.0", True, rf"field {NOTES}\.count must hold integers"),
    "counts_float": (
        f"{NOTES}.histogram.counts.0.0",
        1.5,
        rf"field {NOTES}\.histogram\.counts must hold integers",
    ),
    "statistics_list": ("statistics", [], r"field statistics must be an object; got"),
    "histogram_missing": (f"{NOTES}.histogram", {"edges": [0, 1]}, rf"missing field {NOTES}\."),
    "max_past_bound": (
        "statistics.in_scale_ratio.max.0",
        2.0,
        r"statistics of in_scale_ratio must satisfy min and max within \[0\.0, 1\.0\] \(the "
        r"registry bounds and the histogram\); track 0 has count=13, .*max=2\.0",
    ),
    "edge_inf": (f"{NOTES}.histogram.edges.2049", "inf", r"must be finite and increasing"),
    "reservoir_outside": ("samples.n_notes.0.0", 9.0, r"the reservoir of n_notes must hold"),
    "reservoir_nan": ("samples.n_notes.0.0", "nan", r"track 0 keeps 7 defined values of 8"),
}


@pytest.mark.parametrize("case", list(BAD_VALUES))
def test_values_no_data_gives_are_refused_naming_the_file_and_field(tmp_path, case):
    path, value, message = BAD_VALUES[case]
    document = _fixture()
    _set(document, path, value)
    (tmp_path / f"{case}.json").write_text(json.dumps(document))
    with pytest.raises(DocumentError, match=rf"{case}\.json is a malformed musiceval profile: "):
        DatasetProfile.load(tmp_path / f"{case}.json")
    with pytest.raises(DocumentError, match=message):
        DatasetProfile.load(tmp_path / f"{case}.json")


def test_a_profile_of_version_true_is_refused(tmp_path):
    document = _fixture()
    document["version"] = True  # True == 1 in Python; the format holds the integer 1
    (tmp_path / "v.json").write_text(json.dumps(document))
    with pytest.raises(
        DocumentError, match=r"v\.json holds a musiceval profile of schema version True"
    ):
        DatasetProfile.load(tmp_path / "v.json")


def test_a_histogram_that_misses_min_or_max_is_refused(tmp_path):
    document = _fixture()
    counts = document["statistics"]["n_notes"]["histogram"]["counts"][0]
    counts[8], counts[7] = counts[7], 0  # the values at 7 (the max) moved to bin 8
    (tmp_path / "moved.json").write_text(json.dumps(document))
    with pytest.raises(
        DocumentError,
        match=r"moved\.json is a malformed musiceval profile: the histogram of n_notes must span "
        r"the bins of min and max: track 0 holds values in bins 0 to 8, min and max fall in "
        r"bins 0 and 7",
    ):
        DatasetProfile.load(tmp_path / "moved.json")


def test_deeply_nested_json_is_a_document_error(tmp_path):
    depth = 100_000
    path = tmp_path / "deep.json"
    path.write_text('{"schema": "musiceval.profile", "x": ' + "[" * depth + "]" * depth + "}")
    with pytest.raises(DocumentError, match=r"deep\.json is not a JSON musiceval profile: nested"):
        DatasetProfile.load(path)
    document = _fixture()
    nested: list[Any] = []
    for _ in range(depth):
        nested = [nested]
    document["samples"]["n_notes"] = nested
    with pytest.raises(DocumentError, match=r"field samples\.n_notes must hold numbers"):
        DatasetProfile.from_json_dict(document, source="in memory")


def test_the_0_1_0_fixture_and_today_s_profiles_pass_every_check(tmp_path):
    old = DatasetProfile.load(FIXTURE)  # the 0.1.0 file loads, merges as before
    assert old.merge(old).count("n_notes").tolist() == [32, 32]
    x = _dense_rolls()
    p = me.profile(x, chunk_size=2)  # many merges: rounding must stay within the checks
    p.save(tmp_path / "p.json")
    assert DatasetProfile.load(tmp_path / "p.json") == p


# ---- fuzz: a valid document, mutated anywhere ----------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([0, -1, 1, 2**63, 10**30, -(10**30)])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["nan", "inf", "-inf", "", "n_notes"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)


DESCEND = st.integers(0, 4).map(bool)  # go one level deeper 4 times in 5


@st.composite
def mutated_documents(draw: st.DrawFn) -> dict[str, Any]:
    """The fixture's document with one node replaced, nudged or removed."""
    document = copy.deepcopy(FIXTURE_DOCUMENT)
    parent: Any = None
    key: Any = None
    node: Any = document
    while isinstance(node, dict | list) and node and (parent is None or draw(DESCEND)):
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        parent, key = node, draw(st.sampled_from(keys))
        node = parent[key]
    if parent is None:
        return document
    action = draw(st.sampled_from(["replace", "nudge", "remove"]))
    if action == "remove":
        del parent[key]
    elif action == "nudge" and isinstance(node, int | float) and not isinstance(node, bool):
        parent[key] = node * draw(st.sampled_from([-1, 0, 2, 1e300])) + draw(
            st.sampled_from([0, 1, -1, 0.5, 1e-12])
        )
    else:
        parent[key] = draw(JSON_VALUES)
    return document


@st.composite
def mutated_values(draw: st.DrawFn) -> dict[str, Any]:
    """The fixture's document with one number of its statistics or reservoir changed."""
    document = copy.deepcopy(FIXTURE_DOCUMENT)
    metric = draw(st.sampled_from(document["metrics"]))
    stats = document["statistics"][metric]
    parent = draw(
        st.sampled_from(
            [*(stats[field] for field in ("count", "n_nan", "mean", "m2", "min", "max")),
             stats["histogram"]["edges"], *stats["histogram"]["counts"],
             *document["samples"][metric]]
        )
    )  # fmt: skip
    index = draw(st.integers(0, len(parent) - 1))
    old = parent[index]
    number = 0.0 if isinstance(old, str) else float(old)
    parent[index] = draw(
        st.sampled_from(["nan", "inf", "-inf", -1, 0, 1, 10**30, True])
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.sampled_from([-1.0, 0.5, 1.0 + 1e-12, 2.0]).map(lambda factor: number * factor)
        | st.sampled_from([-1.0, -1e-12, 1e-12, 1.0]).map(lambda step: number + step)
    )
    return document


FIXTURE_DOCUMENT = json.loads(FIXTURE.read_text())


@settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(document=mutated_documents() | mutated_values())
def test_a_mutated_profile_loads_consistent_or_raises_a_document_error(tmp_path, document):
    path = tmp_path / "mutated.json"
    path.write_text(json.dumps(document))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either way
        try:
            profile = DatasetProfile.load(path)
        except DocumentError as exc:
            assert str(exc).startswith(f"{path} ")
            return
        frame = profile.to_frame()
        doubled = profile.merge(profile)
    assert np.all(frame["count"] + frame["n_nan"] == profile.n_samples)
    defined = frame[frame["count"] > 0]
    assert np.all((defined["min"] <= defined["mean"] + 1e-9) & (defined["std"] >= 0))
    assert doubled.n_samples == 2 * profile.n_samples
    assert DatasetProfile.from_json_dict(profile.to_json_dict()) == profile
