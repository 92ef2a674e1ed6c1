"""Shared fixtures: a temp data directory for every test, and the shipped corpus ingested once.

Every test that builds the real embedding index (or loads the real model) is marked ``slow`` here, from
what it and its fixtures call, so ``pytest -m "not slow"`` is the fast loop without anyone remembering
to add the marker.
"""

from __future__ import annotations

import inspect
import re
from functools import cache
from pathlib import Path

import pytest

from corpus.ingest import Ingester
from corpus.store import Store
from core.settings import PROJECT_ROOT, Settings

CORPUS = PROJECT_ROOT / "corpus" / "documents"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes into ./data: HOIDAP_DATA_DIR points at a fresh temp dir."""
    monkeypatch.setenv("HOIDAP_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("corpus-data"))


@pytest.fixture(scope="session")
def corpus_store(corpus_settings: Settings) -> Store:
    """The five shipped documents, ingested once per test session (read-only for tests)."""
    store = Store(corpus_settings.db_path)
    report = Ingester(store, corpus_settings).ingest_paths([CORPUS])
    assert not report.failed, [r.reason for r in report.failed]
    return store


@pytest.fixture(scope="session")
def indexed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shipped corpus ingested and indexed with the real embedding model, once per session.

    Tests that answer questions (retrieval, API, widget, bots) share it; they must not change it.
    Tests that change documents build their own small index.
    """
    from index.build import IndexBuilder

    settings = Settings(data_dir=tmp_path_factory.mktemp("indexed-data"))
    store = Store(settings.db_path)
    report = Ingester(store, settings).ingest_paths([CORPUS])
    assert not report.failed
    IndexBuilder(settings, store, shared_embedder(settings)).build()
    return settings


_EMBEDDERS: dict = {}


def shared_embedder(settings: Settings):
    """One loaded model per process (loading it costs seconds and ~500 MB)."""
    from index.model.embedder import Embedder

    if settings.model not in _EMBEDDERS:
        _EMBEDDERS[settings.model] = Embedder.from_settings(settings)
    return _EMBEDDERS[settings.model]


def service_beside_shipped(folder: Path, data_dir: Path):
    """An answer service over the shipped corpus plus the documents of ``folder``, indexed with the real model."""
    from hoidap.answer import AnswerService
    from index.build import IndexBuilder
    from index.search import Searcher

    settings = Settings(data_dir=data_dir)
    store = Store(settings.db_path)
    report = Ingester(store, settings).ingest_paths([PROJECT_ROOT / "corpus" / "documents", folder])
    assert not report.failed, [r.reason for r in report.failed]
    IndexBuilder(settings, store, shared_embedder(settings)).build()
    return AnswerService(settings, Searcher(settings, shared_embedder(settings)))


# what a test or one of its fixtures does when it builds the real index or loads the real model; a test
# that indexes with the "hashing" embedder is fast and not matched
_REAL_INDEX = re.compile(r"\bindexed_settings\b|\bshared_embedder\(|\bservice_beside_shipped\(|\bIndexBuilder\(|main\(\[\"index\"|"
                         r"\bEmbedder\((?!\"hashing\")")


@cache
def _builds_real_index(function) -> bool:
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        return False
    return bool(_REAL_INDEX.search(source)) and "hashing" not in source


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if not isinstance(item, pytest.Function) or item.get_closest_marker("slow"):
            continue
        functions = [item.function] + [definition.func for name in item.fixturenames
                                       for definition in item._fixtureinfo.name2fixturedefs.get(name, ())]
        if any(_builds_real_index(f) for f in functions):
            item.add_marker(pytest.mark.slow)
