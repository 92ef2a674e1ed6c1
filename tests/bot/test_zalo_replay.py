"""Zalo redeliveries and replays: a ``msg_id`` is answered once by every app on one data directory (as the workers
of ``hoidap serve --workers N`` are), also after a restart; a signed event dated outside the window is refused."""

from __future__ import annotations

import json
import time
from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from tests.api.test_security import _indexed
from tests.bot.fakes import FakeZalo, wait_until
from tests.bot.test_webhooks import APP_ID, APP_SECRET, OA_SECRET, post_event, zalo_event


def _settings(tmp_path: Path, zalo: FakeZalo):
    return _indexed(tmp_path, zalo_app_id=APP_ID, zalo_oa_secret=SecretStr(OA_SECRET),
                    zalo_app_secret=SecretStr(APP_SECRET), zalo_access_token=SecretStr("access-0"),
                    zalo_refresh_token=SecretStr("refresh-0"), zalo_api_url=zalo.url, zalo_oauth_url=zalo.url)


def test_one_msg_id_to_two_apps_and_after_a_restart_is_answered_once(tmp_path: Path) -> None:
    with FakeZalo(APP_ID, APP_SECRET, "access-0", "refresh-0") as zalo:
        settings = _settings(tmp_path, zalo)
        body = zalo_event("replay-user", "Sở Nội vụ chủ trì việc gì?", msg_id="msg-replayed")
        with TestClient(create_app(settings)) as first, TestClient(create_app(settings)) as second:
            for client in (first, second, first, second, second, first):  # six deliveries, two workers
                assert post_event(client, body).status_code == 200
            wait_until(lambda: zalo.texts_to("replay-user"), what="the one answer")
            time.sleep(1.0)  # room for a second answer, were one coming
        with TestClient(create_app(settings)) as restarted:
            assert post_event(restarted, body).status_code == 200
            assert post_event(restarted, zalo_event("replay-user", "/help", msg_id="msg-new")).status_code == 200
            texts = wait_until(lambda: zalo.texts_to("replay-user")[1:] and zalo.texts_to("replay-user"),
                               what="the answer to the next message")
            time.sleep(0.5)
        assert len(zalo.texts_to("replay-user")) == 2, texts
        assert zalo.texts_to("replay-user")[0] != zalo.texts_to("replay-user")[1]


def test_a_signed_event_dated_2001_or_next_week_is_refused(tmp_path: Path) -> None:
    with FakeZalo(APP_ID, APP_SECRET, "access-0", "refresh-0") as zalo:
        settings = _settings(tmp_path, zalo)
        with TestClient(create_app(settings)) as client:
            for when in (978_307_200_000, int((time.time() + 7 * 86400) * 1000), "not-a-time"):
                event = json.loads(zalo_event("old-user", "Sở Nội vụ chủ trì việc gì?"))
                event["timestamp"] = str(when)
                response = post_event(client, json.dumps(event).encode())
                assert response.status_code == 400 and response.json()["error"]["code"] == "stale_event"
            time.sleep(0.5)
        assert zalo.texts_to("old-user") == []
