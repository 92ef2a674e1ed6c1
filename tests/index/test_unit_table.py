"""A version's units read on demand: the same records as written, with or without the side index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.tokenize import tokenize
from index.versions import DocRecord, UnitRecord, UnitTable, read_units, write_version


def records() -> tuple[list[UnitRecord], dict[str, DocRecord]]:
    texts = ["Sở Nội vụ chủ trì, phối hợp với các sở.", "Kinh phí thực hiện từ ngân sách tỉnh: 1.200 triệu đồng.",
             "Thủy lợi và hòa giải ở cơ sở — «trích dẫn» có ký tự đặc biệt.\nDòng hai.", "Ủy ban nhân dân huyện."]
    units = [UnitRecord(id=f"doc-{i % 2}:{i}", doc_id=f"doc-{i % 2}", ordinal=i, kind="paragraph", label=f"mục {i}",
                        breadcrumb=("I", f"{i}"), text=t, quantity=i == 1, embed_key=f"e{i}", lexical_key=f"l{i}",
                        ocr=i == 3) for i, t in enumerate(texts)]
    docs = {d: DocRecord(id=d, type="Kế hoạch", types=("Kế hoạch",), number=None, number_display="chưa rõ số hiệu",
                         year=2022, date=None, date_text=None, province="Quảng Nam", issuer=None, title=d, signer=None,
                         citation=d) for d in ("doc-0", "doc-1")}
    return units, docs


def written(folder: Path) -> list[UnitRecord]:
    units, docs = records()
    write_version(folder, units, docs, [tokenize(u.text) for u in units], np.zeros((len(units), 4), np.float32))
    return units


def test_table_reads_back_every_unit_as_written(tmp_path: Path) -> None:
    units = written(tmp_path)
    table = UnitTable(tmp_path)
    assert len(table) == len(units)
    assert table.ids == [u.id for u in units]
    assert [table.doc_list[d] for d in table.doc_of] == [u.doc_id for u in units]
    assert list(table) == units == read_units(tmp_path)
    assert table[-1] == units[-1] and table[2].breadcrumb == ("I", "2")
    with pytest.raises(IndexError):
        table[len(units)]


def test_a_version_without_the_side_index_is_scanned(tmp_path: Path) -> None:
    units = written(tmp_path)
    (tmp_path / "units_index.npy").unlink()
    (tmp_path / "units_index.json").unlink()
    # an older writer could leave a blank line: it is no unit
    with (tmp_path / "units.jsonl").open("ab") as out:
        out.write(b"\n")
    table = UnitTable(tmp_path)
    assert list(table) == units
    assert table.ids == [u.id for u in units]


def test_an_empty_version_has_no_units(tmp_path: Path) -> None:
    write_version(tmp_path, [], {}, [], np.zeros((0, 4), np.float32))
    table = UnitTable(tmp_path)
    assert len(table) == 0 and list(table) == []
