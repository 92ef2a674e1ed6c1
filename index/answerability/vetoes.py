"""The features that alone decide that the documents cannot answer — a province, a year, a document or
a detail the question names and they lack — and the orders that put a document's header, or a unit of
another province than the one asked, after the other candidates.

What the question names is looked for in the documents' own title, header and units; a metadata field
that was guessed or is missing never refuses a question. Each veto is also the reason an answer gives
(:mod:`hoidap.why`); none holds for any answerable dev question.
"""

from __future__ import annotations

import re

from corpus.text import fold, match_form
from corpus.vocab import ASKS_ABOUT_DOCUMENT, ASKS_AMOUNT, ASKS_CONTACT, ASKS_ISSUANCE, ASKS_NAME, ASKS_RATE, DETAILS, \
    NAMED_DOC_NUMBER, PERSON_NAMED, TYPE_ABBREVIATIONS, TYPE_WORDS, YEAR_RANGE, folded
from index.answerability.evidence import DocEvidence, Evidence, asked_periods, asked_places, other_province, places_named, \
    single_years
from index.query import Query

# features that alone decide: when one holds, the documents cannot answer, whatever the model says
VETOES = ("vague", "unknown_place", "doc_year_missing", "missing_year", "missing_number", "missing_item",
          "place_mismatch", "detail_unmet", "result_asked")


def veto(features: dict[str, float]) -> str | None:
    """The first veto feature that holds, or None."""
    return next((name for name in VETOES if features.get(name)), None)


# --- details ----------------------------------------------------------------------------------------------

def asked_details(query: Query) -> list[str]:
    """The details (:data:`corpus.vocab.DETAILS`) the question asks for: a contact only when it asks
    what it is ("số điện thoại … là gì"), not when it names a system ("quy chế thư điện tử công vụ"); a
    sum of money only when an amount is asked, not a rate ("mức chi bằng bao nhiêu phần trăm") nor who
    decides it; a name only of a person ("xã mới tên gì" asks a place's name)."""
    folded = query.folded
    out = []
    for name, (asks, _has) in DETAILS.items():
        if not asks.search(folded):
            continue
        if name == "contact" and not ASKS_CONTACT.search(" ".join(re.findall(r"\w+", folded))):
            continue
        if name == "money" and (ASKS_RATE.search(folded) or not ASKS_AMOUNT.search(folded)):
            continue
        if name == "person" and ASKS_NAME.search(folded) and not PERSON_NAMED.search(ASKS_NAME.sub(" ", folded)):
            continue  # "xã mới tên gì": the name of a place, not of a person
        out.append(name)
    return out


def detail_unmet(query: Query, texts: list[str]) -> bool:
    """The question asks for a person, a contact or a sum of money that none of ``texts`` states."""
    return any(not any(DETAILS[name][1].search(t) for t in texts) for name in asked_details(query))


# --- years ------------------------------------------------------------------------------------------------

def in_title(year: str, title: str) -> bool:
    """The year is in a document's title or inside a period it names ("giai đoạn 2022 - 2025")."""
    return year in title or any(start <= year <= end for start, end in YEAR_RANGE.findall(title))


def year_evidenced(query: Query, years: tuple[str, ...], text: str, doc: DocEvidence) -> bool:
    """One of ``years`` is in the unit, in its document's title or header (or a period they name), or —
    for a question about issuance — the document's year of issue, also when that year is unknown."""
    issuance = bool(ASKS_ISSUANCE.search(query.folded))
    return any(y in text or in_title(y, doc.subject) or (issuance and doc.issued in (None, y)) for y in years)


def named_numbers(query: Query) -> set[str]:
    """The document numbers the question names by kind ("KH 310", "Quyết định số 2666"), their first part.

    Example:
        >>> from index.query import analyse
        >>> sorted(named_numbers(analyse("KH 310 Hà Nội: đến hết năm 2026 có bao nhiêu trạm 5G")))
        ['310']
    """
    return set(NAMED_DOC_NUMBER.findall(query.folded))


