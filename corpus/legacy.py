"""Legacy Vietnamese encodings: detect by character statistics and convert to Unicode NFC.

Before Unicode (and long after, in provincial offices) Vietnamese was typed in 8-bit fonts:

- **TCVN3** (ABC, fonts ``.VnTime``, ``.VnArial``…): one byte per letter; the basic font has no
  codes for capital letters with a tone mark (the ``.VnTimeH`` font draws the lower-case codes as
  capitals), so those come back in lower case; :func:`word_case` gives them the case of the word they
  are in ("ủY BAN NHÂN DÂN TỉNH PHú YÊN" → "ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN").
- **VNI-Windows** (fonts ``VNI-Times``…): a base letter followed by one byte for its marks
  ("aù" = á, "AÙ" = Á); a few letters are one byte (ñ = đ, ö = ư, ô = ơ, í = í, ò = ị).
- **VIQR** (RFC 1456): marks typed as ASCII after the vowel (``a^'`` = ấ, ``u+o+`` = ươ, ``dd`` = đ),
  a backslash keeps a mark character literal (``\\.``).
- **windows-1258**: Latin letters with ``â ê ô ă ơ ư đ`` and tones as combining marks.

Which one a text is in is decided by how Vietnamese the result reads — the share of words that are
valid Vietnamese syllables against words and symbols that cannot be — never by a file's name.
:func:`decode_bytes` reads bytes; :func:`repair_text` fixes text already decoded as windows-1252 (what
a .doc reader or a .docx run in a legacy font gives). :func:`encode` writes each encoding (tests and
benchmarks round-trip the shipped documents through it).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

log = logging.getLogger(__name__)

ENCODINGS = ("tcvn3", "vni", "viqr", "cp1258")
NAMES = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI-Windows", "viqr": "VIQR", "cp1258": "windows-1258", "utf-8": "UTF-8"}

_TONES = "\u0301\u0300\u0309\u0303\u0323"  # sắc, huyền, hỏi, ngã, nặng

# --- TCVN3: the lower-case letters and the seven base capitals of the .VnTime font -------------------
_TCVN3_LETTERS = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
# codes the basic font leaves empty but TCVN 5712 (VN1) gives capitals or combining tones: read them so
_TCVN_VN1 = {
    0xAF: "Ằ", 0xB0: "\u0300", 0xB1: "\u0309", 0xB2: "\u0303", 0xB3: "\u0301", 0xB4: "\u0323", 0xBA: "Ẳ",
    0xBF: "Ẵ", 0xC0: "Ắ", 0xC1: "Ầ", 0xC2: "Ẩ", 0xC3: "Ẫ", 0xC4: "Ấ", 0xC5: "Ề", 0xCD: "Ể", 0xD9: "Ễ",
    0xDA: "Ế", 0xDB: "Ồ", 0xE0: "Ổ", 0xF0: "Ỗ", 0xFF: "Ố",
}
_TCVN3_DECODE = {**{b: bytes([b]).decode("cp1252", "replace") for b in range(0x80, 0x100)}, **_TCVN_VN1,
                 **_TCVN3_LETTERS, 0xA0: "\xa0"}
_TCVN3_ENCODE = {ch: bytes([b]) for b, ch in _TCVN3_LETTERS.items()}

# --- VNI-Windows: marks as one byte after the base letter (windows-1252 code points) ------------------
_VNI_TONE = {"\u0301": ("ù", "Ù"), "\u0300": ("ø", "Ø"), "\u0309": ("û", "Û"), "\u0303": ("õ", "Õ"),
             "\u0323": ("ï", "Ï")}
_VNI_CIRCUMFLEX = {"": ("â", "Â"), "\u0301": ("á", "Á"), "\u0300": ("à", "À"), "\u0309": ("å", "Å"),
                   "\u0303": ("ã", "Ã"), "\u0323": ("ä", "Ä")}
_VNI_BREVE = {"": ("ê", "Ê"), "\u0301": ("é", "É"), "\u0300": ("è", "È"), "\u0309": ("ú", "Ú"),
              "\u0303": ("ü", "Ü"), "\u0323": ("ë", "Ë")}
_VNI_I = {"\u0301": ("í", "Í"), "\u0300": ("ì", "Ì"), "\u0309": ("æ", "Æ"), "\u0303": ("ó", "Ó"), "\u0323": ("ò", "Ò")}


def _vni_table() -> dict[str, str]:
    """Unicode letter → its VNI-Windows spelling (as windows-1252 characters)."""
    table: dict[str, str] = {"đ": "ñ", "Đ": "Ñ"}
    for lower in "aeiouy":
        for upper_case in (False, True):
            base = lower.upper() if upper_case else lower
            pick = 1 if upper_case else 0
            shapes = {"": ("", _VNI_TONE)}
            if lower in "aeo":
                shapes["\u0302"] = (None, _VNI_CIRCUMFLEX)
            if lower == "a":
                shapes["\u0306"] = (None, _VNI_BREVE)
            if lower in "ou":
                shapes["\u031b"] = ("ô" if lower == "o" else "ö", _VNI_TONE)
            for shape, (single, tones) in shapes.items():
                for tone in ("",) + tuple(_TONES):
                    letter = unicodedata.normalize("NFC", base + shape + tone)
                    if shape == "\u031b":
                        stem = single.upper() if upper_case else single
                        table[letter] = stem + (_VNI_TONE[tone][pick] if tone else "")
                    elif shape:
                        table[letter] = base + tones[tone][pick]
                    elif lower == "i" and tone:
                        table[letter] = _VNI_I[tone][pick]
                    elif lower == "y" and tone == "\u0323":
                        table[letter] = "Î" if upper_case else "î"
                    elif tone:
                        table[letter] = base + _VNI_TONE[tone][pick]
    return {k: v for k, v in table.items() if k != v}


_VNI_ENCODE = _vni_table()
_VNI_DECODE = {v: k for k, v in _VNI_ENCODE.items()}
_VNI_PATTERN = re.compile("|".join(re.escape(s) for s in sorted(_VNI_DECODE, key=len, reverse=True)))

# --- VIQR ---------------------------------------------------------------------------------------------
_VIQR_SHAPE = {"\u0306": "(", "\u0302": "^", "\u031b": "+"}
_VIQR_TONE = {"\u0301": "'", "\u0300": "`", "\u0309": "?", "\u0303": "~", "\u0323": "."}
_VIQR_SHAPE_BACK = {"(": "\u0306", "^": "\u0302", "+": "\u031b"}
_VIQR_TONE_BACK = {v: k for k, v in _VIQR_TONE.items()}
_VIQR_SHAPES_OK = {"a": "(^", "e": "^", "o": "^+", "u": "+"}
_VIQR_SYLLABLE = re.compile(r"([Dd][Dd])|\\(.)|([aeiouyAEIOUY])([(^+]?)([`'?~.]?)")
_VIQR_MARK_AFTER_VOWEL = re.compile(r"[aeiouyAEIOUY](?:[(^+][`'?~.]?|[`'?~.])(?=\w)")

# --- what a Vietnamese word looks like (for detection) ------------------------------------------------
_NUCLEI = ("a ă â e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iê iu oa oă oe oi oo ôi ơi ua uâ uê ui uô uơ uy ưa "
           "ưi ươ ưu yê iêu oai oao oay oeo uây uôi ươi ươu uya uyê yêu uyu").split()
_SYLLABLE = re.compile(r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
                       rf"(?:{'|'.join(sorted(_NUCLEI, key=len, reverse=True))})(?:ch|ng|nh|[cmnpt])?$")
_WORD = re.compile(r"[^\W\d_]+")
_VIET_LETTER = re.compile(r"[ăâêôơưđĂÂÊÔƠƯĐ\u00c0-\u00c3\u00c8-\u00ca\u00cc\u00cd\u00d2-\u00d5\u00d9\u00da\u00dd"
                          r"\u00e0-\u00e3\u00e8-\u00ea\u00ec\u00ed\u00f2-\u00f5\u00f9\u00fa\u00fd\u0128\u0129\u0168\u0169"
                          r"\u1ea0-\u1ef9]")
_ODD = re.compile(r"[\u00a1-\u00bf\u00c4-\u00c7\u00cb\u00ce\u00cf\u00d1\u00d6-\u00d8\u00db\u00dc\u00de\u00df"
                  r"\u00e4-\u00e7\u00eb\u00ee\u00ef\u00f1\u00f6-\u00f8\u00fb\u00fc\u00fe\u00ff]")


@dataclass(frozen=True)
class Detection:
    """What a text was found to be written in, and how Vietnamese it then reads."""

    encoding: str  # utf-8, tcvn3, vni, viqr, cp1258
    score: float  # valid Vietnamese words with marks minus words and symbols that cannot be, per word
    text: str  # the text in Unicode NFC


def is_syllable(word: str) -> bool:
    """Is ``word`` a possible Vietnamese syllable (any case, at most one tone mark)?

    Example:
        >>> is_syllable("Nghiệp"), is_syllable("qu¶ng"), is_syllable("Ñoàng")
        (True, False, False)
    """
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = sum(decomposed.count(t) for t in _TONES)
    if tones > 1:
        return False
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))
    if "oo" in bare and not bare.endswith(("ng", "c")):  # only "xoong", "boong", "soóc"
        return False
    return bool(_SYLLABLE.match(bare))


def vietnamese_score(text: str) -> float:
    """How Vietnamese ``text`` reads, per word: +1 for each word with Vietnamese marks that is a
    valid syllable, -1 for each word with marks that is not and for each symbol a legacy text
    decoded wrongly leaves behind ("¶", "¸", "Ñ"). Plain ASCII words count 0.

    Example:
        >>> vietnamese_score("Kế hoạch cải cách hành chính") > 0.5 > vietnamese_score("KÕ ho¹ch c¶i c¸ch")
        True
    """
    text = unicodedata.normalize("NFC", text)
    words = _WORD.findall(text)
    if not words:
        return 0.0
    score = 0
    for word in words:
        if word.isascii() or (word.isupper() and word.replace("Đ", "D").isascii()):
            continue  # plain ASCII, or an abbreviation such as "QĐ", "HĐND": no evidence either way
        marked = bool(_VIET_LETTER.search(word))
        score += 1 if marked and is_syllable(word) else -1
    score -= len(_ODD.findall(text))
    return score / len(words)


# --- converters -----------------------------------------------------------------------------------------
def decode_tcvn3(data: bytes) -> str:
    """TCVN3 (ABC) bytes → Unicode NFC, toned vowels typed in the capital font in their word's case.

    Example:
        >>> decode_tcvn3("B¶o Th¾ng, M­êng Kh­¬ng".encode("cp1252"))
        'Bảo Thắng, Mường Khương'
    """
    return word_case(unicodedata.normalize("NFC", "".join(chr(b) if b < 0x80 else _TCVN3_DECODE[b] for b in data)))


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_LETTERS = re.compile(r"[^\W\d_]+")


def _toned_lower(ch: str) -> bool:
    """A lower-case vowel with a tone mark: what TCVN3's basic font has no capital code for."""
    return ch.islower() and any(m in _TONE_MARKS for m in unicodedata.normalize("NFD", ch))


