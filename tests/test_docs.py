"""The tutorial runs as written: its Python blocks in order, then its shell commands."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

TUTORIAL = Path(__file__).parents[1] / "docs" / "tutorial.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TUTORIAL.read_text(), flags=re.DOTALL)


def test_tutorial_python_runs_and_says_what_the_page_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in _blocks("python"):
        exec(compile(block, str(TUTORIAL), "exec"), namespace)
    summary = namespace["summary"]
    assert isinstance(summary, pd.DataFrame)
    table = summary.set_index("set")
    # The page's table, to its rounding.
    expected = {
        "held-out chorales": (3.0, 0.064, 0.938),
        "transposed +1": (18.8, 0.373, 0.854),
        "bar 2 blanked": (641, 1.35, 0.748),
        "random notes": (177_923, 26.4, 0.223),
    }
    for name, (frechet, mean_z, overlap) in expected.items():
        row = table.loc[name]
        assert row["frechet_distance"] == pytest.approx(frechet, rel=0.02)
        assert row["mean |z|"] == pytest.approx(mean_z, rel=0.02)
        assert row["mean overlap_area"] == pytest.approx(overlap, abs=0.001)
    for name in expected:
        directory = tmp_path / ("report_" + name.replace(" ", "_"))
        assert (directory / "report.html").stat().st_size > 100_000
        assert (directory / "z_scores.png").stat().st_size > 10_000
    assert (tmp_path / "chorales_profile.json").is_file()
    train = namespace["train"]
    assert isinstance(train, np.ndarray) and train.shape == (639, 64, 128, 4)


def test_tutorial_commands_run(tmp_path: Path) -> None:
    (commands,) = _blocks("bash")
    for line in commands.strip().splitlines():
        done = subprocess.run(
            line, shell=True, cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{line}\n{done.stderr}"
    assert (tmp_path / "report_cli" / "report.html").is_file()


def test_tutorial_figures_exist() -> None:
    for name in re.findall(r"\]\((figures/[^)]+\.png)\)", TUTORIAL.read_text()):
        path = TUTORIAL.parent / name
        assert path.is_file() and path.stat().st_size > 10_000, name


def test_compat_worked_example_gives_the_page_numbers() -> None:
    page = (TUTORIAL.parent / "compat.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    (block,) = [text for text in blocks if "load_chorales(n_bars=2)" in text]
    namespace: dict[str, object] = {}
    exec(compile(block, "docs/compat.md", "exec"), namespace)
    table = namespace["table"]
    assert isinstance(table, pd.DataFrame)
    values = table.pivot(index="compat_metric", columns="track", values="compat_value")
    rows = {
        "empty_bar_rate": (1.0000, 0.9997, 1.0000, 1.0000),
        "unique_pitch_count": (152.63, 152.66, 152.65, 152.56),
        "in_scale_rate": (0.5879, 0.5845, 0.5742, 0.5842),
    }
    for metric, expected in rows.items():
        np.testing.assert_allclose(values.loc[metric], expected, atol=0.006)
