"""Quiz items from the units that hold a checkable fact. Pure functions; no I/O.

Three kinds of fact an officer must know, each with distractors from sibling units of the same document and kind:

- a target ("đạt trên 85%"): a cloze, the other percentages of the same plan as distractors;
- a lead agency (a table row's "Cơ quan chủ trì"): the other lead agencies of the same table;
- a deadline (a table row's "Thời gian hoàn thành"): the other deadlines of the same sort (other quarters, years).

The numbers of the documents a text names (its "Căn cứ", the decisions it carries out) are not asked: which legal
basis bears which number is not what an officer needs. A question is short (at most ``MAX_STEM_CHARS``): the task
or the clause whole, then the document named briefly ("Kế hoạch CCHC năm 2025, Quảng Nam"); the full citation
comes with the answer. A true/false statement is never cut: one that would not fit is not made.

The correct option is always copied verbatim from the unit. An item is dropped when one of the candidate distractors
is also true in the same document (the same context holds it elsewhere, or a row with the same task names it), and a
distractor that overlaps the answer ("Sở Nội vụ" against "Sở Nội vụ; Sở Tài chính", "Quý I" against "Quý I, II") is
never offered.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from dataclasses import dataclass

from corpus.text import UPPER, fold, match_form
from corpus.vocab import AT_LEAST as _AT_LEAST
from corpus.vocab import AT_MOST as _AT_MOST
from corpus.vocab import DEPARTMENT_ABBREVIATIONS as _ABBREVIATIONS
from hoidap.catalog import brief
from hoidap.quiz.model import TRUE_FALSE, QuizItem, SourceUnit

log = logging.getLogger(__name__)

__all__ = ["Fact", "facts", "generate", "select"]

PERCENT = re.compile(r"(?<![\d.,])\d+(?:[.,]\d+)?\s?%")
# "số 468/QĐ-TTg", "số 107/2020/NĐ-CP", "số 16-NQ/TU": the digits before the first separator are blanked
DOCNUMBER = re.compile(r"(?<=số )(\d{1,5})(?=(?:/\d{4})?[/-]\s?[A-ZĐ][\wĐđ&]*(?:\s?[-/]\s?[A-ZĐ][\wĐđ&]*)*)")
FIELD = re.compile(r"(?:^|(?<=; ))([A-ZĐ][^:;]{1,45}): ")
_HEADER_WORDS = ("nội dung", "chủ trì", "phối hợp", "thời gian", "nhiệm vụ", "sản phẩm", "kinh phí", "tên đề án", "hoạt động")
_TASK_HEADERS = ("nội dung", "hoạt động", "nhiệm vụ", "tên đề án")
_QUARTER = re.compile(r"[Qq]uý\s+([IV]+(?:\s*,\s*[IV]+)*)(?:\s*/\s*(\d{4}))?")
_YEARS = re.compile(r"\b(?:19|20)\d{2}\b")
_FREQUENCY = re.compile(r"h[aă]ng (?:nam|quy|thang)|thuong xuyen|dinh ky")
MAX_OPTION_CHARS = 90
MAX_TASK_CHARS = 130
MAX_STEM_CHARS = 200
BLANK = "____"
WINDOW = 28  # characters of context either side of a value when looking for it elsewhere in the document


@dataclass(frozen=True)
class Fact:
    """A checkable fact of one unit: ``text`` is ``unit.text[start:start + len(text)]``."""

    unit: SourceUnit
    kind: str  # percent, docnumber, agency, deadline
    text: str
    start: int
    subject: str = ""  # the task a table-row fact is about
    header: str = ""  # the table column it comes from

    @property
    def key(self) -> str:
        return compare_key(self.text)


def compare_key(text: str) -> str:
    """How two values are compared: folded, one name for the provincial People's Committee, no spacing.

    Example:
        >>> compare_key("Uỷ ban nhân dân  tỉnh") == compare_key("UBND Tỉnh")
        True
    """
    folded = fold(match_form(text)).lower()
    folded = re.sub(r"uy ban nhan dan", "ubnd", folded)
    folded = re.sub(r"\bhang\b", "hang", folded)
    return re.sub(r"[\s.]+", " ", folded).strip(" ;,.")


def _parts(text: str) -> set[str]:
    """The agencies of a list ("Sở Nội vụ; Sở Tài chính, UBND cấp huyện")."""
    return {compare_key(p) for p in re.split(r"[;,]\s*|\svà\s", text) if p.strip()}


# --- facts ---------------------------------------------------------------------------------------


def fields(text: str) -> list[tuple[str, str, int]]:
    """A table row's (header, value, start of value), only for known column headers.

    Example:
        >>> [(h, v) for h, v, _ in fields("Nhiệm vụ: Rà soát; Cơ quan chủ trì: Sở Nội vụ; Sở Tư pháp; Thời gian: 2022")]
        [('Nhiệm vụ', 'Rà soát'), ('Cơ quan chủ trì', 'Sở Nội vụ; Sở Tư pháp'), ('Thời gian', '2022')]
    """
    heads = [m for m in FIELD.finditer(text) if any(w in m.group(1).lower() for w in _HEADER_WORDS)]
    out = []
    for i, m in enumerate(heads):
        end = heads[i + 1].start() - 2 if i + 1 < len(heads) else len(text)
        value = text[m.end():end].rstrip(" ;.")
        out.append((m.group(1), value, m.end()))
    return out


def facts(unit: SourceUnit) -> list[Fact]:
    """The checkable facts of a unit."""
    out: list[Fact] = []
    row = fields(unit.text) if unit.kind == "table_row" else []
    if row:
        tasks = [(h, v) for h, v, _ in row if any(w in h.lower() for w in _TASK_HEADERS)]
        # the most specific task: "Nội dung thực hiện"; else an activity rather than the task it belongs to (where a
        # "Nội dung" column exists, "Hoạt động/sản phẩm" holds the product, not the task)
        content = next((v for h, v in tasks if "nội dung" in h.lower()), None)
        activity = next((v for h, v in tasks if "hoạt động" in h.lower()), None)
        subject = content or activity or (tasks[0][1] if tasks else "")
        for header, value, start in row:
            low = header.lower()
            if not value or len(value) > MAX_OPTION_CHARS or not subject:
                continue
            if "chủ trì" in low:
                if re.match(r"Sở\s*:", value):  # "Sở: TNMT, Xây dựng, Y tế": a list no option can be told from
                    continue
                out.append(Fact(unit, "agency", value, start, subject, header))
            elif low.startswith(("thời gian", "thời hạn")):
                out.append(Fact(unit, "deadline", value, start, subject, header))
        return out
    for m in PERCENT.finditer(unit.text):
        out.append(Fact(unit, "percent", m.group(0), m.start()))
    return out  # document numbers (DOCNUMBER) are the legal bases' numbers: not asked


# --- distractors ---------------------------------------------------------------------------------


def _percent_value(text: str) -> float:
    return float(re.sub(r"[^\d.,]", "", text).replace(",", "."))


def _deadline_sort(text: str) -> str:
    folded = compare_key(text)
    if _QUARTER.search(text):
        return "quarter"
    if _FREQUENCY.search(folded):
        return "frequency"
    if _YEARS.search(text) and re.fullmatch(r"[\d\s\-–,/]*(?:nam|năm)?[\d\s\-–,/]*", folded):
        return "year"
    return "other"


def _quarters(text: str) -> tuple[set[str], str]:
    m = _QUARTER.search(text)
    return ({q.strip() for q in m.group(1).split(",")}, m.group(2) or "") if m else (set(), "")


def _year_span(text: str) -> tuple[int, int]:
    years = [int(y) for y in _YEARS.findall(text)]
    return (min(years), max(years)) if years else (0, 0)


def overlaps(kind: str, a: str, b: str) -> bool:
    """Whether ``b`` could also be read as right when ``a`` is: then it is not offered as a distractor.

    Example:
        >>> overlaps("deadline", "Quý I/2022", "Quý I, II/2022"), overlaps("deadline", "Quý I/2022", "Quý III/2022")
        (True, False)
        >>> overlaps("agency", "Sở Nội vụ", "Sở Nội vụ; Sở Tài chính"), overlaps("percent", "80%", "80 %")
        (True, True)
    """
    ka, kb = compare_key(a), compare_key(b)
    if ka == kb:
        return True
    if kind == "agency":
        return ka in kb or kb in ka or bool(_parts(a) & _parts(b))
    if kind == "percent":
        return _percent_value(a) == _percent_value(b)
    if kind == "deadline":
        sort = _deadline_sort(a)
        if sort != _deadline_sort(b):
            return True  # "2022" against "Quý I": both may hold
        if sort == "quarter":
            (qa, ya), (qb, yb) = _quarters(a), _quarters(b)
            return bool(qa & qb) and (ya == yb or not ya or not yb)
        if sort == "year":
            (a0, a1), (b0, b1) = _year_span(a), _year_span(b)
            return a0 <= b1 and b0 <= a1
        if sort == "frequency":
            fa, fb = set(_FREQUENCY.findall(ka)), set(_FREQUENCY.findall(kb))
            loose = {"thuong xuyen", "dinh ky"}  # "regularly" covers any period
            return bool(fa & fb or fa & loose or fb & loose or set(_YEARS.findall(a)) & set(_YEARS.findall(b)))
        return ka in kb or kb in ka
    return False


def distractor_pool(fact: Fact, siblings: list[Fact]) -> list[str]:
    """Distinct values of the same kind elsewhere in the document that do not overlap the answer."""
    out: list[str] = []
    for other in siblings:
        if other.kind != fact.kind or overlaps(fact.kind, fact.text, other.text):
            continue
        if any(overlaps(fact.kind, seen, other.text) for seen in out):
            continue
        out.append(other.text)
    return out


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    """The words around ``text[start:end]`` (at most ``WINDOW`` characters each side, whole words)."""
    left = text[max(0, start - WINDOW):start]
    right = text[end:end + WINDOW]
    if start - WINDOW > 0 and " " in left:
        left = left[left.index(" ") + 1:]
    if end + WINDOW < len(text) and " " in right:
        right = right[:right.rindex(" ")]
    return left, right


def also_true(fact: Fact, value: str, doc_facts: list[Fact], doc_text: str) -> bool:
    """Whether the document also states ``value`` where ``fact`` stands: then an item would be ambiguous.

    A cloze: the same words around it, with ``value`` in the blank, occur in the document. A table fact: a row
    about the same task gives ``value`` in the same column.
    """
    if fact.kind in ("agency", "deadline"):
        subject = compare_key(fact.subject)
        return any(other.kind == fact.kind and compare_key(other.subject) == subject
                   and overlaps(fact.kind, value, other.text) for other in doc_facts if other is not fact)
    left, right = _context(fact.unit.text, fact.start, fact.start + len(fact.text))
    return compare_key(left + value + right) in doc_text


# --- items ---------------------------------------------------------------------------------------


def _item_id(fact: Fact, kind: str) -> str:
    raw = "\x1f".join([fact.unit.id, fact.kind, str(fact.start), fact.text, kind])
    return "q" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:15]


def _task(text: str) -> str | None:
    """The task as a question names it: whole, or its first sentence when that is whole and short; None when
    neither fits (the item is not made rather than cut)."""
    text = text.strip().strip("“”\"").strip()
    if len(text) <= MAX_TASK_CHARS:
        return text.rstrip(".;")
    first = re.split(r"(?<=[.;:])\s+|\s+\(", text, maxsplit=1)[0].rstrip(".;:")
    return first if 20 <= len(first) <= MAX_TASK_CHARS else None


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence or ";"-clause holding ``text[start:end]``, widened when it is too short to read alone."""
    bounds = [0] + [m.end() for m in re.finditer(r";\s+|(?<=[.!?])\s+(?=[" + UPPER + r"-])|\n+", text)] + [len(text)]
    lo = max(b for b in bounds if b <= start)
    hi = min(b for b in bounds if b >= end)
    while hi - lo < 70 and (lo > 0 or hi < len(text)):
        lo = max([b for b in bounds if b < lo], default=lo) if lo > 0 else lo
        hi = min([b for b in bounds if b > hi], default=hi) if hi - lo < 70 and hi < len(text) else hi
        if lo == 0 and hi == len(text):
            break
    return lo, hi


