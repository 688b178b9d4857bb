"""Tests of :mod:`musiceval.datasets`: the Bach chorales of music21's corpus as piano rolls."""

from __future__ import annotations

import importlib.metadata
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("music21")
pytest.importorskip("tqdm")

from musiceval.datasets import CHORALE_TRACKS, load_chorales
from musiceval.exceptions import InvalidParameterError

N_STEPS = 4 * 4 * 4  # 4 bars of 4 beats of 4 steps
SOPRANO, ALTO, TENOR, BASS = range(4)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chorale_cache")


@pytest.fixture(scope="module")
def chorales(cache_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The first five chorales, built with the network switched off."""
    with pytest.MonkeyPatch.context() as mp:

        def no_network(*args: object, **kwargs: object) -> None:
            raise AssertionError("load_chorales tried to use the network")

        mp.setattr(socket.socket, "connect", no_network)
        mp.setattr(socket, "create_connection", no_network)
        mp.setattr(socket, "getaddrinfo", no_network)
        return load_chorales(limit=5, cache_dir=cache_dir, progress=False, return_sources=True)


def test_tracks() -> None:
    assert CHORALE_TRACKS == ("soprano", "alto", "tenor", "bass")


def test_shape_and_dtype(chorales: tuple[np.ndarray, np.ndarray]) -> None:
    rolls, sources = chorales
    assert rolls.dtype == np.bool_
    assert rolls.ndim == 4
    assert rolls.shape[0] > 0
    assert rolls.shape[1:] == (N_STEPS, 128, 4)
    assert sources.shape == (rolls.shape[0],)
    assert sources.dtype.kind == "U"
    # five chorales, each long enough for at least one segment, in corpus order
    assert len(dict.fromkeys(sources)) == 5
    assert sources[0] == "bwv2.6"


def test_voices_sound_in_most_bars(chorales: tuple[np.ndarray, np.ndarray]) -> None:
    rolls, _ = chorales
    bars = rolls.reshape(len(rolls), 4, N_STEPS // 4, 128, 4).any(axis=(2, 3))
    assert bars.mean(axis=1).min() >= 0.75  # every segment: each voice sounds in >= 3 of 4 bars
    assert bars.mean() > 0.95


def test_voices_are_ordered_and_in_range(chorales: tuple[np.ndarray, np.ndarray]) -> None:
    rolls, _ = chorales
    pitches = np.arange(128)
    mean_pitch = [pitches[np.nonzero(rolls[..., k])[2]].mean() for k in range(len(CHORALE_TRACKS))]
    assert mean_pitch[SOPRANO] > mean_pitch[ALTO] > mean_pitch[TENOR] > mean_pitch[BASS]
    used = np.nonzero(rolls.any(axis=(0, 1, 3)))[0]
    assert used.min() >= 30
    assert used.max() <= 90


def test_first_bar_of_bwv_2_6(chorales: tuple[np.ndarray, np.ndarray]) -> None:
    """Bars 1-2 of BWV 2.6 ("Ach Gott, vom Himmel sieh darein"), soprano, read off the score.

    The chorale opens with a one-beat pickup (A4), which is skipped: segment 0 starts on the
    downbeat of bar 1. Bar 1: Bb4 A4 G4 D5 (quarters); bar 2: D5 C5 (eighths) Bb4 A4 C5.
    """
    rolls, sources = chorales
    first = int(np.flatnonzero(sources == "bwv2.6")[0])
    soprano = rolls[first, :32, :, SOPRANO]
    expected = np.zeros_like(soprano)
    for pitch, start, stop in [
        (70, 0, 4),  # Bb4
        (69, 4, 8),  # A4
        (67, 8, 12),  # G4
        (74, 12, 16),  # D5
        (74, 16, 18),  # D5 eighth (repeated, so the cells run on)
        (72, 18, 20),  # C5 eighth
        (70, 20, 24),  # Bb4
        (69, 24, 28),  # A4
        (72, 28, 32),  # C5
    ]:
        expected[start:stop, pitch] = True
    np.testing.assert_array_equal(soprano, expected)


def test_second_call_loads_the_cache(
    chorales: tuple[np.ndarray, np.ndarray], cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rolls, sources = chorales
    files = sorted(p.name for p in cache_dir.iterdir())
    assert len(files) == 1
    assert files[0].endswith(".npz")
    assert "first5" in files[0]
    with np.load(cache_dir / files[0]) as data:
        assert set(data.files) == {"pianoroll", "source"}

    import musiceval.datasets as datasets

    def must_not_parse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cache was not used")

    monkeypatch.setattr(datasets, "_build", must_not_parse)
    again, again_sources = load_chorales(
        limit=5, cache_dir=cache_dir, progress=False, return_sources=True
    )
    np.testing.assert_array_equal(again, rolls)
    np.testing.assert_array_equal(again_sources, sources)
    assert isinstance(load_chorales(limit=5, cache_dir=cache_dir, progress=False), np.ndarray)


def test_no_temporary_files_left(chorales: tuple[np.ndarray, np.ndarray], cache_dir: Path) -> None:
    assert [p.name for p in cache_dir.iterdir() if not p.name.endswith(".npz")] == []


def test_cache_dir_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUSICEVAL_CACHE_DIR", str(tmp_path / "env"))
    rolls = load_chorales(limit=1, n_bars=2, progress=False)
    assert rolls.shape[1:] == (32, 128, 4)
    assert len(list((tmp_path / "env").glob("*.npz"))) == 1


def test_parameters_change_resolution(
    chorales: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    rolls, _ = chorales
    coarse = load_chorales(limit=5, steps_per_beat=2, cache_dir=tmp_path, progress=False)
    assert coarse.shape[1:] == (32, 128, 4)
    assert len(coarse) == len(rolls)
    # what sounds on a beat sounds there on both grids
    assert not (rolls[:, ::4] & ~coarse[:, ::2]).any()
    assert (rolls[:, ::4] == coarse[:, ::2]).mean() > 0.999


def test_damaged_cache_is_rebuilt(chorales: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> None:
    rolls, _ = chorales
    load_chorales(limit=5, cache_dir=tmp_path, progress=False)
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(b"not a zip file")
    with pytest.warns(RuntimeWarning, match="cache"):
        again = load_chorales(limit=5, cache_dir=tmp_path, progress=False)
    np.testing.assert_array_equal(again, rolls)
    with np.load(path) as data:  # and rewritten
        np.testing.assert_array_equal(data["pianoroll"], rolls)


def test_interrupted_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def half_written(file: object, **arrays: object) -> None:
        file.write(b"PK\x03\x04 partial")  # type: ignore[attr-defined]
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", half_written)
    with pytest.raises(KeyboardInterrupt):
        load_chorales(limit=1, cache_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_cache_warns_and_returns(
    chorales: tuple[np.ndarray, np.ndarray], tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    with pytest.warns(RuntimeWarning, match="could not write"):
        rolls = load_chorales(limit=1, cache_dir=blocker / "cache", progress=False)
    assert rolls.shape[1:] == (N_STEPS, 128, 4)


def test_progress_bar_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    load_chorales(limit=1, cache_dir=tmp_path, progress=True)
    captured = capsys.readouterr()
    assert "Bach chorales" in captured.err
    assert captured.out == ""
    load_chorales(limit=1, cache_dir=tmp_path / "quiet", progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("name", ["n_bars", "steps_per_beat", "limit"])
@pytest.mark.parametrize(
    ("value", "error"), [(0, ValueError), (-3, ValueError), (2.0, TypeError), (True, TypeError)]
)
def test_bad_ints_are_named(name: str, value: object, error: type, tmp_path: Path) -> None:
    with pytest.raises(error, match=name):
        load_chorales(**{name: value}, cache_dir=tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"n_bars": 0}, "n_bars must be an int >= 1; got 0 (int)"),
        ({"limit": 2.0}, "limit must be an int >= 1; got 2.0 (float)"),
        ({"progress": "yes"}, "progress must be True or False; got 'yes'"),
        ({"return_sources": 1}, "return_sources must be True or False; got 1 (int)"),
        ({"cache_dir": 3}, "cache_dir must be a str or os.PathLike; got 3 (int)"),
    ],
)
def test_bad_arguments_raise_one_error_type_with_the_uniform_message(
    options: dict[str, object], message: str, tmp_path: Path
) -> None:
    options = {"cache_dir": tmp_path, **options}
    with pytest.raises(InvalidParameterError) as raised:
        load_chorales(**options)  # type: ignore[arg-type]
    assert str(raised.value) == message
    assert list(tmp_path.iterdir()) == []


def test_bad_cache_dir_is_named() -> None:
    with pytest.raises(TypeError, match="cache_dir"):
        load_chorales(cache_dir=3, progress=False)  # type: ignore[arg-type]


def test_missing_music21_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins
    import sys

    real_import = builtins.__import__

    def fake_import(name: str, *args: object, **kwargs: object) -> object:
        if name == "music21" or name.startswith("music21."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    for module in [m for m in sys.modules if m == "music21" or m.startswith("music21.")]:
        monkeypatch.delitem(sys.modules, module)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ImportError, match=r'pip install "musiceval\[data\]"'):
        load_chorales(limit=1, cache_dir=tmp_path, progress=False)


# ------------------------------------------------------------------------------------------
# the cache without music21: a fresh interpreter in which importing music21 (and tqdm) fails

_BLOCKED = """
import importlib.metadata
import sys

sys.modules["music21"] = None  # Python's way to make `import music21` raise ImportError
sys.modules["tqdm"] = None
_installed_version = importlib.metadata.version


def _version(name):  # and no music21 metadata either, as when music21 is not installed
    if name == "music21":
        raise importlib.metadata.PackageNotFoundError(name)
    return _installed_version(name)


importlib.metadata.version = _version
try:
    import music21
except ImportError:
    pass
else:
    raise SystemExit("music21 was importable")
import numpy as np
from musiceval.datasets import load_chorales
"""


def _run_without_music21(code: str) -> str:
    """Run ``code`` after ``_BLOCKED``; return its stdout (the test fails on a crash)."""
    result = subprocess.run(
        [sys.executable, "-c", _BLOCKED + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "music21" not in result.stderr, result.stderr
    return result.stdout


def test_the_cache_loads_without_music21(
    chorales: tuple[np.ndarray, np.ndarray], cache_dir: Path, tmp_path: Path
) -> None:
    rolls, sources = chorales  # built with music21 into cache_dir by the fixture
    out = tmp_path / "loaded.npz"
    _run_without_music21(
        f"""
        rolls, sources = load_chorales(limit=5, cache_dir={str(cache_dir)!r}, return_sources=True)
        assert sys.modules["music21"] is None and sys.modules["tqdm"] is None
        np.savez({str(out)!r}, rolls=rolls, sources=sources)
        """
    )
    with np.load(out) as loaded:
        assert loaded["rolls"].dtype == np.bool_
        np.testing.assert_array_equal(loaded["rolls"], rolls)
        np.testing.assert_array_equal(loaded["sources"], sources)


def test_without_music21_and_cache_the_error_names_the_directory(tmp_path: Path) -> None:
    empty = tmp_path / "empty cache"
    printed = _run_without_music21(
        f"""
        try:
            load_chorales(limit=5, cache_dir={str(empty)!r}, progress=False)
        except ImportError as error:
            print(str(error))
        """
    )
    assert f"{str(empty)!r} holds no bach_chorales-v" in printed
    assert "-bars4-spb4-first5-music21_<version>.npz file" in printed
    assert "pip install music21" in printed
    assert not empty.exists()  # nothing was created


def test_the_music21_version_chooses_the_cache_file(
    chorales: tuple[np.ndarray, np.ndarray], cache_dir: Path, tmp_path: Path
) -> None:
    """With music21, only its own version's file is read; without, the highest version's."""
    rolls, sources = chorales
    (built,) = cache_dir.glob("*.npz")
    own_version = built.stem.rsplit("-music21_", 1)[1]
    assert own_version == importlib.metadata.version("music21")
    cache = tmp_path / "cache"
    cache.mkdir()
    old = cache / built.name.replace(f"-music21_{own_version}.npz", "-music21_0.9.npz")
    np.savez_compressed(old, pianoroll=rolls[:2], source=sources[:2])  # recognisably other rolls

    # Only the old file: without music21 it is read; music21 builds its own version's instead.
    assert len(_load_without_music21(tmp_path)) == 2
    np.testing.assert_array_equal(load_chorales(limit=5, cache_dir=cache, progress=False), rolls)
    assert sorted(p.name for p in cache.glob("*.npz")) == sorted([built.name, old.name])
    # Both files: without music21 the highest version (the one just built) is read.
    np.testing.assert_array_equal(_load_without_music21(tmp_path), rolls)


def _load_without_music21(directory: Path) -> np.ndarray:
    """``load_chorales(limit=5)`` from ``directory / "cache"`` in a process without music21."""
    out, cache = directory / "loaded.npy", directory / "cache"
    _run_without_music21(
        f"np.save({str(out)!r}, load_chorales(limit=5, cache_dir={str(cache)!r}, progress=False))"
    )
    return np.load(out)


# ------------------------------------------------------------------------------------------
# the conversion rules, on a small score built by hand


def _measure(number: int, elements: list, padding_left: float = 0.0) -> object:
    from music21 import stream

    measure = stream.Measure(number=number)
    for element in elements:
        measure.append(element)
    measure.paddingLeft = padding_left
    return measure


def _toy_score(time_signature: str = "4/4", n_parts: int = 4) -> object:
    """Pickup, full bar, a bar split 3 + 1 by a repeat, two full bars, a short final bar."""
    from music21 import chord, harmony, meter, note, stream, tie

    def n(name: str, quarter_length: float, tie_type: str | None = None) -> note.Note:
        result = note.Note(name, quarterLength=quarter_length)
        if tie_type:
            result.tie = tie.Tie(tie_type)
        return result

    soprano = stream.Part()
    soprano.partName = "Soprano"
    grace = note.Note("C6", quarterLength=0.5).getGrace()
    soprano.append(
        [
            _measure(0, [meter.TimeSignature(time_signature), n("C5", 1)], padding_left=3),
            _measure(
                1,
                [
                    harmony.ChordSymbol("C"),  # ignored
                    n("D5", 2, "start"),
                    n("D5", 1, "stop"),  # one held D5 over three beats
                    chord.Chord(["E5", "G5"], quarterLength=0.5),
                    grace,  # ignored
                    n("F5", 0.5),
                ],
            ),
            _measure(2, [n("G4", 3, "start")]),  # bar split by a repeat: 3 beats ...
            _measure(2, [n("G4", 1, "stop")], padding_left=3),  # ... + 1 beat
            _measure(3, [n("A4", 0.0625), n("B4", 0.9375), note.Rest(quarterLength=3)]),
            _measure(4, [n("C5", 4)]),
            _measure(5, [n("D5", 3)]),  # incomplete final bar
        ]
    )
    score = stream.Score()
    others = []
    for name, pitch in [("Bass", "C3"), ("Alto", "E4"), ("Tenor", "G3")][: n_parts - 1]:
        part = stream.Part()
        part.partName = name
        part.append(
            [
                _measure(0, [meter.TimeSignature(time_signature), n(pitch, 1)], padding_left=3),
                _measure(1, [n(pitch, 4)]),
                _measure(2, [n(pitch, 3)]),
                _measure(2, [n(pitch, 1)], padding_left=3),
                _measure(3, [n(pitch, 4)]),
                _measure(4, [n(pitch, 4)]),
                _measure(5, [n(pitch, 3)]),
            ]
        )
        others.append(part)
    score.insert(0, others[0])  # bass first: voices are ordered by part name
    score.insert(0, soprano)
    for part in others[1:]:
        score.insert(0, part)
    return score


def test_conversion_rules() -> None:
    from musiceval.datasets import _score_segments

    score = _toy_score()
    out = _score_segments(score, n_bars=2, steps_per_beat=4)
    assert out is not None
    assert out.shape == (2, 32, 128, 4)  # bars 1 + 2(split) and bars 3 + 4; pickup, end dropped

    expected = np.zeros((2, 32, 128), dtype=bool)
    expected[0, 0:12, 74] = True  # D5 tied: one note, beats 1-3
    expected[0, 12:14, [76, 79]] = True  # the E5-G5 chord, an eighth
    expected[0, 14:16, 77] = True  # F5 eighth (its grace note is ignored)
    expected[0, 16:32, 67] = True  # G4 across the split bar
    expected[1, 0:1, 69] = True  # a 64th note still occupies the step it starts in
    expected[1, 0:4, 71] = True  # B4: onset 1/4 step rounds to step 0
    expected[1, 16:32, 72] = True  # C5 whole note
    np.testing.assert_array_equal(out[..., SOPRANO], expected)
    assert not out[..., [60, 64, 67], SOPRANO][:, :12].any()  # the chord symbol left no trace

    for k, pitch in [(ALTO, 64), (TENOR, 55), (BASS, 48)]:
        assert out[..., pitch, k].all()
        assert out[..., k].sum() == out[..., pitch, k].sum()

    four = _score_segments(score, n_bars=4, steps_per_beat=4)
    assert four is not None
    assert four.shape == (1, 64, 128, 4)
    np.testing.assert_array_equal(four[0, :32], out[0])
    np.testing.assert_array_equal(four[0, 32:], out[1])
    assert _score_segments(score, n_bars=5, steps_per_beat=4).shape[0] == 0


def test_only_four_part_chorales_in_four_four_qualify() -> None:
    from musiceval.datasets import _score_segments

    assert _score_segments(_toy_score(time_signature="3/4"), n_bars=1, steps_per_beat=4) is None
    assert _score_segments(_toy_score(n_parts=3), n_bars=1, steps_per_beat=4) is None


def test_catalogue_names_resolve_to_the_right_files() -> None:
    from musiceval.datasets import _candidates

    def names(files: list[str], name: str) -> list[str]:
        return [p.name for p in _candidates([f"/corpus/bach/{f}" for f in files], name)]

    assert names(["bwv244.3.mxl", "bwv244.32.mxl", "bwv244.37.mxl"], "bach/bwv244.3") == [
        "bwv244.3.mxl"
    ]
    assert names(["bwv112.5-sc.mxl", "bwv112.5.mxl"], "bach/bwv112.5") == ["bwv112.5.mxl"]
    assert names(["bwv69.6-a.mxl", "bwv69.6.xml"], "bach/bwv69.6") == ["bwv69.6.xml"]
    assert names(["bwv277.krn", "bwv277.mxl"], "bach/bwv277") == ["bwv277.mxl", "bwv277.krn"]
    assert names(["bwv18.5-lz.mxl"], "bach/bwv18.5-l") == ["bwv18.5-lz.mxl"]
    assert names(["bwv1.1.mxl", "bwv1.2.mxl"], "bach/bwv1") == []
