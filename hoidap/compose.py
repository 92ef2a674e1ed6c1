"""The text of an answer: the asked fact first, then what each document says, quoted verbatim and
cited [1] [2]; a list question's items; a number question's figure that the documents do not state.

Pure functions over a :class:`index.search.SearchResult` and its snapshot (the quotes are picked by
:mod:`hoidap.quotes`, the fact by :mod:`hoidap.facts`); :mod:`hoidap.answer` orchestrates. No I/O.
"""

from __future__ import annotations

import re

from hoidap.facts import asked_measure, direct_fact, measured, share_base, stated_years
from hoidap.model import Answer, Citation, citation_of
from hoidap.quotes import pieces, select_quotes, verbatim
from hoidap.lists import LIST_POOL, asks_list, gather_list
from hoidap.lists import shown as show
from hoidap.shape import LIST_LIMIT, asked_column, asks_yes_no, denial, figure_unstated, qualifier_unstated, yes_no
from hoidap.why import nearest, refusal
from corpus.text import fold, match_form
from corpus.vocab import ASKS_DOC_NUMBER, FACT_KINDS
from index.answerability.evidence import single_years
from index.filters import named_documents
from index.search import SearchHit, SearchResult
from index.tokenize import expand_text
from index.snapshot import Snapshot
from index.versions import DocRecord

DOC_NUMBER = re.compile(r"\d\s?[/-]\s?(?:\d{4}\s?/\s?)?[A-ZĐ]")  # "754/TTr-SNV": a reference, not a figure
SPAN_KINDS = {"source", "basis", "link"}  # asks answered by a span of one unit (hoidap.facts)


def hit_citation(rank: int, hit: SearchHit) -> Citation:
    """How an answer cites a search hit."""
    return citation_of(rank, hit.unit, hit.doc, round(hit.score, 6))

def naming(doc: DocRecord) -> str:
    """The words that name a document: its kind, number, date, issuer and title."""
    return " ".join([doc.citation, doc.title, *doc.types])


