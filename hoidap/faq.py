"""Curated answers (FAQ): when a new question is a close paraphrase of one an expert answered.

Trust comes first, so the match is deliberately narrow: a FAQ answer is shown only when the question
names the same numbers (years, document numbers, percentages), asks for the same kind of fact, and
uses the same content words as the curated question, give or take two ("có cần … không" and "có yêu
cầu … không" match; "tập huấn tiếng Anh" and "tập huấn tin học" do not). Filler words and diacritics
do not count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.text import fold, match_form
from corpus.vocab import FAQ_FILLER as FILLER
from index.query import Query, question_kinds

MIN_JACCARD = 0.8  # shared content words over all content words of the two questions
MAX_DIFFERENT = 2  # content words in one question and not the other

_WORD = re.compile(r"[a-z0-9%]+(?:[./-][a-z0-9]+)*")
_NUMBER = re.compile(r"\d")


@dataclass(frozen=True)
class Signature:
    """What two questions must share to be paraphrases: content words, numbers, kinds of fact asked."""

    words: frozenset[str]
    numbers: frozenset[str]
    kinds: tuple[str, ...]


def signature(question: str | Query) -> Signature:
    """The matching signature of ``question`` (an analysed :class:`Query` is read, not analysed again).

    A final "không" is the yes/no particle ("có … không?") and dropped; anywhere else it negates and counts.

    Example:
        >>> s = signature("Cho tôi hỏi: Đề án 1601 có cần tập huấn tiếng Anh không ạ?")
        >>> sorted(s.words), sorted(s.numbers)
        (['1601', 'an', 'can', 'co', 'de', 'huan', 'tap', 'tieng'], ['1601'])
    """
    analysed = question if isinstance(question, Query) else None
    words = _WORD.findall(analysed.folded if analysed else fold(match_form(question)))
    while words and words[-1] in FILLER | {"khong", "chua"}:
        words.pop()  # trailing particles: "… không ạ?", "… chưa?"
    content = frozenset(w for w in words if w not in FILLER)
    numbers = frozenset(w for w in content if _NUMBER.search(w))
    return Signature(content, numbers, analysed.kinds if analysed else tuple(question_kinds(question)))


def similarity(a: Signature, b: Signature) -> float:
    """Jaccard of content words when ``a`` and ``b`` may be paraphrases, else 0.

    Example:
        >>> q = signature("Đề án 1601 có cần cán bộ tập huấn tiếng Anh không?")
        >>> similarity(q, signature("de an 1601 co yeu cau can bo tap huan tieng anh khong")) >= MIN_JACCARD
        True
        >>> similarity(q, signature("Đề án 1601 có cần cán bộ tập huấn tin học không?"))
        0.0
    """
    if a.numbers != b.numbers or a.kinds != b.kinds or not a.words or not b.words:
        return 0.0
    if len(a.words ^ b.words) > MAX_DIFFERENT:
        return 0.0
    score = len(a.words & b.words) / len(a.words | b.words)
    return score if score >= MIN_JACCARD else 0.0


def best_match(question: str | Query, candidates: list[tuple[int, str | Signature]]) -> tuple[int, float] | None:
    """The (id, score) of the candidate question ``question`` paraphrases most closely, or None.

    Candidates are questions or their signatures (computed once by a caller that matches often).

    Example:
        >>> best_match("kinh phi de an 1601 lay tu dau", [(1, "Kinh phí Đề án 1601 lấy từ đâu?"), (2, "Ai ký QĐ 1601?")])
        (1, 1.0)
    """
    asked = signature(question)
    scored = [(entry_id, similarity(asked, text if isinstance(text, Signature) else signature(text)))
              for entry_id, text in candidates]
    scored = [(entry_id, score) for entry_id, score in scored if score > 0]
    return max(scored, key=lambda item: item[1]) if scored else None
