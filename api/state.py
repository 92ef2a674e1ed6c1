"""What the API process holds: one answer service, the document library, counters for /metrics."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from corpus.store import Store
from hoidap.answer import AnswerService
from hoidap.library import Library
from hoidap.querylog import QueryLog
from core.settings import Settings
from index.dense import Embedder
from index.search import Searcher

log = logging.getLogger(__name__)


@dataclass
class Metrics:
    """Counters and latency sums exposed at /metrics in the Prometheus text format."""

    requests: dict = field(default_factory=lambda: defaultdict(int))  # (route, status) -> count
    answers: int = 0
    abstained: int = 0
    answer_seconds: float = 0.0
    buckets: dict = field(default_factory=lambda: {b: 0 for b in (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, float("inf"))})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def observe_answer(self, seconds: float, abstained: bool) -> None:
        with self.lock:
            self.answers += 1
            self.abstained += abstained
            self.answer_seconds += seconds
            for bound in self.buckets:
                if seconds <= bound:
                    self.buckets[bound] += 1


class AppState:
    """Built once per app from the settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = Store(settings.db_path)
        self.embedder = Embedder.from_settings(settings)
        self.searcher = Searcher(settings, self.embedder)
        self.querylog = QueryLog(settings.data_dir / "querylog.sqlite3")
        self.answers = AnswerService(settings, self.store, self.searcher, self.querylog)
        self.admin = Library(settings, self.store, self.embedder, self.searcher)
        self.metrics = Metrics()
        self.started = time.time()
        # answering is CPU-bound: one at a time per core, the rest wait in line instead of thrashing
        self.answer_slots = threading.BoundedSemaphore(settings.answer_concurrency or os.cpu_count() or 1)
        if settings.torch_threads:
            import torch

            torch.set_num_threads(settings.torch_threads)
