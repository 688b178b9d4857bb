"""The ``musiceval`` command, run in-process through ``main`` and once as an installed script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import musiceval
from musiceval import io
from musiceval.cli import main
from musiceval.profiles import DatasetProfile

METRICS = "n_pitches_used,in_scale_ratio,empty_bar_rate"


@pytest.fixture
def files(chorales: np.ndarray, tmp_path: Path) -> Path:
    """train.npz (the chorale segments), gen.npy (shifted a semitone, first bar blanked)."""
    np.savez(tmp_path / "train.npz", pianoroll=chorales)
    generated = np.roll(chorales, 1, axis=2)
    generated[:, :16] = False
    np.save(tmp_path / "gen.npy", generated)
    return tmp_path


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The exit status (argparse's usage errors exit through SystemExit), stdout, stderr."""
    try:
        status = main(args)
    except SystemExit as exit_info:
        status = exit_info.code
    out, err = capsys.readouterr()
    return status, out, err


def test_profile_writes_the_profile_of_the_data(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(
        [
            "profile",
            str(files / "train.npz"),
            "-o",
            str(files / "p.json"),
            "--metrics",
            METRICS,
            "--track-names",
            "S,A,T,B",
        ],
        capsys,
    )
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"profiled {len(chorales)} samples x 4 tracks (S, A, T, B) for 3 metrics",
        f"profile: {files / 'p.json'}",
    ]
    expected = musiceval.profile(chorales, METRICS.split(","), track_names=list("SATB"))
    assert DatasetProfile.load(files / "p.json") == expected


def test_compare_from_a_profile_or_a_reference_gives_one_report(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["profile", str(files / "train.npz"), "-o", str(files / "p.json"), "--metrics", METRICS])
    capsys.readouterr()
    status, out, err = _run(
        [
            "compare",
            str(files / "gen.npy"),
            "--profile",
            str(files / "p.json"),
            "-o",
            str(files / "r1"),
        ],
        capsys,
    )
    assert (status, err) == (0, "")
    assert out.startswith("# musiceval report") and "| in_scale_ratio" in out
    assert out.rstrip().endswith("(also report.md, report.csv, report.json, PNGs)")
    status, _, _ = _run(
        [
            "compare",
            str(files / "gen.npy"),
            "--reference",
            str(files / "train.npz"),
            "--metrics",
            METRICS,
            "-o",
            str(files / "r2"),
        ],
        capsys,
    )
    assert status == 0
    first, second = (pd.read_csv(files / name / "report.csv") for name in ("r1", "r2"))
    pd.testing.assert_frame_equal(first, second)
    profile = musiceval.profile(chorales, METRICS.split(","))
    direct = musiceval.compare(np.load(files / "gen.npy"), profile).to_frame()
    np.testing.assert_allclose(first["z_score"], direct["z_score"])
    pngs = sorted(path.name for path in (files / "r1").glob("*.png"))
    assert len(pngs) == 4 and all((files / "r1" / name).stat().st_size > 5000 for name in pngs)


