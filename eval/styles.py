"""Every gold question asked the other ways officers ask it: without diacritics, with abbreviations,
with phone typos, after a background sentence or two, with synonyms for its key words.

Each variant is deterministic: the same question and id give the same text on every machine (seeded
by a SHA-256 of the id, no global random state). A style that leaves the question unchanged (no
expansion to abbreviate, no key word with a synonym) gives no variant, so a style's figure counts only
questions it really changed. Near-miss out-of-scope questions are made by :mod:`eval.near_miss`.

Example:
    >>> no_diacritics("Sở Nội vụ chủ trì?")
    'so noi vu chu tri?'
    >>> abbreviate("Ủy ban nhân dân tỉnh ban hành kế hoạch cải cách hành chính")
    'UBND tỉnh ban hành KH CCHC'
"""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from corpus.text import fold, unify_tones
from eval.gold import GoldQuestion
from corpus.vocab import ABBREVIATIONS

STYLES = ("plain", "nodiacritics", "abbreviations", "typos", "background", "synonyms")


@dataclass(frozen=True)
class Variant:
    """One gold question asked in one style; the gold evidence and fact are the source question's."""

    id: str  # "<source id>@<style>"
    source: str
    style: str
    question: str


def has_diacritics(text: str) -> bool:
    """Whether ``text`` holds any Vietnamese mark (or đ): a question typed without them has none.

    >>> has_diacritics("kinh phi de an"), has_diacritics("kinh phí")
    (False, True)
    """
    return fold(text) != text


def _rng(key: str) -> random.Random:
    return random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:16], 16))


def _words_pattern(phrase: str) -> str:
    """A phrase's words, matched across commas and runs of spaces ("cán bộ, công chức")."""
    return r"(?<![^\W_])" + r",?\s+".join(map(re.escape, phrase.split())) + r"(?![^\W_])"


# --- no diacritics -----------------------------------------------------------------------------

def no_diacritics(question: str) -> str:
    """Typed on a phone without the Vietnamese keyboard: no marks, đ → d, lower case."""
    return fold(question).lower()


# --- abbreviations: the inverse of corpus.vocab.ABBREVIATIONS --------------------------------

# the written form officers use; keys of ABBREVIATIONS are lower case
_WRITTEN = {"par index": "PAR INDEX", "sở tttt": "Sở TTTT", "ttr": "TTr", "ttg": "TTg"}
_SKIP = {"par-index", "ict-index", "sipas", "papi", "pci", "dti", "ddci", "egi"}  # the long index names stay as written


def _inverse() -> list[tuple[re.Pattern, str]]:
    pairs: dict[str, str] = {}
    for short, long in ABBREVIATIONS.items():
        if short in _SKIP or long in pairs:
            continue
        pairs[long] = _WRITTEN.get(short, short.upper())
    # longest expansion first: "văn phòng ủy ban nhân dân" before "ủy ban nhân dân"
    ordered = sorted(pairs.items(), key=lambda kv: -len(kv[0]))
    return [(re.compile(_words_pattern(unify_tones(long)), re.IGNORECASE), short) for long, short in ordered]


_ABBREVIATE = _inverse()


def _sub(pattern: re.Pattern, repl: Callable[[re.Match], str], text: str) -> str:
    """``pattern.sub`` matched on the one tone placement (Uỷ/Ủy) but applied to ``text`` as written."""
    unified = unify_tones(text)
    if len(unified) != len(text):
        return pattern.sub(repl, text)
    out, last = [], 0
    for match in pattern.finditer(unified):
        out += [text[last:match.start()], repl(match)]
        last = match.end()
    return "".join(out) + text[last:]


def abbreviate(question: str) -> str:
    """Every expansion the index knows written as its abbreviation: "Ủy ban nhân dân" → "UBND"."""
    text = question
    for pattern, short in _ABBREVIATE:
        text = _sub(pattern, lambda m, short=short: short, text)
    return text


# --- typos: a seeded phone-typing model --------------------------------------------------------

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
# neighbours on a phone's QWERTY keyboard
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOURS = {ch: "".join(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)) for row in _ROWS
               for i, ch in enumerate(row)}
TYPO_RATE = 0.25  # share of the eligible words that get one slip
MAX_TYPOS = 3


