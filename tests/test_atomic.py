"""The atomic-write helpers: a file is replaced whole or not at all, and what killed writers
leave behind is removed by the next write to the same target."""

import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from musiceval import _atomic

# ---------------------------------------------------------------------- atomic writes


def test_atomic_path_replaces_an_existing_file(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old")
    with _atomic.atomic_path(path) as temporary:
        assert temporary.parent == tmp_path and temporary.exists() and temporary != path
        assert path.read_text() == "old"  # untouched until the block succeeds
        temporary.write_text("new")
    assert path.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.parametrize("exception", [RuntimeError, KeyboardInterrupt])
def test_an_exception_leaves_no_file_and_no_temporary(tmp_path, exception):
    with pytest.raises(exception), _atomic.atomic_path(tmp_path / "new.txt") as temporary:
        temporary.write_text("half")
        raise exception()
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "old.txt").write_text("old")

    def fail(file):
        file.write("half")
        raise exception()

    with pytest.raises(exception):
        _atomic.atomic_write(tmp_path / "old.txt", fail)
    assert [p.name for p in tmp_path.iterdir()] == ["old.txt"]
    assert (tmp_path / "old.txt").read_text() == "old"


def test_atomic_write_text_and_binary(tmp_path):
    text = _atomic.atomic_write(tmp_path / "a.txt", lambda f: f.write("é\n"))
    assert text.read_bytes() == "é\n".encode()
    data = _atomic.atomic_write(tmp_path / "b.bin", lambda f: f.write(b"\x00\x01"), binary=True)
    assert data.read_bytes() == b"\x00\x01"


def test_atomic_files_get_ordinary_permissions(tmp_path):
    (tmp_path / "plain.txt").write_text("x")
    written = _atomic.atomic_write(tmp_path / "atomic.txt", lambda f: f.write("x"))
    mode = stat.S_IMODE
    assert mode(written.stat().st_mode) == mode((tmp_path / "plain.txt").stat().st_mode)


def test_atomic_path_refuses_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError), _atomic.atomic_path(tmp_path):
        pass
    with pytest.raises(FileNotFoundError), _atomic.atomic_path(tmp_path / "no" / "x.txt"):
        pass


# ---------------------------------------------------------------------- leftovers of killed writers

# Writes 1 MiB chunks through atomic_write until killed (at most 1 GiB, then it waits).
SLOW_WRITER = """
import sys, time
from musiceval._atomic import atomic_write

def write(file):
    for _ in range(1024):
        file.write(b"x" * (1 << 20))
        file.flush()
        time.sleep(0.01)
    time.sleep(600)

atomic_write(sys.argv[1], write, binary=True)
"""

# Writes its pid into the temporary, then waits for a line on stdin before finishing.
WAITING_WRITER = """
import os, sys
from musiceval._atomic import atomic_write

def write(file):
    file.write(str(os.getpid()))
    file.flush()
    print("writing", flush=True)
    sys.stdin.readline()

atomic_write(sys.argv[1], write)
"""


def _temporaries(directory):
    return sorted(path.name for path in directory.iterdir() if path.name.endswith((".tmp", ".old")))


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _host_tag(directory) -> str:
    """This host's tag in temporary names, read off a temporary made here."""
    with _atomic.atomic_path(directory / "probe") as temporary:
        return temporary.name.split(".")[2].split("@")[1]


def test_a_killed_writer_s_temporary_goes_at_the_next_write(tmp_path):
    target = tmp_path / "checkpoint.pt"
    writer = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(target)])
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            sizes = [p.stat().st_size for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
            if sizes and sizes[0] >= 8 << 20:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the writer wrote nothing")
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    (leftover,) = _temporaries(tmp_path)
    assert leftover.startswith(f".checkpoint.pt.{writer.pid}@") and not target.exists()
    _atomic.atomic_write(target, lambda file: file.write(b"new"), binary=True)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["checkpoint.pt"]
    assert target.read_bytes() == b"new"


def test_a_live_writer_s_temporary_is_left_alone(tmp_path):
    target = tmp_path / "metrics.png"
    writer = subprocess.Popen(
        [sys.executable, "-c", WAITING_WRITER, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline() == "writing\n"
    _atomic.atomic_write(target, lambda file: file.write("mine"))  # meanwhile, another write
    (theirs,) = _temporaries(tmp_path)
    assert theirs.startswith(f".metrics.png.{writer.pid}@")
    writer.communicate("go\n", timeout=120)
    assert writer.returncode == 0
    assert target.read_text() == str(writer.pid)  # the live writer finished: its file won
    assert _temporaries(tmp_path) == []


def test_which_leftovers_are_stale(tmp_path):
    host, dead = _host_tag(tmp_path), _dead_pid()
    elsewhere = "000000" if host != "000000" else "111111"
    names = {
        f".report.txt.{dead}@{host}.0123abcd.tmp": False,  # a dead writer of this host
        f".report.txt.{os.getpid()}@{host}.0123abcd.tmp": True,  # this process: in flight
        f".report.txt.{dead}@{elsewhere}.0123abcd.tmp": True,  # a writer on another host
        ".report.txt.89abcdef.tmp": True,  # 0.1.0's name, changed a minute ago
        ".report.txt.76543210.tmp": False,  # 0.1.0's name, two hours old
        ".report.txt.backup": True,  # not a temporary
        f".other.txt.{dead}@{host}.0123abcd.tmp": True,  # another target's
    }
    for name in names:
        (tmp_path / name).write_text("partial")
    two_hours_ago = time.time() - 7200
    os.utime(tmp_path / ".report.txt.76543210.tmp", (two_hours_ago, two_hours_ago))
    os.utime(tmp_path / ".report.txt.89abcdef.tmp", (time.time() - 60,) * 2)
    _atomic.atomic_write(tmp_path / "report.txt", lambda file: file.write("done"))
    kept = {name for name in names if names[name]} | {"report.txt", "probe"}
    assert {path.name for path in tmp_path.iterdir()} == kept


def test_a_directory_swap_cut_between_its_renames_is_put_back(tmp_path):
    host, dead = _host_tag(tmp_path), _dead_pid()
    target = tmp_path / "report"
    old = tmp_path / f".report.{dead}@{host}.0123abcd.old"  # the old report, moved aside
    old.mkdir()
    (old / "report.md").write_text("old report")
    (tmp_path / f".report.{dead}@{host}.89abcdef.tmp").mkdir()  # the unfinished new one
    with pytest.raises(RuntimeError), _atomic.atomic_directory(target) as temporary:
        (temporary / "report.md").write_text("half")
        raise RuntimeError("failed while writing")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["probe", "report"]
    assert (target / "report.md").read_text() == "old report"
    with _atomic.atomic_directory(target) as temporary:
        (temporary / "report.md").write_text("new report")
    assert (target / "report.md").read_text() == "new report"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["probe", "report"]


def test_a_symlinked_directory_is_written_through(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_text("old")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    for text in ("new", "newer"):
        with _atomic.atomic_directory(link) as temporary:
            (temporary / "b.txt").write_text(text)
        assert link.is_symlink() and (link / "b.txt").read_text() == text
        assert sorted(path.name for path in real.iterdir()) == ["b.txt"]
        assert sorted(path.name for path in tmp_path.iterdir()) == ["link", "real"]
