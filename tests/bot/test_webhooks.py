"""The webhooks inside the real API app (``api.main.create_app``): Telegram behind its secret header, Zalo
behind its event signature, each answering through a fake of its outside API over HTTP."""

from __future__ import annotations

import itertools
import json
import logging
import time

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.main import create_app
from bot.zalo_events import signature
from tests.bot.fakes import FakeTelegram, FakeZalo, wait_until
from tests.bot.support import message, new_chat_id

WEBHOOK_SECRET = "webhook-secret_1"
APP_ID, OA_SECRET, APP_SECRET = "app-123", "oa-secret-xyz", "app-secret-xyz"
QUESTION = "Kinh phí thực hiện đề án lấy từ đâu?"
_ids = itertools.count(1)


@pytest.fixture(scope="module")
def api(indexed_settings):
    """The API app with both bots configured, its lifespan running, and the two fakes it talks to."""
    with FakeTelegram() as telegram, FakeZalo(APP_ID, APP_SECRET, "access-0", "refresh-0") as zalo:
        settings = indexed_settings.model_copy(update={
            "telegram_token": SecretStr(FakeTelegram.TOKEN), "telegram_base_url": telegram.base_url,
            "telegram_webhook_secret": SecretStr(WEBHOOK_SECRET),
            "zalo_app_id": APP_ID, "zalo_oa_secret": SecretStr(OA_SECRET), "zalo_app_secret": SecretStr(APP_SECRET),
            "zalo_access_token": SecretStr("access-0"), "zalo_refresh_token": SecretStr("refresh-0"),
            "zalo_api_url": zalo.url, "zalo_oauth_url": zalo.url,
        })
        with TestClient(create_app(settings)) as client:
            yield client, telegram, zalo


# --- Telegram ---------------------------------------------------------------------------------


