"""Spreadsheets (.xlsx through openpyxl, .xls through xlrd): appendix tables as text.

Each sheet becomes one appendix ("PHỤ LỤC …" heading, its title rows, then its table as
tab-separated rows under a "STT" header), the shape :func:`corpus.tables.read_tsv_table` reads, so
a row of a spreadsheet becomes one unit with its column headers folded in, exactly like a table
typed into a Word document. Formulas are read as their cached values; merged cells are read once.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from datetime import date, datetime

from corpus.clean import APPENDIX_HEADING
from core.errors import CorruptDocument

log = logging.getLogger(__name__)

_NUMBER_HEAD = re.compile(r"^(?:STT|TT|Số\s*TT|Số\s+thứ\s+tự)\.?$", re.I)


def read_xlsx(name: str, data: bytes) -> str:
    """The sheets of an .xlsx workbook as appendix text."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheets = [(sheet.title, [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)])
                  for sheet in book.worksheets]
        book.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, SyntaxError) as exc:
        raise CorruptDocument(f"{name}: tệp Excel (.xlsx) hỏng hoặc không đọc được ({exc.__class__.__name__}); "
                              "hãy mở và lưu lại bằng Excel") from None
    return sheets_text(sheets)


def read_xls(name: str, data: bytes) -> str:
    """The sheets of an Excel 97–2003 .xls workbook as appendix text."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheets = []
        for sheet in book.sheets():
            rows = []
            for r in range(sheet.nrows):
                row = []
                for c in range(sheet.ncols):
                    cell = sheet.cell(r, c)
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                    row.append(_cell(value))
                rows.append(row)
            sheets.append((sheet.name, rows))
    except (xlrd.XLRDError, AssertionError, IndexError, KeyError, ValueError, TypeError, OSError) as exc:
        raise CorruptDocument(f"{name}: tệp Excel (.xls) hỏng hoặc không đọc được ({exc.__class__.__name__}); "
                              "hãy mở và lưu lại bằng Excel") from None
    return sheets_text(sheets)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y") if (value.hour, value.minute) == (0, 0) else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return " ".join(str(value).split())


def sheets_text(sheets: list[tuple[str, list[list[str]]]]) -> str:
    r"""Appendix text from (sheet name, rows of cell strings).

    Example:
        >>> sheets_text([("PL1", [["Phụ lục I"], ["STT", "Nhiệm vụ", "Cơ quan chủ trì"],
        ...                        ["1", "Số hóa hồ sơ", "Sở Nội vụ"]])]).split("\n")
        ['Phụ lục I', '', 'STT\tNhiệm vụ\tCơ quan chủ trì', '1\tSố hóa hồ sơ\tSở Nội vụ']
    """
    blocks: list[str] = []
    for number, (title, rows) in enumerate(sheets, 1):
        rows = [row for row in rows if any(row)]
        if not rows:
            log.info("sheet %r is empty; skipped", title)
            continue
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        used = [c for c in range(width) if any(row[c] for row in rows)]
        rows = [[row[c] for c in used] for row in rows]
        head_at = next((i for i, row in enumerate(rows) if sum(1 for c in row if c) >= 2), None)
        if head_at is None:  # no table: the sheet's text as prose
            blocks.append("\n".join(" ".join(c for c in row if c) for row in rows))
            continue
        above = [" ".join(c for c in row if c) for row in rows[:head_at]]
        heading = next((line for line in above if APPENDIX_HEADING.match(line)), None)
        lines = [heading or f"PHỤ LỤC {number}"]
        titles = [line for line in above if line != heading] or ([] if heading else [title])
        lines += titles + [""]
        header = rows[head_at]
        numbered = bool(_NUMBER_HEAD.match(header[0]))
        lines.append("\t".join((["STT"] if numbered else ["STT", header[0]]) + header[1:]))
        serial = 0
        for row in rows[head_at + 1:]:
            if numbered:
                cells = row
            else:
                serial += 1
                cells = [str(serial)] + row
            lines.append("\t".join(cells))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
