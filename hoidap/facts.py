"""The fact first: the short span of a quoted unit that states what the question asks for
(a share, a count, an agency, a date, a document number), copied verbatim. Pure functions; no I/O.

A span is only ever a substring of a unit's text: when none fits, the answer has no direct fact
rather than an invented one.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from corpus.text import UPPER, fold, match_form
from corpus.vocab import AGENCY_NAME as _AGENCY
from corpus.vocab import COUNT as _COUNT
from corpus.vocab import DATE_SPANS as _DATES
from corpus.vocab import DOC_NUMBER as _DOCNUMBER
from corpus.vocab import FACT_KINDS as _DOC_TYPES
from corpus.vocab import FACT_STOP_WORDS as _STOP
from corpus.vocab import MEASURES as _MEASURES
from corpus.vocab import MONEY as _MONEY
from corpus.vocab import NOT_AMOUNT_BEFORE as _NOT_AMOUNT
from corpus.vocab import PERCENT as _PERCENT
from corpus.vocab import YEAR
from corpus.vocab import QUANTITY_AFTER as _AFTER
from corpus.vocab import QUANTITY_BEFORE as _BEFORE
from corpus.vocab import ABBREVIATIONS, ANSWER_SPANS, ASKS_DATE, ASKS_DOC_NUMBER, ASKS_RECIPIENT, LEAD_AFTER, LEAD_BEFORE, RECIPIENT_BEFORE
from hoidap.quotes import pieces
from index.query import Query

__all__ = ["DirectFact", "asked_measure", "direct_fact", "measured"]


@dataclass(frozen=True)
class DirectFact:
    """A fact found verbatim in a unit.

    ``text`` is ``unit_text[start:start + len(text)]``; ``unit`` indexes the ``quotes`` given to
    :func:`direct_fact` (the first quote of that unit); ``piece`` is the sentence or table field
    holding the fact (verbatim too), the part of the unit worth quoting.
    """

    text: str
    unit: int
    start: int
    piece: str
    kind: str


# --- what a fact looks like ----------------------------------------------------------------------

_FIELD = re.compile(r"^([" + UPPER + r"][^:;]{1,45}): ")
_CONNECTOR = re.compile(r",\s|\svà\s|\shoặc\s|\(")
_CLAUSE = re.compile(r";\s*|(?<=\.)\s+")
# "bao nhiêu thủ tục", "mấy đợt": the thing a count question counts (folded); not a sum of money or a share
_ASKED_COUNT = re.compile(r"\b(?:bao nhiêu|mấy)\s+(\w+)")  # toned: "mấy" is not "máy" ("nhà máy thông minh")
_NOT_COUNTED = frozenset("tien kinh dong trieu ty phan lan muc nam thang ngay gio la thi".split())


def asked_measure(question: Query, texts: list[str] | None = None) -> str | None:
    """What a count question counts ("Vĩnh Long sửa đổi bao nhiêu thủ tục" → "thu tuc"'s first syllable
    "thu"), folded; None for other questions, sums of money, shares, times, and — given the ``texts`` of the
    units that answer — for a word none of them writes (a typo, "bao nhiêu dpan"): what it counts is unknown.

    Example:
        >>> from index.query import analyse
        >>> asked_measure(analyse("sửa đổi bao nhiêu thủ tục chứng thực")), asked_measure(analyse("kinh phí bao nhiêu"))
        ('thu', None)
    """
    asked = match_form(question.searched or question.text).lower()
    m = _ASKED_COUNT.search(asked) or (re.search(r"\bbao nhieu\s+(\w+)", asked) if fold(asked) == asked else None)
    noun = fold(m.group(1)) if m else None  # typed without diacritics: "bao nhieu" only ("may" is also "máy")
    if noun is None or noun in _NOT_COUNTED or noun.isdigit():
        return None
    if texts is not None and not any(noun in re.findall(r"[a-z]+", fold(match_form(t))) for t in texts):
        return None
    return noun


def share_base(question: Query) -> str | None:
    """The named measure a share question takes the share of, typed as an abbreviation ("chiếm bao nhiêu % GRDP"
    → "grdp", "% DNNVV"), folded; None for another question, or a share of a common noun ("bao nhiêu % người
    làm CCHC": the unit may call them "cán bộ, công chức"), or an abbreviation spelt out (CBCC, CCHC).

    Example:
        >>> from index.query import analyse
        >>> share_base(analyse("kinh tế số chiếm bao nhiêu % GRDP")), share_base(analyse("bao nhiêu % CBCC tham mưu"))
        ('grdp', None)
    """
    asked = question.searched or question.text
    m = re.search(r"(?:%|\bphần trăm)\s+(?:(?:của|so với|tổng)\s+)?([A-ZĐ]{2,}[A-Za-zĐđ]*)\b", asked)
    if m is None or m.group(1).lower() in ABBREVIATIONS or re.match(r"\s*\(", asked[m.end():]):
        return None  # spelt out: by the built-in table, or by the corpus's own definition ("TTPVHCC (trung tâm …)")
    return fold(m.group(1)).lower()


def stated_years(fact: DirectFact) -> set[str]:
    """The years the stretch of its clause that a number fact stands in names ("đến năm 2030 đạt trên 95%"
    → {"2030"}), cut where a neighbouring quantity's words begin, as :func:`_relevance` reads them."""
    at = fact.piece.find(fact.text)
    if at < 0:
        return set()
    scope = _scope(fact.piece, _Candidate(at, at + len(fact.text), fact.kind, fact.kind))
    return set(re.findall(r"\b(?:19|20)\d{2}\b", scope))


def measured(text: str, measure: str) -> bool:
    """Whether the quantity ``text`` counts ``measure`` ("07 (bảy) thủ tục" counts "thu")."""
    text = re.sub(r"\([^()]*\)", " ", text)
    number = re.search(r"\d[\d.,]*", text)  # past a qualifier before it ("ít nhất 4 đoàn")
    words = re.findall(r"[a-z]+", fold(match_form(text[number.end():] if number else text)))
    return measure in words[:2]




# --- the search ----------------------------------------------------------------------------------


@dataclass
class _Candidate:
    start: int  # in the piece
    end: int
    kind: str
    sort: str  # percent, count, docnumber, money, agency, field, or a kind of date
    bonus: float = 0.0


def direct_fact(kinds: list[str] | tuple[str, ...], question: Query, quotes: list[tuple[str, str]]) -> DirectFact | None:
    """The span of a quoted unit that states the fact ``question`` asks for, or None.

    ``quotes`` are (quote, unit text), best unit first, each quote verbatim in its unit. The quotes
    are searched first, then the other sentences or fields of the same units. A number question
    gets the quantity whose clause shares most words with the question, with "trên", "ít nhất",
    "trở lên" when they stand next to it; an agency question the lead agency of a table row
    ("Cơ quan chủ trì: …") or an agency the sentence names in that role; a date question the date
    of the sort asked for ("quý mấy" → "Quý II/2022", "ngày nào" → "21/10/2021").

    Example:
        >>> from index.query import analyse
        >>> unit = "Tổ chức ít nhất 10 lớp bồi dưỡng về cải cách hành chính; ít nhất 4 đoàn công tác."
        >>> direct_fact(["number"], analyse("bao nhiêu lớp bồi dưỡng"), [(unit, unit)]).text
        'ít nhất 10 lớp'
    """
    wanted = [k for k in kinds if k in ("source", "basis", "link", "number", "agency", "date")]
    asks_number = bool(ASKS_DOC_NUMBER.search(question.folded)) and any(t in question.folded for t in _DOC_TYPES)
    if not wanted and not asks_number:
        return None
    terms = _terms(question.expanded_folded)
    units = list(dict.fromkeys(unit for _, unit in quotes))
    first_quote = {unit: next(i for i, (_, u) in enumerate(quotes) if u == unit) for unit in units}
    own = [(piece, unit) for quote, unit in quotes if quote and quote in unit
           for piece in (pieces(quote, True) if _is_row(quote) else [quote]) if piece in unit]  # a row: its fields
    # where to look, in turn: the quotes, then the other sentences or fields of the same units
    rest = [(piece, unit) for unit in units for piece in pieces(unit, _is_row(unit))
            if piece in unit and not any(piece in q or q in piece for q, u in own if u == unit)]
    measure = asked_measure(question, units) if "number" in wanted else None
    for kind in (["docnumber"] if asks_number else []) + wanted:
        best = None
        for tier in (own, rest):
            for piece, unit in tier:
                for cand in _candidates(kind, piece, question, measure):
                    score = _relevance(piece, cand, terms, question) + cand.bonus - 0.4 * units.index(unit)
                    if best is None or score > best[0]:
                        best = (score, cand, piece, unit)
            if best is not None:
                break
        if best is not None:
            _, cand, piece, unit = best
            text = piece[cand.start:cand.end].strip(" ,;:")
            start = unit.find(piece) + piece.find(text, cand.start)
            if text and unit[start:start + len(text)] == text:
                return DirectFact(text=text, unit=first_quote[unit], start=start, piece=_clause(piece, cand),
                                  kind="number" if kind == "docnumber" else kind)
    return None


def _candidates(kind: str, piece: str, question: Query, measure: str | None = None) -> list[_Candidate]:
    if kind in ANSWER_SPANS:
        # funding sources, legal bases, web addresses: the span as written, the first ones first; a basis of
        # the kind the question names ("theo nghị định nào") before the others
        named = _named_kinds(question) if kind == "basis" else ()
        # a basis whose number the question names ("thực hiện đề án 905 … căn cứ quyết định nào") is the one
        numbers = {n for n in question.numbers if not YEAR.fullmatch(n)} if kind == "basis" else set()
        return [_Candidate(m.start(1), m.end(1), kind, kind, 1.0 - 0.01 * i +
                           (5.0 if named and fold(match_form(m.group(1))).startswith(named) else 0.0) +
                           (5.0 if numbers & set(re.findall(r"\d+", m.group(1))) else 0.0))
                for i, m in enumerate(ANSWER_SPANS[kind].span.finditer(piece))]
    if kind == "docnumber":
        return _docnumbers(piece, question)
    if kind == "number":
        return _numbers(piece, question, measure)
    if kind == "agency":
        return _agencies(piece, question)
    return _dates(piece, question)


def _named_kinds(question: Query) -> tuple[str, ...]:
    """The kinds of document a basis question asks for ("theo nghị định nào" → "nghi dinh"), folded."""
    folded = question.expanded_folded or question.folded
    return tuple(dict.fromkeys(m.group(1) for m in re.finditer(
        r"\b(luat|nghi quyet|nghi dinh|quyet dinh|thong tu|chi thi|ket luan|ke hoach|de an|chuong trinh|cong van)"
        r"(?: \w+){0,3}? (?:nao|so may|so nao|gi)\b", folded)))


def _docnumbers(piece: str, question: Query) -> list[_Candidate]:
    folded = question.expanded_folded  # "TTr", "QĐ", "KH" spelt out
    asks = ASKS_DOC_NUMBER.search(folded)
    head = folded[:asks.start()] if asks else folded
    # "… theo tờ trình số mấy": the type just before; else the question's subject, its first type
    # "đề án 905 số mấy" names a document; "tờ trình số mấy", "tờ trình nào số mấy" ask a type's number
    near = [t for t in _DOC_TYPES if re.search(rf"\b{t}(?: [a-z]+)?\s*$", head)]
    asked_types = near or sorted((t for t in _DOC_TYPES if t in head), key=head.find)[:1]
    day = re.compile(r"\s+ngày\s+(?:\d{1,2}/\d{1,2}/\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4})")
    out = []
    for m in _DOCNUMBER.finditer(piece):
        before = fold(match_form(piece[max(0, m.start() - 25):m.start()]))
        typed = any(t in before for t in asked_types)
        if near and not typed:
            continue  # "theo tờ trình số mấy": a Chương trình's or a Quyết định's number is not the answer
        bonus = 20.0 * typed
        end = m.end()
        if "date" in question.kinds and (d := day.match(piece, end)):
            end = d.end()  # "số mấy, ngày nào": "937/TTr-SNV ngày 10/5/2022"
        out.append(_Candidate(m.start(), end, "docnumber", "docnumber", bonus))
    return out


def _numbers(piece: str, question: Query, measure: str | None = None) -> list[_Candidate]:
    asked = question.folded
    percent_only = bool(re.search(r"%|phan tram|ty le", asked))
    # a sum asked: "kinh phí", "bao nhiêu tiền"; "tổng vốn …, ngân sách … bao nhiêu" when no counted noun follows
    money = bool(re.search(r"kinh phi|dong\b|tien|trieu|ty dong", asked)) or \
        (measure is None and bool(re.search(r"\b(von|chi phi|ngan sach)\b", asked)))
    taken: list[tuple[int, int]] = []
    out: list[_Candidate] = []

    def add(start: int, end: int, sort: str) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        if sort in ("percent", "count", "money"):
            if m := _BEFORE.search(piece[:start]):
                start = m.start()
            if m := _AFTER.match(piece[end:]):
                end += m.end()
        out.append(_Candidate(start, end, "number", sort))

    for m in _PERCENT.finditer(piece):
        add(m.start(), m.end(), "percent")
    for m in _MONEY.finditer(piece):
        add(m.start(), m.end(), "money")
    for _, pattern in _DATES:
        for m in pattern.finditer(piece):
            taken.append((m.start(), m.end()))  # a year or a date is not an amount
    for m in _DOCNUMBER.finditer(piece):
        taken.append((m.start(), m.end()))
    asked_numbers = set(re.findall(r"\d+", asked))
    for start, end in _quantities(piece, counts_only=True):
        if piece[start:end] in asked_numbers:
            continue  # the question's own "mức độ 3, 4"
        words = re.match(r"\s+([a-zà-ỹđ]+)(?:\s+([a-zà-ỹđ]+))?", piece[end:])
        if words:
            two = f"{words.group(1)} {words.group(2)}" if words.group(2) else ""
            end += words.end() if two in _MEASURES else words.end(1)
        add(start, end, "count")
    sorts = {"percent"} if percent_only else {"money"} if money and any(c.sort == "money" for c in out) else \
        {"percent", "count", "money"}
    if measure is not None and not (percent_only or money):
        # "bao nhiêu thủ tục": a count of them, not a fee in đồng or a count of days beside it
        sorts.discard("money")
        out = [c for c in out if c.sort != "count" or measured(piece[c.start:c.end] + piece[c.end:c.end + 40], measure)]
    return [c for c in out if c.sort in sorts]


def _agencies(piece: str, question: Query) -> list[_Candidate]:
    field = _FIELD.match(piece)
    if field:
        head = field.group(1).lower()
        wanted = "phối hợp" if re.search(r"phoi hop", question.folded) and "chu tri" not in question.folded else "chủ trì"
        if wanted in head or ("cơ quan" in head and "phối hợp" not in head and wanted == "chủ trì"):
            value = piece[field.end():]
            if len(value) > 100:  # a long list of co-leads: the first of them
                value = re.split(r"[;,]\s", value, maxsplit=1)[0]
            return [_Candidate(field.end(), field.end() + len(value), "agency", "field", 3.0)]
        return []
    recipient = bool(ASKS_RECIPIENT.search(question.folded))
    via = re.search(r"\b(qua|voi|cho|tu|ve)\s+(?:co quan|don vi|so|ai)\s+(?:nao|gi)?", question.folded)
    out = []
    for start, end in _agencies_in(piece):
        before, after = piece[:start], piece[end:]
        if via and re.search(rf"\b{via.group(1)}\s*$", fold(match_form(before[-12:]))):
            # "báo cáo … qua cơ quan nào": the agency the text names after "qua"
            out.append(_Candidate(start, end, "agency", "agency", 4.0))
        elif recipient:
            if RECIPIENT_BEFORE.search(before[-15:]):
                out.append(_Candidate(start, end, "agency", "agency", 1.0))
        elif LEAD_AFTER.match(after) or LEAD_BEFORE.search(before[-25:]):
            out.append(_Candidate(start, end, "agency", "agency", 1.0))
        elif re.fullmatch(r"\s*(?:[-–•+]\s*|[a-zđ]\)\s*)?", before):
            out.append(_Candidate(start, end, "agency", "agency", 0.5))  # the sentence's subject
    return out


def _agencies_in(piece: str) -> list[tuple[int, int]]:
    """Where a piece names agencies, with the one a name holds in "(qua …)": "UBND Tỉnh (qua Sở Nội vụ)"."""
    out = []
    for m in _AGENCY.finditer(piece):
        out.append((m.start(), m.end()))
        inner = re.search(r"\(qua ([^()]{3,60})\)$", m.group())
        if inner and (n := _AGENCY.fullmatch(inner.group(1))):
            at = m.start() + inner.start(1)
            out.append((at, at + len(n.group())))
    return out


def _dates(piece: str, question: Query) -> list[_Candidate]:
    allowed = next((sorts for pattern, sorts in ASKS_DATE if re.search(pattern, question.folded)), None)
    field = _FIELD.match(piece)
    in_field = bool(field and ("thời gian" in field.group(1).lower() or "thời hạn" in field.group(1).lower()))
    if field and not in_field:
        return []  # in a table row the time column says when
    asked = question.folded
    found: list[_Candidate] = []
    for sort, pattern in _DATES:
        for m in pattern.finditer(piece):
            if not any(c.start <= m.start() and m.end() <= c.end for c in found):  # not inside a longer date
                found.append(_Candidate(m.start(), m.end(), "date", sort))
    out = []
    for cand in found:
        text = fold(match_form(piece[cand.start:cand.end]))
        if text in asked or re.sub(r"^nam ", "", text) in asked.split():
            continue  # the question's own year or date
        if allowed is not None and cand.sort not in allowed:
            continue
        # the sort asked first; the first date of a time field; "hằng năm" only when asked how often
        cand.bonus = (0.5 * (len(allowed) - allowed.index(cand.sort)) if allowed else 0.0) + \
            (2.0 - 0.01 * cand.start if in_field else 0.0) - 0.5 * (cand.sort == "frequency" and allowed is None)
        out.append(cand)
    # a date right after a document number the question names ("Kết luận 638-KL/TU … ngày nào")
    for cand in out:
        before = piece[max(0, cand.start - 30):cand.start]
        if cand.sort in ("day", "month") and any(n in re.findall(r"\d+", before) for n in question.numbers):
            cand.bonus += 3.0
    return out


# --- relevance -----------------------------------------------------------------------------------


def _relevance(piece: str, cand: _Candidate, terms: set[str], question: Query) -> float:
    """How much of the question the candidate's own stretch of its clause speaks of."""
    scope = _scope(piece, cand)
    found = _terms(scope)
    score = float(len(terms & found))
    years = set(re.findall(r"\b(?:19|20)\d{2}\b", scope))
    if question.years and cand.kind == "number":
        # "đến năm 2025 đạt trên 85% và đến năm 2030 đạt trên 95%": the year asked decides
        score += 15.0 if years & set(question.years) else (-15.0 if years else 0.0)
    return score


def _scope(piece: str, cand: _Candidate) -> str:
    """The clause around a candidate, cut where the next or the previous quantity's words begin."""
    start, end = 0, len(piece)
    for m in _CLAUSE.finditer(piece):
        if m.end() <= cand.start:
            start = m.end()
        elif m.start() >= cand.end:
            end = m.start()
            break
    clause = piece[start:end]
    others = [(s, e) for s, e in _quantities(clause) if not (cand.start - start <= s < cand.end - start)]
    left, right = 0, len(clause)
    for s, e in others:
        if e <= cand.start - start:
            between = clause[e:cand.start - start]
            cuts = _cuts(between)
            left = e + (cuts[-1].end() if cuts else 0)
        elif s >= cand.end - start:
            between = clause[cand.end - start:s]
            cuts = _cuts(between)
            right = cand.end - start + (cuts[-1].start() if cuts else len(between))
            break
    return clause[left:right]


def _clause(piece: str, cand: _Candidate) -> str:
    """A long sentence cut to the clause (between semicolons) that holds the fact; a table field whole."""
    if len(piece) <= 120 or _FIELD.match(piece):
        return piece
    start = max((m.end() for m in re.finditer(r";\s+", piece[:cand.start])), default=0)
    end = next((m.start() for m in re.finditer(r";", piece[cand.end:])), len(piece) - cand.end) + cand.end
    return piece[start:end]


def _cuts(between: str) -> list[re.Match]:
    """Where the words between two quantities divide: at a comma, else at "và" (names hold "và" too)."""
    return list(re.finditer(r",\s|\(", between)) or list(_CONNECTOR.finditer(between))


# a decimal count before its unit: "2,1 con/phụ nữ", "0,8 lần quỹ lương" (COUNT takes whole numbers only)
_DECIMAL = re.compile(r"(?<![\w/.,])\d{1,3},\d{1,2}(?=\s+[a-zà-ỹđ])")


def _quantities(text: str, counts_only: bool = False) -> list[tuple[int, int]]:
    """Where shares and counts stand in ``text``: not years, levels, article or task numbers."""
    found = [] if counts_only else [(m.start(), m.end()) for m in _PERCENT.finditer(text)]
    found += [(m.start(), m.end()) for m in _DECIMAL.finditer(text)]
    for m in _COUNT.finditer(text):
        if re.match(r"(?:19|20)\d{2}$", m.group()) or _NOT_AMOUNT.search(text[:m.start()]):
            continue
        if text[m.start() - 1:m.start()] == "[" and text[m.end():m.end() + 1] == "]":
            continue  # a note's reference ("Chính phủ[2]"), not an amount
        found.append((m.start(), m.end()))
    return sorted(found)


def _terms(text: str) -> set[str]:
    words = re.findall(r"\w+", fold(match_form(text)))
    unigrams = {w for w in words if w not in _STOP and len(w) > 1 and not w.isdigit()}
    bigrams = {f"{a} {b}" for a, b in itertools.pairwise(words) if a not in _STOP or b not in _STOP}
    return unigrams | bigrams


def _is_row(unit: str) -> bool:
    return len(re.findall(r"; [" + UPPER + r"][^:;]{1,45}: ", unit)) >= 2
