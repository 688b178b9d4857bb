"""The text of a report: its summary in words, cells, the Markdown and HTML pages, the terminal.

Plain functions of a :class:`Page` (the report's summary lines, its table as a pandas frame of
:data:`musiceval.compare.COLUMNS` and the meaning of each column), so that the numbers (in
:mod:`musiceval.compare`) and their presentation change apart.

Every page opens with the rows furthest from the reference, in words, ranked by
:func:`rank_rows`, and the summary lines; then the table; then any further tables
(:class:`Section`: the vector-valued metrics); then a legend of every column and of every
convention the report shows (:data:`CONVENTIONS_LEGEND`). A page whose table has no row (a
profile without scalar metrics: :attr:`Page.has_table`) shows neither the furthest rows nor the
table and its columns: the summary lines say why.
"""

from __future__ import annotations

import base64
import html
import math
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from musiceval import _documents

__all__ = [
    "CONVENTIONS_LEGEND",
    "RANKING_RULE",
    "Page",
    "Section",
    "format_cell",
    "html_page",
    "markdown",
    "rank_rows",
    "terminal",
    "verdict",
]

CONVENTIONS_LEGEND: dict[str, str] = {
    "steps_per_bar": "time steps per bar: the bars of empty_bar_rate, groove_consistency and "
    "per=bar",
    "steps_per_beat": "time steps per quarter note: the beats of tonal_distance and the grid of "
    "drum_in_pattern_rate (and of MIDI files read)",
    "key": "tonic of in_scale_ratio (scale_consistency and best_key try all twelve), as a "
    "pitch class: 0 is C, 1 C#, 2 D, ... 11 B",
    "mode": "scale of the in-scale metrics on that tonic (major, minor, dorian, ...)",
    "weight": "what the scale and entropy metrics count: cells = active cells (a held note "
    "counts for its length), notes = each note once",
    "min_steps": "qualified_note_rate counts the notes at least this many steps long",
    "min_pitches": "polyphonic_rate counts the steps with at least this many pitches sounding",
    "grid": "drum_in_pattern_rate: pattern positions per beat (2: eighth notes, 4: sixteenths)",
    "per": "sample = each metric over the whole sample; bar = on each bar alone, averaged over "
    "the bars where the track plays",
    "radii": "weights (r1, r2, r3) of tonal_distance's circles of fifths, minor thirds and major "
    "thirds in the 6-D tonal centroid (Harte et al. 2006)",
    "drums": "which tracks are drum tracks (from the MIDI files' channel 10): pitched metrics are "
    "NaN on them, drum metrics (drum_in_pattern_rate, groove_consistency) on the others; None: "
    "unknown, every metric on every track",
    "force": "domains computed on every track anyway, despite drums (pitched, drums)",
}
"""One line per metric convention (:class:`musiceval.rolls.Conventions`): what it means."""

RANKING_RULE = (
    "Rows ranked by overlap_area, lowest first (the share of the two distributions in common; "
    "unlike z it stays meaningful where the reference does not vary), ties (such as several "
    "disjoint rows at 0) by the larger |z|."
)
"""How :func:`rank_rows` orders the rows, in words (stated on every page)."""

N_FURTHEST = 5
"""Rows the summary names."""

# Markdown that stays one table cell and shows text as written: backslash escapes for what
# Markdown reads (a pipe ends a cell), entities for HTML, spaces for line breaks.
_MARKDOWN = str.maketrans(
    {"\\": "\\\\", "`": "\\`", "|": "\\|", "&": "&amp;", "<": "&lt;", ">": "&gt;"}
    | dict.fromkeys("\n\r\t\v\f", " ")
)
_AUTO_KEY = (
    "tonic of in_scale_ratio: auto = each sample's and track's own key, tonic and mode, found "
    "with find_key(x, 'albrecht') (docs/keys.md)"
)
_COMPACT = ("metric", "track", "reference mean ± std", "generated mean", "z", "overlap")
_GAP = "  "


