"""A table of scalars over training steps (a trainer's losses), written as CSV and a figure.

The trainer's LossLogger writes it directly (``write()``) or through the background writer
process (at its events), with this one function.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from musiceval._atomic import atomic_write

__all__ = ["ScalarTable", "write_scalar_table"]


@dataclass(frozen=True)
class ScalarTable:
    """Rows of scalars per step and where and how to write them.

    ``rows`` is float64 ``(n_rows, len(columns))``; its first ``integer_columns`` columns
    (step, epoch) are written as ints, the others exactly (``repr`` of the float). With
    ``figure``, the ``plotted`` columns are drawn against the first column by
    :func:`musiceval.plot.plot_losses` (raw and smoothed), titled by ``titles``.
    """

    directory: Path
    name: str
    columns: tuple[str, ...]
    rows: np.ndarray
    integer_columns: int = 2
    plotted: tuple[str, ...] = ()
    titles: Mapping[str, str] = field(default_factory=dict)
    smoothing: int | None = None
    figure: bool = True
    labels: tuple[str, str] = ("table (CSV)", "curves (PNG)")


def write_scalar_table(table: ScalarTable) -> dict[str, Path]:
    """Write ``<name>.csv`` and, with ``figure`` and rows, ``<name>.png``; atomically."""
    table.directory.mkdir(parents=True, exist_ok=True)
    k = table.integer_columns

    def write_csv(file: Any) -> None:
        writer = csv.writer(file)
        writer.writerow(table.columns)
        for row in table.rows:
            writer.writerow([*(int(v) for v in row[:k]), *(repr(float(v)) for v in row[k:])])

    path = table.directory / f"{table.name}.csv"
    written = {table.labels[0]: atomic_write(path, write_csv, newline="")}
    if table.figure and len(table.rows):
        from musiceval.plot import plot_losses

        series = {name: table.rows[:, table.columns.index(name)] for name in table.plotted}
        written[table.labels[1]] = plot_losses(
            table.rows[:, 0], series, table.directory / f"{table.name}.png",
            titles=dict(table.titles), smoothing=table.smoothing,
        )  # fmt: skip
    return written
