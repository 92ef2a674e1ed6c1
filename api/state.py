"""What the API process holds: the assistant (answers, documents, metrics) and the document library."""

from __future__ import annotations

import logging

from core.settings import Settings
from corpus.store import Store
from hoidap.assistant import Assistant
from hoidap.library import Library
from index.model.embedder import Embedder

log = logging.getLogger(__name__)


class AppState:
    """Built once per app from the settings: the assistant every route calls, and the admin library."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.db_path)
        self.embedder = Embedder.from_settings(settings)
        self.assistant = Assistant(settings, embedder=self.embedder)
        self.admin = Library(settings, self.store, self.embedder, self.assistant.searcher)
