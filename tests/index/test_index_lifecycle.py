"""The index on disk: incremental updates, atomic switch under a killed build, hot reload,
refusal of a mismatched index. A deterministic embedder ("hashing"): the model is not the point."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from corpus.ingest import Ingester
from corpus.store import Store
from core.errors import IndexMismatch, IndexMissing
from core.settings import Settings
from index.build import IndexBuilder
from index.embed_cache import EmbeddingCache
from index.model.embedder import Embedder
from index.versions import VersionStore, read_units, read_vectors
from index.search import Searcher

PLAN = """KẾ HOẠCH
Cải cách hành chính năm {year} của tỉnh {province}
I. MỤC TIÊU
1. Mục tiêu chung
- {goal}
- Tỷ lệ hồ sơ giải quyết trực tuyến toàn trình đạt {rate}% trở lên.
II. TỔ CHỨC THỰC HIỆN
1. Sở Nội vụ
- Theo dõi, đôn đốc, kiểm tra việc thực hiện kế hoạch; báo cáo hằng quý.
"""


def _write(folder: Path, name: str, **fields) -> Path:
    path = folder / name
    path.write_text(PLAN.format(**fields), encoding="utf-8")
    return path


@pytest.fixture
def small(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data", model="hashing")
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, "kh-a.txt", year=2024, province="Gia Lai", goal="Số hóa hồ sơ thủ tục hành chính.", rate=70)
    _write(docs, "kh-b.txt", year=2025, province="Kon Tum", goal="Đổi mới cơ chế một cửa liên thông.", rate=80)
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_paths([docs])
    return settings, store, docs


def test_no_index_yet_says_how_to_build(small) -> None:
    settings, _, _ = small
    with pytest.raises(IndexMissing) as caught:
        Searcher(settings).search("một cửa")
    assert "hoidap index" in caught.value.message


def test_add_replace_remove_one_document_embeds_only_what_changed(small) -> None:
    settings, store, docs = small
    builder = IndexBuilder(settings, store)
    first = builder.build()
    assert first.embedded == first.units > 0
    assert builder.build().unchanged

    Ingester(store, settings).ingest_paths([_write(docs, "kh-c.txt", year=2023, province="Bình Phước",
                                                   goal="Tinh gọn bộ máy.", rate=60)])
    added = builder.build()
    assert added.embedded == len(store.units("kh-c")) and added.reused == first.units

    _write(docs, "kh-b.txt", year=2025, province="Kon Tum", goal="Đổi mới cơ chế một cửa liên thông.", rate=95)
    Ingester(store, settings).ingest_paths([docs / "kh-b.txt"])
    replaced = builder.build()
    assert 0 < replaced.embedded < len(store.units("kh-b")) + 1
    hits = Searcher(settings).search("tỷ lệ trực tuyến toàn trình 95%", k=3)
    assert hits.doc_ids[0] == "kh-b"

    units_a = len(store.units("kh-a"))
    store.delete_document("kh-a")
    removed = builder.build()
    assert removed.embedded == 0 and removed.units == added.units - units_a
    result = Searcher(settings).search("số hóa hồ sơ", k=10)
    assert "kh-a" not in result.doc_ids


def test_rebuild_with_unchanged_texts_embeds_nothing(small) -> None:
    settings, store, docs = small
    first = IndexBuilder(settings, store, Embedder("hashing")).build()
    # a setting that does not touch what is embedded: a new version, every vector taken by its content hash
    changed = settings.model_copy(update={"answerability_model": "none", "rrf_k": 5})
    embedder = Embedder("hashing")
    again = IndexBuilder(changed, store, embedder).build(rebuild=True)
    assert again.version != first.version and not again.unchanged
    assert (again.embedded, again.computed, again.reused, embedder.passages_run) == (0, 0, first.units, 0)
    before, after = (settings.index_dir / first.version, settings.index_dir / again.version)
    keys = {u.embed_key: i for i, u in enumerate(read_units(after))}
    old = {u.embed_key: i for i, u in enumerate(read_units(before))}
    assert keys.keys() == old.keys()
    assert np.array_equal(read_vectors(after)[list(keys.values())], read_vectors(before)[[old[k] for k in keys]])

    # one document's text changed: a rebuild embeds only its changed units
    _write(docs, "kh-b.txt", year=2025, province="Kon Tum", goal="Đổi mới cơ chế một cửa liên thông.", rate=95)
    Ingester(store, settings).ingest_paths([docs / "kh-b.txt"])
    third = IndexBuilder(changed, store, embedder).build(rebuild=True)
    assert 0 < third.embedded == third.computed == embedder.passages_run <= len(store.units("kh-b"))

    # another passage prompt changes every embedded text; --re-embed embeds everything whatever changed
    prompted = Embedder("hashing", passage_prompt="đoạn văn: ")
    fourth = IndexBuilder(changed.model_copy(update={"passage_prompt": "đoạn văn: "}), store, prompted).build(
        rebuild=True)
    assert fourth.embedded == fourth.units == prompted.passages_run
    forced = Embedder("hashing", passage_prompt="đoạn văn: ")
    fifth = IndexBuilder(changed.model_copy(update={"passage_prompt": "đoạn văn: "}), store, forced).build(
        rebuild=True, reembed=True)
    assert fifth.embedded == fifth.units == forced.passages_run


def test_rebuild_with_the_real_model_runs_it_over_no_passage(tmp_path: Path) -> None:
    """The real model and the verifier: neither the vectors nor the verifier's passage tokens are computed again."""
    from index import verify
    from tests.conftest import shared_embedder

    settings = Settings(data_dir=tmp_path / "data")
    docs = tmp_path / "docs"
    docs.mkdir()
    _write(docs, "kh-a.txt", year=2024, province="Gia Lai", goal="Số hóa hồ sơ thủ tục hành chính.", rate=70)
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_paths([docs])
    embedder = shared_embedder(settings)
    first = IndexBuilder(settings, store, embedder).build()
    assert first.computed == first.units > 0
    run = embedder.passages_run
    again = IndexBuilder(settings.model_copy(update={"rrf_k": 5}), store, embedder).build(rebuild=True)
    assert (again.embedded, embedder.passages_run - run) == (0, 0)
    old, new = (verify.read_unit_tokens(settings.index_dir / v) for v in (first.version, again.version))
    assert old is not None and new is not None and old[2] == new[2]
    assert all(np.array_equal(a, b) for a, b in zip(old[0], new[0]))