def compose(result: SearchResult, kinds: list[str], top_k: int, snap: Snapshot) -> Answer:
    """The answer from the hits of ``result``: the asked fact first, then what each document says, quoted and cited."""
    hits, question = result.hits, result.query
    if (kinds[0] == "list" or asks_list(question)) and not asks_yes_no(question):  # a list is the ask, not a who
        listed = compose_list(result, snap, top_k)
        if listed is not None:
            return listed
    pool = [hit_citation(0, hit) for hit in hits[:3]]
    kind_of = {hit.unit.id: hit.unit.kind for hit in hits}
    quotes = select_quotes(question, [(c.text, kind_of[c.unit_id] == "table_row") for c in pool], kinds,
                           headers={i for i, c in enumerate(pool) if kind_of[c.unit_id] == "header"},
                           named=[naming(hit.doc) for hit in hits[:3]])
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
            extra = hit_citation(0, hit)
            row = hit.unit.kind == "table_row"
            extra.quotes = [q.text for q in select_quotes(question, [(extra.text, row)], kinds, limit=1,
                                                          named=[naming(hit.doc)])]
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
    def lead_with(first: Citation | None, keep: list[Citation]) -> tuple[list[Citation], list, object]:
        """``keep`` cited after ``first`` (a unit stating the fact the others lack), ranked; the quotes and the fact."""
        ranked = ([first] if first is not None else []) + [c for c in keep if c is not first]
        for rank, citation in enumerate(ranked, 1):
            citation.rank = rank
        quotes = [(q, c) for c in ranked for q in c.quotes]
        return ranked, quotes, direct_fact(kinds, result.query, [(q, c.text) for q, c in quotes])

    cited, quoted, fact = lead_with(None, cited)
    measure = asked_measure(question) if "number" in kinds else None
    if measure is not None and snap.lexical.postings([measure], "folded")[0] is None:
        measure = None  # a word the documents never write (a typo, "bao nhiêu dpan"): what it counts is unknown
    if fact is None and (SPAN_KINDS & set(kinds) or measure):
        # a funding source, legal basis or address the quoted units lack, or a count of what the question
        # counts ("bao nhiêu thủ tục"), stated by another of the best units of the same documents: that unit
        # answers, and is cited first
        for other in pool:
            if other in cited or other.doc_id not in {c.doc_id for c in cited}:
                continue
            found = direct_fact([k for k in kinds if k in SPAN_KINDS or k == "number" and measure], result.query,
                                [(other.text, other.text)])
            if found is not None and found.kind == "number" and \
                    not measured(other.text[found.start:found.start + len(found.text) + 40], measure):
                found = None
            if found is not None:
                other.quotes = [found.piece]
                cited, quoted, fact = lead_with(other, cited)
                break
    about = asked_document(snap, question) if asks_reference(question, kinds) else None
    if about is not None and (fact is None or quoted[fact.unit][1].doc_id != about):
        # "KH CCHC 2022 … theo tờ trình số mấy": the number, basis or source stated by the document asked
        # about, from its best units or its opening lines, not another document's; that unit is cited first
        units = [h.unit for h in hits if h.unit.doc_id == about] + \
            [u for u in snap.units_of(about) if u.kind in ("preamble", "header")]
        for unit in dict.fromkeys(units):
            found = direct_fact(kinds, result.query, [(unit.text, unit.text)])
            if found is not None:
                first = next((c for c in pool if c.unit_id == unit.id), None) or \
                    citation_of(0, unit, snap.document(about), 0.0)
                first.quotes = [found.piece]
                cited, quoted, fact = lead_with(first, [c for c in cited if c.doc_id == about])
                docs, kind_of[unit.id] = [about], unit.kind
                break
    if measure and fact is None and not asks_yes_no(question):
        # "có bao nhiêu dự án …": none of the best units counts what the question counts
        return figure_refusal(result, "", hits)
    holder = quoted[fact.unit][1] if fact is not None else None
    # "lớp bồi dưỡng ngoại ngữ" asked of a unit that states "lớp bồi dưỡng": another thing, which it does not state
    answering = holder or cited[0]
    qualifier = qualifier_unstated(question, answering.text, " ".join([doc_context(answering), *answering.breadcrumb[-1:]]))
    if qualifier is not None:
        return qualifier_refusal(result, qualifier, answering)
    if fact is not None and "%" in fact.text and base_unstated(question, holder):
        # "kinh tế số chiếm bao nhiêu % GRDP" of "tỷ lệ phủ sóng 5G … đạt 100%": a share of something else
        return figure_refusal(result, fact.piece, hits)
    if fact is not None and fact.kind == "number" and not DOC_NUMBER.search(fact.text):
        if year_unstated(question, fact, holder):
            # "đến năm 2026 bao nhiêu %" of "đến năm 2025 đạt trên 85% và đến năm 2030 đạt trên 95%": that clause
            # is shown as what the plan does state
            return figure_refusal(result, fact.piece, hits)
        unstated = figure_unstated(question, fact.piece, fact.text, [h.unit.text for h in hits[:3]],
                                   doc_context(holder), " ".join(holder.breadcrumb))
        if unstated is not None:
            return figure_refusal(result, unstated, hits)
    if fact is not None:
        # the holder quotes the task (a table row's first field) and what answers each kind asked
        given = [(q, c.text) for q, c in quoted]
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
    verdict = None
    if asks_yes_no(question):
        verdict = yes_no(question, next(iter(lead.quotes), lead.text), lead.text, doc_context(lead))
        if verdict == "Có.":
            # another of the best units of the same document that says it is not so ("không có chủ trương …",
            # beside the paragraph reporting the rumour): the documents do not settle it by one clause; both are quoted
            denials = []
            for hit in hits[1:3]:
                if hit.unit.doc_id != lead.doc_id or hit.unit.id in {c.unit_id for c in cited}:
                    continue
                other = hit_citation(0, hit)
                said = denial(question, other.text, doc_context(other), hit.unit.kind == "table_row")
                if said is not None and verbatim(said[1], other.text):
                    denials.append((said[0], said[1], other))
            if denials:  # the one that speaks most of what the question asserts
                _, said, other = max(denials, key=lambda item: item[0])
                other.quotes = [said]
                cited.insert(1, other)
                for rank, citation in enumerate(cited, 1):
                    citation.rank = rank
                verdict = "Văn bản không nêu dứt khoát; hai nội dung liên quan:"
    lines = []
    for doc_id in docs:
        mine = [c for c in cited if c.doc_id == doc_id]
        where = "; ".join(unit_place(c, kinds) for c in mine)
        body = " … ".join(f"“{q}”" for c in mine for q in c.quotes if verbatim(q, c.text)) or f"“{mine[0].text[:300]}”"
        marks = "".join(f"[{c.rank}]" for c in mine)
        lines.append(f"Theo {mine[0].citation} ({where}): {body} {marks}{mine[0].mark}")
    text = lines[0] if len(lines) == 1 else \
        f"Có {len(lines)} văn bản đề cập nội dung này:\n" + "\n".join(f"- {line}" for line in lines)
    if direct is not None:
        text = f"{direct}{f' [{holder.rank}]' if len(lines) > 1 else ''}{'' if direct.endswith('.') else '.'} {text}"
    if verdict is not None:
        text = f"{verdict} {text}"
    seen = {c.unit_id for c in cited}
    for hit in hits:
        if len(cited) >= top_k:
            break
        if hit.unit.id not in seen:
            cited.append(hit_citation(len(cited) + 1, hit))
            seen.add(hit.unit.id)
    return Answer(question=question.text, answer=text, abstained=False, citations=cited,
                  direct=direct, direct_unit_id=holder.unit_id if holder else None)

