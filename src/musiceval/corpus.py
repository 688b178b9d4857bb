"""Profile a MIDI corpus of any size: streamed, quarantined, resumable, on one process or Dask.

:func:`profile_corpus` lists the corpus's files (a folder, a glob pattern, a text file of paths
or a list), sorts them, and cuts the list into shards of ``shard_size`` files. Each shard is read
and profiled on its own (in this process, or on the workers of a Dask cluster), then the shard
profiles are merged by a fixed tree (shard 0 with 1, 2 with 3, ... then the results pairwise).
Shards and merge order depend only on the sorted list and ``shard_size``, so the profile is the
same, bit for bit, whatever the number of workers, the order the files were given in, and
whether the run was killed and resumed from its checkpoints. Memory is bounded by a shard's
batch of segments and the merged profiles (each a few hundred kB), never by the corpus.

A file that cannot be used (corrupt, truncated, empty, not MIDI, unreadable, no notes, too short
for one segment, no segment in its metre, too large for ``max_cells``, or, without a track map,
another track count than the corpus's first file) goes to the quarantine with its reason; the
run goes on. Files are cut at their bar lines as :func:`musiceval.io.load_midi_folder` cuts
them (``metre``). See ``docs/scale.md``.
"""

from __future__ import annotations

import glob
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from musiceval import _documents
from musiceval._checks import (
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_names,
    check_path,
    invalid,
)
from musiceval._corpus_shards import Checkpoints, ShardOptions, profile_shard
from musiceval._dataset_profile import check_profile_metrics
from musiceval._midi_load import METRES, find_midi_files, read_segments
from musiceval._midi_metre import Metre
from musiceval._midi_read import MAX_CELLS, MIDI_SUFFIXES
from musiceval.exceptions import InvalidParameterError
from musiceval.profiles import DatasetProfile
from musiceval.rolls import make_conventions
from musiceval.track_maps import TrackMap, TrackMapSpec, default_track_names, track_map

__all__ = ["CorpusResult", "corpus_files", "profile_corpus"]


@dataclass(frozen=True)
class CorpusResult:
    """What :func:`profile_corpus` found: the profile and the files it could not use.

    Attributes
    ----------
    profile : DatasetProfile
        The profile of every segment of every usable file.
    quarantine : tuple of (str, str)
        ``(path, reason)`` of every file left out, in path order.
    n_files : int
        Files listed (profiled and quarantined).
    """

    profile: DatasetProfile
    quarantine: tuple[tuple[str, str], ...]
    """``(path, reason)`` of every file left out, in path order."""
    n_files: int
    """Files listed (profiled and quarantined)."""

    @property
    def n_segments(self) -> int:
        """Segments profiled (the profile's ``n_samples``)."""
        return self.profile.n_samples

    def save(self, path: str | os.PathLike[str]) -> tuple[Path, Path]:
        """Write the profile and, beside it, the quarantine, both atomically.

        Parameters
        ----------
        path : str or os.PathLike
            The profile's file (``.json``); the quarantine goes to ``<stem>.quarantine.json``
            (``{"n_files", "n_segments", "quarantine": [{"path", "reason"}, ...]}``).

        Returns
        -------
        (Path, Path)
            The profile's and the quarantine's paths.
        """
        path = check_path("path", path)
        self.profile.save(path)
        listing = path.with_name(path.stem + ".quarantine.json")
        body = {
            "n_files": self.n_files,
            "n_segments": self.n_segments,
            "quarantine": [{"path": p, "reason": r} for p, r in self.quarantine],
        }
        _documents.save(listing, "musiceval.corpus-quarantine", 1, body)
        return path, listing


Sources = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
"""What :func:`corpus_files` and :func:`profile_corpus` take."""


def corpus_files(sources: Sources) -> list[str]:
    """The MIDI files of ``sources``, sorted and without repeats.

    Parameters
    ----------
    sources : str, os.PathLike or sequence of them
        A folder (searched recursively for ``.mid``/``.midi``), a glob pattern
        (``"lmd/**/*.mid"``, recursive), a ``.txt`` file listing one path per line (relative to
        the list's folder), or a sequence of paths (each kept as given: a listed path that is
        no MIDI file is quarantined later).

    Returns
    -------
    list of str
        The paths, sorted.

    Raises
    ------
    InvalidParameterError
        ``sources`` of another type, or a path that is none of the kinds above.
    ValueError
        No MIDI file found, or a subfolder that cannot be listed (its files would be left out
        unseen).
    """
    if isinstance(sources, bytes | bytearray):
        raise invalid("sources", "a str path or glob, or a list of them (not bytes)", sources)
    if isinstance(sources, str | os.PathLike):
        found = _files_of(os.fspath(sources))
    elif isinstance(sources, Sequence) and sources:
        found = [str(check_path(f"sources[{i}]", item)) for i, item in enumerate(sources)]
    else:
        raise invalid(
            "sources", "a folder, a glob pattern, a .txt list of paths or a list of paths", sources
        )
    files = sorted(set(found))
    if not files:
        raise ValueError(f"no MIDI file found in {sources!r}")
    return files