def drop_tone(word: str) -> str:
    """The word without its tone mark; the letter marks (â, ơ, ư, đ) stay: "hoàn" → "hoan", "được" → "đươc"."""
    return unicodedata.normalize("NFC", "".join(ch for ch in unicodedata.normalize("NFD", word) if ch not in _TONES))


def _slip(word: str, rng: random.Random) -> str:
    kinds = ["drop", "swap", "neighbour"] + (["tone", "tone"] if drop_tone(word) != word else [])
    kind = rng.choice(kinds)
    if kind == "tone":
        return drop_tone(word)
    i = rng.randrange(1, len(word))  # the first letter is seldom the one mistyped
    if kind == "drop":
        return word[:i] + word[i + 1:]
    if kind == "swap":
        i = min(i, len(word) - 2)
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    base = fold(word[i]).lower()
    if base not in _NEIGHBOURS:
        return word[:i] + word[i + 1:]
    return word[:i] + rng.choice(_NEIGHBOURS[base]) + word[i + 1:]


def typos(question: str, key: str) -> str:
    """A few words mistyped as on a phone: a letter dropped, two swapped, a neighbouring key, a tone
    mark missing. Numbers, document numbers and abbreviations (all capitals) are left alone: a typo in
    "1601" asks another question. At least one word changes when any is eligible."""
    rng = _rng(f"typos:{key}")
    tokens = re.split(r"(\s+)", question)
    eligible = [i for i, t in enumerate(tokens)
                if re.fullmatch(r"[^\W\d_]{3,}", t) and not (t.isupper() and len(t) > 1)]
    if not eligible:
        return question
    chosen = [i for i in eligible if rng.random() < TYPO_RATE][:MAX_TYPOS] or [rng.choice(eligible)]
    for i in chosen:
        tokens[i] = _slip(tokens[i], rng)
    return "".join(tokens)


# --- background: one or two sentences of context before the ask -------------------------------

BACKGROUND = (
    "Tôi là chuyên viên Văn phòng UBND huyện, mới được giao theo dõi công tác cải cách hành chính.",
    "Em mới chuyển về bộ phận một cửa của xã nên chưa nắm hết các văn bản của tỉnh.",
    "Đơn vị tôi đang xây dựng kế hoạch năm tới và cần đối chiếu với văn bản của tỉnh.",
    "Sáng nay lãnh đạo phòng hỏi mà tôi chưa tìm được câu trả lời trong hồ sơ.",
    "Tuần sau có đoàn kiểm tra về làm việc với cơ quan tôi.",
    "Cơ quan tôi đang chuẩn bị báo cáo sơ kết sáu tháng đầu năm gửi Sở.",
    "Tôi đang soạn tài liệu tập huấn cho anh em cán bộ cơ sở.",
    "Hôm qua họp giao ban có ý kiến khác nhau về việc này.",
    "Tôi làm công tác tổng hợp ở một phòng chuyên môn cấp huyện.",
    "Chúng tôi muốn trích dẫn cho đúng văn bản khi viết báo cáo.",
)
_LEADS = ("Cho tôi hỏi:", "Xin hỏi", "Nhờ anh chị cho biết", "Vậy", "")


def background(question: str, key: str) -> str:
    """One or two background sentences, then the ask; written without diacritics when the question is."""
    rng = _rng(f"background:{key}")
    sentences = rng.sample(BACKGROUND, rng.choice((1, 2)))
    lead = rng.choice(_LEADS)
    first = question.split()[0] if question.split() else ""
    ask = question[0].lower() + question[1:] if lead and first[:1].isupper() and not (len(first) > 1 and first.isupper()) \
        else question
    text = " ".join([*sentences, f"{lead} {ask}".strip()])
    return text if has_diacritics(question) else no_diacritics(text)


# --- synonyms for the key words ----------------------------------------------------------------