class _Table:
    """The header and formatted cells of a table held as ``frame`` (a pandas DataFrame)."""

    frame: Any

    @property
    def header(self) -> list[str]:
        """The table's column names."""
        return [str(column) for column in self.frame.columns]

    @property
    def cells(self) -> list[list[str]]:
        """The table's cells, formatted by :func:`format_cell`."""
        return _cells(self.frame)


@dataclass(frozen=True)
class Section(_Table):
    """A further table of a page, shown after the main one.

    ``title``: its heading; ``text``: a sentence saying what it holds; ``frame``: the table (a
    pandas DataFrame whose first two columns are names, metric and track); ``legend``: column ->
    meaning; ``compact``: the columns of its table in a terminal (the names first);
    ``figures``: the file names of its figures, shown with it in the HTML page.
    """

    title: str
    text: str
    frame: Any
    legend: Mapping[str, str]
    compact: tuple[str, ...]
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Page(_Table):
    """What every form of a report shows.

    ``summary``: the report's lines (counts, conventions, Fréchet distance); ``frame``: the
    table (a pandas DataFrame of the report's columns); ``legend``: column -> meaning;
    ``conventions``: convention name -> value, as the profile holds them; ``sections``: further
    tables, after the main one.
    """

    summary: Sequence[str]
    frame: Any
    legend: Mapping[str, str]
    conventions: Mapping[str, Any]
    sections: Sequence[Section] = ()

    @property
    def has_table(self) -> bool:
        """Whether the table has a row (it has none when the profile holds no scalar metric);
        without one, the furthest rows, the table and its columns' legend are left out."""
        return len(self.frame) > 0


def _cells(frame: Any) -> list[list[str]]:
    return [[format_cell(value) for value in row] for row in frame.itertuples(index=False)]


