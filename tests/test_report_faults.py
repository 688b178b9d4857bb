"""Report.save and the figures where a hostile audit broke them: a read-only or symlinked report
directory, track names that are mathtext, HTML or Markdown, and an install without matplotlib."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import musiceval
from musiceval.compare import COLUMNS
from musiceval.history import MetricHistory

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "0.1.0" / "profile.json"  # tracks melody, bass
USER = "musiceval-ci"
HOSTILE = ["$\\frac{$", "<script>alert(1)</script>", "a|b\\|c", "two\nlines", "`x` & $y$"]


def _report(seed: int = 0, n: int = 5) -> musiceval.Report:
    """A report on the 0.1.0 profile (3 metrics, 2 tracks) of made-up generated values."""
    profile = musiceval.DatasetProfile.load(FIXTURE)
    values = np.random.default_rng(seed).random((n, 3, 2)) * [[[40], [1], [1]]]
    return musiceval.Report(profile, values)


# ---------------------------------------------------------------------- the report directory


def test_a_symlinked_report_directory_is_written_through(tmp_path):
    pytest.importorskip("matplotlib")
    real = tmp_path / "reports" / "run1"
    real.mkdir(parents=True)
    link = tmp_path / "latest"
    link.symlink_to(real, target_is_directory=True)
    for seed in (0, 1):
        assert _report(seed).save(link) == link
        assert link.is_symlink() and link.resolve() == real
        assert (link / "report.json").read_text() == (real / "report.json").read_text()
        assert sorted(path.name for path in tmp_path.iterdir()) == ["latest", "reports"]
        assert sorted(path.name for path in real.parent.iterdir()) == ["run1"]  # no .old left
    saved = json.loads((real / "report.json").read_text())
    assert saved["rows"][0]["generated_mean"] == pytest.approx(_report(1).to_frame().iloc[0, 4])


@pytest.fixture
def as_user() -> Iterator[tuple[list[str], Path]]:
    """A command prefix that runs Python as the non-root user ``musiceval-ci`` on a copy of
    the package, and a work directory that user owns (removed afterwards)."""
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("needs root and runuser to switch to a non-root user")
    if subprocess.run(["id", USER], capture_output=True).returncode != 0:
        pytest.skip(f"no user {USER!r}: .ci/run creates it (useradd)")
    root = Path(tempfile.mkdtemp(prefix="musiceval-user-", dir="/tmp"))
    try:
        shutil.copytree(
            ROOT / "src" / "musiceval",
            root / "lib" / "musiceval",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        shutil.copy(FIXTURE, root / "profile.json")
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        work = root / "work"
        work.mkdir()
        shutil.chown(work, USER, USER)
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": "/nonexistent",
            "PYTHONPATH": str(root / "lib"),
            "PYTHONDONTWRITEBYTECODE": "1",
            "MPLCONFIGDIR": str(work / ".mpl"),
            "NUMBA_CACHE_DIR": str(work / ".numba"),
        }
        prefix = ["runuser", "-u", USER, "--", "env", "-i"]
        prefix += [f"{key}={value}" for key, value in environment.items()] + [sys.executable]
        reach = subprocess.run([*prefix, "-c", "import matplotlib, musiceval"], capture_output=True)
        if reach.returncode != 0:
            pytest.skip(f"{USER} cannot import musiceval: {reach.stderr.decode()[-300:]}")
        yield prefix, root
    finally:
        shutil.rmtree(root)


READ_ONLY_SAVE = """
import json, os, sys
from pathlib import Path
import numpy as np, musiceval

root = Path(sys.argv[1])
profile = musiceval.DatasetProfile.load(root / "profile.json")
work = root / "work"
out = work / "report"
musiceval.Report(profile, np.full((4, 3, 2), 0.5)).save(out)
before = {path.name: path.read_bytes().hex() for path in out.iterdir()}
out.chmod(0o555)
try:
    musiceval.Report(profile, np.full((4, 3, 2), 0.25)).save(out)
    error = None
