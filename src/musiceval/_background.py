"""The background writer: the Monitor's slow work in a process of its own.

Figures (matplotlib), MIDI, audio and sinks are mostly Python: in a thread they would hold the
interpreter lock and stall the training step that calls ``Monitor.update``. They run in a child
process instead (``python -m musiceval._background_main``, a fresh interpreter, so the user's
script is never imported again). The parent only queues small messages: a sender thread
pickles them into the child's stdin, a receiver thread reads the child's answers (files written,
or a failure) from its stdout. A failure is raised, with the child's traceback, by the next
:meth:`BackgroundWriter.check`, :meth:`flush` or :meth:`close`. When the parent dies the child
reads the end of its input and exits; every file it writes is replaced atomically.
"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

__all__ = ["BackgroundError", "BackgroundWriter", "WriterSpec", "read_message", "write_message"]

_HEADER = struct.Struct("!Q")


@dataclass(frozen=True)
class WriterSpec:
    """What the child needs: where to write (``samples_dir`` defaults to ``out_dir/samples``),
    the reference and metrics of the history it keeps (none without a profile), the options of
    the listening files, the sinks."""

    out_dir: Path | None
    profile: Any = None  # DatasetProfile
    metrics: tuple[str, ...] = ()
    listening: dict[str, Any] = field(default_factory=dict)
    sinks: tuple[Any, ...] = ()
    samples_dir: Path | None = None


class BackgroundError(RuntimeError):
    """The background writer failed: the message holds the child's error and traceback."""


def write_message(stream: IO[bytes], message: Any) -> None:
    """Write one pickled message, prefixed by its length."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_message(stream: IO[bytes]) -> Any:
    """Read one message (from a buffered or a raw stream); EOFError at the end of the stream."""
    size = _HEADER.unpack(_read_exactly(stream, _HEADER.size))[0]
    return pickle.loads(_read_exactly(stream, size))  # our own process's messages


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    parts, missing = [], size
    while missing:
        part = stream.read(missing)
        if not part:
            raise EOFError
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


class BackgroundWriter:
    """A child process running the Monitor's file and sink work, in order.

    Parameters
    ----------
    start : object
        The child's set-up (a picklable ``_background_main.WriterSpec``).
    """

    def __init__(self, start: Any) -> None:
        # The child finds musiceval, and the modules the sinks' classes come from, where this
        # process does (a sink's class must live in a module, not in the __main__ script).
        root = str(Path(__file__).resolve().parents[1])
        paths = [root, *(path for path in sys.path if path)]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "musiceval._background_main"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        )
        self._outbox: queue.Queue[Any] = queue.Queue()
        self._lock = threading.Condition()
        self._outputs: dict[str, Path] = {}
        self._failure: str | None = None
        self._answered = self._flushes = 0
        self._seconds = 0.0
        self._ended = False
        self._sender = threading.Thread(target=self._send, name="musiceval-sender", daemon=True)
        self._receiver = threading.Thread(target=self._receive, name="musiceval-receiver",
                                          daemon=True)  # fmt: skip
        self._sender.start()
        self._receiver.start()
        self.submit("start", start)

    @property
    def outputs(self) -> dict[str, Path]:
        """Files the child has written, by description (the latest of each)."""
        with self._lock:
            return dict(self._outputs)

    @property
    def seconds(self) -> float:
        """Time the child spent working, as it reported."""
        with self._lock:
            return self._seconds

    def submit(self, command: str, payload: Any = None) -> None:
        """Queue a command; raise the failure of an earlier one."""
        self.check()
        if self._ended:
            raise RuntimeError("the background writer is closed")
        self._outbox.put((command, payload))

    def check(self) -> None:
        """Raise :class:`BackgroundError` if the child failed (once)."""
        with self._lock:
            failure, self._failure = self._failure, None
        if failure is not None:
            raise BackgroundError(failure)

    def flush(self) -> None:
        """Wait until the child has done everything queued so far."""
        with self._lock:
            self._flushes += 1
            wanted = self._flushes
        self._outbox.put(("flush", wanted))
        with self._lock:
            self._lock.wait_for(lambda: self._answered >= wanted or self._ended)
        self.check()

    def close(self) -> None:
        """Let the child finish its work and exit; raise its failure, if any."""
        if not self._ended:
            self._outbox.put(("close", None))
            self._sender.join()
            self._process.wait()
            self._receiver.join()
            assert self._process.stdout is not None
            self._process.stdout.close()
            self._ended = True
            if self._process.returncode and self._failure is None:
                self._failure = f"the writer process exited with code {self._process.returncode}"
        self.check()

    def _send(self) -> None:
        assert self._process.stdin is not None
        while True:
            command, payload = self._outbox.get()
            try:
                write_message(self._process.stdin, (command, payload))
            except (BrokenPipeError, OSError):
                return  # the child died: the receiver reports it
            if command == "close":
                self._process.stdin.close()
                return

    def _receive(self) -> None:
        assert self._process.stdout is not None
        while True:
            try:
                kind, value = read_message(self._process.stdout)
            except EOFError:
                with self._lock:
                    self._ended = True
                    self._lock.notify_all()
                return
            with self._lock:
                if kind == "outputs":
                    self._outputs.update(value)
                elif kind == "seconds":
                    self._seconds = value
                elif kind == "flushed":
                    self._answered = value
                elif kind == "failed" and self._failure is None:
                    self._failure = value
                self._lock.notify_all()
