"""One answer analyses its question once and reads one index version (issue 19, build 1).

The calls are observed with a profiler hook (nothing of ours is replaced): every call of
``index.query.analyse`` that does the work (a text, not an already analysed ``Query``) and every
call of ``Searcher.current`` made while one answer is computed.
"""

from __future__ import annotations

import sys
from collections import Counter

import pytest

from core.settings import Settings
from hoidap.assistant import Assistant
from index import query as query_module
from index.search import Searcher
from tests.conftest import shared_embedder

pytestmark = pytest.mark.slow


class _Calls:
    """Counts analyses (by text) and snapshot reads on this thread while active."""

    def __init__(self) -> None:
        self.analysed: Counter[str] = Counter()
        self.snapshots = 0

    def __enter__(self) -> "_Calls":
        analyse_code, current_code = query_module.analyse.__code__, Searcher.current.__code__

        def hook(frame, event, _arg) -> None:
            if event != "call":
                return
            if frame.f_code is analyse_code and isinstance(frame.f_locals.get("question"), str):
                self.analysed[" ".join(frame.f_locals["question"].split())] += 1
            elif frame.f_code is current_code:
                self.snapshots += 1

        sys.setprofile(hook)
        return self

    def __exit__(self, *_exc) -> None:
        sys.setprofile(None)


@pytest.fixture(scope="module")
def assistant(indexed_settings: Settings) -> Assistant:
    return Assistant(indexed_settings, searcher=Searcher(indexed_settings, shared_embedder(indexed_settings)))


@pytest.mark.parametrize("question", [
    "Kế hoạch CCHC năm 2025 của Quảng Nam giao Sở Nội vụ làm gì?",
    "Mục tiêu năm 2022 và năm 2025 của Quảng Nam về CCHC",  # two parts, each searched
])
def test_one_answer_analyses_once_and_reads_one_version(assistant: Assistant, question: str) -> None:
    assistant.ask("Kinh phí thực hiện Đề án 1601 lấy từ đâu?", channel="cli", record=False)  # a warm searcher
    with _Calls() as calls:
        answer = assistant.ask(question, channel="cli", record=False)
    assert not answer.abstained
    assert calls.analysed[question] == 1, calls.analysed
    assert calls.snapshots == 1


def test_a_followup_reads_one_version(assistant: Assistant) -> None:
    first = assistant.ask("Mục tiêu CCHC năm 2025 của Quảng Nam", channel="cli", conversation_id="one-snapshot")
    assert not first.abstained
    with _Calls() as calls:
        answer = assistant.ask("còn năm 2022 thì sao?", channel="cli", conversation_id="one-snapshot")
    assert not answer.abstained
    assert calls.analysed["còn năm 2022 thì sao?"] == 1, calls.analysed
    assert calls.snapshots == 1