def doc_year_missing(query: Query, corpus_docs: list[DocEvidence], doc_numbers: frozenset[str] | set[str] = frozenset(),
                     units: list[str] = ()) -> bool:
    """The question names a kind of document and a year ("Kế hoạch CCHC năm 2024"), and no document
    that may be of that kind (and of the province it names) has that year in its title, header or a
    period they name (or, for a decision, as its year of issue); or it names a period ("Kế hoạch …
    giai đoạn 2021-2025") and none names a period sharing a year with it. A document whose kind, province or
    year of issue was not read may be the one asked for: it never makes this hold, nor does a question that names
    a document by a number one of ``doc_numbers`` has ("KH 310 … đến hết năm 2026" asks what that plan says of
    2026, which its units state or not: ``missing_year``), nor one that asks which document of a kind and year
    one of ``units`` (the best ones found) cites: "thay thế quyết định nào năm 2020" asks for a decision of 2020
    that a unit cites ("Quyết định số 28/2020/QĐ-UBND"), not of one in the store ("KH CCHC năm 2024 ban hành
    ngày nào" still is)."""
    if named_numbers(query) & set(doc_numbers):
        return False
    padded = f" {query.folded} "
    wanted = [name for key, name in TYPE_WORDS.items() if f" {key} " in padded] + \
        [name for key, name in TYPE_ABBREVIATIONS.items() if f" {key} " in padded]
    years = single_years(query)
    periods = asked_periods(query)
    if not wanted or not (years or periods):
        return False
    which = [name for name in wanted if re.search(rf"\b{folded(name)} nao\b", query.folded)]
    if which and any(kind_year_cited(which, years or [y for p in periods for y in p], unit) for unit in units):
        return False  # the document asked for is one a unit cites
    places = asked_places(query)
    for doc in corpus_docs:
        if doc.kinds is not None and not any(w in doc.kinds for w in wanted):
            continue
        if places and doc.places and not doc.places & places:
            continue
        if not doc.subject.strip():
            return False
        for year in years:
            if in_title(year, doc.subject):
                return False
            if "Quyết định" in wanted and (doc.issued is None or year == doc.issued):
                return False
        if not years and any(period_in_title(period, doc.subject) for period in periods):
            return False
    return True


def kind_year_cited(kinds: list[str], years, text: str) -> bool:
    """``text`` cites a document of one of ``kinds`` with one of ``years`` in one clause ("Quyết định số
    28/2020/QĐ-UBND", "Kế hoạch … năm 2020").

    Example:
        >>> kind_year_cited(["Quyết định"], ["2020"], "thay thế Quyết định số 28/2020/QĐ-UBND của UBND tỉnh")
        True
        >>> kind_year_cited(["Kế hoạch"], ["2023"], "Kế hoạch cải cách hành chính năm 2025; báo cáo năm 2023")
        False
    """
    folded_text = fold(match_form(text))
    return any(re.search(rf"\b{folded(kind)}\b[^.;]{{0,80}}\b{year}\b", folded_text) for kind in kinds for year in years)


def period_in_title(period: tuple[str, ...], title: str) -> bool:
    """A period asked ("giai đoạn 2021-2025") shares a year with one the title names, or the title names
    one of its years."""
    start, end = period[0], period[-1]
    return any(y in title for y in period) or any(max(start, a) <= min(end, b) for a, b in YEAR_RANGE.findall(title))


# --- provinces --------------------------------------------------------------------------------------------

def place_vetoes(ev: Evidence, top: range) -> tuple[bool, bool]:
    """(``unknown_place``, ``place_mismatch``) from the documents' own text: a named province is
    unknown when no document's title or header and no unit names it; the evidence is of another
    province when every top unit's document names provinces in its title or header, none of them
    asked, and the units name none either. A document whose text names no province never mismatches."""
    asked = asked_places(ev.query)
    if not asked:
        return False, False
    in_units = [places_named(ev.candidates[j].text) for j in top]
    unknown = any(p not in ev.evidence_places and not any(p in named for named in in_units) for p in asked)
    mismatch = all(other_province(ev.candidates[j], asked, in_units[i]) for i, j in enumerate(top)) or \
        answered_elsewhere(ev, asked)
    return unknown, mismatch


