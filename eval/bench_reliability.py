"""Reliability probes against `hoidap serve` on loopback (issue 23), one line per probe: pass/FAIL and its figure.

Each probe is what a careful attacker or an unlucky admin would try: rotating X-Forwarded-For from the loopback
(rate limit, sign-in lockout), guessing X-API-Key, large bodies to /api/ask and the Zalo webhook (status,
bytes the server took, its RSS growth), deep JSON to the webhooks, one Zalo msg_id to two workers and after a
restart, a signed event from 2001, kill -9 in an upload and in a replace (then a restart), an upload of too
many units, a question joining 62 years, personal numbers written 8 ways, a weak admin key, the pages' headers,
a title with bidi characters, the mode of a data directory made by `hoidap ingest`.
The servers run over small stores of their own (the deterministic "hashing" embedder: the model is not the point).

    python eval/bench_reliability.py     # about 2-4 minutes on 2 cores; exit status 1 if a probe fails
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.zalo_events import signature  # noqa: E402
from core.settings import PROJECT_ROOT, Settings  # noqa: E402
from corpus.ingest import Ingester  # noqa: E402
from corpus.store import Store  # noqa: E402
from eval.bench_hostile import PLAN, rss_mb  # noqa: E402
from index.build import IndexBuilder  # noqa: E402
from eval.server import Server, free_port  # noqa: E402

KEY = "reliability-admin-key-0123456789"
APP_ID, OA_SECRET = "bench-app", "bench-oa-secret"
MB = 2**20
QUESTION = "Sở Nội vụ chủ trì việc gì?"
WRITTEN = ["sđt0912345678", "84912345678", "０９１２３４５６７８", "001.099.012.345", "001-099-012-345",
           "CCCD001099012345", "name(at)gmail.com", "name @ gmail.com"]
RESULTS: list[bool] = []


def line(name: str, ok: bool, figure: str) -> None:
    RESULTS.append(ok)
    print(f"{'pass' if ok else 'FAIL'}  {name:<28} {figure}", flush=True)


class FakeZalo:
    """The Zalo OA message API on 127.0.0.1, counting the messages sent to each user."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                outer.sent.append(body.get("recipient", {}).get("user_id", ""))
                data = json.dumps({"error": 0, "message": "Success", "data": {"message_id": "m"}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def env(zalo_url: str, **more: str) -> dict[str, str]:
    return {"HOIDAP_MODEL": "hashing", "HOIDAP_ADMIN_KEYS": KEY, "HOIDAP_ANSWERABILITY_MODEL": "none",
            "HOIDAP_ABSTAIN_THRESHOLD": "0", "HOIDAP_ZALO_APP_ID": APP_ID, "HOIDAP_ZALO_OA_SECRET": OA_SECRET,
            "HOIDAP_ZALO_ACCESS_TOKEN": "access", "HOIDAP_ZALO_API_URL": zalo_url,
            "HOIDAP_TELEGRAM_TOKEN": "123:bench", "HOIDAP_TELEGRAM_BASE_URL": "http://127.0.0.1:9/bot",
            "HOIDAP_TELEGRAM_WEBHOOK_SECRET": "bench-telegram-secret", "FORWARDED_ALLOW_IPS": "*", **more}


def fresh(url: str, method: str, path: str, **kwargs) -> httpx.Response:
    with httpx.Client(base_url=url, timeout=120) as http:  # its own connection: either worker
        return http.request(method, path, **kwargs)


def zalo_body(user: str, msg_id: str, timestamp_ms: int | None = None, text: str = QUESTION) -> tuple[bytes, str]:
    stamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    body = json.dumps({"app_id": APP_ID, "event_name": "user_send_text", "timestamp": stamp, "sender": {"id": user},
                       "recipient": {"id": "oa"}, "message": {"msg_id": msg_id, "text": text}}).encode()
    return body, signature(APP_ID, body, stamp, OA_SECRET)


def raw_post(port: int, path: str, size: int, headers: str = "") -> tuple[int, int]:
    """POST a ``size``-byte body on a raw socket for as long as the server reads it: (status, bytes sent)."""
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\nContent-Type: application/json\r\n"
            f"{headers}\r\n").encode()
    chunk, sent, answer = b" " * (256 * 1024), 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        deadline = time.monotonic() + 120
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            try:
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
                continue
            except BlockingIOError:
                pass
            try:
                sent += sock.send(chunk[: size - sent]) if sent < size else 0
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.001)
            if sent >= size:
                time.sleep(0.001)
    return (int(answer.split(b" ", 2)[1]) if answer else 0), sent