SIDE_CHARS = 60  # of a cloze's clause either side of the blank


def _snippet(text: str, start: int, end: int, fill: str, *, whole: bool = False) -> str | None:
    """The clause holding ``text[start:end]`` with ``fill`` in its place: cut to ``SIDE_CHARS`` either side with
    "…" (a cloze), or whole (``whole``: None when it is longer)."""
    lo, hi = _clause(text, start, end)
    before, after = text[lo:start], text[end:hi]
    if whole and len(before) + len(after) > MAX_STEM_CHARS:
        return None
    if len(before) > SIDE_CHARS and not whole:
        before = "…" + before[-SIDE_CHARS:].split(" ", 1)[-1]
    if len(after) > SIDE_CHARS and not whole:
        after = after[:SIDE_CHARS].rsplit(" ", 1)[0] + "…"
    before = re.sub(r"^(?:[-+•]\s*|[a-zđ]\)\s+)", "", before)
    return (before + fill + after).strip().rstrip(";,")


def _fits(stem: str | None) -> str | None:
    return stem if stem and len(stem) <= MAX_STEM_CHARS else None


def _questions(fact: Fact, where: str, fill: str) -> str | None:
    """A multiple-choice stem, or None when it would not be short."""
    task = _task(fact.subject) if fact.kind in ("agency", "deadline") else None
    if fact.kind == "agency":
        return _fits(task and f"Cơ quan nào chủ trì nhiệm vụ “{task}”? (Theo {where})")
    if fact.kind == "deadline":
        return _fits(task and f"Nhiệm vụ “{task}” {_deadline_verb(fact)} vào thời gian nào? (Theo {where})")
    clause = _in_context(fact, fill)
    return _fits(clause and f"Điền vào chỗ trống: “{clause}” (Theo {where})")


