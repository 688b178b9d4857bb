"""musiceval.corpus: a corpus of real MIDI files profiled in shards, quarantined, resumed, on Dask.

The corpus is real: the MIDI files music21 ships for its own tests (``midi/testPrimitive``),
Bach chorales written with :func:`musiceval.io.write_midi` into a tree of folders, and a band
of drums, piano, guitar, bass, strings and more written with pretty_midi. Nothing is mocked:
runs are killed with SIGKILL, Dask clusters are real ones, the unreadable file is read by a user
without the rights to read it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import mido
import numpy as np
import pytest
from _other_user import environment, open_to_all, package_copy, without_root_rights

import musiceval
from musiceval import io
from musiceval.corpus import CorpusResult, corpus_files, profile_corpus
from musiceval.track_maps import track_map

LPD5 = ("Drums", "Piano", "Guitar", "Bass", "Strings")
CHORALE_PROGRAMS = [73, 40, 0, 33]  # flute, violin, piano, bass: Strings, Strings, Piano, Bass
# music21's files shorter than one segment of 4 bars of 16 steps (64 steps) at 4 steps a beat
SHORT = ["test01", "test05", "test08", "test10", "test11", "test12", "test13", "test14",
         "test15", "test16", "test17"]  # fmt: skip
# music21's files of 4 bars or more, none of them of 16 steps (metre="file" leaves them out)
OTHER_METRE = ["test03", "test04", "test09"]
# tempo 500,000 us per beat at tick 0, then the end of the track: a valid file without notes
TEMPO_ONLY = (
    b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0"
    b"MTrk\x00\x00\x00\x0b\x00\xff\x51\x03\x07\xa1\x20\x00\xff\x2f\x00"
)
NOT_MIDI = "is not a readable MIDI file: it does not start with an MThd header chunk"


def _music21_midi() -> Path:
    spec = importlib.util.find_spec("music21")  # its path only: importing music21 takes seconds
    if spec is None or spec.origin is None:
        pytest.skip("music21 is not installed")
    return Path(spec.origin).parent / "midi" / "testPrimitive"


def _write_band(path: Path) -> None:
    """32 half-beat notes on each of drums, piano, guitar, bass, strings, a synth effect (which
    LPD-5 drops) and a synth lead (which it puts into Strings): 64 steps, one segment."""
    pretty_midi = pytest.importorskip("pretty_midi")
    song = pretty_midi.PrettyMIDI(initial_tempo=120)
    for program, is_drum in [(0, True), (0, False), (25, False), (33, False), (48, False),
                             (100, False), (81, False)]:  # fmt: skip
        instrument = pretty_midi.Instrument(program=program, is_drum=is_drum)
        for k in range(32):
            pitch = 36 + (7 * k + program) % 40 + (0 if is_drum else 12)
            instrument.notes.append(pretty_midi.Note(90, pitch, k * 0.25, k * 0.25 + 0.2))
        song.instruments.append(instrument)
    song.write(str(path))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, chorales: np.ndarray) -> Path:
    """62 real MIDI files: 40 chorale files of 2-8 segments (4 tracks) under ``bach/g*/s*/``,
    music21's 21 test files under ``m21/`` and ``mix/band.mid`` (7 instruments)."""
    root = tmp_path_factory.mktemp("corpus")
    for index in range(40):
        segments = np.roll(chorales, -index, axis=0)[: 2 + index % 7]
        segments = np.roll(segments, index % 5 - 2, axis=2)  # transposed by -2 to 2 semitones
        folder = root / "bach" / f"g{index % 3}" / f"s{index % 2}"
        folder.mkdir(parents=True, exist_ok=True)
        io.write_midi(folder / f"c{index:02d}.mid", segments, programs=CHORALE_PROGRAMS)
    (root / "m21").mkdir()
    for path in sorted(_music21_midi().glob("*.mid")):
        shutil.copyfile(path, root / "m21" / path.name)
    (root / "mix").mkdir()
    _write_band(root / "mix" / "band.mid")
    return root


