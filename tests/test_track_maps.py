"""Track maps: hand-computed assignments, LPD-5 for every program, properties, JSON, bad input,
and real MIDI files read back by pretty_midi and symusic."""

from __future__ import annotations

import doctest
import json
import re
from dataclasses import FrozenInstanceError
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import musiceval.track_maps
from musiceval.exceptions import InvalidParameterError
from musiceval.track_maps import PRESETS, TrackMap, track_map

DOCS = Path(__file__).parents[1] / "docs" / "tracks.md"


def _track(program: Any, is_drum: bool = False, name: str = "") -> SimpleNamespace:
    return SimpleNamespace(program=program, is_drum=is_drum, name=name)


# One song: a drum kit, two pianos, guitar fret noise (120), a square lead (80), a guitar (25).
SONG = [
    _track(0, True, "Kit"),
    _track(0, name="Grand Piano"),
    _track(1, name="Bright Piano"),
    _track(120, name="Fret Noise"),
    _track(80, name="Square Lead"),
    _track(25, name="Steel Guitar"),
]


def test_lpd5_assigns_the_song_by_hand():
    lpd5 = PRESETS["lpd5"]
    assert lpd5.names == ("Drums", "Piano", "Guitar", "Bass", "Strings")
    # Fret noise (120, sound effects) is dropped as LPD-5 drops it; no bass: an empty Bass track.
    assert lpd5.assign(SONG) == [[0], [1, 2], [5], [], [4]]
    assert track_map("lpd5") is lpd5


def test_merged_takes_every_track_drums_included():
    merged = track_map("merged")
    assert merged.names == ("all",)
    assert merged.assign(SONG) == [[0, 1, 2, 3, 4, 5]]
    assert merged.assign([]) == [[]]


def test_user_maps_by_hand():
    keys = track_map({"Keys": [0, 1], "Lead": range(80, 88), "Rest": "others"})
    # No "drums" rule: the kit (0) is dropped; the fret noise and the guitar fall to "others".
    assert keys.assign(SONG) == [[1, 2], [4], [3, 5]]
    melody = track_map({"Melody": range(72, 80), "Drums": "drums"})
    # No pipe in the song: an empty Melody track; every pitched track is dropped.
    assert melody.assign(SONG) == [[], [0]]
    everything_else = track_map({"Drums": "drums", "Piano": range(0, 8), "Others": "others"})
    assert everything_else.assign(SONG) == [[0], [1, 2], [3, 4, 5]]
    # A drum track's program is ignored, even one a program rule lists.
    assert track_map({"Piano": [0]}).assign([_track(0, True)]) == [[]]


def _lpd5_reference(program: int, is_drum: bool) -> str | None:
    """get_merged of salu133445/lakh-pianoroll-dataset's src/merger_5.py, written out."""
    if is_drum:
        return "Drums"
    if program // 8 == 0:
        return "Piano"
    if program // 8 == 3:
        return "Guitar"
    if program // 8 == 4:
        return "Bass"
    if program < 96 or 104 <= program < 112:
        return "Strings"
    return None


@pytest.mark.parametrize("is_drum", [False, True])
def test_lpd5_matches_the_dataset_rule_for_all_128_programs(is_drum):
    lpd5 = PRESETS["lpd5"]
    for program in range(128):
        groups = lpd5.assign([_track(program, is_drum)])
        taken = [name for name, group in zip(lpd5.names, groups, strict=True) if group]
        expected = _lpd5_reference(program, is_drum)
        assert taken == ([] if expected is None else [expected]), program
    # All 128 in one file, in reverse order.
    tracks = [_track(program, is_drum) for program in range(127, -1, -1)]
    groups = lpd5.assign(tracks)
    for name, group in zip(lpd5.names, groups, strict=True):
        indices = [i for i, t in enumerate(tracks) if _lpd5_reference(t.program, is_drum) == name]
        assert group == indices
    assert sum(map(len, groups)) == (128 if is_drum else 128 - 8 - 16)


