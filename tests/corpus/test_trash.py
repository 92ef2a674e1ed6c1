"""The store's trash: deleted and replaced documents kept with their units, restored, purged by age."""

from __future__ import annotations

import time

import pytest

from corpus.ingest import Ingester
from corpus.store import Store
from core.errors import NotFound
from core.settings import Settings

PLAN = "KẾ HOẠCH\nI. MỤC TIÊU\n1. Sở Nội vụ chủ trì tổ chức {n} lớp bồi dưỡng.\n2. Rà soát {n} thủ tục hành chính.\n"


@pytest.fixture
def store(settings: Settings) -> Store:
    store = Store(settings.db_path)
    ingester = Ingester(store, settings)
    ingester.ingest_bytes("ke-hoach.txt", PLAN.format(n=10).encode())
    ingester.ingest_bytes("khac.txt", "ĐỀ ÁN\nĐiều 1. Chuyển đổi số.\n".encode())
    return store


def _texts(store: Store, doc_id: str) -> list[str]:
    return [u.text for u in store.units(doc_id)]


def test_delete_moves_to_trash_and_restore_brings_everything_back(store: Store) -> None:
    before, doc = _texts(store, "ke-hoach"), store.get_document("ke-hoach")
    trash_id = store.delete_document("ke-hoach")
    with pytest.raises(NotFound):
        store.get_document("ke-hoach")
    [entry] = store.trash()
    assert (entry.trash_id, entry.doc_id, entry.reason, entry.units) == (trash_id, "ke-hoach", "deleted", len(before))
    restored, displaced = store.restore("ke-hoach")
    assert restored.trash_id == trash_id and displaced is None
    assert _texts(store, "ke-hoach") == before and store.get_document("ke-hoach")["text"] == doc["text"]
    assert store.trash() == []
    with pytest.raises(NotFound) as caught:
        store.restore("ke-hoach")
    assert "ke-hoach" in caught.value.message


def test_replacing_keeps_the_old_version_and_restoring_swaps(store: Store, settings: Settings) -> None:
    old = _texts(store, "ke-hoach")
    result = Ingester(store, settings).ingest_bytes("ke-hoach.txt", PLAN.format(n=20).encode(), replace=True)
    assert result.status == "updated" and result.trash_id is not None
    new = _texts(store, "ke-hoach")
    assert new != old
    _, displaced = store.restore("ke-hoach", result.trash_id)
    assert _texts(store, "ke-hoach") == old
    [entry] = store.trash()
    assert entry.trash_id == displaced and entry.reason == "replaced"
    store.restore("ke-hoach")
    assert _texts(store, "ke-hoach") == new


def test_purge_forgets_only_entries_older_than_the_cutoff(store: Store) -> None:
    store.delete_document("ke-hoach")
    cutoff = time.time()
    time.sleep(0.01)
    store.delete_document("khac")
    assert store.purge_trash(cutoff) == 1
    assert [e.doc_id for e in store.trash()] == ["khac"]
    with pytest.raises(NotFound):
        store.restore("ke-hoach")
