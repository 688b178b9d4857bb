"""``musiceval profile`` of a MIDI corpus: its options and its run (``musiceval.corpus``).

A REFERENCE that is a folder, a ``.txt`` list of paths or a glob pattern is profiled as a
corpus: streamed in shards, every unusable file quarantined (never stopping the run), with a
progress line, checkpoints that a killed run resumes from, and ``--workers``/``--scheduler``
for Dask. Kept apart from :mod:`musiceval.cli` so that module stays one screenful per command.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
from pathlib import Path
from typing import Any

from musiceval._cli_types import positive_int
from musiceval.exceptions import InvalidParameterError

__all__ = ["add_corpus_options", "is_corpus", "profile_corpus_command"]


def add_corpus_options(sub: argparse.ArgumentParser) -> None:
    """The options of a corpus profile (they apply when REFERENCE is a folder, list or glob)."""
    group = sub.add_argument_group(
        "corpus",
        "when REFERENCE is a folder, a .txt list of paths or a glob pattern ('lmd/**/*.mid'): "
        "files are read in shards, unusable files are quarantined (listed with the reason in "
        "<output stem>.quarantine.json) and the run resumes after a kill (docs/scale.md)",
    )
    group.add_argument(
        "--workers",
        type=positive_int,
        default=1,
        help="Dask worker processes on this machine (default 1: no Dask)",
    )
    group.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on this Dask scheduler (tcp://host:8786)"
    )
    group.add_argument(
        "--shard-size",
        type=positive_int,
        default=256,
        help="files per shard, the unit of work and of checkpoints (default 256; a resumed "
        "run must keep it)",
    )
    group.add_argument(
        "--checkpoint-dir",
        metavar="DIR",
        help="where finished shards are kept (default: <output>.partial, removed on success)",
    )
    group.add_argument("--quiet", action="store_true", help="no progress line on stderr")


def _refuse_array_options(args: argparse.Namespace) -> None:
    """The options of array inputs mean nothing for MIDI files: refuse them, never ignore."""
    given = {
        "--layout": args.layout != "NTPK",
        "--npz-key": args.npz_key is not None,
        "--threshold": args.threshold != 0.0,
        "--lowest-pitch": args.lowest_pitch is not None,
    }
    named = [flag for flag, set_ in given.items() if set_]
    if named:
        raise InvalidParameterError(
            f"{', '.join(named)} apply to .npy/.npz arrays; a corpus of MIDI files is read on "
            f"its own grid (--steps-per-beat) with all 128 pitches; got {args.reference!r}"
        )


def is_corpus(source: str) -> bool:
    """Whether ``source`` is profiled as a corpus: a folder, a .txt list or a glob pattern."""
    if os.path.isdir(source) or glob.has_magic(source):
        return True
    return source.lower().endswith(".txt") and os.path.isfile(source)


def profile_corpus_command(args: argparse.Namespace, conventions: dict[str, Any]) -> int:
    """Run ``musiceval profile`` on a corpus; print what it did."""
    from musiceval.corpus import profile_corpus

    _refuse_array_options(args)
    output = Path(args.output)
    default_dir = args.checkpoint_dir is None
    checkpoints = output.with_name(output.name + ".partial") if default_dir else None
    result = profile_corpus(
        args.reference,
        args.metrics,
        tracks=args.tracks,
        metre=args.metre,
        bar_index=args.bar_index,
        n_bars=args.n_bars,
        shard_size=args.shard_size,
        workers=args.workers,
        scheduler=args.scheduler,
        checkpoint_dir=checkpoints if default_dir else args.checkpoint_dir,
        progress=not args.quiet,
        track_names=args.track_names,
        **conventions,
    )
    profile_path, quarantine_path = result.save(output)
    if checkpoints is not None:
        shutil.rmtree(checkpoints, ignore_errors=True)
    profile = result.profile
    print(
        f"profiled {profile.n_samples} samples x {len(profile.tracks)} tracks "
        f"({', '.join(profile.tracks)}) from {result.n_files - len(result.quarantine)} of "
        f"{result.n_files} files for {len(profile.metrics + profile.vector_metrics)} metrics"
    )
    print(f"profile: {profile_path}")
    print(f"quarantine: {quarantine_path} ({len(result.quarantine)} files)")
    return 0
