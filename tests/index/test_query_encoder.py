"""The ONNX question encoder gives the torch fp32 vectors, and the setting chooses it."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from core.errors import IndexMismatch, ModelUnavailable
from core.settings import Settings
from index.model.embedder import Embedder
from index.model.encoder import (QUERY_ENCODERS, OnnxQueryEncoder, check_query_encoder, read_report,
                                resolve_query_encoder)
from index.versions import Manifest

QUESTIONS = [
    "Thời hạn giải quyết thủ tục cấp giấy phép xây dựng là bao lâu?",
    "Điều 5 khoản 2 quy định trách nhiệm của Sở Nội vụ thế nào?",
    "Kinh phí thực hiện đề án cải cách hành chính lấy từ đâu",
    "UBND tỉnh Quảng Nam ban hành kế hoạch CCHC năm 2022 số mấy",
    # the same kind of questions typed without diacritics
    "thoi han giai quyet thu tuc cap giay phep xay dung la bao lau",
    "dieu 5 khoan 2 quy dinh trach nhiem cua so noi vu the nao",
    "kinh phi thuc hien de an cai cach hanh chinh lay tu dau",
]

needs_onnx = pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is None or importlib.util.find_spec("onnx") is None,
    reason="onnxruntime/onnx not installed: pip install -e '.[search]' installs them",
)


@pytest.fixture(scope="module")
def exported_model() -> Path:
    """The default model folder with its ONNX export (made once if missing, as `hoidap model export-onnx` does)."""
    from eval.gold import load_gold
    from index.model.export import export_onnx, is_exported

    model = Path(Settings().model)
    if not is_exported(model):
        export_onnx(model, [q.question for q in load_gold()])
    return model


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return Embedder(Settings().model).embed_queries(QUESTIONS)


@needs_onnx
@pytest.mark.slow
@pytest.mark.parametrize("variant", ["onnx-fp32", "onnx-int8"])
def test_onnx_question_vectors_match_torch(exported_model: Path, torch_vectors: np.ndarray, variant: str) -> None:
    embedder = Embedder(str(exported_model), query_encoder=variant)
    vectors = np.vstack([embedder.embed_queries([q]) for q in QUESTIONS])
    assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = (vectors * torch_vectors).sum(axis=1)
    floor = 0.9999 if variant == "onnx-fp32" else 0.99
    assert cosine.min() >= floor, dict(zip(QUESTIONS, cosine.round(4)))


@needs_onnx
@pytest.mark.slow
def test_onnx_batch_equals_single(exported_model: Path) -> None:
    # padding in a batch must not change a question's vector (fp32: attention mask and pooling honour it)
    encoder = OnnxQueryEncoder(exported_model, "onnx-fp32")
    texts = ["query: " + q for q in QUESTIONS]
    batch = encoder.encode(texts)
    single = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(batch, single, atol=1e-4)


@needs_onnx
@pytest.mark.slow
def test_onnx_truncates_as_torch(exported_model: Path) -> None:
    # a question past 512 tokens is cut where sentence-transformers cuts it
    long_question = "thủ tục hành chính cấp xã " * 200
    torch_vec = Embedder(str(exported_model)).embed_queries([long_question])
    onnx_vec = Embedder(str(exported_model), query_encoder="onnx-fp32").embed_queries([long_question])
    assert float(onnx_vec[0] @ torch_vec[0]) >= 0.9999


@needs_onnx
@pytest.mark.slow
def test_setting_selects_the_encoder(exported_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(model=str(exported_model))
    assert settings.query_encoder == "onnx-int8"  # the default
    default = Embedder.from_settings(settings)
    # fp32 only where int8 was refused at this machine's export (cosine or speed)
    assert default.query_encoder == resolve_query_encoder(str(exported_model), "onnx-int8")
    assert isinstance(default._query_model, OnnxQueryEncoder)
    assert default._model is None  # no torch model until passages are embedded
    monkeypatch.setenv("HOIDAP_QUERY_ENCODER", "onnx-fp32")
    assert Embedder.from_settings(Settings(model=str(exported_model))).query_encoder == "onnx-fp32"
    monkeypatch.setenv("HOIDAP_QUERY_ENCODER", "torch")
    chosen = Embedder.from_settings(Settings(model=str(exported_model)))
    assert chosen.query_encoder == "torch" and chosen._query_model is None


@needs_onnx
@pytest.mark.slow
def test_lean_files_give_the_same_vectors_tokens_and_offsets(tmp_path: Path, exported_model: Path) -> None:
    from index.model.lean import TABLE, ensure_lean, is_lean

    onnx_dir = tmp_path / "onnx"
    onnx_dir.mkdir()
    for name in ("model-int8.onnx", "onnx-export.json"):
        (onnx_dir / name).symlink_to(exported_model / "onnx" / name)
    assert not is_lean(onnx_dir, "model-int8.onnx")
    made = ensure_lean(onnx_dir, exported_model, ["model-fp32.onnx", "model-int8.onnx"])  # fp32 not in this dir
    assert set(made["from"]) == {"model-int8.onnx"} and 0 < made["pieces"][0] < made["pieces"][1] / 2
    assert is_lean(onnx_dir, "model-int8.onnx") and ensure_lean(onnx_dir, exported_model, ["model-int8.onnx"]) is None
    lean = OnnxQueryEncoder(exported_model, "onnx-int8", onnx_dir=onnx_dir)
    full = OnnxQueryEncoder(exported_model, "onnx-int8", onnx_dir=onnx_dir, lean=False)
    assert lean.lean and not full.lean and (onnx_dir / TABLE).stat().st_size == made["table"][0] * made["table"][1] * 4
    texts = ["query: " + q for q in QUESTIONS] + ["query: tỷ lệ ≥ 95% → đạt  µ ½ ﬁ 😀"]
    np.testing.assert_array_equal(lean.encode(texts), full.encode(texts))
    for one in texts:
        np.testing.assert_array_equal(lean.encode([one]), full.encode([one]))
    vectors, states = lean.encode_tokens(texts, len("query: "))
    expected_vectors, expected_states = full.encode_tokens(texts, len("query: "))
    np.testing.assert_array_equal(vectors, expected_vectors)
    for got, expected in zip(states, expected_states):
        np.testing.assert_array_equal(got.spans, expected.spans)
        np.testing.assert_array_equal(got.states, expected.states)
    assert lean.tokenizer.full_loaded == 0  # every text so far was of the lean tokenizer's alphabet
    other = ["query: 中文 问题 về cải cách hành chính"]
    np.testing.assert_array_equal(lean.encode(other), full.encode(other))
    assert lean.tokenizer.full_loaded == 1


@needs_onnx
def test_refused_int8_falls_back_to_fp32_with_a_log_line(tmp_path: Path, exported_model: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    onnx_dir = tmp_path / "onnx"
    onnx_dir.mkdir()
    (onnx_dir / "model-fp32.onnx").symlink_to(exported_model / "onnx" / "model-fp32.onnx")
    (onnx_dir / "onnx-export.json").write_text('{"int8_accepted": false, "int8_reason": "min cosine 0.95"}')
    with caplog.at_level(logging.WARNING, logger="index.model.encoder"):
        encoder = OnnxQueryEncoder(exported_model, "onnx-int8", onnx_dir=onnx_dir)
    assert encoder.variant == "onnx-fp32"
    assert "min cosine 0.95" in caplog.text


@needs_onnx
def test_missing_export_is_a_clear_error(tmp_path: Path, exported_model: Path) -> None:
    with pytest.raises(ModelUnavailable, match="export-onnx"):
        OnnxQueryEncoder(exported_model, "onnx-fp32", onnx_dir=tmp_path / "nothing")


def test_bad_setting_is_refused_naming_the_accepted_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOIDAP_QUERY_ENCODER", "openvino")
    with pytest.raises(ValidationError) as info:
        Settings()
    message = str(info.value)
    assert "query_encoder" in message
    assert all(value in message for value in QUERY_ENCODERS), message


def test_bad_value_is_refused_by_the_embedder() -> None:
    with pytest.raises(ValueError, match="torch, onnx-fp32, onnx-int8"):
        check_query_encoder("int8")
    with pytest.raises(ValueError, match="accepted: torch, onnx-fp32, onnx-int8"):
        Embedder("hashing", query_encoder="onnx")
    assert Embedder("hashing", query_encoder="onnx-int8").query_encoder == "hashing"  # the test embedder ignores it


@pytest.fixture(scope="module")
def dev_questions(exported_model: Path) -> tuple[list[str], np.ndarray]:
    """Every dev question, also typed without diacritics, and its torch fp32 vector."""
    from corpus.text import fold
    from eval.gold import load_gold

    questions = [q.question for q in load_gold()]
    questions += [fold(q) for q in questions]
    return questions, Embedder(str(exported_model), query_encoder="torch").embed_queries(questions)


@needs_onnx
@pytest.mark.slow
@pytest.mark.parametrize("variant", ["default", "onnx-fp32"])
def test_onnx_encoders_are_close_to_torch_on_every_dev_question(exported_model: Path, dev_questions, variant: str) -> None:
    questions, reference = dev_questions
    settings = Settings(model=str(exported_model))
    if variant != "default":
        settings = settings.model_copy(update={"query_encoder": variant})
    embedder = Embedder.from_settings(settings)
    accepted = (read_report(exported_model) or {}).get("int8_accepted")
    assert embedder.query_encoder == (variant if variant != "default" else "onnx-int8" if accepted else "onnx-fp32")
    vectors = np.vstack([embedder.embed_queries([q]) for q in questions])  # one at a time, as served
    cosine = (vectors * reference).sum(axis=1)
    assert cosine.min() >= 0.99, sorted(zip(cosine.round(4), questions))[:3]


@needs_onnx
@pytest.mark.slow
def test_index_manifest_records_the_question_encoder(indexed_settings: Settings) -> None:
    from index.model.encoder import source_fingerprint
    from index.search import Searcher
    from index.versions import VersionStore

    _, manifest = VersionStore(indexed_settings.index_dir).current()
    assert indexed_settings.query_encoder == "onnx-int8"  # the default
    accepted = (read_report(Path(indexed_settings.model)) or {}).get("int8_accepted")
    assert manifest.query_encoder == ("onnx-int8" if accepted else "onnx-fp32")  # fp32: int8 refused at export
    assert manifest.passage_encoder == "torch-fp32"
    assert manifest.model_fingerprint == source_fingerprint(indexed_settings.model) != ""
    source = (read_report(Path(indexed_settings.model)) or {}).get("source")
    assert source in (None, manifest.model_fingerprint)  # exports older than the fingerprint: unknown
    assert Searcher(indexed_settings).search("kinh phi thuc hien de an", mode="dense", k=3).unit_ids


def test_questions_from_another_models_export_are_refused() -> None:
    manifest = Manifest(version="v1", model="m", dimensions=384, corpus_fingerprint="f", units=1, created_at=0.0,
                        dense="flat", query_encoder="onnx-int8", model_fingerprint="aaaa")
    with pytest.raises(IndexMismatch, match="export-onnx --force"):
        manifest.check_query_encoder("onnx-int8", "bbbb")
    assert manifest.check_query_encoder("onnx-int8", "aaaa") is None
    assert manifest.check_query_encoder("onnx-int8", None) is None  # an export that predates fingerprints
    assert "built for question encoder onnx-int8" in manifest.check_query_encoder("torch", None)


def test_int8_refused_at_export_resolves_to_fp32(tmp_path: Path) -> None:
    (tmp_path / "onnx").mkdir()
    (tmp_path / "onnx" / "onnx-export.json").write_text('{"int8_accepted": false, "int8_reason": "slower"}')
    assert resolve_query_encoder(str(tmp_path), "onnx-int8") == "onnx-fp32"
    assert resolve_query_encoder(str(tmp_path), "torch") == "torch"
    assert resolve_query_encoder("hashing", "onnx-int8") == "hashing"


@pytest.mark.slow
def test_index_builds_without_the_onnx_export_and_search_says_how_to_make_it(tmp_path: Path) -> None:
    from corpus.ingest import Ingester
    from corpus.store import Store
    from index.build import IndexBuilder
    from index.search import Searcher
    from index.versions import VersionStore

    model = tmp_path / "model"  # the converted model without its onnx/ folder
    model.mkdir()
    for entry in Path(Settings().model).iterdir():
        if entry.name != "onnx":
            (model / entry.name).symlink_to(entry)
    settings = Settings(data_dir=tmp_path / "data", model=str(model))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "kh.txt").write_text("KẾ HOẠCH\nCải cách hành chính năm 2026 của tỉnh Lai Châu\nI. MỤC TIÊU\n"
                                 "1. Số hóa toàn bộ hồ sơ thủ tục hành chính còn hiệu lực.\n", encoding="utf-8")
    store = Store(settings.db_path)
    Ingester(store, settings).ingest_paths([docs])
    report = IndexBuilder(settings, store).build()
    assert report.embedded == report.units > 0
    _, manifest = VersionStore(settings.index_dir).current()
    assert manifest.query_encoder == "onnx-int8" and manifest.passage_encoder == "torch-fp32"  # the default
    assert Searcher(settings).search("so hoa ho so", mode="bm25", k=3).unit_ids  # lexical needs no model
    with pytest.raises(ModelUnavailable, match="export-onnx"):
        Searcher(settings).search("so hoa ho so", mode="dense", k=3)


@needs_onnx
def test_install_time_speed_check_times_both_onnx_variants(exported_model: Path) -> None:
    from index.model.export import speeds

    if not (exported_model / "onnx" / "model-int8.onnx").is_file():
        pytest.skip("int8 was refused at this machine's export: nothing to time against fp32")
    timed = speeds(exported_model, QUESTIONS[:3], "query: ", rounds=1)
    assert set(timed) == {"onnx-fp32", "onnx-int8"} and all(ms > 0 for ms in timed.values())


@needs_onnx
def test_onnx_timing_runs_in_processes_without_torch(exported_model: Path, torch_vectors: np.ndarray) -> None:
    # torch has run in this process (torch_vectors); its idle threads must not be in the timed one
    import sys

    from index.model.timing import time_in_fresh_processes

    assert "torch" in sys.modules
    timings = time_in_fresh_processes(exported_model, ["onnx-fp32", "torch"], QUESTIONS[:3], "query: ", rounds=2)
    assert timings["onnx-fp32"].torch_imported is False and timings["torch"].torch_imported is True
    assert len(timings["onnx-fp32"].rounds_p50) == 2 and len(timings["onnx-fp32"].ms) == 2 * 3


def test_int8_plans_name_groups_and_options() -> None:
    from index.model.export import QUANT_PLANS, parse_plan

    assert parse_plan("all") == ([], [])
    assert parse_plan("ffn-output+embeddings-fp32,per-tensor") == (["ffn-output", "embeddings"], ["per-tensor"])
    assert all(parse_plan(plan) for plan in QUANT_PLANS if plan != "all")
    with pytest.raises(ValueError, match="ffn-output, attention-output, last-layer, embeddings"):
        parse_plan("ffn-fp32")
    with pytest.raises(ValueError, match="per-tensor, reduce-range"):
        parse_plan("ffn-output-fp32,fast")


@needs_onnx
def test_int8_plan_groups_pick_the_nodes_of_the_exported_graph(exported_model: Path) -> None:
    import onnx

    from index.model.export import fp32_nodes

    graph = onnx.load(str(exported_model / "onnx" / "model-fp32.onnx"), load_external_data=False).graph
    layers = sum(n.op_type == "Attention" for n in graph.node)
    assert layers == 12
    ffn, attention = fp32_nodes(graph, ["ffn-output"]), fp32_nodes(graph, ["attention-output"])
    assert len(ffn) == len(attention) == layers and not set(ffn) & set(attention)
    assert all("/output/dense/MatMul" in n and "attention" not in n for n in ffn)
    assert all("/attention/output/dense/MatMul" in n for n in attention)
    last = fp32_nodes(graph, ["last-layer"])
    assert len(last) == 4 and all("layer.11/" in n or n == "Attention_11" for n in last)  # QKV, out, FFN in/out
    assert fp32_nodes(graph, ["embeddings"]) == ["EmbedLayerNormalization_0"]


def test_question_threads_sleep_between_questions_unless_asked_to_spin(exported_model: Path) -> None:
    def spinning(settings: Settings) -> str:
        encoder = Embedder.from_settings(settings)._query_model
        return encoder._session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning")

    assert spinning(Settings(model=str(exported_model), query_encoder="onnx-int8")) == "0"
    assert spinning(Settings(model=str(exported_model), query_encoder="onnx-int8", query_spin=True)) == "1"


def test_a_question_asked_again_is_not_encoded_again() -> None:
    embedder = Embedder("hashing")
    first = embedder.embed_queries(["Ai chủ trì kế hoạch?"])
    again = embedder.embed_queries(["Ai chủ trì kế hoạch?"])
    np.testing.assert_array_equal(first, again)
    assert (embedder.recent.hits, embedder.recent.misses) == (1, 1)
    vector, _ = embedder.embed_query_tokens("Ai chủ trì kế hoạch?")
    np.testing.assert_array_equal(vector, first[0])
    for n in range(embedder.recent.size + 1):  # the oldest questions make room for new ones
        embedder.embed_queries([f"câu hỏi {n}"])
    embedder.embed_queries(["Ai chủ trì kế hoạch?"])
    assert embedder.recent.misses == embedder.recent.size + 3
