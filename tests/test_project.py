"""Project-wide rules: the documented commands, cheap import, numba flags, documented API."""

import inspect
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import musiceval
from musiceval.registry import METRICS

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"```bash\n(.+?)\n```", readme, flags=re.S)
    assert len(commands) == 2, "the Quickstart has exactly two commands"
    assert commands[1] in (ROOT / ".ci" / "run").read_text().splitlines()


def test_import_is_cheap():
    heavy = ["numba", "pandas", "torch", "matplotlib", "music21", "pretty_midi", "pypianoroll"]
    code = f"import sys, musiceval; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_numba_flags_come_from_config():
    for path in (ROOT / "src" / "musiceval").rglob("*.py"):
        for decorator in re.findall(r"@(?:numba\.)?njit\((.*?)\)", path.read_text(), flags=re.S):
            for flag in ("fastmath", "parallel", "cache"):
                if flag in decorator:
                    assert re.search(rf"{flag}=[A-Z_]+\b", decorator), (path, decorator)
    from musiceval._engine.config import FASTMATH

    assert not {"nnan", "ninf", "fast"} & FASTMATH


@pytest.mark.parametrize("name", list(METRICS))
def test_every_metric_is_public_and_documented(name):
    function = getattr(musiceval, name)
    assert name in musiceval.__all__
    doc = function.__doc__
    for section in ("Parameters", "Returns", ".. math::"):
        assert section in doc, (name, section)
    for parameter in inspect.signature(function).parameters:
        assert re.search(rf"^\s+{parameter}\b.* : ", doc, flags=re.M) or (
            re.search(rf"^\s+\w+, {parameter} : ", doc, flags=re.M)
        ), (name, parameter)
    assert name in (ROOT / "docs" / "metrics.md").read_text()


@pytest.mark.parametrize("name", [name for name, spec in METRICS.items() if not spec.pairwise])
def test_per_bar_is_offered_exactly_where_the_registry_says(name):
    offered = "per" in inspect.signature(getattr(musiceval, name)).parameters
    assert offered == METRICS[name].per_bar


def test_docstring_examples_run():
    import doctest

    import musiceval.metrics

    results = doctest.testmod(musiceval.metrics, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert results.attempted >= 5
    assert results.failed == 0


def test_torch_float_tensors_are_thresholded_on_their_device():
    torch = pytest.importorskip("torch")
    x = torch.full((1, 16, 128, 2), -1.0)
    x[0, :8, 60, 0] = 1.0
    assert musiceval.n_notes(x).tolist() == [[1.0, 0.0]]
    x[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN or inf"):
        musiceval.n_notes(x)
    with pytest.raises(TypeError, match="complex"):
        musiceval.n_notes(torch.zeros((1, 16, 128, 1), dtype=torch.complex64))
    assert np.isnan(musiceval.pitch_range(torch.zeros((1, 16, 128, 1), dtype=torch.bfloat16)))
