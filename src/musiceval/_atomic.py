"""Atomic writes: the one helper every file (and report directory) the library writes goes through.

A file is written to a temporary sibling (same directory, so same filesystem), flushed to disk,
then renamed over the target with :func:`os.replace`, which is atomic on POSIX and Windows.
Readers see either the old file or the complete new one, never a half-written file; if the
writer raises (or the process is interrupted by ``KeyboardInterrupt``), the temporary file is
removed and the target is left as it was. :func:`atomic_directory` does the same for a
directory of files written together (a report).

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
>>> atomic_write(target, lambda f: f.write("hello\\n")) == target
True
>>> target.read_text()
'hello\\n'
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["atomic_directory", "atomic_path", "atomic_write"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path that replaces ``path`` when the ``with`` block succeeds.

    Write the whole file to the yielded path (for instance ``figure.savefig(tmp, format="png")``
    or ``frame.to_csv(tmp)``). On normal exit the temporary file is flushed to disk and renamed
    over ``path``; on any exception it is deleted and ``path`` is untouched.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. Its directory must exist; an existing file is replaced.

    Yields
    ------
    pathlib.Path
        An empty file ``.{name}.{random}.tmp`` in the same directory, created with the
        permissions of a new file (``0o666`` minus the umask).

    Raises
    ------
    IsADirectoryError
        ``path`` is an existing directory.
    FileNotFoundError
        The directory of ``path`` does not exist.
    """
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"path {str(target)!r} is a directory; expected a file path")
    temporary = _create_sibling(target)
    try:
        yield temporary
        _fsync(temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def atomic_write(
    path: str | os.PathLike[str],
    write: Callable[[IO[Any]], object],
    *,
    binary: bool = False,
    encoding: str = "utf-8",
    newline: str | None = None,
) -> Path:
    """Write a file atomically through a callable that writes to an open file.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write (its directory must exist; an existing file is replaced).
    write : callable
        Called once with the open temporary file (``write(f)``); its return value is ignored.
    binary : bool, default=False
        Open the file in binary mode (``"wb"``) instead of text mode (``"w"``).
    encoding : str, default="utf-8"
        Text encoding (text mode only).
    newline : str, optional
        Passed to :func:`open` in text mode (``""`` for the :mod:`csv` module).

    Returns
    -------
    pathlib.Path
        ``path``, now holding exactly what ``write`` wrote.
    """
    target = Path(path)
    with atomic_path(target) as temporary:
        if binary:
            with open(temporary, "wb") as file:
                write(file)
        else:
            with open(temporary, "w", encoding=encoding, newline=newline) as file:
                write(file)
    return target


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary directory that replaces directory ``path`` when the block succeeds.

    Write every file into the yielded directory. On normal exit its files are flushed to disk,
    an existing ``path`` is renamed aside, the new directory is renamed to ``path`` and the old
    one is deleted; on any exception the temporary directory is deleted and ``path`` is
    untouched. Readers never see a mix of old and new files. (Between the two renames ``path``
    is briefly absent; a crash exactly there leaves the complete old directory as
    ``.{name}.{random}.old`` beside it.)

    Parameters
    ----------
    path : str or os.PathLike
        The directory to write; its parent is created if missing. An existing directory is
        replaced whole, with everything in it: callers check that it holds nothing else of
        value.

    Yields
    ------
    pathlib.Path
        An empty directory ``.{name}.{random}.tmp`` beside ``path``.

    Raises
    ------
    NotADirectoryError
        ``path`` exists and is not a directory.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"path {str(target)!r} exists and is not a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = _create_sibling(target, directory=True)
    try:
        yield temporary
        for item in temporary.rglob("*"):
            if item.is_file():
                _fsync(item)
        if target.exists():
            old = _create_sibling(target, directory=True, suffix="old")
            os.replace(target, old)
            os.replace(temporary, target)
            shutil.rmtree(old)
        else:
            os.replace(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _create_sibling(target: Path, *, directory: bool = False, suffix: str = "tmp") -> Path:
    """Create a new empty file (or directory) next to ``target`` with a random name."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        candidate = target.with_name(f".{target.name}.{secrets.token_hex(4)}.{suffix}")
        try:
            if directory:
                os.mkdir(candidate, 0o777)
            else:
                os.close(os.open(candidate, flags, 0o666))
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"could not create a temporary path next to {str(target)!r}")


def _fsync(path: Path) -> None:
    """Flush ``path``'s data to disk so that the rename never exposes an empty file."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
