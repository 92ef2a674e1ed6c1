"""The query log keeps what improves answers and not who asked: masked questions, hashed chat ids, retention,
files readable by their owner only."""

from __future__ import annotations

import sqlite3
import stat
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from core.settings import Settings
from cli.main import main
from hoidap.privacy import mask_personal
from hoidap.querylog import QueryLog

DAY = 86400


@pytest.mark.parametrize(("question", "stored"), [
    ("Tôi số điện thoại 0912 345 678 hỏi về Đề án 1601", "Tôi số điện thoại [số điện thoại] hỏi về Đề án 1601"),
    ("gọi 0912.345.678, +84 912 345 678 hay (+84)912345678", "gọi [số điện thoại], [số điện thoại] hay [số điện thoại]"),
    ("máy bàn sở 0235 3810 123 hay 02353810123?", "máy bàn sở [số điện thoại] hay [số điện thoại]?"),
    ("CCCD 001099012345 (CMND cũ 123456789) cần làm gì", "CCCD [số CCCD/CMND] (CMND cũ [số CCCD/CMND]) cần làm gì"),
    ("CCCD 001 099 012 345 đã cấp", "CCCD [số CCCD/CMND] đã cấp"),
    ("gửi về nguyen.van.a@quangnam.gov.vn được không", "gửi về [email] được không"),
])
def test_personal_numbers_and_addresses_are_masked(question: str, stored: str) -> None:
    assert mask_personal(question) == stored


@pytest.mark.parametrize("question", [
    "Quyết định 1601/QĐ-UBND-HC ngày 21/10/2021 giao ai chủ trì?",
    "Tờ trình 937/TTr-SNV năm 2022, Nghị định 107/2021/NĐ-CP, Quyết định 01/2022/QĐ-UBND",
    "tỷ lệ 95% và 95,5% hồ sơ đúng hạn trong giai đoạn 2021-2025, từ ngày 01.01.2022",
    "kinh phí 100.000.000 đồng, 500000000 đồng hay 1.500.000.000đ",
    "Điều 5 khoản 2 điểm a; mã hồ sơ 000.00.12.H34-220101-0001; tổng đài 1900 1234",
])
def test_document_numbers_dates_and_amounts_survive(question: str) -> None:
    assert mask_personal(question) == question


def _record(querylog: QueryLog, question: str, conversation_id: str | None = "tg:12345") -> str:
    return querylog.record(channel="telegram", conversation_id=conversation_id, question=question,
                           search_query=question, answer="Theo Điều 5 ...", abstained=False, unit_ids=["u1"],
                           top_doc="dongthap-2021-de-an-1601", latency_ms=12.0)


def _rows(path: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_stored_masked_and_hashed_and_follow_ups_still_find_the_turn(tmp_path: Path) -> None:
    path = tmp_path / "data" / "querylog.sqlite3"
    querylog = QueryLog(path)
    answer_id = _record(querylog, "sđt 0912345678, CCCD 001099012345: QĐ 1601/QĐ-UBND-HC ngày 21/10/2021?")
    querylog.feedback(answer_id, False, "gọi lại cho tôi 0987 654 321")
    [(conversation, question, search)] = _rows(path, "SELECT conversation_id, question, search_query FROM answers")
    assert question == search == "sđt [số điện thoại], CCCD [số CCCD/CMND]: QĐ 1601/QĐ-UBND-HC ngày 21/10/2021?"
    assert "12345" not in conversation and conversation == querylog.conversation_key("tg:12345")
    assert _rows(path, "SELECT comment FROM feedback") == [("gọi lại cho tôi [số điện thoại]",)]
    assert b"0912345678" not in b"".join(p.read_bytes() for p in path.parent.iterdir())
    reopened = QueryLog(path)  # the key kept in the data dir: a restart keeps conversations going
    assert reopened.last_turn("tg:12345").top_doc == "dongthap-2021-de-an-1601"
    assert reopened.last_turn("tg:1234") is None


# the ways of writing personal numbers and addresses that used to reach the log in clear (issue 23)
WRITTEN_OTHERWISE = [
    ("sđt0912345678 hỏi về đề án", "0912345678", "[số điện thoại]"),
    ("gọi 84912345678 giúp tôi", "84912345678", "[số điện thoại]"),
    ("số của tôi ０９１２３４５６７８", "912345678", "[số điện thoại]"),  # full-width digits
    ("CCCD 001.099.012.345 đã cấp", "099.012", "[số CCCD/CMND]"),
    ("CCCD 001-099-012-345 đã cấp", "099-012", "[số CCCD/CMND]"),
    ("CCCD001099012345 cần làm gì", "001099012345", "[số CCCD/CMND]"),
    ("gửi name(at)gmail.com nhé", "name(at)gmail", "[email]"),
    ("gửi name @ gmail.com nhé", "gmail.com", "[email]"),
]


@pytest.mark.parametrize(("question", "secret", "label"), WRITTEN_OTHERWISE)
def test_every_way_of_writing_is_masked_in_the_stored_log(tmp_path: Path, question: str, secret: str,
                                                          label: str) -> None:
    path = tmp_path / "data" / "querylog.sqlite3"
    _record(QueryLog(path), question)
    [(stored, search)] = _rows(path, "SELECT question, search_query FROM answers")
    assert label in stored and label in search
    assert secret not in stored and secret not in search
    assert secret.encode() not in b"".join(p.read_bytes() for p in path.parent.iterdir())


def test_the_configured_key_decides_the_hash(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", log_key=SecretStr("a-long-secret-for-the-log"))
    _record(QueryLog.from_settings(settings), "QĐ 1601")
    assert QueryLog.from_settings(settings).last_turn("tg:12345") is not None
    assert QueryLog(settings.querylog_path).last_turn("tg:12345") is None, "the random file key is another key"
    assert QueryLog(settings.querylog_path, key=b"a-long-secret-for-the-log").last_turn("tg:12345") is not None


def test_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    (data / "querylog.sqlite3").touch(mode=0o644)  # left by an older version
    querylog = QueryLog(data / "querylog.sqlite3")
    _record(querylog, "QĐ 1601")
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for path in data.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    fresh = QueryLog(tmp_path / "other" / "querylog.sqlite3")
    _record(fresh, "QĐ 1601")
    assert {stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "other").iterdir()} == {0o600}


def test_rows_older_than_the_retention_are_purged(tmp_path: Path) -> None:
    path = tmp_path / "data" / "querylog.sqlite3"
    querylog = QueryLog(path, retention_days=30)
    old, new = _record(querylog, "câu cũ"), _record(querylog, "câu mới")
    querylog.feedback(old, True)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE answers SET created_at = ? WHERE id = ?", (time.time() - 31 * DAY, old))
    assert querylog.purge() == 1
    assert [q["id"] for q in querylog.questions()] == [new] and querylog.feedback_for(old) == []
    assert querylog.purge(now=time.time() + 31 * DAY) == 1
    with pytest.raises(ValueError, match="retention_days=0"):
        QueryLog(path, retention_days=0)


def test_opening_purges_and_the_cli_purges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(data))
    monkeypatch.setenv("HOIDAP_LOG_RETENTION_DAYS", "7")
    querylog = QueryLog.from_settings(Settings())
    ids = [_record(querylog, f"câu {i}") for i in range(3)]
    with sqlite3.connect(data / "querylog.sqlite3") as conn:
        conn.execute("UPDATE answers SET created_at = ? WHERE id != ?", (time.time() - 8 * DAY, ids[0]))
    assert main(["querylog", "purge"]) == 0
    assert "đã xóa 2 câu trả lời cũ hơn 7 ngày" in capsys.readouterr().out
    assert [q["id"] for q in QueryLog.from_settings(Settings()).questions()] == [ids[0]]