def _killed_build(data_dir: str) -> None:
    """Runs in a child process: starts a build and dies (SIGKILL) while writing the new version."""
    settings = Settings(data_dir=Path(data_dir), model="hashing")

    def progress(stage: str, done: int, total: int, rate: float, left: float | None) -> None:
        if stage == "write":
            os.kill(os.getpid(), signal.SIGKILL)

    IndexBuilder(settings, Store(settings.db_path)).build(rebuild=True, progress=progress)


def test_build_killed_midway_leaves_previous_index_serving(small) -> None:
    settings, store, docs = small
    IndexBuilder(settings, store).build()
    searcher = Searcher(settings)
    before = searcher.search("một cửa liên thông", k=3)

    Ingester(store, settings).ingest_paths([_write(docs, "kh-d.txt", year=2026, province="Lào Cai",
                                                   goal="Chính quyền số.", rate=90)])
    child = multiprocessing.get_context("spawn").Process(target=_killed_build, args=(str(settings.data_dir),))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    assert list(settings.index_dir.glob(".tmp-*")), "the killed build had started writing"

    fresh = Searcher(settings)  # a process started after the crash
    after = fresh.search("một cửa liên thông", k=3)
    assert after.version == before.version and after.unit_ids == before.unit_ids
    assert "kh-d" not in fresh.search("chính quyền số Lào Cai", k=10).doc_ids
    assert IndexBuilder(settings, store).build().version != before.version  # the next build completes


KILL_AFTER = 4  # vectors embedded (two batches of two) before the build below is killed


def _killed_while_embedding(data_dir: str) -> None:
    """Runs in a child process: a full build that dies (SIGKILL) once KILL_AFTER vectors are embedded."""
    settings = Settings(data_dir=Path(data_dir), model="hashing", embed_batch_size=2)

    def progress(stage: str, done: int, total: int, rate: float, left: float | None) -> None:
        if stage == "embed" and done >= KILL_AFTER:
            os.kill(os.getpid(), signal.SIGKILL)

    IndexBuilder(settings, Store(settings.db_path)).build(rebuild=True, progress=progress)


def test_build_killed_while_embedding_resumes_without_recomputing(small) -> None:
    settings, store, docs = small
    settings = settings.model_copy(update={"embed_batch_size": 2})
    child = multiprocessing.get_context("spawn").Process(target=_killed_while_embedding, args=(str(settings.data_dir),))
    child.start()
    child.join(60)
    assert child.exitcode == -signal.SIGKILL
    assert VersionStore(settings.index_dir).current_name() is None  # nothing was committed

    progress_seen: list[tuple[str, int, int]] = []
    resumed = IndexBuilder(settings, store).build(
        rebuild=True, progress=lambda stage, done, total, rate, left: progress_seen.append((stage, done, total)))
    units = len(store.units())
    assert units > KILL_AFTER + 2
    assert (resumed.embedded, resumed.resumed, resumed.computed) == (units, KILL_AFTER, units - KILL_AFTER)
    assert [p for p in progress_seen if p[0] == "embed"][-1] == ("embed", units - KILL_AFTER, units - KILL_AFTER)

    # the resumed vectors are the ones a build from scratch computes; a committed build empties the cache
    scratch = IndexBuilder(settings, store).build(rebuild=True, reembed=True)
    assert (scratch.computed, scratch.resumed) == (units, 0)
    folders = sorted(p for p in settings.index_dir.iterdir() if p.name in (resumed.version, scratch.version))
    assert len(folders) == 2
    first, second = (read_vectors(f) for f in folders)
    order = [{u.embed_key: i for i, u in enumerate(read_units(f))} for f in folders]
    assert order[0].keys() == order[1].keys()
    assert np.array_equal(first[[order[0][k] for k in order[0]]], second[[order[1][k] for k in order[0]]])