def _capital_font_word(word: str) -> bool:
    """A word typed in the capital font: its lower-case letters are all toned vowels, and it has two
    capitals or does not start with one ("TỉNH", "ủY"); "Đà" (one capital first) is left to its line."""
    lower = [ch for ch in word if ch.islower()]
    upper = sum(1 for ch in word if ch.isupper())
    if not lower or not upper or not all(_toned_lower(ch) for ch in lower):
        return False
    return upper >= 2 or not word[0].isupper()


def word_case(text: str) -> str:
    """Toned vowels of words typed in TCVN3's capital font in their word's case; a one-capital word
    such as "Đà" too when every other word of its line is in capitals.

    Example:
        >>> word_case("ủY BAN NHÂN DÂN TỉNH PHú YÊN; MụC ĐíCH; THàNH PHố Đà NẵNG; Đà Nẵng, Hồ Chí Minh")
        'ỦY BAN NHÂN DÂN TỈNH PHÚ YÊN; MỤC ĐÍCH; THÀNH PHỐ ĐÀ NẴNG; Đà Nẵng, Hồ Chí Minh'
    """
    lines = []
    for line in text.split("\n"):
        line = _LETTERS.sub(lambda m: m.group(0).upper() if _capital_font_word(m.group(0)) else m.group(0), line)
        lines.append(_line_case(line))
    return "\n".join(lines)


