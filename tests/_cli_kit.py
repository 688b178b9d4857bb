"""Run the ``musiceval`` command line inside a test."""

from __future__ import annotations

import pytest

from musiceval.cli import main


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The exit status (argparse's usage errors exit through SystemExit), stdout, stderr."""
    try:
        status = main(args)
    except SystemExit as exit_info:
        status = exit_info.code
    out, err = capsys.readouterr()
    return status, out, err
