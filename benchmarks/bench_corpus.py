"""MIDI corpus ingest: reading and rolling real MIDI files, today's path against the others.

A script, not a test. The corpus comes from ``benchmarks/midi_corpus.py`` (``--n-unique``
distinct files written by music21 from its bundled corpus, hard-linked to ``--n-files`` paths
in ``--dir``). Each reader makes a bool roll ``(n_steps, 128, n_tracks)`` of 4 steps per beat,
note boundaries rounded to the nearest step (``floor(ticks * 4 / tpq + 0.5)``, at least one
step per note), one track per instrument (pretty_midi's for the baseline):

* today's path (the baseline), musiceval 0.1.0's ``read_midi`` (``src/musiceval/io.py`` at
  7d5f27f, copied here): ``pretty_midi.PrettyMIDI(path)``, ``midi.time_to_tick`` of each
  note's start and end, round, fill the roll note by note;
* musiceval's own reader (1d032a9 on): ``musiceval.io.read_midi(path)`` then ``cut_segments``'s
  reshape into 4-bar segments, and ``musiceval._midi_read.parse_midi(path)`` alone (no roll);
* ``miditoolkit.MidiFile``; ``muspy.read_midi`` with ``adjust_resolution(4)`` and
  ``to_pianoroll_representation`` (MusPy's gridding, tracks merged); ``symusic.Score`` with the
  same rounding, the roll filled in one vectorised step;
* ``musiceval.corpus.profile_corpus(files, tracks="merged", workers=W)`` (ingest and profile of
  the 14 default metrics; every file one track, so none is refused for its track count) for
  W = 1 and 2 at ``--small`` and ``--large`` files, and with ``metrics=["n_notes"]``
  (ingest-dominated) at ``--large``, 1 worker, each process with one numba thread (as a Dask
  worker has); and at ``--large``, 1 worker with numba's default threads (one per core, what
  ``workers=1`` gets unless ``NUMBA_NUM_THREADS`` is set; its rates per core divide by the
  core count). Each call runs in a fresh process that reports its peak resident set and, with
  W = 2, the largest Dask worker's (``VmHWM``, polled every 50 ms), timed whole (cluster start,
  numba's cached kernels and the cluster's stop included); a bare cluster is timed apart.

The slow readers run on ``--sample`` files: the first files today's path reads (pretty_midi
refuses a file whose last tick passes 10**7 as "likely corrupt": at music21's 10080 ticks per
quarter, pieces longer than about 990 quarter notes). musiceval's reader and symusic also run
on every file. Each reader reads one file untimed first (imports, numba's kernels). Notes per
file are the manifest's (symusic's count); corpus rows count the profiled files, not the
quarantined ones. Times are medians over ``--repeat`` rounds; ratios compare notes/s per core
with the baseline. On the sample, musiceval's and symusic's rolls are compared cell for cell
with the baseline's; files today's path refuses are listed with what musiceval makes of them.
Copies are hard links, read from the page cache: this measures CPU, not disk.

Run from the repository root::

    python benchmarks/bench_corpus.py                  # 150 distinct files, 2000 and 20000
    python benchmarks/bench_corpus.py --n-unique 40 --n-files 2000 --small 500 --large 2000 \\
        --sample 100 --repeat 1                        # a quick check
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from midi_corpus import DEFAULT_DIR, build_corpus, describe, note_counts

STEPS_PER_BEAT = 4
SEGMENT_STEPS = 64  # 4 bars of 16 steps, profile_corpus's default
LAKH_FILES = 176_581
LAKH_MEDIAN_NOTES = 938
SCRIPT = Path(__file__).resolve()
GOAL_SPEEDUP = 50.0
GOAL_SCALING = 1.8
GOAL_RSS = 0.10


# --- gridding, shared by every reader but MusPy ------------------------------------------
def ticks_to_steps(notes: np.ndarray, tpq: int) -> np.ndarray:
    """``(pitch, start, end)`` ticks to steps, as ``_ticks_to_steps`` at commit 61eb080."""
    scaled = notes[:, 1:] * STEPS_PER_BEAT / tpq
    start = np.floor(scaled[:, 0] + 0.5).astype(np.int64)
    end = np.maximum(np.floor(scaled[:, 1] + 0.5).astype(np.int64), start + 1)
    return np.stack([notes[:, 0], start, end], axis=1)


def fill_loop(tracks: list[np.ndarray], tpq: int) -> np.ndarray:
    """Today's roll: round each track's ticks, then set each note's steps in a Python loop."""
    steps = [ticks_to_steps(track, tpq) for track in tracks]
    n_steps = max((int(track[:, 2].max()) for track in steps if len(track)), default=0)
    roll = np.zeros((n_steps, 128, len(steps)), dtype=bool)
    for index, track in enumerate(steps):
        for pitch, start, end in track:
            roll[start:end, pitch, index] = True
    return roll


