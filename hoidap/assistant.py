"""The one facade every channel calls: ask, read documents and cited units, give feedback.

The API, the widget, Telegram and Zalo only format what it returns. It holds what every channel
must share: the limit on answers computed at once (answering is CPU-bound: one per core, the rest
wait in line) and the metrics, so a question counts the same whichever channel it came from.
Documents and units are read from the serving index version, the same snapshot answers come from.
"""

from __future__ import annotations

import json
import os
import threading
import time
from functools import cached_property

from core.errors import NotFound
from core.settings import Settings
from hoidap.answer import Answer, AnswerService
from hoidap.metrics import Metrics
from hoidap.querylog import QueryLog
from hoidap.quiz.service import QuizService
from index.dense import Embedder
from index.search import Searcher
from index.snapshot import Snapshot
from index.versions import DocRecord, UnitRecord


class Assistant:
    """Questions in, cited answers out, for every channel.

    Args:
        settings: the one settings object.
        searcher, querylog, embedder: built from ``settings`` when not given.
        quiz: the knowledge checks; opened from ``settings`` on first use when not given.

    Example:
        >>> assistant = Assistant(Settings())                          # doctest: +SKIP
        >>> assistant.ask("kinh phi de an lay tu dau", channel="cli").abstained  # doctest: +SKIP
        False
    """

    def __init__(self, settings: Settings, *, searcher: Searcher | None = None, querylog: QueryLog | None = None,
                 embedder: Embedder | None = None, quiz: QuizService | None = None) -> None:
        self.settings = settings
        self.searcher = searcher or Searcher(settings, embedder)
        self.querylog = querylog or QueryLog.from_settings(settings)
        self.answers = AnswerService(settings, self.searcher, self.querylog)
        self.metrics = Metrics(settings.metrics_dir if settings.workers > 1 else None)
        self.started = time.time()
        if quiz is not None:
            self.quiz = quiz  # the cached property below is only computed when nothing is given
        self._slots = threading.BoundedSemaphore(settings.answer_concurrency or os.cpu_count() or 1)

    # --- questions ------------------------------------------------------------------------------

    def ask(self, question: str, *, channel: str, top_k: int | None = None, filters: dict | None = None,
            conversation_id: str | None = None, record: bool = True) -> Answer:
        """The answer to ``question``, counted under ``channel`` (api, telegram, zalo, cli)."""
        with self._slots:
            answer = self.answers.answer(question, top_k=top_k, filters=filters, conversation_id=conversation_id,
                                         channel=channel, record=record)
        self.metrics.observe_answer(answer.latency_ms / 1000, answer.abstained, channel)
        return answer

    def feedback(self, answer_id: str, helpful: bool, comment: str | None = None, *, channel: str) -> None:
        """👍/👎 on an answer; NotFound if the answer id is unknown."""
        self.querylog.feedback(answer_id, helpful, comment, channel=channel)

    def cited_unit(self, answer_id: str, rank: int) -> tuple[UnitRecord, DocRecord]:
        """The unit cited as ``[rank]`` in an answer, and its document, from the serving version."""
        unit_ids = json.loads(self.querylog.get(answer_id)["unit_ids"])
        if not 1 <= rank <= len(unit_ids):
            raise NotFound(f"câu trả lời '{answer_id}' không có trích dẫn số {rank}")
        snap = self.snapshot()
        unit = snap.unit(unit_ids[rank - 1])
        return unit, snap.document(unit.doc_id)

    def questions(self, limit: int = 100) -> list[dict]:
        """The query log, abstained and 👎 questions first (for admins)."""
        return self.querylog.questions(limit)

    # --- the document library as served -----------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The serving index version (IndexMissing when none is built)."""
        return self.searcher.current()

    def documents(self) -> list[DocRecord]:
        return list(self.snapshot().docs.values())

    def document(self, doc_id: str) -> tuple[DocRecord, list[UnitRecord]]:
        """A document and its units in order."""
        snap = self.snapshot()
        return snap.document(doc_id), snap.units_of(doc_id)

    def unit(self, unit_id: str) -> tuple[UnitRecord, DocRecord, UnitRecord | None, UnitRecord | None]:
        """A unit, its document, and the units before and after it."""
        snap = self.snapshot()
        unit = snap.unit(unit_id)
        before, after = snap.neighbours(unit_id)
        return unit, snap.document(unit.doc_id), before, after

    # --- knowledge checks ---------------------------------------------------------------------------

    @cached_property
    def quiz(self) -> QuizService:
        """Quiz items, checks and results (``DATA_DIR/quiz.sqlite3``), opened on first use."""
        return QuizService.from_settings(self.settings)

    def health(self) -> dict:
        snap = self.snapshot()
        return {"status": "ok", "index_version": snap.version, "units": snap.manifest.units,
                "documents": len(snap.docs), "model": snap.manifest.model,
                "query_encoder": self.searcher.embedder.query_encoder, "worker": os.getpid()}
