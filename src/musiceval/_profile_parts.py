"""Parts of a :class:`~musiceval.DatasetProfile` kept apart from ``musiceval._dataset_profile``:
the checks of its metrics and pitch axis, its conventions as plain values, what a merge
checks, and the profile's bar index (:class:`musiceval.originality.BarIndex`), checked against
the profile, merged, and embedded in the profile's JSON document.

The index is embedded as a sub-document ``{"schema": "musiceval.bar_index", "version": 1,
"encoding": "base64", "npz": ...}``: the bytes of the very ``.npz`` file that
:meth:`BarIndex.save` writes (``musiceval._bar_index_file``), in base64. One format for both.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from musiceval import _bar_index_file as index_file
from musiceval._checks import check_int, check_metric_names, describe, invalid
from musiceval._profile_stats import common_edges, describe_edges
from musiceval.originality import BarIndex
from musiceval.registry import METRICS, PER_TRACK, SCALAR, VECTOR
from musiceval.rolls import Conventions

__all__ = [
    "ENCODING",
    "check_bar_index",
    "check_lowest_pitch",
    "check_mergeable",
    "check_profile_metrics",
    "conventions_dict",
    "decode_bar_index",
    "encode_bar_index",
    "merge_bar_indexes",
]

ENCODING = "base64"
"""How the ``.npz`` bytes of an embedded bar index are written in the JSON document."""


def check_profile_metrics(metrics: Any, *, vectors: bool = True) -> tuple[str, ...]:
    """The metrics a profile holds: distinct per-track metrics, scalar (``SCALAR``; the
    default is ``PER_TRACK``, those of musiceval 0.1) and vector-valued (``VECTOR``);
    track-pair metrics are refused by name, saying why. With ``vectors=False`` (a profile's
    scalar ``metrics``), vector-valued metrics are refused too and an empty sequence is
    allowed."""
    allowed = SCALAR + VECTOR if vectors else SCALAR
    if isinstance(metrics, Sequence) and not isinstance(metrics, str):
        known = [METRICS[m] for m in metrics if isinstance(m, str) and m in METRICS]
        pairwise = [spec.name for spec in known if spec.pairwise]
        if pairwise:
            raise invalid(
                "metrics",
                f"per-track metrics (profiles do not hold track-pair metrics yet) from "
                f"{list(allowed)}",
                received=f"the pairwise {pairwise}",
            )
        vector = [spec.name for spec in known if spec.shape]
        if not vectors and vector:
            raise invalid(
                "metrics", f"scalar per-track metrics from {list(SCALAR)} (vector-valued "
                "metrics go in vectors)", received=f"the vector-valued {vector}",
            )  # fmt: skip
        if not vectors and len(metrics) == 0:
            return ()
    return check_metric_names("metrics", metrics, allowed, default=PER_TRACK)


def check_lowest_pitch(lowest_pitch: Any, n_pitches: int) -> int:
    """``lowest_pitch`` of a profile of ``n_pitches`` pitches: the highest is at most 127."""
    lowest = check_int("lowest_pitch", lowest_pitch, minimum=0)
    if lowest + n_pitches > 128:
        raise invalid(
            "lowest_pitch",
            f"at most {128 - n_pitches} with n_pitches={n_pitches} (the highest pitch is at "
            f"most MIDI 127)",
            received=f"{lowest}, which reaches MIDI {lowest + n_pitches - 1}",
        )
    return lowest


def conventions_dict(conventions: Conventions) -> dict[str, Any]:
    """The fields of ``conventions`` as plain JSON-ready values (``radii`` a list of floats)."""
    values = dataclasses.asdict(conventions)
    values["radii"] = [float(r) for r in conventions.radii]
    return values


def check_mergeable(mine: Any, theirs: Any) -> None:
    """Refuse to merge two profiles that differ in what a merge needs equal, naming both."""

    def differ(what: str, a: Any, b: Any) -> ValueError:
        return invalid(
            "other", f"a profile of the same {what} (cannot merge profiles with different "
            f"{what}: {a} != {b})", theirs,
        )  # fmt: skip

    if (mine.metrics, mine.vector_metrics) != (theirs.metrics, theirs.vector_metrics):
        raise differ(
            "metrics",
            list(mine.metrics + mine.vector_metrics),
            list(theirs.metrics + theirs.vector_metrics),
        )
    if len(mine.tracks) != len(theirs.tracks):
        raise differ(
            "numbers of tracks",
            f"{len(mine.tracks)} {list(mine.tracks)}",
            f"{len(theirs.tracks)} {list(theirs.tracks)}",
        )
    if mine.tracks != theirs.tracks:
        raise differ("track names", list(mine.tracks), list(theirs.tracks))
    a, b = (mine.n_pitches, mine.lowest_pitch), (theirs.n_pitches, theirs.lowest_pitch)
    if a != b:
        raise differ(
            "pitch axes (n_pitches, lowest_pitch)",
            f"n_pitches={a[0]}, lowest_pitch={a[1]}",
            f"n_pitches={b[0]}, lowest_pitch={b[1]}",
        )
    if mine.n_steps != theirs.n_steps:
        raise differ("n_steps", f"n_steps={mine.n_steps}", f"n_steps={theirs.n_steps}")
    ours, others = mine.conventions, theirs.conventions
    if ours != others:
        keys = [key for key in ours if ours[key] != others[key]]
        raise differ(
            "conventions",
            ", ".join(f"{key}={ours[key]!r}" for key in keys),
            ", ".join(f"{key}={others[key]!r}" for key in keys),
        )
    for name in mine.metrics:
        edges_a, edges_b = mine.histogram(name)[1], theirs.histogram(name)[1]
        if common_edges(edges_a, edges_b) is None:
            raise differ(
                f"histogram edges for {name}", describe_edges(edges_a), describe_edges(edges_b)
            )


def check_bar_index(
    index: Any,
    *,
    n_samples: int,
    n_pitches: int,
    n_tracks: int,
    lowest_pitch: int,
    steps_per_bar: int,
) -> BarIndex | None:
    """``index`` (None, or a BarIndex of the profile's rolls: one piece per sample, the same
    pitches, tracks, lowest pitch and bar length), or ValueError naming what differs."""
    if index is None:
        return None
    if not isinstance(index, BarIndex):
        raise invalid("bar_index", "None or a musiceval.originality.BarIndex", index)
    expected = {
        "n_pieces": n_samples,
        "n_pitches": n_pitches,
        "n_tracks": n_tracks,
        "lowest_pitch": lowest_pitch,
        "steps_per_bar": steps_per_bar,
    }
    differing = [name for name, value in expected.items() if getattr(index, name) != value]
    if differing:
        raise invalid(
            "bar_index",
            "the index of the profiled rolls ("
            + ", ".join(f"{name}={expected[name]}" for name in differing)
            + ")",
            received=", ".join(f"{name}={getattr(index, name)}" for name in differing),
        )
    return index


def merge_bar_indexes(mine: BarIndex | None, theirs: BarIndex | None) -> BarIndex | None:
    """The index of two merged profiles: both merged (pieces in the same order as the
    samples), or None, with a warning, when only one profile has one (an index of part of the
    data would count the copies of the rest as original)."""
    if mine is not None and theirs is not None:
        return mine.merge(theirs)
    if mine is not None or theirs is not None:
        which = "this profile" if mine is not None else "other"
        warnings.warn(
            f"only {which} has a bar index; the merged profile has none (an index of part of "
            "the data would miss copies of the rest): build both with bar_index=True, or "
            "attach one with DatasetProfile.with_bar_index",
            UserWarning,
            stacklevel=3,
        )
    return None


def encode_bar_index(index: BarIndex) -> dict[str, Any]:
    """The sub-document of ``index``: its ``.npz`` file's bytes, in base64."""
    with tempfile.TemporaryDirectory(prefix="musiceval-") as folder:
        data = index.save(Path(folder) / "bar_index.npz").read_bytes()
    return {
        "schema": index_file.SCHEMA,
        "version": index_file.VERSION,
        "encoding": ENCODING,
        "npz": base64.b64encode(data).decode("ascii"),
    }


def decode_bar_index(entry: Any, source: str) -> BarIndex:
    """The index of a sub-document of :func:`encode_bar_index`, or ValueError (a
    DocumentError when the ``.npz`` bytes are not a bar index of this version)."""
    expected = {"schema": index_file.SCHEMA, "version": index_file.VERSION, "encoding": ENCODING}
    if not isinstance(entry, Mapping):
        raise ValueError(f"field bar_index must be an object; got {describe(entry)}")
    got = {key: entry.get(key) for key in expected}
    if got != expected:
        raise ValueError(
            f"field bar_index must be {expected} (this musiceval reads that version only); "
            f"got {got}"
        )
    text = entry.get("npz")
    try:
        if not isinstance(text, str):
            raise TypeError(f"got {describe(text)}")
        data = base64.b64decode(text, validate=True)
    except (TypeError, ValueError, binascii.Error) as error:
        raise ValueError(f"field bar_index.npz must be base64 text; {error}") from None
    index_file.from_bytes(data, f"{source} (field bar_index)")  # refuses, naming the profile
    with tempfile.TemporaryDirectory(prefix="musiceval-") as folder:
        path = Path(folder) / "bar_index.npz"
        path.write_bytes(data)
        return BarIndex.load(path)
