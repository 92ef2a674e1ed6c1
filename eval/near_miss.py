"""Near-miss out-of-scope questions made from answerable ones, each checked against the corpus.

A near miss keeps almost every word of a question the documents answer and changes the one thing
the answer hinges on, so that the documents no longer answer it:

- ``indicator``: another indicator the unit does not state ("lớp bồi dưỡng" → "lớp bồi dưỡng ngoại ngữ");
- ``year``: a year beyond the plan's horizon or a plan year the corpus does not hold;
- ``province``: another province;
- ``docnumber``: a document number no document has;
- ``task``: a task number that the named document's appendix does not have.

Every near miss is verified mechanically: the altered entity (the qualified indicator, the year, the
province, the number) appears in no unit of the corpus, or for a task number, no unit of the named
document carries it. A near miss that cannot be verified is dropped (logged), never kept on trust.

Example:
    >>> from corpus.model import Unit  # doctest: +SKIP
    >>> near_misses(question, CorpusView.from_store(store))  # doctest: +SKIP
    [NearMiss(id='q004~indicator', kind='indicator', question='… lớp bồi dưỡng ngoại ngữ …', ...)]
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field

from corpus.text import fold, match_form, unify_tones
from eval.abstain_data import COVERED_YEAR, OTHER_PROVINCES, swap_doc_number, swap_province
from eval.gold import GoldQuestion
from eval.styles import _words_pattern, has_diacritics

log = logging.getLogger(__name__)

KINDS = ("indicator", "year", "province", "docnumber", "task")

# an indicator head the questions name, and qualifiers that make it another indicator
INDICATORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("lớp bồi dưỡng", ("ngoại ngữ", "lý luận chính trị cao cấp", "quốc phòng an ninh")),
    ("lớp tập huấn", ("ngoại ngữ", "phòng cháy chữa cháy")),
    ("đoàn công tác", ("ra nước ngoài", "sang Nhật Bản")),
    ("đoàn", ("khảo sát tại Singapore", "sang Hàn Quốc")),
    ("hồ sơ", ("đất đai của doanh nghiệp FDI", "bị trả lại do sai sót")),
    ("dịch vụ công trực tuyến", ("có thu phí bằng ví điện tử",)),
    ("DVC trực tuyến", ("có thu phí bằng ví điện tử",)),
    ("thủ tục hành chính", ("về hộ tịch cho người nước ngoài", "lĩnh vực hải quan")),
    ("TTHC", ("lĩnh vực hải quan", "về hộ tịch cho người nước ngoài")),
    ("cán bộ, công chức", ("đã nghỉ hưu", "là người dân tộc thiểu số")),
    ("CBCC", ("đã nghỉ hưu", "là người dân tộc thiểu số")),
    ("CBCCVC", ("đã nghỉ hưu", "là người dân tộc thiểu số")),
    ("công chức", ("đã nghỉ hưu", "có bằng tiến sĩ")),
    ("người dân", ("cao tuổi sống ở vùng biên giới",)),
    ("doanh nghiệp", ("có vốn đầu tư nước ngoài",)),
    ("kinh phí", ("tiếp khách", "mua ô tô")),
    ("hội nghị", ("quốc tế",)),
    ("hội thảo", ("quốc tế",)),
    ("mức độ hài lòng", ("của khách du lịch nước ngoài",)),
    ("cơ quan hành chính", ("cấp thôn",)),
    ("phần mềm", ("kế toán",)),
    ("tài liệu", ("bằng tiếng Anh",)),
    ("chương trình", ("bằng tiếng Anh",)),
)
# years tried, in order, beyond a covered year
LATER_YEARS = tuple(str(y) for y in range(2023, 2041))
TASK_ASKS = ("do cơ quan nào chủ trì", "có sản phẩm là gì", "phải hoàn thành khi nào", "do cơ quan nào phối hợp")


@dataclass(frozen=True)
class NearMiss:
    """An out-of-scope question made from an answerable one; ``altered`` is the entity changed."""

    id: str  # "<source id>~<kind>"
    source: str
    kind: str
    question: str
    altered: str


@dataclass
class CorpusView:
    """What the checks read: every unit's match form per document, its labels, document metadata."""

    texts: dict[str, list[str]]  # doc_id → match_form of each unit
    labels: dict[str, list[str]]  # doc_id → unit labels ("Phụ lục I, nhiệm vụ 3.21")
    docs: dict[str, dict] = field(default_factory=dict)  # doc_id → metadata (province, year, title, type)

    @classmethod
    def from_store(cls, store) -> "CorpusView":
        texts: dict[str, list[str]] = {}
        labels: dict[str, list[str]] = {}
        for unit in store.units():
            texts.setdefault(unit.doc_id, []).append(match_form(unit.text))
            labels.setdefault(unit.doc_id, []).append(unit.label)
        return cls(texts, labels, {d["id"]: d for d in store.list_documents()})

    def __post_init__(self) -> None:
        self._folded = {d: [fold(t) for t in texts] for d, texts in self.texts.items()}

    def mentions(self, phrase: str, doc_id: str | None = None) -> bool:
        """Whether any unit (of ``doc_id``, or of any document) holds ``phrase``, diacritics or not."""
        folded = fold(match_form(phrase))
        docs = [doc_id] if doc_id else list(self._folded)
        return any(folded in text for d in docs for text in self._folded.get(d, []))


def _pick(options, key: str):
    return options[int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % len(options)]


