"""The documents the generator reads, from the document store."""

from __future__ import annotations

from corpus.store import Store
from hoidap.quiz.model import SourceUnit


def from_store(store: Store) -> list[tuple[str, str, list[SourceUnit]]]:
    """(doc id, citation name, units in order) of every stored document."""
    out = []
    for doc in store.list_documents():
        citation = store.metadata(doc["id"]).citation_name()
        units = [SourceUnit(u.id, u.doc_id, u.kind, u.label, u.text) for u in store.units(doc["id"])]
        out.append((doc["id"], citation, units))
    return out