@st.composite
def _maps(draw: Any) -> tuple[TrackMap, dict[int, str], bool, bool]:
    """A random valid map, with the owner of each listed program and which specials it has."""
    n_rules = draw(st.integers(0, 5))
    owner = draw(st.lists(st.integers(-1, n_rules - 1), min_size=128, max_size=128))
    rules: dict[str, Any] = {}
    for rule in range(n_rules):
        programs = [program for program in range(128) if owner[program] == rule]
        if programs:
            rules[f"Track {rule}"] = draw(st.permutations(programs))
    drums, others = draw(st.booleans()), draw(st.booleans())
    if drums:
        rules["Drums"] = "drums"
    if others:
        rules["Others"] = "others"
    if not rules:
        rules["Others"], others = "others", True
    order = draw(st.permutations(list(rules)))
    listed = {p: f"Track {owner[p]}" for p in range(128) if owner[p] >= 0}
    return TrackMap({name: rules[name] for name in order}), listed, drums, others


_TRACKS = st.lists(st.builds(_track, st.integers(0, 127), st.booleans()), max_size=40)


@given(_maps(), _TRACKS)
def test_every_track_lands_where_its_rule_says_and_at_most_once(case, tracks):
    mapping, listed, drums, others = case
    groups = mapping.assign(tracks)
    assert len(groups) == len(mapping.names)
    flat = [index for group in groups for index in group]
    assert len(flat) == len(set(flat))
    assert all(group == sorted(group) for group in groups)
    where = {
        index: name for name, group in zip(mapping.names, groups, strict=True) for index in group
    }
    for index, track in enumerate(tracks):
        if track.is_drum:
            expected = "Drums" if drums else None
        else:
            expected = listed.get(track.program, "Others" if others else None)
        assert where.get(index) == expected
    if drums and others:
        assert sorted(flat) == list(range(len(tracks)))


@given(_TRACKS)
def test_all_takes_every_track_exactly_once(tracks):
    assert PRESETS["merged"].assign(tracks) == [list(range(len(tracks)))]


@given(_maps())
def test_json_and_repr_round_trip(case):
    mapping = case[0]
    text = json.dumps(mapping.to_json_dict())
    again = TrackMap.from_json_dict(json.loads(text))
    assert again == mapping and hash(again) == hash(mapping)
    assert again.names == mapping.names
    assert eval(repr(mapping), {"TrackMap": TrackMap}) == mapping


def test_json_and_repr_of_the_presets():
    lpd5 = PRESETS["lpd5"]
    content = lpd5.to_json_dict()
    assert content["tracks"][0] == {"name": "Drums", "rule": "drums"}
    assert content["tracks"][1] == {"name": "Piano", "rule": list(range(8))}
    assert content["tracks"][4]["rule"] == [*range(8, 24), *range(40, 96), *range(104, 112)]
    assert TrackMap.from_json_dict(content) == lpd5
    assert repr(lpd5) == (
        "TrackMap({'Drums': 'drums', 'Piano': range(0, 8), 'Guitar': range(24, 32), "
        "'Bass': range(32, 40), 'Strings': [*range(8, 24), *range(40, 96), *range(104, 112)]})"
    )
    assert repr(PRESETS["merged"]) == "TrackMap({'all': 'all'})"
    assert repr(TrackMap({"A": [9, 1, 2, 3, 5, 6]})) == "TrackMap({'A': [*range(1, 4), 5, 6, 9]})"
    assert PRESETS["merged"].to_json_dict() == {"tracks": [{"name": "all", "rule": "all"}]}


def test_rules_are_normalised_and_the_map_is_frozen():
    programs: list[Any] = [np.int64(3), 1, 1]
    generated = TrackMap({"A": (program for program in programs)})
    assert generated.rules == (("A", (1, 3)),)
    assert generated == TrackMap({"A": range(1, 4, 2)})
    assert generated != TrackMap({"B": [1, 3]})
    assert TrackMap({"A": [0], "B": [1]}) != TrackMap({"B": [1], "A": [0]})
    assert track_map(generated) is generated
    with pytest.raises(FrozenInstanceError):
        generated.rules = ()  # type: ignore[misc]
    assert PRESETS["lpd5"].assign([_track(np.int64(33))]) == [[], [], [], [0], []]
    with pytest.raises(TypeError):
        PRESETS["extra"] = generated  # type: ignore[index]