def fill_vectorised(tracks: list[np.ndarray], tpq: int) -> np.ndarray:
    """The same roll as :func:`fill_loop`, every note's steps set in one indexing."""
    notes = ticks_to_steps(np.concatenate(tracks), tpq)
    track = np.repeat(np.arange(len(tracks)), [len(t) for t in tracks])
    pitch, start, end = notes.T
    n_steps = int(end.max()) if len(end) else 0
    roll = np.zeros((n_steps, 128, len(tracks)), dtype=bool)
    lengths = end - start
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    roll[
        np.repeat(start, lengths) + offsets, np.repeat(pitch, lengths), np.repeat(track, lengths)
    ] = True
    return roll


# --- the readers ----------------------------------------------------------------------
def read_today(path: Path) -> np.ndarray:
    """The baseline: pretty_midi, ``time_to_tick``, round, fill note by note."""
    import pretty_midi

    return _roll_from_pretty(pretty_midi.PrettyMIDI(str(path)))


def _roll_from_pretty(midi: Any) -> np.ndarray:
    tracks = [
        np.array(
            [(n.pitch, midi.time_to_tick(n.start), midi.time_to_tick(n.end)) for n in inst.notes],
            dtype=np.int64,
        ).reshape(-1, 3)
        for inst in midi.instruments
    ]
    if not tracks:
        raise ValueError("holds no instrument")
    return fill_loop(tracks, midi.resolution)


def read_musiceval(path: Path) -> np.ndarray:
    """musiceval's reader, then ``cut_segments``'s reshape (a short file gives no segment)."""
    from musiceval.io import read_midi

    roll = read_midi(path)
    n_segments = roll.shape[0] // SEGMENT_STEPS
    return roll[: n_segments * SEGMENT_STEPS].reshape(n_segments, SEGMENT_STEPS, *roll.shape[1:])


def parse_musiceval(path: Path) -> Any:
    """musiceval's numba parser alone: ticks per quarter and each instrument's notes."""
    from musiceval._midi_read import parse_midi

    return parse_midi(Path(path))


def read_symusic(path: Path) -> np.ndarray:
    import symusic

    score = symusic.Score(str(path))
    tracks = []
    for track in score.tracks:
        notes = track.notes.numpy()
        if len(notes["time"]):
            start = notes["time"].astype(np.int64)
            end = start + notes["duration"]
            tracks.append(np.stack([notes["pitch"].astype(np.int64), start, end], axis=1))
    if not tracks:
        raise ValueError("holds no note")
    return fill_vectorised(tracks, score.ticks_per_quarter)


def read_symusic_only(path: Path) -> Any:
    import symusic

    return symusic.Score(str(path))


def read_miditoolkit(path: Path) -> np.ndarray:
    import miditoolkit

    midi = miditoolkit.MidiFile(str(path))
    tracks = [
        np.array([(n.pitch, n.start, n.end) for n in inst.notes], dtype=np.int64)
        for inst in midi.instruments
        if inst.notes
    ]
    if not tracks:
        raise ValueError("holds no note")
    return fill_vectorised(tracks, midi.ticks_per_beat)


