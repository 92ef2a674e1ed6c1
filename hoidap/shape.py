"""Answers shaped by the question: yes/no, lists, the table column asked, comparisons of two sides.

Pure functions over the analysed question and unit texts; the answer service decides when to call
them. Each one reads only the evidence it is given, so a shape never adds a fact no unit states.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.text import UPPER, fold, match_form
from corpus.vocab import CLAIM_FILLERS as _PARTICLES
from corpus.vocab import FAQ_FILLER as _FILLER
from corpus.vocab import TOPIC_STOP_WORDS as _TOPIC_STOP
from corpus.vocab import CLAIM_FILLERS_TONED as _PARTICLES_TONED
from corpus.vocab import NEGATION as _NEGATION
from corpus.vocab import QUESTION_WORDS as _WH
from corpus.vocab import places_in
from corpus.vocab import YES_NO_QUESTION as _YES_NO
from hoidap.quotes import pieces
from index.answerability.evidence import canonical_place
from index.query import Query
from index.restore import QUESTION_LANGUAGE as _QUESTION_LANGUAGE
from index.tokenize import expand_text

__all__ = ["Column", "asks_yes_no", "asked_column", "compare_measures", "qualifier_unstated", "yes_no"]

LIST_LIMIT = 8  # items shown in full; past it "và N mục khác"
MIN_FIGURE_COVERAGE = 0.34  # of what a number question names, the share the figure's own clause must name

_NUMBER = re.compile(r"\d+(?:[.,]\d+)?\s?%|\b\d+(?:[.,]\d+)?\b")
_FIELD = re.compile(r"(?:^|; )([" + UPPER + r"][^:;]{1,45}): ")


def _words(text: str, toned: bool = False) -> list[str]:
    """The words of ``text`` as compared: lowercase, without diacritics unless ``toned``."""
    return re.findall(r"\w+", match_form(text) if toned else fold(match_form(text)))


def _toned(query: Query) -> bool:
    """A question typed with diacritics is compared with them ("số hóa" is not "hồ sơ"); one typed
    without them, without."""
    return fold(query.text) != query.text


def asks_yes_no(query: Query) -> bool:
    """Whether the question wants a yes or a no ("Đề án có tổ chức tập huấn không?").

    Example:
        >>> from index.query import analyse
        >>> asks_yes_no(analyse("Đề án 1601 có tổ chức hội thảo không?")), asks_yes_no(analyse("Có mấy nhiệm vụ?"))
        (True, False)
    """
    folded = " ".join(_words(query.text))
    return bool(_YES_NO.search(folded)) and not _WH.search(folded)


def _claim(query: Query, context: str) -> list[str]:
    """The content syllables of what a question asserts or asks about, less what names the document
    (in ``context``); toned when the question was typed with diacritics."""
    toned = _toned(query)
    known = set(_words(context, toned))
    # a province the context names, however the question names it ("TP HCM" of "Thành phố Hồ Chí Minh")
    named = {canonical_place(key) for key in places_in(context)}
    for key in places_in(query.expanded):
        if canonical_place(key) in named:
            known |= {w for w in _words(query.expanded, toned) if fold(w) in key.split()}
    particle = (lambda w: w in _PARTICLES_TONED) if toned else (lambda w: w in _PARTICLES)
    return [w for w in dict.fromkeys(_words(query.expanded, toned)) if not particle(w) and not w.isdigit()
            and w not in known and len(w) > 1]


def yes_no(query: Query, quote: str, unit_text: str, context: str) -> str:
    """The opening of a yes/no answer from the clause quoted: "Có.", "Không." or "Văn bản không nêu …".

    "Có." only when the unit states what the question asserts: its content words (those not naming the
    document, given in ``context``) and every number it names. "Không." when the unit states the same
    thing with another number or negated. Anything less is said to be not stated, the clause following.
    """
    claim = _claim(query, context)
    covered = coverage(claim, unit_text, _toned(query))
    asked = [n.replace(" ", "") for n in _NUMBER.findall(query.text) if n not in context]  # the document's own number or year names it
    stated = {n.replace(" ", "") for n in _NUMBER.findall(unit_text)}
    if covered >= 0.7 and asked and any(n not in stated for n in asked) and \
            any("%" in n for n in stated) == any("%" in n for n in asked) and stated:
        return "Không."
    negated = bool(_NEGATION.search(fold(match_form(quote)))) and not _NEGATION.search(query.folded)
    if covered >= 0.7 and all(n in stated for n in asked):
        return "Không." if negated else "Có."
    return "Văn bản không nêu trực tiếp nội dung này; nội dung gần nhất:"


def denial(query: Query, unit_text: str, context: str, is_row: bool = False) -> tuple[float, str] | None:
    """The piece of a unit that says "Không." to a yes/no question (:func:`yes_no`), the one that speaks most
    of what the question asserts ("… không có chủ trương tiếp tục thực hiện sắp xếp, sáp nhập …", not the
    unit's first sentence): a piece negating the question's own predicate first, then the share of the question's
    claim it holds (the score returned with it); None when no piece says so."""
    claim, toned = _claim(query, context), _toned(query)
    # what "… có P không" asserts, negated as asked: "có chủ trương … không" → "không có chủ trương"
    asserted = re.search(r"\bco\s+(\w+\s+\w+)", query.folded)
    negating = re.compile(rf"\b(?:khong|chua)(?: co)? {asserted.group(1)}\b") if asserted else None
    said = [(coverage(claim, p, toned) + (1.0 if negating and negating.search(fold(match_form(p))) else 0.0), p)
            for p in pieces(unit_text, is_row) if yes_no(query, p, unit_text, context) == "Không."]
    return max(said, key=lambda item: item[0], default=None)


@dataclass(frozen=True)
class Column:
    header: str  # as written in the row: "Sản phẩm", "Cơ quan chủ trì"
    value: str  # the cell, verbatim
    field: str  # "Header: value", verbatim in the row


def row_fields(text: str) -> list[Column]:
    """A table row's "Header: value" fields, in order.

    Example:
        >>> [c.header for c in row_fields("Nhiệm vụ: Rà soát TTHC; Sản phẩm: Quyết định; Cơ quan chủ trì: Sở Nội vụ")]
        ['Nhiệm vụ', 'Sản phẩm', 'Cơ quan chủ trì']
    """
    marks = list(_FIELD.finditer(text))
    out = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        value = text[m.end():end].strip()
        out.append(Column(m.group(1), value, text[m.start(1):end].strip()))
    return out


def asked_column(query: Query, row_text: str) -> Column | None:
    """The field of a table row whose header the question names ("sản phẩm là gì", "cơ quan phối hợp"),
    not the row's first field (the task itself) unless the question tells the row by another field's value
    ("mã thủ tục kê khai tài sản" of a row "Mã TTHC: …; Tên TTHC: Thủ tục kê khai tài sản…"); None when no
    header is named.

    A header counts when the question holds every word of it that tells it from the row's other
    headers ("phối hợp" of "Cơ quan phối hợp", "sản phẩm" of "Hoạt động/sản phẩm").
    """
    fields = row_fields(row_text)
    if len(fields) < 2:
        return None
    asked = set(_words(query.expanded))
    best, best_score = None, 0.0
    # the first field is the row's task, unless the question describes the row by another field's value
    # ("mã thủ tục kê khai tài sản" of "Mã TTHC: 2.002400.H05; Tên TTHC: Thủ tục kê khai tài sản, thu nhập")
    said = [len(asked & set(_words(c.value))) for c in fields]
    first = 0 if max(said[1:]) > said[0] else 1
    for i, col in enumerate(fields[first:], first):
        others = {w for j, c in enumerate(fields) if j != i for w in _words(c.header)}
        own = [w for w in _words(col.header) if w not in others and w not in _PARTICLES]
        if not own or not all(w in asked for w in own):
            continue
        score = len(own) + 0.1 * sum(1 for w in _words(col.header) if w in asked)
        if score > best_score and col.value:
            best, best_score = col, score
    return best


def measure(quote: str, fact: str) -> list[str]:
    """The content words of the clause that states ``fact`` in ``quote``, before it (what is measured)."""
    at = quote.find(fact)
    clause = quote[:at] if at >= 0 else quote
    clause = re.split(r"[;:]", clause)[-1] if re.split(r"[;:]", clause)[-1].strip() else clause
    return [w for w in _words(clause) if w not in _PARTICLES and not w.isdigit() and len(w) > 1]


def compare_measures(sides: list[tuple[str, str, str]]) -> str | None:
    """A note when the sides of a comparison state different measures, or None.

    ``sides`` are (label, quote, fact) for each side that states a fact.

    Example:
        >>> compare_measures([("2022", "tỷ lệ hồ sơ trực tuyến đạt 50%", "50%"),
        ...                   ("2025", "mức độ hài lòng của người dân đạt 90%", "90%")])  # doctest: +ELLIPSIS
        'Lưu ý: hai bên nêu hai chỉ tiêu khác nhau ...'
    """
    if len(sides) < 2:
        return None
    measures = [set(measure(quote, fact)) for _, quote, fact in sides]
    for a, b in zip(measures, measures[1:]):
        if not a or not b or len(a & b) / len(a | b) < 0.34:
            named = "; ".join(f"{label}: “{_short(_clause_of(quote, fact))}”" for label, quote, fact in sides)
            return f"Lưu ý: hai bên nêu hai chỉ tiêu khác nhau ({named}), không so sánh trực tiếp được."
    return None


def _clause_of(quote: str, fact: str) -> str:
    at = quote.find(fact)
    if at < 0:
        return quote
    start = max(quote.rfind(";", 0, at), quote.rfind(":", 0, at)) + 1
    end = quote.find(";", at)
    return quote[start:end if end >= 0 else len(quote)].strip()


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:text.rfind(" ", 0, limit)] + " …"


def _clauses(text: str) -> list[str]:
    """``text`` cut where one indicator ends and the next begins: sentences, ";" and bullets."""
    return [c.strip() for c in re.split(r"[;\n]|(?<=[.!?])\s+", text) if c.strip()]


def coverage(words: list[str], text: str, toned: bool = False) -> float:
    """The share of ``words`` found in ``text`` (whole words, toned or folded as ``words`` are)."""
    if not words:
        return 0.0
    found = set(_words(text, toned))
    return sum(1 for w in words if w in found) / len(words)


def figure_unstated(query: Query, fact_piece: str, fact: str, units: list[str], context: str,
                    headings: str = "") -> str | None:
    """For a question asking a number: the clause of ``units`` that names what the question asks
    about and states no figure, when the figure found sits in a clause that names it clearly less;
    "" when the figure's clause names too little of what is asked (``MIN_FIGURE_COVERAGE``); else None.
    This is the near miss "an indicator the plan names without a figure", which must not be answered
    with a neighbouring indicator's figure.
    """
    claim, toned = _claim(query, context), _toned(query)
    if len(claim) < 2:
        return None
    at = [c for c in _clauses(fact_piece) if fact in c]
    # what the figure is about is said by its clause and by the headings it stands under ("1. Lĩnh vực chính
    # trị" over "Chỉ tiêu 1: … 60%"); "%" is the question's "phần trăm"
    said = " ".join([at[0] if at else fact_piece, headings, "phần trăm" if "%" in fact else ""])
    own = coverage(claim, said, toned)
    bare = [(coverage(claim, c, toned), c) for text in units for c in _clauses(text) if not re.search(r"\d", c)]
    best, clause = max(bare, default=(0.0, None), key=lambda item: item[0])
    if clause is not None and best >= 0.5 and best - own >= 0.34:
        return clause
    return "" if own < MIN_FIGURE_COVERAGE else None


# what a question says besides what it asks about: its frame ("làm gì", "đơn vị nào", "bao giờ xong"),
# politeness and function words; such words between two of a clause's neighbours are no qualifier
_FRAME = frozenset(_TOPIC_STOP) | frozenset(_FILLER) | frozenset(re.findall(r"\w+", fold(_QUESTION_LANGUAGE)))
MAX_QUALIFIER = 6  # syllables a qualifier inserted into a named thing may have


def _frame(word: str) -> bool:
    return word in _FRAME or word.isdigit()


def qualifier_unstated(query: Query, unit_text: str, context: str) -> str | None:
    """The qualifier the question inserts into something the unit names, when the unit never states it:
    "lớp bồi dưỡng ngoại ngữ" asked of a unit that says "lớp bồi dưỡng về CCHC", "cán bộ, công chức đã
    nghỉ hưu" of one that says "cán bộ, công chức tham mưu". None when there is no such insertion.

    An insertion, not a rewording: two syllables the unit (or what names its document, ``context``)
    writes side by side stand apart in the question, around at least two of its content syllables
    (neither the question's frame nor the document's name) of which at least one the unit never writes,
    and no syllable pair of the question's span is one the unit writes. A question that rewords the unit
    ("lớp đào tạo ngắn hạn" for "lớp bồi dưỡng") leaves the unit's own words between its neighbours, and
    background sentences are not read (the question's ``expanded`` form, its parentheses left out).
    Both sides are compared with their abbreviations spelt out ("Sở TTTT" is "Sở Thông tin và Truyền thông").

    Example:
        >>> from index.query import analyse
        >>> qualifier_unstated(analyse("Bao nhiêu % công chức đã nghỉ hưu tham mưu CCHC được bồi dưỡng?"),
        ...                    "100% công chức tham mưu CCHC được bồi dưỡng.", "")
        'đã nghỉ hưu'
        >>> qualifier_unstated(analyse("Bao nhiêu % công chức tham mưu CCHC được tập huấn?"),
        ...                    "100% công chức tham mưu CCHC được bồi dưỡng.", "") is None
        True
    """
    asked = re.sub(r"\s*\([^)]*\)", "", query.expanded)
    folded = fold(match_form(asked))  # as long as ``asked``: the span of a folded word is the word as typed
    spans = [(m.start(), m.end()) for m in re.finditer(r"\w+", folded)]
    words = [folded[s:e] for s, e in spans]
    unit = re.findall(r"\w+", fold(match_form(expand_text(unit_text))))
    named = re.findall(r"\w+", fold(match_form(expand_text(context))))
    held = set(unit) | set(named)
    pairs = set(zip(unit, unit[1:])) | set(zip(named, named[1:]))
    for i, left in enumerate(words):
        for j in range(i + 3, min(len(words), i + MAX_QUALIFIER + 2)):
            if (left, words[j]) not in pairs or (_frame(left) and _frame(words[j])):
                continue
            if any(p in pairs for p in zip(words[i:j], words[i + 1:j + 1])):
                continue
            content = [w for w in words[i + 1:j] if not _frame(w) and w not in named]
            if len(content) >= 2 and any(w not in held for w in content):
                return asked[spans[i + 1][0]:spans[j - 1][1]]
    return None