def _line_case(line: str) -> str:
    """"Đà" between two capital words ("THÀNH PHỐ Đà NẴNG") in capitals too; "Số: 12/KH" stays."""
    words = _LETTERS.findall(line)
    if not any(w.isupper() and len(w) > 1 for w in words):
        return line

    def fix(match: re.Match) -> str:
        word = match.group(0)
        if not (word[0].isupper() and len(word) > 1 and all(_toned_lower(ch) or ch.isupper() for ch in word)):
            return word
        before = _LETTERS.findall(line[:match.start()])[-1:]
        after = _LETTERS.findall(line[match.end():])[:1]
        if any(w.isupper() and len(w) < 3 for w in before + after):
            return word  # next to an abbreviation ("Số: 12/KH-UBND"): no evidence of a capital font
        neighbours = [w for w in before + after if len(w) > 1]
        return word.upper() if neighbours and all(w.isupper() for w in neighbours) else word

    return _LETTERS.sub(fix, line)


def decode_vni(data: bytes) -> str:
    """VNI-Windows bytes → Unicode NFC.

    Example:
        >>> decode_vni("Ñoàng Thaùp".encode("cp1252"))
        'Đồng Tháp'
    """
    return _vni_chars(data.decode("cp1252", errors="replace"))


def _vni_chars(text: str) -> str:
    return unicodedata.normalize("NFC", _VNI_PATTERN.sub(lambda m: _VNI_DECODE[m.group(0)], text))


