"""Text normalization shared by every stage: NFC, one tone-placement form, diacritic folding.

Display text keeps what the document wrote (NFC only). Matching uses :func:`match_form`:
lowercase, NFC, the tone mark of every syllable placed by one convention (:func:`unify_tones`: hoà → hòa,
thuỷ → thủy, Uỷ → Ủy; hoặc, luật keep it on ă, â), whitespace collapsed. :func:`fold` further drops all diacritics
(đ → d) so that questions typed without them still match.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]+")
_ONSETS = ("ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu", "b", "c", "d", "đ", "g", "h", "k", "l",
           "m", "n", "p", "r", "s", "t", "v", "x")
_VOWELS = set("aăâeêioôơuưy")
_MARKED = set("ăâêôơư")  # vowels whose own mark (breve, hat, horn) takes the tone
_FINALS = ("", "c", "ch", "m", "n", "ng", "nh", "p", "t")


def _tone_at(base: str) -> int | None:
    """Where the tone of a toneless lowercase syllable ``base`` sits; None if it is not a Vietnamese syllable.

    The mark goes on a vowel with its own mark (ă â ê ô ơ ư; of ươ, on ơ); otherwise, before a final
    consonant, on the last vowel ("hoàn", "khuynh"); in an open syllable on the middle one of three
    ("khuỷu", "ngoái") and the first of two ("hòa", "thủy", "mùa"). "qu" and "gi" before a vowel are the onset.
    """
    onset = next((o for o in _ONSETS if base.startswith(o) and (o not in ("gi", "qu") or base[len(o):][:1] in _VOWELS)),
                 "")
    rest = base[len(onset):]
    vowels = len(rest) - len(rest.lstrip("".join(_VOWELS)))
    nucleus, final = rest[:vowels], rest[vowels:]
    if not 1 <= len(nucleus) <= 3 or final not in _FINALS:
        return None
    marked = [i for i, ch in enumerate(nucleus) if ch in _MARKED]
    if marked:
        at = marked[-1]
    elif final or len(nucleus) == 1:
        at = len(nucleus) - 1
    else:
        at = 1 if len(nucleus) == 3 else 0
    return len(onset) + at


def is_syllable(word: str) -> bool:
    """Whether ``word`` is spelt as a Vietnamese syllable could be (an onset, one to three vowels, a final),
    whether or not the language uses it: "luật", "hanh" yes; "kihn", "lsm", "CCHC" no.

    Example:
        >>> is_syllable("luật"), is_syllable("hanh"), is_syllable("kihn"), is_syllable("đonạ")
        (True, True, False, False)
    """
    bare = "".join(ch for ch in unicodedata.normalize("NFD", word.lower()) if ch not in _TONES)
    return _tone_at(unicodedata.normalize("NFC", bare)) is not None


@lru_cache(maxsize=65536)
def _place_tone(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in _TONES]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    at = _tone_at(base.lower())
    if at is None:
        return word
    return unicodedata.normalize("NFC", base[:at] + unicodedata.normalize("NFC", base[at] + tones[0]) + base[at + 1:])


def nfc(text: str) -> str:
    """Unicode NFC."""
    return unicodedata.normalize("NFC", text)


def printable(text: str) -> str:
    r"""``text`` (NFC) without control and format characters (NUL, bidi overrides, zero-width marks), which can
    make a title read as another ("ke-hoach\u202ecod" shows as "ke-hoachdoc"); tabs and newlines become spaces.

    Example:
        >>> printable("ke-hoach\u202ecod\x00 2025\t")
        'ke-hoachcod 2025'
    """
    return _SPACE.sub(" ", "".join(" " if ch in "\t\n\r" else ch for ch in nfc(text)
                                   if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cf"))).strip()


def unify_tones(text: str) -> str:
    """Every toned syllable with its mark placed by one convention (:func:`_tone_at`): hoà → hòa, Uỷ → Ủy,
    qúa → quá, tòan → toàn; a vowel with its own mark keeps the tone (hoặc, luật, thuở). A word that is not
    a Vietnamese syllable (a name, a foreign word) is left as written.

    Example:
        >>> unify_tones("thuỷ lợi, hoà nhập, Uỷ ban, quý, hoàn, hoặc, luật, thuận, khuỷu, HOÀ")
        'thủy lợi, hòa nhập, Ủy ban, quý, hoàn, hoặc, luật, thuận, khuỷu, HÒA'
    """
    return _WORD.sub(lambda m: m.group(0) if m.group(0).isascii() else _place_tone(m.group(0)), nfc(text))


# the capital letters of Vietnamese text, for a regex class: "[A-ZĐÀ-Ỹ]" would also take the lower-case
# "đ", "ă", "ơ", "ư" and "ạ"… that lie between À and Ỹ (an item "đ) Đến năm 2045: …" is not a field "Header: …")
UPPER = "A-Z" + "".join(ch for ch in map(chr, range(0xC0, 0x1EFA))
                        if unicodedata.name(ch, "").startswith("LATIN CAPITAL LETTER"))


def match_form(text: str) -> str:
    """The form used to compare texts: NFC, unified tones, lowercase, single spaces."""
    return _SPACE.sub(" ", unify_tones(nfc(text)).lower()).strip()


def fold(text: str) -> str:
    """Drop every diacritic and map đ → d: "Đồng Tháp" → "Dong Thap"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
