"""Hostile uploads against `hoidap serve` on loopback: how fast they are refused, what they cost.

Starts the server in a subprocess over a small store of its own (the deterministic "hashing"
embedder: the model is not the point), then sends a .docx zip bomb, a .docx with malformed XML,
and 200 MB bodies without and with the admin key. For each: the status, the seconds until the
answer, the server's RSS growth (sampled every 10 ms) and whether another admin request
(`GET /api/admin/trash`) was served while it ran.

    python eval/bench_hostile.py            # targets: 4xx in ≤ 2 s each, RSS growth ≤ 100 MB
"""

from __future__ import annotations

import argparse
import io
import socket
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus.ingest import Ingester  # noqa: E402
from corpus.store import Store  # noqa: E402
from core.settings import Settings  # noqa: E402
from eval.server import Server  # noqa: E402
from index.build import IndexBuilder  # noqa: E402
from index.model.embedder import Embedder  # noqa: E402

KEY = "bench-admin-key-0123456789abcdef"
PLAN = ("KẾ HOẠCH\nCải cách hành chính năm 2026\nI. MỤC TIÊU\n"
        "1. Sở Nội vụ chủ trì tổ chức lớp bồi dưỡng về cải cách hành chính.\n")
MB = 2**20


# --- hostile samples (also used by tests/api/test_admin_safety.py) ---------------------------------


def docx_bytes(text: str) -> bytes:
    """A real one-paragraph .docx written by python-docx."""
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def with_part(docx: bytes, part: str, content: bytes) -> bytes:
    """The same .docx with one part's content swapped."""
    source, target = zipfile.ZipFile(io.BytesIO(docx)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item.filename, content if item.filename == part else source.read(item.filename))
    return target.getvalue()


def zip_bomb(megabytes: int = 300) -> bytes:
    """A .docx of ~1.5 MB whose word/document.xml inflates to ``megabytes`` MB of paragraphs."""
    paragraph = b"<w:p><w:r><w:t>" + "Điều 1. Cải cách hành chính ".encode() * 20 + b"</w:t></w:r></w:p>"
    block = paragraph * (MB // len(paragraph))
    source, target = zipfile.ZipFile(io.BytesIO(docx_bytes("x"))), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item.filename, source.read(item.filename))
        with out.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                       b'wordprocessingml/2006/main"><w:body>')
            for _ in range(megabytes):
                part.write(block)
            part.write(b"</w:body></w:document>")
    return target.getvalue()


def malformed_docx() -> bytes:
    return with_part(docx_bytes("Điều 1. Nội dung."), "word/document.xml", b"<w:document><w:body><w:p>Dieu 1")


# --- measuring ------------------------------------------------------------------------------------


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Watch:
    """While a request runs: the server's peak RSS, and another admin request served in a loop."""

    def __init__(self, url: str, pid: int) -> None:
        self.url, self.pid = url, pid
        self.stop = threading.Event()
        self.before = rss_mb(pid)
        self.peak = self.before
        self.served: list[float] = []
        self.threads = [threading.Thread(target=self._sample), threading.Thread(target=self._other_admin)]

    def __enter__(self) -> "Watch":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        time.sleep(0.05)
        self.stop.set()
        for thread in self.threads:
            thread.join()

    def _sample(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            time.sleep(0.01)

    def _other_admin(self) -> None:
        with httpx.Client(base_url=self.url, headers={"X-API-Key": KEY}, timeout=30) as http:
            while not self.stop.is_set():
                started = time.monotonic()
                if http.get("/api/admin/trash").status_code == 200:
                    self.served.append(time.monotonic() - started)
                time.sleep(0.05)


def upload(url: str, name: str, data: bytes) -> tuple[int, str]:
    response = httpx.post(f"{url}/api/admin/documents", headers={"X-API-Key": KEY}, files={"file": (name, data)},
                          timeout=600)
    return response.status_code, response.json().get("error", {}).get("code", "")


def raw_upload(port: int, size: int, key: str | None) -> tuple[int, str, int]:
    """A ``size``-byte multipart upload sent on a raw socket for as long as the server reads it.

    Returns the status, the error code and how many bytes went out before the answer came
    (kernel buffers included), so a server that refuses early is seen to.
    """
    head = (f"POST /api/admin/documents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n"
            "Content-Type: multipart/form-data; boundary=xyz\r\n" + (f"X-API-Key: {key}\r\n" if key else "")
            + "\r\n--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"lon.txt\"\r\n\r\n").encode()
    chunk = b"a" * (256 * 1024)
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(head)
        sock.setblocking(False)
        answer = b""
        while b"\r\n\r\n" not in answer:
            try:
                answer += sock.recv(65536)
                if not answer:
                    break
                continue
            except BlockingIOError:
                pass
            if sent < size:
                try:
                    sent += sock.send(chunk[: size - sent])
                except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                    time.sleep(0.001)
            else:
                time.sleep(0.001)
        sock.settimeout(5)
        head_part, _, body = answer.partition(b"\r\n\r\n")
        length = int(head_part.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0]) if answer else 0
        while len(body) < length:  # the server may keep the connection open: read only the announced body
            more = sock.recv(65536)
            if not more:
                break
            body += more
            answer += more
    status = int(answer.split(b" ", 2)[1]) if answer else 0
    body = answer.split(b"\r\n\r\n", 1)[-1]
    code = body.split(b'"code":"', 1)[-1].split(b'"', 1)[0].decode() if b'"code"' in body else ""
    return status, code, sent


# --- running --------------------------------------------------------------------------------------


def prepare(data_dir: Path) -> None:
    settings = Settings(data_dir=data_dir, model="hashing")
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_bytes("ke-hoach-2026.txt", PLAN.encode())
    IndexBuilder(settings, store, Embedder.from_settings(settings)).build()
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--body-mb", type=int, default=200, help="size of the unauthenticated upload")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        prepare(data_dir)
        env = {"HOIDAP_MODEL": "hashing", "HOIDAP_ADMIN_KEYS": KEY, "HOIDAP_RATE_LIMIT_PER_MINUTE": "100000"}
        with Server(data_dir, env, timeout=120) as server:
            url, port = server.url, server.port
            bomb = zip_bomb()
            cases = [
                (f"zip bomb .docx ({len(bomb) / MB:.1f} MB → 300 MB XML)", lambda: upload(url, "bom.docx", bomb)),
                ("malformed-XML .docx", lambda: upload(url, "hong.docx", malformed_docx())),
                (f"{args.body_mb} MB upload, no key", lambda: raw_upload(port, args.body_mb * MB, None)),
                (f"{args.body_mb} MB upload, with key", lambda: raw_upload(port, args.body_mb * MB, KEY)),
            ]
            print(f"{'case':<44} {'status':<26} {'seconds':>8} {'RSS +MB':>8} {'sent MB':>8}  other admin request")
            for label, run in cases:
                with Watch(url, server.process.pid) as watch:
                    started = time.monotonic()
                    status, code, *rest = run()
                    seconds = time.monotonic() - started
                sent = f"{rest[0] / MB:.1f}" if rest else "–"
                other = (f"served {len(watch.served)}×, slowest {max(watch.served) * 1000:.0f} ms" if watch.served
                         else "none completed (request shorter than one round)")
                print(f"{label:<44} {f'{status} {code}':<26} {seconds:>8.2f} {watch.peak - watch.before:>8.1f} "
                      f"{sent:>8}  {other}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
