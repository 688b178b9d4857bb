"""The work of one shard of a corpus profile, and the checkpoints that make a run resumable.

A shard is a fixed slice of the corpus's sorted file list. :func:`profile_shard` reads its files
(each unreadable or unusable file goes to the quarantine with its reason) and profiles their
segments; it runs in this process or on a Dask worker, so it takes and returns plain picklable
values: :class:`ShardOptions` and a JSON-ready dict. The result of a shard depends only on its
files and the options, never on where or when it ran, so a killed run that recomputes the
missing shards gives the same profile.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musiceval import _documents
from musiceval._midi_load import read_segments
from musiceval._midi_metre import Metre
from musiceval.exceptions import InvalidParameterError
from musiceval.profiles import DatasetProfile, profile
from musiceval.track_maps import TrackMap

__all__ = ["BATCH", "Checkpoints", "ShardOptions", "decode_profile", "profile_shard"]

BATCH = 512
"""Segments handed to the profile at once (several files' worth; the profile of a stream does
not depend on how it is cut into batches)."""

_SHARD_SCHEMA, _MANIFEST_SCHEMA, _VERSION = "musiceval.corpus-shard", "musiceval.corpus-run", 1


@dataclass(frozen=True)
class ShardOptions:
    """Everything a shard needs besides its files (picklable, and JSON for the manifest)."""

    metrics: tuple[str, ...] | None
    tracks: TrackMap | None
    """The track map, or None (one track per instrument)."""
    n_tracks: int | None
    """With ``tracks=None``: the track count every file must have (the corpus's first file's)."""
    n_bars: int
    steps_per_bar: int
    steps_per_beat: int
    max_cells: int
    chunk_size: int
    reservoir_size: int
    seed: int
    conventions: dict[str, Any]
    track_names: tuple[str, ...] | None
    metre: Metre = "file"
    """How files are cut into bars: ``"file"`` (at their bar lines) or ``"ignore"``."""
    bar_index: bool = False
    """Whether each shard's profile indexes its bars (``profile(..., bar_index=True)``)."""

    def to_json(self) -> dict[str, Any]:
        """The options as JSON values (the run's manifest compares them)."""
        fields = asdict(self)
        fields["tracks"] = None if self.tracks is None else self.tracks.to_json_dict()
        return dict(_documents.encode(fields))


def profile_shard(paths: Sequence[str], options: ShardOptions) -> dict[str, Any]:
    """The result of one shard: ``{"profile": DatasetProfile or None, "quarantine": [[path,
    reason], ...]}`` (picklable; :class:`Checkpoints` writes it as JSON only when the run keeps
    checkpoints)."""
    quarantine: list[list[str]] = []
    batches = _batches(paths, options, quarantine)
    first = next(batches, None)
    result = None
    if first is not None:
        result = profile(
            itertools.chain([first], batches),
            None if options.metrics is None else list(options.metrics),
            chunk_size=options.chunk_size,
            reservoir_size=options.reservoir_size,
            seed=options.seed,
            track_names=options.track_names,
            bar_index=options.bar_index,
            **options.conventions,
        )
    return {"profile": result, "quarantine": quarantine}


def _batches(
    paths: Sequence[str], options: ShardOptions, quarantine: list[list[str]]
) -> Iterator[np.ndarray]:
    """The segments of the usable files in batches of about :data:`BATCH`; every other file
    is appended to ``quarantine`` with the reason."""
    pending: list[np.ndarray] = []
    n_pending = 0
    for path in paths:
        try:
            segments, _ = read_segments(
                Path(path),
                n_bars=options.n_bars,
                steps_per_bar=options.steps_per_bar,
                steps_per_beat=options.steps_per_beat,
                tracks=options.tracks,
                max_cells=options.max_cells,
                metre=options.metre,
                n_tracks=options.n_tracks,
                expected_from="the corpus's first usable file",
            )
        except ValueError as error:
            quarantine.append([path, str(error)])
            continue
        pending.append(segments)
        n_pending += len(segments)
        if n_pending >= BATCH:
            yield np.concatenate(pending)
            pending, n_pending = [], 0
    if pending:
        yield np.concatenate(pending)