OTHER_ANSWERS = 0.5  # the rerank probability from which another province's unit answers the question
CLOSE = 0.5  # … and the asked province's best unit must reach this share of it


def answered_elsewhere(ev: Evidence, asked: frozenset[str], pool: int = 5) -> bool:
    """Another province's document answers (its unit's rerank probability ≥ ``OTHER_ANSWERS``) and no unit
    of the province asked, by its document's own text or its own, comes close (``CLOSE`` of it): the question
    is that other province's, asked of one whose documents do not say it. Chosen on the train split's
    answerable dev questions and their province swaps, on the shipped corpus and with 467 real documents."""
    candidates = [c for c in ev.candidates[:pool] if c.rerank is not None]
    if not candidates:
        return False
    supported = [bool(c.doc.places & asked or places_named(c.text) & asked) for c in candidates]
    other = max((c.rerank for c, s in zip(candidates, supported) if not s and c.doc.places), default=0.0)
    own = max((c.rerank for c, s in zip(candidates, supported) if s), default=0.0)
    return other >= OTHER_ANSWERS and own < CLOSE * other


# --- orders -----------------------------------------------------------------------------------------------

def place_last(ev: Evidence, query: Query) -> list[int]:
    """The order of ``ev``'s candidates in which those of another province than the one asked (by
    their documents' own text) come after the others."""
    order = list(range(len(ev.candidates)))
    asked = asked_places(query)
    if not asked or not ev.candidates:
        return order
    other = [other_province(c, asked, places_named(c.text)) for c in ev.candidates]
    return [j for j in order if not other[j]] + [j for j in order if other[j]]


def asks_about_document(query: Query) -> bool:
    """The question asks about a document itself — its number, date, issuer, signer, addressees or
    subject — which its title and header units answer; any other question is answered by its body.

    Example:
        >>> from index.query import analyse
        >>> asks_about_document(analyse("QĐ 1378 do ai ký, ban hành ngày nào")), asks_about_document(analyse(
        ...     "thời tiết ngày mai thế nào"))
        (True, False)
    """
    return bool(ASKS_ABOUT_DOCUMENT.search(query.folded))


# a question asking when a document takes effect (folded), not which one it ends ("làm hết hiệu lực …")
ASKS_EFFECT = re.compile(r"\b(co hieu luc|hieu luc (thi hanh|tu|ke tu)|bat dau (ap dung|thi hanh))\b")
# a document's own clause of effect: "Quyết định này có hiệu lực kể từ …", "Quy chế này có hiệu lực thi hành …"
EFFECT_CLAUSE = re.compile(r"\b[^\W\d_]+(?: [^\W\d_]+)? này có hiệu lực\b", re.IGNORECASE)


def effect_first(texts: list[str], doc_ids: list[str], query: Query) -> list[int]:
    """The order of candidates in which, for a question asking when a document takes effect, the first
    unit of the top unit's document that states that document's own effect ("Quyết định này có hiệu lực
    kể từ ngày …") comes first, unless the top unit states an effect already; else the order unchanged.
    Only for a top unit of a document the question names (the caller's check): "Luật … có hiệu lực khi nào"
    asked of other documents is not answered by their own clauses of effect."""
    order = list(range(len(texts)))
    if not texts or not ASKS_EFFECT.search(query.folded) or "het hieu luc" in query.folded or \
            "hiệu lực" in texts[0].lower():
        return order
    first = next((j for j in order if doc_ids[j] == doc_ids[0] and EFFECT_CLAUSE.search(texts[j])), None)
    return order if first is None else [first] + [j for j in order if j != first]


def header_last(kinds: list[str], query: Query) -> list[int]:
    """The order of candidates with ``kinds`` in which a document's header unit (its title block) comes
    after the other units, unless the question asks about the document itself."""
    order = list(range(len(kinds)))
    if asks_about_document(query) or not any(k == "header" for k in kinds):
        return order
    return [j for j in order if kinds[j] != "header"] + [j for j in order if kinds[j] == "header"]