def _files_of(source: str) -> list[str]:
    if os.path.isdir(source):
        return [str(path) for path in find_midi_files(Path(source), "raise")[0]]
    if source.lower().endswith(".txt") and os.path.isfile(source):
        base = os.path.dirname(source)
        with open(source, encoding="utf-8") as listing:
            lines = [line.strip() for line in listing]
        return [os.path.join(base, line) for line in lines if line]
    if glob.has_magic(source):
        matches = glob.glob(source, recursive=True)
        return [path for path in matches if path.lower().endswith(MIDI_SUFFIXES)]
    if os.path.isfile(source):
        return [source]
    raise InvalidParameterError(
        f"sources {source!r} is not a folder, a .txt list, a glob pattern or a file"
    )


def profile_corpus(
    sources: Sources,
    metrics: Sequence[str] | None = None,
    *,
    tracks: TrackMapSpec | None = None,
    n_bars: int = 4,
    steps_per_bar: int = 16,
    steps_per_beat: int = 4,
    metre: Metre = "file",
    shard_size: int = 256,
    workers: int = 1,
    scheduler: str | None = None,
    checkpoint_dir: str | os.PathLike[str] | None = None,
    progress: bool = False,
    max_cells: int = MAX_CELLS,
    chunk_size: int = 4096,
    reservoir_size: int = 2000,
    seed: int = 0,
    track_names: Sequence[str] | None = None,
    bar_index: bool = False,
    **conventions: Any,
) -> CorpusResult:
    """Profile every MIDI file of a corpus, quarantining the files it cannot use.

    Parameters
    ----------
    sources : str, os.PathLike or sequence of them
        A folder, a glob pattern, a ``.txt`` list of paths, or a list of paths
        (:func:`corpus_files`).
    metrics : sequence of str, optional
        As in :func:`musiceval.profile` (default: every per-track metric).
    tracks : str, mapping or TrackMap, optional
        Which track each instrument goes to (``"lpd5"``, ``"merged"``, a mapping; see
        ``docs/tracks.md``); the profile's tracks are named after it. Default: one track per
        instrument, and a file whose track count differs from the first usable file's (in path
        order) is quarantined.
    n_bars, steps_per_bar, steps_per_beat : int, default=4, 16, 4
        How files are cut into samples (as in :func:`musiceval.io.load_midi_folder`).
    metre : {"file", "ignore"}, default="file"
        ``"file"``: segments are cut at each file's bar lines, from its time signatures, and
        bars that are not ``steps_per_bar`` steps long are left out; a file left with no
        segment is quarantined with its metre and bar lengths. ``"ignore"``: segments from the
        first tick, as musiceval 0.1.0 cut them (see :func:`musiceval.io.load_midi_folder`).
    shard_size : int, default=256
        Files per shard: the unit of work, of checkpointing and of the merge tree. The profile
        depends on it (merging is exact in counts, means and histograms, and rounds like any
        other float sum), so a resumed run must keep it.
    workers : int, default=1
        1: in this process. More: a Dask ``LocalCluster`` of that many single-threaded worker
        processes (needs ``distributed``: ``pip install "musiceval[dask]"``).
    scheduler : str, optional
        The address of a running Dask scheduler (``"tcp://host:8786"``) to run on instead.
    checkpoint_dir : str or os.PathLike, optional
        Where finished shards are kept; a run given the same directory, files and options
        resumes where it stopped. A directory holding another run is refused.
    progress : bool, default=False
        Print files/s and an estimated time left to stderr.
    max_cells, chunk_size, reservoir_size, seed : int, default=2**28, 4096, 2000, 0
        As in :func:`musiceval.io.read_midi` and :func:`musiceval.profile`.
    **conventions
        Options of the metrics, as in :func:`musiceval.profile`.
    track_names : sequence of str, optional
        One name per track; default the track map's names, else ``"0", "1", ...``.
    bar_index : bool, default=False
        Also index every bar of the corpus (:class:`musiceval.originality.BarIndex`, as
        :func:`musiceval.profile` does): each shard indexes its own bars and the shards'
        indexes merge with their profiles; the profile file then holds it.

    Returns
    -------
    CorpusResult
        The profile, the quarantine and the counts; :meth:`CorpusResult.save` writes them.

    Raises
    ------
    InvalidParameterError
        A bad option or ``sources``, or a checkpoint directory of another run.
    ValueError
        No MIDI file in ``sources``, every file quarantined (the message gives the first
        reasons), or a Dask scheduler that does not answer.
    ModuleNotFoundError
        ``workers > 1`` or ``scheduler`` without ``distributed`` (``musiceval[dask]``).
    """
    shard_size = check_int("shard_size", shard_size)
    workers = check_int("workers", workers)
    progress = check_bool("progress", progress)
    if scheduler is not None:
        check_instance("scheduler", scheduler, str, "a Dask scheduler address (str)")
    given = dict(
        n_bars=n_bars, steps_per_bar=steps_per_bar, steps_per_beat=steps_per_beat,
        max_cells=max_cells, chunk_size=chunk_size, reservoir_size=reservoir_size, seed=seed,
        track_names=track_names, metre=metre, bar_index=check_bool("bar_index", bar_index),
    )  # fmt: skip
    files = corpus_files(sources)
    options = _options(metrics, tracks, files, given, conventions)
    shards = [files[start : start + shard_size] for start in range(0, len(files), shard_size)]
    tree = _Tree(len(shards))
    store, todo = None, list(range(len(shards)))
    if checkpoint_dir is not None:
        store = Checkpoints(
            check_path("checkpoint_dir", checkpoint_dir), files, shard_size, options
        )
        for index in store.open():
            result = store.load(index)
            if result is not None:
                tree.add(index, result)
                todo.remove(index)
    meter = _Progress(len(files), len(files) - sum(len(shards[i]) for i in todo), progress)
    meter.quarantined = tree.n_quarantined
    for index, result in _run(todo, shards, options, workers, scheduler):
        if store is not None:
            store.save(index, result)
        tree.add(index, result)
        meter.update(len(shards[index]), len(result["quarantine"]))
    meter.close()
    return tree.result(len(files))