class Checkpoints:
    """The finished shards of a run, kept in ``directory`` so that a killed run resumes.

    ``manifest.json`` records the files (a SHA-256 of their sorted list) and the options; a
    directory that holds another run is refused, never overwritten. Each shard is one JSON
    document, written atomically when it finishes.
    """

    def __init__(
        self, directory: Path, files: Sequence[str], shard_size: int, options: ShardOptions
    ) -> None:
        self.directory = directory
        digest = hashlib.sha256("\n".join(files).encode("utf-8", "surrogateescape")).hexdigest()
        self._run = {
            "files_sha256": digest,
            "n_files": len(files),
            "shard_size": shard_size,
            "options": options.to_json(),
        }

    def open(self) -> list[int]:
        """Check that the directory holds this run (or nothing); the shards it holds.

        Nothing is created here: the directory and its manifest appear with the first finished
        shard, so a run that fails before (a scheduler that does not answer) writes nothing.
        """
        manifest = self.directory / "manifest.json"
        if manifest.exists():
            self._check_manifest(manifest)
            found = []
            for path in sorted(self.directory.glob("shard-*.json")):
                index = path.stem.removeprefix("shard-")
                if index.isdigit():
                    found.append(int(index))
            return found
        if self.directory.exists() and any(self.directory.iterdir()):
            raise InvalidParameterError(
                f"checkpoint directory {str(self.directory)!r} is not empty and holds no "
                f"corpus run (no manifest.json); choose another or empty it"
            )
        return []

    def load(self, index: int) -> dict[str, Any] | None:
        """A finished shard's result, or None (with a warning) if its file is damaged."""
        path = self._shard_path(index)
        try:
            result = _documents.load(path, _SHARD_SCHEMA, _VERSION, what="corpus shard")["result"]
            _check_result(result)
            result["profile"] = decode_profile(result["profile"], source=str(path))
        except (ValueError, KeyError, TypeError, OSError) as error:
            warnings.warn(
                f"{path} cannot be read ({error}); its shard is profiled again",
                UserWarning,
                stacklevel=3,
            )
            return None
        return dict(result)

    def save(self, index: int, result: dict[str, Any]) -> None:
        """Keep a finished shard (creating the directory and manifest with the first)."""
        manifest = self.directory / "manifest.json"
        if not manifest.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            _documents.save(manifest, _MANIFEST_SCHEMA, _VERSION, self._run)
        shard = result["profile"]
        document = {**result, "profile": None if shard is None else shard.to_json_dict()}
        _documents.save(self._shard_path(index), _SHARD_SCHEMA, _VERSION, {"result": document})

    def _check_manifest(self, manifest: Path) -> None:
        found = _documents.load(manifest, _MANIFEST_SCHEMA, _VERSION, what="corpus run manifest")
        mine = json.loads(json.dumps(self._run))
        differing = [key for key in mine if found.get(key) != mine[key]]
        if differing:
            raise InvalidParameterError(
                f"checkpoint directory {str(self.directory)!r} holds a run with other "
                f"{' and '.join(differing)}; resume with the same files and options, or choose "
                f"another directory"
            )

    def _shard_path(self, index: int) -> Path:
        return self.directory / f"shard-{index:07d}.json"


def _check_result(result: Any) -> None:
    """Raise TypeError unless ``result`` has the shape :func:`profile_shard` returns."""
    shaped = (
        isinstance(result, dict)
        and isinstance(result.get("quarantine"), list)
        and all(isinstance(entry, list) and len(entry) == 2 for entry in result["quarantine"])
        and (result.get("profile") is None or isinstance(result.get("profile"), dict))
    )
    if not shaped:
        raise TypeError("not a shard result: profile and quarantine expected")


def decode_profile(document: dict[str, Any] | None, source: str) -> DatasetProfile | None:
    """The profile of a shard result (None if the shard had no segment)."""
    return None if document is None else DatasetProfile.from_json_dict(document, source=source)
