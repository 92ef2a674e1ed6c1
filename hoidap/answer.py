"""The answer service every channel calls: question in, short cited Vietnamese answer out."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field

from core.settings import Settings
from hoidap.compose import pieces, scan_note, select_quotes, verbatim
from hoidap.facts import direct_fact
from hoidap.followup import rewrite_followup
from hoidap.parts import Part, split_parts
from hoidap.querylog import QueryLog
from hoidap.shape import LIST_LIMIT, asked_column, asks_yes_no, compare_measures, figure_unstated, list_members, yes_no
from hoidap.why import NO_ANSWER, explain
from index.filters import named_documents
from index.query import Query, analyse, question_kinds
from index.search import Searcher, SearchHit, SearchResult
from index.snapshot import Snapshot
from index.versions import DocRecord, UnitRecord

log = logging.getLogger(__name__)

PART_NOT_FOUND = "các văn bản hiện có không nêu"
DOC_NUMBER = re.compile(r"\d\s?[/-]\s?(?:\d{4}\s?/\s?)?[A-ZĐ]")  # "754/TTr-SNV": a reference, not a figure
SPAN_KINDS = {"source", "basis", "link"}  # asks answered by a span of one unit (hoidap.facts)


@dataclass
class Citation:
    rank: int
    unit_id: str
    doc_id: str
    doc_title: str
    doc_number: str | None
    label: str
    text: str
    score: float
    citation: str = ""  # "Quyết định số ... của UBND tỉnh ..."
    breadcrumb: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)
    in_force: bool = True
    validity: str = ""  # "đã được thay thế bởi …" when the document is no longer in force (corpus.relations)
    replaced_by: list[dict] = field(default_factory=list)  # [{doc_id, citation, how, note}]
    ocr: bool = False  # the unit's text was recognised by OCR from a scan or a photo

    @property
    def mark(self) -> str:
        """What the answer text says after a citation of a document no longer in force."""
        return f" (Lưu ý: văn bản này {self.validity}.)" if self.validity else ""


def citation_of(rank: int, unit: UnitRecord, doc: DocRecord, score: float) -> Citation:
    """How every answer cites a unit (a search hit, or a unit an expert cited): with its document's
    validity (a replaced document is marked) and whether its text came from OCR."""
    return Citation(rank=rank, unit_id=unit.id, doc_id=unit.doc_id, doc_title=doc.title, doc_number=doc.number,
                    label=unit.label, text=unit.text, score=score, citation=doc.citation,
                    breadcrumb=list(unit.breadcrumb), in_force=doc.in_force, validity=doc.validity,
                    replaced_by=[dict(link) for link in doc.replaced_by], ocr=unit.ocr)


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    suggestions: list[dict] = field(default_factory=list)
    kind: str = "general"
    search_query: str = ""
    answer_id: str | None = None
    conversation_id: str | None = None
    latency_ms: float = 0.0
    index_version: str = ""
    direct: str | None = None  # the asked fact, verbatim from the unit ``direct_unit_id`` (hoidap.facts)
    direct_unit_id: str | None = None
    confidence: float | None = None  # the answerability model's probability that the documents answer
    reason: str | None = None  # why it abstained (index.answerability's vetoes, "low_confidence", "no_hits")
    faq: dict | None = None  # a curated expert answer matched (hoidap.experts): id, question, answered_at, unit_id

    @property
    def escalable(self) -> bool:
        """Whether the asker is offered to send the question to the expert in charge (no answer found)."""
        return self.abstained and self.faq is None


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
        result = self.searcher.search(search_query, k=max(top_k, 5), filters=filters, prefer=prefer, snapshot=snap)
        kinds = list(query.kinds)
        if previous is not None and search_query is not query and kinds == ["general"]:
            kinds = question_kinds(previous.question)  # "còn năm 2022 thì sao?" asks what the last one asked
        if result.abstained:
            answer = self._abstain(query.text, result)
        else:
            answer = self._compose(result, kinds, top_k, snap)
        switched = [d for d in prefer if previous is not None and d != previous.top_doc]
        if switched and (answer.abstained or answer.citations[0].doc_id not in switched):
            # "còn Bình Định thì sao?": that province's document does not state it; say so, not another's text
            answer = self._abstain(query.text, result)
            answer.answer = f"{snap.document(switched[0]).citation} không nêu nội dung này.{_nearest(answer.suggestions)}"
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
            sub = self._compose(last, kinds, top_k, snap)
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
            details.append(f"- {part.label}: theo {lead.citation} ({self._where(lead, kinds)}): “{quote}” [{lead.rank}]{lead.mark}")
        if not cited:
            answer = self._abstain(query.text, last)
            answer.reason, answer.index_version = last.reason, last.version
            return answer
        # the same measure on every side, or said that it is not (shape.compare_measures)
        note = compare_measures(facts) if len(facts) == len(parts) else None
        answer = Answer(question=query.text, answer=" · ".join(heads) + "\n" + "\n".join(details + ([note] if note else [])),
                        abstained=False, citations=cited, kind=query.kind)
        answer.index_version = last.version
        return answer

    # --- composition ---------------------------------------------------------------------------

    @staticmethod
    def _citation(rank: int, hit: SearchHit) -> Citation:
        return citation_of(rank, hit.unit, hit.doc, round(hit.score, 6))

    def _compose(self, result: SearchResult, kinds: list[str], top_k: int, snap: Snapshot) -> Answer:
        hits, question = result.hits, result.query
        if kinds[0] == "list" and not asks_yes_no(question):  # a list is the ask, not a who, when or how many
            listed = self._compose_list(result, snap, top_k)
            if listed is not None:
                return listed
        pool = [self._citation(0, hit) for hit in hits[:3]]
        kind_of = {hit.unit.id: hit.unit.kind for hit in hits}
        quotes = select_quotes(question, [(c.text, kind_of[c.unit_id] == "table_row") for c in pool], kinds,
                               headers={i for i, c in enumerate(pool) if kind_of[c.unit_id] == "header"})
        for quote in quotes:
            pool[quote.unit_index].quotes.append(quote.text)
        cited = [next(c for c in pool if c.unit_id == uid) for uid in dict.fromkeys(pool[q.unit_index].unit_id for q in quotes)]
        if not cited:
            cited = [pool[0]]
        # other documents that answer about as well (two years' plans, several provinces)
        top_score = hits[0].score
        if not result.matched_docs:
            for hit in hits[1:]:
                if len({c.doc_id for c in cited}) >= 3:
                    break
                if hit.unit.doc_id in {c.doc_id for c in cited} or hit.score < 0.9 * top_score:
                    continue
                extra = self._citation(0, hit)
                row = hit.unit.kind == "table_row"
                extra.quotes = [q.text for q in select_quotes(question, [(extra.text, row)], kinds, limit=1)]
                cited.append(extra)
        docs = list(dict.fromkeys(c.doc_id for c in cited))
        if len(docs) > 1:
            # the documents the question names first, then the newest
            dates = {h.doc.id: h.doc.date or "" for h in hits}
            docs.sort(key=lambda d: (d not in result.matched_docs, "".join(chr(0x10FFFF - ord(ch)) for ch in dates[d])))
            cited.sort(key=lambda c: docs.index(c.doc_id))
        for rank, citation in enumerate(cited, 1):
            citation.rank = rank
        # --- the fact first (hoidap.facts): its span opens the answer, its sentence is the quote ---
        quoted = [(q, c) for c in cited for q in c.quotes]
        given = [(q, c.text) for q, c in quoted]
        fact = direct_fact(kinds, result.query, given)
        if fact is None and SPAN_KINDS & set(kinds):
            # a funding source, legal basis or address the quoted units lack, stated by another of the best
            # units of the same documents: that unit answers, and is cited first
            for other in pool:
                if other in cited or other.doc_id not in {c.doc_id for c in cited}:
                    continue
                found = direct_fact([k for k in kinds if k in SPAN_KINDS], result.query, [(other.text, other.text)])
                if found is not None:
                    other.quotes = [found.piece]
                    cited.insert(0, other)
                    for rank, citation in enumerate(cited, 1):
                        citation.rank = rank
                    quoted = [(q, c) for c in cited for q in c.quotes]
                    given = [(q, c.text) for q, c in quoted]
                    fact = direct_fact(kinds, result.query, given)
                    break
        holder = quoted[fact.unit][1] if fact is not None else None
        if fact is not None and fact.kind == "number" and not DOC_NUMBER.search(fact.text):
            unstated = figure_unstated(question, fact.piece, fact.text, [h.unit.text for h in hits[:3]],
                                       self._context(holder))
            if unstated is not None:
                return self._unstated(result, unstated, hits)
        if fact is not None:
            # the holder quotes the task (a table row's first field) and what answers each kind asked
            also = [f for k in kinds[1:] if (f := direct_fact([k], result.query, given)) and quoted[f.unit][1] is holder]
            task = pieces(holder.text, True)[0] if kind_of[holder.unit_id] == "table_row" else None
            keep = ([task] if task in holder.quotes else []) + [f.piece for f in [fact, *also]]
            holder.quotes = sorted(dict.fromkeys(keep), key=holder.text.find)
        direct = fact.text if fact is not None else None
        # --- a table question answers the column it names (shape.asked_column): "sản phẩm", "cơ quan phối hợp" ---
        lead = cited[0]
        column = asked_column(question, lead.text) if kind_of.get(lead.unit_id) == "table_row" else None
        if column is not None and (direct is None or holder is not lead or direct not in column.value):
            task = pieces(lead.text, True)[0]
            lead.quotes = sorted(dict.fromkeys([task, *lead.quotes, column.field]), key=lead.text.find)
            if direct is None or holder is not lead:
                holder, direct = lead, column.value
        lines = []
        for doc_id in docs:
            mine = [c for c in cited if c.doc_id == doc_id]
            where = "; ".join(self._where(c, kinds) for c in mine)
            body = " … ".join(f"“{q}”" for c in mine for q in c.quotes if verbatim(q, c.text)) or f"“{mine[0].text[:300]}”"
            marks = "".join(f"[{c.rank}]" for c in mine)
            lines.append(f"Theo {mine[0].citation} ({where}): {body} {marks}{mine[0].mark}")
        text = lines[0] if len(lines) == 1 else \
            f"Có {len(lines)} văn bản đề cập nội dung này:\n" + "\n".join(f"- {line}" for line in lines)
        if direct is not None:
            text = f"{direct}{f' [{holder.rank}]' if len(lines) > 1 else ''}{'' if direct.endswith('.') else '.'} {text}"
        if asks_yes_no(question):
            quote = next(iter(lead.quotes), lead.text)
            text = f"{yes_no(question, quote, lead.text, self._context(lead))} {text}"
        seen = {c.unit_id for c in cited}
        for hit in hits:
            if len(cited) >= top_k:
                break
            if hit.unit.id not in seen:
                cited.append(self._citation(len(cited) + 1, hit))
                seen.add(hit.unit.id)
        return Answer(question=question.text, answer=text, abstained=False, citations=cited,
                      direct=direct, direct_unit_id=holder.unit_id if holder else None)

    def _unstated(self, result: SearchResult, clause: str, hits: list[SearchHit]) -> Answer:
        """The refusal of a number question whose figure the documents do not state (shape.figure_unstated)."""
        answer = self._abstain(result.query.text, result)
        holder = next((h for h in hits if clause and clause in h.unit.text), None)
        said = f" Văn bản chỉ nêu: “{clause}” ({holder.doc.citation}, {holder.unit.label})." if holder else ""
        answer.answer = f"Các văn bản hiện có không nêu con số cho nội dung này.{said}{_nearest(answer.suggestions)}"
        answer.reason = "figure_unstated"
        return answer

    @staticmethod
    def _context(citation: Citation) -> str:
        """What names a cited unit's document and place in it (title, citation, headings), not its content."""
        return " ".join([citation.doc_title, citation.citation, citation.label, *citation.breadcrumb[:-1]])

    def _compose_list(self, result: SearchResult, snap: Snapshot, top_k: int) -> Answer | None:
        """A list question answered with every item of the list the best unit belongs to (shape.list_members):
        numbered, each quoted and cited, up to ``LIST_LIMIT`` and "và N mục khác" past it; None when the
        best unit stands alone."""
        lead_hit = result.hits[0]
        members = list_members(lead_hit.unit, snap.units_of(lead_hit.unit.doc_id))
        if len(members) < 2:
            return None
        shown = members[:LIST_LIMIT]
        cited = [citation_of(rank, unit, lead_hit.doc, round(lead_hit.score, 6)) for rank, unit in enumerate(shown, 1)]
        items = []
        for c, unit in zip(cited, shown):
            piece = pieces(unit.text, unit.kind == "table_row")
            quote = piece[0] if unit.kind == "table_row" and piece else re.sub(r"^[-–•+]\s*", "", unit.text).strip()
            c.quotes = [quote] if verbatim(quote, unit.text) else []
            items.append(f"{c.rank}. “{quote if c.quotes else unit.text}” [{c.rank}]")
        more = f"\n… và {len(members) - len(shown)} mục khác ({cited[-1].label} trở đi)" if len(members) > len(shown) else ""
        heading = lead_hit.unit.breadcrumb[-1] if lead_hit.unit.breadcrumb else ""
        where = re.sub(r",\s*(?:ý|điểm|nhiệm vụ|khoản)\s*[\w.]+(?:\s*\(.*\))?$", "", lead_hit.unit.label)
        head = f"Theo {lead_hit.doc.citation} ({where}{f' — {heading}' if heading and heading not in where else ''}), " \
            f"gồm {len(members)} mục:"
        text = head + "\n" + "\n".join(items) + more + cited[0].mark
        seen = {c.unit_id for c in cited}
        for hit in result.hits:
            if len(cited) >= max(top_k, len(shown)):
                break
            if hit.unit.id not in seen:
                cited.append(self._citation(len(cited) + 1, hit))
                seen.add(hit.unit.id)
        return Answer(question=result.query.text, answer=text, abstained=False, citations=cited)

    @staticmethod
    def _where(citation: Citation, kinds: list[str]) -> str:
        """The unit's label, with its heading when the heading says who (a bullet under "2. Sở Tài chính")."""
        crumb = citation.breadcrumb[-1] if citation.breadcrumb else ""
        heading = re.sub(r"^(?:[IVX]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s*", "", crumb)
        is_row = citation.label.startswith("Phụ lục")
        if heading and not is_row and len(heading) <= 90 and heading not in citation.text and heading not in citation.label and \
                ("agency" in kinds or re.match(r"(?:Sở|Các Sở|Ủy ban|UBND|Văn phòng|Trường|Thủ trưởng)", heading)):
            return f"{citation.label} — {heading}"
        return citation.label

    @staticmethod
    def _abstain(question: str, result: SearchResult) -> Answer:
        suggestions = []
        for hit in result.hits:
            if any(s["doc_id"] == hit.doc.id for s in suggestions):
                continue
            suggestions.append({"doc_id": hit.doc.id, "title": hit.doc.title, "citation": hit.doc.citation,
                                "validity": hit.doc.validity})
            if len(suggestions) == 3:
                break
        text = explain(result) if result is not None else NO_ANSWER
        if result is not None and asks_yes_no(result.query) and "không nêu" not in text:
            text = f"Văn bản không nêu nội dung này. {text}"  # a yes/no question is told so first
        text += _nearest(suggestions)
        return Answer(question=question, answer=text, abstained=True, citations=[], suggestions=suggestions)


def _nearest(suggestions: list[dict]) -> str:
    """The sentence naming the documents nearest to a question the documents do not answer ("" for none)."""
    if not suggestions:
        return ""
    return " Các văn bản gần nhất với câu hỏi: " + "; ".join(s["citation"] for s in suggestions) + "."
