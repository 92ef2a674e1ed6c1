"""Lean question-encoder files: what every API worker would otherwise hold on its own, kept on disk once.

Two things dominate a worker's memory (measured: 843 MB idle, 709 MB of it the int8 session): the model's
250k-token word-embedding table, fp32 in both exports (384 MB, copied into each ONNX Runtime session), and
the tokenizer's 250k-piece Unigram model (286 MB in ``tokenizers``). Beside the export this writes:

- ``model-<variant>.lean.onnx``: the same graph with the word-embedding table turned from a weight into
  an input, and ``word-embeddings.f32`` (the table, raw float32 rows). A question's own rows are read
  from that file (``os.pread``: page cache, shared by every worker, never in a worker's resident memory)
  and fed with the token ids renumbered to them; the vectors are the full model's, bit for bit.
- ``tokenizer-query.json``: the tokenizer with only the pieces made of Latin and Vietnamese letters,
  digits and punctuation (112k of 250k), and ``tokenizer-query-ids.npy`` (each kept piece's id in the
  full vocabulary). For a text whose normalised characters are all of that alphabet no dropped piece
  can match, so the pieces, ids, offsets are the full tokenizer's; any other text is tokenized by the
  full tokenizer (loaded the first time one comes, logged).

``lean.json`` records the export files they were made from (size and modification time): lean files of
another export are not used.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

WORDS = "inner.embeddings.word_embeddings.weight"  # the exported graph's word-embedding initializer
TABLE = "word-embeddings.f32"
TOKENIZER = "tokenizer-query.json"
TOKENIZER_IDS = "tokenizer-query-ids.npy"
REPORT = "lean.json"
LEAN_VERSION = 1
# what the kept pieces are made of: Latin (Basic, Latin-1, Extended-A/B, IPA), combining marks, Greek (µ, Ω),
# Vietnamese (Latin Extended Additional), punctuation, symbols, arrows, shapes and dingbats (2000–2BFF),
# the private-use bullets word processors write (E000–F8FF), ligatures, full-width forms and emoji: everything
# but the other scripts (CJK, Cyrillic, Arabic, Indic, ...), which make up most of the 250k pieces
ALPHABET = ("\u0000-\u03ff\u1e00-\u1eff\u2000-\u2bff\ue000-\uf8ff\ufb00-\ufb4f\ufe00-\ufe0f\uff00-\uffef"
            "\U0001f000-\U0001faff")
_OUTSIDE = re.compile(f"[^{ALPHABET}]")


def lean_name(file_name: str) -> str:
    """``model-int8.onnx`` → ``model-int8.lean.onnx``."""
    return file_name.removesuffix(".onnx") + ".lean.onnx"


def _stamp(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, int(stat.st_mtime)]


def is_lean(onnx_dir: Path, model_file: str) -> bool:
    """The lean files of ``onnx_dir/model_file`` are there and were made from it as it is."""
    try:
        report = json.loads((onnx_dir / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    made = report.get("from", {}).get(model_file)
    return (report.get("version") == LEAN_VERSION and made == _stamp(onnx_dir / model_file)
            and all((onnx_dir / name).is_file() for name in (lean_name(model_file), TABLE, TOKENIZER, TOKENIZER_IDS)))


def make_lean(onnx_dir: Path, model_dir: Path, files: list[str]) -> dict:
    """Write the lean files of each export in ``files`` (names in ``onnx_dir``) and of the tokenizer of
    ``model_dir``; returns what ``lean.json`` records. Each file is written beside and renamed into place."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    onnx_dir, model_dir = Path(onnx_dir), Path(model_dir)
    made: dict = {"version": LEAN_VERSION, "from": {}}
    for name in files:
        model = onnx.load(str(onnx_dir / name))
        table = next((t for t in model.graph.initializer if t.name == WORDS), None)
        if table is None:
            raise ValueError(f"{name} has no initializer {WORDS}: not an export of this project")
        rows = numpy_helper.to_array(table).astype("<f4", copy=False)
        _write(onnx_dir / TABLE, rows.tobytes())  # the same table in every variant (the int8 plan keeps it fp32)
        model.graph.initializer.remove(table)
        model.graph.input.append(helper.make_tensor_value_info(WORDS, TensorProto.FLOAT, ["rows", rows.shape[1]]))
        _write(onnx_dir / lean_name(name), model.SerializeToString())
        made["from"][name] = _stamp(onnx_dir / name)
        made["table"] = list(rows.shape)
        del model, rows
    tokenizer = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8"))
    vocab = tokenizer["model"]["vocab"]
    special = {token["id"] for token in tokenizer["added_tokens"]}
    keep = [i for i, (piece, _) in enumerate(vocab) if i in special or not _OUTSIDE.search(piece)]
    renumber = {old: new for new, old in enumerate(keep)}
    tokenizer["model"]["vocab"] = [vocab[i] for i in keep]
    tokenizer["model"]["unk_id"] = renumber[tokenizer["model"]["unk_id"]]
    for token in tokenizer["added_tokens"]:
        token["id"] = renumber[token["id"]]
    for token in (tokenizer.get("post_processor") or {}).get("special_tokens", {}).values():
        token["ids"] = [renumber[i] for i in token["ids"]]
    _write(onnx_dir / TOKENIZER, json.dumps(tokenizer, ensure_ascii=False).encode("utf-8"))
    tmp = onnx_dir / f".{TOKENIZER_IDS}.tmp"
    with tmp.open("wb") as out:
        np.save(out, np.asarray(keep, dtype=np.int64))
    os.replace(tmp, onnx_dir / TOKENIZER_IDS)
    made["pieces"] = [len(keep), len(vocab)]
    _write(onnx_dir / REPORT, json.dumps(made, indent=2).encode("utf-8"))
    log.info("lean question-encoder files in %s: %s, %d of %d tokenizer pieces", onnx_dir, ", ".join(files),
             len(keep), len(vocab))
    return made