def format_cell(value: Any) -> str:
    """A table cell: text as is, integers whole, other numbers to 4 significant digits,
    non-finite numbers as ``nan``/``inf``/``-inf``."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | np.integer):
        return str(int(value))
    number = float(value)
    return f"{number:.4g}" if math.isfinite(number) else _documents.encode(number)


def rank_rows(z_scores: Sequence[float], overlaps: Sequence[float]) -> list[int]:
    """Row indices, furthest from the reference first (:data:`RANKING_RULE`).

    The lower overlap area first; equal overlaps (several disjoint rows at 0) by the larger
    ``|z|``, +-inf included, a NaN z after any number; a NaN overlap after every defined one;
    then the row order.
    """

    def key(index: int) -> tuple[bool, float, bool, float, int]:
        z, overlap = float(z_scores[index]), float(overlaps[index])
        return (
            math.isnan(overlap),
            0.0 if math.isnan(overlap) else overlap,
            math.isnan(z),
            0.0 if math.isnan(z) else -abs(z),
            index,
        )

    return sorted(range(len(z_scores)), key=key)


def _number(value: Any) -> str:
    """A number for a sentence: 3 significant digits, thousands whole."""
    value = float(value)
    if not math.isfinite(value):
        return _documents.encode(value)
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _z_text(z: float) -> str:
    if not math.isfinite(z):
        return _documents.encode(z)
    return f"{z:,.0f}" if abs(z) >= 100 else f"{z:.1f}" if abs(z) >= 10 else f"{z:.2f}"


def verdict(z: float, overlap: float) -> str:
    """The words that end a row's sentence: where the mean lies (``|z| >= 2`` far, ``>= 1``
    above or below, else close) and, when the distributions share less than half their area,
    that they differ."""
    differ = not math.isnan(overlap) and overlap < 0.5
    if math.isnan(z):
        if math.isnan(overlap):
            return "undefined (one side has no defined value)"
        return "distributions differ" if differ else "distributions alike"
    side = "above" if z > 0 else "below"
    if math.isinf(z):
        return f"far {side} (the reference does not vary)"
    if abs(z) >= 2:
        return f"far {side}"
    if abs(z) >= 1:
        return side
    return "mean close, distributions differ" if differ else "close"


def _sides(row: Any) -> str:
    """``generated 0.71 vs reference 0.97 ± 0.03``; the modes where a metric has no mean (a
    circular one, as best_key)."""
    means = (row["generated_mean"], row["reference_mean"])
    modes = (row.get("generated_mode", math.nan), row.get("reference_mode", math.nan))
    if all(math.isnan(float(m)) for m in means) and not any(math.isnan(float(m)) for m in modes):
        return f"generated mode {_number(modes[0])} vs reference mode {_number(modes[1])}"
    return (
        f"generated {_number(means[0])} vs reference {_number(means[1])} ± "
        f"{_number(row['reference_std'])}"
    )


def furthest(frame: Any, count: int = N_FURTHEST) -> list[str]:
    """The ``count`` rows of ``frame`` furthest from the reference (:func:`rank_rows`), one
    sentence each, e.g. ``alto in_scale_ratio: generated 0.71 vs reference 0.97 ± 0.03
    (z = -8.20, overlap 0.05): far below``."""
    z_scores = frame["z_score"].to_numpy(dtype=np.float64)
    overlaps = frame["overlap_area"].to_numpy(dtype=np.float64)
    sentences = []
    for index in rank_rows(z_scores, overlaps)[:count]:
        row = frame.iloc[index]
        z, overlap = float(z_scores[index]), float(overlaps[index])
        sentences.append(
            f"{row['track']} {row['metric']}: {_sides(row)} (z = {_z_text(z)}, overlap "
            f"{_number(overlap)}): {verdict(z, overlap)}"
        )
    return sentences


def _convention_entries(conventions: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(name=value, meaning)`` of every convention shown, in the profile's order."""
    from musiceval.scales import key_name

    entries = []
    for name, value in conventions.items():
        shown = value
        if isinstance(value, list | tuple):
            shown = "(" + ", ".join(_item(item) for item in value) + ")"
        elif name == "key" and isinstance(value, int):
            shown = f"{value} ({key_name(value)})"
        meaning = CONVENTIONS_LEGEND.get(name, "a metric option (docs/conventions.md)")
        if name == "key" and value == "auto":
            meaning = _AUTO_KEY
        entries.append((f"{name}={shown}", meaning))
    return entries


def _item(item: Any) -> str:
    """One item of a tuple convention: a flag as True/False, a number to 4 digits."""
    return str(item) if isinstance(item, bool | str) else f"{item:g}"


def _columns(table: Page | Section) -> list[tuple[str, str]]:
    """``(column, meaning)`` of every column of a table."""
    return [(column, table.legend.get(column, "")) for column in table.header]


def _legend_blocks(page: Page) -> list[tuple[str, list[tuple[str, str]]]]:
    """The legend as ``(title, [(name, meaning), ...])`` blocks: the table's columns (when it
    has a row), each further table's, then the conventions."""
    blocks = [("Columns:", _columns(page))] if page.has_table else []
    blocks += [(f"{section.title} columns:", _columns(section)) for section in page.sections]
    return [*blocks, ("Conventions (docs/conventions.md):", _convention_entries(page.conventions))]


def _markdown_table(header: list[str], cells: list[list[str]]) -> list[str]:
    """A Markdown table: the first two columns (names) left-aligned, numbers right-aligned."""
    cells = [[cell.translate(_MARKDOWN) for cell in row] for row in cells]
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
    return [line(header), "|" + "|".join(dashes) + "|", *(line(row) for row in cells)]