def _styled(text: str, question: str) -> str:
    return fold(text).lower() if not has_diacritics(question) else text


def indicator(question: GoldQuestion, corpus: CorpusView) -> tuple[str, str] | None:
    """The question with its indicator qualified into one no unit states: (question, altered phrase)."""
    plain = not has_diacritics(question.question)
    for head, qualifiers in INDICATORS:
        form = fold(head).lower() if plain else head
        pattern = re.compile(_words_pattern(form), re.IGNORECASE)
        for offset in range(len(qualifiers)):
            qualifier = qualifiers[(offset + int(hashlib.sha256(question.id.encode()).hexdigest()[:4], 16))
                                   % len(qualifiers)]
            altered = f"{head} {qualifier}"
            if corpus.mentions(qualifier) or corpus.mentions(altered):
                continue
            first = pattern.search(unify_tones(question.question))
            if first is None:  # the question's own tone placement differs from its unified form's length
                continue
            at = first.end()
            new = f"{question.question[:at]} {_styled(qualifier, question.question)}{question.question[at:]}"
            if new != question.question:
                return new, altered
    return None


def year(question: GoldQuestion, corpus: CorpusView) -> tuple[str, str] | None:
    """The question's latest covered year moved beyond it, to a year no unit of the corpus holds."""
    found = [m.group(1) for m in COVERED_YEAR.finditer(question.question)]
    if not found:
        return None
    last = max(found)
    later = [y for y in LATER_YEARS if y > last and not corpus.mentions(y)]
    if not later:
        return None
    new_year = later[int(hashlib.sha256(f"year:{question.id}".encode()).hexdigest()[:4], 16) % min(3, len(later))]
    return re.sub(rf"(?<![\d/.]){last}(?![\d/])", new_year, question.question), new_year


def province(question: GoldQuestion, corpus: CorpusView) -> tuple[str, str] | None:
    """The question's one corpus province replaced by a province no unit mentions."""
    swapped = swap_province(question.question, question.id)
    if not swapped:
        return None
    new = [p for p in OTHER_PROVINCES if fold(p).lower() in fold(swapped).lower()]
    if len(new) != 1 or corpus.mentions(new[0]):
        return None
    return swapped, new[0]


def docnumber(question: GoldQuestion, corpus: CorpusView, known: set[str]) -> tuple[str, str] | None:
    """The question's document number replaced by one no document issues or cites."""
    swapped = swap_doc_number(question.question, question.id, known)
    if not swapped:
        return None
    number = next(iter(set(re.findall(r"\d{3,5}", swapped)) - set(re.findall(r"\d{3,5}", question.question))), None)
    if number is None or any(re.search(rf"(?<!\d){number}(?!\d)", t) for texts in corpus.texts.values() for t in texts):
        return None
    return swapped, number


_TASK_LABEL = re.compile(r"nhiệm vụ (\d+(?:\.\d+)?)$")


def task(question: GoldQuestion, corpus: CorpusView) -> tuple[str, str] | None:
    """A task number the appendix of the question's document does not have, asked the way the
    appendix questions ask (lead agency, product, deadline, partners)."""
    if question.doc_id not in corpus.labels:
        return None
    numbers = [m.group(1) for label in corpus.labels[question.doc_id] if (m := _TASK_LABEL.search(label))]
    if not numbers or "appendix" not in question.tags:
        return None
    dotted = [n for n in numbers if "." in n]
    if dotted:
        major = max(int(n.split(".")[0]) for n in dotted)
        minor = max(int(n.split(".")[1]) for n in numbers if n.startswith(f"{major}."))
        new = f"{major}.{minor + 3 + int(hashlib.sha256(question.id.encode()).hexdigest()[:2], 16) % 5}"
    else:
        new = str(max(map(int, numbers)) + 2 + int(hashlib.sha256(question.id.encode()).hexdigest()[:2], 16) % 4)
    if new in numbers or any(re.search(rf"(?:nhiệm vụ|nhiệm vụ cụ thể|^)\s*{re.escape(new)}\b", t)
                             for t in corpus.texts[question.doc_id]):
        return None
    meta = corpus.docs.get(question.doc_id, {})
    title = re.sub(r"^Ban hành\s+|[“”\"]", "", meta.get("title") or "văn bản").strip()
    title = " ".join(title.split()[:14])
    where = f"{title[:1].lower()}{title[1:]} của tỉnh {meta['province']}" if meta.get("province") else title
    text = f"Nhiệm vụ {new} trong phụ lục {where} {_pick(TASK_ASKS, f'task:{question.id}')}?"
    return _styled(text, question.question), new


def near_misses(question: GoldQuestion, corpus: CorpusView, known_numbers: set[str],
                kinds: tuple[str, ...] = KINDS) -> list[NearMiss]:
    """Every verified near miss of one answerable question (none for an out-of-scope one)."""
    if question.out_of_scope:
        return []
    makers = {"indicator": lambda: indicator(question, corpus), "year": lambda: year(question, corpus),
              "province": lambda: province(question, corpus),
              "docnumber": lambda: docnumber(question, corpus, known_numbers), "task": lambda: task(question, corpus)}
    out = []
    for kind in kinds:
        made = makers[kind]()
        if made is None:
            continue
        text, altered = made
        if text == question.question:
            log.info("near miss %s of %s left the question unchanged; dropped", kind, question.id)
            continue
        out.append(NearMiss(f"{question.id}~{kind}", question.id, kind, text, altered))
    return out
