"""Text normalization shared by every stage: NFC, one tone-placement form, diacritic folding.

Display text keeps what the document wrote (NFC only). Matching uses :func:`match_form`:
lowercase, NFC, tone marks of "oa/oe/uy" syllables placed on the first vowel (hoà → hòa,
thuỷ → thủy, Uỷ → Ủy), whitespace collapsed. :func:`fold` further drops all diacritics
(đ → d) so that questions typed without them still match.
"""

from __future__ import annotations

import re
import unicodedata

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng
# oa, oe, uy at the end of a syllable (no final consonant); "qu" + y keeps the tone on y
_TONE_SYLLABLE = re.compile(r"(?<![qQ])([oOuU])([aAeEyY])([\u0300\u0301\u0303\u0309\u0323])(?![^\W\d_])")
_SPACE = re.compile(r"\s+")


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
    """Put the tone of open "oa", "oe", "uy" syllables on the first vowel: hoà → hòa, Uỷ → Ủy.

    Example:
        >>> unify_tones("thuỷ lợi, hoà nhập, Uỷ ban, quý, hoàn")
        'thủy lợi, hòa nhập, Ủy ban, quý, hoàn'
    """
    decomposed = unicodedata.normalize("NFD", text)
    moved = _TONE_SYLLABLE.sub(lambda m: m.group(1) + m.group(3) + m.group(2), decomposed)
    return unicodedata.normalize("NFC", moved)


def match_form(text: str) -> str:
    """The form used to compare texts: NFC, unified tones, lowercase, single spaces."""
    return _SPACE.sub(" ", unify_tones(nfc(text)).lower()).strip()


def fold(text: str) -> str:
    """Drop every diacritic and map đ → d: "Đồng Tháp" → "Dong Thap"."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