def markdown(page: Page) -> str:
    """The Markdown page: a title, the furthest rows in words, the summary lines, the table
    (numbers right-aligned), any further tables, then the legend of the columns and
    conventions (without a row in the table: the summary, the further tables, the legend)."""
    lines = ["# musiceval report", ""]
    if page.has_table:
        lines += ["## Furthest from the reference", "", RANKING_RULE.translate(_MARKDOWN), ""]
        lines += [
            f"{i}. {text.translate(_MARKDOWN)}" for i, text in enumerate(furthest(page.frame), 1)
        ]
        lines.append("")
    lines += [*(text.translate(_MARKDOWN) for text in page.summary), ""]
    if page.has_table:
        lines += ["## Every metric and track", ""]
        lines += [*_markdown_table(page.header, page.cells), ""]
    for section in page.sections:
        lines += [f"## {section.title}".translate(_MARKDOWN), "", section.text.translate(_MARKDOWN)]
        lines += ["", *_markdown_table(section.header, section.cells), ""]
    lines += ["## Legend"]
    for title, entries in _legend_blocks(page):
        lines += ["", title.translate(_MARKDOWN), ""]
        lines += [f"- {name}: {text}".translate(_MARKDOWN) for name, text in entries]
    return "\n".join([*lines, ""])


def _html_list(tag: str, items: list[str]) -> str:
    return (
        f"<{tag}>\n" + "".join(f"<li>{html.escape(item)}</li>\n" for item in items) + f"</{tag}>\n"
    )


def _html_table(table: Page | Section) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.cells
    )
    return f"<table>\n<tr>{head}</tr>\n{body}\n</table>\n"


def _html_images(figures: list[Path]) -> str:
    return "\n".join(
        f'<h2>{html.escape(path.stem)}</h2>\n<img alt="{html.escape(path.stem)}" '
        f'src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode("ascii")}">'
        for path in figures
    )


def _html_sections(page: Page, figures: list[Path]) -> str:
    """Each further table with its text and its figures (those of ``figures`` it names)."""
    parts = []
    for section in page.sections:
        images = _html_images([path for path in figures if path.name in section.figures])
        parts.append(
            f"<h2>{html.escape(section.title)}</h2>\n<p>{html.escape(section.text)}</p>\n"
            f"{_html_table(section)}{images + chr(10) if images else ''}"
        )
    return "".join(parts)


def html_page(page: Page, figures: list[Path]) -> str:
    """The self-contained HTML page: the furthest rows, the summary, the table, any further
    tables with their figures, the legend and every other figure as a base64 data URI
    (without a row in the table: no furthest rows, table or legend of its columns)."""
    paragraphs = "".join(f"<p>{html.escape(line)}</p>\n" for line in page.summary)
    legend = "<h2>Legend</h2>\n" + "".join(
        f"<p>{html.escape(title)}</p>\n"
        + _html_list("ul", [f"{name}: {text}" for name, text in entries])
        for title, entries in _legend_blocks(page)
    )
    furthest_rows = table = ""
    if page.has_table:
        furthest_rows = (
            f"<h2>Furthest from the reference</h2>\n<p>{html.escape(RANKING_RULE)}</p>\n"
            f"{_html_list('ol', furthest(page.frame))}"
        )
        table = f"<h2>Every metric and track</h2>\n{_html_table(page)}"
    shown = {name for section in page.sections for name in section.figures}
    images = _html_images([path for path in figures if path.name not in shown])
    style = (
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:2px 6px}td{text-align:right}"
        "td:nth-child(-n+2){text-align:left}img{max-width:100%}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>musiceval report</title><style>{style}</style></head>\n<body>\n"
        f"<h1>musiceval report</h1>\n{furthest_rows}{paragraphs}{table}"
        f"{_html_sections(page, figures)}{legend}{images}\n</body>\n</html>\n"
    )