def _segments(paths: list[str], tracks: str | None) -> np.ndarray:
    """The 64-step segments of ``paths`` cut at their bar lines, read one by one with the public
    reader (test02 has a 1/4 pickup: its segments start after it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the pickup bar is left out, with a warning
        return np.concatenate([io.load_midi(path, tracks=tracks).rolls for path in paths])


def _assert_same_statistics(a: musiceval.DatasetProfile, b: musiceval.DatasetProfile) -> None:
    """Counts, extrema and histograms exactly; means to the last bits (merge trees differ)."""
    assert (a.metrics, a.tracks, a.n_samples) == (b.metrics, b.tracks, b.n_samples)
    for name in a.metrics:
        for field in ("count", "n_nan", "min", "max"):
            np.testing.assert_array_equal(getattr(a, field)(name), getattr(b, field)(name))
        np.testing.assert_array_equal(a.histogram(name)[1], b.histogram(name)[1])
        np.testing.assert_allclose(a.mean(name), b.mean(name), rtol=1e-12, atol=0)
        np.testing.assert_allclose(a.std(name), b.std(name), rtol=1e-9, atol=1e-12)


@pytest.fixture(scope="module")
def lpd5_run(corpus: Path) -> CorpusResult:
    return profile_corpus(corpus, tracks="lpd5", shard_size=4)


# ---------------------------------------------------------------------- the profile


def test_the_profile_does_not_depend_on_how_or_in_what_order_the_files_are_given(
    corpus: Path, lpd5_run: CorpusResult, tmp_path: Path
) -> None:
    files = corpus_files(corpus)
    assert len(files) == 62 and files == sorted(files)
    shuffled = files.copy()
    random.Random(0).shuffle(shuffled)
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join(shuffled) + "\n", encoding="utf-8")
    for sources in (shuffled, [Path(p) for p in reversed(files)], listing, f"{corpus}/**/*.mid"):
        result = profile_corpus(sources, tracks="lpd5", shard_size=4)
        assert result.profile == lpd5_run.profile  # bit for bit, reservoir included
        assert result.quarantine == lpd5_run.quarantine
        assert (result.n_files, result.n_segments) == (62, lpd5_run.n_segments)


@pytest.mark.parametrize(
    ("tracks", "shard_size", "names"),
    [("lpd5", 4, LPD5), ("merged", 256, ("all",)), (None, 7, ("0", "1", "2", "3"))],
)
def test_the_profile_is_that_of_the_concatenated_segments(
    tracks: str | None, shard_size: int, names: tuple[str, ...], corpus: Path
) -> None:
    files = corpus_files(corpus)
    quarantined = {str(corpus / "m21" / f"{name}.mid") for name in SHORT + OTHER_METRE}
    if tracks is None:  # one track per instrument: only 4-track files (test02 and the chorales)
        quarantined = {p for p in files if "/m21/" in p and not p.endswith("test02.mid")}
        quarantined.add(str(corpus / "mix" / "band.mid"))
    result = profile_corpus(corpus, tracks=tracks, shard_size=shard_size)
    assert [path for path, _ in result.quarantine] == sorted(quarantined)
    segments = _segments([p for p in files if p not in quarantined], tracks)
    assert result.n_files == 62 and result.n_segments == len(segments)
    # a track map says which of its tracks are drums (lpd5's first): pitched metrics NaN there
    drums = None if tracks is None else track_map(tracks).drum_tracks
    direct = musiceval.profile(
        segments, track_names=names, steps_per_bar=16, steps_per_beat=4, drums=drums
    )
    assert result.profile.tracks == names and result.profile.n_samples == len(segments)
    assert result.profile.conventions["drums"] == drums
    _assert_same_statistics(result.profile, direct)


def test_lpd5_puts_every_instrument_of_the_band_in_its_track(lpd5_run: CorpusResult) -> None:
    assert lpd5_run.profile.tracks == LPD5
    # only band.mid has drums and a guitar; each of its instruments plays 32 notes
    assert lpd5_run.profile.max("n_notes")[[0, 2]].tolist() == [32.0, 32.0]
    short, other_metre = "shorter than one segment of 64 steps", "bars not 16 steps long"
    assert all(short in why or other_metre in why for _, why in lpd5_run.quarantine)


def test_without_a_track_map_other_track_counts_are_quarantined(corpus: Path) -> None:
    result = profile_corpus(corpus, shard_size=8)
    reasons = dict(result.quarantine)
    band, big = str(corpus / "mix" / "band.mid"), str(corpus / "m21" / "test04.mid")
    hint = "(give a track map, tracks='lpd5' or 'merged', to read every file alike)"
    assert reasons[band] == f"{band!r} has 7 tracks; the corpus's first usable file has 4 {hint}"
    assert reasons[big] == f"{big!r} has 21 tracks; the corpus's first usable file has 4 {hint}"
    short = str(corpus / "m21" / "test12.mid")  # 4 tracks, but 32 steps
    assert reasons[short] == f"{short!r} lasts 32 steps; shorter than one segment of 64 steps"
    assert sum("the corpus's first usable file has 4" in why for why in reasons.values()) == 20


def test_the_track_count_is_the_first_usable_files(tmp_path: Path) -> None:
    short = np.zeros((1, 32, 128, 2), dtype=bool)  # 2 tracks, half a segment: quarantined
    short[0, :, 60] = True
    io.write_midi(tmp_path / "a_intro.mid", short)
    song = np.zeros((2, 64, 128, 4), dtype=bool)
    song[:, :, 60:64] = True
    io.write_midi(tmp_path / "b.mid", song)
    io.write_midi(tmp_path / "c.mid", song)
    result = profile_corpus(tmp_path)
    assert [path for path, _ in result.quarantine] == [str(tmp_path / "a_intro.mid")]
    assert result.profile.tracks == ("0", "1", "2", "3") and result.n_segments == 4


# ---------------------------------------------------------------------- quarantine


def _bomb(path: Path) -> None:
    """36 bytes whose one note ends at beat 100,000: 400,000 steps x 128 pitches."""
    song = mido.MidiFile(ticks_per_beat=1)
    track = mido.MidiTrack()
    song.tracks.append(track)
    track.append(mido.Message("note_on", note=60, velocity=100, time=0))
    track.append(mido.Message("note_off", note=60, time=100_000))
    song.save(path)


def _add_bad_files(folder: Path) -> None:
    good = (folder / "bach" / "g0" / "s0" / "c00.mid").read_bytes()
    bad = folder / "bad"
    bad.mkdir()
    (bad / "empty.mid").write_bytes(b"")
    (bad / "random.mid").write_bytes(np.random.default_rng(0).bytes(512))
    (bad / "truncated.mid").write_bytes(good[: len(good) // 2])
    (bad / "text.mid").write_text("MIDI? no: a text file\n", encoding="utf-8")
    (bad / "tempo_only.mid").write_bytes(TEMPO_ONLY)
    one_bar = np.zeros((1, 16, 128, 4), dtype=bool)
    one_bar[0, :, 60] = True
    io.write_midi(bad / "one_bar.mid", one_bar)
    _bomb(bad / "bomb.mid")
    os.symlink(bad / "loop_b.mid", bad / "loop_a.mid")
    os.symlink(bad / "loop_a.mid", bad / "loop_b.mid")


MAX_CELLS = 4_000_000  # music21's longest file, test04, needs 2,234 x 128 x 5 = 1,429,760
BAD = {
    "empty.mid": NOT_MIDI,
    "random.mid": NOT_MIDI,
    "text.mid": NOT_MIDI,
    "truncated.mid": "is not a readable MIDI file: a chunk runs past the end of the file",
    "tempo_only.mid": "holds no instrument (no notes to read)",
    "one_bar.mid": "lasts 16 steps; shorter than one segment of 64 steps",
    "bomb.mid": "needs a roll of at least 400,000 steps x 128 pitches = 51,200,000 cells, 0.05 "
    "GiB (its last note ends at tick 100,000 at 1 tick per beat, read at steps_per_beat=4), "
    "more than the limit max_cells=4,000,000",
    "loop_a.mid": "is not a readable MIDI file (OSError: [Errno 40] Too many levels of symbolic",
    "missing.mid": "is not a readable MIDI file (FileNotFoundError: [Errno 2] No such file",
}


@pytest.fixture(scope="module")
def quarantined(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the corpus (hard links) with the bad files in ``bad/``."""
    folder = tmp_path_factory.mktemp("quarantine") / "songs"
    shutil.copytree(corpus, folder, copy_function=os.link)
    _add_bad_files(folder)
    return folder


