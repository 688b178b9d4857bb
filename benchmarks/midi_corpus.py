"""A corpus of real MIDI files for the ingest benchmark, built offline from music21's corpus.

A helper of ``benchmarks/bench_corpus.py``, also a script. It writes ``--n-unique`` distinct
MIDI files with music21 (``score.write("midi")``), taken in turn from several composers and
genres of the corpus bundled with music21 (nothing is downloaded): Bach chorales; string
quartets by Beethoven, Mozart and Haydn; piano pieces by Joplin, Chopin, Clara and Robert
Schumann; folk tunes (the Essen folk songs, Ryan's Mammoth Collection, O'Neill's 1850: an
``.abc`` file holding many tunes gives its first :data:`TUNES_PER_OPUS` tunes, each its own
file); Palestrina, Monteverdi and Josquin; Trecento pieces. A piece music21 cannot parse or
write, or whose file holds no note (read back with symusic), is skipped and reported.

The distinct files are then replicated (hard links, or copies where links fail) to
``--n-files`` paths: ``unique/<source>_<index>.mid``, then ``copies/0001/...``,
``copies/0002/...``, each folder holding every distinct file once, so any prefix of the list
mixes all the genres. A ``manifest.json`` records the arguments; a later call with the same
``n_unique`` reuses the distinct files (only the copies are redone if ``n_files`` differs).

Writing is slow (about 0.3 s for a chorale, 2-5 s for a quartet movement on a loaded 2-core
machine), so the default 150 distinct files take a few minutes once. Run from the repository
root::

    python benchmarks/midi_corpus.py                      # 150 distinct files, 20000 paths
    python benchmarks/midi_corpus.py --n-unique 40 --n-files 2000 --dir /tmp/corpus
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

DEFAULT_DIR = Path("~/.cache/musiceval/bench-midi-corpus").expanduser()
MANIFEST = "manifest.json"
BUILDER_VERSION = 1
TUNES_PER_OPUS = 4
SCORE_SUFFIXES = (".mxl", ".xml", ".musicxml", ".krn", ".abc")  # not .rntxt analyses

SOURCES = [  # (music21 composer name, genre), taken in turn
    ("bach", "chorale"),
    ("beethoven", "string quartet"),
    ("mozart", "string quartet"),
    ("haydn", "string quartet"),
    ("joplin", "piano"),
    ("chopin", "piano"),
    ("schumann_clara", "piano"),
    ("schumann_robert", "piano"),
    ("essenFolksong", "folk"),
    ("ryansMammoth", "folk"),
    ("oneills1850", "folk"),
    ("palestrina", "renaissance"),
    ("monteverdi", "renaissance"),
    ("josquin", "renaissance"),
    ("trecento", "medieval"),
]


class PieceTimeout(Exception):
    """A piece took longer than ``piece_timeout`` seconds to parse and write."""


def _scores(path: Path) -> Iterator[tuple[str, Callable[[], Any]]]:
    """``(label, load)`` for each score of one corpus file (the first tunes of an Opus)."""
    from music21 import corpus, stream

    parsed: list[Any] = []

    def load_file() -> Any:
        if not parsed:
            parsed.append(corpus.parse(path))
        return parsed[0]

    if path.suffix != ".abc":
        yield path.name, load_file
        return
    for tune in range(TUNES_PER_OPUS):

        def load_tune(tune: int = tune) -> Any:
            work = load_file()
            if not isinstance(work, stream.Opus):
                return work if tune == 0 else None
            scores = list(work.scores)
            return scores[tune] if tune < len(scores) else None

        yield f"{path.name}#{tune}", load_tune


def _pieces(composer: str) -> Iterator[tuple[str, Callable[[], Any]]]:
    """Every ``(label, load)`` of one composer, in sorted path order."""
    from music21 import corpus

    try:
        paths = sorted(corpus.getComposer(composer))
    except Exception:  # a composer absent from this music21 is skipped
        return
    for path in paths:
        if path.suffix.lower() in SCORE_SUFFIXES:
            yield from _scores(Path(path))


def _interleaved() -> Iterator[tuple[str, str, Callable[[], Any]]]:
    """``(composer, label, load)`` taken from each source in turn until all are exhausted."""
    iterators = [(composer, _pieces(composer)) for composer, _ in SOURCES]
    while iterators:
        alive = []
        for composer, pieces in iterators:
            item = next(pieces, None)
            if item is not None:
                alive.append((composer, pieces))
                yield composer, *item
        iterators = alive


def _on_alarm(signum: int, frame: Any) -> None:
    raise PieceTimeout


def _write_piece(load: Callable[[], Any], target: Path, timeout: float) -> int | None:
    """Parse and write one piece within ``timeout`` seconds; its note count (symusic), or
    None when the piece does not exist (an Opus with fewer tunes). Raises on failure."""
    import symusic

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        score = load()
        if score is None:
            return None
        score.write("midi", fp=str(target))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    n_notes = sum(len(track.notes) for track in symusic.Score(str(target)).tracks)
    if n_notes == 0:
        target.unlink()
        raise ValueError("the written file holds no note")
    return n_notes


def _write_unique(folder: Path, n_unique: int, timeout: float) -> dict[str, Any]:
    """Write up to ``n_unique`` distinct files into ``folder``; what was written and failed."""
    folder.mkdir(parents=True)
    written: list[dict[str, Any]] = []
    failed: list[dict[str, str]] = []
    start = time.perf_counter()
    for composer, label, load in _interleaved():
        if len(written) == n_unique:
            break
        name = f"{composer}_{len(written):04d}.mid"
        try:
            n_notes = _write_piece(load, folder / name, timeout)
        except Exception as error:  # any music21 failure skips the piece
            (folder / name).unlink(missing_ok=True)
            reason = "timeout" if isinstance(error, PieceTimeout) else type(error).__name__
            failed.append({"piece": f"{composer}/{label}", "reason": f"{reason}: {error}"[:200]})
            continue
        if n_notes is not None:
            written.append({"name": name, "piece": f"{composer}/{label}", "notes": n_notes})
            if len(written) % 10 == 0:
                print(f"  {len(written)} / {n_unique} written, {len(failed)} failed, "
                      f"{time.perf_counter() - start:.0f} s", file=sys.stderr)  # fmt: skip
    return {"unique": written, "failed": failed, "seconds": time.perf_counter() - start}


def _replicate(directory: Path, names: list[str], n_files: int) -> list[Path]:
    """The ``n_files`` paths: ``unique/`` first, then ``copies/NNNN/`` (hard links)."""
    shutil.rmtree(directory / "copies", ignore_errors=True)
    paths = [directory / "unique" / name for name in names][:n_files]
    round_ = 0
    while len(paths) < n_files:
        round_ += 1
        folder = directory / "copies" / f"{round_:04d}"
        folder.mkdir(parents=True)
        for name in names[: n_files - len(paths)]:
            target = folder / name
            try:
                os.link(directory / "unique" / name, target)
            except OSError:
                shutil.copyfile(directory / "unique" / name, target)
            paths.append(target)
    return paths


def read_manifest(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of a built corpus (arguments, distinct files, failures), or None."""
    try:
        return json.loads((Path(directory) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def build_corpus(
    directory: str | os.PathLike[str],
    n_unique: int = 150,
    n_files: int = 20000,
    *,
    piece_timeout: float = 60.0,
) -> list[Path]:
    """Build (or reuse) the corpus in ``directory``; the ``n_files`` paths, genres mixed.

    Distinct files are reused when the manifest says they were written for the same
    ``n_unique`` with this music21; otherwise ``unique/`` and ``copies/`` are rewritten (no
    other file of ``directory`` is touched). ``piece_timeout``: seconds allowed to parse and
    write one piece before it is skipped. Raises RuntimeError if no piece could be written.
    """
    import music21

    directory = Path(directory).expanduser()
    directory.mkdir(parents=True, exist_ok=True)
    manifest = read_manifest(directory)
    key = {"builder": BUILDER_VERSION, "n_unique": n_unique, "music21": music21.__version__}
    if manifest is None or any(manifest.get(name) != value for name, value in key.items()):
        (directory / MANIFEST).unlink(missing_ok=True)
        shutil.rmtree(directory / "unique", ignore_errors=True)
        shutil.rmtree(directory / "copies", ignore_errors=True)
        manifest = {**key, **_write_unique(directory / "unique", n_unique, piece_timeout)}
        manifest["n_files"] = None
    names = [entry["name"] for entry in manifest["unique"]]
    if not names:
        raise RuntimeError(f"music21 could not write any piece: {manifest['failed'][:5]}")
    if manifest["n_files"] == n_files and _all_present(directory, names, n_files):
        return _listed(directory, names, n_files)
    paths = _replicate(directory, names, n_files)
    manifest["n_files"] = n_files
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return paths


def _listed(directory: Path, names: list[str], n_files: int) -> list[Path]:
    """The paths :func:`_replicate` made, without touching the disk."""
    paths = []
    for index in range(n_files):
        round_, position = divmod(index, len(names))
        folder = directory / ("unique" if round_ == 0 else f"copies/{round_:04d}")
        paths.append(folder / names[position])
    return paths


def _all_present(directory: Path, names: list[str], n_files: int) -> bool:
    return all(path.is_file() for path in _listed(directory, names, n_files))


def note_counts(directory: str | os.PathLike[str]) -> dict[str, int]:
    """Notes of each distinct file of a built corpus (counted with symusic when written), by
    file name: a copy has the name of its distinct file."""
    manifest = read_manifest(directory)
    if manifest is None:
        raise FileNotFoundError(f"no corpus in {directory}: build it first")
    return {entry["name"]: int(entry["notes"]) for entry in manifest["unique"]}


def describe(directory: str | os.PathLike[str]) -> str:
    """One paragraph: distinct files per composer, notes, failures and their reasons."""
    manifest = read_manifest(directory)
    if manifest is None:
        return f"no corpus in {directory}"
    per_composer: dict[str, int] = {}
    for entry in manifest["unique"]:
        composer = entry["piece"].split("/")[0]
        per_composer[composer] = per_composer.get(composer, 0) + 1
    notes = [entry["notes"] for entry in manifest["unique"]]
    text = (
        f"{len(notes)} distinct files written by music21 {manifest['music21']} in "
        f"{manifest['seconds']:.0f} s ({', '.join(f'{c} {n}' for c, n in per_composer.items())}); "
        f"notes per file: median {statistics.median(notes):.0f}, max {max(notes)}, total "
        f"{sum(notes)}; replicated to {manifest['n_files']} paths"
    )
    if manifest["failed"]:
        reasons = "; ".join(f"{f['piece']}: {f['reason']}" for f in manifest["failed"])
        text += f"\n{len(manifest['failed'])} pieces skipped: {reasons}"
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help=f"default {DEFAULT_DIR}")
    parser.add_argument("--n-unique", type=int, default=150, help="distinct files (150)")
    parser.add_argument("--n-files", type=int, default=20000, help="paths in all (20000)")
    parser.add_argument("--piece-timeout", type=float, default=60.0, help="seconds (60)")
    args = parser.parse_args(argv)
    paths = build_corpus(args.dir, args.n_unique, args.n_files, piece_timeout=args.piece_timeout)
    print(f"{len(paths)} paths under {args.dir}")
    print(describe(args.dir))


if __name__ == "__main__":
    main()
