"""What the API process holds: the assistant (answers, documents, metrics) and the admin service."""

from __future__ import annotations

import logging
import threading

from core.settings import Settings
from corpus.ingest import Ingester
from corpus.store import Store
from hoidap.assistant import Assistant
from index.build import IndexBuilder
from index.dense import Embedder
from index.search import Searcher

log = logging.getLogger(__name__)


class AdminService:
    """Adds and removes documents while the API keeps answering: one change at a time."""

    def __init__(self, settings: Settings, store: Store, embedder: Embedder, searcher: Searcher) -> None:
        self.settings = settings
        self.searcher = searcher
        self.store = store
        self.builder = IndexBuilder(settings, store, embedder)
        self.ingester = Ingester(store, settings)
        self._lock = threading.Lock()

    def add(self, name: str, data: bytes, doc_id: str | None = None):
        with self._lock:
            result = self.ingester.ingest_bytes(name, data, doc_id)
            report = self.builder.build()
        self.searcher.invalidate()
        return result, report

    def delete(self, doc_id: str):
        with self._lock:
            self.store.delete_document(doc_id)
            report = self.builder.build()
        self.searcher.invalidate()
        return report


class AppState:
    """Built once per app from the settings: the assistant every route calls, and the admin service."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.db_path)
        self.embedder = Embedder.from_settings(settings)
        self.assistant = Assistant(settings, embedder=self.embedder)
        self.admin = AdminService(settings, self.store, self.embedder, self.assistant.searcher)
        if settings.torch_threads:
            import torch

            torch.set_num_threads(settings.torch_threads)