def test_build_failed_after_embedding_resumes_with_nothing_to_embed(small) -> None:
    settings, store, _ = small

    def fail(stage: str, done: int, total: int, rate: float, left: float | None) -> None:
        if stage == "write":
            raise OSError("disk full")

    with pytest.raises(OSError):
        IndexBuilder(settings, store).build(progress=fail)
    assert not list(settings.index_dir.glob(".tmp-*"))  # the half-written version was removed
    again = IndexBuilder(settings, store).build()
    assert again.computed == 0 and again.resumed == again.embedded == again.units > 0


def test_torn_cache_record_is_ignored_and_cut_before_appending(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, "m", 3)
    cache.append(["a" * 32, "b" * 32], np.array([[1, 0, 0], [0, 1, 0]], dtype=np.float32))
    with cache.path.open("ab") as f:
        f.write(b"\x01" * 10)  # a batch cut short by a crash
    assert set(EmbeddingCache(tmp_path, "m", 3).load()) == {"a" * 32, "b" * 32}
    again = EmbeddingCache(tmp_path, "m", 3)
    again.append(["c" * 32], np.array([[0, 0, 1]], dtype=np.float32))
    loaded = again.load()
    assert set(loaded) == {"a" * 32, "b" * 32, "c" * 32} and loaded["c" * 32].tolist() == [0, 0, 1]
    assert EmbeddingCache(tmp_path, "m", 4).load() == {}  # other dimensions: not these vectors
    zeros = "ab" * 15 + "00"  # a key ending in a zero byte is kept whole
    again.append([zeros], np.array([[0.5, 0.5, 0]], dtype=np.float32))
    assert EmbeddingCache(tmp_path, "m", 3).load({zeros})[zeros].tolist() == [0.5, 0.5, 0]
    assert EmbeddingCache(tmp_path, "other model", 3).load() == {}


def test_running_searcher_switches_to_new_version_without_restart(small) -> None:
    settings, store, docs = small
    IndexBuilder(settings, store).build()
    searcher = Searcher(settings)
    old = searcher.search("Lào Cai", k=5)
    Ingester(store, settings).ingest_paths([_write(docs, "kh-e.txt", year=2026, province="Lào Cai",
                                                   goal="Chính quyền số.", rate=90)])
    IndexBuilder(settings, store).build()
    time.sleep(0.6)  # the searcher looks at CURRENT at most twice a second
    new = searcher.search("Lào Cai", k=5)
    assert new.version != old.version and new.doc_ids[0] == "kh-e"


def test_index_built_with_another_model_is_refused(small) -> None:
    settings, store, _ = small
    IndexBuilder(settings, store).build()
    other = settings.model_copy(update={"model": "intfloat/multilingual-e5-base"})
    with pytest.raises(IndexMismatch) as caught:
        Searcher(other).search("một cửa")
    assert "hoidap index --rebuild" in caught.value.message and "hashing" in caught.value.message
    with pytest.raises(IndexMismatch):
        IndexBuilder(other, store).build()


def test_an_index_of_an_older_tokenizer_is_refused_by_search_and_rebuilt_by_index_with_its_vectors(small) -> None:
    import json

    settings, store, _ = small
    first = IndexBuilder(settings, store, Embedder("hashing")).build()
    manifest_path = settings.index_dir / first.version / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["tokenizer"] = {**manifest["tokenizer"], "version": 0}  # as an older release of this code wrote it
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexMismatch) as caught:
        Searcher(settings).search("một cửa")
    assert "bộ tách từ" in caught.value.message and "hoidap index" in caught.value.message
    embedder = Embedder("hashing")
    again = IndexBuilder(settings, store, embedder).build()  # no --rebuild needed
    assert again.version != first.version and not again.unchanged
    assert (again.embedded, again.reused, embedder.passages_run) == (0, first.units, 0)
    assert Searcher(settings).search("một cửa liên thông").hits
