"""Tokens Zalo renews at run time survive a restart (Zalo's refresh tokens are single use), in a private file."""

from __future__ import annotations

import asyncio
import json
import logging
import stat
from pathlib import Path

from pydantic import SecretStr

from bot.zalo_send import ZaloClient
from core.settings import Settings
from tests.bot.fakes import FakeZalo

APP_ID, APP_SECRET = "4567", "app-secret-key"


def _settings(tmp_path: Path, zalo: FakeZalo, access: str = "access-0", refresh: str = "refresh-0") -> Settings:
    return Settings(data_dir=tmp_path / "data", zalo_app_id=APP_ID, zalo_app_secret=SecretStr(APP_SECRET),
                    zalo_access_token=SecretStr(access), zalo_refresh_token=SecretStr(refresh),
                    zalo_api_url=zalo.url, zalo_oauth_url=zalo.url)


def _send(settings: Settings, user: str = "u1") -> None:
    """One message from a freshly started client (a restart)."""
    async def run() -> None:
        client = ZaloClient(settings)
        try:
            await client.send_text(user, "Xin chào")
        finally:
            await client.aclose()

    asyncio.run(run())


def test_a_renewed_token_survives_a_restart(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeZalo(APP_ID, APP_SECRET, "access-0", "refresh-0") as zalo:
        settings = _settings(tmp_path, zalo)
        zalo.expire_access_tokens()
        _send(settings)
        assert len(zalo.refreshes) == 1  # refresh-0 is spent: Zalo would refuse it from now on
        stored = settings.data_dir / "zalo_tokens.json"
        assert stat.S_IMODE(stored.stat().st_mode) == 0o600
        assert json.loads(stored.read_text())["refresh_token"] == "refresh-1"

        _send(settings)  # restarted with the same .env: the stored tokens are used, no refresh needed
        assert len(zalo.refreshes) == 1 and zalo.sends[-1].headers["access_token"] == "access-1"

        zalo.expire_access_tokens()
        _send(settings)  # and the stored refresh token renews them again
        assert zalo.refreshes[-1].params["refresh_token"] == "refresh-1" and zalo.sends[-1].headers["access_token"] == "access-2"
    for token in ("access-0", "refresh-0", "access-1", "refresh-1", "access-2", "refresh-2", APP_SECRET):
        assert token not in caplog.text, "no token is ever logged"


def test_tokens_authorized_again_in_the_settings_win(tmp_path: Path) -> None:
    with FakeZalo(APP_ID, APP_SECRET, "access-0", "refresh-0") as zalo:
        zalo.expire_access_tokens()
        _send(_settings(tmp_path, zalo))  # stores access-1 / refresh-1
        zalo.issue_access_token("access-new")  # the operator authorized the OA again and edited .env
        _send(_settings(tmp_path, zalo, "access-new", "refresh-new"))
        assert zalo.sends[-1].headers["access_token"] == "access-new"


def test_an_unreadable_token_file_falls_back_to_the_settings(tmp_path: Path, caplog) -> None:
    with FakeZalo(APP_ID, APP_SECRET, "access-0", "refresh-0") as zalo:
        settings = _settings(tmp_path, zalo)
        settings.data_dir.mkdir(parents=True)
        (settings.data_dir / "zalo_tokens.json").write_text("{not json")
        _send(settings)
        assert zalo.sends[-1].headers["access_token"] == "access-0" and "not valid JSON" in caplog.text
