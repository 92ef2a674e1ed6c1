"""Sending on Zalo: the OA message API with token refresh.

Answers go out through ``POST /v3.0/oa/message/cs`` with the ``access_token`` header; an expired token
(error -216) is refreshed once with the refresh token at ``POST /v4/oa/access_token`` and the send
retried. New tokens are never logged; they are kept in ``data_dir/zalo_tokens.json`` (mode 600) and
preferred to the settings' after a restart, since Zalo's refresh tokens are single use.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from pathlib import Path

import httpx

from core.errors import HoidapError
from core.private import write_private
from core.settings import Settings

log = logging.getLogger(__name__)

EXPIRED_TOKEN = -216
SEND_ATTEMPTS = 3


class ZaloApiError(HoidapError):
    """The Zalo OA API refused a call (the error code and Zalo's message are in the text)."""

    code = "zalo_api_error"


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