class _Tree:
    """The shard profiles merged by the fixed tree as they arrive, in any order.

    Leaves are the shards in index order; node ``i`` of a level merges nodes ``2i`` and
    ``2i + 1`` of the level below (an odd last node goes up alone). A node is merged as soon as
    its sibling exists, so at most one pending node per level is kept: memory grows with the
    logarithm of the corpus, not with it.
    """

    def __init__(self, n_shards: int) -> None:
        self._sizes = [n_shards]
        while self._sizes[-1] > 1:
            self._sizes.append((self._sizes[-1] + 1) // 2)
        self._nodes: dict[tuple[int, int], DatasetProfile | None] = {}
        self._quarantine: dict[int, list[tuple[str, str]]] = {}

    def add(self, index: int, result: dict[str, Any]) -> None:
        """Fold in shard ``index``'s result (the dict of :func:`profile_shard`)."""
        self._quarantine[index] = [(str(p), str(r)) for p, r in result["quarantine"]]
        node: DatasetProfile | None = result["profile"]
        level = 0
        while level + 1 < len(self._sizes):
            sibling = index ^ 1
            if sibling >= self._sizes[level]:  # the odd last node goes up alone
                pass
            elif (level, sibling) in self._nodes:
                other = self._nodes.pop((level, sibling))
                node = _merge(other, node) if sibling < index else _merge(node, other)
            else:
                self._nodes[(level, index)] = node
                return
            level, index = level + 1, index // 2
        self._nodes[(level, index)] = node

    @property
    def n_quarantined(self) -> int:
        return sum(len(entries) for entries in self._quarantine.values())

    def result(self, n_files: int) -> CorpusResult:
        """The merged profile (every shard added), or ValueError if no file was usable."""
        quarantine = tuple(entry for i in sorted(self._quarantine) for entry in self._quarantine[i])
        merged = self._nodes.get((len(self._sizes) - 1, 0))
        if merged is None:
            reasons = "; ".join(reason for _, reason in quarantine[:3])
            raise ValueError(
                f"every one of the {n_files} files was quarantined, so there is no profile "
                f"(first reasons: {reasons})"
            )
        return CorpusResult(merged, quarantine, n_files)


_INT_OPTIONS: tuple[str, ...] = ("n_bars", "steps_per_bar", "steps_per_beat", "max_cells")
_INT_OPTIONS += ("chunk_size", "reservoir_size", "seed")


def _options(
    metrics: Sequence[str] | None,
    tracks: TrackMapSpec | None,
    files: list[str],
    given: dict[str, Any],
    conventions: dict[str, Any],
) -> ShardOptions:
    """Check every option once, here, before any file is read (but the first usable one's,
    for its track count when there is no track map)."""
    checked = {
        name: check_int(name, given[name], minimum=0 if name == "seed" else 1)
        for name in _INT_OPTIONS
    }
    make_conventions(
        steps_per_bar=checked["steps_per_bar"],
        steps_per_beat=checked["steps_per_beat"],
        **conventions,
    )
    names = check_profile_metrics(metrics)
    metre = cast(Metre, check_choice("metre", given["metre"], METRES))
    mapping = None if tracks is None else track_map(tracks)
    if mapping is not None and "drums" not in conventions:  # the map says which are drums
        conventions = {**conventions, "drums": mapping.drum_tracks}
    n_tracks = None if mapping is not None else _first_track_count(files, checked, metre)
    return ShardOptions(
        metrics=names,
        tracks=mapping,
        n_tracks=n_tracks,
        **checked,
        conventions={
            "steps_per_bar": checked["steps_per_bar"],
            "steps_per_beat": checked["steps_per_beat"],
        }
        | conventions,
        track_names=_track_names(given["track_names"], mapping, n_tracks),
        metre=metre,
        bar_index=given["bar_index"],
    )


def _track_names(
    names: Sequence[str] | None, mapping: TrackMap | None, n_tracks: int | None
) -> tuple[str, ...] | None:
    """The profile's track names (:func:`default_track_names`), checked against the track
    count when it is known."""
    names = default_track_names(names, mapping)
    count = len(mapping.names) if mapping is not None else n_tracks
    return None if names is None else tuple(check_names("track_names", names, count))


def _first_track_count(files: list[str], given: dict[str, int], metre: Metre) -> int | None:
    """The track count of the first usable file in path order: one that reads and holds at
    least one segment (None if there is none: every file will be quarantined). The files
    before it are read again, and quarantined, by their shard."""
    for path in files:
        try:
            segments, _ = read_segments(
                Path(path),
                n_bars=given["n_bars"],
                steps_per_bar=given["steps_per_bar"],
                steps_per_beat=given["steps_per_beat"],
                tracks=None,
                max_cells=given["max_cells"],
                metre=metre,
            )
        except ValueError:
            continue
        return int(segments.shape[3])
    return None


def _run(
    todo: list[int],
    shards: list[list[str]],
    options: ShardOptions,
    workers: int,
    scheduler: str | None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(shard index, result)`` of every shard in ``todo``, as they finish."""
    if not todo:
        return
    if workers == 1 and scheduler is None:
        for index in todo:
            yield index, profile_shard(shards[index], options)
        return
    from musiceval._corpus_dask import run_on_dask

    yield from run_on_dask(todo, shards, options, workers=workers, scheduler=scheduler)


def _merge(a: DatasetProfile | None, b: DatasetProfile | None) -> DatasetProfile | None:
    if a is None or b is None:
        return a if b is None else b
    return a.merge(b)


class _Progress:
    """Files done, files/s and the time left, on one stderr line (at most 4 updates a second)."""

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self._total, self._done, self._enabled = total, done, enabled
        self.quarantined, self._start, self._shown = 0, time.monotonic(), 0.0
        self._resumed = done

    def update(self, n_files: int, n_quarantined: int) -> None:
        self._done += n_files
        self.quarantined += n_quarantined
        now = time.monotonic()
        if self._enabled and (now - self._shown >= 0.25 or self._done == self._total):
            self._shown = now
            rate = (self._done - self._resumed) / max(now - self._start, 1e-9)
            left = (self._total - self._done) / rate if rate else float("inf")
            print(
                f"\rprofiled {self._done:,}/{self._total:,} files ({self.quarantined:,} "
                f"quarantined), {rate:,.0f} files/s, about {left:,.0f} s left   ",
                end="",
                file=sys.stderr,
                flush=True,
            )

    def close(self) -> None:
        if self._enabled:
            print(file=sys.stderr, flush=True)
