"""Local stand-ins for the outside HTTP APIs the bots talk to: the Telegram Bot API and the Zalo OA API.

Each is a real HTTP server on 127.0.0.1 (``http.server`` in a thread) that records every call and
answers the way the real service documents it, with scripted failures.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

Route = Callable[[str, dict, bytes], tuple[int, object]]


@dataclass
class Call:
    method: str
    params: dict
    headers: dict = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)
    result: object = None  # what the fake answered, for calls that succeeded


class FakeServer:
    """A threaded HTTP server on a free port of 127.0.0.1; ``route(path, headers, body)`` answers POSTs."""

    def __init__(self, route: Route) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = outer.route(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # a long poll the client gave up on when stopping
                    self.close_connection = True

            def log_message(self, *args) -> None:  # keep the test output quiet
                pass

        self.route = route
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FakeServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def wait_until(predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> object:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


# --- Telegram ---------------------------------------------------------------------------------

# form fields python-telegram-bot sends as JSON; every other field is a plain string
_JSON_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "reply_markup", "reply_parameters",
                "allowed_updates", "show_alert", "link_preview_options", "drop_pending_updates", "cache_time"}


class FakeTelegram:
    """The Bot API at ``{url}/bot<token>/<method>``: getMe, getUpdates (long polling over queued updates),
    sendMessage, sendChatAction, editMessageText, editMessageReplyMarkup, answerCallbackQuery, setWebhook,
    deleteWebhook. ``fail_once`` scripts an error reply for the next call of a method."""

    TOKEN = "123456:TEST-token-for-the-fake"
    BOT = {"id": 123456, "is_bot": True, "first_name": "Hỏi đáp CCHC", "username": "HoiDapCCHCBot"}

    def __init__(self) -> None:
        self.server = FakeServer(self._route)
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.failures: dict[str, list[tuple[int, object]]] = {}
        self.refused_chats: set[int] = set()
        self._next_update_id = 1000
        self._next_message_id = 1
        self._lock = threading.Condition()

    @property
    def base_url(self) -> str:
        return f"{self.server.url}/bot"

    def __enter__(self) -> FakeTelegram:
        self.server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._lock.notify_all()
        self.server.__exit__(*exc)

    # --- test side --------------------------------------------------------------------------

    def push(self, update: dict) -> dict:
        """Queue an update for getUpdates; its update_id is assigned here."""
        with self._lock:
            self._next_update_id += 1
            update = {"update_id": self._next_update_id, **update}
            self.updates.append(update)
            self._lock.notify_all()
        return update

    def fail_once(self, method: str, status: int, payload: object) -> None:
        with self._lock:
            self.failures.setdefault(method, []).append((status, payload))

    def sent(self, chat_id: int, method: str = "sendMessage") -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.params.get("chat_id") == chat_id]

    def called(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    # --- server side ------------------------------------------------------------------------

    def _route(self, path: str, headers: dict, body: bytes) -> tuple[int, object]:
        prefix = f"/bot{self.TOKEN}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix):]
        params = self._params(headers, body)
        call = Call(method, params, headers)
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()
            scripted = self.failures.get(method)
            if scripted:
                return scripted.pop(0)
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if method in ("sendMessage", "editMessageText") and params.get("chat_id") in self.refused_chats:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        handler = {
            "getMe": lambda: self.BOT,
            "sendMessage": lambda: self._message(params),
            "editMessageText": lambda: self._message(params),
            "editMessageReplyMarkup": lambda: True,
            "sendChatAction": lambda: True,
            "answerCallbackQuery": lambda: True,
            "setWebhook": lambda: True,
            "deleteWebhook": lambda: True,
        }.get(method)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
        call.result = handler()
        return 200, {"ok": True, "result": call.result}

    @staticmethod
    def _params(headers: dict, body: bytes) -> dict:
        if headers.get("content-type", "").startswith("application/json"):
            return json.loads(body or b"{}")
        params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        return {k: json.loads(v) if k in _JSON_FIELDS else v for k, v in params.items()}

    def _get_updates(self, params: dict) -> list[dict]:
        offset = params.get("offset") or 0
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 1.0)
        with self._lock:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones are gone
            while not self.updates and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())
            return list(self.updates)

    def _message(self, params: dict) -> dict:
        with self._lock:
            self._next_message_id += 1
            message_id = params.get("message_id") or self._next_message_id
        chat_id = params["chat_id"]
        message = {"message_id": message_id, "date": int(time.time()), "text": params.get("text", ""),
                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}, "from": self.BOT}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message


# --- Zalo -------------------------------------------------------------------------------------


class FakeZalo:
    """The OA message API (``/v3.0/oa/message/cs``) and the OAuth token endpoint (``/v4/oa/access_token``)
    on one server. Tokens in ``expired`` get error -216; a refresh issues ``access-N``/``refresh-N``."""

    def __init__(self, app_id: str, app_secret: str, access_token: str, refresh_token: str) -> None:
        self.server = FakeServer(self._route)
        self.app_id, self.app_secret = app_id, app_secret
        self.valid_access = {access_token}
        self.valid_refresh = {refresh_token}
        self.sends: list[Call] = []
        self.refreshes: list[Call] = []
        self._issued = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> FakeZalo:
        self.server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.server.__exit__(*exc)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far now gets error -216."""
        with self._lock:
            self.valid_access.clear()

    def issue_access_token(self, token: str) -> None:
        """``token`` is now valid, as if the OA had been authorized again by hand."""
        with self._lock:
            self.valid_access.add(token)

    def texts_to(self, user_id: str) -> list[str]:
        with self._lock:
            return [c.params["message"]["text"] for c in self.sends if c.params["recipient"]["user_id"] == user_id]

    def _route(self, path: str, headers: dict, body: bytes) -> tuple[int, object]:
        with self._lock:
            if path == "/v3.0/oa/message/cs":
                if headers.get("access_token") not in self.valid_access:
                    return 200, {"error": -216, "message": "Access token is invalid"}
                payload = json.loads(body)
                self.sends.append(Call("message/cs", payload, headers))
                return 200, {"error": 0, "message": "Success",
                             "data": {"message_id": f"m{len(self.sends)}", "user_id": payload["recipient"]["user_id"]}}
            if path == "/v4/oa/access_token":
                form = dict(parse_qsl(body.decode()))
                self.refreshes.append(Call("access_token", form, headers))
                if (headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id
                        or form.get("grant_type") != "refresh_token" or form.get("refresh_token") not in self.valid_refresh):
                    return 200, {"error": -14014, "error_name": "Invalid parameter",
                                 "error_description": "Invalid refresh token"}
                self._issued += 1
                self.valid_refresh.discard(form["refresh_token"])  # single use, as Zalo's are
                access, refresh = f"access-{self._issued}", f"refresh-{self._issued}"
                self.valid_access.add(access)
                self.valid_refresh.add(refresh)
                return 200, {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}
            return 404, {"error": 404, "message": "not found"}