@pytest.fixture(scope="module")
def quarantine_runs(quarantined: Path) -> dict[str, CorpusResult]:
    """The corpus with the bad files, given as a folder and as a list of paths (which names
    the symbolic links and a missing file too)."""
    folder = quarantined
    listed = [*corpus_files(folder), str(folder / "bad" / "loop_a.mid"),
              str(folder / "bad" / "loop_b.mid"), str(folder / "bad" / "missing.mid")]  # fmt: skip
    options = {"tracks": "lpd5", "shard_size": 5, "max_cells": MAX_CELLS}
    return {
        "folder": profile_corpus(folder, **options),
        "list": profile_corpus(listed, **options),
    }


def _case(name: str, form: str) -> object:
    return pytest.param(name, form)


@pytest.mark.parametrize(
    ("name", "form"),
    [_case(n, f) for n in BAD for f in ("folder", "list") if n != "missing.mid"]
    + [pytest.param("missing.mid", "list")],
)
def test_each_bad_file_is_quarantined_with_its_cause(
    name: str, form: str, quarantine_runs: dict[str, CorpusResult], quarantined: Path
) -> None:
    path = str(quarantined / "bad" / name)
    reasons = dict(quarantine_runs[form].quarantine)
    assert path in reasons, f"{name} was not quarantined"
    assert reasons[path].startswith(f"{path!r} ") and BAD[name] in reasons[path]


