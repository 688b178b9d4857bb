"""Atomic writes: the one helper every file (and report directory) the library writes goes through.

A file is written to a temporary sibling (same directory, so same filesystem), flushed to disk,
then renamed over the target with :func:`os.replace`, which is atomic on POSIX and Windows.
Readers see either the old file or the complete new one, never a half-written file; if the
writer raises (or the process is interrupted by ``KeyboardInterrupt``), the temporary file is
removed and the target is left as it was. :func:`atomic_directory` does the same for a
directory of files written together (a report).

A temporary is named ``.{name}.{pid}@{host}.{random}.tmp``: the writer's process id and a short
hash of its host name. A writer killed mid-write (``SIGKILL``, a power cut) cannot remove its
temporary; the next write to the same target does, when the process it names is no longer
alive on this host. Temporaries of live writers (another process writing the same target at the
same time) are left alone, as are those of other hosts. Temporaries named the way musiceval
0.1.0 named them (``.{name}.{random}.tmp``, no process id) are removed once they are
:data:`LEGACY_STALE_SECONDS` old.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
>>> atomic_write(target, lambda f: f.write("hello\\n")) == target
True
>>> target.read_text()
'hello\\n'
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

__all__ = ["LEGACY_STALE_SECONDS", "atomic_directory", "atomic_path", "atomic_write"]

LEGACY_STALE_SECONDS = 3600.0
"""Age (since the last change) after which a temporary without a process id in its name is
taken for a dead writer's and removed by the next write to its target."""

_HOST = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]
_TEMPORARY = re.compile(r"(?:(?P<pid>\d+)@(?P<host>[0-9a-f]{6})\.)?[0-9a-f]{8}\.(?P<kind>tmp|old)")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path that replaces ``path`` when the ``with`` block succeeds.

    Write the whole file to the yielded path (for instance ``figure.savefig(tmp, format="png")``
    or ``frame.to_csv(tmp)``). On normal exit the temporary file is flushed to disk and renamed
    over ``path``; on any exception it is deleted and ``path`` is untouched. Temporaries that
    killed writers left beside ``path`` are removed first (see the module docstring). A
    symbolic link at ``path`` is replaced by the new file; the file it pointed to is kept.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write. Its directory must exist; an existing file is replaced.

    Yields
    ------
    pathlib.Path
        An empty file ``.{name}.{pid}@{host}.{random}.tmp`` in the same directory, created with
        the permissions of a new file (``0o666`` minus the umask).

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
    _remove_stale(target, directory=False)
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
    ``.{name}.{pid}@{host}.{random}.old`` beside it, and the next write to ``path`` puts it
    back before writing.)

    Before anything is written, an existing ``path`` is checked to be removable (every
    directory in it writable): a directory that could not be removed once replaced is refused
    with ``PermissionError`` and left as it is. A symbolic link at ``path`` is followed: the
    directory it points to is replaced and the link kept.

    Parameters
    ----------
    path : str or os.PathLike
        The directory to write; its parent is created if missing. An existing directory is
        replaced whole, with everything in it: callers check that it holds nothing else of
        value.

    Yields
    ------
    pathlib.Path
        An empty directory ``.{name}.{pid}@{host}.{random}.tmp`` beside ``path`` (beside the
        directory a link at ``path`` points to).

    Raises
    ------
    NotADirectoryError
        ``path`` exists and is not a directory.
    PermissionError
        ``path`` (or a directory in it) is not writable, so it could not be replaced whole.
    """
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"path {str(target)!r} exists and is not a directory")
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target, directory=True)
    _check_removable(target)
    temporary = _create_sibling(target, directory=True)
    try:
        yield temporary
        for item in temporary.rglob("*"):
            if item.is_file():
                _fsync(item)
        _swap(temporary, target)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def _swap(temporary: Path, target: Path) -> None:
    """Rename ``temporary`` to ``target``, moving an existing ``target`` aside and deleting it;
    a failure before the new directory is in place puts the old one back."""
    if not target.exists():
        os.replace(temporary, target)
        return
    old = _create_sibling(target, directory=True, suffix="old")
    try:
        os.replace(target, old)
    except BaseException:
        with contextlib.suppress(OSError):
            old.rmdir()
        raise
    try:
        os.replace(temporary, target)
    except BaseException:
        os.replace(old, target)
        raise
    # Checked removable beforehand; what a race leaves is removed by the next write.
    shutil.rmtree(old, ignore_errors=True)


def _check_removable(target: Path) -> None:
    """Raise ``PermissionError`` if an existing directory ``target`` could not be deleted once
    moved aside (a directory in it that this process may not write to)."""
    if not target.is_dir():
        return
    for directory, _, _ in os.walk(target):
        if not os.access(directory, os.W_OK | os.X_OK):
            raise PermissionError(
                errno.EACCES,
                f"cannot replace directory {str(target)!r}: {str(directory)!r} is not writable, "
                f"so its files could not be removed; nothing was changed",
                directory,
            )


def _create_sibling(target: Path, *, directory: bool = False, suffix: str = "tmp") -> Path:
    """Create a new empty file (or directory) next to ``target`` with a name that says which
    process made it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tag = f"{os.getpid()}@{_HOST}.{secrets.token_hex(4)}"
        candidate = target.with_name(f".{target.name}.{tag}.{suffix}")
        try:
            if directory:
                os.mkdir(candidate, 0o777)
            else:
                os.close(os.open(candidate, flags, 0o666))
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"could not create a temporary path next to {str(target)!r}")


def _remove_stale(target: Path, *, directory: bool) -> None:
    """Remove what dead writers of ``target`` left beside it: their temporaries and, for a
    ``directory``, the old directory of a swap cut between its renames (put back as ``target``
    when that is missing). Best effort: whatever cannot be removed stays, and the write goes
    on."""
    prefix = f".{target.name}."
    try:
        with os.scandir(target.parent) as entries:
            found = [entry for entry in entries if entry.name.startswith(prefix)]
    except OSError:
        return
    for entry in sorted(found, key=lambda e: not e.name.endswith(".old")):  # .old first
        match = _TEMPORARY.fullmatch(entry.name[len(prefix) :])
        if match is None or (match["kind"] == "old" and not directory):
            continue
        if not _is_stale(match, entry):
            continue
        leftover = Path(entry.path)
        with contextlib.suppress(OSError):
            is_directory = entry.is_dir(follow_symlinks=False)
            if match["kind"] == "old" and is_directory and not os.path.lexists(target):
                os.replace(leftover, target)
            elif is_directory:
                shutil.rmtree(leftover)
            else:
                leftover.unlink()


def _is_stale(match: re.Match[str], entry: os.DirEntry[str]) -> bool:
    """Whether the temporary ``entry`` belongs to a writer that is gone."""
    if match["pid"] is not None and os.name == "posix":
        return match["host"] == _HOST and not _alive(int(match["pid"]))
    try:
        changed = entry.stat(follow_symlinks=False).st_mtime
    except OSError:
        return False
    return time.time() - changed > LEGACY_STALE_SECONDS


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (a process of another user counts)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OSError, OverflowError):
        return True  # PermissionError: alive, another user's
    return True


def _fsync(path: Path) -> None:
    """Flush ``path``'s data to disk so that the rename never exposes an empty file."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
