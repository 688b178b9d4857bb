"""The one format of everything musiceval writes as JSON: profiles, report.json, config.json,
summary.json and the metadata of checkpoints.

A document is a JSON object that starts ``{"schema": ..., "version": ..., "musiceval_version":
...}`` and then holds its own fields. Non-finite floats are written as the strings ``"nan"``,
``"inf"`` and ``"-inf"`` (standard JSON, and an exact round trip with :func:`decode_floats`).
:func:`check` is the one reader's check: a document of another schema or version is refused with
the same message whatever its kind. Files are written atomically (``_atomic``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from musiceval._atomic import atomic_write
from musiceval._version import __version__
from musiceval.exceptions import DocumentError

__all__ = [
    "NON_FINITE",
    "check",
    "decode_float",
    "decode_floats",
    "document",
    "dumps",
    "encode",
    "load",
    "save",
]

NON_FINITE: dict[str, float] = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
"""How non-finite floats are written, and read back."""


def encode(value: Any) -> Any:
    """``value`` as plain JSON values: numpy arrays and scalars become lists and numbers,
    tuples lists, and non-finite floats the strings of :data:`NON_FINITE`."""
    if isinstance(value, Mapping):
        return {str(key): encode(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return encode(value.tolist())
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return "nan"
        if math.isinf(number):
            return "inf" if number > 0 else "-inf"
        return number
    return value


def decode_float(value: Any) -> float:
    """A number, or one of the strings of :data:`NON_FINITE`, as a float."""
    if isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, 'nan', 'inf' or '-inf'; got {value!r}")
    return float(value)


def decode_floats(values: Any) -> np.ndarray:
    """Nested lists of :func:`decode_float` values as a float64 array."""

    def walk(item: Any) -> Any:
        return [walk(v) for v in item] if isinstance(item, list) else decode_float(item)

    return np.array(walk(values), dtype=np.float64)


def dumps(value: Any, depth: int = 0) -> str:
    """JSON with one entry per line, except that lists of scalars stay on one line."""
    indent = "  " * (depth + 1)
    close = "  " * depth
    if isinstance(value, dict) and value:
        items = [f"{indent}{json.dumps(k)}: {dumps(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + close + "}"
    if isinstance(value, list) and any(isinstance(v, list | dict) for v in value):
        items = [indent + dumps(v, depth + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + close + "]"
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


def document(schema: str, version: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """The document ``{"schema", "version", "musiceval_version", **body}``, encoded.

    ``body`` may set ``musiceval_version`` itself (a profile keeps the version that computed
    it); otherwise it is this musiceval's.
    """
    head = {"schema": schema, "version": version, "musiceval_version": __version__}
    return encode({**head, **body})


def save(path: str | os.PathLike[str], schema: str, version: int, body: Mapping[str, Any]) -> Path:
    """Write :func:`document` to ``path`` atomically (the directory must exist)."""
    text = dumps(document(schema, version, body)) + "\n"
    return atomic_write(path, lambda file: file.write(text))


def check(
    content: Any,
    schema: str,
    version: int,
    *,
    what: str,
    source: str,
    aliases: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``content`` if it is a ``schema`` document of ``version``, else :class:`DocumentError`.

    ``what`` names the kind in messages (``"musiceval profile"``), ``source`` the file.
    ``aliases`` maps another key to the schema name it may hold instead of ``"schema"`` (the
    checkpoints of 0.1.0 said ``"format"``).
    """
    found = None
    if isinstance(content, Mapping):
        found = content.get("schema")
        for key, name in (aliases or {}).items():
            if found is None and content.get(key) == name:
                found = schema
    if found != schema:
        raise DocumentError(f"{source} is not a {what}: expected schema {schema!r}, got {found!r}")
    assert isinstance(content, Mapping)
    found_version = content.get("version")
    if isinstance(found_version, bool) or found_version != version:  # True == 1 in Python
        raise DocumentError(
            f"{source} holds a {what} of schema version {found_version!r}; this "
            f"musiceval reads version {version} only (write it again with this version)"
        )
    return dict(content)


def load(path: str | os.PathLike[str], schema: str, version: int, *, what: str) -> dict[str, Any]:
    """Read and :func:`check` the JSON document at ``path``."""
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise DocumentError(f"{path} is not a JSON {what}: {type(exc).__name__}: {exc}") from exc
    return check(content, schema, version, what=what, source=str(path))
