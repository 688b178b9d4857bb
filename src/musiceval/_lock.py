"""One writer per output directory: a lock file holding its owner's process id.

:func:`lock_directory` creates ``<directory>/.musiceval.lock`` atomically (``O_EXCL``). Another
process that finds it alive on this host is refused; a lock left by a process that no longer
runs (killed, crashed) is taken over with a warning. The lock is released by :meth:`release`.
"""

from __future__ import annotations

import json
import os
import socket
import time
import warnings
from pathlib import Path

from musiceval._checks import invalid

__all__ = ["LOCK_NAME", "DirectoryLock", "lock_directory"]

LOCK_NAME = ".musiceval.lock"
"""The lock file's name in the directory it guards."""


class DirectoryLock:
    """A held lock on a directory; :meth:`release` removes the lock file (once)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._held = True

    def release(self) -> None:
        """Remove the lock file if this process still owns it."""
        if self._held:
            self._held = False
            if _owner(self.path) == (os.getpid(), socket.gethostname()):
                self.path.unlink(missing_ok=True)


def lock_directory(directory: Path) -> DirectoryLock:
    """Take the lock on ``directory`` (created if missing) for this process.

    Raises
    ------
    musiceval.InvalidParameterError
        Another running process on this host, or a process on another host, holds it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_NAME
    for _ in range(2):  # a stale lock is removed once, then created again
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            _take_over_if_stale(path, directory)
            continue
        with os.fdopen(descriptor, "w") as file:
            owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
            json.dump(owner, file)
        return DirectoryLock(path)
    raise invalid("out_dir", "a directory no other musiceval process writes to", str(directory))


def _take_over_if_stale(path: Path, directory: Path) -> None:
    owner = _owner(path)
    if owner is not None and owner[1] == socket.gethostname() and not _alive(owner[0]):
        warnings.warn(
            f"{path} was left by process {owner[0]}, which no longer runs; taking it over",
            RuntimeWarning,
            stacklevel=4,
        )
        path.unlink(missing_ok=True)
        return
    holder = "an unreadable lock" if owner is None else f"process {owner[0]} on {owner[1]}"
    raise invalid(
        "out_dir",
        f"a directory no other musiceval process writes to (delete {path} if {holder} is gone)",
        received=f"{str(directory)!r}, locked by {holder}",
    )


def _owner(path: Path) -> tuple[int, str] | None:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        return int(content["pid"]), str(content["host"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True
