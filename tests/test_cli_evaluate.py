"""``musiceval evaluate`` says on stderr what it read: files, skipped files and why, samples."""

from __future__ import annotations

from pathlib import Path

import _midi_files as midi
import numpy as np
import pytest

from musiceval import io
from musiceval.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def test_midi_folders_fail_or_skip_unreadable_files(
    chorales: np.ndarray, tmp_path: Path, midi_file, capsys: pytest.CaptureFixture[str]
) -> None:
    io.write_midi(tmp_path / "a.mid", chorales[:3])  # 3 samples of 4 bars, 4 instruments
    (tmp_path / "broken.mid").write_bytes(b"not midi")
    capsys.readouterr()  # what importing pretty_midi printed (CI=1)
    status, out, err = _run(["evaluate", str(tmp_path), "--metrics", "n_notes"], capsys)
    assert (status, out) == (1, "")
    assert err.count("\n") == 1
    assert err.startswith("musiceval evaluate: error: ") and "broken.mid" in err
    status, out, err = _run(
        ["evaluate", str(tmp_path), "--metrics", "n_notes", "--skip-unreadable"], capsys
    )
    assert status == 0 and "n_notes" in out
    assert err.startswith("musiceval evaluate: warning: skipped 1 of 2 MIDI files")
    assert err.splitlines()[1:] == [
        "musiceval evaluate: read 2 MIDI files (1 skipped: 1 unreadable) -> 3 samples x 4 "
        "tracks of 64 steps (0, 1, 2, 3)"
    ]
    midi_file(midi.smf(midi.track(midi.meta(0, 0x03, b"silence"))), "empty.mid")  # no note at all
    (tmp_path / "also_broken.midi").write_bytes(b"MThd")
    status, out, err = _run(
        ["evaluate", str(tmp_path), "--metrics", "n_notes", "--skip-unreadable"], capsys
    )
    assert status == 0 and len(out.splitlines()) == 1 + 4  # a header, a row per track
    warning, done = err.splitlines()
    assert warning.startswith("musiceval evaluate: warning: skipped 3 of 4 MIDI files")
    assert done == (
        "musiceval evaluate: read 4 MIDI files (3 skipped: 2 unreadable, 1 without notes) -> 3 "
        "samples x 4 tracks of 64 steps (0, 1, 2, 3)"
    )


def test_arrays_say_samples_tracks_and_steps_by_their_layout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rolls = np.zeros((5, 32, 128, 3), bool)
    rolls[:, ::4, 60] = True
    np.save(tmp_path / "set.npy", rolls)
    np.save(tmp_path / "one.npy", rolls[0, :, :, 0])
    np.save(tmp_path / "bars.npy", rolls.reshape(5, 2, 16, 128, 3))
    cases = [
        ("set.npy", "NTPK", "read set.npy -> 5 samples x 3 tracks of 32 steps"),
        ("one.npy", "TP", "read one.npy -> 1 sample x 1 track of 32 steps"),
        ("bars.npy", "NBSPK", "read bars.npy -> 5 samples x 3 tracks of 32 steps"),
    ]
    for name, layout, said in cases:
        args = ["evaluate", str(tmp_path / name), "--layout", layout, "--metrics", "n_notes"]
        status, out, err = _run(args, capsys)
        assert (status, err) == (0, f"musiceval evaluate: {said}\n")
        assert out.splitlines()[0].split() == ["metric", "track", "mean", "std", "n_nan"]


def test_one_midi_file_and_a_failure_say_nothing_of_reading(
    chorales: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    io.write_midi(tmp_path / "a.mid", chorales[:2])
    capsys.readouterr()
    status, _, err = _run(["evaluate", str(tmp_path / "a.mid"), "--metrics", "n_notes"], capsys)
    assert status == 0
    assert err == (
        "musiceval evaluate: read 1 MIDI file -> 2 samples x 4 tracks of 64 steps (0, 1, 2, 3)\n"
    )
    args = ["evaluate", str(tmp_path / "a.mid"), "--metrics", "n_notes", "--steps-per-bar", "48"]
    status, out, err = _run(args, capsys)
    assert (status, out) == (1, "") and err.startswith("musiceval evaluate: error: ")
    assert err.count("\n") == 1


def test_the_summary_of_a_vector_metric_has_a_row_per_component(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rolls = np.zeros((2, 16, 128, 1), bool)
    rolls[0, :, 60] = True  # sample 0: C held; sample 1: C for 4 steps, then G for 12
    rolls[1, :4, 60] = True
    rolls[1, 4:, 67] = True
    np.save(tmp_path / "set.npy", rolls)
    status, out, _ = _run(
        ["evaluate", str(tmp_path / "set.npy"), "--metrics", "ioi_mean,pitch_class_histogram"],
        capsys,
    )
    rows = [line.split() for line in out.splitlines()]
    assert status == 0 and rows[0] == ["metric", "track", "bin", "mean", "std", "n_nan"]
    assert rows[1][:3] == ["ioi_mean", "0", "<NA>"] and len(rows) == 1 + 1 + 12
    by_bin = {int(row[2]): (float(row[3]), float(row[4])) for row in rows[2:]}
    assert by_bin[0] == pytest.approx((0.625, 0.375))  # C: 1 and 4/16
    assert by_bin[7] == pytest.approx((0.375, 0.375))  # G: 0 and 12/16
    assert sum(mean for mean, _ in by_bin.values()) == pytest.approx(1.0)
