"""The ``musiceval`` command, run in-process through ``main`` and once as an installed script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli_kit import run_cli

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


def test_profile_writes_the_profile_of_the_data(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(
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
    status, out, err = run_cli(
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
    assert out.startswith("musiceval report\n\nFurthest from the reference. Rows ranked by ")
    lines = out.splitlines()
    assert lines[-2:] == [
        "Every column, and what each means: --full, or report.md.",
        f"report: {files / 'r1' / 'report.html'} (also report.md, report.csv, report.json, PNGs)",
    ]
    assert max(len(line) for line in lines[:-1]) <= 100
    rows = [line.split() for line in lines if line.startswith("in_scale_ratio  ")]
    assert [row[1] for row in rows] == ["0", "1", "2", "3"]
    assert (files / "r1" / "report.md").read_text().startswith("# musiceval report")
    status, _, _ = run_cli(
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
    status, out, _ = run_cli(
        [
            "compare",
            str(files / "gen.npy"),
            "--profile",
            str(files / "p.json"),
            "-o",
            str(files / "r1"),
            "--full",
        ],
        capsys,
    )
    assert status == 0 and " relative_kl_divergence " in out and "\nConventions (docs/" in out
    assert out.rstrip().endswith("(also report.md, report.csv, report.json, PNGs)")


def test_evaluate_prints_means_and_writes_every_value(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    out_csv = files / "values.csv"
    status, out, err = run_cli(
        ["evaluate", str(files / "train.npz"), "--metrics", "n_notes", "-o", str(out_csv)],
        capsys,
    )
    assert status == 0
    assert (
        err
        == f"musiceval evaluate: read train.npz -> {len(chorales)} samples x 4 tracks of 64 steps\n"
    )
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
    status, out, _ = run_cli(
        ["evaluate", str(files / "train.npz"), "--metrics", "tonal_distance", "--per-sample"],
        capsys,
    )
    assert status == 0
    assert out.splitlines()[0].split() == ["sample", "track", "metric", "value", "track_b"]
    assert len(out.splitlines()) == 1 + 6 * len(chorales)


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
    code, out, err = run_cli([arg.format(d=files) for arg in args], capsys)
    assert code == status and out == ""
    assert err.count("\n") == 1 and message in err, err
    assert not (files / "r").exists() and not (files / "v.txt").exists()


def test_mismatched_profile_and_schema_are_refused(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    musiceval.profile(chorales[..., :3], ["n_notes"]).save(files / "three.json")
    status, _, err = run_cli(
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
    status, _, err = run_cli(
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
    status, out, _ = run_cli(["compare", "--help"], capsys)
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
    status, out, err = run_cli([*args, "--npz-key", "samples"], capsys)
    assert status == 0
    assert (
        err
        == f"musiceval evaluate: read keyed.npz -> {len(chorales)} samples x 4 tracks of 64 steps\n"
    )
    status, old_out, err = run_cli([*args, "--key", "samples"], capsys)
    assert status == 0 and old_out == out
    assert err.splitlines()[0] == (
        "musiceval evaluate: warning: --key is deprecated, use --npz-key (--scale-key is the "
        "musical key)"
    )
    first = out.splitlines()[1].split()
    assert float(first[2]) == pytest.approx(musiceval.n_notes(chorales)[:, 0].mean(), abs=1e-5)


def test_choices_come_from_the_library_tables(capsys: pytest.CaptureFixture[str]) -> None:
    from musiceval.compat import TOOLS
    from musiceval.rolls import GRANULARITIES, LAYOUTS, WEIGHTS

    _, out, _ = run_cli(["evaluate", "--help"], capsys)
    text = " ".join(out.split())
    for option, choices in (
        ("--layout", LAYOUTS),
        ("--weight", WEIGHTS),
        ("--per", GRANULARITIES),
    ):
        assert f"{option} {{{','.join(choices)}}}" in text
    assert ", ".join(musiceval.MODES) in text and ", ".join(musiceval.METRICS) in text
    _, out, _ = run_cli(["compat", "--help"], capsys)
    assert f"--tool {{{','.join(TOOLS)}}}" in out
    status, _, err = run_cli(["evaluate", "x.npy", "--mode", "blues"], capsys)
    assert status == 2 and all(repr(mode) in err for mode in musiceval.MODES)


def test_metric_conventions_reach_the_metrics(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run_cli(
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
    assert status == 0
    assert (
        err
        == f"musiceval evaluate: read train.npz -> {len(chorales)} samples x 4 tracks of 64 steps\n"
    )
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
    assert done.stderr.splitlines()[0].startswith("musiceval evaluate: read train.npz -> ")
    assert done.stderr.splitlines()[1:] == ["0 False"]


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
    status, out, err = run_cli(
        ["compat", str(tmp_path / "lab.npy"), "--tool", "deepcomposer"], capsys
    )
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
    status, _, err = run_cli(["compat", str(tmp_path / "lab.npy"), "--tool", "pypianoroll"], capsys)
    assert status == 2 and "invalid choice: 'pypianoroll'" in err
    np.save(tmp_path / "four_bars.npy", chorales)
    status, _, err = run_cli(
        ["compat", str(tmp_path / "four_bars.npy"), "--tool", "deepcomposer"], capsys
    )
    assert status == 1 and "x must have shape (n_samples, 32, 128, n_tracks)" in err


def test_train_is_handed_to_the_trainer(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_cli(["train", "--help"], capsys)
    assert status == 0
    assert out.startswith("usage: musiceval train") and "--quick" in out and "--resume" in out
    status, out, _ = run_cli(["--help"], capsys)
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
    status, _, err = run_cli(args, capsys)
    assert status == 1 and "broken.mid" in err and not (files / "r").exists()
    status, _, err = run_cli([*args, "--skip-unreadable"], capsys)
    assert status == 0 and "warning: skipped 1 of 2 MIDI files" in err
    profile = DatasetProfile.load(files / "p.json")
    expected = musiceval.compare(chorales[:3], profile).to_frame()
    np.testing.assert_allclose(
        pd.read_csv(files / "r" / "report.csv")["generated_mean"], expected["generated_mean"]
    )


FIXED = [  # (option, a value the profile below does not hold, the profile's value)
    ("--metrics", "n_notes", METRICS),
    ("--track-names", "S,A,T,B", "0,1,2,3"),
    ("--n-bars", "2", "4"),
    ("--steps-per-bar", "12", "16"),
    ("--steps-per-beat", "3", "4"),
    ("--scale-key", "G", "C"),
    ("--mode", "dorian", "major"),
    ("--weight", "notes", "cells"),
    ("--per", "bar", "sample"),
]


def test_compare_with_a_profile_refuses_what_differs_from_the_profile(
    files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 0.1.0 ignored all of them without a word: the profile's settings won.
    profile = files / "p.json"
    main(["profile", str(files / "train.npz"), "-o", str(profile), "--metrics", METRICS])
    capsys.readouterr()
    base = ["compare", str(files / "gen.npy"), "--profile", str(profile), "-o", str(files / "r")]
    for option, value, theirs in FIXED:
        status, out, err = run_cli([*base, option, value], capsys)
        assert (status, out) == (2, ""), option
        assert err == (
            f"musiceval compare: error: {option} {value} differs from what the profile "
            f"{profile} fixes ({option} {theirs}): compare measures the generated set with the "
            "profile's metrics, track names, sample length and conventions; leave the option "
            "out, or profile the reference with them (musiceval profile, or compare "
            "--reference) (see musiceval compare --help)\n"
        )
        assert not (files / "r").exists()
    status, _, err = run_cli([*base, "--steps-per-bar", "12", "--scale-key", "G"], capsys)
    assert status == 2 and err.startswith(
        f"musiceval compare: error: --steps-per-bar 12, --scale-key G differ from what the "
        f"profile {profile} fixes (--steps-per-bar 16, --scale-key C): "
    )
    assert "leave these options out" in err
    # the profile's own values (the metrics in any order, a key by another name) are accepted
    same = [*base, "--metrics", ",".join(reversed(METRICS.split(","))), "--track-names"]
    same += ["0,1,2,3", "--n-bars", "4", "--steps-per-bar", "16", "--steps-per-beat", "4"]
    same += ["--scale-key", "B#", "--mode", "major", "--weight", "cells", "--per", "sample"]
    status, _, err = run_cli([*same, "--threshold", "0.5", "--skip-unreadable"], capsys)
    assert (status, err) == (0, "")  # how GENERATED is read is not the profile's to fix


def test_compare_with_a_reference_applies_those_options(
    files: Path, chorales: np.ndarray, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["compare", str(files / "gen.npy"), "--reference", str(files / "train.npz")]
    args += ["-o", str(files / "r"), "--metrics", "in_scale_ratio", "--track-names", "S,A,T,B"]
    status, _, err = run_cli([*args, "--scale-key", "G", "--mode", "dorian"], capsys)
    assert (status, err) == (0, "")
    table = pd.read_csv(files / "r" / "report.csv")
    assert table["track"].tolist() == list("SATB")
    expected = musiceval.in_scale_ratio(chorales, key="G", mode="dorian").mean(axis=0)
    np.testing.assert_allclose(table["reference_mean"], expected, atol=1e-6)
    default = musiceval.in_scale_ratio(chorales).mean(axis=0)
    assert not np.allclose(table["reference_mean"], default, atol=1e-3)


def test_help_says_what_the_profile_fixes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "1000")  # argparse would wrap --steps-per-bar at a hyphen
    status, out, _ = run_cli(["compare", "--help"], capsys)
    assert status == 0
    text = " ".join(out.split())
    assert (
        "--profile PROFILE a profile written by 'musiceval profile'; it fixes the metrics, "
        "track names, sample length and conventions, so --metrics, --track-names, --n-bars, "
        "--steps-per-bar, --steps-per-beat, --scale-key, --mode, --weight, --per, --force may "
        "only repeat its values (a different value is an error, not ignored)"
    ) in text
    assert "metric conventions: with --profile these are the profile's: a different" in text


def _bomb(path: Path) -> Path:
    """36 bytes: one note at 1 tick per beat, ending at tick 2,000,000 (a 1 GiB roll)."""
    import mido

    song = mido.MidiFile(ticks_per_beat=1)
    song.tracks.append(
        mido.MidiTrack(
            [
                mido.Message("note_on", note=60, velocity=100, time=0),
                mido.Message("note_off", note=60, time=2_000_000),
            ]
        )
    )
    song.save(path)
    return path


def test_a_midi_bomb_is_one_line(
    chorales: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _bomb(tmp_path / "bomb.mid")
    status, out, err = run_cli(["evaluate", str(tmp_path / "bomb.mid")], capsys)
    assert (status, out) == (1, "")
    assert err.startswith(
        f"musiceval evaluate: error: {str(tmp_path / 'bomb.mid')!r} needs a roll of at least "
        "8,000,000 steps x 128 pitches"
    )
    assert err.count("\n") == 1 and "max_cells=268,435,456" in err
    io.write_midi(tmp_path / "good.mid", chorales[:2])
    args = ["evaluate", str(tmp_path), "--metrics", "n_notes", "--skip-unreadable"]
    status, out, err = run_cli(args, capsys)
    assert status == 0 and out.splitlines()[0].split()[0] == "metric"
    assert err.startswith("musiceval evaluate: warning: skipped 1 of 2 MIDI files: ")
    assert "bomb.mid' needs a roll of at least 8,000,000 steps" in err


SCRIPT = """
import runpy, sys
sys.modules.update(dict.fromkeys(sys.argv[1].split(",")) if sys.argv[1] else {})
sys.argv = ["musiceval", *sys.argv[2:]]
runpy.run_module("musiceval", run_name="__main__")
"""


def test_bad_input_never_prints_a_traceback(files: Path, chorales: np.ndarray) -> None:
    # python -m musiceval, as a user runs it; the first argument hides modules (a missing extra)
    midi = files / "midi"
    midi.mkdir()
    io.write_midi(midi / "a.mid", chorales[:2])
    _bomb(files / "bomb.mid")
    (files / "broken.mid").write_bytes(b"MThd, but not MIDI")
    (files / "damaged.npz").write_bytes((files / "train.npz").read_bytes()[:1000])
    (files / "damaged.npy").write_bytes((files / "gen.npy").read_bytes()[:1000])
    main(["profile", str(files / "train.npz"), "-o", str(files / "p.json"), "--metrics", METRICS])
    cases = [
        ("", ["evaluate", "{d}/bomb.mid"], 1, "needs a roll of at least 8,000,000 steps"),
        ("", ["compat", "{d}/bomb.mid", "--tool", "musegan"], 1, "max_cells=268,435,456"),
        ("", ["evaluate", "{d}/damaged.npz"], 1, "is not a readable .npz file (BadZipFile"),
        ("", ["evaluate", "{d}/damaged.npy"], 1, "is not a readable .npy file (ValueError"),
        (
            "",
            ["compare", "{d}/damaged.npy", "--profile", "{d}/p.json", "-o", "{d}/r"],
            1,
            "is not a readable .npy file",
        ),
        ("", ["evaluate", "{d}/broken.mid"], 1, "a chunk runs past the end of the file"),
        (
            "",
            ["compare", "{d}/broken.mid", "--profile", "{d}/p.json", "-o", "{d}/r"],
            1,
            "is not a readable MIDI file",
        ),
        (
            "",
            ["compare", "{d}/gen.npy", "--profile", "{d}/p.json", "-o", "{d}/r", "--per", "bar"],
            2,
            "--per bar differs from what the profile",
        ),
    ]
    for hidden, args, status, message in cases:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, hidden, *(arg.format(d=files) for arg in args)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == status, (args, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.startswith(f"musiceval {args[0]}: error: "), done.stderr
        assert message in done.stderr, done.stderr
    assert not (files / "r").exists()
