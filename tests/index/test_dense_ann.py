"""The approximate dense index: built with the version, memory-mapped when served, close to exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.settings import Settings
from index.dense import ANN_FILE, DenseIndex, ann_lists, write_ann


def clustered(n: int, dims: int = 32, seed: int = 3) -> np.ndarray:
    """Unit vectors around 40 centres, like the embeddings of units on a few dozen topics."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(40, dims))
    vectors = centres[rng.integers(0, 40, n)] + 0.6 * rng.normal(size=(n, dims))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def recall_at_10(index: DenseIndex, exact: DenseIndex, queries: np.ndarray) -> float:
    found = [len(set(index.search(q, 10)[0]) & set(exact.search(q, 10)[0])) / 10 for q in queries]
    return float(np.mean(found))


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_saved_index_is_loaded_and_finds_the_exact_neighbours(tmp_path: Path, kind: str) -> None:
    vectors = clustered(6000)
    np.save(tmp_path / "vectors.npy", vectors)
    assert write_ann(tmp_path, vectors, threshold=1000, kind=kind) == kind
    assert (tmp_path / ANN_FILE).stat().st_size > 0
    settings = Settings(data_dir=tmp_path / "data", ann_threshold=1000, dense_index=kind)
    served = DenseIndex.load(tmp_path, np.load(tmp_path / "vectors.npy", mmap_mode="r"), settings)
    exact = DenseIndex(vectors)
    assert not served.exact and exact.exact
    queries = clustered(50, seed=9)
    assert recall_at_10(served, exact, queries) >= 0.9
    positions, sims = served.search(queries[0], 5)
    assert np.allclose(sims, vectors[positions] @ queries[0], atol=1e-3)  # float16 codes, near the float32 truth


def test_below_the_threshold_search_is_exact_and_nothing_is_written(tmp_path: Path) -> None:
    vectors = clustered(500)
    assert write_ann(tmp_path, vectors, threshold=1000) == "flat"
    assert not (tmp_path / ANN_FILE).exists()
    settings = Settings(data_dir=tmp_path / "data", ann_threshold=1000)
    assert DenseIndex.load(tmp_path, vectors, settings).exact


def test_a_version_without_a_saved_index_gets_one_built_when_loaded(tmp_path: Path) -> None:
    vectors = clustered(3000)
    settings = Settings(data_dir=tmp_path / "data", ann_threshold=1000)
    served = DenseIndex.load(tmp_path, vectors, settings)
    assert not served.exact
    assert recall_at_10(served, DenseIndex(vectors), clustered(30, seed=5)) >= 0.9


def test_filtered_search_stays_exact_over_the_allowed_units(tmp_path: Path) -> None:
    vectors = clustered(3000)
    write_ann(tmp_path, vectors, threshold=1000)
    served = DenseIndex.load(tmp_path, vectors, Settings(data_dir=tmp_path / "data", ann_threshold=1000))
    allowed = np.zeros(len(vectors), dtype=bool)
    allowed[::7] = True
    query = clustered(1, seed=11)[0]
    positions, _ = served.search(query, 10, allowed)
    truth = np.flatnonzero(allowed)[np.argsort(-(vectors[allowed] @ query))[:10]]
    assert positions.tolist() == truth.tolist()


def test_list_count_grows_with_the_square_root_and_stays_trainable() -> None:
    assert ann_lists(1_000_000) == 4096 and ann_lists(100_000) == 1024
    assert ann_lists(500) == 12 and ann_lists(10) == 1
