"""The file of a :class:`musiceval.originality.BarIndex`: one ``.npz`` archive.

The archive holds the index's row arrays (``_bar_index.ROWS``) and ``document``, the JSON text
of a ``musiceval._documents`` document of schema :data:`SCHEMA`, version :data:`VERSION`, that
gives the shape of the rolls indexed and the counts of pieces and bars. The file is written
atomically; a file that is not such an archive, of another version, or whose arrays disagree
with its document is refused with :class:`~musiceval.exceptions.DocumentError`.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from musiceval import _documents
from musiceval._atomic import atomic_write
from musiceval._bar_index import ROWS
from musiceval.exceptions import DocumentError

__all__ = ["SCHEMA", "VERSION", "WHAT", "from_bytes", "read", "to_bytes", "write"]

SCHEMA = "musiceval.bar_index"
VERSION = 1
WHAT = "musiceval bar index"
SHAPE = ("n_pitches", "n_tracks", "steps_per_bar", "lowest_pitch")


def to_bytes(head: dict[str, Any], rows: dict[str, np.ndarray]) -> bytes:
    """The file's bytes: ``rows`` and the document of ``head`` (shape and counts)."""
    document = _documents.document(SCHEMA, VERSION, head)
    arrays: dict[str, Any] = {"document": np.array(json.dumps(document)), **rows}
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def write(path: Path, head: dict[str, Any], rows: dict[str, np.ndarray]) -> Path:
    """Write ``rows`` and the document of ``head`` (shape and counts) to ``path``."""
    data = to_bytes(head, rows)
    return atomic_write(path, lambda file: file.write(data), binary=True)


def read(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The checked document and rows of the file at ``path``."""
    return _parse(path, str(path))


def from_bytes(data: bytes, source: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The checked document and rows of the bytes of a file (:func:`to_bytes`); errors name
    ``source``."""
    return _parse(io.BytesIO(data), source)


def _parse(file: Path | io.BytesIO, source: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    try:
        with np.load(file, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        content = json.loads(str(arrays.pop("document")))
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
        message = f"{source} is not a {WHAT}: {type(error).__name__}: {error}"
        raise DocumentError(message) from error
    head = _documents.check(content, SCHEMA, VERSION, what=WHAT, source=source)
    problem = _problem(head, arrays)
    if problem:
        raise DocumentError(f"{source} is a damaged {WHAT}: {problem}")
    return head, {name: arrays[name] for name in ROWS}


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _problem(head: dict[str, Any], arrays: dict[str, np.ndarray]) -> str:
    """What is wrong with a checked document and its arrays ("" when nothing)."""
    counts = (*SHAPE, "n_pieces", "n_bars")
    if not all(_is_count(head.get(name)) for name in counts):
        return f"its document must give {list(counts)} as counts"
    missing = sorted(set(ROWS) - set(arrays))
    if missing:
        return f"arrays {missing} are missing"
    n = len(arrays["piece"])
    for name, dtype in ROWS.items():
        shape = (n, head["n_tracks"]) if name.startswith("track_") else (n,)
        if arrays[name].dtype != dtype or arrays[name].shape != shape:
            return f"array {name!r} has dtype {arrays[name].dtype} and shape {arrays[name].shape}"
    if n != head["n_bars"]:
        return f"it holds {n} bars; its document says {head['n_bars']}"
    pieces, bars = arrays["piece"], arrays["bar"]
    if n and not (0 <= pieces.min() and pieces.max() < head["n_pieces"] and 0 <= bars.min()):
        return "its pieces or bars are out of range"
    return ""