except PermissionError as exc:
    error = str(exc)
after = {path.name: path.read_bytes().hex() for path in out.iterdir()}
print(json.dumps({
    "error": error,
    "unchanged": after == before,
    "n_files": len(after),
    "entries": sorted(name for name in os.listdir(work) if not name.startswith((".mpl", ".numba"))),
}))
"""


def test_a_read_only_report_directory_is_refused_before_anything_changes(as_user):
    prefix, root = as_user
    result = subprocess.run(
        [*prefix, "-c", READ_ONLY_SAVE, str(root)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["error"] is not None and "is not writable" in outcome["error"]
    assert "nothing was changed" in outcome["error"]
    assert outcome["unchanged"] and outcome["n_files"] == 8  # 4 files, 4 figures
    assert outcome["entries"] == ["report"]  # no hidden .report.<...>.old or .tmp left


# ---------------------------------------------------------------------- hostile track names


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row, unescaping backslash escapes (GFM's rules: an
    unescaped pipe separates cells)."""
    cells, cell, escaped = [], "", False
    for char in line.strip()[1:-1]:
        if escaped:
            cell, escaped = cell + char, False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells, cell = [*cells, cell.strip()], ""
        else:
            cell += char
    return [*cells, cell.strip()]


@pytest.fixture(scope="module")
def hostile_report() -> musiceval.Report:
    rolls = np.zeros((4, 16, 128, len(HOSTILE)), bool)
    rolls[:, ::2, 60] = True
    rolls[1:, :, 64, ::2] = True
    profile = musiceval.profile(rolls, ["n_notes", "pitch_range"], track_names=HOSTILE)
    return musiceval.compare(rolls[:3], profile)


def test_hostile_track_names_stay_text_in_markdown(hostile_report):
    markdown = hostile_report.to_markdown()
    assert "<script>" not in markdown and "&lt;script&gt;alert(1)&lt;/script&gt;" in markdown
    assert "a\\|b\\\\\\|c" in markdown  # a|b\|c: the pipe and the backslash escaped
    assert "\\`x\\` &amp; $y$" in markdown
    table = [line for line in markdown.splitlines() if line.startswith("|")]
    assert len(table) == 2 + 2 * len(HOSTILE)  # header, rule, a row per metric and track
    rows = [_cells(line) for line in table]
    assert all(len(row) == len(COLUMNS) for row in rows)
    unescaped = {
        "&lt;script&gt;alert(1)&lt;/script&gt;": "<script>alert(1)</script>",
        "two lines": "two\nlines",
        "`x` &amp; $y$": "`x` & $y$",
    }
    assert [unescaped.get(row[1], row[1]) for row in rows[2:]] == HOSTILE * 2
    summary = next(line for line in markdown.splitlines() if line.startswith("Tracks:"))
    assert "<" not in summary and "two lines" in summary


def test_hostile_track_names_are_saved_and_escaped_in_html(tmp_path, hostile_report):
    pytest.importorskip("matplotlib")
    out = hostile_report.save(tmp_path / "report")
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("data:image/png;base64,") == 3
    assert "<" not in (out / "report.md").read_text(encoding="utf-8")
    frame = pd.read_csv(out / "report.csv", keep_default_na=False)
    assert frame["track"].tolist() == HOSTILE * 2  # the CSV and JSON keep names exactly
    rows = json.loads((out / "report.json").read_text(encoding="utf-8"))["rows"]
    assert [row["track"] for row in rows] == HOSTILE * 2


