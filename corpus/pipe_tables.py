"""Tables flattened into "|" lines (Markdown converted from HTML), rebuilt while cleaning: a layout
table's cells (the header with agency and motto, a portal's label-and-value box, the signature block)
become paragraphs, a data table's rows tab-separated lines, which :mod:`corpus.tables` then reads as
task rows. Part of the clean stage (:func:`corpus.clean.clean_text`); pure functions.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

PIPE = "|"
HARD_BREAK = "\u2029"  # a line of its own: the paragraph before it ends here (a table cell's end)
_MAX_CELL_LINES = 60  # content after a table's last "|" longer than this is the text after the table
_ROW_NUMBER = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|[IVXL]{1,6}\.?|[a-zđ]\)|\(\d{1,2}\))$")


@dataclass
class FlatTable:
    """A table read from "|" lines: text before it that the flattening glued on (``lead`` cells),
    then its rows of cells, each cell its lines as written."""

    rows: list[list[list[str]]]
    lead: list[list[str]] = field(default_factory=list)

    @property
    def columns(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def is_layout(self) -> bool:
        """A table used to lay text out side by side (the header with agency and motto, a portal's
        box of label and value, the signature block): fewer than two numbered rows. Its cells are
        read as paragraphs."""
        numbered = sum(1 for r in self.rows if r and _ROW_NUMBER.match(_cell_text(r[0])))
        return numbered < 2


def _cell_text(lines: list[str]) -> str:
    return " ".join(" ".join(lines).split())


def _blank(line: str) -> bool:
    return not line.strip() and line != HARD_BREAK


def _table_end(lines: list[str], start: int) -> int:
    """Index after the last "|" line of the table that starts at ``lines[start]``."""
    last = start
    index = start + 1
    longest = 1  # the most lines a cell of this table has had so far
    while index < len(lines):
        if lines[index].strip() == PIPE:
            last = index
            index += 1
            continue
        if _blank(lines[index]):
            break  # a blank line after a "|" ends the table (Markdown)
        ahead = index
        while ahead < len(lines) and lines[ahead].strip() != PIPE and not _blank(lines[ahead]):
            ahead += 1
        run = ahead - index
        if ahead >= len(lines) or lines[ahead].strip() != PIPE or run > _MAX_CELL_LINES:
            break
        if index > start + 1 and run > max(8, 3 * longest):
            break  # far longer than any cell before it: the text after the table, then another table
        longest = max(longest, run)
        index = ahead
    return last + 1


def read_flat_table(lines: list[str]) -> FlatTable:
    """Rows of a table whose cells are separated by "|" lines.

    The end of a row and the start of the next make an empty cell, so rows are the runs of cells
    between empty ones; a run that does not start with a row number continues a numbered row when
    both fit the table's width (an empty cell inside the row). The width is the most common run
    length; a first run longer than that carries text glued before the table (``lead``)."""
    cells: list[list[str]] = []
    current: list[str] | None = None
    for line in lines:
        if line.strip() == PIPE:
            if current is not None:
                cells.append([c for c in current if c])
            current = []
        elif current is not None:
            current.append(line.strip())
    runs: list[list[list[str]]] = [[]]
    for cell in cells:
        if cell:
            runs[-1].append(cell)
        elif runs[-1]:
            runs.append([])
    runs = [r for r in runs if r]
    lengths = Counter(len(r) for r in runs if len(r) >= 2)
    width = max(lengths, key=lambda n: (lengths[n], n)) if lengths else 1
    lead: list[list[str]] = []
    if runs and len(runs[0]) > width and len(runs) > 1:
        cut = len(runs[0]) - width
        lead, runs[0] = runs[0][:cut], runs[0][cut:]
    rows: list[list[list[str]]] = []
    for run in runs:
        previous = rows[-1] if rows else None
        if (previous is not None and not _ROW_NUMBER.match(_cell_text(run[0])) and _ROW_NUMBER.match(_cell_text(previous[0]))
                and len(previous) + 1 + len(run) <= width):
            previous.extend([[]] + run)
        else:
            rows.append(run)
    return FlatTable(rows, lead)


def _paragraph_cells(cells: list[list[str]]) -> list[str]:
    """Cells read as paragraphs, each ended by :data:`HARD_BREAK`; a one-line label ending in ":"
    keeps its value cell on its line ("Số hiệu: 12/QĐ-UBND")."""
    out: list[str] = []
    pending = ""
    for cell in cells:
        if not cell:
            continue
        if pending:
            out.extend([pending + " " + cell[0], *cell[1:], HARD_BREAK])
            pending = ""
        elif len(cell) == 1 and cell[0].endswith(":") and len(cell[0]) <= 40:
            pending = cell[0]
        else:
            out.extend([*cell, HARD_BREAK])
    if pending:
        out.extend([pending, HARD_BREAK])
    return out


def rebuild_pipe_tables(lines: list[str], reflow) -> list[str]:
    """Lines with every "|"-flattened table rebuilt: a layout table's cells as paragraphs (each ends
    with :data:`HARD_BREAK`), a data table's rows as tab-separated lines, each cell re-flowed into
    one line by ``reflow`` (lines → paragraphs)."""
    out: list[str] = []
    index = 0
    while index < len(lines):
        if lines[index].strip() != PIPE:
            out.append(lines[index])
            index += 1
            continue
        end = _table_end(lines, index)
        table = read_flat_table(lines[index:end])
        out.append(HARD_BREAK)
        out.extend(_paragraph_cells(table.lead))
        if table.is_layout():
            out.extend(_paragraph_cells([cell for row in table.rows for cell in row]))
        else:
            for row in table.rows:
                out.append("\t".join(" ".join(reflow(cell)) for cell in row))
            out.append("")
        index = end
    return out