def _statement(fact: Fact, where: str, value: str) -> str | None:
    """A true/false statement, whole, or None when it would not be short."""
    task = _task(fact.subject) if fact.kind in ("agency", "deadline") else None
    if fact.kind == "agency":
        return _fits(task and f"Nhiệm vụ “{task}” do {value} chủ trì. Đúng hay sai? (Theo {where})")
    if fact.kind == "deadline":
        return _fits(task and f"Nhiệm vụ “{task}” {_deadline_verb(fact)} vào: {value}. Đúng hay sai? (Theo {where})")
    clause = _in_context(fact, value, whole=True)
    return _fits(clause and f"“{clause}”. Đúng hay sai? (Theo {where})")


def _deadline_verb(fact: Fact) -> str:
    """What the table's time column says of a task: a deadline ("hoàn thành") or a period of work."""
    return "phải hoàn thành" if "hoàn thành" in fact.header.lower() else "được thực hiện"


def _in_context(fact: Fact, value: str, *, whole: bool = False) -> str | None:
    """The fact's clause with ``value`` in the fact's place (a blank, or the value a statement claims)."""
    return _snippet(fact.unit.text, fact.start, fact.start + len(fact.text), value, whole=whole)


def _nearest(fact: Fact, pool: list[str], n: int, siblings: dict[str, str] | None = None) -> list[str]:
    """``n`` distractors, deterministic: the closest percentages; numbers of documents of the same type and
    length first; else the pool's order from the fact's seed."""
    if fact.kind == "percent":
        target = _percent_value(fact.text)
        return sorted(pool, key=lambda p: (abs(_percent_value(p) - target), p))[:n]
    if fact.kind == "docnumber" and siblings is not None:
        # as many digits as the answer first (a lone 4-digit option gives itself away), then the same type
        return sorted(pool, key=lambda p: (abs(len(p) - len(fact.text)), siblings.get(p) != fact.subject, p))[:n]
    seed = int(hashlib.sha256(f"{fact.unit.id}{fact.start}".encode()).hexdigest(), 16)
    rotated = pool[seed % len(pool):] + pool[:seed % len(pool)] if pool else []
    return rotated[:n]