def post_update(client: TestClient, update: dict, secret: str | None = WEBHOOK_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/bot/telegram", json=update, headers=headers)


def test_the_bot_starts_with_the_app_without_polling(api):
    _, telegram, _ = api
    assert telegram.called("getMe"), "initialized in the app's lifespan"
    assert not telegram.called("getUpdates") and not telegram.called("deleteWebhook")


def test_a_telegram_update_with_the_secret_is_answered(api):
    client, telegram, _ = api
    chat = new_chat_id()
    response = post_update(client, {"update_id": 1, **message(chat, QUESTION)})
    assert response.status_code == 200 and response.json() == {"ok": True}
    [answer] = wait_until(lambda: telegram.sent(chat), what="the webhook answer")
    assert "[1]" in answer.params["text"] and "<b>Nguồn</b>" in answer.params["text"]
    assert answer.params["parse_mode"] == "HTML"


def test_a_telegram_update_with_a_wrong_or_missing_secret_is_refused(api, caplog):
    client, telegram, _ = api
    refused, chat = new_chat_id(), new_chat_id()
    for secret in ("webhook-secret_2", None, ""):
        response = post_update(client, {"update_id": 2, **message(refused, QUESTION)}, secret)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"
    caplog.set_level(logging.WARNING)
    assert post_update(client, {"update_id": 3, "message": "not a message"}).status_code == 200
    assert "cannot be read" in caplog.text, "an unreadable update is logged and not resent by Telegram"

    post_update(client, {"update_id": 4, **message(chat, QUESTION)})
    wait_until(lambda: telegram.sent(chat), what="the answer to the next good update")
    assert telegram.sent(refused) == [] and telegram.sent(refused, "sendChatAction") == []


# --- Zalo -------------------------------------------------------------------------------------


def zalo_event(user_id: str, text: str, msg_id: str | None = None, event_name: str = "user_send_text") -> bytes:
    event = {"app_id": APP_ID, "user_id_by_app": f"app-{user_id}", "event_name": event_name,
             "timestamp": str(int(time.time() * 1000)), "sender": {"id": user_id}, "recipient": {"id": "oa-1"},
             "message": {"msg_id": msg_id or f"msg-{next(_ids)}", "text": text}}
    return json.dumps(event, ensure_ascii=False).encode()


def post_event(client: TestClient, body: bytes, secret: str = OA_SECRET, header: str | None = None):
    mac = header if header is not None else signature(APP_ID, body, json.loads(body)["timestamp"], secret)
    return client.post("/bot/zalo/webhook", content=body, headers={"X-ZEvent-Signature": mac,
                                                                   "Content-Type": "application/json"})


def new_user() -> str:
    return f"zalo-user-{next(_ids)}"


def test_a_signed_zalo_message_is_acknowledged_and_answered_through_the_oa_api(api):
    client, _, zalo = api
    user = new_user()
    response = post_event(client, zalo_event(user, QUESTION))
    assert response.status_code == 200 and response.json() == {"ok": True}

    [text] = wait_until(lambda: zalo.texts_to(user), what="the Zalo answer")
    assert "Kinh phí thực hiện Đề án được bảo đảm từ nguồn ngân sách nhà nước" in text
    assert "\n\nNguồn:\n[1] " in text and "<b>" not in text and len(text) < 2000
    assert [c.params["message"] for c in zalo.sends if c.params["recipient"]["user_id"] == user] == [{"text": text}]


def test_a_badly_signed_zalo_event_is_refused_without_processing(api):
    client, _, zalo = api
    user = new_user()
    body = zalo_event(user, QUESTION)
    signed = signature(APP_ID, body, json.loads(body)["timestamp"], OA_SECRET)
    tampered = body.replace(QUESTION.encode(), "Câu hỏi bị sửa sau khi ký".encode())
    for response in (post_event(client, body, secret="not-the-oa-secret"), post_event(client, body, header=""),
                     client.post("/bot/zalo/webhook", content=body), post_event(client, tampered, header=signed)):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "bad_signature"
    assert zalo.texts_to(user) == []


def test_a_redelivered_zalo_event_is_answered_once(api):
    client, _, zalo = api
    user = new_user()
    body = zalo_event(user, QUESTION, msg_id="redelivered-1")
    assert post_event(client, body).status_code == 200
    wait_until(lambda: zalo.texts_to(user), what="the first answer")
    assert post_event(client, body).status_code == 200
    assert post_event(client, zalo_event(user, "/vanban")).status_code == 200
    texts = wait_until(lambda: zalo.texts_to(user)[1:] and zalo.texts_to(user), what="the document list")
    assert len(texts) == 2 and texts[1].startswith("Văn bản đang tra cứu (5):"), "the repeat was not answered"


def test_other_zalo_events_are_acknowledged_and_ignored(api):
    client, _, zalo = api
    user = new_user()
    assert post_event(client, zalo_event(user, "", event_name="follow")).status_code == 200
    assert post_event(client, zalo_event(user, "", event_name="user_send_sticker")).status_code == 200
    assert zalo.texts_to(user) == []


def test_an_expired_zalo_token_is_refreshed_and_the_send_retried(api, caplog):
    client, _, zalo = api
    caplog.set_level(logging.DEBUG)
    zalo.expire_access_tokens()
    refreshes = len(zalo.refreshes)
    user = new_user()

    assert post_event(client, zalo_event(user, "QĐ 1601 ban hành ngày nào?")).status_code == 200
    [text] = wait_until(lambda: zalo.texts_to(user), what="the answer after the refresh")
    assert "1601" in text
    [refresh] = zalo.refreshes[refreshes:]
    assert refresh.headers["secret_key"] == APP_SECRET
    assert refresh.params["app_id"] == APP_ID and refresh.params["grant_type"] == "refresh_token"
    new_token = next(c.headers["access_token"] for c in zalo.sends if c.params["recipient"]["user_id"] == user)
    assert new_token.startswith("access-") and new_token != "access-0"

    assert post_event(client, zalo_event(user, "/help")).status_code == 200
    assert len(zalo.texts_to(user)) == 2 and len(zalo.refreshes) == refreshes + 1, "the new token is kept"
    assert "access token refreshed" in caplog.text
    for secret in ("access-0", "refresh-0", new_token, refresh.params["refresh_token"], APP_SECRET, OA_SECRET):
        assert secret not in caplog.text, "no token or secret is ever logged"
