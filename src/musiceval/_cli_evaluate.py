"""``musiceval evaluate``: compute metrics on a set, say what was read, print a summary.

The table goes to stdout (and every sample's value to ``--output``); what was read (files,
skipped files and why, samples and tracks) is one line on stderr, beside the warnings, so that
stdout holds the table only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from musiceval._cli_read import conventions, read_counted
from musiceval.exceptions import InvalidParameterError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["evaluate_command"]


def evaluate_command(args: argparse.Namespace) -> int:
    """Run ``musiceval evaluate``; return its exit status."""
    import musiceval

    output = None if args.output is None else _csv_path(args.output)
    rolls, drums, done = read_counted(args, args.input)
    table = musiceval.evaluate(
        rolls,
        args.metrics,
        layout=args.layout,
        threshold=args.threshold,
        lowest_pitch=args.lowest_pitch,
        drums=drums,
        **conventions(args),
    )
    print(f"musiceval evaluate: {done}", file=sys.stderr)
    if output is not None:
        _write_csv(table, output)
    shown = table if args.per_sample else _summary(table)
    print(shown.to_string(index=False))
    if args.output is not None:
        print(f"\nper-sample values: {args.output}")
    return 0


def _summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, std and NaN count per metric and track (pairs of tracks for tonal distance), and
    per component (``bin``) of a vector-valued metric."""
    keys = ["metric", "track"] + [key for key in ("track_b", "bin") if key in table.columns]
    grouped = table.groupby(keys, observed=True, sort=False, dropna=False)["value"]
    summary = grouped.agg(mean="mean", std=lambda v: v.std(ddof=0), n_nan=lambda v: v.isna().sum())
    return summary.reset_index()


def _csv_path(output: str) -> Path:
    """``--output`` as a path, refused before any work unless it ends in ``.csv``."""
    path = Path(output)
    if path.suffix.lower() != ".csv":
        raise InvalidParameterError(f"--output must end in .csv; got {str(path)!r}")
    return path


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    from musiceval._atomic import atomic_path

    with atomic_path(path) as temporary:
        table.to_csv(temporary, index=False)
