"""How the ``musiceval`` commands read their inputs: rolls, conventions, a profile on the fly.

Shared by ``profile``, ``compare``, ``evaluate`` and ``compat`` (:mod:`musiceval.cli`);
:func:`read_counted` also says what was read, for ``evaluate``.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from musiceval.io import is_midi_source

if TYPE_CHECKING:
    from musiceval.profiles import DatasetProfile

__all__ = ["conventions", "on_error", "profile_of", "read_counted", "read_rolls"]

# What keeps a MIDI file from giving samples, by the words of its reason (musiceval.io), in
# the order they are looked for; any other reason is counted as "unusable".
_SKIP_KINDS = (
    ("holds no instrument", "without notes"),
    ("takes none of its", "without notes"),
    ("is not a readable MIDI file", "unreadable"),
    ("shorter than one segment", "too short"),
    ("so it gives no segment", "in another metre"),
    ("give a track map", "with another track count"),
    ("needs a roll of", "too large"),
)


def read_rolls(args: argparse.Namespace, source: str, *, n_bars: int, steps_per_bar: int) -> Any:
    """The rolls of ``source``, read as the input options say (``musiceval.io.load_rolls``)."""
    from musiceval.io import load_rolls

    return load_rolls(
        source,
        layout=args.layout,
        npz_key=args.npz_key,
        n_bars=n_bars,
        steps_per_bar=steps_per_bar,
        steps_per_beat=args.steps_per_beat,
        on_error=on_error(args),
        tracks=args.tracks,
        metre=args.metre,
    )


def on_error(args: argparse.Namespace) -> Literal["raise", "skip"]:
    """``--skip-unreadable`` as the library's ``on_error``."""
    return "skip" if args.skip_unreadable else "raise"


def conventions(args: argparse.Namespace) -> dict[str, Any]:
    """The metric conventions given on the command line (those left out are not passed)."""
    options = {
        "steps_per_bar": args.steps_per_bar,
        "steps_per_beat": args.steps_per_beat,
        "key": args.scale_key,
        "mode": args.mode,
        "weight": args.weight,
        "per": args.per,
        "force": args.force,
    }
    return {name: value for name, value in options.items() if value is not None}


def profile_of(args: argparse.Namespace, source: str, *, bar_index: bool) -> DatasetProfile:
    """The profile of ``source`` with the command's metrics, track names and conventions; MIDI
    input also gives the track names (unless given) and which tracks are drums. ``bar_index``:
    index its bars too (``musiceval.profile``)."""
    import musiceval
    from musiceval.track_maps import default_track_names

    names = default_track_names(args.track_names, args.tracks)
    drums = None
    if is_midi_source(source):
        read = _load_midi(args, source)
        rolls, drums = read.rolls, read.is_drum
        names = names if names is not None else read.track_names
    else:
        rolls = read_rolls(args, source, n_bars=args.n_bars, steps_per_bar=args.steps_per_bar)
    return musiceval.profile(
        rolls,
        args.metrics,
        layout=args.layout,
        threshold=args.threshold,
        lowest_pitch=args.lowest_pitch,
        track_names=names,
        drums=drums,
        bar_index=bar_index,
        **conventions(args),
    )


def _load_midi(args: argparse.Namespace, source: str) -> Any:
    """``musiceval.io.load_midi`` of ``source`` as the input options say."""
    from musiceval import io

    return io.load_midi(
        source,
        n_bars=args.n_bars,
        steps_per_bar=args.steps_per_bar,
        steps_per_beat=args.steps_per_beat,
        on_error=on_error(args),
        tracks=args.tracks,
        metre=args.metre,
    )


def read_counted(args: argparse.Namespace, source: str) -> tuple[Any, Any, str]:
    """The rolls of ``source`` (as :func:`read_rolls`), which tracks are drums (MIDI input;
    None for arrays) and one line saying what was read:
    ``read 12 MIDI files (3 skipped: 2 unreadable, 1 without notes) -> 340 samples x 4
    tracks (Piano, Bass, 2, 3) of 64 steps``, or ``read train.npz -> ...`` for an array file."""

    path = Path(source)
    if not is_midi_source(source):
        rolls = read_rolls(args, source, n_bars=args.n_bars, steps_per_bar=args.steps_per_bar)
        return rolls, None, f"read {path.name} -> {_shape_words(rolls.shape, args.layout)}"
    read = _load_midi(args, source)
    folders = [entry for entry in read.skipped if os.path.isdir(entry[0])]
    skipped = [reason for path_, reason in read.skipped if not os.path.isdir(path_)]
    n_files = len({info.path for info in read.files} | {p for p, _ in read.skipped}) - len(folders)
    kinds = Counter(_skip_kind(reason) for reason in skipped)
    done = f"read {n_files} MIDI file{'s' if n_files != 1 else ''}"
    if skipped:
        done += f" ({len(skipped)} skipped: " + ", ".join(f"{n} {k}" for k, n in kinds.items())
        done += ")"
    if folders:
        done += f" ({len(folders)} folder{'s' if len(folders) != 1 else ''} not listed)"
    names = ", ".join(read.track_names)
    line = f"{done} -> {_shape_words(read.rolls.shape, 'NTPK')} ({names})"
    return read.rolls, read.is_drum, line


def _skip_kind(reason: str) -> str:
    return next((kind for words, kind in _SKIP_KINDS if words in reason), "unusable")


def _shape_words(shape: tuple[int, ...], layout: str) -> str:
    """``57 samples x 4 tracks of 64 steps`` for an array of ``shape`` in ``layout``."""
    sizes = dict(zip(layout, shape, strict=False))
    n_samples, n_tracks = sizes.get("N", 1), sizes.get("K", 1)
    n_steps = sizes["B"] * sizes["S"] if "B" in sizes else sizes.get("T", 0)
    return (
        f"{n_samples} sample{'s' if n_samples != 1 else ''} x {n_tracks} "
        f"track{'s' if n_tracks != 1 else ''} of {n_steps} steps"
    )