def decode_viqr(text: str) -> str:
    """VIQR → Unicode NFC; ``\\`` keeps the next character literal.

    Example:
        >>> decode_viqr("Vie^.t Nam, u+o+'c mo+ .. dde^'n\\\\.")
        'Việt Nam, ước mơ .. đến.'
    """
    def replace(m: re.Match) -> str:
        if m.group(1):
            return "Đ" if m.group(1)[0] == "D" else "đ"
        if m.group(2) is not None:
            return m.group(2)
        vowel, shape, tone = m.group(3), m.group(4), m.group(5)
        if shape and shape not in _VIQR_SHAPES_OK.get(vowel.lower(), ""):
            return vowel + shape + tone  # "i^": not a Vietnamese letter, keep as typed
        return vowel + (_VIQR_SHAPE_BACK[shape] if shape else "") + (_VIQR_TONE_BACK[tone] if tone else "")

    return unicodedata.normalize("NFC", _VIQR_SYLLABLE.sub(replace, text))


def decode_cp1258(data: bytes) -> str:
    """windows-1258 bytes (precomposed or decomposed tones) → Unicode NFC."""
    return unicodedata.normalize("NFC", data.decode("cp1258", errors="replace"))


def encode(text: str, encoding: str) -> bytes:
    """Unicode text → ``encoding`` (one of :data:`ENCODINGS`); VIQR is returned as UTF-8 bytes of its ASCII
    spelling (other characters kept). TCVN3 writes capitals with a tone mark in lower case (the basic
    font has no codes for them); windows-1258 writes every tone as a combining mark.

    Raises:
        ValueError: an unknown encoding, or a character the encoding cannot hold.
    """
    text = unicodedata.normalize("NFC", text)
    if encoding == "tcvn3":
        out = bytearray()
        for ch in text:
            code = _TCVN3_ENCODE.get(ch) or _TCVN3_ENCODE.get(ch.lower())
            out += code if code else ch.encode("cp1252")
        return bytes(out)
    if encoding == "vni":
        return "".join(_VNI_ENCODE.get(ch, ch) for ch in text).encode("cp1252")
    if encoding == "cp1258":
        out = bytearray()
        for ch in text:
            parts = unicodedata.normalize("NFD", ch)
            tone = "".join(c for c in parts if c in _TONES)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
            out += base.encode("cp1258") + tone.encode("cp1258")
        return bytes(out)
    if encoding == "viqr":
        return _encode_viqr(text).encode("utf-8")
    raise ValueError(f"unknown encoding {encoding!r}; accepted: {', '.join(ENCODINGS)}")


