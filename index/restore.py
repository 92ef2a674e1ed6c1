"""Diacritics of a question restored from the corpus's own syllable statistics, typos tolerated.

Officers type "kinh phi de an lay tu dau". When a version is built, :meth:`SyllableStats.from_texts`
counts the syllables of its units in their toned form ("kinh", "phí", "đề", "án") and the pairs of
neighbouring syllables, so every new document teaches it its words. A question typed without
diacritics is restored by a Viterbi search over the toned forms each folded syllable has in the
corpus ("de" → đề, để, đế …), scored by a bigram model of toned syllables (absolute discounting,
backed off to unigrams):

- in a question typed with diacritics (most of its syllables marked) a word the corpus writes as typed
  is kept; a word it never wrote is a slip, and the syllables one slip from it are offered at the
  cost of that slip (:func:`slip_cost`: a mark left out, ``MISSING_MARK``; a mark typed wrong,
  ``WRONG_MARK``; a letter dropped, doubled, swapped or replaced, ``TYPO_COST``), so "thự hiện",
  "ban hanh", "giai đonạ" are read "thực hiện", "ban hành", "giai đoạn" when the context prefers them;
  an unmarked word the corpus writes may only get back a tone it lacks ("đánh gia tự động" → "giá");
- in a question typed without them, the marked words are kept and give their context to the others;
- numbers, codes, abbreviations (CCHC, UBND, kh) and words the corpus never wrote are left as typed
  unless a correction wins;
- a syllable the corpus never wrote that is one edit away from a frequent one ("chinhh", "tinhh",
  "cong chuc" typed "cogn", "kihn ph" for "kinh phí") may be corrected, only when the bigram context
  prefers the correction by ``TYPO_COST`` (in nats) over leaving it alone.

The tables are capped by frequency (``max_syllables``, ``max_bigrams``), so a corpus of a million
units keeps a table of a few megabytes: the syllables it drops are the rarest.

Files of a version (this module alone writes and reads them): ``syllables.json`` (the toned
syllables, most frequent first, with their counts) and ``syllable_bigrams.npy`` (int64 rows
``[left * n + right, count]`` sorted by key, over indexes into that list); ``syllables.json`` also
holds the abbreviations the corpus defines (:mod:`index.abbreviations`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from corpus.text import fold, is_syllable, nfc, unify_tones
from index.abbreviations import learn
from corpus.vocab import ABBREVIATIONS

log = logging.getLogger(__name__)

FORMAT = 1
SYLLABLES_FILE = "syllables.json"
BIGRAMS_FILE = "syllable_bigrams.npy"
MAX_SYLLABLES = 40_000  # Vietnamese has ~7,000 toned syllables; the rest are names, foreign words, codes
MAX_BIGRAMS = 400_000  # ~6 MB on disk at most
MAX_CANDIDATES = 8  # toned forms tried per folded syllable, the most frequent first
TONED_SHARE = 0.5  # a question with at least this share of its syllables marked was typed with diacritics
DISCOUNT = 0.75
TYPO_COST = 6.0  # nats a correction must gain over leaving an unknown syllable alone
TYPO_MIN_COUNT = 3  # only frequent syllables are offered as corrections
MIN_TYPO_LENGTH = 2  # letters of the shortest word corrected by a letter ("ph" → phí); marks are put right on any
MISSING_MARK = 1.5  # nats: a mark left out of a word in a question typed with diacritics ("hoan" for "hoàn")
SPELT_COST = 2.0  # nats more to change a word spelt as a Vietnamese syllable could be
WRONG_MARK = 3.0  # nats: a mark typed that the syllable lacks, or another tone ("hoán" for "hoàn")
QUESTION_WEIGHT = 10  # QUESTION_LANGUAGE counts as often as this (chosen on the dev train split: 1, 3, 10, 30)
VOWELS = set("aeiouy")

# How questions are asked: the corpus is written in statements and holds almost none of these
# ("đâu", "gì", "ai" do not occur in the shipped documents), so they are counted with it.
QUESTION_LANGUAGE = (
    "là gì. những gì. gồm những gì. bao gồm những nội dung gì. như thế nào. thế nào. làm thế nào. khi nào. "
    "bao giờ. lúc nào. vào thời gian nào. ở đâu. từ đâu. lấy từ đâu. về đâu. ai. do ai. của ai. ai chủ trì. "
    "cơ quan nào. đơn vị nào. nào. năm nào. bao nhiêu. là bao nhiêu. mấy. số mấy. có không. có phải không. "
    "được không. hay không. tại sao. vì sao. cho biết. cho tôi biết. xin hỏi. cho hỏi. tôi muốn hỏi. "
    "tôi muốn biết. hãy nêu. nêu rõ. liệt kê. giải thích. bao lâu. mất bao lâu. đạt bao nhiêu phần trăm. "
    "phải làm gì. cần những gì. ra sao. thì sao. còn thì sao. xong. khi nào xong. bao giờ xong. "
    "tôi là. chúng tôi. đơn vị tôi. hiện nay. hiện tại. vừa qua. năm nay. sắp tới. đang. muốn. cần."
)

# what the statistics of a version are made of: another value makes the next build a new version
STATS_KEY = hashlib.sha256(f"{FORMAT}:abbreviations-1:{QUESTION_WEIGHT}:{MAX_SYLLABLES}:{MAX_BIGRAMS}:{QUESTION_LANGUAGE}".encode()
                           ).hexdigest()[:12]

_TOKEN = re.compile(r"[^\W\d_]+|\S")
_SPACE = re.compile(r"\s+")


def syllable_form(text: str) -> str:
    """Lowercase NFC, single spaces, one tone placement: the form syllables are counted and restored in.

    Example:
        >>> syllable_form("Hoà nhập hoặc trí tuệ, Thuỷ")
        'hòa nhập hoặc trí tuệ, thủy'
    """
    return _SPACE.sub(" ", unify_tones(nfc(text)).lower()).strip()
# abbreviations as typed without "đ" ("qd", "cds") → as written ("qđ", "cđs"): they are never restored as syllables
_ABBREVIATION_FORMS = {fold(k): k for k in ABBREVIATIONS if " " not in k and "-" not in k}


@dataclass(frozen=True)
class Restored:
    """A question after restoration.

    ``text`` keeps everything that was not changed as typed (case, spacing, punctuation);
    ``changed`` lists ``(typed, restored)`` words, ``corrected`` the ones that were typos.
    """

    text: str
    changed: tuple[tuple[str, str], ...] = ()
    corrected: tuple[tuple[str, str], ...] = ()


def has_diacritics(text: str) -> bool:
    """True if ``text`` holds a letter with a mark (or đ)."""
    return fold(text) != text


def syllable_chains(text: str) -> list[list[str]]:
    """The runs of syllables of ``text`` (in :func:`syllable_form`) not broken by punctuation or numbers.

    Example:
        >>> syllable_chains("Kế hoạch CCHC năm 2025, tỉnh Quảng Nam")
        [['kế', 'hoạch', 'cchc', 'năm'], ['tỉnh', 'quảng', 'nam']]
    """
    chains: list[list[str]] = [[]]
    for match in _TOKEN.finditer(syllable_form(text)):
        token = match.group(0)
        if token[0].isalpha():
            chains[-1].append(token)
        elif chains[-1]:
            chains.append([])
    return [c for c in chains if c]


def _cased(form: str, typed: str) -> str:
    if len(typed) > 1 and typed.isupper():
        return form.upper()
    if typed[:1].isupper():
        return form[:1].upper() + form[1:]
    return form


def _edits1(word: str) -> set[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return (deletes | swaps | replaces | inserts) - {word}


_MARKS = {"\u0306": "breve", "\u0302": "hat", "\u031b": "horn"}
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _marks(form: str) -> tuple[str, frozenset[str]]:
    """The tone of a syllable ("" for none) and its letter marks (breve, hat, horn, đ)."""
    decomposed = unicodedata.normalize("NFD", form)
    tone = "".join(ch for ch in decomposed if ch in _TONE_MARKS)
    letters = {_MARKS[ch] for ch in decomposed if ch in _MARKS} | ({"đ"} if "đ" in form else set())
    return tone, frozenset(letters)


def _bare(form: str) -> str:
    """``form`` without its tone, its letter marks kept: "hoàn" → "hoan", "được" → "đươc"."""
    return unicodedata.normalize("NFC", "".join(ch for ch in unicodedata.normalize("NFD", form)
                                                if ch not in _TONE_MARKS))


def slip_cost(typed: str, candidate: str, toned: bool) -> float | None:
    """What reading ``typed`` as ``candidate`` (the same letters once folded, or one letter apart) costs in
    nats for its marks: a mark the typist left out costs ``MISSING_MARK`` in a question typed with
    diacritics (nothing in one typed without them), a mark typed that the candidate lacks or a
    different tone ``WRONG_MARK``.

    Example:
        >>> slip_cost("hoan", "hoàn", True), slip_cost("hoan", "hoàn", False), slip_cost("hoán", "hoàn", True)
        (1.5, 0.0, 3.0)
    """
    tone, letters = _marks(typed)
    want_tone, want_letters = _marks(candidate)
    missing = (not tone and bool(want_tone)) + len(want_letters - letters)
    wrong = (bool(tone) and tone != want_tone) + len(letters - want_letters)
    return (missing * MISSING_MARK if toned else 0.0) + wrong * WRONG_MARK


class SyllableStats:
    """Toned syllable unigram and bigram counts of one version, and the restoration they allow.

    Args:
        syllables: toned syllables (lowercase, one tone placement), most frequent first.
        counts: their counts.
        bigrams: int64 array ``(m, 2)`` of ``[left * len(syllables) + right, count]``, sorted by key.

    Example:
        >>> stats = SyllableStats.from_texts(["Kinh phí thực hiện Đề án được bảo đảm từ ngân sách tỉnh.",
        ...                                   "Sở Nội vụ chủ trì thực hiện đề án."])
        >>> stats.restore("kinh phi thuc hien de an lay tu dau").text
        'kinh phí thực hiện đề án lấy từ đâu'
        >>> stats.restore("so noi vu chu tri, so 1601/QĐ-UBND").text
        'sở nội vụ chủ trì, số 1601/QĐ-UBND'
    """

    def __init__(self, syllables: list[str], counts: np.ndarray, bigrams: np.ndarray,
                 abbreviations: dict[str, str] | None = None) -> None:
        if len(syllables) != len(counts):
            raise ValueError(f"{len(syllables)} syllables but {len(counts)} counts")
        self.abbreviations = abbreviations or {}  # defined in the corpus (index.abbreviations): folded → long form
        self.syllables = syllables
        self.counts = np.asarray(counts, dtype=np.int64)
        self.bigrams = np.asarray(bigrams, dtype=np.int64).reshape(-1, 2)
        self.index = {s: i for i, s in enumerate(syllables)}
        self.by_folded: dict[str, list[int]] = {}
        for i, s in enumerate(syllables):  # most frequent first: the candidates come out in that order
            self.by_folded.setdefault(fold(s), []).append(i)
        self.folded_counts = {f: int(self.counts[ids].sum()) for f, ids in self.by_folded.items()}
        n = max(len(syllables), 1)
        self.total = float(self.counts.sum())
        self._uni_log = np.log((self.counts + 0.5) / (self.total + 0.5 * n)) if len(syllables) else np.zeros(0)
        self._oov_log = math.log(0.5 / (self.total + 0.5 * n))
        keys, freq = self.bigrams[:, 0], self.bigrams[:, 1]
        left = keys // n
        self._left_total = np.bincount(left, weights=freq, minlength=n)  # bigrams starting with each syllable
        self._left_types = np.bincount(left, minlength=n).astype(float)  # distinct followers
        self._keys, self._freq = keys, freq.astype(float)

    # --- building, saving, loading ---------------------------------------------------------

    @classmethod
    def from_texts(cls, texts: Iterable[str], *, max_syllables: int = MAX_SYLLABLES,
                   max_bigrams: int = MAX_BIGRAMS, question_language: bool = True) -> "SyllableStats":
        """Count the syllables of ``texts`` (and the built-in :data:`QUESTION_LANGUAGE`), keeping the
        ``max_syllables`` most frequent syllables and the ``max_bigrams`` most frequent pairs of them;
        with the abbreviations the texts define (:func:`index.abbreviations.learn`)."""
        if max_syllables < 1 or max_bigrams < 0:
            raise ValueError(f"max_syllables={max_syllables}, max_bigrams={max_bigrams}: need ≥ 1 and ≥ 0")
        unigrams: Counter[str] = Counter()
        pairs: Counter[tuple[str, str]] = Counter()
        if question_language:
            for chain in syllable_chains(QUESTION_LANGUAGE):
                unigrams.update(Counter(chain * QUESTION_WEIGHT))
                pairs.update(Counter(list(zip(chain, chain[1:])) * QUESTION_WEIGHT))
        texts = list(texts)
        for text in texts:
            for chain in syllable_chains(text):
                unigrams.update(chain)
                pairs.update(zip(chain, chain[1:]))
        learned = learn(texts, known=set(_ABBREVIATION_FORMS))
        kept = sorted(unigrams, key=lambda s: (-unigrams[s], s))[:max_syllables]
        index = {s: i for i, s in enumerate(kept)}
        n = len(kept)
        rows = [(index[a] * n + index[b], c) for (a, b), c in pairs.items() if a in index and b in index]
        if len(rows) > max_bigrams:
            rows = sorted(rows, key=lambda r: (-r[1], r[0]))[:max_bigrams]
        bigrams = np.array(sorted(rows), dtype=np.int64).reshape(-1, 2)
        return cls(kept, np.array([unigrams[s] for s in kept], dtype=np.int64), bigrams, learned)

    def save(self, folder: Path) -> None:
        data = {"format": FORMAT, "syllables": self.syllables, "counts": self.counts.tolist(),
                "abbreviations": self.abbreviations}
        (folder / SYLLABLES_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        np.save(folder / BIGRAMS_FILE, self.bigrams)

    @classmethod
    def load(cls, folder: Path) -> "SyllableStats | None":
        """The statistics of the version in ``folder``; None for a version built without them."""
        path = folder / SYLLABLES_FILE
        if not path.exists():
            log.info("index version %s has no syllable statistics: questions are not restored", folder.name)
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            log.warning("%s: syllable statistics format %s, expected %d: questions are not restored", path,
                        data.get("format"), FORMAT)
            return None
        return cls(data["syllables"], np.array(data["counts"], dtype=np.int64), np.load(folder / BIGRAMS_FILE),
                   data.get("abbreviations"))

    def written(self, phrase: str) -> float | None:
        """The share of the neighbouring syllable pairs of ``phrase`` that the corpus writes (None: no pair).

        Example:
            >>> stats = SyllableStats.from_texts(["Đề án nâng cao năng lực tham mưu cải cách hành chính."])
            >>> stats.written("nâng cao năng lực tham mưu"), stats.written("sơ kết sáu tháng"), stats.written("năm")
            (1.0, 0.0, None)
        """
        pairs = [(a, b) for chain in syllable_chains(phrase) for a, b in zip(chain, chain[1:])]
        if not pairs:
            return None
        n = max(len(self.syllables), 1)
        keys = np.array([self.index.get(a, -1) * n + self.index.get(b, -1) if a in self.index and b in self.index
                         else -1 for a, b in pairs], dtype=np.int64)
        at = np.minimum(np.searchsorted(self._keys, keys), max(len(self._keys) - 1, 0))
        found = (keys >= 0) & (self._keys[at] == keys) if len(self._keys) else np.zeros(len(keys), dtype=bool)
        return float(found.mean())

    # --- the model -------------------------------------------------------------------------

    def _transitions(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """log P(right | left) for arrays of syllable indexes (-1: not in the table)."""
        n = max(len(self.syllables), 1)
        out = np.full(len(right), self._oov_log)
        known_right = right >= 0
        out[known_right] = self._uni_log[right[known_right]]
        both = known_right & (left >= 0)
        if not both.any() or not len(self._keys):
            return out
        a, b = left[both], right[both]
        keys = a * n + b
        at = np.minimum(np.searchsorted(self._keys, keys), len(self._keys) - 1)
        count = np.where(self._keys[at] == keys, self._freq[at], 0.0)
        total, types = self._left_total[a], self._left_types[a]
        uni = np.exp(self._uni_log[b])
        with np.errstate(divide="ignore", invalid="ignore"):
            p = (np.maximum(count - DISCOUNT, 0.0) + DISCOUNT * types * uni) / total
        out[both] = np.where(total > 0, np.log(np.where(total > 0, p, 1.0)), self._uni_log[b])
        return out

    def _states(self, typed: str, toned: bool = False) -> list[tuple[int, str, float]]:
        """The forms a typed word may stand for: ``(index or -1, form, cost)``. In a question typed
        without diacritics (``toned`` False) an unmarked word stands for any toned form of it; in one typed
        with them, a word is taken as typed when the corpus writes it, else (a slip) the forms one mark or
        one letter away are offered at the cost of that slip (:func:`slip_cost`)."""
        form = syllable_form(typed)
        if form in _ABBREVIATION_FORMS and not has_diacritics(typed):
            return [(-1, _ABBREVIATION_FORMS[form], 0.0)]
        if toned or has_diacritics(typed):
            known = self.index.get(form, -1)
            states = [(known, form, 0.0)]
            if known < 0 or not has_diacritics(typed):  # typed unmarked in a marked question: a tone may be missing
                states += self._near(form, typed, toned=True, known=known >= 0)
            return states
        candidates = self.by_folded.get(form)
        if candidates:
            return [(i, self.syllables[i], 0.0) for i in candidates[:MAX_CANDIDATES]]
        return [(-1, form, 0.0)] + self._near(form, typed, toned=False, known=False)

    def _near(self, form: str, typed: str, *, toned: bool, known: bool) -> list[tuple[int, str, float]]:
        """Corpus syllables one slip from ``form``: a mark missing or wrong, or one letter dropped, doubled,
        swapped or replaced (on the folded form), each with its cost in nats; a word the corpus writes
        (``known``) is offered only its missing tone."""
        if typed.isupper() and len(typed) > 1 or fold(form) in self.abbreviations:
            return []
        folded = fold(form)
        near = {folded} if known else {folded} | ({e for e in _edits1(folded) if self.folded_counts.get(e, 0)
                                                   >= TYPO_MIN_COUNT} if len(folded) >= MIN_TYPO_LENGTH else set())
        out = []
        spelt = SPELT_COST if is_syllable(form) else 0.0  # "anh", "họp": a word the corpus lacks, not a slip
        for f in sorted(near):
            for i in self.by_folded.get(f, ())[:MAX_CANDIDATES]:
                candidate = self.syllables[i]
                if candidate == form:
                    continue
                cost = slip_cost(form, candidate, toned)
                if known and (cost is None or fold(candidate) != folded or _bare(candidate) != form):
                    continue
                if cost is not None:
                    out.append((i, candidate, cost + spelt + (TYPO_COST if f != folded else 0.0)))
        return out

    def _best(self, chain: list[list[tuple[int, str, float]]]) -> list[int]:
        """Viterbi: the best state of each position of a chain."""
        pairs_left, pairs_right, spans = [], [], []
        for prev, cur in zip(chain, chain[1:]):
            start = len(pairs_left)
            for p in prev:
                for c in cur:
                    pairs_left.append(p[0])
                    pairs_right.append(c[0])
            spans.append(start)
        width0 = len(chain[0])
        both = self._transitions(np.array([-1] * width0 + pairs_left, dtype=np.int64),
                                 np.array([s[0] for s in chain[0]] + pairs_right, dtype=np.int64)).tolist()
        first, trans = both[:width0], both[width0:]
        score = [float(first[j]) - s[2] for j, s in enumerate(chain[0])]
        back: list[list[int]] = []
        for step, cur in enumerate(chain[1:]):
            base, width = spans[step], len(cur)
            new, ptr = [], []
            for j, state in enumerate(cur):
                best_i = max(range(len(score)), key=lambda i: score[i] + trans[base + i * width + j])
                new.append(score[best_i] + trans[base + best_i * width + j] - state[2])
                ptr.append(best_i)
            score, back = new, back + [ptr]
        path = [max(range(len(score)), key=score.__getitem__)]
        for ptr in reversed(back):
            path.append(ptr[path[-1]])
        return path[::-1]

    def restore(self, text: str) -> Restored:
        """``text`` with the diacritics of its unmarked syllables restored and its typos corrected."""
        matches = list(_TOKEN.finditer(text))
        words = [m for m in matches if m.group(0)[0].isalpha()]
        if not words:
            return Restored(text)
        toned = sum(has_diacritics(m.group(0)) for m in words) >= TONED_SHARE * len(words)  # typed with diacritics
        chains: list[list[re.Match]] = [[]]
        for m in matches:
            if m.group(0)[0].isalpha():
                chains[-1].append(m)
            elif chains[-1]:
                chains.append([])
        out, changed, corrected = [], [], []
        for chain in (c for c in chains if c):
            states = [self._states(m.group(0), toned) for m in chain]
            path = self._best(states) if any(len(s) > 1 for s in states) else [0] * len(states)
            for m, options, j in zip(chain, states, path):
                _, form, cost = options[j]
                typed = m.group(0)
                if form != syllable_form(typed):
                    new = _cased(form, typed)
                    out.append((m.start(), m.end(), new))
                    changed.append((typed, new))
                    if cost:
                        corrected.append((typed, new))
        if not out:
            return Restored(text)
        pieces, last = [], 0
        for start, end, new in out:
            pieces += [text[last:start], new]
            last = end
        return Restored("".join(pieces) + text[last:], tuple(changed), tuple(corrected))
