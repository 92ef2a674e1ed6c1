"""Appendix tables (Phụ lục): one unit per task row, column headers folded into the text.

Three shapes occur in real documents, each read by its own function:

- ``read_tsv_table``: rows as tab-separated lines (Markdown/DOCX/HTML exports); a row with an
  empty number continues the previous task; a row with only a number and a name is a section.
- ``read_cell_table``: a table flattened into one cell per line, indented by a tab; a line
  starting with " \\t" opens a row. Either coded (1.x / 2.x / 3.x) with repeated section rows,
  or plain with a header of one cell per line and numbered rows.
- ``read_pdf_table``: text pulled from a PDF, a bare row number on its own line followed by
  the cells' lines; cells are told apart by what they hold (agency names, periods).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from corpus.vocab import AGENCY_LINE_START as _AGENCY
from corpus.vocab import PERIOD_AT_END as _PERIOD

log = logging.getLogger(__name__)

_CODE = re.compile(r"^(\d)\.(\d{1,3})\s*:?\s*(.*)$", re.S)
_ROMAN = re.compile(r"^[IVXL]{1,6}$")
_NUMBER = re.compile(r"^\d{1,3}$")
_TASK_NO = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?$")
_CONTINUES = re.compile(r"(?:,|\bvà|\bSở|\bcác|\bcấp|\bvới|\bthị\s+xã)\s*$")

CODE_NAMES = {"1": "Kết quả", "2": "Nhiệm vụ", "3": "Nhiệm vụ cụ thể"}
CODED_COLUMNS = ["Sản phẩm", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian hoàn thành", "Kinh phí"]
KNOWN_HEADERS = [
    "Nội dung thực hiện",
    "Nhiệm vụ",
    "Cơ quan chủ trì",
    "Cơ quan phối hợp",
    "Hoạt động/sản phẩm",
    "Sản phẩm",
    "Thời gian thực hiện",
    "Thời gian hoàn thành",
    "Kinh phí",
]


@dataclass
class TableRow:
    """One task row: its number, the sections above it, and its cells by header."""

    number: str
    cells: list[tuple[str, str]]  # (header, value), in column order, empty values dropped
    sections: list[str] = field(default_factory=list)
    start: int = 0  # line index of the row's first line within the lines given
    end: int = 0  # line index after the row's last line
    part: int = 1  # 2, 3... for rows that continue the same task number
    kind: str = "task"  # "target" for a coded table's expected result (Kết quả 1.x)

    def text(self) -> str:
        """'Nhiệm vụ: ...; Cơ quan chủ trì: ...; Thời gian thực hiện: ...'."""
        return "; ".join(f"{header}: {value.rstrip('.;')}" for header, value in self.cells if value)

    def value(self, *headers: str) -> str:
        for header, value in self.cells:
            if header in headers:
                return value
        return ""


def _squash(text: str) -> str:
    return " ".join(text.split())


def _join_lines(lines: list[str]) -> str:
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        # "Hoạt động/" + "sản phẩm" and "phù" + "hợp" both join with one space except after "/"
        out = out + line if out.endswith("/") else (out + " " + line if out else line)
    return _squash(out)


# --- TSV -------------------------------------------------------------------------------------


def read_tsv_table(lines: list[str]) -> list[TableRow]:
    """Rows of a tab-separated table; header rows (TT/STT) may repeat after page breaks."""
    headers: list[str] = []
    rows: list[TableRow] = []
    sections: list[str] = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if "\t" not in line:
            continue
        cells = [_squash(cell) for cell in line.split("\t")]
        if cells[0] in ("TT", "STT"):
            headers = cells
            continue
        if not headers:
            continue
        number = cells[0].rstrip(".")
        filled = [c for c in cells[1:] if c]
        if number and len(filled) == 1 and cells[1] and "." not in number:
            sections = [f"{number}. {cells[1]}"]
            continue
        if not filled:
            continue
        if not number:
            if not rows:
                log.warning("table row %d continues no task; kept as its own row", index)
            previous = rows[-1] if rows else None
            number = previous.number if previous else "?"
            inherited = previous.cells[0][1] if previous else ""
            values = [inherited] + cells[2:] if not cells[1] else cells[1:]
            part = (previous.part + 1) if previous and previous.number == number else 1
        else:
            values, part = cells[1:], 1
        pairs = list(zip(headers[1:], values))
        key = "|".join(v for _, v in pairs)
        if key in seen:
            log.info("table row %d repeats an earlier row (page break); skipped", index)
            continue
        seen.add(key)
        rows.append(TableRow(number, pairs, list(sections), index, index + 1, part))
    return rows


# --- one cell per line -----------------------------------------------------------------------


def _cells(lines: list[str]) -> list[tuple[int, str | None]]:
    """(line index, cell text) with None marking a row break; un-tabbed lines continue a cell."""
    out: list[tuple[int, str | None]] = []
    for index, line in enumerate(lines):
        if not line.strip() and "\t" not in line:
            out.append((index, None))
        elif "\t" in line:
            if line.startswith(" \t") or line.startswith("\t\t"):
                out.append((index, None))
            out.append((index, _squash(line.split("\t", 1)[1])))
        elif out and out[-1][1]:
            out[-1] = (out[-1][0], out[-1][1] + " " + _squash(line))
    return out


def read_cell_table(lines: list[str]) -> list[TableRow]:
    """Rows of a table flattened into one cell per line (coded or with a header)."""
    cells = _cells(lines)
    if any(c and _CODE.match(c) for _, c in cells):
        return _read_coded(cells)
    return _read_headed(cells)


def _read_coded(cells: list[tuple[int, str | None]]) -> list[TableRow]:
    rows: list[TableRow] = []
    section_no, section = "", ""
    parents: dict[str, str] = {}  # "1" -> "Kết quả 1.3: ...", "2" -> "Nhiệm vụ 2.4: ..."
    pending_parent: tuple[str, int] | None = None  # a 2.x whose 3.x children have not come yet
    current: TableRow | None = None
    values: list[str] = []

    def finish() -> None:
        nonlocal current, values
        if current is not None:
            while values and not values[-1]:
                values.pop()
            current.cells += list(zip(CODED_COLUMNS, values))
            rows.append(current)
        current, values = None, []

    def sections_now() -> list[str]:
        crumb = [f"{section_no}. {section}".strip(". ")] if section else []
        return crumb + [parents[k] for k in ("1", "2") if k in parents]

    for index, cell in cells:
        if cell is None:
            if current is not None and values:
                finish()
            continue
        match = _CODE.match(cell)
        if match:
            level, code, text = match.group(1), f"{match.group(1)}.{match.group(2)}", match.group(3).strip()
            finish()
            if level == "3":
                pending_parent = None
                current = TableRow(code, [(f"{CODE_NAMES['3']} {code}", text)], sections_now(), index, index + 1)
            else:
                if pending_parent:
                    _emit_childless(rows, parents, pending_parent, sections_now)
                    pending_parent = None
                if level == "1":
                    parents.pop("1", None)
                    parents.pop("2", None)
                    # the target ("Tối thiểu 30% ... được kiểm tra") is answerable text of its own,
                    # not only a breadcrumb of the tasks below it
                    rows.append(TableRow(code, [(f"{CODE_NAMES['1']} {code}", text)], sections_now(), index, index + 1,
                                         kind="target"))
                else:
                    pending_parent = (code, index)
                parents[level] = f"{CODE_NAMES[level]} {code}: {text}"
            continue
        if _ROMAN.match(cell) or cell.strip("I") == "" and cell:
            finish()
            if pending_parent:
                _emit_childless(rows, parents, pending_parent, sections_now)
                pending_parent = None
            section_no, section = cell, ""
            parents.clear()
            continue
        if _NUMBER.match(cell):
            continue  # a page number inside the table
        if current is not None:
            values.append(cell)
            current.end = index + 1
        elif cell and cell != section:
            if pending_parent:
                _emit_childless(rows, parents, pending_parent, sections_now)
                pending_parent = None
            section = cell
            parents.clear()
    finish()
    if pending_parent:
        _emit_childless(rows, parents, pending_parent, sections_now)
    return rows


def _emit_childless(rows, parents, pending, sections_now) -> None:
    """A 2.x row with no 3.x activity still becomes a unit of its own (1.x rows always do)."""
    code, index = pending
    level = code.split(".")[0]
    text = parents.get(level, "")
    if not text:
        return
    crumb = [s for s in sections_now() if s != text]
    rows.append(TableRow(code, [(text.split(":", 1)[0], text.split(":", 1)[1].strip())], crumb, index, index + 1))


def _read_headed(cells: list[tuple[int, str | None]]) -> list[TableRow]:
    headers: list[str] = []
    rows: list[TableRow] = []
    current: TableRow | None = None
    values: list[str] = []
    for index, cell in cells:
        if cell is None:
            continue
        if not headers or (current is None and not _NUMBER.match(cell) and len(headers) < 10 and not rows):
            headers.append(cell)
            continue
        if _NUMBER.match(cell) and (current is None or len(values) >= len(headers) - 1):
            if current is not None:
                current.cells = list(zip(headers[1:], values))
                rows.append(current)
            current, values = TableRow(cell, [], [], index, index + 1), []
            continue
        if current is not None:
            values.append(cell)
            current.end = index + 1
    if current is not None:
        current.cells = list(zip(headers[1:], values))
        rows.append(current)
    return rows


# --- PDF text --------------------------------------------------------------------------------


def _pdf_headers(header_text: str) -> list[str]:
    flat = _squash(header_text.replace("/ ", "/"))
    found = []
    for name in KNOWN_HEADERS:
        position = flat.find(name)
        if position >= 0 and not any(name in other for other in found):
            found.append((position, name))
    found = [name for _, name in sorted(found)]
    return found or ["Nội dung thực hiện", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện"]


def read_pdf_table(lines: list[str]) -> list[TableRow]:
    """Rows of a table whose cells a PDF extraction spread over lines.

    Each row starts at a bare number line. Cells are told apart by content: the task text
    first, then agencies (chủ trì, then phối hợp), a product if the table has one, the period.
    """
    header_lines: list[str] = []
    rows: list[TableRow] = []
    blocks: list[tuple[int, list[str]]] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _NUMBER.match(stripped) and (not blocks or int(stripped) == int(blocks[-1][1][0]) + 1 or not rows and not blocks):
            blocks.append((index, [stripped]))
        elif blocks:
            blocks[-1][1].append(line.rstrip())
        elif stripped.startswith(("STT", "TT")) or header_lines:
            header_lines.append(stripped)
    headers = _pdf_headers(" ".join(header_lines))
    for index, (start, block) in enumerate(blocks):
        cells = _split_pdf_row(block[1:], headers)
        end = blocks[index + 1][0] if index + 1 < len(blocks) else len(lines)
        rows.append(TableRow(block[0], cells, [], start, end))
    return rows


def _split_pdf_row(lines: list[str], headers: list[str]) -> list[tuple[str, str]]:
    content_h = headers[0]
    lead_h = next((h for h in headers if "chủ trì" in h), None)
    coop_h = next((h for h in headers if "phối hợp" in h), None)
    product_h = next((h for h in headers if "sản phẩm" in h.lower()), None)
    time_h = next((h for h in headers if h.startswith("Thời gian")), None)
    columns: dict[str, list[str]] = {h: [] for h in headers}
    order = [h for h in (content_h, lead_h, coop_h, product_h, time_h) if h]
    stage = 0  # index into order
    after_time: list[list[str]] = []
    previous = ""
    blank = False
    for raw in lines:
        line = raw.strip()
        if not line:
            blank = True
            continue
        if time_h and columns[time_h]:
            if blank or not after_time:
                after_time.append([])
            after_time[-1].append(line)
            blank = False
            continue
        period = _PERIOD.search(line) if time_h else None
        if period and (period.start() == 0 or order[stage] != content_h):
            head = line[: period.start()].strip()
            if head:
                columns[order[stage]].append(head)
            columns[time_h].append(line[period.start():].strip())
            blank = False
            continue
        starts_agency = bool(_AGENCY.match(line))
        continuing = (bool(_CONTINUES.search(previous)) or line[0].islower()) and not blank
        current = order[stage]
        if current == content_h and starts_agency and columns[content_h]:
            stage = order.index(lead_h) if lead_h else stage
        elif current == lead_h and columns[lead_h] and (starts_agency or blank) and not continuing:
            stage = order.index(coop_h) if coop_h else stage
        elif current == coop_h and columns[coop_h] and not starts_agency and (blank or not continuing) and product_h:
            stage = order.index(product_h)
        columns[order[stage]].append(line)
        previous, blank = line, False
    # a row broken by a page: the rest of its free-text cells comes after the period
    free = [h for h in (content_h, product_h) if h]
    for chunk in after_time:
        target = next((h for h in free if not _join_lines(columns[h]).endswith(".")), free[-1])
        columns[target].extend(chunk)
    return [(h, _join_lines(columns[h])) for h in headers if _join_lines(columns[h])]
