"""What the API process holds: the assistant (answers, documents, metrics) and the document library."""

from __future__ import annotations

import logging
import threading

from core.errors import HoidapError
from core.settings import Settings
from corpus.store import Store
from hoidap.assistant import Assistant
from hoidap.library import Library
from index.model.embedder import Embedder

log = logging.getLogger(__name__)

WARM_RETRY_SECONDS = 2.0  # no index yet, or Milvus out of reach: warm up again this often until it works


class AppState:
    """Built once per app from the settings: the assistant every route calls, and the admin library."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.db_path)
        self.embedder = Embedder.from_settings(settings)
        self.assistant = Assistant(settings, embedder=self.embedder)
        self.admin = Library(settings, self.store, self.embedder, self.assistant.searcher)
        self._stop = threading.Event()
        self._warming: threading.Thread | None = None

    def start_warm_up(self) -> None:
        """Warm the assistant up in a thread (``/api/health`` says ``starting`` meanwhile), again every
        :data:`WARM_RETRY_SECONDS` while there is no index to warm on, until :meth:`stop_warm_up`."""
        if self._warming is None:
            self._warming = threading.Thread(target=self._warm_up, name="warm-up", daemon=True)
            self._warming.start()

    def stop_warm_up(self) -> None:
        self._stop.set()
        if self._warming is not None:
            self._warming.join(timeout=30)

    def _warm_up(self) -> None:
        said = None
        while not self._stop.is_set():
            try:
                self.assistant.warm()
                return
            except HoidapError as exc:  # no index yet, another model's index, Milvus down: said once, retried
                if exc.message != said:
                    log.warning("not ready yet (%s): %s; trying again every %.0f s", exc.code, exc.message,
                                WARM_RETRY_SECONDS)
                    said = exc.message
            self._stop.wait(WARM_RETRY_SECONDS)
