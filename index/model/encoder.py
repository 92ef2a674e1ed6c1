"""The question encoder on ONNX Runtime: the exported e5 model, its ``tokenizer.json``, mean pooling, L2 norm.

Only ``onnxruntime``, ``tokenizers`` and numpy are needed at query time; :mod:`index.model.export`
writes the files. The text fed is the torch path's: ``query_prompt + question``, truncated to the
model's ``max_seq_length`` tokens (``<s>``/``</s>`` included), every token mean-pooled.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np

from core.errors import ModelUnavailable
from index.model.lean import TABLE, WORDS, QueryTokenizer, WordTable, is_lean, lean_name
from index.verify import TokenStates, own_tokens

log = logging.getLogger(__name__)

QUERY_ENCODERS = ("torch", "onnx-fp32", "onnx-int8")
ONNX_DIR = "onnx"  # beside the converted model's own files, never over them
REPORT_NAME = "onnx-export.json"
FILES = {"onnx-fp32": "model-fp32.onnx", "onnx-int8": "model-int8.onnx"}


def check_query_encoder(value: str) -> str:
    """``value`` if it names a query encoder, else ValueError naming the accepted ones."""
    if value not in QUERY_ENCODERS:
        raise ValueError(f"query encoder {value!r} is unknown; accepted: {', '.join(QUERY_ENCODERS)}")
    return value


def read_report(model_dir: Path, onnx_dir: Path | None = None) -> dict | None:
    """The export report of ``model_dir/onnx`` (cosines, chosen variant, reason), or None."""
    try:
        return json.loads(((onnx_dir or Path(model_dir) / ONNX_DIR) / REPORT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def source_fingerprint(model: str | Path) -> str:
    """What identifies a model's weights, cheaply: its config, and the size, head and tail of each
    weights file ("" when ``model`` is not a local folder). Recorded by the export (the model the
    ONNX files were made from) and in each index manifest (the model its passages were embedded with)."""
    folder = Path(model)
    if not (folder / "config.json").is_file():
        return ""
    digest = hashlib.sha256((folder / "config.json").read_bytes())
    for weights in sorted(folder.glob("*.safetensors")) + sorted(folder.glob("pytorch_model*.bin")):
        size = weights.stat().st_size
        digest.update(f"{weights.name}:{size}".encode())
        with weights.open("rb") as f:
            digest.update(f.read(1 << 20))
            f.seek(max(0, size - (1 << 20)))
            digest.update(f.read(1 << 20))
    return digest.hexdigest()[:16]


def resolve_query_encoder(model: str, variant: str) -> str:
    """The encoder questions will actually use, without loading it: ``onnx-int8`` refused at export
    is ``onnx-fp32``; the deterministic test embedder is ``hashing`` whatever the setting."""
    check_query_encoder(variant)
    if model == "hashing":
        return "hashing"
    if variant == "onnx-int8" and (read_report(Path(model)) or {}).get("int8_accepted") is False:
        return "onnx-fp32"
    return variant


class OnnxQueryEncoder:
    """Embeds questions with an exported ONNX model of a local sentence-transformers folder.

    Args:
        model_dir: the converted model folder (``tokenizer.json``, ``sentence_bert_config.json``, ``onnx/``).
        variant: ``"onnx-fp32"`` or ``"onnx-int8"``; int8 refused at export falls back to fp32 (logged).
        threads: intra-op threads (0: ONNX Runtime's default).
        spin: let those threads spin-wait for the next question (ONNX Runtime's default: a little
            faster alone, but the spinning takes CPU from other processes and answers on the same cores).
        onnx_dir: where the ONNX files are, if not ``model_dir/onnx`` (the export checks its own).
        lean: use the lean files of the export when they are there (:mod:`index.model.lean`).

    Raises:
        ValueError: ``variant`` is not an ONNX variant.
        ModelUnavailable: onnxruntime is missing or the files were not exported.

    Example:
        >>> enc = OnnxQueryEncoder(Path("models/multilingual-e5-small"), "onnx-int8")  # doctest: +SKIP
        >>> enc.encode(["query: lệ phí cấp giấy phép"]).shape  # doctest: +SKIP
        (1, 384)
    """

    def __init__(self, model_dir: Path, variant: str, threads: int = 0, onnx_dir: Path | None = None,
                 spin: bool = True, lean: bool = True) -> None:
        if variant not in FILES:
            raise ValueError(f"ONNX query encoder {variant!r} is unknown; accepted: {', '.join(FILES)}")
        model_dir = Path(model_dir)
        onnx_dir = Path(onnx_dir) if onnx_dir else model_dir / ONNX_DIR
        hint = f"chạy `hoidap model export-onnx` (thư mục {onnx_dir}) hoặc đặt HOIDAP_QUERY_ENCODER=torch"
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise ModelUnavailable(f"bộ mã hoá câu hỏi {variant} cần onnxruntime ({exc}); {hint}") from None
        report = read_report(model_dir, onnx_dir) or {}
        if variant == "onnx-int8" and report.get("int8_accepted") is False:
            log.warning("onnx-int8 was refused at export (%s); questions use onnx-fp32", report.get("int8_reason"))
            variant = "onnx-fp32"
        path = onnx_dir / FILES[variant]
        if not path.is_file():
            raise ModelUnavailable(f"không có tệp mô hình ONNX {path}; {hint}")
        self.variant = variant
        self.source = report.get("source") or None  # fingerprint of the model exported (older exports: unknown)
        # the lean files (index.model.lean): the word table read row by row from one file shared by every
        # worker, the tokenizer's pieces of our alphabet only; the same vectors, a fraction of the memory
        self.lean = lean and is_lean(onnx_dir, FILES[variant])
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        session_file = onnx_dir / lean_name(FILES[variant]) if self.lean else path
        self._session = ort.InferenceSession(str(session_file), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        max_len = int(json.loads((model_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))["max_seq_length"])
        if self.lean:
            self._words = WordTable(onnx_dir / TABLE, next(i for i in self._session.get_inputs() if i.name == WORDS).shape[1])
            self.tokenizer = QueryTokenizer(model_dir, onnx_dir, max_len)
        else:
            self._words = None
            self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            self.tokenizer.enable_truncation(max_length=max_len)  # sentence-transformers' max_seq_length
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 0

    def encode(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 rows for texts that already carry their prompt."""
        return self._run(texts)[0]

    def encode_tokens(self, texts: list[str], prompt_length: int) -> tuple[np.ndarray, list[TokenStates]]:
        """The rows of :meth:`encode` and each text's own token states (after ``prompt_length``
        characters of prompt), from the same run."""
        pooled, hidden, encodings = self._run(texts)
        return pooled, [own_tokens(hidden[row], enc.offsets, enc.special_tokens_mask, prompt_length)
                        for row, enc in enumerate(encodings)]

    def _run(self, texts: list[str]):
        if not texts:
            return np.zeros((0, 0), dtype=np.float32), np.zeros((0, 0, 0), dtype=np.float32), []
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, enc in enumerate(encodings):
            ids[row, :len(enc.ids)] = enc.ids
            mask[row, :len(enc.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if self._words is not None:  # the rows of this batch's tokens, the ids renumbered to them
            used, local = np.unique(ids, return_inverse=True)
            feeds["input_ids"] = local.reshape(ids.shape).astype(np.int64)
            feeds[WORDS] = self._words.rows(used)
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self._session.run(["last_hidden_state"], feeds)[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32), hidden, encodings