def read_muspy(path: Path) -> np.ndarray:
    import muspy

    music = muspy.read_midi(path)
    music.adjust_resolution(STEPS_PER_BEAT)
    return muspy.to_pianoroll_representation(music, encode_velocity=False)


READERS: list[tuple[str, Callable[[Path], Any], str]] = [  # label, reader, which files
    ("today: pretty_midi + gridding (baseline)", read_today, "sample"),
    ("musiceval read_midi + cut_segments", read_musiceval, "sample"),
    ("musiceval read_midi + cut_segments", read_musiceval, "all"),
    ("musiceval parse_midi alone (no roll)", parse_musiceval, "all"),
    ("miditoolkit + gridding", read_miditoolkit, "sample"),
    ("MusPy read_midi + to_pianoroll", read_muspy, "sample"),
    ("symusic + gridding", read_symusic, "sample"),
    ("symusic + gridding", read_symusic, "all"),
    ("symusic Score alone (no roll)", read_symusic_only, "all"),
]
INGEST = 2  # the READERS row of musiceval's reader on every file


@dataclass
class Timed:
    """One row: files attempted, median seconds, notes of the files read, failures."""

    label: str
    files: int
    seconds: float
    notes: int
    failed: dict[str, int] = field(default_factory=dict)
    workers: int = 1
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def notes_per_core(self) -> float:
        return self.notes / self.seconds / self.workers


def time_reader(label: str, read: Callable[[Path], Any], files: list[Path], counts: dict[str, int],
                repeat: int) -> Timed:  # fmt: skip
    """Median time of reading every file, over ``repeat`` rounds; failures by error type. The
    first file is read once before, untimed (imports, numba's cached kernels)."""
    with contextlib.suppress(Exception):  # a failure is counted when it is timed
        read(files[0])
    times = []
    for _ in range(repeat):
        failed: dict[str, int] = {}
        notes = 0
        start = time.perf_counter()
        for path in files:
            try:
                read(path)
                notes += counts[path.name]
            except Exception as error:  # a reader's failure is counted
                failed[type(error).__name__] = failed.get(type(error).__name__, 0) + 1
        times.append(time.perf_counter() - start)
    return Timed(label, len(files), statistics.median(times), notes, failed)


@dataclass
class Verdict:
    """A distinct file against today's roll: today's refusal (``""``: none), and per reader
    ``same``, ``differs: ...`` or, when today refuses it, what the reader makes of it."""

    refused: str
    musiceval: str
    symusic: str


def compare(path: Path) -> Verdict:
    """musiceval's and symusic's rolls against the baseline's, cell for cell."""
    from musiceval.io import read_midi

    try:
        today = read_today(path)
    except Exception as error:  # the baseline refuses some files
        return Verdict(f"{type(error).__name__}: {error}"[:110], _reads(read_midi, path), "")
    return Verdict(
        "", _differs(today, read_midi(path), path), _differs(today, read_symusic(path), path)
    )


def _reads(read: Callable[[Path], np.ndarray], path: Path) -> str:
    """What a reader makes of a file the baseline refuses: its roll's shape, or its error."""
    try:
        roll = read(path)
    except Exception as error:  # a reader may refuse it too
        return f"refuses it too: {type(error).__name__}: {error}"[:110]
    return f"reads it: roll {roll.shape}, {int(np.count_nonzero(roll)):,} active cells"


def _differs(today: np.ndarray, new: np.ndarray, path: Path) -> str:
    if today.shape == new.shape and np.array_equal(today, new):
        return "same"
    if today.shape != new.shape:
        what = f"shape {today.shape} vs {new.shape}"
    else:
        what = f"{int(np.count_nonzero(today != new))} cells"
    return f"differs: {what}; {same_pitch_overlaps(path)} overlapping same-pitch notes"