def asks_reference(question, kinds: list[str]) -> bool:
    """A question asking a document number ("tờ trình số mấy") or a legal basis of the document it names."""
    return "basis" in kinds or bool(ASKS_DOC_NUMBER.search(question.folded))


def asked_document(snap: Snapshot, question) -> str | None:
    """The one document the question is about, when one stands out: named by number, province, year or
    title (index.filters.named_documents), and of the kind it names ("KH CCHC 2022" → a plan), not the kind it
    asks for ("theo tờ trình số mấy", "căn cứ nghị định nào"); None when two tie or none is named."""
    named = named_documents(snap, question)
    if not named:
        return None
    folded = question.expanded_folded or question.folded
    asked = {m.group(1) for m in re.finditer(rf"\b({'|'.join(FACT_KINDS)})(?: \w+){{0,3}}? (?:so may|so nao|nao|gi)\b", folded)}
    kinds = [k for k in FACT_KINDS if re.search(rf"\b{k}\b", folded) and k not in asked]
    scores = {d: w + 2 * any(fold(match_form(t)) in kinds for t in snap.document(d).types) for d, w in named.items()}
    ranked = sorted(scores.values(), reverse=True)
    best = max(scores, key=scores.get)
    return best if len(ranked) == 1 or ranked[0] > ranked[1] else None


def figure_refusal(result: SearchResult, clause: str, hits: list[SearchHit]) -> Answer:
    """The refusal of a number question whose figure the documents do not state (shape.figure_unstated)."""
    answer = refusal(result.query.text, result)
    holder = next((h for h in hits if clause and clause in h.unit.text), None)
    said = f" Văn bản chỉ nêu: “{clause}” ({holder.doc.citation}, {holder.unit.label})." if holder else ""
    answer.answer = f"Các văn bản hiện có không nêu con số cho nội dung này.{said}{nearest(answer.suggestions)}"
    answer.reason = "figure_unstated"
    return answer

def qualifier_refusal(result: SearchResult, qualifier: str, nearest_unit: Citation) -> Answer:
    """The refusal of a question about something the best unit names only without the question's
    qualifier (shape.qualifier_unstated)."""
    answer = refusal(result.query.text, result)
    answer.answer = (f"Các văn bản hiện có không nêu nội dung này cho “{qualifier}”. Văn bản gần nhất chỉ nêu: "
                     f"“{_short(nearest_unit.text)}” ({nearest_unit.citation}, {nearest_unit.label}).{nearest(answer.suggestions)}")
    answer.reason = "qualifier_unstated"
    return answer


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:text.rfind(" ", 0, limit)] + " …"


def base_unstated(question, holder: Citation) -> bool:
    """A share asked of something (:func:`hoidap.facts.share_base`) the unit holding the figure never names,
    nor the headings it stands under."""
    base = share_base(question)
    said = fold(match_form(expand_text(" ".join([holder.text, *holder.breadcrumb]))))
    return base is not None and base not in re.findall(r"[a-z]+", said)


def year_unstated(question, fact, holder: Citation) -> bool:
    """A number asked for a year (not the one that names the document) whose clause states it for other
    years only, and whose sentence never names the year asked."""
    asked = [y for y in single_years(question) if y not in holder.doc_title and y not in holder.citation]
    if not asked or any(y in fact.piece for y in asked):
        return False
    said = stated_years(fact)
    return bool(said) and not said & set(asked)


def doc_context(citation: Citation) -> str:
    """What names a cited unit's document and place in it (title, citation, headings), not its content."""
    return " ".join([citation.doc_title, citation.citation, citation.label, *citation.breadcrumb[:-1]])

