"""Ready means ready: ``/api/health`` says ``starting`` (503) until the analyser, the question encoder and one
search have run, then ``ok``; the first question after that loads nothing.

Checked in a fresh interpreter (this test process has long imported pyvi, ONNX Runtime and the rest), by what
is loaded, not by time: the modules imported, the serving snapshot and the encoder session, before and after
the first question.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings

SCRIPT = r"""
import json, sys, time
from fastapi.testclient import TestClient
from api.main import create_app
from core.settings import Settings

app = create_app(Settings())
client = TestClient(app)  # not entered yet: no lifespan, so no warm-up has run
first = client.get("/api/health")
out = {"before": [first.status_code, first.json()["status"]], "seen": []}
with client:
    for _ in range(2400):  # a bound on the polls, not a time asserted
        health = client.get("/api/health")
        out["seen"].append([health.status_code, health.json()["status"]])
        if health.status_code == 200:
            break
        time.sleep(0.05)
    assistant = app.state.hoidap.assistant
    snapshot, session = assistant.searcher.current(), assistant.searcher.embedder._query_model._session
    modules = set(sys.modules)
    out["loaded_before"] = sorted(m for m in ("pycrfsuite", "onnxruntime", "tokenizers", "faiss", "sklearn") if m in modules)
    answer = client.post("/api/ask", json={"question": "Kinh phí thực hiện đề án lấy từ nguồn nào?"})
    out["answer"] = answer.status_code
    out["new_modules"] = sorted(set(sys.modules) - modules)
    out["same_snapshot"] = assistant.searcher.current() is snapshot
    out["same_session"] = assistant.searcher.embedder._query_model._session is session
print(json.dumps(out))
"""


def test_health_says_starting_then_ok_and_the_first_answer_loads_nothing(indexed_settings: Settings,
                                                                            tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(indexed_settings.data_dir, data)  # the answer is logged: a copy of the shared index
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "HOIDAP_DATA_DIR": str(data)}
    run = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=600,
                         cwd=PROJECT_ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["before"] == [503, "starting"]
    assert out["seen"][-1] == [200, "ok"]
    assert all(status == [503, "starting"] for status in out["seen"][:-1])
    # the analyser's CRF is loaded, without scikit-learn (index.wordseg)
    assert out["loaded_before"] == ["faiss", "onnxruntime", "pycrfsuite", "tokenizers"]
    assert out["answer"] == 200
    assert out["new_modules"] == []
    assert out["same_snapshot"] and out["same_session"]
