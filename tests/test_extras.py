"""Without an extra (``pip install musiceval`` alone), what needs it says which to install.

Each case runs in a fresh interpreter where the extra's module cannot be imported
(``sys.modules[name] = None`` before musiceval is imported, which is what Python does for a
module that is not installed, with another message), so the rest of the test session keeps its
modules.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from musiceval import io

MIDI = 'install it with pip install "musiceval[midi]"'
AUDIO = 'install it with pip install "musiceval[audio]"'


def _without(modules: list[str], body: str) -> subprocess.CompletedProcess[str]:
    """Run ``body`` where ``modules`` cannot be imported; it prints what it checks."""
    hide = "".join(f"sys.modules[{name!r}] = None\n" for name in modules)
    code = "import sys\n" + hide + textwrap.dedent(body)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )


CALLS = """
import numpy as np
from musiceval import io

def report(name, call):
    try:
        call()
    except ModuleNotFoundError as error:
        print(name, "|", type(error).__name__, "|", error.name, "|", error)
    else:
        print(name, "| no error")

folder = {folder!r}
x = np.zeros((1, 16, 128, 1), bool)
report("read_midi", lambda: io.read_midi(folder + "/a.mid"))
report("load_midi_folder", lambda: io.load_midi_folder(folder, on_error="skip"))
report("load_rolls(folder)", lambda: io.load_rolls(folder))
report("load_rolls(file)", lambda: io.load_rolls(folder + "/a.mid"))
report("write_midi", lambda: io.write_midi(folder + "/out.mid", x))
report("write_wav", lambda: io.write_wav(folder + "/out.wav", x, synth="sine"))
print("npy", io.load_rolls(folder + "/a.npy").shape)
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    x = np.zeros((1, 64, 128, 1), dtype=bool)
    x[0, :, 60, 0] = True
    io.write_midi(tmp_path / "a.mid", x)
    np.save(tmp_path / "a.npy", x)
    return tmp_path


@pytest.mark.parametrize("hidden", [["pretty_midi"], ["mido"]])
def test_reading_midi_needs_no_extra_and_writing_names_it(hidden: list[str], folder: Path) -> None:
    # musiceval parses MIDI itself (numba, a core dependency); writing still uses pretty_midi.
    done = _without(hidden, CALLS.format(folder=str(folder)))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    readers = ["read_midi", "load_midi_folder", "load_rolls(folder)", "load_rolls(file)"]
    assert lines[:4] == [f"{name} | no error" for name in readers]
    writers = {
        "write_midi": "write_midi needs pretty_midi, which cannot be imported",
        "write_wav": "write_wav needs pretty_midi, which cannot be imported",
    }
    for line, (name, start) in zip(lines[4:6], writers.items(), strict=True):
        label, kind, module, message = line.split(" | ")
        assert (label, kind, module) == (name, "ModuleNotFoundError", "pretty_midi"), line
        assert message.startswith(start), line
        assert f"import of {hidden[0]} halted" in message  # the cause, as Python gave it
        assert message.endswith(AUDIO if name == "write_wav" else MIDI), line
    assert lines[6:] == ["npy (1, 64, 128, 1)"]
    assert not list(folder.glob("out.*"))  # nothing written


def test_import_musiceval_and_arrays_need_no_extra(folder: Path) -> None:
    done = _without(
        ["pretty_midi", "mido", "pypianoroll", "matplotlib", "music21", "torch"],
        f"""
        import musiceval
        from musiceval import io
        x = io.load_rolls({str(folder / "a.npy")!r})
        print(musiceval.n_notes(x).tolist())
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[[1.0]]"


def test_the_command_reads_midi_without_the_midi_extra(folder: Path) -> None:
    done = _without(
        ["pretty_midi", "mido", "pypianoroll"],
        f"""
        from musiceval.cli import main
        sys.exit(main(["evaluate", {str(folder)!r}, "--metrics", "n_notes", "--n-bars", "1"]))
        """,
    )
    assert done.returncode == 0, done.stderr
    assert "n_notes" in done.stdout