def same_pitch_overlaps(path: Path) -> int:
    """Notes that start before the previous note of their track and pitch ends (symusic)."""
    import symusic

    count = 0
    for track in symusic.Score(str(path)).tracks:
        notes = track.notes.numpy()
        order = np.lexsort((notes["time"], notes["pitch"]))
        pitch, start = notes["pitch"][order], notes["time"][order]
        end = start + notes["duration"][order]
        count += int(np.count_nonzero((pitch[1:] == pitch[:-1]) & (start[1:] < end[:-1])))
    return count


def choose_sample(files: list[Path], size: int) -> tuple[list[Path], dict[str, Verdict]]:
    """The first ``size`` files today's path reads, and each distinct file's verdict."""
    verdicts: dict[str, Verdict] = {}
    sample: list[Path] = []
    for path in files:
        if len(sample) == size:
            break
        if path.name not in verdicts:
            verdicts[path.name] = compare(path)
        if not verdicts[path.name].refused:
            sample.append(path)
    return sample, verdicts


# --- musiceval.corpus, each call in a fresh process ------------------------------------------
def peak_kib(pid: int | str) -> int:
    """A process's own peak resident set (``VmHWM``, KiB; 0 once gone). Not ``ru_maxrss``: on
    Linux a process started by fork and exec keeps its parent's peak there."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))


def watch_children(peaks: dict[int, int], stop: threading.Event) -> None:
    """Until ``stop`` is set: every 50 ms, each child process's peak resident set, by pid."""
    import psutil

    while not stop.wait(0.05):
        for child in psutil.Process().children(recursive=True):
            peaks[child.pid] = max(peaks.get(child.pid, 0), peak_kib(child.pid))


def child_main(list_path: str, workers: int, metrics: str) -> None:
    """In the subprocess: one ``profile_corpus`` call; prints a JSON line with its costs."""
    from musiceval.corpus import profile_corpus

    files = [Path(line) for line in Path(list_path).read_text().splitlines()]
    peaks: dict[int, int] = {}
    stop = threading.Event()
    if workers > 1:  # the Dask workers are this process's children
        threading.Thread(target=watch_children, args=(peaks, stop), daemon=True).start()
    start = time.perf_counter()
    result = profile_corpus(files, None if metrics == "all" else [metrics], tracks="merged",
                            workers=workers)  # fmt: skip
    seconds = time.perf_counter() - start
    stop.set()
    reasons = sorted({reason.split("' ", 1)[-1][:80] for _, reason in result.quarantine})[:3]
    print(json.dumps({"seconds": seconds, "self_kib": peak_kib("self"),
                      "children_kib": max(peaks.values(), default=0), "reasons": reasons,
                      "quarantined": [Path(path).name for path, _ in result.quarantine],
                      "segments": result.n_segments}))  # fmt: skip


def cluster_main(workers: int) -> None:
    """In the subprocess: start and stop a bare LocalCluster as profile_corpus does."""
    import distributed

    start = time.perf_counter()
    env = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    options = {"threads_per_worker": 1, "processes": True, "dashboard_address": None, "env": env}
    with distributed.LocalCluster(n_workers=workers, **options) as cluster:
        with distributed.Client(cluster):
            started = time.perf_counter() - start
    print(json.dumps({"start": started, "start_stop": time.perf_counter() - start,
                      "workers": workers}))  # fmt: skip