def named_in_task(fact: Fact) -> bool:
    """Whether the task gives its lead department away: "dịch vụ y tế công" for Sở Y tế, "Bộ Nội vụ" for Sở Nội vụ."""
    if fact.kind != "agency" or not fact.text.startswith("Sở "):
        return False
    subject = fact.subject
    for short, full in _ABBREVIATIONS.items():
        subject = subject.replace(short, full)
    subject = compare_key(subject)
    parts = re.split(r",\s*|\s+và\s+", fact.text[3:].split(";")[0])  # "Văn hóa, Thể thao và Du lịch"
    names = {compare_key(p) for p in parts} | {compare_key(" ".join(p.split()[:2])) for p in parts}  # "Văn hóa TT&DL"
    return any(name and re.search(rf"\b{re.escape(name)}\b", subject) for name in names)






def _not_implied(fact: Fact, pool: list[str]) -> list[str]:
    """Distractors that make a statement false: under "trên 95%" a lower share would still be true."""
    if fact.kind != "percent":
        return pool
    before, after = fact.unit.text[:fact.start], fact.unit.text[fact.start + len(fact.text):]
    value = _percent_value(fact.text)
    if _AT_LEAST.search(before) or re.match(r"\s*trở lên", after):
        return [p for p in pool if _percent_value(p) > value]
    if _AT_MOST.search(before) or re.match(r"\s*trở xuống", after):
        return [p for p in pool if _percent_value(p) < value]
    return pool


