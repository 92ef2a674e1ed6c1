"""Abbreviations a corpus defines ("Hệ thống thông tin giải quyết thủ tục hành chính (HTTTGQTTHC)"),
learned when a version is built so that a question typing the abbreviation also finds the long form.

A definition is a parenthesised run of capitals after words whose initials spell it (small linking
words "và", "của", "với" may be left out: "Thông tin và Truyền thông (TTTT)"). English acronyms
(PCI, SIPAS) do not spell their Vietnamese long form and are not learned from it; the built-in table
of :mod:`index.tokenize` covers the common ones.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterable

from corpus.text import fold, nfc

# three capitals at least: two-letter ones are too ambiguous to learn ("ĐD" is "đường dây" in one document)
_DEFINITION = re.compile(r"((?:[^\W\d_]+\s+){1,14}[^\W\d_]+)\s*\(\s*([A-ZĐ]{3,12})\s*\)")
_LINKS = {"va", "cua", "voi", "doi", "cac"}
MAX_LEARNED = 2_000


def _spelled(words: list[str], letters: str) -> str | None:
    """The shortest tail of ``words`` whose initials (linking words optional) are ``letters``."""
    for start in range(len(words) - 1, -1, -1):
        tail = words[start:]
        kept = [w for w in tail if fold(w.lower()) not in _LINKS]
        for candidate in (tail, kept):
            if "".join(fold(w[0].lower()) for w in candidate) == letters:
                return " ".join(tail)
        if len(kept) > len(letters):
            return None
    return None


def learn(texts: Iterable[str], known: set[str] = frozenset(), limit: int = MAX_LEARNED) -> dict[str, str]:
    """``{abbreviation folded and lowercase: long form}`` defined in ``texts`` (the most frequent long
    form of each), leaving out those in ``known``.

    Example:
        >>> learn(["Nâng cấp Hệ thống thông tin báo cáo (HTTTBC) của tỉnh; số liệu của HTTTBC.",
        ...        "Sở Thông tin và Truyền thông (TTTT) chủ trì", "Chỉ số năng lực cạnh tranh (PCI)"])
        {'htttbc': 'hệ thống thông tin báo cáo', 'tttt': 'thông tin và truyền thông'}
    """
    seen: dict[str, Counter[str]] = {}
    for text in texts:
        for match in _DEFINITION.finditer(nfc(text)):
            key = fold(match.group(2).lower())
            if key in known:
                continue
            long = _spelled(match.group(1).split(), key)
            if long:
                seen.setdefault(key, Counter())[long.lower()] += 1
    ranked = sorted(seen, key=lambda k: (-sum(seen[k].values()), k))[:limit]
    return {key: seen[key].most_common(1)[0][0] for key in sorted(ranked)}


def spell_out(text: str, learned: dict[str, str]) -> str:
    """``text`` with each learned abbreviation typed in capitals followed by its long form.

    Example:
        >>> spell_out("Ai quản lý HTTTBC?", {"htttbc": "hệ thống thông tin báo cáo"})
        'Ai quản lý HTTTBC (hệ thống thông tin báo cáo)?'
    """
    if not learned:
        return text

    def spell(match: re.Match) -> str:
        word = match.group(0)
        long = learned.get(fold(word.lower()))
        return f"{word} ({long})" if long and word.isupper() else word

    return re.sub(r"\b[A-ZĐ]{3,12}\b", spell, text)