def test_the_run_goes_on_past_the_bad_files_and_saves_the_quarantine(
    quarantine_runs: dict[str, CorpusResult], lpd5_run: CorpusResult, tmp_path: Path
) -> None:
    for result in quarantine_runs.values():
        _assert_same_statistics(result.profile, lpd5_run.profile)  # the good files' profile
        assert result.n_segments == lpd5_run.n_segments
    result = quarantine_runs["list"]
    assert result.n_files == 62 + 10  # 7 bad files, 2 symbolic links and a missing file
    assert [path for path, _ in result.quarantine] == sorted(path for path, _ in result.quarantine)
    assert result.save(tmp_path / "p.json") == (tmp_path / "p.json", tmp_path / "p.quarantine.json")
    assert musiceval.DatasetProfile.load(tmp_path / "p.json") == result.profile
    listing = json.loads((tmp_path / "p.quarantine.json").read_text(encoding="utf-8"))
    assert listing["schema"] == "musiceval.corpus-quarantine" and listing["version"] == 1
    assert (listing["n_files"], listing["n_segments"]) == (72, result.n_segments)
    assert listing["quarantine"] == [{"path": p, "reason": r} for p, r in result.quarantine]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "p.quarantine.json"]


def test_a_corpus_of_bad_files_only_is_an_error_and_writes_nothing(
    quarantined: Path, tmp_path: Path
) -> None:
    bad = sorted(str(p) for p in (quarantined / "bad").iterdir())
    with pytest.raises(ValueError) as raised:
        profile_corpus(bad, max_cells=MAX_CELLS)
    message = str(raised.value)
    assert message.startswith(
        "every one of the 9 files was quarantined, so there is no profile (first reasons: "
        f"'{bad[0]}' needs a roll of at least 400,000 steps x 128 pitches"
    )
    assert bad[0].endswith("bomb.mid")
    assert type(raised.value) is ValueError and list(tmp_path.iterdir()) == []


@pytest.fixture
def locked_tree() -> Iterator[Path]:
    """A world-readable copy of the package and of a MIDI file nobody may read (mode 000), for
    a process without root's rights to read."""
    with package_copy("musiceval-corpus-") as root:
        (root / "songs").mkdir()
        io.write_midi(root / "songs" / "locked.mid", np.ones((1, 64, 128, 1), dtype=bool))
        open_to_all(root)
        (root / "songs" / "locked.mid").chmod(0)
        yield root


READ_LOCKED = """
import sys
from musiceval.corpus import profile_corpus
try:
    profile_corpus([sys.argv[1] + "/locked.mid", sys.argv[1] + "/missing.mid"])
except ValueError as error:
    print(error)
"""


