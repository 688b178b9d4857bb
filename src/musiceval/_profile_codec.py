"""The JSON document of a dataset profile (schema ``musiceval.profile``, version 1): from and to
the arguments of :class:`~musiceval._dataset_profile.DatasetProfile`.

A profile with a bar index has one more field, ``"bar_index"``, a versioned sub-document
(``musiceval._profile_parts.encode_bar_index``); a document without it (musiceval 0.1.0's, or a
profile without an index) gives ``bar_index=None``. A profile of vector-valued metrics has the
field ``"vectors"``: ``{"metrics": [...], "statistics": {name: {"count", "n_nan", "mean",
"m2", "min", "max"}}, "samples": {name: ...}}``, each array ``(n_tracks, *shape)`` (samples
``(n_kept, n_tracks, *shape)``); a document without it holds none. Older readers ignore both
fields.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from musiceval import _documents
from musiceval._checks import describe
from musiceval._documents import decode_floats
from musiceval._profile_parts import decode_bar_index, encode_bar_index
from musiceval._profile_stats import FLOAT_FIELDS, INT_FIELDS
from musiceval.exceptions import DocumentError

__all__ = ["SCHEMA", "SCHEMA_VERSION", "document_from_fields", "fields_from_document", "read_json"]

SCHEMA = "musiceval.profile"
"""The ``"schema"`` field of a saved profile."""

SCHEMA_VERSION = 1
"""The ``"version"`` field of a saved profile; :meth:`DatasetProfile.load` reads only this one."""

_DESCRIPTION = (
    "tracks", "conventions", "n_samples", "n_steps", "n_pitches", "lowest_pitch",
    "reservoir_size", "seed",
)  # fmt: skip


def document_from_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The profile document of a profile's constructor arguments."""
    metrics = list(fields["metrics"])
    statistics = {}
    for name in metrics:
        stats = fields["statistics"][name]
        entry: dict[str, Any] = {field: stats[field] for field in (*INT_FIELDS, *FLOAT_FIELDS)}
        entry["histogram"] = {"edges": stats["edges"], "counts": stats["histogram"]}
        statistics[name] = entry
    body = {
        "musiceval_version": fields["version"],
        "metrics": metrics,
        **{key: fields[key] for key in _DESCRIPTION},
        "statistics": statistics,
        "samples": {name: fields["samples"][:, m] for m, name in enumerate(metrics)},
    }
    if fields.get("bar_index") is not None:
        body["bar_index"] = encode_bar_index(fields["bar_index"])
    vectors = fields.get("vectors") or {}
    if vectors:
        body["vectors"] = {
            "metrics": list(vectors),
            "statistics": {
                name: {field: vectors[name][field] for field in (*INT_FIELDS, *FLOAT_FIELDS)}
                for name in vectors
            },
            "samples": {name: vectors[name]["samples"] for name in vectors},
        }
    return _documents.document(SCHEMA, SCHEMA_VERSION, body)


def fields_from_document(document: Mapping[str, Any], source: str = "document") -> dict[str, Any]:
    """The constructor's arguments from a checked profile document (read from ``source``).

    Raises
    ------
    ValueError
        A field is missing or of the wrong JSON type; the message names it with its path
        (``statistics.n_notes.histogram.counts``). Values are checked by the constructor.
    """
    metrics = _field(document, "metrics", list)
    if not all(isinstance(name, str) for name in metrics):
        raise ValueError(f"field metrics must be a list of metric names; got {metrics!r:.200}")
    statistics = {}
    for name in metrics:
        path = f"statistics.{name}"
        entry = _field(_field(document, "statistics", dict), name, dict, "statistics")
        stats: dict[str, Any] = {
            f: _ints(_field(entry, f, None, path), path, f) for f in INT_FIELDS
        }
        for field in FLOAT_FIELDS:
            stats[field] = _floats(_field(entry, field, None, path), path, field)
        histogram = _field(entry, "histogram", dict, path)
        path += ".histogram"
        stats["edges"] = _floats(_field(histogram, "edges", None, path), path, "edges")
        stats["histogram"] = _ints(_field(histogram, "counts", None, path), path, "counts")
        statistics[name] = stats
    samples = _field(document, "samples", dict)
    columns = [_floats(_field(samples, m, None, "samples"), "samples", m) for m in metrics]
    if len({column.shape for column in columns}) > 1:
        raise ValueError("field samples must hold one (n_kept, n_tracks) list per metric")
    vectors = _vectors(document["vectors"]) if "vectors" in document else {}
    if columns:
        kept = np.stack(columns, axis=1)
    else:  # only vector-valued metrics: no scalar column, as many rows as their reservoir
        first = [entry["samples"] for entry in vectors.values()][:1]
        rows = np.shape(first[0])[0] if first and np.ndim(first[0]) else 0
        kept = np.zeros((rows, 0, len(_field(document, "tracks", list))))
    return {
        "metrics": metrics,
        "statistics": statistics,
        "samples": kept,
        "version": _field(document, "musiceval_version", str),
        **{key: _field(document, key, _KINDS.get(key)) for key in _DESCRIPTION},
        "bar_index": (
            decode_bar_index(document["bar_index"], source) if "bar_index" in document else None
        ),
        "vectors": vectors,
    }