def _child(arguments: list[str], threads: int = 1) -> dict[str, Any]:
    """This script's last JSON line, run with ``arguments`` and ``threads`` numba threads."""
    command = [sys.executable, str(SCRIPT), *arguments]
    env = os.environ | {"NUMBA_NUM_THREADS": str(threads)}
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    try:
        return json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return {"error": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"}


def run_corpus(files: list[Path], workers: int, metrics: str, counts: dict[str, int],
               repeat: int, threads: int = 1) -> Timed:  # fmt: skip
    """``profile_corpus`` on ``files`` in ``repeat`` fresh processes: median time, max RSS.
    ``threads``: numba threads of the calling process (a Dask worker always has 1)."""
    what = "14 metrics" if metrics == "all" else metrics
    label = f"profile_corpus, {what}, {workers} worker{'s' if workers > 1 else ''}"
    label += f", {threads} threads" if threads > 1 else ""
    runs = []
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder, "files.txt")
        listing.write_text("\n".join(map(str, files)))
        for _ in range(repeat):
            runs.append(_child(["--child", str(listing), "--workers", str(workers),
                                "--metrics", metrics], threads))  # fmt: skip
            if "error" in runs[-1]:
                return Timed(label, len(files), float("nan"), 0, workers=workers,
                             extra={"error": runs[-1]["error"]})  # fmt: skip
    workers = max(workers, threads)  # the cores it may use, for the rates per core
    quarantined = runs[-1]["quarantined"]
    notes = sum(counts[path.name] for path in files) - sum(counts[name] for name in quarantined)
    extra = {key: max(run[key] for run in runs) for key in ("self_kib", "children_kib")}
    extra |= {key: runs[-1][key] for key in ("segments", "reasons")}
    extra["quarantined"] = len(quarantined)
    seconds = statistics.median(run["seconds"] for run in runs)
    timed = Timed(label, len(files), seconds, notes, workers=workers, extra=extra)
    timed.failed = {"quarantined": len(quarantined)} if quarantined else {}
    return timed


# --- printing -----------------------------------------------------------------------------
def _files_per_core(row: Timed) -> float:
    return (row.files - sum(row.failed.values())) / row.seconds / row.workers


def print_readers(rows: list[Timed], baseline: Timed) -> None:
    header = f"{'reader (1 core)':<40} {'on':>6} {'files':>6} {'failed':>6} {'files/s':>9} "
    header += f"{'notes/s':>11} {'x today':>8}"
    print(header)
    print("-" * len(header))
    for row in rows:
        failed = sum(row.failed.values())
        why = ", ".join(f"{kind} {count}" for kind, count in row.failed.items())
        ratio = row.notes_per_core / baseline.notes_per_core
        print(f"{row.label:<40} {row.extra['on']:>6} {row.files:6d} {failed:6d} "
              f"{_files_per_core(row):9.1f} "
              f"{row.notes_per_core:11,.0f} {ratio:8.1f}{f'  ({why})' if why else ''}")  # fmt: skip


def print_corpus(rows: list[Timed], baseline: Timed, cluster: dict[str, Any]) -> None:
    """The corpus rows, their quarantine's reasons and what a bare cluster costs."""
    header = f"{'profile_corpus, tracks=merged (fresh process)':<48} {'files':>6} {'seconds':>8} "
    header += f"{'files/s':>8} {'notes/s/core':>12} {'x today':>8} {'main MiB':>9} "
    header += f"{'child MiB':>9} {'quarant.':>8} {'segments':>9}"
    print(header)
    print("-" * len(header))
    for row in rows:
        if "error" in row.extra:
            print(f"{row.label:<48} {row.files:6d}  failed: {row.extra['error'][:150]}")
            continue
        ratio = row.notes_per_core / baseline.notes_per_core
        main_mib, child_mib = row.extra["self_kib"] / 1024, row.extra["children_kib"] / 1024
        print(f"{row.label:<48} {row.files:6d} {row.seconds:8.2f} "
              f"{_files_per_core(row) * row.workers:8.1f} {row.notes_per_core:12,.0f} "
              f"{ratio:8.1f} {main_mib:9.0f} {child_mib:9.0f} {row.extra['quarantined']:8d} "
              f"{row.extra['segments']:9d}")  # fmt: skip
    for row in rows:
        if row.extra.get("reasons"):
            print(f"  quarantined ({row.label}, {row.files}): {'; '.join(row.extra['reasons'])}")
    if "error" not in cluster:
        print(f"  a bare LocalCluster of {cluster['workers']} workers (fresh process): "
              f"{cluster['start']:.2f} s to start, {cluster['start_stop']:.2f} s to start and "
              "stop (in the 2-worker times above)")  # fmt: skip


