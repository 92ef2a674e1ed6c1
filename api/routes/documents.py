"""GET /api/documents, /api/documents/{id}, /api/units/{id}."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import State

router = APIRouter(prefix="/api", tags=["văn bản"])

_PUBLIC = ("id", "type", "number", "number_display", "date", "date_text", "year", "province", "issuer", "title",
           "signer", "attachments", "units", "citation")


@router.get("/documents")
def list_documents(state: State) -> list[dict]:
    """Danh sách văn bản trong kho."""
    return [{k: d[k] for k in _PUBLIC} for d in state.store.list_documents()]


@router.get("/documents/{doc_id}")
def get_document(doc_id: str, state: State) -> dict:
    """Thông tin và mục lục một văn bản."""
    doc = state.store.get_document(doc_id)
    outline = [{"id": u.id, "label": u.label, "kind": u.kind, "breadcrumb": u.breadcrumb, "text": u.text}
               for u in state.store.units(doc_id)]
    return {**{k: doc[k] for k in _PUBLIC}, "references": doc["references"], "outline": outline}


@router.get("/units/{unit_id}")
def get_unit(unit_id: str, state: State) -> dict:
    """Một đoạn văn bản, kèm các đoạn liền kề."""
    unit = state.store.get_unit(unit_id)
    meta = state.store.metadata(unit.doc_id)
    neighbours = state.store.neighbours(unit)
    return {"id": unit.id, "doc_id": unit.doc_id, "label": unit.label, "breadcrumb": unit.breadcrumb,
            "text": unit.text, "kind": unit.kind, "doc_title": meta.title, "doc_number": meta.number,
            "citation": meta.citation_name(),
            "previous": next(({"id": n.id, "label": n.label, "text": n.text} for n in neighbours if n.ordinal < unit.ordinal), None),
            "next": next(({"id": n.id, "label": n.label, "text": n.text} for n in neighbours if n.ordinal > unit.ordinal), None)}