def items_for(fact: Fact, doc_facts: list[Fact], doc_text: str, citation: str) -> list[QuizItem]:
    """The multiple-choice and true/false items of one fact (none when it would be ambiguous)."""
    if fact.kind in ("agency", "deadline") and (fact.key in compare_key(fact.subject) or named_in_task(fact)):
        return []  # the task names its own lead or date: the question would answer itself
    pool = distractor_pool(fact, [f for f in doc_facts if f is not fact])
    if fact.kind == "percent" and re.search(r"(?:[Tt]rên|[Hh]ơn|[Vv]ượt)\s*$", fact.unit.text[:fact.start]):
        pool = [p for p in pool if _percent_value(p) < 100]  # "trên 100%" gives itself away
    if fact.kind in ("percent", "docnumber"):  # a distractor shown in the question would confuse or give away
        shown = _snippet(fact.unit.text, fact.start, fact.start + len(fact.text), BLANK) or ""
        pool = [p for p in pool if not re.search(rf"(?<![\d.,]){re.escape(p)}(?![\d])", shown)]
    types = {f.text: f.subject for f in doc_facts if f.kind == "docnumber"}
    if not pool:
        return []
    if any(also_true(fact, value, doc_facts, doc_text) for value in pool):
        log.info("dropped %s fact %r of %s: a distractor is also true in the document", fact.kind, fact.text,
                 fact.unit.id)
        return []
    where = brief(citation)
    common = dict(unit_id=fact.unit.id, doc_id=fact.unit.doc_id, citation=f"{citation}, {fact.unit.label}",
                  label=fact.unit.label, unit_text=fact.unit.text, fact=fact.text, fact_kind=fact.kind)
    out = []
    stem = _questions(fact, where, BLANK)
    if len(pool) >= 3 and stem:
        chosen = _nearest(fact, pool, 3, types)
        seed = int(hashlib.sha256(_item_id(fact, "mcq").encode()).hexdigest(), 16)
        position = seed % 4
        options = chosen[:position] + [fact.text] + chosen[position:]
        out.append(QuizItem(id=_item_id(fact, "mcq"), kind="mcq", question=stem,
                            options=options, answer_index=position, **common))
    tf_id = _item_id(fact, "truefalse")
    false_values = _not_implied(fact, pool)
    true_statement = int(tf_id[1:], 16) % 2 == 0 or not false_values
    value = fact.text if true_statement else _nearest(fact, false_values, 1, types)[0]
    statement = _statement(fact, where, value)
    if statement:
        out.append(QuizItem(id=tf_id, kind="truefalse", question=statement, options=list(TRUE_FALSE),
                            answer_index=0 if true_statement else 1, extra={"value": value}, **common))
    return out


def generate(docs: list[tuple[str, str, list[SourceUnit]]]) -> list[QuizItem]:
    """Every item the documents give: ``docs`` are (doc id, citation name, units in order).

    Items come out interleaved across documents and fact kinds, so the first N are a spread.
    """
    per_group: dict[tuple[str, str], list[QuizItem]] = defaultdict(list)
    for doc_id, citation, units in docs:
        doc_facts = [f for unit in units for f in facts(unit)]
        doc_text = "\n".join(compare_key(unit.text) for unit in units)
        seen_questions: set[str] = set()
        for fact in doc_facts:
            for item in items_for(fact, doc_facts, doc_text, citation):
                if item.question in seen_questions:  # the same sentence repeated in a plan and its appendix
                    continue
                seen_questions.add(item.question)
                per_group[(doc_id, item.fact_kind)].append(item)
    return _interleave(list(per_group.values()))


def _interleave(groups: list[list[QuizItem]]) -> list[QuizItem]:
    out: list[QuizItem] = []
    index = 0
    while any(index < len(g) for g in groups):
        out.extend(g[index] for g in groups if index < len(g))
        index += 1
    return out


def select(items: list[QuizItem], count: int | None) -> list[QuizItem]:
    """The first ``count`` items (all when None)."""
    return items if count is None else items[:max(0, count)]