def ensure_lean(onnx_dir: Path, model_dir: Path, files: list[str]) -> dict | None:
    """:func:`make_lean` for the exports in ``files`` that exist, unless their lean files are up to date."""
    present = [name for name in files if (Path(onnx_dir) / name).is_file()]
    if not present or all(is_lean(Path(onnx_dir), name) for name in present):
        return None
    return make_lean(onnx_dir, model_dir, present)


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.chmod(0o644)
    os.replace(tmp, path)


class WordTable:
    """The word-embedding rows of the tokens asked for, read from ``word-embeddings.f32`` (page cache only).

    Example:
        >>> table = WordTable(Path("models/multilingual-e5-small/onnx/word-embeddings.f32"), 384)  # doctest: +SKIP
        >>> table.rows(np.array([0, 5])).shape  # doctest: +SKIP
        (2, 384)
    """

    def __init__(self, path: Path, dimensions: int) -> None:
        self.path, self.dimensions = Path(path), int(dimensions)
        self._row = self.dimensions * 4
        self._fd = os.open(self.path, os.O_RDONLY)

    def rows(self, ids: np.ndarray) -> np.ndarray:
        data = b"".join(os.pread(self._fd, self._row, int(i) * self._row) for i in ids.tolist())
        return np.frombuffer(data, dtype="<f4").reshape(len(ids), self.dimensions)

    def __del__(self, _close=os.close) -> None:  # os itself may be gone when the interpreter shuts down
        fd = getattr(self, "_fd", None)
        if fd is not None:
            _close(fd)


class Encoded:
    """A tokenized text as the encoder reads it: ids of the full vocabulary, character offsets, special marks."""

    __slots__ = ("ids", "offsets", "special_tokens_mask")

    def __init__(self, ids: list[int], offsets: list[tuple[int, int]], special_tokens_mask: list[int]) -> None:
        self.ids, self.offsets, self.special_tokens_mask = ids, offsets, special_tokens_mask


class QueryTokenizer:
    """The pruned tokenizer for texts of its alphabet, the full one (loaded on first need) for any other.

    Args:
        model_dir: the model folder (its ``tokenizer.json`` is the full tokenizer).
        onnx_dir: where ``tokenizer-query.json`` and ``tokenizer-query-ids.npy`` are.
        max_length: truncation, as sentence-transformers' ``max_seq_length``.
    """

    def __init__(self, model_dir: Path, onnx_dir: Path, max_length: int) -> None:
        from tokenizers import Tokenizer

        self._full_path = Path(model_dir) / "tokenizer.json"
        self.max_length = max_length
        self._lean = Tokenizer.from_file(str(Path(onnx_dir) / TOKENIZER))
        self._lean.enable_truncation(max_length=max_length)
        self._ids = np.load(Path(onnx_dir) / TOKENIZER_IDS)
        self._full = None
        self.full_loaded = 0  # times the full tokenizer was loaded (once, at the first text outside the alphabet)

    def token_to_id(self, token: str) -> int | None:
        found = self._lean.token_to_id(token)
        return None if found is None else int(self._ids[found])

    def encode_batch(self, texts: list[str]) -> list[Encoded]:
        normalizer = self._lean.normalizer
        inside = [normalizer is None or not _OUTSIDE.search(normalizer.normalize_str(t)) for t in texts]
        out: list[Encoded | None] = [None] * len(texts)
        lean = [i for i, ok in enumerate(inside) if ok]
        if lean:
            for i, enc in zip(lean, self._lean.encode_batch([texts[i] for i in lean])):
                out[i] = Encoded(self._ids[enc.ids].tolist(), enc.offsets, enc.special_tokens_mask)
        other = [i for i, ok in enumerate(inside) if not ok]
        if other:
            full = self._full_tokenizer()
            for i, enc in zip(other, full.encode_batch([texts[i] for i in other])):
                out[i] = Encoded(enc.ids, enc.offsets, enc.special_tokens_mask)
        return out  # type: ignore[return-value]

    def _full_tokenizer(self):
        if self._full is None:
            from tokenizers import Tokenizer

            log.info("a question with characters outside the lean tokenizer's alphabet: loading the full tokenizer")
            self._full = Tokenizer.from_file(str(self._full_path))
            self._full.enable_truncation(max_length=self.max_length)
            self.full_loaded += 1
        return self._full