def test_a_log_written_in_clear_is_masked_and_hashed_on_opening(tmp_path: Path) -> None:
    path = tmp_path / "querylog.sqlite3"
    QueryLog(path)  # the schema
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 0")
        conn.execute("INSERT INTO answers VALUES ('a1', ?, 'zalo', 'zalo:987', 'email tôi a@b.vn', 'email tôi a@b.vn', "
                     "'...', 0, '[]', NULL, 1.0)", (time.time(),))
    querylog = QueryLog(path)
    assert _rows(path, "SELECT conversation_id, question FROM answers") == [
        (querylog.conversation_key("zalo:987"), "email tôi [email]")]
    assert querylog.last_turn("zalo:987").question == "email tôi [email]"


def _log(querylog: QueryLog, n: int) -> list[str]:
    """``n`` questions over four channels, every 7th abstained, every 1,000th about land ("đất đai")."""
    return [querylog.record(channel=("api", "widget", "telegram", "zalo")[i % 4], conversation_id=f"c{i}",
                            question=f"Câu hỏi số {i} về hồ sơ {'đất đai' if i % 1000 == 0 else 'một cửa'}",
                            search_query="", answer="", abstained=i % 7 == 0, unit_ids=[], top_doc=None, latency_ms=1.0)
            for i in range(n)]


def test_the_console_reads_the_log_a_page_at_a_time_by_words_channel_and_state(tmp_path: Path) -> None:
    querylog = QueryLog(tmp_path / "querylog.sqlite3", key=b"k" * 32)
    ids = _log(querylog, 60)
    querylog.feedback(ids[1], False, "sai")
    total, rows = querylog.page(limit=10)
    assert total == 60 and len(rows) == 10
    # abstained and 👎 first, newest first within each
    flagged = [r["abstained"] or r["negative"] > 0 for r in rows]
    assert all(flagged) and [r["created_at"] for r in rows] == sorted((r["created_at"] for r in rows), reverse=True)
    assert querylog.page(q="DAT DAI")[0] == 1  # whole log, without diacritics or case
    assert querylog.page(channel="widget")[0] == 15
    total, rows = querylog.page(state="negative")
    assert total == 1 and rows[0]["id"] == ids[1] and rows[0]["comments"] == "sai"
    assert querylog.page(state="abstained")[0] == 9 and querylog.page(state="answered")[0] == 60 - 9 - 1
    assert querylog.page(offset=55, limit=10)[1][-1]["id"] not in [r["id"] for r in querylog.page(limit=10)[1]]
    with pytest.raises(ValueError, match="state='wrong'"):
        querylog.page(state="wrong")


@pytest.mark.slow
def test_a_page_of_50000_logged_questions_is_read_by_its_indexes(tmp_path: Path) -> None:
    querylog = QueryLog(tmp_path / "querylog.sqlite3", key=b"k" * 32)
    _log(querylog, 50_000)
    for query in ({}, {"q": "dat dai"}, {"channel": "widget", "state": "flagged"}, {"offset": 49_950}):
        total, rows = querylog.page(**query)
        assert rows and len(rows) <= 50 <= total, query
    with sqlite3.connect(tmp_path / "querylog.sqlite3") as conn:  # the page's order is read from an index
        plan = " ".join(str(row) for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM answers ORDER BY created_at DESC LIMIT 50"))
    assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
    assert querylog.page(q="dat dai")[0] == 50
