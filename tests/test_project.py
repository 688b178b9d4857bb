"""Project-wide rules: the documented commands, cheap import, numba flags, documented API."""

import inspect
import os
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
    from musiceval._numba_config import FASTMATH

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
    import importlib

    attempted = failed = 0
    for name in [
        *(
            f"musiceval.metrics.{family}"
            for family in ("notes", "pitches", "rhythm", "tonality", "distributions")
        ),
        "musiceval.evaluate",
        "musiceval.profiles",
        "musiceval.history",
        "musiceval.keyfinding",
    ]:
        module = importlib.import_module(name)
        results = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        attempted, failed = attempted + results.attempted, failed + results.failed
    assert attempted >= 5
    assert failed == 0


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


# ---- the shape of the package: sizes, imports, cycles ------------------------------------------

PACKAGE = ROOT / "src" / "musiceval"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    return modules


def _imports(path: Path, modules: dict[str, Path]) -> list[tuple[str, str]]:
    """``(imported module, name)`` for every import of ``path``, at any depth (functions and
    ``if TYPE_CHECKING:`` included); ``name`` is "" for a plain ``import``."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.append((submodule, "") if submodule in modules else (node.module, alias.name))
    return [(module, name) for module, name in found if module.split(".")[0] == "musiceval"]


def _code_lines(lines: list[str], node) -> int:
    """Lines of a function's code: no docstring, blank or comment-only line."""
    import ast

    body = node.body
    doc = set()
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        doc = set(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(
        1
        for number in range(node.lineno, node.end_lineno + 1)
        if number not in doc
        and lines[number - 1].strip()
        and not lines[number - 1].strip().startswith("#")
    )


def test_modules_and_functions_stay_small():
    import ast

    too_long = []
    for name, path in _modules().items():
        text = path.read_text()
        lines = text.splitlines()
        if len(lines) > MAX_MODULE_LINES:
            too_long.append(f"module {name}: {len(lines)} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = _code_lines(lines, node)
                if n > MAX_FUNCTION_LINES:
                    too_long.append(f"function {name}.{node.name}: {n} lines of code")
    assert too_long == []


def test_no_import_cycles():
    modules = _modules()
    graph = {name: {m for m, _ in _imports(path, modules) if m in modules and m != name}
             for name, path in modules.items()}  # fmt: skip
    cycles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join([*trail[trail.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = "done"

    for name in modules:
        if name not in state:
            visit(name, [name])
    assert cycles == []


def _private_attributes(path: Path) -> list[str]:
    """``alias._name`` uses, where ``alias`` is a musiceval module this file imports."""
    import ast

    tree = ast.parse(path.read_text())
    aliases = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.startswith("musiceval")
    } | {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("musiceval")
        for alias in node.names
    }
    return [
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in aliases
        and re.match(r"_[a-z]", node.attr)
    ]


def test_no_module_imports_another_s_private_names():
    modules = _modules()
    private = [
        f"{name} imports {module}.{imported}"
        for name, path in modules.items()
        for module, imported in _imports(path, modules)
        if imported.startswith("_") and not imported.startswith("__") and module != name
    ] + [
        f"{name} uses {use}" for name, path in modules.items() for use in _private_attributes(path)
    ]
    assert private == []


def test_the_core_never_imports_the_models_and_hooks_never_import_the_loop():
    modules = _modules()

    def targets(name: str) -> set[str]:
        return {module for module, _ in _imports(modules[name], modules)}

    core = [name for name in modules if not name.startswith("musiceval.models")]
    assert [n for n in core if any(t.startswith("musiceval.models") for t in targets(n))] == [
        "musiceval.cli"  # hands `musiceval train` to musiceval.models.cli, lazily
    ]
    for hooks in (
        "musiceval.models.events",
        "musiceval.models.hooks",
        "musiceval.models.evaluation",
    ):
        assert "musiceval.models.trainer" not in targets(hooks)


def test_only_the_entry_point_runs_the_engine():
    modules = _modules()
    users = {
        name
        for name, path in modules.items()
        if not name.startswith("musiceval._engine")
        and any(module.startswith("musiceval._engine") for module, _ in _imports(path, modules))
    }
    assert users == {"musiceval.evaluate"}


# ---- checks run as subprocesses, so that the one test command runs them all ------------------


def test_the_kernels_agree_as_plain_python():
    """stumpy's habit: the kernels run as Python under NUMBA_DISABLE_JIT=1 (what coverage sees,
    and a check that the compiled and the Python semantics agree) on the hand cases and the
    naive-reference properties."""
    selected = ["tests/test_hand_cases.py", "tests/test_properties.py", "tests/test_midi_parser.py"]
    selected += ["tests/test_midi_parser_faults.py"]
    selected += ["-k", "naive or hand or midi_parser"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *selected],
        cwd=ROOT,
        env={**os.environ, "NUMBA_DISABLE_JIT": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_mypy_finds_no_error_in_src():
    pytest.importorskip("mypy")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", os.devnull],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_the_literal_option_types_list_the_constants():
    from typing import get_args

    from musiceval.rolls import GRANULARITIES, LAYOUTS, WEIGHTS, Layout, Per, Weight
    from musiceval.scales import MODES, Mode

    assert get_args(Layout) == tuple(LAYOUTS)
    assert get_args(Mode) == tuple(MODES)
    assert (get_args(Weight), get_args(Per)) == (WEIGHTS, GRANULARITIES)
