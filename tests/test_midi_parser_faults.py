"""musiceval's MIDI parser on bad bytes: every way the header and chunks can be wrong gives a
``ValueError`` naming the file and the reason, truncations and random mutations included, and
the kernels compiled with numba's bounds checks never read outside the file. (The rules and the
cross-checks against 0.1.0's reader are in ``test_midi_parser.py``.)
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import mido
import numpy as np
import pytest
from _midi_files import (
    JIT,
    PRIMITIVES,
    assert_as_oracle,
    chunk,
    ev,
    header,
    instruments,
    meta,
    off,
    on,
    program,
    smf,
    sysex,
    track,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musiceval import io
from musiceval._midi_kernels import ERRORS

# ---- bad bytes -------------------------------------------------------------------------------

ONE_NOTE = track(on(0, 60), off(4, 60))


def bad(what: str, data: bytes, code: int, mido_refuses: bool = True) -> object:
    """A bad file: its bytes, the index of its reason in ERRORS, whether mido refuses it too."""
    return pytest.param(data, code, mido_refuses, id=what)


BAD_FILES = [
    bad("not MIDI", b"RIFF\x00\x00\x00\x04WAVEfmt " + bytes(16), 1),
    bad("a header of 5 bytes", chunk(b"MThd", bytes(5)) + chunk(b"MTrk", ONE_NOTE), 1),
    bad("a file cut inside its header", smf(ONE_NOTE)[:12], 3),
    bad("more tracks announced than present", smf(ONE_NOTE, n_tracks=2), 3),
    bad("a chunk longer than the file", header(1) + chunk(b"MTrk", ONE_NOTE, 40), 3),
    bad("a header longer than the file", chunk(b"MThd", struct.pack(">HHH", 1, 1, 4), 99), 3),
    bad("a chunk that is not MTrk", header(1) + chunk(b"MTrX", ONE_NOTE), 2),
    bad(
        "an event past its chunk",
        header(2) + chunk(b"MTrk", ONE_NOTE[:7]) + chunk(b"MTrk", ONE_NOTE),
        4,
    ),
    bad("a delta time past its chunk", smf(on(0, 60) + b"\x81"), 4),
    bad("a meta event past its chunk", smf(on(0, 60) + ev(0, 0xFF, 1, 20) + b"ab"), 4),
    bad("a sysex past its chunk", smf(on(0, 60) + ev(0, 0xF0, 20) + b"ab"), 4),
    bad("a data byte of 128", smf(track(ev(0, 0x90, 60, 0x80), off(4, 60))), 5),
    bad("a data byte of 255", smf(track(on(0, 60), ev(4, 0x80, 0xFF, 0))), 5),
    *(
        bad(
            f"the undefined status byte 0x{status:X}",
            smf(track(on(0, 60), ev(0, status), off(4, 60))),
            6,
        )
        for status in (0xF4, 0xF5, 0xF9, 0xFD)
    ),
    bad("running status at the start of a track", smf(track(ev(0, 60, 100), off(4, 60))), 7),
    # mido reads any number of bytes; the standard allows 4 (musiceval's deliberate limit)
    bad(
        "a delta time of 5 bytes",
        smf(track(on(0, 60), b"\x81\x80\x80\x80\x00\x80\x3c\x00")),
        8,
        False,
    ),
    bad(
        "a meta length of 5 bytes",
        smf(track(on(0, 60), ev(0, 0xFF, 1) + b"\x81\x80\x80\x80\x00")),
        8,
    ),
]


@pytest.mark.parametrize(("data", "code", "mido_refuses"), BAD_FILES)
def test_bad_bytes_are_a_value_error_naming_the_file_and_the_reason(
    midi_file, data: bytes, code: int, mido_refuses: bool
) -> None:
    path = midi_file(data)
    with pytest.raises(ValueError) as raised:
        io.read_midi(path)
    assert str(raised.value) == f"{str(path)!r} is not a readable MIDI file: {ERRORS[code]}"
    if mido_refuses:
        with pytest.raises((OSError, EOFError, ValueError)):
            mido.MidiFile(path)
    else:
        mido.MidiFile(path)


@pytest.mark.parametrize("division", [-(25 << 8) + 40, -(30 << 8) + 80, 0], ids=str)
def test_a_time_division_that_is_not_ticks_per_quarter_is_refused(midi_file, division) -> None:
    # 0xE728 is SMPTE time, 25 frames per second and 40 ticks per frame; 0 is nothing.
    path = midi_file(smf(ONE_NOTE, division=division))
    with pytest.raises(ValueError) as raised:
        io.read_midi(path)
    assert re.fullmatch(
        rf"{re.escape(repr(str(path)))} is not a readable MIDI file: its time division is "
        rf"{division}, not a positive number of ticks per quarter note \(SMPTE time is "
        r"not read\)",
        str(raised.value),
    )


def test_the_refused_time_division_is_named_as_an_integer(midi_file) -> None:
    path = midi_file(smf(ONE_NOTE, division=-6360))
    with pytest.raises(ValueError, match="its time division is -6360, not"):
        io.read_midi(path)


def test_every_truncation_of_a_real_file_is_a_value_error_naming_the_file(tmp_path: Path) -> None:
    source = (PRIMITIVES[0].parent / "test05.mid").read_bytes() if PRIMITIVES else BASE
    assert len(source) > 100
    reasons = {f": {reason}" for reason in ERRORS[1:]}
    for cut in range(len(source)):
        path = tmp_path / f"cut{cut}.mid"
        path.write_bytes(source[:cut])
        with pytest.raises(ValueError) as raised:
            io.read_midi(path)
        message = str(raised.value)
        assert message.startswith(f"{str(path)!r} is not a readable MIDI file: "), cut
        assert any(message.endswith(reason) for reason in reasons), message


def test_random_bytes_are_a_value_error_naming_the_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(14)
    for index in range(50):
        path = tmp_path / f"random{index}.mid"
        path.write_bytes(rng.integers(0, 256, rng.integers(0, 300)).astype(np.uint8).tobytes())
        with pytest.raises(ValueError, match=f"^{re.escape(repr(str(path)))} is not a readable"):
            io.read_midi(path)


# A file that holds a bit of everything the parser reads: two tracks, names, tempo, a program
# change, running status, velocity-0 offs, a sysex, drums, same-pitch overlaps.
_CONDUCTOR = track(meta(0, 0x03, b"conductor"), meta(0, 0x51, b"\x07\xa1\x20"))
_BAND = track(
    meta(0, 0x03, b"band"), program(0, 33), ev(0, 0x90, 48, 90), ev(0, 55, 90),
    on(0, 36, 9), ev(2, 36, 0), sysex(0, b"\x41\x10\xf7"), on(2, 48), off(2, 48),
    ev(0, 55, 0), program(0, 40, 1), on(0, 72, 1), on(1, 72, 1), off(3, 72, 1),
)  # fmt: skip
BASE = smf(_CONDUCTOR, _BAND)
MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(("set", "insert", "delete")), st.integers(0, 255), st.integers(0, 255)
    ),
    min_size=1,
    max_size=4,
)


def test_the_fuzz_base_file_reads_as_written(midi_file) -> None:
    path = midi_file(BASE)
    assert instruments(path) == [
        (0, True, [(36, 0, 2)]),
        (33, False, [(48, 0, 6), (48, 4, 6), (55, 0, 6)]),
        (40, False, [(72, 6, 10), (72, 7, 10)]),
    ]
    assert_as_oracle(path)


@settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(mutations=MUTATIONS)
def test_a_mutated_file_gives_a_roll_or_a_value_error(
    scratch: Path, mutations: list[tuple[str, int, int]]
) -> None:
    data = bytearray(BASE)
    for operation, where, value in mutations:
        at = where * len(data) // 256
        if operation == "set":
            data[at] = value
        elif operation == "insert":
            data.insert(at, value)
        else:
            del data[at]
    path = scratch / "mutated.mid"
    path.write_bytes(data)
    assert_roll_or_value_error(path)


def assert_roll_or_value_error(path: Path) -> None:
    """Reading ``path`` gives a roll with notes, or a ValueError whose message names it."""
    try:
        roll = io.read_midi(path, max_cells=2**22)
    except ValueError as error:
        assert str(error).startswith(repr(str(path))), str(error)
    else:
        assert roll.dtype == bool and roll.ndim == 3 and roll.shape[1] == 128
        assert roll.shape[2] >= 1 and roll.any()


@settings(max_examples=100, derandomize=True, deadline=None)
@given(body=st.binary(max_size=48))
def test_a_track_of_random_bytes_gives_a_roll_or_a_value_error(scratch: Path, body: bytes) -> None:
    path = scratch / "random_track.mid"
    path.write_bytes(smf(body))
    assert_roll_or_value_error(path)


BOUNDS_SCRIPT = """
import random, sys
import numpy as np
from musiceval._midi_kernels import ERRORS, parse_smf

