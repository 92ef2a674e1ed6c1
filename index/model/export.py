"""Export the converted e5 model to ONNX (fp32 and dynamic int8) for the question encoder, offline.

``torch.onnx.export`` (opset 17, dynamic batch and sequence axes, inputs ``input_ids`` and
``attention_mask`` as the torch path feeds them, output ``last_hidden_state``), then ONNX Runtime's
BERT optimizer (fused attention, layer norms, GELU), then ``quantize_dynamic`` (signed int8 weights,
per channel, the nodes of the plan's groups left fp32). The int8 model is kept only if its question
embeddings stay close to torch fp32 on the questions given (the dev set's) and it is faster than fp32 on this CPU
(timed in fresh processes without torch, as served); otherwise the reason is logged and
recorded, and ``onnx-int8`` uses fp32. The report also records the exported model's fingerprint,
which an index's manifest must match.
Files go to ``<model>/onnx/`` (built beside it, renamed into place); the model's own files are untouched.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from core.errors import ModelUnavailable
from index.model.folders import building, swap_in
from index.model.lean import make_lean
from index.model.encoder import FILES, ONNX_DIR, REPORT_NAME, OnnxQueryEncoder, read_report, source_fingerprint
from index.model.timing import time_in_fresh_processes

logger = logging.getLogger(__name__)

OPSET = 17
MIN_COSINE = 0.99  # every check question's int8 vector against torch fp32
# int8 must also be this much faster than ONNX fp32 on this CPU (without VNNI int8 can be slower)
MIN_SPEEDUP = 1.2
# tried in order, the first that passes the check is kept. Chosen by eval/bench_encoder.py (docs/benchmarks.md
# "Question encoder"): the FFN output MatMuls (their GELU inputs have the widest range) and the word
# embeddings stay fp32. Quantizing every MatMul ("all") gave min cosine 0.9885 on the check questions;
# the FFN outputs alone in fp32 lost one dev dense top-5 hit, keeping the embeddings too lost none.
QUANT_PLANS = ("ffn-output+embeddings-fp32",)
EXPORT_VERSION = 2  # 2: the int8 plan above, speed timed in torch-free processes


def onnx_available() -> bool:
    """True if the export's libraries (onnx, onnxruntime) are installed."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None for name in ("onnx", "onnxruntime"))


def is_exported(model_dir: Path) -> bool:
    """True if ``model_dir/onnx`` holds a complete export of this format version."""
    report = read_report(model_dir)
    return bool(report and report.get("version") == EXPORT_VERSION
                and (Path(model_dir) / ONNX_DIR / FILES["onnx-fp32"]).is_file())


def _export_fp32(model_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    # eager attention traces into plain MatMul/Softmax, which the BERT optimizer fuses
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager", local_files_only=True).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 41, 1294, 12, 14515, 14332, 2], [0, 41, 1294, 12, 2, 1, 1]])
    mask = (ids != 1).long()
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        # the TorchScript exporter: the dynamo one needs onnxscript and gains nothing for a BERT encoder
        torch.onnx.export(LastHiddenState(bert), (ids, mask), str(out), opset_version=OPSET, dynamo=False,
                          input_names=["input_ids", "attention_mask"], output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes})


def _optimize(src: Path, out: Path, heads: int, hidden: int) -> dict:
    from onnxruntime.transformers import optimizer

    model = optimizer.optimize_model(str(src), model_type="bert", num_heads=heads, hidden_size=hidden,
                                     opt_level=1, use_gpu=False)
    model.save_model_to_file(str(out))
    return {k: v for k, v in model.get_fused_operator_statistics().items() if v}


# node groups a plan may keep in fp32, as the BERT optimizer names and wires them
FP32_GROUPS = ("ffn-output", "attention-output", "last-layer", "embeddings")
QUANT_OPTIONS = ("per-tensor", "reduce-range")  # default: per-channel weights, full int8 range