def test_an_unreadable_file_is_quarantined_with_its_reason(locked_tree: Path) -> None:
    songs = locked_tree / "songs"
    done = subprocess.run(
        [*without_root_rights(), sys.executable, "-W", "ignore", "-c", READ_LOCKED, str(songs)],
        capture_output=True, text=True, env=environment(locked_tree), timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    locked, missing = songs / "locked.mid", songs / "missing.mid"
    # the run went on past the unreadable file to the next one, and stopped with both reasons
    assert done.stdout.splitlines()[-1] == (
        "every one of the 2 files was quarantined, so there is no profile (first reasons: "
        f"'{locked}' is not a readable MIDI file (PermissionError: [Errno 13] Permission "
        f"denied: '{locked}'); '{missing}' is not a readable MIDI file (FileNotFoundError: "
        f"[Errno 2] No such file or directory: '{missing}'))"
    )


# ---------------------------------------------------------------------- resume


KILLED_RUN = """
import sys
from musiceval.corpus import profile_corpus
profile_corpus(sys.argv[1], tracks="lpd5", shard_size=4, checkpoint_dir=sys.argv[2])
"""


def _wait_for(condition, process: subprocess.Popen, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_killed_run_resumes_to_the_same_profile(corpus: Path, tmp_path: Path) -> None:
    songs, partial = tmp_path / "songs", tmp_path / "partial"
    shutil.copytree(corpus, songs, copy_function=os.link)
    # A named pipe holds the run in shard 3: opening it for reading waits for a writer that
    # never comes, so the run is killed with shards 0-2 written and the others not.
    pipe = songs / "bach" / "g1" / "pipe.mid"  # after the 14 files of g0: file 14, shard 3
    os.mkfifo(pipe)
    listing = tmp_path / "files.txt"
    listing.write_text("\n".join([*corpus_files(songs), str(pipe)]) + "\n", encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(listing), str(partial)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    first = [partial / f"shard-{index:07d}.json" for index in range(3)]
    _wait_for(lambda: all(path.exists() for path in first), process)
    running = process.poll() is None
    process.send_signal(signal.SIGKILL)
    stderr = process.communicate()[1]
    assert running, stderr
    assert sorted(p.name for p in partial.iterdir()) == ["manifest.json"] + [p.name for p in first]
    kept = {path: path.stat().st_ino for path in first}
    pipe.unlink()
    shutil.copyfile(songs / "bach" / "g0" / "s0" / "c00.mid", pipe)
    resumed = profile_corpus(listing, tracks="lpd5", shard_size=4, checkpoint_dir=partial)
    whole = profile_corpus(listing, tracks="lpd5", shard_size=4)
    assert resumed.profile == whole.profile and resumed.quarantine == whole.quarantine
    assert (resumed.n_files, resumed.n_segments) == (63, whole.n_segments)
    assert {path: path.stat().st_ino for path in first} == kept  # not profiled again
    assert len(list(partial.glob("shard-*.json"))) == 16


@pytest.fixture
def finished(corpus: Path, tmp_path: Path) -> tuple[Path, CorpusResult]:
    """A checkpoint directory of a whole run, and its result."""
    directory = tmp_path / "partial"
    return directory, profile_corpus(corpus, tracks="lpd5", shard_size=4, checkpoint_dir=directory)


def _contents(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_a_checkpoint_directory_of_another_run_is_refused_and_kept(
    corpus: Path, finished: tuple[Path, CorpusResult]
) -> None:
    directory, _ = finished
    before = _contents(directory)
    assert len(before) == 1 + 16
    files = corpus_files(corpus)
    for sources, options, differing in [
        (files[:-1], {}, "files_sha256 and n_files"),
        (corpus, {"n_bars": 2}, "options"),
        (corpus, {"tracks": "merged"}, "options"),
        (corpus, {"shard_size": 8}, "shard_size"),
    ]:
        given = {"tracks": "lpd5", "shard_size": 4} | options
        with pytest.raises(musiceval.InvalidParameterError) as raised:
            profile_corpus(sources, checkpoint_dir=directory, **given)
        assert str(raised.value) == (
            f"checkpoint directory {str(directory)!r} holds a run with other {differing}; "
            f"resume with the same files and options, or choose another directory"
        )
        assert _contents(directory) == before
    (directory / "manifest.json").unlink()  # a folder of something else
    with pytest.raises(musiceval.InvalidParameterError, match="is not empty and holds no corpus"):
        profile_corpus(corpus, tracks="lpd5", shard_size=4, checkpoint_dir=directory)
    assert len(_contents(directory)) == 16


def test_a_damaged_shard_is_profiled_again_with_a_warning(
    corpus: Path, finished: tuple[Path, CorpusResult]
) -> None:
    directory, whole = finished
    truncated, foreign = directory / "shard-0000002.json", directory / "shard-0000005.json"
    truncated.write_bytes(truncated.read_bytes()[:100])
    foreign.write_text('{"schema": "something else"}', encoding="utf-8")
    untouched = (directory / "shard-0000003.json").stat().st_ino
    with pytest.warns(UserWarning, match="cannot be read") as caught:
        result = profile_corpus(corpus, tracks="lpd5", shard_size=4, checkpoint_dir=directory)
    messages = sorted(str(w.message) for w in caught if "cannot be read" in str(w.message))
    assert len(messages) == 2
    for message, path in zip(messages, (truncated, foreign), strict=True):
        assert message.startswith(f"{path} cannot be read (")
        assert message.endswith("); its shard is profiled again")
    assert result.profile == whole.profile and result.quarantine == whole.quarantine
    assert (directory / "shard-0000003.json").stat().st_ino == untouched
    assert json.loads(truncated.read_text())["schema"] == "musiceval.corpus-shard"  # rewritten


# ---------------------------------------------------------------------- Dask


def test_dask_workers_give_the_same_profile_as_one_process(
    corpus: Path, lpd5_run: CorpusResult
) -> None:
    pytest.importorskip("distributed")
    environment = dict(os.environ)
    result = profile_corpus(corpus, tracks="lpd5", shard_size=4, workers=2)
    assert result.profile == lpd5_run.profile and result.quarantine == lpd5_run.quarantine
    assert result.n_segments == lpd5_run.n_segments
    # the workers' one-thread settings stay theirs (Dask's nanny also writes them here, where
    # NUMBA_NUM_THREADS=1 broke numba's next compilation in this process)
    assert dict(os.environ) == environment


def test_dask_workers_resume_the_shards_of_a_local_run(
    corpus: Path, finished: tuple[Path, CorpusResult]
) -> None:
    pytest.importorskip("distributed")
    directory, whole = finished
    for index in (0, 5, 6, 15):
        (directory / f"shard-{index:07d}.json").unlink()
    result = profile_corpus(
        corpus, tracks="lpd5", shard_size=4, workers=2, checkpoint_dir=directory
    )
    assert result.profile == whole.profile and result.quarantine == whole.quarantine
    assert len(list(directory.glob("shard-*.json"))) == 16


def test_a_scheduler_that_does_not_answer_is_an_error_in_time(corpus: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    start = time.monotonic()
    with pytest.raises(ValueError) as raised:
        profile_corpus(corpus, scheduler="tcp://127.0.0.1:1", checkpoint_dir=tmp_path / "partial")
    assert time.monotonic() - start < 15
    message = str(raised.value)
    assert message.startswith("no Dask scheduler answered at 'tcp://127.0.0.1:1' within 10 s (")
    assert message.endswith("); nothing was written")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------- memory and options


PEAKS = """
import sys, tracemalloc
from musiceval.corpus import profile_corpus
options = dict(tracks="lpd5", shard_size=8, chunk_size=64)
profile_corpus(sys.argv[1], **options)  # imports and compiled kernels are not the corpus's
# pathlib interns every path part; the interpreter's table of interned strings grows by
# doubling, one allocation of about 2 MiB whenever it fills, whatever fills it (measured: at
# the second 120-file run, or the first, depending on how many modules were imported): grown
# here, before measuring, so that it cannot land in one of the runs compared
warm = [sys.intern(f"musiceval-warm-{i}") for i in range(200_000)]
for folder in sys.argv[1:]:
    tracemalloc.start()
    profile_corpus(folder, **options)
    print(tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()
"""


def test_memory_does_not_grow_with_the_corpus(corpus: Path, tmp_path: Path) -> None:
    chorales = sorted((corpus / "bach").rglob("*.mid"))
    for n in (30, 120):
        (tmp_path / str(n)).mkdir()
        for index in range(n):
            os.link(chorales[index % len(chorales)], tmp_path / str(n) / f"{index:03d}.mid")
    done = subprocess.run(
        [sys.executable, "-c", PEAKS, str(tmp_path / "30"), str(tmp_path / "120")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    small, large = map(int, done.stdout.split()[-2:])
    # 4 shards against 15: what may grow is the merge tree's few pending profiles
    assert large <= 1.25 * small, (
        f"{small / 2**20:.1f} MiB for 30 files, {large / 2**20:.1f} for 120"
    )


@pytest.mark.parametrize(
    ("sources", "options", "error", "message"),
    [
        ("corpus", {"shard_size": 0}, musiceval.InvalidParameterError,
         "shard_size must be an int >= 1; got 0 (int)"),
        ("corpus", {"workers": 0}, musiceval.InvalidParameterError,
         "workers must be an int >= 1; got 0 (int)"),
        ("corpus", {"scheduler": 5}, musiceval.InvalidParameterError,
         "scheduler must be a Dask scheduler address (str); got 5 (int)"),
        ("corpus", {"tracks": "nope"}, musiceval.InvalidParameterError,
         "tracks must be a preset name (one of ['lpd5', 'merged']), a TrackMap or a mapping of "
         "name to rule; got 'nope'"),
        ([], {}, musiceval.InvalidParameterError,
         "sources must be a folder, a glob pattern, a .txt list of paths or a list of paths; "
         "got []"),
        (42, {}, musiceval.InvalidParameterError,
         "sources must be a folder, a glob pattern, a .txt list of paths or a list of paths; "
         "got 42 (int)"),
        ("empty", {}, ValueError, "folder '{tmp}/empty' holds no .mid/.midi file"),
        ("{tmp}/empty/*.mid", {}, ValueError, "no MIDI file found in '{tmp}/empty/*.mid'"),
    ],
)  # fmt: skip
def test_bad_options_are_named_before_anything_is_written(
    sources: object, options: dict, error: type, message: str, corpus: Path, tmp_path: Path
) -> None:
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    (tmp_path / "empty" / "notes.txt").write_text("not MIDI", encoding="utf-8")
    if sources == "corpus":
        sources = corpus
    elif isinstance(sources, str):
        sources = sources.format(tmp=tmp_path) if "{" in sources else tmp_path / sources
    with pytest.raises(error) as raised:
        profile_corpus(sources, checkpoint_dir=tmp_path / "partial", **options)
    assert str(raised.value) == message.format(tmp=tmp_path)
    assert not (tmp_path / "partial").exists()


def _many_tracks(path: Path, n_tracks: int, ticks_per_beat: int, note_ticks: int) -> Path:
    """A format-1 file of ``n_tracks`` tracks, each one note of ``note_ticks`` ticks."""
    mido = pytest.importorskip("mido")
    song = mido.MidiFile(type=1, ticks_per_beat=ticks_per_beat)
    for index in range(n_tracks):
        track = mido.MidiTrack()
        pitch = 36 + index % 48
        track.append(mido.Message("program_change", program=index % 128, channel=index % 16))
        track.append(mido.Message("note_on", note=pitch, velocity=90, channel=index % 16))
        track.append(mido.Message("note_off", note=pitch, channel=index % 16, time=note_ticks))
        song.tracks.append(track)
    song.save(path)
    return path


def test_thousands_of_tracks_and_absurd_resolutions_are_read_or_quarantined(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "odd"
    folder.mkdir()
    # 2,000 one-note tracks of 64 steps: 2,000 instruments, merged by the map into one track
    _many_tracks(folder / "a_tracks.mid", 2000, 480, 480 * 16)
    # 1 tick per beat: a 64-beat note is 256 steps
    _many_tracks(folder / "b_coarse.mid", 1, 1, 64)
    # 32,767 ticks per beat (the largest division): a 16-beat note is 64 steps
    _many_tracks(folder / "c_fine.mid", 1, 32767, 32767 * 16)
    # 1 tick per beat, a note of 10**7 beats: refused by max_cells, quarantined
    _many_tracks(folder / "d_bomb.mid", 1, 1, 10**7)
    result = profile_corpus(folder, ["n_notes"], tracks="merged")
    assert [(Path(p).name, "max_cells" in why) for p, why in result.quarantine] == [
        ("d_bomb.mid", True)
    ]
    assert result.n_segments == 1 + 4 + 1
    # the 2,000 notes of 48 pitches overlap in one merged track: 48 notes sound at once
    assert result.profile.max("n_notes").tolist() == [48.0]
