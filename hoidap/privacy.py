"""What the query log must not keep in clear: personal numbers and addresses in questions, and chat ids."""

from __future__ import annotations

import hashlib
import hmac
import re

# Separators people type inside a number: "0912 345 678", "0912.345.678", "091-234-5678". A digit, "/" or "-"
# next to a number makes it part of something else: a document number "1601/QĐ-UBND-HC", a date "21/10/2021".
_BEFORE = r"(?<![\w/.\-+])"
_AFTER = r"(?![\w/]|[.,\-]\d)"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Vietnamese phones: 0 and 9 digits (mobile) or 10 (landline); +84 / 0084 drops the 0
_PHONE = re.compile(_BEFORE + r"(?:\(?\+84\)?|0084|0)[\s.\-]?\d(?:[\s.\-]?\d){8,9}" + _AFTER)
# CCCD: 12 digits, CMND: 9, contiguous or in spaced groups of three; not an amount of money
_ID_CARD = re.compile(_BEFORE + r"(?:\d{12}|\d{9}|\d{3}(?: \d{3}){2,3})" + _AFTER
                      + r"(?!\s*(?:đồng|đ\b|vnđ|vnd|triệu|tỷ|nghìn|ngàn))", re.IGNORECASE)
MASKS = ((_EMAIL, "[email]"), (_PHONE, "[số điện thoại]"), (_ID_CARD, "[số CCCD/CMND]"))


def mask_personal(text: str) -> str:
    """``text`` with e-mail addresses, phone numbers and ID card numbers replaced by what they were.

    Document numbers, dates, years, amounts and percentages are kept.

    Example:
        >>> mask_personal("Tôi (CCCD 001099012345, sđt 0912 345 678) hỏi về QĐ 1601/QĐ-UBND-HC ngày 21/10/2021")
        'Tôi (CCCD [số CCCD/CMND], sđt [số điện thoại]) hỏi về QĐ 1601/QĐ-UBND-HC ngày 21/10/2021'
    """
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