def _vectors(entry: Any) -> dict[str, dict[str, np.ndarray]]:
    """The ``vectors`` argument of the constructor from the document's ``"vectors"`` field, or
    ValueError naming the field (``vectors.statistics.pitch_class_histogram.mean``)."""
    if not isinstance(entry, dict):
        raise ValueError(f"field vectors must be an object; got {describe(entry)}")
    names = _field(entry, "metrics", list, "vectors")
    if not all(isinstance(name, str) for name in names) or len(set(names)) != len(names):
        raise ValueError(
            f"field vectors.metrics must be a list of distinct metric names; got {names!r:.200}"
        )
    statistics = _field(entry, "statistics", dict, "vectors")
    samples = _field(entry, "samples", dict, "vectors")
    vectors = {}
    for name in names:
        path = f"vectors.statistics.{name}"
        stats = _field(statistics, name, dict, "vectors.statistics")
        fields = {f: _ints(_field(stats, f, None, path), path, f) for f in INT_FIELDS}
        for field in FLOAT_FIELDS:
            fields[field] = _floats(_field(stats, field, None, path), path, field)
        fields["samples"] = _floats(
            _field(samples, name, None, "vectors.samples"), "vectors.samples", name
        )
        vectors[name] = fields
    return vectors


def read_json(path: Path, what: str) -> Any:
    """The JSON content of the file ``path``, or DocumentError saying it is not a JSON
    ``what`` (not JSON, not UTF-8, or nested too deeply to read)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DocumentError(f"{path} is not a JSON {what}: {exc}") from exc
    except RecursionError:
        raise DocumentError(f"{path} is not a JSON {what}: nested too deeply") from None


_JSON_TYPES: dict[type, str] = {dict: "an object", list: "a list", str: "a string"}
_KINDS: dict[str, type] = {
    "tracks": list,
    "conventions": dict,
}  # the other fields are checked by the constructor


def _field(mapping: Mapping[str, Any], key: str, kind: type | None = None, parent: str = "") -> Any:
    """``mapping[key]``, or ValueError naming the field (``parent.key``) when it is missing or
    not a ``kind``."""
    path = f"{parent}.{key}" if parent else key
    if key not in mapping:
        raise ValueError(f"missing field {path}")
    value = mapping[key]
    if kind is not None and not isinstance(value, kind):
        raise ValueError(f"field {path} must be {_JSON_TYPES[kind]}; got {describe(value)}")
    return value


def _floats(value: Any, parent: str, key: str) -> np.ndarray:
    """Nested lists of numbers (or "nan", "inf", "-inf") as a float64 array."""
    try:
        return decode_floats(value)
    except (TypeError, ValueError, RecursionError) as exc:
        what = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ValueError(
            f"field {parent}.{key} must hold numbers in lists of one shape; {what}"
        ) from None


def _ints(value: Any, parent: str, key: str) -> np.ndarray:
    """Nested lists of JSON integers (not true or false) within int64, as an int64 array."""

    def walk(item: Any) -> Any:
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, bool) or not isinstance(item, int) or abs(item) >= 2**63:
            raise ValueError(f"expected integers; got {describe(item)}")
        return item

    try:
        return np.array(walk(value), dtype=np.int64)
    except (ValueError, RecursionError) as exc:
        what = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise ValueError(
            f"field {parent}.{key} must hold integers in lists of one shape; {what}"
        ) from None
