"""Store migrations (core.sqlite.migrate): a data directory written by the layout before migrations opens
with today's code, keeps its rows, and every store reports its schema version."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from api.sessions import Sessions
from core.settings import Settings
from core.sqlite import SchemaTooNew, Step, migrate, schema_version
from corpus.store import Store
from hoidap.experts import ExpertDesk
from hoidap.querylog import QueryLog
from hoidap.quiz.bank import QuizBank

# the files as the code before migrations wrote them: tables made with IF NOT EXISTS, user_version 0
# (the query log alone was at 1, once its rows were masked)
PREVIOUS_LAYOUT = {
    "hoidap.sqlite3": (0, """
        CREATE TABLE documents (id TEXT PRIMARY KEY, path TEXT NOT NULL, fmt TEXT NOT NULL, content_hash TEXT NOT NULL,
            raw_text TEXT NOT NULL, text TEXT NOT NULL, meta_json TEXT NOT NULL, ingested_at REAL NOT NULL);
        CREATE TABLE units (id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL, breadcrumb_json TEXT NOT NULL,
            text TEXT NOT NULL, context TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
            text_hash TEXT NOT NULL);
        CREATE INDEX units_doc ON units(doc_id, ordinal);
        CREATE TABLE metadata_overrides (doc_id TEXT PRIMARY KEY, json TEXT NOT NULL, updated_at REAL NOT NULL);
        INSERT INTO documents VALUES ('qd-1', 'qd-1.txt', 'txt', 'h1', 'x', 'x', '{}', 1.0);
    """),
    "quiz.sqlite3": (0, """
        CREATE TABLE subscribers (channel TEXT NOT NULL, chat_id TEXT NOT NULL, subscribed_at REAL NOT NULL,
            last_sent_at REAL, PRIMARY KEY (channel, chat_id));
        CREATE TABLE rounds (channel TEXT NOT NULL, period TEXT NOT NULL, claimed_at REAL NOT NULL,
            pid INTEGER NOT NULL, UNIQUE (channel, period));
        INSERT INTO subscribers VALUES ('telegram', '42', 1.0, NULL);
    """),
    "experts.sqlite3": (0, """
        CREATE TABLE faq (id INTEGER PRIMARY KEY AUTOINCREMENT, created_at REAL NOT NULL, question TEXT NOT NULL,
            answer TEXT NOT NULL, units TEXT NOT NULL, request_id INTEGER, active INTEGER NOT NULL DEFAULT 1);
        INSERT INTO faq (created_at, question, answer, units) VALUES (1.0, 'Ai chủ trì?', 'Sở Nội vụ.', '[]');
    """),
    "sessions.sqlite3": (0, """
        CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, csrf TEXT NOT NULL, created_at REAL NOT NULL,
            expires_at REAL NOT NULL);
    """),
    "querylog.sqlite3": (1, """
        CREATE TABLE answers (id TEXT PRIMARY KEY, created_at REAL NOT NULL, channel TEXT NOT NULL,
            conversation_id TEXT, question TEXT NOT NULL, search_query TEXT NOT NULL, answer TEXT NOT NULL,
            abstained INTEGER NOT NULL, unit_ids TEXT NOT NULL, top_doc TEXT, latency_ms REAL NOT NULL);
        CREATE TABLE feedback (answer_id TEXT NOT NULL REFERENCES answers(id), helpful INTEGER NOT NULL,
            comment TEXT, channel TEXT NOT NULL, created_at REAL NOT NULL);
    """),
}


def _previous_data_dir(data: Path) -> None:
    data.mkdir()
    for name, (version, script) in PREVIOUS_LAYOUT.items():
        with sqlite3.connect(data / name) as conn:
            conn.executescript(script)
            conn.execute(f"PRAGMA user_version = {version}")
    with sqlite3.connect(data / "querylog.sqlite3") as conn:  # an answer logged, already masked
        conn.execute("INSERT INTO answers VALUES ('a1', ?, 'api', NULL, 'Ai chủ trì?', 'Ai chủ trì?', '...', 0, "
                     "'[]', NULL, 1.0)", (time.time(),))


def _columns(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def test_a_data_directory_of_the_previous_layout_opens_and_upgrades(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    _previous_data_dir(data)
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(data))
    settings = Settings()
    store, bank = Store(settings.db_path), QuizBank(settings.quiz_path)
    desk, querylog = ExpertDesk(settings.experts_path), QueryLog.from_settings(settings)
    sessions = Sessions(settings.sessions_path, ttl_s=60)

    assert store.content_hash("qd-1") == "h1"  # the rows are all there
    assert bank.subscribers("telegram") == ["42"]
    assert [e.answer for e in desk.faq()] == ["Sở Nội vụ."]
    assert [q["id"] for q in querylog.questions()] == ["a1"]
    # the tables the old files lacked are made, the column nothing wrote is gone
    assert "trash_documents" in {r[0] for r in sqlite3.connect(data / "hoidap.sqlite3").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "last_sent_at" not in _columns(data / "quiz.sqlite3", "subscribers")
    token, _ = sessions.create()
    assert sessions.get(token) is not None

    reported = {"corpus": store.schema_version, "quiz": bank.schema_version, "experts": desk.schema_version,
                "querylog": querylog.schema_version, "sessions": sessions._store.schema_version}
    assert reported == {"corpus": 1, "quiz": 3, "experts": 1, "querylog": 2, "sessions": 1}
    # opened again: nothing to do, same versions, same rows
    assert QuizBank(settings.quiz_path).schema_version == 3 and bank.subscribers("telegram") == ["42"]


def test_a_fresh_data_directory_is_at_the_latest_version(tmp_path: Path) -> None:
    from hoidap.quiz.bank import STEPS

    assert QuizBank(tmp_path / "quiz.sqlite3").schema_version == len(STEPS) == 3
    assert "last_sent_at" not in _columns(tmp_path / "quiz.sqlite3", "subscribers")


def test_a_failing_step_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    one = Step(1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY);")
    assert migrate(conn, [one]) == 1
    broken = Step(2, "a table and a typo", "CREATE TABLE tags (name TEXT); INSERT INTO nowhere VALUES (1);")
    with pytest.raises(sqlite3.OperationalError, match="nowhere"):
        migrate(conn, [one, broken])
    assert schema_version(conn) == 1
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")] == ["notes"]


def test_a_file_from_newer_code_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "quiz.sqlite3"
    QuizBank(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 9")
    with pytest.raises(SchemaTooNew, match="schema version 9, newer than this code knows \\(3\\)"):
        QuizBank(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 9


def test_steps_run_once_and_in_order(tmp_path: Path) -> None:
    first = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)
    second = sqlite3.connect(tmp_path / "x.sqlite3", isolation_level=None)  # another worker on the same file
    steps = [Step(1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY);"),
             Step(2, "notes.text", "ALTER TABLE notes ADD COLUMN text TEXT;")]
    assert migrate(first, steps) == 2
    assert migrate(second, steps) == 2  # an ALTER run twice would fail
    with pytest.raises(ValueError, match="numbered 1..2"):
        migrate(first, [steps[1], steps[0]])


def test_the_cli_reports_every_store_s_version_without_migrating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture) -> None:
    import json

    from cli.main import main

    data = tmp_path / "data"
    _previous_data_dir(data)
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(data))
    assert main(["stores", "--json"]) == 0
    before = {row["store"]: (row["version"], row["latest"]) for row in json.loads(capsys.readouterr().out)}
    assert before == {"corpus": (0, 1), "querylog": (1, 2), "quiz": (0, 3), "experts": (0, 1), "sessions": (0, 1)}
    QuizBank(data / "quiz.sqlite3").close()
    assert main(["stores", "--json"]) == 0
    assert {row["store"]: row["version"] for row in json.loads(capsys.readouterr().out)}["quiz"] == 3