def test_evaluate_prints_means_and_writes_every_value(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    out_csv = files / "values.csv"
    status, out, err = _run(
        ["evaluate", str(files / "train.npz"), "--metrics", "n_notes", "-o", str(out_csv)],
        capsys,
    )
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["metric", "track", "mean", "std", "n_nan"]
    means = musiceval.n_notes(chorales).mean(axis=0)
    for track, line in enumerate(lines[1:5]):
        metric, number, mean, _, n_nan = line.split()
        assert (metric, int(number), int(n_nan)) == ("n_notes", track, 0)
        assert float(mean) == pytest.approx(means[track], abs=1e-5)
    table = pd.read_csv(out_csv)
    assert len(table) == 4 * len(chorales)
    np.testing.assert_array_equal(
        table["value"].to_numpy().reshape(-1, 4), musiceval.n_notes(chorales)
    )
    status, out, _ = _run(
        ["evaluate", str(files / "train.npz"), "--metrics", "tonal_distance", "--per-sample"],
        capsys,
    )
    assert status == 0
    assert out.splitlines()[0].split() == ["sample", "track", "metric", "value", "track_b"]
    assert len(out.splitlines()) == 1 + 6 * len(chorales)


def test_midi_folders_fail_or_skip_unreadable_files(
    chorales: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    io.write_midi(tmp_path / "a.mid", chorales[:3])
    (tmp_path / "broken.mid").write_bytes(b"not midi")
    status, out, err = _run(["evaluate", str(tmp_path), "--metrics", "n_notes"], capsys)
    assert (status, out) == (1, "")
    assert err.count("\n") == 1
    assert err.startswith("musiceval evaluate: error: ") and "broken.mid" in err
    status, out, err = _run(
        ["evaluate", str(tmp_path), "--metrics", "n_notes", "--skip-unreadable"], capsys
    )
    assert status == 0 and "n_notes" in out
    assert err.startswith("musiceval evaluate: warning: skipped 1 of 2 MIDI files")


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["profile", "{d}/train.npz"], 2, "the following arguments are required: -o/--output"),
        (["compare", "{d}/gen.npy", "-o", "{d}/r"], 2, "one of the arguments --profile"),
        (["evaluate", "{d}/train.npz", "--layout", "XY"], 2, "invalid choice: 'XY'"),
        (["evaluate", "{d}/missing.npz"], 1, "missing.npz' does not exist"),
        (["evaluate", "{d}/train.npz", "--npz-key", "rolls"], 1, "holds no array 'rolls'"),
        (["evaluate", "{d}/train.npz", "--mode", "blues"], 2, "invalid choice: 'blues'"),
        (["evaluate", "{d}/train.npz", "--scale-key", "H"], 1, "key must be a note name"),
        (["evaluate", "{d}/train.npz", "--metrics", "chroma"], 1, "got ['chroma']"),
        (
            ["evaluate", "{d}/train.npz", "--steps-per-bar", "0"],
            2,
            "argument --steps-per-bar: expected a positive integer; got 0",
        ),
        (["evaluate", "{d}/train.npz", "--steps-per-bar", "5"], 1, "steps_per_bar=5"),
        (["evaluate", "{d}/train.npz", "--metrics", ","], 2, "expected comma-separated names"),
        (["evaluate", "{d}/train.npz", "-o", "{d}/v.txt"], 1, "--output must end in .csv"),
        (
            ["compare", "{d}/gen.npy", "--profile", "{d}/train.npz", "-o", "{d}/r"],
            1,
            "train.npz is not a JSON musiceval profile",
        ),
    ],
)
def test_bad_input_is_one_line_and_a_nonzero_status(
    files: Path,
    args: list[str],
    status: int,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run([arg.format(d=files) for arg in args], capsys)
    assert code == status and out == ""
    assert err.count("\n") == 1 and message in err, err
    assert not (files / "r").exists() and not (files / "v.txt").exists()


def test_mismatched_profile_and_schema_are_refused(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    musiceval.profile(chorales[..., :3], ["n_notes"]).save(files / "three.json")
    status, _, err = _run(
        [
            "compare",
            str(files / "gen.npy"),
            "--profile",
            str(files / "three.json"),
            "-o",
            str(files / "r"),
        ],
        capsys,
    )
    assert status == 1 and "3" in err and "4" in err and "tracks" in err
    saved = json.loads((files / "three.json").read_text())
    saved["version"] = 99
    (files / "v99.json").write_text(json.dumps(saved))
    status, _, err = _run(
        [
            "compare",
            str(files / "gen.npy"),
            "--profile",
            str(files / "v99.json"),
            "-o",
            str(files / "r"),
        ],
        capsys,
    )
    assert status == 1 and "version" in err
    assert not (files / "r").exists()


def test_help_explains_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["compare", "--help"], capsys)
    assert status == 0
    text = " ".join(out.split())
    for option in ("--profile", "--reference", "--key", "--layout", "--lowest-pitch"):
        assert option in text
    assert "the array's key in an .npz file (default: pianoroll)" in text
    assert "--skip-unreadable skip MIDI files that cannot be read" in text


def test_npz_key_names_the_array_and_key_is_its_deprecated_spelling(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    np.savez(files / "keyed.npz", samples=chorales)
    args = ["evaluate", str(files / "keyed.npz"), "--metrics", "n_notes"]
    status, out, err = _run([*args, "--npz-key", "samples"], capsys)
    assert (status, err) == (0, "")
    status, old_out, err = _run([*args, "--key", "samples"], capsys)
    assert status == 0 and old_out == out
    assert err == (
        "musiceval evaluate: warning: --key is deprecated, use --npz-key (--scale-key is the "
        "musical key)\n"
    )
    first = out.splitlines()[1].split()
    assert float(first[2]) == pytest.approx(musiceval.n_notes(chorales)[:, 0].mean(), abs=1e-5)


def test_choices_come_from_the_library_tables(capsys: pytest.CaptureFixture[str]) -> None:
    from musiceval.compat import TOOLS
    from musiceval.rolls import GRANULARITIES, LAYOUTS, WEIGHTS

    _, out, _ = _run(["evaluate", "--help"], capsys)
    text = " ".join(out.split())
    for option, choices in (
        ("--layout", LAYOUTS),
        ("--weight", WEIGHTS),
        ("--per", GRANULARITIES),
    ):
        assert f"{option} {{{','.join(choices)}}}" in text
    assert ", ".join(musiceval.MODES) in text and ", ".join(musiceval.METRICS) in text
    _, out, _ = _run(["compat", "--help"], capsys)
    assert f"--tool {{{','.join(TOOLS)}}}" in out
    status, _, err = _run(["evaluate", "x.npy", "--mode", "blues"], capsys)
    assert status == 2 and all(repr(mode) in err for mode in musiceval.MODES)


def test_metric_conventions_reach_the_metrics(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(
        [
            "evaluate",
            str(files / "train.npz"),
            "--metrics",
            "in_scale_ratio",
            "--scale-key",
            "G",
            "--mode",
            "dorian",
            "--weight",
            "notes",
            "--per",
            "bar",
        ],
        capsys,
    )
    assert (status, err) == (0, "")
    expected = np.nanmean(
        musiceval.in_scale_ratio(chorales, key="G", mode="dorian", weight="notes", per="bar"),
        axis=0,
    )
    means = [float(line.split()[2]) for line in out.splitlines()[1:5]]
    np.testing.assert_allclose(means, expected, atol=1e-5)
    default = musiceval.in_scale_ratio(chorales).mean(axis=0)
    assert not np.allclose(means, default, atol=1e-3)


def test_only_train_imports_torch(files: Path) -> None:
    code = (
        "import sys; from musiceval.cli import main; "
        f"status = main(['evaluate', {str(files / 'train.npz')!r}, '--metrics', 'n_notes']); "
        "print(status, 'torch' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stderr.strip() == "0 False"


def test_the_installed_script_runs(files: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "musiceval",
            "evaluate",
            str(files / "train.npz"),
            "--metrics",
            "n_notes",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].split() == ["metric", "track", "mean", "std", "n_nan"]


def test_compat_prints_the_tools_numbers_beside_ours(
    chorales: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from musiceval.compat import side_by_side

    lab = np.where(chorales[:, :32], 1.0, -1.0).astype(np.float32)  # the lab's ±1, 2 bars
    np.save(tmp_path / "lab.npy", lab)
    status, out, err = _run(["compat", str(tmp_path / "lab.npy"), "--tool", "deepcomposer"], capsys)
    assert (status, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split()[:5] == [
        "compat_metric",
        "track",
        "compat_value",
        "musiceval_metric",
        "musiceval_value",
    ]
    expected = side_by_side(lab, "deepcomposer")
    assert len(lines) == 1 + len(expected) == 13
    for line, row in zip(lines[1:], expected.itertuples(), strict=True):
        fields = line.split()
        assert (fields[0], int(fields[1]), fields[3]) == (
            row.compat_metric,
            row.track,
            row.musiceval_metric,
        )
        assert float(fields[2]) == pytest.approx(row.compat_value, abs=1e-6)
        assert row.explanation in line
    status, _, err = _run(["compat", str(tmp_path / "lab.npy"), "--tool", "pypianoroll"], capsys)
    assert status == 2 and "invalid choice: 'pypianoroll'" in err
    np.save(tmp_path / "four_bars.npy", chorales)
    status, _, err = _run(
        ["compat", str(tmp_path / "four_bars.npy"), "--tool", "deepcomposer"], capsys
    )
    assert status == 1 and "x must have shape (n_samples, 32, 128, n_tracks)" in err


def test_train_is_handed_to_the_trainer(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["train", "--help"], capsys)
    assert status == 0
    assert out.startswith("usage: musiceval train") and "--quick" in out and "--resume" in out
    status, out, _ = _run(["--help"], capsys)
    assert status == 0 and "train" in out and "docs/training.md" in " ".join(out.split())


def test_compare_reads_a_generated_midi_folder_with_the_profiles_grid(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["profile", str(files / "train.npz"), "-o", str(files / "p.json"), "--metrics", METRICS])
    folder = files / "midi"
    folder.mkdir()
    io.write_midi(folder / "a.mid", chorales[:3])
    (folder / "broken.mid").write_bytes(b"not midi")
    args = ["compare", str(folder), "--profile", str(files / "p.json"), "-o", str(files / "r")]
    status, _, err = _run(args, capsys)
    assert status == 1 and "broken.mid" in err and not (files / "r").exists()
    status, _, err = _run([*args, "--skip-unreadable"], capsys)
    assert status == 0 and "warning: skipped 1 of 2 MIDI files" in err
    profile = DatasetProfile.load(files / "p.json")
    expected = musiceval.compare(chorales[:3], profile).to_frame()
    np.testing.assert_allclose(
        pd.read_csv(files / "r" / "report.csv")["generated_mean"], expected["generated_mean"]
    )