def _encode_viqr(text: str) -> str:
    out: list[str] = []
    prev = ""
    for ch in text:
        after_vowel = unicodedata.normalize("NFD", prev)[:1].lower() in ("a", "e", "i", "o", "u", "y")
        after_d = prev in ("d", "D", "đ", "Đ")
        prev = ch
        if ch == "\\" or (ch in "(^+`'?~." and after_vowel) or (ch in "dD" and after_d):
            out.append("\\" + ch)  # would otherwise be read as a mark, or "dd" as đ
            continue
        if ch in "đĐ":
            out.append("dd" if ch == "đ" else "DD")
            continue
        parts = unicodedata.normalize("NFD", ch)
        if len(parts) > 1 and parts[0].lower() in "aeiouy":
            marks = "".join(_VIQR_SHAPE.get(c, "") for c in parts[1:]) + \
                "".join(_VIQR_TONE.get(c, "") for c in parts[1:])
            out.append(parts[0] + marks)
        else:
            out.append(ch)
    return "".join(out)


# --- detection ------------------------------------------------------------------------------------------
_BYTE_DECODERS = {"tcvn3": decode_tcvn3, "vni": decode_vni, "cp1258": decode_cp1258}
MIN_SCORE = 0.05  # below this no reading is Vietnamese enough to be trusted
MIN_GAIN = 0.2  # a legacy reading must beat the text as it is by this much (per word)
LINE_MARGIN = 0.5  # how much better (per word) a line must read in another encoding than the document's
MIN_LETTERS = 5  # Vietnamese letters with marks a legacy reading must hold to be believed