def _printable(text: str) -> str:
    """``text`` on one terminal line: whitespace controls as spaces, any other character a
    terminal would act on (escape sequences) as ``?``."""
    return "".join(
        char if char.isprintable() else " " if char.isspace() else "?" for char in str(text)
    )


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _aligned(header: list[str], rows: list[list[str]], widths: list[int]) -> list[str]:
    """Rows padded to ``widths``: the first two columns (names) left, the others right."""
    lines = []
    for row in [header, *rows]:
        items = [
            _shorten(item, w).ljust(w) if j < 2 else item.rjust(w)
            for j, (item, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(_GAP.join(items).rstrip())
    return lines


def _compact_rows(frame: Any) -> list[list[str]]:
    rows = []
    for row in frame.itertuples(index=False):
        rows.append(
            [
                _printable(row.metric),
                _printable(row.track),
                f"{format_cell(row.reference_mean)} ± {format_cell(row.reference_std)}",
                format_cell(row.generated_mean),
                format_cell(row.z_score),
                format_cell(row.overlap_area),
            ]
        )
    return rows


def _fit(header: Sequence[str], rows: list[list[str]], width: int) -> list[int]:
    """Column widths within ``width`` characters: the names (first two columns) give way,
    the longer one first, down to 4 characters each."""
    widths = [max(len(h), *(len(row[j]) for row in rows)) for j, h in enumerate(header)]
    spare = width - sum(widths) - len(_GAP) * (len(widths) - 1)
    while spare < 0 and max(widths[:2]) > 4:
        longer = 0 if widths[0] >= widths[1] else 1
        widths[longer] -= 1
        spare += 1
    return widths


def _terminal_section(section: Section, wrap: textwrap.TextWrapper, width: int | None) -> list[str]:
    """A further table for a terminal, after a blank line and its text: the ``compact``
    columns fitted to ``width``, or every column with names whole (``width`` None)."""
    header = list(section.compact) if width is not None else section.header
    rows = [[_printable(cell) for cell in row] for row in _cells(section.frame[header])]
    if width is None:
        widths = [max(len(h), *(len(row[j]) for row in rows)) for j, h in enumerate(header)]
    else:
        widths = _fit(header, rows, width)
    text = wrap.wrap(_printable(f"{section.title}: {section.text}"))
    return ["", *text, *_aligned(header, rows, widths)]


def _main_table(page: Page, width: int | None) -> list[str]:
    """The page's table for a terminal: the compact columns fitted to ``width``, or every
    column with names whole (``width`` None)."""
    if width is not None:
        rows = _compact_rows(page.frame)
        return _aligned(list(_COMPACT), rows, _fit(_COMPACT, rows, width))
    rows = [[_printable(cell) for cell in row] for row in page.cells]
    widths = [max(len(h), *(len(row[j]) for row in rows)) for j, h in enumerate(page.header)]
    return _aligned(page.header, rows, widths)


def terminal(page: Page, *, width: int = 100, full: bool = False) -> str:
    """The report for a terminal: the furthest rows, the summary, a table and, with ``full``,
    every column and the legend.

    Without ``full`` every line fits ``width`` characters: the table shows metric, track,
    reference mean ± std, generated mean, z and overlap area, names shortened with "…"; text
    is wrapped; each further table follows with its compact columns. With ``full`` the tables
    have every column and names are shown whole. Without a row in the table: the summary,
    then the further tables (and, with ``full``, their legend and the conventions').
    """
    wrap = textwrap.TextWrapper(width=width, subsequent_indent="    ", break_on_hyphens=False)
    if full:
        wrap.width = 10**9  # one line per sentence
    lines = ["musiceval report", ""]
    if page.has_table:
        lines += wrap.wrap(f"Furthest from the reference. {RANKING_RULE}")
        for i, text in enumerate(furthest(page.frame), 1):
            lines += wrap.wrap(f"{i}. {_printable(text)}")
        lines.append("")
    for text in page.summary:
        lines += wrap.wrap(_printable(text))
    if page.has_table:
        lines += ["", *_main_table(page, None if full else width)]
    for section in page.sections:
        lines += _terminal_section(section, wrap, None if full else width)
    if full:
        lines.append("")
        for title, entries in _legend_blocks(page):
            lines += [title, *(f"  {_printable(name)}: {text}" for name, text in entries)]
    return "\n".join(lines)
