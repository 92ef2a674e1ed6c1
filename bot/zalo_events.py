"""Zalo's webhook events: the signature Zalo sends with each (``X-ZEvent-Signature``), the event's age
(a replay is older than the window) and the question of a ``user_send_text`` event.

Zalo signs each event with ``X-ZEvent-Signature: mac=<sha256(app_id + raw body + timestamp + OA secret key)>``
(hex; ``timestamp`` is the event's own field).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)


def signature(app_id: str, body: bytes, timestamp: str, oa_secret: str) -> str:
    """The ``X-ZEvent-Signature`` Zalo sends with ``body``.

    Example:
        >>> signature("1", b"{}", "2", "s") == "mac=" + hashlib.sha256(b"1{}2s").hexdigest()
        True
    """
    return "mac=" + hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret.encode()).hexdigest()


def verify(header: str | None, app_id: str, body: bytes, oa_secret: str) -> bool:
    """Whether ``header`` is Zalo's signature of ``body`` (compared in constant time)."""
    if not header or not app_id or not oa_secret:
        return False
    try:
        event = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than the parser goes: not Zalo's
        return False
    timestamp = event.get("timestamp") if isinstance(event, dict) else None
    if timestamp is None:
        return False
    expected = signature(app_id, body, str(timestamp), oa_secret)
    return hmac.compare_digest(header.strip().encode(), expected.encode())


def event_age(event: object, now: float | None = None) -> float | None:
    """Seconds since the event's own ``timestamp`` (milliseconds, as Zalo writes it); None when it has none.

    Example:
        >>> event_age({"timestamp": "1000"}, now=61.0)
        60.0
    """
    timestamp = event.get("timestamp") if isinstance(event, dict) else None
    try:
        millis = float(timestamp)
    except (TypeError, ValueError):
        return None
    if millis != millis:  # NaN
        return None
    return (time.time() if now is None else now) - millis / 1000


@dataclass
class TextEvent:
    user_id: str
    msg_id: str
    text: str


def text_event(event: object) -> TextEvent | None:
    """The question in a ``user_send_text`` event; None for any other event (follow, image, sticker...)."""
    if not isinstance(event, dict) or event.get("event_name") != "user_send_text":
        return None
    sender, message = event.get("sender"), event.get("message")
    if not isinstance(sender, dict) or not isinstance(message, dict) or not sender.get("id"):
        log.warning("Zalo user_send_text event without sender id or message; ignored")
        return None
    return TextEvent(str(sender["id"]), str(message.get("msg_id") or ""), str(message.get("text") or ""))
