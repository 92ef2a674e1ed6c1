"""The ask of a long question told from its background sentences.

"Tôi là công chức Sở Nội vụ Quảng Nam. Năm nay tỉnh triển khai đề án nâng cao năng lực tham mưu CCHC.
Cho hỏi kinh phí lấy từ đâu?" asks one thing; the sentences before it say who asks and about which
document. Retrieval given the whole story matches the background ("công chức", "Sở Nội vụ") as much as
the ask. :func:`split_ask` finds the sentences that ask (a question mark, a question word, a request
verb) and gives retrieval those, with what the background names that picks the document kept as
context: provinces, years, document numbers and the document named by its kind ("đề án nâng cao
năng lực tham mưu CCHC").

It reads the question after :mod:`index.restore`, so question words typed without diacritics
("lay tu dau") are recognised in their toned form ("lấy từ đâu").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from corpus.text import fold, match_form
from corpus.vocab import DOC_KINDS, PLACES, TOPIC_STOP_WORDS, YEAR, places_in
from index.tokenize import specials

# a sentence ends at ? ! . ; before a space, or at a line break; not at the dot of "TP." (a dot inside "3.31"
# or "1601/QĐ-UBND.HC" has no space after it)
_SENTENCE_END = re.compile(r"[?!.;]+(?=\s)|\n")
_NOT_AN_END = re.compile(r"\b(?:tp|t\.p|tt|q|p|ts|ths|gs|pgs)\.$", re.IGNORECASE)
_ASKS = re.compile(
    r"\?|\b(?:gì|nào|bao nhiêu|bao giờ|bao lâu|mấy|đâu|ai|thế nào|ra sao|vì sao|tại sao|sao)\b"
    r"|\b(?:có|được|phải|hay|đã|chưa)\b.*\b(?:không|chưa)\s*[.!]?$"
    r"|^\s*(?:(?:xin|cho|nhờ|vui lòng|đề nghị|hãy)\s+)?(?:(?:anh chị|anh|chị|bạn)\s+)?(?:cho\s+)?(?:tôi\s+|em\s+|mình\s+)?"
    r"(?:hỏi|biết|nêu|liệt kê|giải thích|hướng dẫn|tra cứu|kể)\b"
    r"|\b(?:muốn|cần)\s+(?:hỏi|biết|tìm hiểu)\b", re.IGNORECASE)
_YEARS = re.compile(YEAR.pattern + r"(?:\s*[-–]\s*(?:19|20)\d{2})?\b")
_KINDS = "(?:" + "|".join(kind.name for kind in DOC_KINDS.values()) + ")"
# a document named by its kind: the kind and the words after it, up to a clause boundary (at most 10 syllables)
_DOCUMENT = re.compile(_KINDS + r"(?:\s+(?!(?:và|nhưng|thì|mà|nên|để|khi|do|vì|nay|này|đó|rồi)\b)[^\s,.;:?!()]+){0,10}",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Ask:
    """A question split into what it asks and its background.

    ``text`` is what retrieval and answering read: the asking sentences, then the context kept from
    the background in parentheses; the whole question when it has no background.
    """

    text: str
    ask: str
    background: tuple[str, ...] = ()
    context: tuple[str, ...] = ()


def sentences(text: str) -> list[str]:
    """The sentences of ``text``.

    Example:
        >>> sentences("Tôi ở TP. Hồ Chí Minh. Chỉ tiêu 3.31 là gì? Cảm ơn")
        ['Tôi ở TP. Hồ Chí Minh.', 'Chỉ tiêu 3.31 là gì?', 'Cảm ơn']
    """
    out, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if _NOT_AN_END.search(text[start:match.end()]):
            continue
        out.append(text[start:match.end()])
        start = match.end()
    out.append(text[start:])
    return [s.strip() for s in out if s.strip()]


def asks(sentence: str) -> bool:
    """Whether ``sentence`` asks something (a question mark, a question word, a request to tell).

    Example:
        >>> asks("Cho hỏi kinh phí lấy từ đâu"), asks("Tôi là công chức Sở Nội vụ."), asks("Đề án có áp dụng cho cấp xã không")
        (True, False, True)
        >>> asks("Nhờ anh chị cho biết thời gian thực hiện đề án"), asks("Xin anh cho tôi biết đơn vị chủ trì")
        (True, True)
    """
    return bool(_ASKS.search(sentence))


# the request that opens an ask after a background ("Xin hỏi", "Cho tôi hỏi:", "Nhờ anh chị cho biết"), matched
# folded: a question typed without diacritics may have it restored wrongly ("nho ánh chỉ cho biết")
_REQUEST = re.compile(r"^\s*(?:xin|cho|nho|vui long|de nghi)\s+(?:(?:anh chi|anh|chi|ban)\s+)?(?:cho\s+)?"
                      r"(?:toi\s+|em\s+|minh\s+)?(?:hoi|biet)\b\s*[:,]?\s*", re.IGNORECASE)


def without_request(ask: str) -> str:
    """The ask without the request that opens it, which says nothing of what is asked.

    Example:
        >>> without_request("Nhờ anh chị cho biết thời gian thực hiện đề án"), without_request("Cho hỏi: ai chủ trì?")
        ('thời gian thực hiện đề án', 'ai chủ trì?')
        >>> without_request("Xin hỏi"), without_request("Cho biết")
        ('Xin hỏi', 'Cho biết')
    """
    match = _REQUEST.match(fold(ask))  # fold keeps the length of NFC text: one letter for one letter
    rest = ask[match.end():] if match else ask
    return rest if rest.strip(" ?.!") else ask


WRITTEN_SHARE = 0.5  # a document named in the background is kept when the corpus writes this share of its phrase


def _subject(mention: str) -> str:
    """A document mention without its kind: "đề án nâng cao năng lực" → "nâng cao năng lực"."""
    return re.sub(r"^" + _KINDS + r"\s*", "", mention, flags=re.IGNORECASE)


def background_context(background: list[str], ask: str,
                       written: Callable[[str], float | None] | None = None) -> list[str]:
    """What the background names that the ask does not: documents by kind, provinces, years, numbers.

    ``written`` (the share of a phrase's neighbouring syllable pairs the corpus writes, None for a phrase of
    one syllable: :meth:`index.restore.SyllableStats.written`) tells a document of the corpus ("đề án nâng
    cao năng lực tham mưu") from one the asker is writing ("báo cáo sơ kết sáu tháng đầu năm", "kế hoạch
    năm tới"): a mention whose subject the corpus writes less than ``WRITTEN_SHARE`` of is not kept."""
    seen = fold(match_form(ask))
    found: list[str] = []

    def keep(item: str) -> None:
        item = item.strip(" ,.;:")
        key = fold(match_form(item))
        if item and key not in seen and not any(key in fold(match_form(f)) for f in found):
            found[:] = [f for f in found if fold(match_form(f)) not in key]  # a longer mention replaces a shorter
            found.append(item)

    def names_one(subject: str) -> bool:
        # a bare kind ("văn bản", "báo cáo", "văn bản của tỉnh") names no document of the corpus
        return len([w for w in re.findall(r"\w+", fold(match_form(subject))) if w not in TOPIC_STOP_WORDS]) >= 2

    for sentence in background:
        for match in _DOCUMENT.finditer(sentence):
            if not names_one(_subject(match.group(0))):
                continue
            share = written(_subject(match.group(0))) if written is not None else None
            if share is None or share >= WRITTEN_SHARE:
                keep(match.group(0))
        for key in places_in(sentence):
            keep(PLACES[key])
        for match in _YEARS.finditer(sentence):
            keep(match.group(0))
        for token in specials(match_form(sentence)):
            if "/" in token or "-" in token:
                keep(token.upper())
    return found


def split_ask(text: str, written: Callable[[str], float | None] | None = None) -> Ask:
    """The ask of ``text`` and its background; a question of one sentence, or one whose every sentence
    asks (or none does), is its own ask. The ask set apart from a background loses the request that
    opens it (:func:`without_request`). ``written``: see :func:`background_context`.

    Example:
        >>> a = split_ask("Tôi là công chức ở Quảng Nam. Tỉnh đang triển khai đề án nâng cao năng lực CCHC. "
        ...               "Cho hỏi kinh phí lấy từ đâu?")
        >>> a.ask, a.context
        ('kinh phí lấy từ đâu?', ('Quảng Nam', 'đề án nâng cao năng lực CCHC'))
        >>> a.text
        'kinh phí lấy từ đâu? (Quảng Nam; đề án nâng cao năng lực CCHC)'
    """
    parts = sentences(text)
    asking = [asks(s) for s in parts]
    if len(parts) < 2 or all(asking) or not any(asking):
        return Ask(text, text)
    ask = " ".join(without_request(s) for s, a in zip(parts, asking) if a)
    background = [s for s, a in zip(parts, asking) if not a]
    context = background_context(background, ask, written)
    searched = f"{ask} ({'; '.join(context)})" if context else ask
    return Ask(searched, ask, tuple(background), tuple(context))
