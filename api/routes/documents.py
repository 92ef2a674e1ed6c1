"""GET /api/documents, /api/library (searched, filtered, paged), /api/documents/{id}, /api/units/{id}."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query

from api.deps import State
from hoidap.catalog import MAX_PAGE, SORTS, CatalogQuery
from index.versions import UnitRecord

router = APIRouter(prefix="/api", tags=["văn bản"])

def _unit(unit: UnitRecord | None) -> dict | None:
    return None if unit is None else {"id": unit.id, "label": unit.label, "text": unit.text}


@router.get("/documents")
def list_documents(state: State) -> list[dict]:
    """Danh sách văn bản đang được dùng để trả lời."""
    return [{k: v for k, v in doc.public().items() if k != "references"} for doc in state.assistant.documents()]


@router.get("/library")
def library(state: State, q: str = Query("", max_length=200, description="từ cần tìm (nguyên từ, có hoặc không dấu), số hiệu"),
            province: str = "", kind: str = "", year: int | None = Query(None, ge=1945, le=2100),
            in_force: bool | None = None, sort: Literal[SORTS] = "relevance",  # type: ignore[valid-type]
            offset: int = Query(0, ge=0), limit: int = Query(50, ge=1, le=MAX_PAGE)) -> dict:
    """Tìm văn bản theo nguyên từ trong số hiệu, trích yếu; lọc theo tỉnh, loại, năm (năm văn bản nói đến), hiệu lực;
    sắp xếp và phân trang: `{total, offset, items, facets}`."""
    query = CatalogQuery(q=q, province=province, kind=kind, year=year, in_force=in_force, sort=sort, offset=offset,
                         limit=limit)
    return state.assistant.catalog(query).to_dict()


@router.get("/documents/{doc_id}")
def get_document(doc_id: str, state: State) -> dict:
    """Thông tin và mục lục một văn bản."""
    doc, units = state.assistant.document(doc_id)
    outline = [{"id": u.id, "label": u.label, "kind": u.kind, "breadcrumb": list(u.breadcrumb), "text": u.text}
               for u in units]
    return {**doc.public(), "outline": outline}


@router.get("/units/{unit_id}")
def get_unit(unit_id: str, state: State) -> dict:
    """Một đoạn văn bản, kèm các đoạn liền kề."""
    unit, doc, before, after = state.assistant.unit(unit_id)
    return {"id": unit.id, "doc_id": unit.doc_id, "label": unit.label, "breadcrumb": list(unit.breadcrumb),
            "text": unit.text, "kind": unit.kind, "doc_title": doc.title, "doc_number": doc.number,
            "citation": doc.citation, "previous": _unit(before), "next": _unit(after)}