def compose_list(result: SearchResult, snap: Snapshot, top_k: int) -> Answer | None:
    """A list question answered with every item of the list it asks for (hoidap.lists.gather_list): the
    units under the best unit's heading, those its sentence introduces, those under a parent heading the
    question names, or those of the agency it names (under its heading and the table rows it leads);
    numbered, each quoted and cited, up to ``LIST_LIMIT`` and "và N mục khác" past it; None when the best
    unit stands alone."""
    leads = [hit.unit for hit in result.hits[:LIST_POOL]]
    # the document whose title the question names most ("đề án năng lực tham mưu CCHC") holds its list
    asked = set(re.findall(r"\w+", result.query.expanded_folded or result.query.folded))
    named = {u.doc_id: len(asked & set(re.findall(r"\w+", fold(match_form(snap.document(u.doc_id).title)))))
             for u in leads}
    if leads and max(named.values()) >= max(3, named[leads[0].doc_id] + 3):
        best = max(named.values())
        leads = [u for u in leads if named[u.doc_id] == best] + [u for u in leads if named[u.doc_id] < best]

    def context(doc_id: str) -> str:
        doc = snap.document(doc_id)
        return f"{doc.title} {doc.citation}"

    found = gather_list(result.query, leads, snap.units_of, context)
    if found is None:
        return None
    members, doc = found.items, snap.document(found.doc_id)
    score = next((round(h.score, 6) for h in result.hits if h.unit.doc_id == found.doc_id), 0.0)
    # a list under several sub-headings shows some of each; the others show their first items
    shown = show(members, LIST_LIMIT) if found.how == "parent" else members[:LIST_LIMIT]
    cited = [citation_of(rank, unit, doc, score) for rank, unit in enumerate(shown, 1)]
    # the place of each item when they come from more than one heading
    placed = len({u.breadcrumb for u in shown}) > 1
    items = []
    for c, unit in zip(cited, shown):
        piece = pieces(unit.text, unit.kind == "table_row")
        quote = piece[0] if unit.kind == "table_row" and piece else re.sub(r"^[-–•+]\s*", "", unit.text).strip()
        c.quotes = [quote] if verbatim(quote, unit.text) else []
        items.append(f"{c.rank}. “{quote if c.quotes else unit.text}”{f' ({unit.label})' if placed else ''} [{c.rank}]")
    rest = [u for u in members if u not in shown]
    more = f"\n… và {len(rest)} mục khác ({', '.join(u.label for u in rest[:3])}{' …' if len(rest) > 3 else ''})" \
        if rest else ""
    first = shown[0]
    if found.how in ("siblings", "intro"):
        heading = first.breadcrumb[-1] if first.breadcrumb else ""
        where = re.sub(r",\s*(?:ý|điểm|nhiệm vụ|khoản|mục|đoạn)\s*[\w.]+(?:\s*\(.*\))?$", "", first.label)
        where = f"{where}{f' — {heading}' if heading and heading not in where else ''}"
    else:
        where = found.where
    head = f"Theo {doc.citation} ({where}), gồm {len(members)} mục:"
    text = head + "\n" + "\n".join(items) + more + cited[0].mark
    seen = {c.unit_id for c in cited}
    for hit in result.hits:
        if len(cited) >= max(top_k, len(shown)):
            break
        if hit.unit.id not in seen:
            cited.append(hit_citation(len(cited) + 1, hit))
            seen.add(hit.unit.id)
    return Answer(question=result.query.text, answer=text, abstained=False, citations=cited)

def unit_place(citation: Citation, kinds: list[str]) -> str:
    """The unit's label, with its heading when the heading says who (a bullet under "2. Sở Tài chính")."""
    crumb = citation.breadcrumb[-1] if citation.breadcrumb else ""
    heading = re.sub(r"^(?:[IVX]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s*", "", crumb)
    is_row = citation.label.startswith("Phụ lục")
    if heading and not is_row and len(heading) <= 90 and heading not in citation.text and heading not in citation.label and \
            ("agency" in kinds or re.match(r"(?:Sở|Các Sở|Ủy ban|UBND|Văn phòng|Trường|Thủ trưởng)", heading)):
        return f"{citation.label} — {heading}"
    return citation.label


def scan_note(ranks: list[int]) -> str:
    """The sentence that says which cited sources were recognised from a scan (OCR), or "".

    Example:
        >>> scan_note([1, 3])
        'Lưu ý: nguồn [1], [3] được nhận dạng từ bản quét (OCR), có thể sai sót chữ; hãy đối chiếu bản gốc.'
    """
    if not ranks:
        return ""
    return (f"Lưu ý: nguồn {', '.join(f'[{r}]' for r in ranks)} được nhận dạng từ bản quét (OCR), "
            "có thể sai sót chữ; hãy đối chiếu bản gốc.")
