"""Tokenization for lexical retrieval of Vietnamese.

Two fields per text:

- ``words``: pyvi word segmentation ("cải_cách", "hành_chính"; pyvi's model run by :mod:`index.wordseg`),
  lowercased, one tone placement;
  one-letter words ("ở", "a") are kept.
- ``folded``: diacritic-free syllables and syllable bigrams ("cai", "cach", "cai_cach"), so a
  question typed without diacritics (and segmented however) still matches.

In both, numbers, percentages, dates and document numbers survive as exact tokens
("1601/qđ-ubnd-hc", "31/01/2022", "80%", "3.31") plus their parts ("1601"), and abbreviations
are expanded the same way in questions and documents (CCHC → cải cách hành chính).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from corpus.text import fold, match_form
from corpus.vocab import ABBREVIATIONS

# abbreviations are matched on the folded form too ("cds", "dtbd", "qd" typed without đ)
_ABBR_FOLDED = {fold(k): v for k, v in ABBREVIATIONS.items() if fold(k) != k}

_SPECIAL = re.compile(
    r"""(?ix)
    \d{1,5}\s*[/-]\s*(?:\d{4}\s*/\s*)?[a-zđ][\w&]*(?:\s*[-/]\s*[\w&]+)*   # 1601/QĐ-UBND-HC, 04-NQ/TU, 107/2020/NĐ-CP
  | \d{1,2}/\d{1,2}/\d{2,4}                                             # 21/10/2021
  | \d{1,2}/\d{4}                                                       # 5/2022
  | \d{1,2}/\d{1,2}\b                                                   # 31/01
  | \d+(?:[.,]\d+)?\s?%                                                 # 80%, 95 %
  | \b\d{1,2}(?:\.\d{1,3}){1,3}\b                                        # 3.31
    """
)
_WORD = re.compile(r"[^\W_]+(?:_[^\W_]+)*", re.UNICODE)
_ABBR_CANDIDATE = re.compile(r"\b(?:par[\s-]index|ict-index|sở tttt)\b|[^\W_]+", re.I | re.UNICODE)


@dataclass(frozen=True)
class Tokens:
    """The two lexical fields of one text."""

    words: list[str]
    folded: list[str]


def _pyvi():
    """pyvi's segmentation (its model run without scikit-learn: :mod:`index.wordseg`)."""
    from index.wordseg import segmenter

    return segmenter()


def specials(text: str) -> list[str]:
    """Exact tokens for numbers, dates, percentages and document numbers, with their parts."""
    out: list[str] = []
    for match in _SPECIAL.finditer(text):
        token = re.sub(r"\s+", "", match.group(0)).lower()
        out.append(token)
        if re.search(r"[^\W\d_]", token):  # a document number: "1601" alone and its letter parts
            out.append(re.match(r"\d+", token).group(0))
            out.extend(p for p in re.split(r"[/-]", token) if p and not p.isdigit())
        elif token.endswith("%"):
            out.append(token.rstrip("%").strip())
        else:
            year = re.search(r"(?:19|20)\d{2}$", token)
            if year and year.group(0) != token:
                out.append(year.group(0))
    return out


def _expansions(text_lower: str) -> list[str]:
    found: list[str] = []
    for match in _ABBR_CANDIDATE.finditer(text_lower):
        key = match.group(0).lower()
        expansion = ABBREVIATIONS.get(key) or _ABBR_FOLDED.get(fold(key))
        if expansion:
            found.append(expansion)
    return found


@lru_cache(maxsize=4096)
def _segment(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(_pyvi().tokenize(text)))


def tokenize(text: str) -> Tokens:
    """Both fields of ``text``.

    Example:
        >>> t = tokenize("QĐ 1601 về CCHC ở cấp xã đạt 80%")
        >>> "1601" in t.words and "80%" in t.words and "ở" in t.words and "cải_cách" in t.words
        True
        >>> "cai_cach" in t.folded
        True
    """
    norm = match_form(text)
    exact = specials(norm)
    rest = _SPECIAL.sub(" ", norm)
    expansions = _expansions(rest)
    segmented = list(_segment(rest)) + [w for e in expansions for w in _segment(e)]
    words = [w for w in segmented] + exact
    syllables = [fold(s) for w in segmented for s in w.split("_")]
    bigrams = [f"{a}_{b}" for a, b in zip(syllables, syllables[1:])]
    folded = syllables + bigrams + [fold(t) for t in exact]
    return Tokens(words=words, folded=folded)


_ABBR_IN_TEXT = re.compile(r"\b(" + "|".join(sorted((re.escape(k) for k in ABBREVIATIONS), key=len, reverse=True)) + r")\b",
                           re.IGNORECASE)


def expand_text(text: str) -> str:
    """Spell out abbreviations for the embedding model, which knows the words better than the
    acronyms: "Kế hoạch CCHC" → "Kế hoạch cải cách hành chính (CCHC)".

    Example:
        >>> expand_text("kế hoạch CCHC, TTHC")
        'kế hoạch cải cách hành chính (CCHC), thủ tục hành chính (TTHC)'
    """
    def spell(match: re.Match) -> str:
        word = match.group(0)
        if not (word.split()[-1].isupper() or word.lower() in ("par index", "ict-index")):
            return word  # "kh", "tt" in ordinary lowercase words are not abbreviations
        return f"{ABBREVIATIONS[word.lower()]} ({word})"

    return _ABBR_IN_TEXT.sub(spell, text)