def test_every_figure_draws_user_text_as_written(tmp_path):
    pytest.importorskip("matplotlib")
    from musiceval import plot

    name = HOSTILE[0]
    rolls = np.zeros((1, 16, 128, 2), bool)
    rolls[0, :4, 60] = True
    figure = plot.plot_roll(rolls, track_names=[name, "bass"])
    assert figure.axes[0].get_ylabel() == f"{name}\npitch"
    distributions = plot.plot_distributions(
        np.arange(6.0).reshape(3, 2), np.ones((2, 2)), metric=name, track_names=[name, "x"]
    )
    assert distributions.axes[0].get_title() == f"{name} · {name}"
    frame = pd.DataFrame({"metric": [name, "n_notes"], "track": [name, "$a$"], "z_score": [1, 3]})
    z_scores = plot.plot_z_scores(frame)
    labels = [label.get_text() for label in z_scores.axes[0].get_yticklabels()]
    assert labels == [f"{name} · {name}", "n_notes · $a$"]
    losses = plot.plot_losses([0, 1, 2], {name: [3.0, 2.0, 1.0]})
    assert losses.axes[0].get_title() == name
    history = MetricHistory(track_names=[name])
    for step in (0, 1):
        history.record(step, {"$n$": [1.0]})
    trajectories = plot.plot_history(history)
    assert trajectories.axes[0].get_title() == f"$n$ · {name}"
    texts = [
        figure.axes[0].yaxis.label,
        distributions.axes[0].title,
        *z_scores.axes[0].get_yticklabels(),
        losses.axes[0].title,
        trajectories.axes[0].title,
    ]
    assert not any(text.get_parse_math() for text in texts)
    for index, drawn in enumerate([figure, distributions, z_scores, losses, trajectories]):
        drawn.savefig(tmp_path / f"{index}.png")  # mathtext would fail to parse here
        assert (tmp_path / f"{index}.png").stat().st_size > 1000


# ---------------------------------------------------------------------- without matplotlib


NO_MATPLOTLIB = """
import json, os, sys, warnings
sys.modules["matplotlib"] = None  # as if only `pip install musiceval` had run
import numpy as np, pandas as pd, musiceval
from musiceval import plot
from musiceval.history import MetricHistory

calls = {
    "plot_roll": lambda: plot.plot_roll(np.zeros((1, 16, 128, 1), bool)),
    "plot_distributions": lambda: plot.plot_distributions([1.0], [2.0], metric="n_notes"),
    "plot_z_scores": lambda: plot.plot_z_scores(pd.DataFrame()),
    "plot_history": lambda: plot.plot_history(MetricHistory()),
    "plot_losses": lambda: plot.plot_losses([0], {"loss": [1.0]}),
}
errors = {}
for name, call in calls.items():
    try:
        call()
        errors[name] = None
    except ModuleNotFoundError as exc:
        errors[name] = str(exc)
profile = musiceval.DatasetProfile.load(sys.argv[1])
report = musiceval.Report(profile, np.full((4, 3, 2), 0.5))
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    out = report.save(sys.argv[2])
print(json.dumps({
    "errors": errors,
    "files": sorted(os.listdir(out)),
    "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    "images": (out / "report.html").read_text().count("<img"),
    "matplotlib": "matplotlib.pyplot" in sys.modules,
}))
"""


def test_without_matplotlib_plots_say_what_to_install_and_reports_have_no_figures(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", NO_MATPLOTLIB, str(FIXTURE), str(tmp_path / "report")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    for name, message in outcome["errors"].items():
        assert message == (
            f"musiceval.plot.{name} needs matplotlib, which is not installed: "
            f'pip install "musiceval[plot]"'
        )
    assert outcome["files"] == ["report.csv", "report.html", "report.json", "report.md"]
    (warning,) = outcome["warnings"]
    assert re.fullmatch(
        r"RuntimeWarning: Report\.save wrote .*/report without figures: they need matplotlib, "
        r'which is not installed \(pip install "musiceval\[plot\]"\)',
        warning,
    )
    assert outcome["images"] == 0 and not outcome["matplotlib"]
    saved = json.loads((tmp_path / "report" / "report.json").read_text())
    assert saved["schema"] == "musiceval.report" and len(saved["rows"]) == 6
