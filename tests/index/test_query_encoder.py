"""The ONNX question encoder gives the torch fp32 vectors, and the setting chooses it."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from core.errors import ModelUnavailable
from core.settings import Settings
from index.dense import Embedder
from index.onnx_encoder import QUERY_ENCODERS, OnnxQueryEncoder, check_query_encoder

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
    from index.onnx_export import export_onnx, is_exported

    model = Path(Settings().model)
    if not is_exported(model):
        export_onnx(model)
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
    monkeypatch.setenv("HOIDAP_QUERY_ENCODER", "onnx-int8")
    settings = Settings(model=str(exported_model))
    assert settings.query_encoder == "onnx-int8"
    embedder = Embedder.from_settings(settings)
    assert embedder.query_encoder in ("onnx-int8", "onnx-fp32")  # fp32 only if int8 was refused at export
    assert isinstance(embedder._query_model, OnnxQueryEncoder)
    monkeypatch.delenv("HOIDAP_QUERY_ENCODER")
    default = Embedder.from_settings(Settings(model=str(exported_model)))
    assert default.query_encoder == "torch" and default._query_model is None


@needs_onnx
def test_refused_int8_falls_back_to_fp32_with_a_log_line(tmp_path: Path, exported_model: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    onnx_dir = tmp_path / "onnx"
    onnx_dir.mkdir()
    (onnx_dir / "model-fp32.onnx").symlink_to(exported_model / "onnx" / "model-fp32.onnx")
    (onnx_dir / "onnx-export.json").write_text('{"int8_accepted": false, "int8_reason": "min cosine 0.95"}')
    with caplog.at_level(logging.WARNING, logger="index.onnx_encoder"):
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
    with pytest.raises(ValueError, match="accepts only 'torch'"):
        Embedder("hashing", query_encoder="onnx-int8")