_RULE = "a rule: GM programs (ints 0-127, e.g. range(0, 8)), 'drums', 'others' or 'all'"
_PROGRAMS = "General MIDI programs: ints in [0, 127]"


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"A": [0, 1], "B": [1, 2]}, "tracks must be rules that share no program; "
         "got program 1 in both 'A' and 'B'"),
        ({"A": "drums", "B": [0], "C": "drums"}, "tracks must be a map with at most one 'drums' "
         "rule; got 'drums' for both 'A' and 'C'"),
        ({"A": "others", "B": "others"}, "tracks must be a map with at most one 'others' rule; "
         "got 'others' for both 'A' and 'B'"),
        ({"Drums": "drums", "all": "all"}, "tracks must be 'all' alone (it takes every track); "
         "got 'all' for 'all' beside ['Drums']"),
        ({"": [0]}, "tracks must be a mapping whose output track names are non-empty str; "
         "got ''"),
        ({"  ": [0]}, "tracks must be a mapping whose output track names are non-empty str; "
         "got '  '"),
        ({3: [0]}, "tracks must be a mapping whose output track names are non-empty str; "
         "got 3 (int)"),
        ({"A": [128]}, f"tracks['A'] must be {_PROGRAMS}; got 128 (int) in [128]"),
        ({"A": range(-1, 3)}, f"tracks['A'] must be {_PROGRAMS}; got -1 (int) in range(-1, 3)"),
        ({"A": [0, True]}, f"tracks['A'] must be {_PROGRAMS}; got True (bool) in [0, True]"),
        ({"A": (1.0,)}, f"tracks['A'] must be {_PROGRAMS}; got 1.0 (float) in (1.0,)"),
        ({"A": ["0"]}, f"tracks['A'] must be {_PROGRAMS}; got '0' in ['0']"),
        ({"A": []}, "tracks['A'] must be at least one General MIDI program; got []"),
        ({"A": "piano"}, f"tracks['A'] must be {_RULE}; got 'piano'"),
        ({"A": "Drums"}, f"tracks['A'] must be {_RULE}; got 'Drums'"),
        ({"A": 5}, f"tracks['A'] must be {_RULE}; got 5 (int)"),
        ({"A": None}, f"tracks['A'] must be {_RULE}; got None"),
        ({"A": {0: "piano"}}, f"tracks['A'] must be {_RULE}; got dict"),
        ({"A": b"drums"}, f"tracks['A'] must be {_RULE}; got b'drums'"),
        ({}, "tracks must be a non-empty mapping of output track name (str) to rule; "
         "got an empty mapping"),
        ([("A", [0])], "tracks must be a non-empty mapping of output track name (str) to rule; "
         "got [('A', [0])]"),
    ],
)  # fmt: skip
def test_bad_maps_name_the_argument(rules, message):
    # track_map says what it takes of a non-mapping (test_bad_specs_list_the_presets).
    for build in (TrackMap, track_map) if isinstance(rules, dict) else (TrackMap,):
        with pytest.raises(InvalidParameterError) as caught:
            build(rules)
        assert str(caught.value) == message
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, TypeError)


@pytest.mark.parametrize(
    ("spec", "received"),
    [("lpd6", "'lpd6'"), ("", "''"), ("LPD5", "'LPD5'"), (None, "None"), (5, "5 (int)"),
     (["lpd5"], "['lpd5']"), (("lpd5",), "('lpd5',)")],
)  # fmt: skip
def test_bad_specs_list_the_presets(spec, received):
    with pytest.raises(InvalidParameterError) as caught:
        track_map(spec)
    assert str(caught.value) == (
        "tracks must be a preset name (one of ['lpd5', 'merged']), a TrackMap or a mapping of "
        f"name to rule; got {received}"
    )


@pytest.mark.parametrize(
    ("program", "received"),
    [(128, "128 (int)"), (-1, "-1 (int)"), (1.0, "1.0 (float)"), (True, "True (bool)"),
     ("0", "'0'"), (None, "None")],
)  # fmt: skip
def test_bad_programs_in_input_tracks_are_named(program, received):
    tracks = [_track(0, True), _track(0), _track(program)]
    with pytest.raises(InvalidParameterError) as caught:
        PRESETS["lpd5"].assign(tracks)
    assert str(caught.value) == f"tracks[2].program must be an int in [0, 127]; got {received}"
    # A drum track's program is not read.
    assert PRESETS["lpd5"].assign([_track(program, True)]) == [[0], [], [], [], []]