# administrative Vietnamese: a key word and what officers also write for it (first choice first)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "bồi dưỡng": ("tập huấn", "đào tạo ngắn hạn"),
    "tập huấn": ("bồi dưỡng", "huấn luyện"),
    "chủ trì": ("đứng ra thực hiện chính", "phụ trách chính"),
    "phối hợp": ("cùng tham gia", "phối hợp thực hiện"),
    "thời gian": ("thời hạn", "mốc thời gian"),
    "hoàn thành": ("xong", "làm xong"),
    "kinh phí": ("nguồn tiền", "chi phí"),
    "ban hành": ("ra", "phát hành"),
    "mục tiêu": ("đích đến", "yêu cầu đặt ra"),
    "chỉ tiêu": ("mức phấn đấu", "con số phải đạt"),
    "nhiệm vụ": ("công việc", "phần việc"),
    "trách nhiệm": ("phần việc", "bổn phận"),
    "triển khai": ("tổ chức thực hiện", "đưa vào thực hiện"),
    "thực hiện": ("làm", "tiến hành"),
    "nâng cao": ("cải thiện", "tăng"),
    "tăng cường": ("đẩy mạnh", "củng cố"),
    "tỷ lệ": ("phần trăm", "tỉ lệ"),
    "người dân": ("công dân", "bà con"),
    "trực tuyến": ("qua mạng", "online"),
    "hồ sơ": ("giấy tờ", "bộ hồ sơ"),
    "kiểm tra": ("thanh tra", "rà soát"),
    "đánh giá": ("chấm điểm", "nhận xét"),
    "tuyên truyền": ("phổ biến", "truyền thông"),
    "báo cáo": ("tổng hợp gửi", "gửi báo cáo"),
    "giai đoạn": ("thời kỳ", "khoảng thời gian"),
    "đoàn công tác": ("chuyến công tác", "đoàn"),
    "học tập kinh nghiệm": ("tham quan học hỏi", "học hỏi kinh nghiệm"),
    "ngân sách": ("tiền nhà nước", "vốn ngân sách"),
    "xây dựng": ("soạn", "lập"),
    "năng lực": ("trình độ", "khả năng"),
    "số hóa": ("chuyển sang bản điện tử", "điện tử hóa"),
    "cổng thông tin điện tử": ("trang web", "website"),
    "dịch vụ công": ("dịch vụ hành chính công",),
    "thủ tục hành chính": ("thủ tục giấy tờ", "thủ tục"),
    "cơ quan": ("đơn vị",),
    "khi nào": ("lúc nào", "bao giờ"),
    "bao nhiêu": ("mấy", "con số là bao nhiêu"),
    "ai": ("đơn vị nào", "cơ quan nào"),
}
MAX_SYNONYMS = 2
_SYNONYM_KEYS = sorted(SYNONYMS, key=lambda k: -len(k))


def synonyms(question: str, key: str) -> str:
    """Up to two key words replaced by a synonym (longest key words first, at most one change
    per place); matched and written without diacritics when the question has none."""
    rng = _rng(f"synonyms:{key}")
    plain = not has_diacritics(question)
    text = question
    unified = unify_tones(text) if len(unify_tones(text)) == len(text) else text
    taken: list[tuple[int, int, str]] = []
    for word in _SYNONYM_KEYS:
        form = fold(word) if plain else word
        for match in re.finditer(_words_pattern(form), unified, re.IGNORECASE):
            if any(s < match.end() and match.start() < e for s, e, _ in taken):
                continue
            if match.start() and match.group(0)[:1].isupper():  # part of a name: "Sở Xây dựng"
                continue
            choices = [c for c in SYNONYMS[word] if c != word]
            new = rng.choice(choices)
            new = fold(new) if plain else new
            if match.group(0)[:1].isupper():
                new = new[:1].upper() + new[1:]
            taken.append((match.start(), match.end(), new))
    if not taken:
        return question
    chosen = sorted(rng.sample(taken, min(MAX_SYNONYMS, len(taken))), reverse=True)
    for start, end, new in chosen:
        text = text[:start] + new + text[end:]
    return text


# --- every style of one question ---------------------------------------------------------------

_MAKERS: dict[str, Callable[[str, str], str]] = {
    "plain": lambda q, k: q,
    "nodiacritics": lambda q, k: no_diacritics(q),
    "abbreviations": lambda q, k: abbreviate(q),
    "typos": typos,
    "background": background,
    "synonyms": synonyms,
}


def variants(question: GoldQuestion, styles: tuple[str, ...] = STYLES) -> list[Variant]:
    """The question in each style that changes it (``plain`` always: the question as written)."""
    unknown = [s for s in styles if s not in _MAKERS]
    if unknown:
        raise ValueError(f"unknown style(s) {unknown}; known: {', '.join(STYLES)}")
    out = []
    for style in styles:
        text = _MAKERS[style](question.question, question.id)
        if style == "plain" or text != question.question:
            out.append(Variant(f"{question.id}@{style}", question.id, style, text))
    return out
