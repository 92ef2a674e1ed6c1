"""The Zalo Official Account channel: webhook signature, the OA message API with token refresh, and the
handling of ``user_send_text`` events.

Zalo signs each event with ``X-ZEvent-Signature: mac=<sha256(app_id + raw body + timestamp + OA secret key)>``
(hex; ``timestamp`` is the event's own field). Answers go out through ``POST /v3.0/oa/message/cs`` with the
``access_token`` header; an expired token (error -216) is refreshed once with the refresh token at
``POST /v4/oa/access_token`` and the send retried. New tokens are never logged; they are kept in
``data_dir/zalo_tokens.json`` (mode 600) and preferred to the settings' after a restart, since Zalo's refresh
tokens are single use.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot import format as fmt
from bot.seen import SeenEvents
from bot.zalo_quiz import ZaloQuiz
from hoidap.assistant import Assistant
from hoidap.experts import Reply
from core.errors import HoidapError, InvalidQuery, NotFound
from core.private import write_private
from core.ratelimit import RateLimiter
from core.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "zalo"
EXPIRED_TOKEN = -216
SEND_ATTEMPTS = 3


class ZaloApiError(HoidapError):
    """The Zalo OA API refused a call (the error code and Zalo's message are in the text)."""

    code = "zalo_api_error"


# --- webhook events ---------------------------------------------------------------------------


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


# --- the OA API -------------------------------------------------------------------------------


class TokenFile:
    """The access and refresh tokens Zalo issued at run time, kept across restarts in ``path`` (mode 600).

    They replace the settings' tokens, unless the settings' refresh token has changed since they were issued
    (someone authorized the OA again and put new tokens in ``.env``): then the settings win.

    Example:
        >>> import tempfile; tokens = TokenFile(Path(tempfile.mkdtemp()) / "zalo_tokens.json")
        >>> tokens.load("access-0", "refresh-0")
        ('access-0', 'refresh-0')
        >>> tokens.save("access-1", "refresh-1"); tokens.load("access-0", "refresh-0")
        ('access-1', 'refresh-1')
        >>> tokens.load("access-new", "refresh-new")  # authorized again: the settings win
        ('access-new', 'refresh-new')
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._replaces = ""

    def load(self, access_token: str, refresh_token: str) -> tuple[str, str]:
        """The tokens to use: the stored ones when they descend from these settings' tokens, else these."""
        self._replaces = _fingerprint(refresh_token)
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return access_token, refresh_token
        except ValueError:
            log.warning("%s is not valid JSON; using the Zalo tokens from the settings", self.path)
            return access_token, refresh_token
        if not isinstance(stored, dict) or not stored.get("access_token") or not stored.get("refresh_token"):
            log.warning("%s holds no Zalo tokens; using the ones from the settings", self.path)
            return access_token, refresh_token
        if stored.get("replaces") != self._replaces:
            log.info("HOIDAP_ZALO_REFRESH_TOKEN changed since %s was written; using the settings' Zalo tokens", self.path)
            return access_token, refresh_token
        return stored["access_token"], stored["refresh_token"]

    def save(self, access_token: str, refresh_token: str) -> None:
        data = {"access_token": access_token, "refresh_token": refresh_token, "refreshed_at": time.time(),
                "replaces": self._replaces}  # which settings token this chain started from
        write_private(self.path, json.dumps(data).encode("utf-8"))


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()[:16]


class ZaloClient:
    """Sends OA messages; refreshes the access token when Zalo says it expired.

    Args:
        settings: ``zalo_api_url``, ``zalo_oauth_url``, ``zalo_app_id``, ``zalo_app_secret`` (or
            ``zalo_oa_secret``), ``zalo_access_token``, ``zalo_refresh_token``, ``zalo_timeout_seconds``.

    Example:
        >>> client = ZaloClient(settings)                       # doctest: +SKIP
        >>> await client.send_text("2512523625412515", "Xin chào")  # doctest: +SKIP
    """

    def __init__(self, settings: Settings) -> None:
        self.api_url = settings.zalo_api_url.rstrip("/")
        self.oauth_url = settings.zalo_oauth_url.rstrip("/")
        self.app_id = settings.zalo_app_id
        secret = settings.zalo_app_secret or settings.zalo_oa_secret
        self._app_secret = secret.get_secret_value() if secret else ""
        self._tokens = TokenFile(settings.data_dir / "zalo_tokens.json")
        self._access_token, self._refresh_token = self._tokens.load(
            settings.zalo_access_token.get_secret_value() if settings.zalo_access_token else "",
            settings.zalo_refresh_token.get_secret_value() if settings.zalo_refresh_token else "")
        self.timeout = settings.zalo_timeout_seconds
        self._client: httpx.AsyncClient | None = None
        self._refresh_lock = asyncio.Lock()

    def __repr__(self) -> str:  # never show the tokens
        return f"ZaloClient(api_url={self.api_url!r}, app_id={self.app_id!r})"

    @property
    def http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def send_text(self, user_id: str, text: str) -> dict:
        """Send one text message (at most 2,000 characters) to a user who wrote to the OA.

        Raises:
            ZaloApiError: Zalo refused the message, or the token could not be refreshed.
            httpx.HTTPError: Zalo could not be reached after retries.
        """
        payload = {"recipient": {"user_id": user_id}, "message": {"text": text}}
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            token = self._access_token
            try:
                response = await self.http.post(f"{self.api_url}/v3.0/oa/message/cs", json=payload,
                                                 headers={"access_token": token})
                if response.status_code >= 500:
                    raise httpx.HTTPStatusError(f"Zalo answered HTTP {response.status_code}",
                                                request=response.request, response=response)
            except (httpx.TransportError, httpx.HTTPStatusError) as exc:
                if attempt >= SEND_ATTEMPTS:
                    raise
                log.warning("Zalo send failed (%s); retrying (attempt %d of %d)", exc, attempt, SEND_ATTEMPTS)
                await asyncio.sleep(0.5 * attempt)
                continue
            data = _json(response)
            error = data.get("error", 0)
            if error == EXPIRED_TOKEN and not refreshed:
                await self.refresh(token)
                refreshed = True
                continue
            if error != 0:
                raise ZaloApiError(f"Zalo từ chối tin nhắn: lỗi {error} ({data.get('message', 'không rõ')})")
            return data

    async def refresh(self, expired: str) -> None:
        """New access and refresh tokens from the refresh token, unless another send already got them.

        Raises:
            ZaloApiError: no refresh token configured, or Zalo refused it.
        """
        async with self._refresh_lock:
            if self._access_token != expired:
                return
            if not self._refresh_token or not self._app_secret:
                raise ZaloApiError("access token Zalo đã hết hạn; cần HOIDAP_ZALO_REFRESH_TOKEN và "
                                   "HOIDAP_ZALO_APP_SECRET (hoặc HOIDAP_ZALO_OA_SECRET) để làm mới")
            response = await self.http.post(
                f"{self.oauth_url}/v4/oa/access_token", headers={"secret_key": self._app_secret},
                data={"app_id": self.app_id, "grant_type": "refresh_token", "refresh_token": self._refresh_token})
            data = _json(response)
            if not data.get("access_token"):
                raise ZaloApiError(f"không làm mới được access token Zalo: lỗi {data.get('error', response.status_code)} "
                                   f"({data.get('error_description') or data.get('message') or 'không rõ'})")
            self._access_token = data["access_token"]
            # Zalo's refresh tokens are single use: the new one replaces the old, here and after a restart
            self._refresh_token = data.get("refresh_token") or self._refresh_token
            try:
                await asyncio.to_thread(self._tokens.save, self._access_token, self._refresh_token)
            except OSError as exc:
                log.error("Zalo OA access token refreshed but not saved to %s (%s); after a restart, set "
                          "HOIDAP_ZALO_ACCESS_TOKEN and HOIDAP_ZALO_REFRESH_TOKEN again", self._tokens.path, exc)
                return
            log.info("Zalo OA access token refreshed (valid %s s); new tokens kept in %s",
                     data.get("expires_in", "?"), self._tokens.path)


def _json(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        raise ZaloApiError(f"Zalo trả về nội dung không phải JSON (HTTP {response.status_code})") from None
    if not isinstance(data, dict):
        raise ZaloApiError(f"Zalo trả về JSON không phải đối tượng (HTTP {response.status_code})")
    return data


# --- the channel ------------------------------------------------------------------------------


class ZaloChannel:
    """Answers ``user_send_text`` events through the shared assistant.

    Args:
        settings: ``zalo_rate_limit_per_minute`` and the client's settings.
        assistant: the facade shared by every channel.
        client: the OA API client (built from ``settings`` when not given).
    """

    def __init__(self, settings: Settings, assistant: Assistant, client: ZaloClient | None = None) -> None:
        self.settings = settings
        self.assistant = assistant
        self.client = client or ZaloClient(settings)
        self.limiter = RateLimiter(settings.zalo_rate_limit_per_minute, settings.rate_limit_max_clients)
        # msg_ids received, shared by every worker on the data directory and kept across restarts
        self.window_s = settings.zalo_event_window_minutes * 60
        self.seen = SeenEvents(settings.data_dir / "channels.sqlite3", CHANNEL, self.window_s)
        self.quiz = ZaloQuiz(assistant, self.send)
        # each user's last answer, for /canbo (send it to the expert); bounded like the rate limiter
        self.last_answer: OrderedDict[str, str] = OrderedDict()
        # one lock per user: a follow-up question waits for the answer before it
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def fresh(self, event: object) -> bool:
        """Whether the event is dated within the window (either side of now): an older one is a replay."""
        age = event_age(event)
        return age is not None and abs(age) <= self.window_s

    def accept(self, event: object) -> TextEvent | None:
        """The text event to answer, or None: another kind of event, or one already received (Zalo redelivers)."""
        text = text_event(event)
        if text is None:
            return None
        if text.msg_id and not self.seen.add(text.msg_id):
            log.info("Zalo message %s received again; already answered", text.msg_id)
            return None
        return text

    async def handle(self, event: TextEvent) -> None:
        """Answer one message; errors are logged here, at the edge, since Zalo was acknowledged already."""
        try:
            await self._reply(event)
        except (HoidapError, httpx.HTTPError) as exc:
            log.error("could not answer Zalo message %s from user %s", event.msg_id, event.user_id, exc_info=exc)

    async def _reply(self, event: TextEvent) -> None:
        decision = self.limiter.take(f"zalo:{event.user_id}")
        if not decision.allowed:
            log.info("Zalo user %s rate limited for %.0f s", event.user_id, decision.wait)
            if decision.warn:
                await self.send(event.user_id, fmt.rate_limited_text(decision.wait))
            return
        command = event.text.strip().lower()
        if command in ("/start", "/help"):
            return await self.send(event.user_id, fmt.welcome_text() if command == "/start" else fmt.help_text())
        if command == "/vanban":
            docs = await asyncio.to_thread(self.assistant.documents)
            return await self.send(event.user_id, fmt.documents_plain([d.public() for d in docs], self.settings.public_base_url))
        if command == fmt.ESCALATE_COMMAND:
            return await self._escalate(event.user_id)
        lock = self._locks.get(event.user_id)
        if lock is None:
            lock = self._locks[event.user_id] = asyncio.Lock()
        async with lock:
            if await self.quiz.handle(event.user_id, event.text):  # /kiemtra, A/B/C/D, /dangky, /huydangky
                return
            try:
                answer = await asyncio.to_thread(self.assistant.ask, event.text,
                                                 conversation_id=f"zalo:{event.user_id}", channel=CHANNEL)
            except HoidapError as exc:
                if not isinstance(exc, InvalidQuery):
                    log.error("cannot answer Zalo user %s: %s", event.user_id, exc.message)
                return await self.send(event.user_id, fmt.error_text(exc))
            if answer.answer_id:
                self.last_answer[event.user_id] = answer.answer_id
                self.last_answer.move_to_end(event.user_id)
                while len(self.last_answer) > self.settings.rate_limit_max_clients:
                    self.last_answer.popitem(last=False)
            await self.send(event.user_id, fmt.answer_plain(answer, self.settings.public_base_url))

    async def _escalate(self, user_id: str) -> None:
        """/canbo: the user's last question goes to the expert in charge."""
        answer_id = self.last_answer.get(user_id)
        if answer_id is None:
            return await self.send(user_id, fmt.NOTHING_TO_ESCALATE)
        try:
            await asyncio.to_thread(self.assistant.escalate, answer_id, channel=CHANNEL,
                                    conversation_id=f"zalo:{user_id}", reply_to=user_id)
        except NotFound:
            return await self.send(user_id, fmt.NOTHING_TO_ESCALATE)
        await self.send(user_id, fmt.ESCALATED)

    async def send_reply(self, reply: Reply) -> str | None:
        """An expert's reply to the Zalo user who asked; the reason when Zalo refuses it."""
        try:
            await self.send(reply.reply_to, fmt.expert_reply_plain(reply, self.settings.public_base_url))
        except ZaloApiError as exc:
            return exc.message
        return None

    async def send(self, user_id: str, text: str) -> None:
        for part in fmt.split_message(text, fmt.ZALO_MAX_CHARS):
            await self.client.send_text(user_id, part)