def parse_plan(plan: str) -> tuple[list[str], list[str]]:
    """The fp32 groups and options of a plan: ``all`` or ``<group>[+<group>]-fp32``, then ``,<option>``s.

    >>> parse_plan("ffn-output+last-layer-fp32,reduce-range")
    (['ffn-output', 'last-layer'], ['reduce-range'])
    """
    name, *options = plan.split(",")
    groups = [] if name == "all" else name.removesuffix("-fp32").split("+")
    if (name != "all" and not name.endswith("-fp32")) or not set(groups) <= set(FP32_GROUPS) \
            or not set(options) <= set(QUANT_OPTIONS):
        raise ValueError(f"int8 plan {plan!r} is unknown; accepted: 'all' or '<group>[+<group>]-fp32' with groups "
                         f"{', '.join(FP32_GROUPS)}, then ',<option>' from {', '.join(QUANT_OPTIONS)}")
    return groups, options


def fp32_nodes(graph, groups: list[str]) -> list[str]:
    """Names of the nodes ``groups`` keep out of quantization in a fused BERT graph."""
    gelu_outputs = {o for n in graph.node if n.op_type in ("BiasGelu", "Gelu", "FastGelu") for o in n.output}
    attention_outputs = {o for n in graph.node if n.op_type == "Attention" for o in n.output}
    last_attention = max((i for i, n in enumerate(graph.node) if n.op_type == "Attention"), default=len(graph.node))
    picked = []
    for i, node in enumerate(graph.node):
        if ("ffn-output" in groups and node.op_type == "MatMul" and node.input[0] in gelu_outputs
                or "attention-output" in groups and node.op_type == "MatMul" and node.input[0] in attention_outputs
                or "last-layer" in groups and i >= last_attention and node.op_type in ("Attention", "MatMul")
                or "embeddings" in groups and node.op_type == "EmbedLayerNormalization"):
            picked.append(node.name)
    return picked


def quantize(src: Path, out: Path, plan: str) -> list[str]:
    """Write ``src`` with dynamic int8 weights as ``plan`` says (signed, per channel unless told); return
    the nodes kept fp32."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    groups, options = parse_plan(plan)
    exclude = fp32_nodes(onnx.load(str(src), load_external_data=False).graph, groups) if groups else []
    # shape inference cannot type the fused ops' outputs; they are all float
    quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel="per-tensor" not in options,
                     reduce_range="reduce-range" in options, nodes_to_exclude=exclude,
                     extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return exclude


def check_questions(questions: list[str], limit: int = 48) -> list[str]:
    """The first ``limit`` of ``questions`` for the cosine check, half with diacritics and half without.

    Example:
        >>> check_questions(["Ai chủ trì?", "Kinh phí lấy từ đâu?"], limit=2)
        ['Ai chủ trì?', 'Kinh phi lay tu dau?']
    """
    from corpus.text import fold

    questions = questions[:limit]
    return questions[: limit // 2] + [fold(q) for q in questions[limit // 2:]]


def cosines(model_dir: Path, variant: str, questions: list[str], reference: np.ndarray, prompt: str,
            onnx_dir: Path | None = None) -> np.ndarray:
    """Cosine of each question's ``variant`` vector to its ``reference`` row."""
    encoder = OnnxQueryEncoder(model_dir, variant, onnx_dir=onnx_dir)
    vectors = np.vstack([encoder.encode([prompt + q]) for q in questions])  # one at a time, as served
    return (vectors * reference).sum(axis=1)


def speeds(model_dir: Path, questions: list[str], prompt: str, onnx_dir: Path | None = None,
           rounds: int = 2, threads: int = 2) -> dict[str, float]:
    """Median ms per question, one question at a time, of each ONNX variant, each timed in its own fresh
    process that never imports torch (as an API process), fp32 and int8 taking turns ``rounds`` times.

    Timed here, after the export and the torch reference have run, torch's idle thread pool would slow
    both variants alike and hide int8's lead (see :mod:`index.model.timing`)."""
    timings = time_in_fresh_processes(model_dir, list(FILES), questions, prompt, threads=threads, rounds=rounds,
                                      onnx_dirs={v: onnx_dir for v in FILES} if onnx_dir else None)
    for timing in timings.values():
        if timing.torch_imported:
            logger.warning("the %s timing process imported torch: its time is pessimistic", timing.variant)
    return {v: round(t.p50, 2) for v, t in timings.items()}


