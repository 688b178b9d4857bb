"""The text of a report: cells formatted, the Markdown page and the self-contained HTML page.

Plain functions of the report's summary lines, table header and cells (strings), so that the
numbers (in :mod:`musiceval.compare`) and their presentation change apart.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any

import numpy as np

from musiceval import _documents

__all__ = ["format_cell", "html_page", "markdown"]

# Markdown that stays one table cell and shows text as written: backslash escapes for what
# Markdown reads (a pipe ends a cell), entities for HTML, spaces for line breaks.
_MARKDOWN = str.maketrans(
    {"\\": "\\\\", "`": "\\`", "|": "\\|", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
    | dict.fromkeys("\n\r\t\v\f", " ")
)


def format_cell(value: Any) -> str:
    """A table cell: text as is, integers whole, other numbers to 4 significant digits,
    non-finite numbers as ``nan``/``inf``/``-inf``."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | np.integer):
        return str(int(value))
    number = float(value)
    return f"{number:.4g}" if math.isfinite(number) else _documents.encode(number)


def markdown(summary: list[str], header: list[str], rows: list[list[str]]) -> str:
    """The Markdown page: a title, the summary lines, then the table (numbers right-aligned)."""
    cells = [[cell.translate(_MARKDOWN) for cell in row] for row in rows]
    widths = [max(len(h), *(len(row[j]) for row in cells)) for j, h in enumerate(header)]
    numeric = [j >= 2 for j in range(len(header))]

    def line(items: list[str]) -> str:
        padded = [
            item.rjust(w) if right else item.ljust(w)
            for item, w, right in zip(items, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    dashes = [
        "-" * (w + 1) + ":" if right else ":" + "-" * (w + 1)
        for w, right in zip(widths, numeric, strict=True)
    ]
    lines = ["# musiceval report", "", *(text.translate(_MARKDOWN) for text in summary), ""]
    lines += [line(header), "|" + "|".join(dashes) + "|", *(line(row) for row in cells), ""]
    return "\n".join(lines)


def html_page(
    summary: list[str], header: list[str], cells: list[list[str]], figures: list[Path]
) -> str:
    """The self-contained HTML page: summary, table, and every figure as a base64 data URI."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in cells
    )
    paragraphs = "".join(f"<p>{html.escape(line)}</p>\n" for line in summary)
    images = "\n".join(
        f'<h2>{html.escape(path.stem)}</h2>\n<img alt="{html.escape(path.stem)}" '
        f'src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode("ascii")}">'
        for path in figures
    )
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px}td{text-align:right}"
        "td:nth-child(-n+2){text-align:left}img{max-width:100%}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>musiceval report</title><style>{style}</style></head>\n<body>\n"
        f"<h1>musiceval report</h1>\n{paragraphs}<table>\n<tr>{head}</tr>\n{body}\n</table>\n"
        f"{images}\n</body>\n</html>\n"
    )
