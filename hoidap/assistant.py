"""The one facade every channel calls: ask, read documents and cited units, give feedback.

The API, the widget, Telegram and Zalo only format what it returns. It holds what every channel
must share: the limit on answers computed at once (answering is CPU-bound: one per core, the rest
wait in line) and the metrics, so a question counts the same whichever channel it came from.
Documents and units are read from the serving index version, the same snapshot answers come from.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from functools import cached_property
from datetime import datetime, timezone

from core.errors import IndexMissing, NotFound
from core.settings import Settings
from hoidap.answer import AnswerService
from hoidap.model import Answer, citation_of
from hoidap.catalog import Catalog, CatalogPage, CatalogQuery
from hoidap.experts import CitedUnit, ExpertDesk, FaqEntry, Reply
from hoidap.metrics import Metrics
from hoidap.querylog import QueryLog
from hoidap.quiz.model import Check, Outcome, QuizItem
from hoidap.quiz.service import QuizService
from index.model.embedder import Embedder
from index.query import Query, analyse
from index.search import Searcher
from index.snapshot import Snapshot
from index.versions import DocRecord, UnitRecord

log = logging.getLogger(__name__)

# what the warm-up asks before the service says it is ready: a question that goes through every stage
# (analysis with pyvi's CRF model, restoration, the FAQ, both lexical fields, the encoder and the verifier's tokens,
# the answerability and rerank models, composition)
WARM_QUESTION = "Cơ quan nào chủ trì thực hiện kế hoạch cải cách hành chính năm 2025?"


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
                 embedder: Embedder | None = None, quiz: QuizService | None = None,
                 experts: ExpertDesk | None = None) -> None:
        self.settings = settings
        self.searcher = searcher or Searcher(settings, embedder)
        self.querylog = querylog or QueryLog.from_settings(settings)
        self.experts = experts or ExpertDesk(settings.experts_path)
        self.answers = AnswerService(settings, self.searcher, self.querylog)
        self.metrics = Metrics(settings.metrics_dir if settings.workers > 1 else None)
        self.started = time.time()
        if quiz is not None:
            self.quiz = quiz  # the cached property below is only computed when nothing is given
        self._catalog: tuple[Snapshot, Catalog] | None = None
        self._slots = threading.BoundedSemaphore(settings.answer_concurrency or os.cpu_count() or 1)
        self._warm = threading.Event()

    # --- ready means ready ------------------------------------------------------------------------

    def warm(self) -> float:
        """Load and run once what a first question would otherwise load: the serving version, the
        analyser (pyvi's CRF model, index.wordseg), the question encoder and its tokenizer, one FAQ lookup, one
        search and one answer (nothing logged, nothing counted); :attr:`ready` after. Returns its seconds.

        Raises:
            IndexMissing, IndexUnavailable: no index to warm on (the service is not ready either).
        """
        started = time.perf_counter()
        snap = self.snapshot()
        query = analyse(WARM_QUESTION, self.settings.max_question_chars, snap.syllables)
        self.experts.match(query)
        self.answers.answer(query, channel="warmup", record=False, snapshot=snap)
        self._warm.set()
        seconds = time.perf_counter() - started
        log.info("warmed up in %.2f s on index version %s", seconds, snap.version)
        return seconds

    @property
    def ready(self) -> bool:
        """:meth:`warm` has run: a question now loads nothing."""
        return self._warm.is_set()

    # --- questions ------------------------------------------------------------------------------

    def ask(self, question: str, *, channel: str, top_k: int | None = None, filters: dict | None = None,
            conversation_id: str | None = None, record: bool = True) -> Answer:
        """The answer to ``question``, counted under ``channel`` (api, telegram, zalo, cli).

        A curated expert answer (FAQ) the question closely paraphrases is preferred to the documents' own.
        """
        try:
            snap = self.snapshot()  # one version for the whole answer, whose syllables restore the question
        except IndexMissing:
            analyse(question, self.settings.max_question_chars)  # a bad question is said so first, index or not
            raise
        query = analyse(question, self.settings.max_question_chars, snap.syllables)  # once: the FAQ and the documents read it
        with self._slots:
            answer = self._faq_answer(query, snap, filters, conversation_id, channel, record)
            if answer is None:
                answer = self.answers.answer(query, top_k=top_k, filters=filters, conversation_id=conversation_id,
                                             channel=channel, record=record, snapshot=snap)
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

    # --- the expert behind the bot (hoidap.experts) ----------------------------------------------

    def escalate(self, answer_id: str, *, channel: str, conversation_id: str, reply_to: str | None = None) -> int:
        """Send the question of answer ``answer_id`` to the expert in charge; returns the request id.

        Raises:
            NotFound: no such answer in this conversation (an answer id of another chat is refused the same way).
        """
        logged = self.querylog.get(answer_id)
        if logged["conversation_id"] != self.querylog.conversation_key(conversation_id):
            raise NotFound(f"không có câu trả lời '{answer_id}' trong cuộc hội thoại này")
        return self.experts.escalate(channel=channel, conversation=logged["conversation_id"], reply_to=reply_to,
                                     answer_id=answer_id, question=logged["question"], bot_answer=logged["answer"],
                                     abstained=bool(logged["abstained"]))

    def expert_reply(self, request_id: int, text: str, unit_ids: list[str], *, as_faq: bool = True,
                     faq_question: str | None = None) -> dict:
        """Save an expert's reply citing ``unit_ids`` (checked against the serving index); it goes out to the asker."""
        snap = self.snapshot()
        units = []
        for unit_id in dict.fromkeys(unit_ids):
            unit = snap.unit(unit_id)
            units.append(CitedUnit(unit.id, unit.doc_id, unit.label, snap.document(unit.doc_id).citation))
        return self.experts.answer(request_id, text, units, as_faq=as_faq, faq_question=faq_question)

    def pending_replies(self, channel: str) -> list[Reply]:
        """Expert replies waiting to be sent on ``channel`` (claimed: the caller sends them, then says how it went)."""
        return self.experts.claim(channel)

    def replies(self, conversation_id: str) -> list[Reply]:
        """The expert replies of a widget conversation."""
        return self.experts.replies_for(self.querylog.conversation_key(conversation_id))

    def find_units(self, text: str, k: int = 8) -> list[dict]:
        """Units matching ``text``, for an expert choosing what to cite (no abstention, nothing logged)."""
        snap = self.snapshot()
        result = self.searcher.search(analyse(text, self.settings.max_question_chars, snap.syllables), k=k, snapshot=snap)
        return [{"unit_id": h.unit.id, "doc_id": h.unit.doc_id, "label": h.unit.label, "text": h.unit.text,
                 "citation": h.doc.citation, "score": round(h.score, 4)} for h in result.hits[:k]]

    def _faq_answer(self, query: Query, snap: Snapshot, filters: dict | None, conversation_id: str | None,
                    channel: str, record: bool) -> Answer | None:
        found = None if filters else self.experts.match(query)
        if found is None:
            return None
        entry, score = found
        started = time.perf_counter()
        answer = _faq_to_answer(query.text, entry, snap, score)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        answer.conversation_id, answer.search_query = conversation_id, query.text
        if record:
            answer.answer_id = self.querylog.record_answer(answer, channel=channel, question=query.text)
        return answer

    def questions(self, limit: int = 100, *, q: str = "", channel: str = "", state: str = "",
                  offset: int = 0) -> tuple[int, list[dict]]:
        """One page of the query log (abstained and 👎 questions first) and how many match, for admins; a question
        sent to the expert carries the request's state and the expert's reply (``expert``)."""
        total, rows = self.querylog.page(q=q, channel=channel, state=state, offset=offset, limit=limit)
        requests = self.experts.by_answer([row["id"] for row in rows])
        for row in rows:
            request = requests.get(row["id"])
            row["expert"] = None if request is None else {"status": request["status"], "reply": request["reply"],
                                                          "answered_at": request["answered_at"]}
        return total, rows

    # --- the document library as served -----------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The serving index version (IndexMissing when none is built)."""
        return self.searcher.current()

    def documents(self) -> list[DocRecord]:
        return list(self.snapshot().docs.values())

    def catalog(self, query: CatalogQuery) -> CatalogPage:
        """One page of the documents as served, searched by whole words, filtered and sorted (the library, the console)."""
        snap = self.snapshot()
        cached = self._catalog
        if cached is None or cached[0] is not snap:  # folded once per serving version
            cached = self._catalog = (snap, Catalog(list(snap.docs.values())))
        return cached[1].search(query)

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

    # the channels call these, never ``self.quiz`` itself: the facade is the one way in

    def quiz_start(self, person_id: str, *, channel: str, agency: str | None = None,
                   count: int | None = None) -> Check:
        """A new check for ``person_id`` (QuizEmpty when nothing is published)."""
        return self.quiz.start(person_id, channel=channel, agency=agency, count=count)

    def quiz_check(self, check_id: str) -> Check:
        return self.quiz.check(check_id)

    def quiz_open_check(self, person_id: str, channel: str) -> Check | None:
        """The check ``person_id`` has not finished on ``channel``, if any."""
        return self.quiz.open_check(person_id, channel)

    def quiz_answer(self, check_id: str, item_id: str, choice: int) -> Outcome:
        return self.quiz.answer(check_id, item_id, choice)

    def quiz_subscribe(self, channel: str, chat_id: str) -> bool:
        """Opt a chat in to the periodic check; False when it already was."""
        return self.quiz.subscribe(channel, chat_id)

    def quiz_unsubscribe(self, channel: str, chat_id: str) -> bool:
        return self.quiz.unsubscribe(channel, chat_id)

    def quiz_subscribers(self, channel: str) -> list[str]:
        return self.quiz.subscribers(channel)

    def quiz_claim_round(self, channel: str, period: str, min_gap_s: float = 0.0) -> bool:
        """True for the one worker that sends this period's round on ``channel``."""
        return self.quiz.claim_round(channel, period, min_gap_s)

    def quiz_items(self, status: str | None = None) -> list[QuizItem]:
        return self.quiz.items(status)

    def quiz_page(self, **query) -> tuple[int, list[QuizItem]]:
        """One page of the bank and how many match (status, kind, q, offset, limit)."""
        return self.quiz.page(**query)

    def quiz_set_status(self, item_ids: list[str], status: str) -> list[QuizItem]:
        """Publish, retire or send back to draft several items at once."""
        return self.quiz.set_status(item_ids, status)

    def quiz_agencies(self) -> list[str]:
        return self.quiz.agencies()

    def quiz_set_agencies(self, names: list[str]) -> list[str]:
        """Replace the agencies takers choose from; free text typed later is counted under these names."""
        return self.quiz.set_agencies(names)

    def quiz_update(self, item_id: str, **changes) -> QuizItem:
        """Edit an item (question, options, answer_index, status)."""
        return self.quiz.update(item_id, **changes)

    def quiz_generate(self, count: int | None = None) -> tuple[list[QuizItem], list[QuizItem]]:
        """Draft items generated from the stored documents: (all generated, newly added)."""
        from corpus.store import Store
        from hoidap.quiz.source import from_store

        return self.quiz.generate(from_store(Store(self.settings.db_path)), count)

    def quiz_results(self, by: str) -> list[dict]:
        return self.quiz.results(by)

    def quiz_results_csv(self, by: str) -> str:
        return self.quiz.results_csv(by)

    # --- expert requests and curated answers, for admins and the delivery loops ----------------------

    def expert_requests(self, status: str = "open", limit: int = 200) -> list[dict]:
        return self.experts.requests(status, limit)

    def faq(self) -> list[FaqEntry]:
        return self.experts.faq()

    def retire_faq(self, faq_id: int) -> None:
        self.experts.retire_faq(faq_id)

    def reply_delivered(self, request_id: int) -> None:
        """An expert reply reached its chat."""
        self.experts.delivered(request_id)

    def reply_failed(self, request_id: int, reason: str) -> None:
        """An expert reply was refused for good by its channel (``reason`` says why)."""
        self.experts.failed(request_id, reason)

    def health(self) -> dict:
        """The serving version and ``status``: ``starting`` until :meth:`warm` has run, then ``ok``."""
        snap = self.snapshot()
        return {"status": "ok" if self.ready else "starting", "index_version": snap.version, "units": snap.manifest.units,
                "documents": len(snap.docs), "model": snap.manifest.model,
                "query_encoder": self.searcher.embedder.query_encoder, "worker": os.getpid()}


def _faq_to_answer(question: str, entry: FaqEntry, snap: Snapshot, score: float) -> Answer:
    """A curated answer, with its date and the units it cites (those still served)."""
    day = datetime.fromtimestamp(entry.created_at, timezone.utc).strftime("%d/%m/%Y")
    citations = []
    for cited in entry.units:
        try:
            unit = snap.unit(cited.unit_id)
        except NotFound:  # the document was replaced or deleted since: the reply still stands on its own
            continue
        doc = snap.document(unit.doc_id)
        citations.append(citation_of(len(citations) + 1, unit, doc, round(score, 4)))
    marks = "".join(f"[{c.rank}]" for c in citations)
    where = f" Căn cứ: {citations[0].citation}, {citations[0].label} {marks}." if citations else ""
    text = f"Cán bộ phụ trách đã trả lời câu hỏi này (ngày {day}): {entry.answer}{where}"
    answer = Answer(question=question, answer=text, abstained=False, citations=citations, kind="faq",
                    index_version=snap.version)
    answer.faq = {"id": entry.id, "question": entry.question, "answered_at": day,
                  "unit_id": citations[0].unit_id if citations else None, "score": round(score, 4)}
    return answer
