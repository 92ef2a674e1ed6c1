"""GET /api/documents, /api/documents/{id}, /api/units/{id}."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import State
from index.versions import UnitRecord

router = APIRouter(prefix="/api", tags=["văn bản"])

def _unit(unit: UnitRecord | None) -> dict | None:
    return None if unit is None else {"id": unit.id, "label": unit.label, "text": unit.text}


@router.get("/documents")
def list_documents(state: State) -> list[dict]:
    """Danh sách văn bản đang được dùng để trả lời."""
    return [{k: v for k, v in doc.public().items() if k != "references"} for doc in state.assistant.documents()]


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