def _goal(label: str, value: str, target: str, ok: bool) -> None:
    print(f"{label:<64} {value:>8} {target:>8}  {'met' if ok else 'NOT met'}")


def print_goals(baseline: Timed, ingest: Timed, small: dict[int, Timed],
                large: dict[int, Timed], notes_only: Timed) -> None:  # fmt: skip
    """The issue's three goals next to the measured values."""
    print(f"{'goal':<64} {'measured':>8} {'target':>8}  status")
    for row in (ingest, notes_only, large.get(1)):
        if row is not None and "error" not in row.extra:
            speed = row.notes_per_core / baseline.notes_per_core
            label = f"{row.label}, {row.files} files: x today/core"
            _goal(label, f"{speed:.1f}x", ">= 50x", speed >= GOAL_SPEEDUP)
    for rows in (small, large):
        if 1 in rows and 2 in rows:
            scaling = rows[1].seconds / rows[2].seconds
            label = f"profile_corpus 1 -> 2 workers, {rows[1].files} files: speed-up"
            _goal(label, f"{scaling:.2f}x", ">= 1.8x", scaling >= GOAL_SCALING)
    for w in sorted(set(small) & set(large)):
        if "error" in small[w].extra or "error" in large[w].extra:
            continue
        for key, what in (("self_kib", "main process"), ("children_kib", "largest worker")):
            if key == "self_kib" or w > 1:
                change = large[w].extra[key] / small[w].extra[key] - 1
                label = f"peak RSS, {what}, {w} w, {large[w].files} vs {small[w].files} files"
                _goal(label, f"{change:+.1%}", "+-10 %", abs(change) <= GOAL_RSS)


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"


