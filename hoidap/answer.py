"""The answer service every channel calls: question in, short cited Vietnamese answer out."""

from __future__ import annotations

import logging
import time

from core.settings import Settings
from hoidap.compose import compose, scan_note, unit_place
from hoidap.followup import rewrite_followup
from hoidap.lists import LIST_POOL, asks_list
from hoidap.parts import Part, split_parts
from hoidap.querylog import QueryLog
from hoidap.model import Answer, Citation
from hoidap.shape import compare_measures
from hoidap.why import nearest, refusal
from index.filters import named_documents
from index.query import Query, analyse, question_kinds
from index.search import Searcher
from index.snapshot import Snapshot

log = logging.getLogger(__name__)

PART_NOT_FOUND = "các văn bản hiện có không nêu"


class AnswerService:
    """Answers questions from the indexed documents; shared by CLI, API and bots (through
    :class:`hoidap.assistant.Assistant`). Reads nothing but the searcher's snapshot and the query log.

    Args:
        settings: the one settings object.
        searcher, querylog: built from ``settings`` when not given.

    Example:
        >>> service = AnswerService(Settings())                 # doctest: +SKIP
        >>> service.answer("QĐ 1601 ban hành ngày nào").citations[0].doc_number  # doctest: +SKIP
        '1601/QĐ-UBND-HC'
    """

    def __init__(self, settings: Settings, searcher: Searcher | None = None, querylog: QueryLog | None = None) -> None:
        self.settings = settings
        self.searcher = searcher or Searcher(settings)
        self.querylog = querylog or QueryLog.from_settings(settings)

    def answer(self, question: str | Query, *, top_k: int | None = None, filters: dict | None = None,
               conversation_id: str | None = None, channel: str = "cli", record: bool = True,
               snapshot: Snapshot | None = None) -> Answer:
        """The answer to ``question`` (a text, or a :class:`Query` already analysed by the caller).

        One answer reads one snapshot (``snapshot``, or the serving version taken once here): its
        parts, a follow-up's documents and every search see the same index version.
        """
        started = time.perf_counter()
        snap = snapshot or self.searcher.current()
        query = analyse(question, self.settings.max_question_chars, snap.syllables)
        top_k = top_k or self.settings.top_k
        previous = self.querylog.last_turn(conversation_id) if conversation_id else None
        # --- every part of the question (hoidap.parts): "2022 và 2025", "Đồng Tháp so với Quảng Nam" ---
        parts = split_parts(query)
        if len(parts) >= 2:
            answer = self._answer_parts(query, parts, top_k, filters, snap)
            return self._finish(answer, query, query.text, started, conversation_id, channel, record)
        search_text, prefer = rewrite_followup(query, previous, lambda q: named_documents(snap, q))
        search_query = query if search_text == query.text else analyse(search_text, syllables=snap.syllables)
        # a list question may find its list in a document ranked below the first five (hoidap.lists)
        wanted = LIST_POOL if asks_list(search_query) or "list" in search_query.kinds else 5
        result = self.searcher.search(search_query, k=max(top_k, wanted), filters=filters, prefer=prefer, snapshot=snap)
        kinds = list(query.kinds)
        if previous is not None and search_query is not query and kinds == ["general"]:
            kinds = question_kinds(previous.question)  # "còn năm 2022 thì sao?" asks what the last one asked
        if result.abstained:
            answer = refusal(query.text, result)
        else:
            answer = compose(result, kinds, top_k, snap)
        switched = [d for d in prefer if previous is not None and d != previous.top_doc]
        if switched and (answer.abstained or answer.citations[0].doc_id not in switched):
            # "còn Bình Định thì sao?": that province's document does not state it; say so, not another's text
            answer = refusal(query.text, result)
            answer.answer = f"{snap.document(switched[0]).citation} không nêu nội dung này.{nearest(answer.suggestions)}"
            answer.reason = "followup_unstated"
        answer.question, answer.kind, answer.index_version = query.text, kinds[0], result.version
        answer.confidence = None if result.answerable is None else round(result.answerable, 4)
        answer.reason = answer.reason or result.reason
        return self._finish(answer, query, search_text, started, conversation_id, channel, record)

    def _finish(self, answer: Answer, query: Query, search_text: str, started: float, conversation_id: str | None,
                channel: str, record: bool) -> Answer:
        """Timing, conversation and the query log, the same for every answer."""
        if not answer.abstained:
            # a source quoted in the answer that was read from a scan is said to be one
            scanned = [c.rank for c in answer.citations if c.ocr and f"[{c.rank}]" in answer.answer]
            if scanned:
                answer.answer = f"{answer.answer}\n{scan_note(scanned)}"
        answer.search_query = search_text
        answer.latency_ms = (time.perf_counter() - started) * 1000
        answer.conversation_id = conversation_id
        if record:
            answer.answer_id = self.querylog.record_answer(answer, channel=channel, question=query.text)
        return answer

    def _answer_parts(self, query: Query, parts: list[Part], top_k: int, filters: dict | None,
                      snap: Snapshot) -> Answer:
        """Each part answered on its own, side by side: "2022: 50% trở lên [1] · 2025: 80% trở lên [2]",
        then where each comes from; citations numbered across the parts."""
        cited: list[Citation] = []
        heads, details, last, facts = [], [], None, []
        for part in parts:
            part_query = analyse(part.text, syllables=snap.syllables)
            last = self.searcher.search(part_query, k=max(top_k, 5), filters=filters, snapshot=snap)
            if last.abstained:
                heads.append(f"{part.label}: {PART_NOT_FOUND}")
                continue
            kinds = list(part_query.kinds) if part_query.kinds != ("general",) else list(query.kinds)
            sub = compose(last, kinds, top_k, snap)
            if sub.abstained:  # the part's figure is not stated (shape.figure_unstated)
                heads.append(f"{part.label}: {PART_NOT_FOUND}")
                continue
            lead = next((c for c in sub.citations if c.unit_id == sub.direct_unit_id), None) or \
                next((c for c in sub.citations if c.quotes), sub.citations[0])
            lead.rank = len(cited) + 1
            cited.append(lead)
            quote = next((q for q in lead.quotes if sub.direct and sub.direct in q), lead.quotes[0] if lead.quotes else "")
            short = quote if len(quote) <= 100 else quote[:quote.rfind(" ", 0, 100)] + " …"
            heads.append(f"{part.label}: {sub.direct or f'“{short}”'} [{lead.rank}]")
            if sub.direct and sub.direct in quote:
                facts.append((part.label, quote, sub.direct))
            details.append(f"- {part.label}: theo {lead.citation} ({unit_place(lead, kinds)}): “{quote}” [{lead.rank}]{lead.mark}")
        if not cited:
            answer = refusal(query.text, last)
            answer.reason, answer.index_version = last.reason, last.version
            return answer
        # the same measure on every side, or said that it is not (shape.compare_measures)
        note = compare_measures(facts) if len(facts) == len(parts) else None
        answer = Answer(question=query.text, answer=" · ".join(heads) + "\n" + "\n".join(details + ([note] if note else [])),
                        abstained=False, citations=cited, kind=query.kind)
        answer.index_version = last.version
        return answer
