"""A question analysed once: its normal forms, tokens, and the entities and kinds it asks about.

Search, abstention and answer composition all read the same :class:`Query`, so the question is
validated, folded and tokenized exactly once on its way through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import InvalidQuery
from corpus.text import fold, match_form, nfc
from corpus.vocab import ABBREVIATIONS, places_in
from corpus.vocab import ASKS_COUNT, QUESTION_KINDS
from corpus.vocab import YEAR as _YEAR
from index.abbreviations import spell_out
from index.ask import split_ask
from index.restore import SyllableStats
from index.tokenize import Tokens, expand_text, tokenize

KINDS = ("source", "basis", "link", "number", "agency", "date", "list", "general")

_NUMBER = re.compile(r"\b\d{2,5}\b")


def question_kinds(question: str) -> list[str]:
    """Every kind the question asks for, most specific first ("ai chủ trì, bao giờ xong" → agency, date).

    Example:
        >>> question_kinds("Cơ quan nào chủ trì việc số hóa kết quả TTHC?"), question_kinds("han chot nop ke hoach")
        (['agency'], ['date'])
    """
    return _kinds(fold(match_form(question)))


def _kinds(folded: str) -> list[str]:
    kinds = [kind for kind, pattern in QUESTION_KINDS if re.search(pattern, folded)]
    if "date" in kinds and "number" in kinds and not ASKS_COUNT.search(folded):
        kinds.remove("number")  # "quý mấy", "mấy tháng" ask for a time, not a count
    return kinds or ["general"]


@dataclass(frozen=True)
class Query:
    """One question, analysed.

    ``text`` is the question as asked (NFC, single spaces), shown and logged; ``searched`` what
    retrieval and answering read: its diacritics restored and its typos put right from the version's
    syllable statistics (:mod:`index.restore`), of a long question only the ask with the entities of
    its background (:mod:`index.ask`), the abbreviations the corpus defines spelt out
    (:mod:`index.abbreviations`). Every other field is derived from ``searched``:
    ``folded`` its matching form without diacritics; ``tokens`` both lexical fields; ``expanded`` the
    text given to the embedding model.
    """

    text: str
    folded: str
    tokens: Tokens
    expanded: str
    years: tuple[str, ...]
    numbers: tuple[str, ...]  # 2–5 digit numbers: document numbers, years, counts
    places: tuple[str, ...]  # folded province names the question names ("quang nam")
    kinds: tuple[str, ...]
    expanded_folded: str = ""  # ``expanded`` folded: abbreviations spelt out ("TTr" → "to trinh"), no diacritics
    searched: str = ""  # the restored ask ("" read as ``text``)

    @property
    def kind(self) -> str:
        return self.kinds[0]


# the abbreviations of the built-in table that are one word and no Vietnamese syllable ("cchc", "kh", "qđ"): typed
# in lower case in a chat, they are still the abbreviation
_SYLLABLE = re.compile(r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?[aeiouy]+(?:ch|ng|nh|[cmnpt])?")
_LOWER_ABBREVIATIONS = re.compile(r"(?<![\w-])(" + "|".join(sorted(
    (re.escape(k) for k in ABBREVIATIONS if re.fullmatch(r"[^\W\d_]+", k) and not _SYLLABLE.fullmatch(fold(k))),
    key=len, reverse=True)) + r")(?![\w-])")


def capitalise_abbreviations(text: str) -> str:
    """``text`` with the built-in abbreviations typed in lower case put in capitals, so that they are spelt out
    like the capitalised ones ("kh cchc 2022" → "KH CCHC 2022").

    Example:
        >>> capitalise_abbreviations("ke hoach cchc cua ubnd, ty le cbccvc; khoa hoc")
        'ke hoach CCHC cua UBND, ty le CBCCVC; khoa hoc'
    """
    return _LOWER_ABBREVIATIONS.sub(lambda m: m.group(1).upper(), text)


def analyse(question: str | Query, max_chars: int | None = None, syllables: SyllableStats | None = None, *,
            background: bool = True) -> Query:
    """Validate and analyse ``question`` (a :class:`Query` is returned as it is: analysed once), its
    diacritics restored from ``syllables`` (the statistics of the snapshot answering it; None: as typed)
    and, with ``background``, its background sentences set apart from the ask.

    Raises:
        InvalidQuery: empty, or longer than ``max_chars``.

    Example:
        >>> q = analyse("Kế hoạch CCHC năm 2025 của Quảng Nam, ai chủ trì?")
        >>> q.years, q.places, q.kinds
        (('2025',), ('quang nam',), ('agency',))
    """
    if isinstance(question, Query):
        return question
    text = " ".join(nfc(question or "").split())
    if not text:
        raise InvalidQuery("câu hỏi trống; hãy nhập nội dung cần tra cứu", code="empty_question")
    if max_chars is not None and len(text) > max_chars:
        raise InvalidQuery(f"câu hỏi dài {len(text)} ký tự, vượt giới hạn {max_chars} ký tự", code="question_too_long")
    text_typed = capitalise_abbreviations(text)
    restored = syllables.restore(text_typed).text if syllables is not None else text_typed
    searched = split_ask(restored, syllables.written if syllables is not None else None).text if background \
        else restored
    if syllables is not None:
        searched = spell_out(searched, syllables.abbreviations)  # "TTPVHCC (trung tâm phục vụ hành chính công)"
    folded = fold(match_form(searched))
    expanded = expand_text(searched)
    return Query(text=text, folded=folded, tokens=tokenize(searched), expanded=expanded, searched=searched,
                 years=tuple(dict.fromkeys(_YEAR.findall(folded))),
                 numbers=tuple(dict.fromkeys(_NUMBER.findall(folded))),
                 places=places_in(folded),
                 kinds=tuple(_kinds(folded)), expanded_folded=fold(match_form(expanded)))