def print_lakh(rows: list[Timed], median_notes: float) -> None:
    scale = LAKH_MEDIAN_NOTES / median_notes
    print(f"Lakh MIDI ({LAKH_FILES:,} files), EXTRAPOLATED, not measured: the time on 1 / 16 / "
          f"128 cores at the measured rate per core (perfect scaling assumed), (a) by files/s, "
          f"one Lakh file counting as {scale:.2f} of these (median {LAKH_MEDIAN_NOTES} notes "
          f"to {median_notes:.0f}), (b) by notes/s, {LAKH_MEDIAN_NOTES} notes a file")  # fmt: skip
    for row in rows:
        if "error" not in row.extra:
            by_files = LAKH_FILES * scale / _files_per_core(row)
            by_notes = LAKH_FILES * LAKH_MEDIAN_NOTES / row.notes_per_core
            a, b = (
                " / ".join(_duration(t / n) for n in (1, 16, 128)) for t in (by_files, by_notes)
            )
            print(f"  {row.label:<48} (a) {a:<26} (b) {b}")
    print("  Lakh's mean file holds more notes than its median one: both are likely low.")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"corpus ({DEFAULT_DIR})")
    parser.add_argument("--n-unique", type=int, default=150, help="distinct files (150)")
    parser.add_argument("--n-files", type=int, default=20000, help="corpus paths (20000)")
    parser.add_argument("--small", type=int, default=2000, help="files, small corpus run (2000)")
    parser.add_argument("--large", type=int, default=20000, help="files, large run (20000)")
    parser.add_argument("--sample", type=int, default=300, help="files for slow readers (300)")
    parser.add_argument("--repeat", type=int, default=3, help="median of REPEAT rounds (3)")
    parser.add_argument("--workers", default="1,2", help="profile_corpus workers (1,2)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cluster", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--metrics", default="all", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is None and not args.small <= args.large <= args.n_files:
        parser.error("need --small <= --large <= --n-files")
    args.workers = [int(w) for w in args.workers.split(",")]
    return args


def _load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def print_header(args: argparse.Namespace, load: str) -> None:
    names = ("musiceval", "numba", "distributed", "pretty_midi", "symusic", "miditoolkit",
             "muspy", "music21", "numpy")  # fmt: skip
    packages = ", ".join(f"{n} {importlib.metadata.version(n)}" for n in names)
    print(f"corpus   : {args.dir}: {describe(args.dir)}")
    print(f"machine  : {platform.processor() or platform.machine()}, {os.cpu_count()} logical "
          f"cores, python {platform.python_version()}, {packages}")  # fmt: skip
    print(f"command  : python {' '.join(sys.argv)}")
    print(f"load     : {load} (1, 5, 15 minutes) before the timings")


def print_check(sample: list[Path], verdicts: dict[str, Verdict]) -> None:
    names = {path.name for path in sample}
    checked = {name: v for name, v in verdicts.items() if name in names}
    print(f"cell for cell against today's roll, on the sample ({len(sample)} files, "
          f"{len(names)} distinct):")  # fmt: skip
    for reader, what in (("musiceval", "read_midi"), ("symusic", "Score + gridding")):
        differ = {name: getattr(v, reader) for name, v in checked.items()}
        differ = {name: v for name, v in differ.items() if v != "same"}
        print(f"  {reader} {what}: {len(differ)} distinct files differ")
        for name, verdict in differ.items():
            print(f"    {name}: {verdict}")
    print("  (symusic pairs a note-off with the first open note of its pitch; pretty_midi and "
          "musiceval end every open note of that pitch)")  # fmt: skip
    refused = {name: v for name, v in verdicts.items() if v.refused}
    print(f"today's path refuses {len(refused)} of the {len(verdicts)} distinct files it was "
          "tried on (left out of the sample); musiceval's read_midi on them:")  # fmt: skip
    for name, verdict in refused.items():
        print(f"  {name}: today {verdict.refused}\n    musiceval {verdict.musiceval}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.cluster:
        return cluster_main(args.workers[0])
    if args.child is not None:
        return child_main(args.child, args.workers[0], args.metrics)
    files = build_corpus(args.dir, args.n_unique, args.n_files)
    counts = note_counts(args.dir)
    sample, verdicts = choose_sample(files, args.sample)
    load_before = _load()
    chosen = {"sample": sample, "all": files}
    readers = []
    for label, read, which in READERS:
        readers.append(time_reader(label, read, chosen[which], counts, args.repeat))
        readers[-1].extra["on"] = which
    small, large = (
        {w: run_corpus(files[:n], w, "all", counts, args.repeat) for w in args.workers}
        for n in (args.small, args.large)
    )
    notes_only = run_corpus(files[: args.large], 1, "n_notes", counts, args.repeat)
    threaded = run_corpus(files[: args.large], 1, "all", counts, args.repeat, os.cpu_count() or 1)
    cluster = _child(["--cluster", "--workers", str(max(args.workers))])
    print_header(args, load_before)
    print(f"load     : {_load()} (1, 5, 15 minutes) after the timings\n")
    baseline = readers[0]
    print_readers(readers, baseline)
    print()
    print_corpus([*small.values(), *large.values(), notes_only, threaded], baseline, cluster)
    print("x today: notes/s per core against the baseline (today's path, on the sample); "
          "MiB: peak resident set of the process that calls profile_corpus and of its "
          "largest Dask worker (W = 2)\n")  # fmt: skip
    print_goals(baseline, readers[INGEST], small, large, notes_only)
    print()
    print_check(sample, verdicts)
    print()
    lakh = [baseline, readers[INGEST], notes_only, large.get(1, notes_only)]
    print_lakh(lakh, statistics.median(counts.values()))


if __name__ == "__main__":
    main()