def _summary(cos: np.ndarray) -> dict:
    return {"mean_cosine": round(float(cos.mean()), 5), "min_cosine": round(float(cos.min()), 5)}


def export_onnx(model_dir: Path, questions: list[str], *, force: bool = False, query_prompt: str = "query: ") -> dict:
    """Write ``model_dir/onnx/`` (fp32, int8 if it passes the check) and return the export report.

    Args:
        model_dir: a prepared sentence-transformers folder (``hoidap model prepare``).
        questions: the questions the int8 model is checked on (the CLI passes the dev set's, eval/gold).
        force: export again even if a complete export is there.
        query_prompt: the prompt the check questions carry (the setting's ``query_prompt``).

    Returns:
        the report written to ``onnx/onnx-export.json``: cosines, ``int8_accepted`` and its reason.

    Raises:
        ModelUnavailable: onnx/onnxruntime are not installed or the model cannot be loaded.
    """
    model_dir = Path(model_dir)
    target = model_dir / ONNX_DIR
    if not force and is_exported(model_dir):
        return read_report(model_dir) or {}
    if not onnx_available():
        raise ModelUnavailable("xuất ONNX cần onnx và onnxruntime: pip install -e '.[search]'")
    from index.model.embedder import Embedder

    started = time.perf_counter()
    config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    with building(target) as tmp:
        raw = tmp / "raw.onnx"
        logger.info("exporting %s to ONNX (opset %d)", model_dir, OPSET)
        _export_fp32(model_dir, raw)
        fused = _optimize(raw, tmp / FILES["onnx-fp32"], config["num_attention_heads"], config["hidden_size"])
        raw.unlink()
        questions = check_questions(questions)
        reference = Embedder(str(model_dir), query_prompt=query_prompt, query_encoder="torch").embed_queries(questions)
        report: dict = {"version": EXPORT_VERSION, "opset": OPSET, "fused": fused, "questions": len(questions),
                        "source": source_fingerprint(model_dir)}
        report["onnx-fp32"] = _summary(cosines(model_dir, "onnx-fp32", questions, reference, query_prompt, tmp))
        accepted, reasons = False, []
        for plan in QUANT_PLANS:
            kept = quantize(tmp / FILES["onnx-fp32"], tmp / FILES["onnx-int8"], plan)
            int8 = _summary(cosines(model_dir, "onnx-int8", questions, reference, query_prompt, tmp))
            reasons.append(f"{plan}: cosine to torch fp32 mean {int8['mean_cosine']:.4f}, "
                           f"min {int8['min_cosine']:.4f} (needs ≥ {MIN_COSINE})")
            logger.info("int8 plan %s", reasons[-1])
            if int8["min_cosine"] >= MIN_COSINE:
                accepted = True
                report["onnx-int8"] = {**int8, "plan": plan, "fp32_nodes": len(kept)}
                break
        if accepted:
            report["p50_ms"] = speeds(model_dir, questions, query_prompt, tmp)
            speedup = report["p50_ms"]["onnx-fp32"] / max(report["p50_ms"]["onnx-int8"], 1e-6)
            reasons.append(f"speed: int8 {report['p50_ms']['onnx-int8']:.1f} ms, fp32 {report['p50_ms']['onnx-fp32']:.1f} ms "
                           f"a question, each timed in a fresh process without torch ({speedup:.2f}x, "
                           f"needs ≥ {MIN_SPEEDUP}x)")
            logger.info("int8 %s", reasons[-1])
            accepted = speedup >= MIN_SPEEDUP
        report["int8_accepted"] = accepted
        report["int8_reason"] = "; ".join(reasons) + f" over {len(questions)} dev questions"
        if not accepted:
            logger.warning("onnx-int8 refused, questions will use onnx-fp32: %s", report["int8_reason"])
            (tmp / FILES["onnx-int8"]).unlink()
        (tmp / REPORT_NAME).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        make_lean(tmp, model_dir, [name for name in FILES.values() if (tmp / name).is_file()])
        swap_in(tmp, target)
    logger.info("ONNX encoder ready in %s in %.0f s: %s", target, time.perf_counter() - started, report["int8_reason"])
    return report
