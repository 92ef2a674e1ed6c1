"""A job in a bounded child process: its result, its errors, and the limits that stop it."""

from __future__ import annotations

import time
from functools import partial

import pytest

from corpus.ingest import parse_upload
from corpus.isolate import run_bounded
from core.errors import EncodingError, FileTooLarge, ParseTimeout

GIB = 2**30


def test_result_and_our_errors_come_back() -> None:
    parse = partial(parse_upload, max_chars=1200, max_unzipped_bytes=10**8)
    doc, fmt = run_bounded(parse, "kh.txt", "KẾ HOẠCH\nĐiều 1. Sở Nội vụ chủ trì.\n".encode(), "kh",
                           name="kh.txt", seconds=30, memory_bytes=GIB)
    assert fmt == "txt" and doc.id == "kh" and any("Sở Nội vụ chủ trì" in s.text for s in doc.segments)
    with pytest.raises(EncodingError) as caught:
        run_bounded(parse, "cu.txt", b"Quy\xeat", "cu", name="cu.txt", seconds=30, memory_bytes=GIB)
    assert caught.value.code == "bad_encoding" and "cu.txt" in caught.value.message


def test_a_job_past_its_deadline_is_killed() -> None:
    started = time.monotonic()
    with pytest.raises(ParseTimeout) as caught:
        run_bounded(time.sleep, 30, name="cham.docx", seconds=0.5, memory_bytes=GIB)
    assert time.monotonic() - started < 3
    assert "cham.docx" in caught.value.message and "0.5" in caught.value.message


def test_a_job_over_its_memory_limit_is_refused() -> None:
    with pytest.raises(FileTooLarge) as caught:
        run_bounded(bytearray, 2 * GIB, name="lon.docx", seconds=30, memory_bytes=GIB)
    assert "lon.docx" in caught.value.message and "1024 MB" in caught.value.message