def test_json_duplicates_and_bad_shapes():
    content = {"tracks": [{"name": "A", "rule": [0]}, {"name": "A", "rule": [1]}]}
    with pytest.raises(InvalidParameterError) as caught:
        TrackMap.from_json_dict(content)
    assert str(caught.value) == "tracks must be distinct output track names; got 'A' twice"
    expected = (
        "content must be a track map as TrackMap.to_json_dict writes it: "
        "{'tracks': [{'name', 'rule'}, ...]}; got "
    )
    for bad, received in [
        ([], "[]"),
        ({"tracks": "drums"}, "dict"),
        ({"tracks": [{"name": "A"}]}, "dict"),
        ({"tracks": [{"name": "A", "rule": [0], "extra": 1}]}, "dict"),
    ]:
        with pytest.raises(InvalidParameterError) as caught:
            TrackMap.from_json_dict(bad)
        assert str(caught.value) == expected + received
    with pytest.raises(InvalidParameterError, match=r"tracks\['A'\] must be a rule"):
        TrackMap.from_json_dict({"tracks": [{"name": "A", "rule": "piano"}]})
    with pytest.raises(InvalidParameterError, match="non-empty str; got 1"):
        TrackMap.from_json_dict({"tracks": [{"name": 1, "rule": "drums"}]})


def test_thousands_of_tracks():
    tracks = [_track(program % 128, program % 11 == 0) for program in range(20_000)]
    groups = PRESETS["lpd5"].assign(tracks)
    assert sum(map(len, groups)) == sum(
        _lpd5_reference(t.program, t.is_drum) is not None for t in tracks
    )
    assert groups[0] == list(range(0, 20_000, 11))


def test_docstring_examples_run():
    results = doctest.testmod(musiceval.track_maps, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted >= 4 and results.failed == 0


def test_docs_page_example_says_what_it_shows():
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL)
    (block,) = [text for text in blocks if ".assign(" in text]
    namespace: dict[str, Any] = {}
    exec(compile(block, str(DOCS), "exec"), namespace)
    # Top-level lines "expression  # what it gives" (indented ones comment the song's tracks).
    lines = [line for line in block.splitlines() if "  # " in line and not line[:1].isspace()]
    checked = [line.split("  # ") for line in lines]
    assert len(checked) == 5
    for code, result in checked:
        assert repr(eval(code, namespace)) == result, code


def _write_song(path: Path) -> None:
    pretty_midi = pytest.importorskip("pretty_midi")
    song = pretty_midi.PrettyMIDI()
    for program, is_drum, name in [
        (0, True, "Kit"),
        (0, False, "Grand Piano"),
        (1, False, "Bright Piano"),
        (120, False, "Fret Noise"),
        (25, False, "Steel Guitar"),
    ]:
        instrument = pretty_midi.Instrument(program, is_drum=is_drum, name=name)
        instrument.notes.append(pretty_midi.Note(velocity=100, pitch=60, start=0.0, end=0.5))
        song.instruments.append(instrument)
    song.write(str(path))


def test_real_midi_read_by_symusic(tmp_path):
    symusic = pytest.importorskip("symusic")
    path = tmp_path / "song.mid"
    _write_song(path)
    tracks = symusic.Score(str(path)).tracks
    assert [(t.name, t.program, t.is_drum) for t in tracks] == [
        ("Kit", 0, True),
        ("Grand Piano", 0, False),
        ("Bright Piano", 1, False),
        ("Fret Noise", 120, False),
        ("Steel Guitar", 25, False),
    ]
    assert PRESETS["lpd5"].assign(tracks) == [[0], [1, 2], [4], [], []]
    assert PRESETS["merged"].assign(tracks) == [[0, 1, 2, 3, 4]]


def test_real_midi_read_by_pretty_midi(tmp_path):
    pretty_midi = pytest.importorskip("pretty_midi")
    path = tmp_path / "song.mid"
    _write_song(path)
    instruments = pretty_midi.PrettyMIDI(str(path)).instruments
    assert PRESETS["lpd5"].assign(instruments) == [[0], [1, 2], [4], [], []]
