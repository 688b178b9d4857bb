"""The atomic-write helpers: a file is replaced whole or not at all."""

import stat

import pytest

from musiceval import _atomic

matplotlib = pytest.importorskip("matplotlib")


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