def watched_post(server: Server, path: str, size: int, headers: str = "") -> tuple[int, int, float, float]:
    """``raw_post`` while the server's RSS is sampled: (status, bytes sent, seconds, RSS growth MB)."""
    before, peak, stop = rss_mb(server.process.pid), [0.0], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(server.process.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.monotonic()
    status, sent = raw_post(server.port, path, size, headers)
    seconds = time.monotonic() - started
    stop.set()
    sampler.join()
    return status, sent, seconds, max(0.0, peak[0] - before)


# --- probes on one server with two workers --------------------------------------------------------------


def probe_workers(data: Path, zalo: FakeZalo, body_mb: int) -> None:
    # the rate limit is kept per worker (in memory): 30 a minute in each of the 2 workers is 60 for an address
    with Server(data, env(zalo.url, HOIDAP_RATE_LIMIT_PER_MINUTE="30"), args=["--workers", "2"]) as server:
        url = server.url
        answered = sum(fresh(url, "POST", "/api/ask", json={"question": QUESTION},
                             headers={"X-Forwarded-For": f"198.51.100.{n}"}).status_code == 200 for n in range(65))
        line("xff_rate_limit", answered <= 60, f"{answered} of 65 answered with rotating X-Forwarded-For "
             "(limit 30 a minute in each of 2 workers)")
        codes = [fresh(url, "POST", "/api/console/session", json={"key": f"wrong-{n}"},
                       headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(20)]
        right = fresh(url, "POST", "/api/console/session", json={"key": KEY},
                      headers={"X-Forwarded-For": "192.0.2.1"}).status_code
        line("xff_signin_lockout", codes.count(401) == 5 and right == 429,
             f"{codes.count(401)}x401 then {codes.count(429)}x429 of 20 wrong keys; the right key then: {right}")

    data = data.parent.parent / "guessing" / "data"  # another data directory: a lockout count of its own
    prepare(data)
    with Server(data, env(zalo.url), args=["--workers", "2"]) as server:
        started = time.monotonic()
        codes = [fresh(server.url, "GET", "/api/admin/trash", headers={"X-API-Key": f"guess-{n}"}).status_code
                 for n in range(300)]
        first = codes.index(429) + 1 if 429 in codes else None
        line("api_key_guessing", first == 6, f"first 429 at attempt {first}; {codes.count(401)}x401, "
             f"{codes.count(429)}x429 of 300 in {time.monotonic() - started:.1f} s")

        status, sent, seconds, grown = watched_post(server, "/api/ask", body_mb * MB)
        line("ask_big_body", status == 413 and grown < 50,
             f"{status} for {body_mb} MB after {sent / MB:.1f} MB sent, {seconds:.2f} s, RSS +{grown:.0f} MB")
        status, sent, seconds, grown = watched_post(server, "/bot/zalo/webhook", body_mb * MB,
                                                    "X-ZEvent-Signature: mac=0\r\n")
        line("zalo_big_unsigned_body", status in (401, 413) and grown < 50,
             f"{status} for {body_mb} MB after {sent / MB:.1f} MB sent, {seconds:.2f} s, RSS +{grown:.0f} MB")

        deep = b"[" * 20_000 + b"]" * 20_000
        zalo_deep = fresh(server.url, "POST", "/bot/zalo/webhook", content=deep,
                          headers={"X-ZEvent-Signature": signature(APP_ID, deep, "1", OA_SECRET)}).status_code
        tg_deep = fresh(server.url, "POST", "/bot/telegram", content=deep,
                        headers={"X-Telegram-Bot-Api-Secret-Token": "bench-telegram-secret"}).status_code
        line("webhooks_deep_json", 400 <= zalo_deep < 500 and tg_deep != 500,
             f"Zalo {zalo_deep}, Telegram {tg_deep} (503: its bot cannot reach Telegram here; never 500)")

        body, mac = zalo_body("dedup-user", "bench-msg-1")
        for _ in range(6):
            fresh(server.url, "POST", "/bot/zalo/webhook", content=body, headers={"X-ZEvent-Signature": mac})
        time.sleep(2)
    with Server(data, env(zalo.url), args=["--workers", "2"]) as server:
        fresh(server.url, "POST", "/bot/zalo/webhook", content=body, headers={"X-ZEvent-Signature": mac})
        old, old_mac = zalo_body("old-user", "bench-msg-2001", timestamp_ms=978_307_200_000)
        stale = fresh(server.url, "POST", "/bot/zalo/webhook", content=old, headers={"X-ZEvent-Signature": old_mac})
        time.sleep(2)
    answers = zalo.sent.count("dedup-user")
    line("zalo_msg_id_once", answers == 1, f"{answers} answer for 6 deliveries to 2 workers + 1 after a restart")
    line("zalo_event_from_2001", stale.status_code == 400 and "old-user" not in zalo.sent,
         f"{stale.status_code}, {zalo.sent.count('old-user')} answers")


# --- probes on one process: kill -9, uploads, questions, headers ---------------------------------------------


def big_plan(marker: str, articles: int = 2500) -> bytes:
    lines = [f"KẾ HOẠCH\nChuyển đổi số năm 2027 tỉnh Hà Giang\nĐiều 1. {marker}"]
    lines += [f"Điều {n}. Sở ngành số {n} báo cáo tiến độ nhiệm vụ chuyển đổi số thứ {n} hằng quý."
              for n in range(2, articles + 1)]
    return "\n".join(lines).encode()


def stored_hash(data: Path, doc_id: str) -> str | None:
    with sqlite3.connect(f"file:{data / 'hoidap.sqlite3'}?mode=ro", uri=True, timeout=5) as conn:
        row = conn.execute("SELECT content_hash FROM documents WHERE id = ?", (doc_id,)).fetchone()
    return row[0] if row else None


def killed(data: Path, zalo: FakeZalo, method: str, path: str, doc_id: str, content: bytes) -> float:
    """Send the change, SIGKILL the server once the store holds it; seconds from the request to the kill."""
    server = Server(data, env(zalo.url)).__enter__()
    before = stored_hash(data, doc_id)
    started = time.monotonic()

    def send() -> None:
        try:
            httpx.request(method, f"{server.url}{path}", headers={"X-API-Key": KEY}, timeout=300,
                          files={"file": (f"{doc_id}.txt", content)})
        except httpx.HTTPError:
            pass

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    while stored_hash(data, doc_id) == before and time.monotonic() - started < 240:
        time.sleep(0.005)
    seconds = time.monotonic() - started
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait(30)
    server._log.close()
    thread.join(30)
    return seconds


def cites(url: str, question: str, doc_id: str) -> bool:
    answer = httpx.post(f"{url}/api/ask", json={"question": question}, timeout=120).json()
    return doc_id in [c["doc_id"] for c in answer.get("citations", [])]


def probe_single(data: Path, zalo: FakeZalo) -> None:
    marker = "Sở Tài nguyên chủ trì số hóa bản đồ địa chính toàn tỉnh Hà Giang."
    seconds = killed(data, zalo, "POST", "/api/admin/documents", "chuyen-doi-so", big_plan(marker))
    with Server(data, env(zalo.url)) as server:
        store = httpx.get(f"{server.url}/api/health").json()["store"]
        listed = "chuyen-doi-so" in [d["id"] for d in httpx.get(f"{server.url}/api/documents").json()]
        answered = cites(server.url, "Ai chủ trì số hóa bản đồ địa chính tỉnh Hà Giang?", "chuyen-doi-so")
    line("kill9_upload", store["in_sync"] is True and listed and answered,
         f"killed {seconds:.1f} s in; after restart in_sync={store['in_sync']}, listed={listed}, answered={answered}")

    marker = "Sở Thông tin và Truyền thông xây dựng kho dữ liệu số dùng chung của tỉnh."
    seconds = killed(data, zalo, "PUT", "/api/admin/documents/ke-hoach-2026", "ke-hoach-2026", big_plan(marker))
    with Server(data, env(zalo.url, HOIDAP_MAX_UPLOAD_UNITS="1000")) as server:
        url = server.url
        store = httpx.get(f"{url}/api/health").json()["store"]
        outline = httpx.get(f"{url}/api/documents/ke-hoach-2026").json()["outline"]
        new = any(marker in unit["text"] for unit in outline[:3])
        answered = cites(url, "Ai xây dựng kho dữ liệu số dùng chung của tỉnh?", "ke-hoach-2026")
        line("kill9_replace", store["in_sync"] is True and new and answered,
             f"killed {seconds:.1f} s in; after restart in_sync={store['in_sync']}, reader v2={new}, answered={answered}")

        started = time.monotonic()
        refused = httpx.post(f"{url}/api/admin/documents", headers={"X-API-Key": KEY}, timeout=300,
                             files={"file": ("rat-lon.txt", big_plan("Mở đầu.", 20_000))})
        line("upload_too_many_units", refused.status_code == 422 and "too_many_units" in refused.text,
             f"{refused.status_code} for 20,000 units in {time.monotonic() - started:.1f} s (cap 1000)")

        years = ", ".join(str(y) for y in range(1963, 2025))
        started = time.monotonic()
        parts = httpx.post(f"{url}/api/ask", json={"question": f"Mục tiêu các năm {years}?"}, timeout=120)
        refused_ms = (time.monotonic() - started) * 1000
        started = time.monotonic()
        httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=120)
        normal_ms = (time.monotonic() - started) * 1000
        line("question_of_62_years", parts.status_code == 400 and "too_many_parts" in parts.text,
             f"{parts.status_code} in {refused_ms:.0f} ms (a normal question: {normal_ms:.0f} ms)")

        for n, written in enumerate(WRITTEN):
            httpx.post(f"{url}/api/ask", json={"question": f"tôi {written} hỏi về kế hoạch số {n}"}, timeout=120)
        logged = " ".join(q["question"] for q in httpx.get(f"{url}/api/admin/questions", params={"limit": 100},
                                                               headers={"X-API-Key": KEY}).json())
        clear = [w for w in WRITTEN if w in logged or w.replace("(at)", "@") in logged]
        line("masking_8_formats", not clear, f"{len(WRITTEN) - len(clear)} of {len(WRITTEN)} masked in the stored log")

        page = httpx.get(f"{url}/admin")
        headers_ok = all(h in page.headers for h in ("content-security-policy", "x-content-type-options",
                                                     "referrer-policy"))
        line("page_headers", headers_ok, "CSP, X-Content-Type-Options, Referrer-Policy on /admin: "
             f"{'all' if headers_ok else 'missing'}")

        uploaded = httpx.post(f"{url}/api/admin/documents", headers={"X-API-Key": KEY}, timeout=120,
                              files={"file": ("bao-cao\u202ecod.txt", "Điều 1. Báo cáo định kỳ hằng quý.\n".encode())})
        title = next((d["title"] for d in httpx.get(f"{url}/api/documents").json()
                      if d["id"] == uploaded.json().get("doc_id")), "")
        line("title_bidi_chars", uploaded.status_code == 201 and "\u202e" not in title, f"stored title {title!r}")


def probe_start(tmp: Path) -> None:
    weak = subprocess.run([sys.executable, "-m", "cli", "serve", "--port", str(free_port())], cwd=PROJECT_ROOT,
                          env={**os.environ, "HOIDAP_DATA_DIR": str(tmp / "weak"), "HOIDAP_ADMIN_KEYS": "admin123"},
                          capture_output=True, text=True, timeout=120)
    line("weak_admin_key", weak.returncode == 2, f"exit {weak.returncode}: {weak.stderr.strip()[:90]}")
    docs = tmp / "docs"
    docs.mkdir()
    (docs / "ke-hoach.txt").write_text("Điều 1. Sở Nội vụ chủ trì.\nĐiều 2. Các sở phối hợp.\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "cli", "ingest", str(docs)], cwd=PROJECT_ROOT, capture_output=True,
                   env={**os.environ, "HOIDAP_DATA_DIR": str(tmp / "ingested")}, timeout=300, check=True)
    mode = stat.S_IMODE((tmp / "ingested").stat().st_mode)
    line("ingest_data_dir_private", mode == 0o700, f"mode {mode:o} after hoidap ingest alone")


def prepare(data_dir: Path) -> None:
    """One small plan, indexed as the servers below serve it (hashing embedder, hand thresholds)."""
    settings = Settings(data_dir=data_dir, model="hashing", answerability_model="none")
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_bytes("ke-hoach-2026.txt", PLAN.encode())
    IndexBuilder(settings, store).build()
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--body-mb", type=int, default=200, help="size of the large bodies")
    args = parser.parse_args()
    started = time.monotonic()
    zalo = FakeZalo()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name in ("workers", "single"):
            prepare(tmp / name / "data")
        probe_workers(tmp / "workers" / "data", zalo, args.body_mb)
        probe_single(tmp / "single" / "data", zalo)
        probe_start(tmp)
        print("disk_full: not probed live (needs a full file system); tests/api/test_security.py fills a real "
              "SQLite file to its size cap: 507 disk_full")
    print(f"{sum(RESULTS)} of {len(RESULTS)} probes pass in {time.monotonic() - started:.0f} s")
    zalo.server.shutdown()
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