def decode_bytes(data: bytes) -> Detection | None:
    """Read bytes of a text file: UTF-8 (also VIQR written in it), or else the legacy 8-bit encoding
    that reads most like Vietnamese. None when neither UTF-8 nor any reading is Vietnamese enough.

    Example:
        >>> plan = "Kế hoạch cải cách hành chính tỉnh Đồng Tháp"
        >>> decode_bytes(plan.encode("utf-8")).encoding, decode_bytes(encode(plan, "vni")).text == plan
        ('utf-8', True)
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        return detect_viqr(text) or Detection("utf-8", vietnamese_score(text), unicodedata.normalize("NFC", text))
    if b"\x00" in data:  # UTF-16, or not text at all: no 8-bit Vietnamese encoding has NUL in text
        return None
    readings = [Detection(name, vietnamese_score(t), t) for name, decoder in _BYTE_DECODERS.items()
                for t in [decoder(data)]]
    best = max(readings, key=lambda d: d.score)
    log.debug("legacy readings: %s", {d.encoding: round(d.score, 3) for d in readings})
    # a few letters are no evidence ("Quy\xeat" is windows-1258 "Quyêt", or a stray byte of anything)
    enough = len(_VIET_LETTER.findall(best.text)) >= MIN_LETTERS
    return best if best.score >= MIN_SCORE and enough else None


def detect_viqr(text: str) -> Detection | None:
    """``text`` converted from VIQR when it is written in it: few Unicode Vietnamese letters, many
    vowels followed by mark characters inside words, and a result that reads as Vietnamese."""
    words = _WORD.findall(text)
    if not words or len(_VIET_LETTER.findall(text)) > 0.02 * len(words):
        return None
    marks = len(_VIQR_MARK_AFTER_VOWEL.findall(text)) + len(re.findall(r"\b[Dd][Dd]", text))
    if marks < 0.1 * len(words):
        return None
    converted = decode_viqr(text)
    score = vietnamese_score(converted)
    return Detection("viqr", score, converted) if score >= MIN_SCORE + MIN_GAIN else None


def repair_text(text: str, encoding: str | None = None) -> Detection:
    """Text read as windows-1252 from a legacy file (a .doc, a .docx run in ``.VnTime``) → Unicode.

    With ``encoding`` (from a run's font) that encoding is applied; without, each line is converted
    by the legacy encoding that reads best over the whole text, and only where it improves the line
    (so Unicode lines and ASCII lines of a mixed document stay as they are). The text is returned
    unchanged, as "utf-8", when no legacy reading is better.
    """
    text = unicodedata.normalize("NFC", text)
    if encoding is not None:
        return Detection(encoding, 0.0, convert(text, encoding))
    viqr = detect_viqr(text)
    if viqr is not None:
        return viqr
    here = vietnamese_score(text)
    readings = [(vietnamese_score(convert(text, name)), name) for name in ("tcvn3", "vni", "cp1258")]
    score, name = max(readings)
    if score < MIN_SCORE or score < here + MIN_GAIN:
        return Detection("utf-8", here, text)
    # line by line, the reading that is most Vietnamese; on a tie the document's encoding, then the line as is
    # (a document may mix fonts: a Unicode title, a .VnTime body, a paragraph pasted from a VNI file)
    order = [name] + [e for e in ("tcvn3", "vni", "cp1258") if e != name]
    lines = []
    for line in text.split("\n"):
        if line.isascii():
            lines.append(line)
            continue
        readings = [(vietnamese_score(convert(line, e)), convert(line, e)) for e in order]
        # another encoding than the document's only when clearly better: short lines read plausibly in several
        best = max(readings[1:], key=lambda r: r[0])
        chosen = best if best[0] >= readings[0][0] + LINE_MARGIN else readings[0]
        lines.append(chosen[1] if chosen[0] >= vietnamese_score(line) else line)
    return Detection(name, score, "\n".join(lines))


def convert(text: str, encoding: str) -> str:
    """Legacy text seen as windows-1252 characters (a .doc reader's output, a .docx run) → Unicode;
    characters outside windows-1252 (real Unicode) are kept as they are.

    Example:
        >>> convert("UBND tØnh Qu¶ng Nam", "tcvn3")
        'UBND tỉnh Quảng Nam'
    """
    if encoding == "viqr":
        return decode_viqr(text)
    if encoding == "vni":
        return _vni_chars(text)
    out: list[str] = []
    for chunk in re.split(r"([^\x00-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
                          r"\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]+)", text):
        try:
            data = chunk.encode("cp1252")
        except UnicodeEncodeError:
            out.append(chunk)
            continue
        out.append(decode_tcvn3(data) if encoding == "tcvn3" else decode_cp1258(data))
    return unicodedata.normalize("NFC", "".join(out))


def font_encoding(font: str | None) -> str | None:
    """The legacy encoding a font name implies: ``.VnTime``/``.VnArialH`` → tcvn3, ``VNI-Times`` → vni.

    Example:
        >>> font_encoding(".VnTime"), font_encoding("VNI-Times"), font_encoding("Times New Roman")
        ('tcvn3', 'vni', None)
    """
    name = (font or "").strip().lower()
    if name.startswith(".vn"):
        return "tcvn3"
    if name.startswith("vni-") or name.startswith("vni "):
        return "vni"
    return None
