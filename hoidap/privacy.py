"""What the query log must not keep in clear: personal numbers and addresses in questions, and chat ids."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from core.private import private_key
from core.settings import Settings

KEY_FILE = "querylog.key"

# Separators people type inside a number: "0912 345 678", "0912.345.678", "091-234-5678". A digit, "/" or "-"
# next to a number makes it part of something else: a document number "1601/QĐ-UBND-HC", a date "21/10/2021".
# Letters before it do not ("sđt0912345678", "CCCD001099012345"): people glue the label to the number.
_BEFORE = r"(?<![\d/.\-+])"
_AFTER = r"(?![\w/]|[.,\-]\d)"
# "name@x.vn", "name @ x.vn", "name(at)x.vn", "name [at] x.vn", "name(at)x(dot)vn"
_AT = r"(?:\s*@\s*|\s*[(\[]\s*(?:at|a còng)\s*[)\]]\s*)"
_DOT = r"(?:\.|\s*[(\[]\s*(?:dot|chấm)\s*[)\]]\s*)"
_EMAIL = re.compile(r"[\w.+-]+" + _AT + r"[\w-]+(?:" + _DOT + r"[\w-]+)+", re.IGNORECASE)
# Vietnamese phones: 0 and 9 digits (mobile) or 10 (landline); +84 / 0084 / 84 drops the 0
_PHONE = re.compile(_BEFORE + r"(?:\(?\+84\)?|0084|84|0)[\s.\-]?\d(?:[\s.\-]?\d){8,9}" + _AFTER)
# CCCD: 12 digits, CMND: 9, contiguous, in spaced groups of three, or in groups of three joined by "." or "-"
# when it starts with 0 as a CCCD does (an amount never does); not an amount of money
_ID_CARD = re.compile(_BEFORE + r"(?:\d{12}|\d{9}|\d{3}(?: \d{3}){2,3}|0\d{2}(?:\.\d{3}){2,3}|0\d{2}(?:-\d{3}){2,3})"
                      + _AFTER + r"(?!\s*(?:đồng|đ\b|vnđ|vnd|triệu|tỷ|nghìn|ngàn))", re.IGNORECASE)
MASKS = ((_EMAIL, "[email]"), (_PHONE, "[số điện thoại]"), (_ID_CARD, "[số CCCD/CMND]"))
# full-width forms ("０９１２", "＠", "．") as their ASCII twins, and every other script's digits as 0-9
_WIDE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}


def normalise_digits(text: str) -> str:
    """``text`` with full-width characters and the digits of any script written as ASCII.

    Example:
        >>> normalise_digits("０９１２ ٣٤٥ ＠")
        '0912 345 @'
    """
    text = text.translate(_WIDE)
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(ch)) if not ch.isascii() and unicodedata.decimal(ch, None) is not None
                   else ch for ch in text)


def mask_personal(text: str) -> str:
    """``text`` with e-mail addresses, phone numbers and ID card numbers replaced by what they were.

    Document numbers, dates, years, amounts and percentages are kept. Digits of other scripts and
    full-width characters are read as ASCII first (the text returned is written so).

    Example:
        >>> mask_personal("Tôi (CCCD 001099012345, sđt 0912 345 678) hỏi về QĐ 1601/QĐ-UBND-HC ngày 21/10/2021")
        'Tôi (CCCD [số CCCD/CMND], sđt [số điện thoại]) hỏi về QĐ 1601/QĐ-UBND-HC ngày 21/10/2021'
    """
    text = normalise_digits(text)
    for pattern, label in MASKS:
        text = pattern.sub(label, text)
    return text


def keyed_hash(key: bytes, value: str) -> str:
    """A stable pseudonym for ``value`` (a chat or user id): HMAC-SHA256 under ``key``, 128 bits in hex.

    Without the key nobody can tell which chat it was, even by trying every Telegram id.

    Example:
        >>> keyed_hash(b"k" * 32, "tg:12345") == keyed_hash(b"k" * 32, "tg:12345") != keyed_hash(b"j" * 32, "tg:12345")
        True
    """
    return "h:" + hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def pseudonym_key(settings: Settings) -> bytes:
    """The key of every keyed hash (chat ids, persons, sign-in addresses): ``HOIDAP_LOG_KEY``, else a random key
    made once in ``DATA_DIR/querylog.key`` (mode 600), shared by every process on the data directory."""
    if settings.log_key is not None:
        return settings.log_key.get_secret_value().encode("utf-8")
    return private_key(settings.data_dir / KEY_FILE)