def check(data):
    code, division, notes, names = parse_smf(np.frombuffer(data, np.uint8))
    assert 0 <= code < len(ERRORS)
    if code == 0:
        assert ((notes[:, 1] >= 0) & (notes[:, 1] < 128) & (notes[:, 2] < notes[:, 3])).all()
        assert (names[:, 0] + names[:, 1] <= len(data)).all()

rng = random.Random(14)
count = 0
for source in map(bytes.fromhex, sys.argv[1:]):
    for cut in range(len(source) + 1):
        check(source[:cut])
    for _ in range(1000):
        data = bytearray(source)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        check(bytes(data))
    count += len(source) + 1001
print(count)
"""


def test_the_kernel_reads_nothing_outside_the_file_under_numba_bounds_checks(
    tmp_path: Path,
) -> None:
    """Compiled with NUMBA_BOUNDSCHECK=1 (into a fresh cache), a read outside the array raises
    IndexError: truncations and mutations of two files must never do so."""
    if not JIT:
        pytest.skip("without the JIT every index is checked by Python already")
    sources = [BASE.hex()] + [p.read_bytes().hex() for p in PRIMITIVES if p.name == "test12.mid"]
    env = {**os.environ, "NUMBA_BOUNDSCHECK": "1", "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", BOUNDS_SCRIPT, *sources],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.split()[-1]) > 2000
    assert any(tmp_path.rglob("_midi_kernels*")), "the kernels were not compiled afresh"
