"""CLI: hoidap eval (dev set or an ALQAC-shaped folder), with reports and --json."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings
from index.answerability.model import MODEL_FILE

DEFAULT_ALQAC = PROJECT_ROOT.parent / "shared" / "bench" / "alqac"
DEFAULT_REALDOCS = PROJECT_ROOT.parent / "shared" / "realdocs"


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    if "query_cache" not in settings.model_fields_set:  # each mode asks the same questions: time each encoding
        settings = settings.model_copy(update={"query_cache": 0})

    from eval.gold import DEFAULT_GOLD, load_gold
    from eval.report import public, write_report

    bars: dict[str, tqdm] = {}

    def progress(stage: str, done: int, total: int) -> None:
        bar = bars.get(stage) or bars.setdefault(stage, tqdm(total=total, desc=stage, unit="câu", file=sys.stderr,
                                                            disable=args.quiet))
        bar.update(done - bar.n)

    modes = tuple(args.modes.split(","))
    if args.backend:
        settings = settings.model_copy(update={"backend": args.backend})
    if args.train_abstain:
        from eval.train_answerability import train

        alqac = _alqac_questions(args)
        grown = None
        if args.realdocs:  # also on the shipped corpus grown by the real documents, with their tune questions
            from eval.gold import load_gold
            from eval.realdocs import REALDOCS_GOLD, corpora, prepare

            shipped, enlarged = corpora(settings, Path(args.realdocs))
            grown_settings, _ = prepare(enlarged, settings)
            grown = (grown_settings, load_gold(REALDOCS_GOLD))
            settings, _ = prepare(shipped, settings)  # the shipped corpus alone, in its own data dir
        summary = train(settings, alqac, Path(args.gold) if args.gold else None, progress=progress,
                        exclude_doc=args.exclude_doc, out=Path(args.model_out) if args.model_out else MODEL_FILE,
                        grown=grown, augment=not args.no_augment, verifier=args.with_verifier,
                        growth=args.growth_features, every_style=args.threshold_every_style)
        for bar in bars.values():
            bar.close()
        print(json.dumps(summary, ensure_ascii=False, indent=1))
        print("Xây lại chỉ mục để dùng mô hình mới: hoidap index", file=sys.stderr)
        return 0
    if args.tune:
        from eval.tune import tune

        trials = tune(settings, load_gold(Path(args.gold or DEFAULT_GOLD)))
        for trial in trials[:10]:
            print(f"R@5 {trial.recall5:.3f}  MRR@10 {trial.mrr10:.3f}  {trial.params}")
        return 0
    if args.realdocs:
        return _realdocs(args, settings, progress, bars)
    if args.alqac:
        from eval.alqac import data_dir_for, evaluate_alqac

        data_dir = Path(args.data_dir) if args.data_dir else data_dir_for(Path(args.alqac), settings.data_dir)
        alqac_settings = settings.model_copy(update={"data_dir": data_dir})

        def build_progress(stage: str, done: int, total: int, rate: float, left: float | None = None) -> None:
            progress(f"index-{stage}", done, total)

        report = evaluate_alqac(Path(args.alqac), alqac_settings, modes, progress, build_progress)
        title = f"ALQAC ({report['_questions']} câu hỏi)"
    else:
        from eval.harness import evaluate

        if settings.backend == "milvus":  # the version built here, published to Milvus if it is not yet
            from corpus.store import Store
            from index.build import IndexBuilder

            IndexBuilder(settings, Store(settings.db_path)).build()
        report = evaluate(settings, load_gold(Path(args.gold or DEFAULT_GOLD)), modes, progress,
                          alqac=_alqac_questions(args), gold=Path(args.gold) if args.gold else None)
        title = "Bộ câu hỏi dev (eval/gold/dev.jsonl)"
    for bar in bars.values():
        bar.close()
    if args.out:
        path = write_report(report, Path(args.out), title)
        print(f"Báo cáo: {path}", file=sys.stderr)
    if args.json:
        print(json.dumps(public(report), ensure_ascii=False))
    else:
        for mode, metrics in public(report).items():
            print(mode, "  ".join(f"{k}={v:.3f}" for k, v in metrics.items()))
    return 0


def _realdocs(args: argparse.Namespace, settings: Settings, progress, bars: dict) -> int:
    """``hoidap eval --realdocs``: the real-document questions and the dev set, enlarged vs shipped-only."""
    from eval.realdocs import SPLITS, evaluate_realdocs, table

    def build_progress(stage: str, done: int, total: int, rate: float, left: float | None = None) -> None:
        progress(f"index-{stage}", done, total)

    splits = SPLITS if args.split == "all" else (args.split,)
    try:
        report = evaluate_realdocs(settings, Path(args.realdocs), splits=splits, dev=not args.no_dev,
                                   alqac=_alqac_questions(args), progress=progress, build_progress=build_progress)
    except ValueError as exc:
        raise SystemExit(str(exc)) from None
    for bar in bars.values():
        bar.close()
    text = table(report)
    if args.out:
        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "realdocs.md").write_text(f"# hoidap eval --realdocs {args.realdocs}\n\n{text}\n", encoding="utf-8")
        print(f"Báo cáo: {folder / 'realdocs.md'}", file=sys.stderr)
    if args.json:
        print(json.dumps({k: v for k, v in report.items() if not k.startswith("_")}, ensure_ascii=False))
    else:
        print(text)
    return 0


def _alqac_questions(args: argparse.Namespace) -> Path | None:
    """The ALQAC folder whose questions are negatives against the shipped corpus (None if absent)."""
    folder = Path(args.alqac_questions) if args.alqac_questions else DEFAULT_ALQAC
    if not (folder / "queries.jsonl").exists():
        if args.alqac_questions:
            raise SystemExit(f"{folder}: không có queries.jsonl (cần thư mục dạng ALQAC)")
        print(f"không thấy {folder}: bỏ qua câu hỏi ALQAC", file=sys.stderr)
        return None
    return folder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="đánh giá chất lượng tìm kiếm và trả lời")
    p.add_argument("--gold", help="tệp câu hỏi vàng (mặc định eval/gold/dev.jsonl)")
    p.add_argument("--alqac", metavar="FOLDER", help="thư mục dạng ALQAC (corpus.jsonl + queries.jsonl)")
    p.add_argument("--data-dir", help="thư mục dữ liệu riêng cho --alqac (mặc định DATA_DIR/alqac/<tên>-<mã băm thư mục>)")
    p.add_argument("--realdocs", nargs="?", const=str(DEFAULT_REALDOCS), metavar="FOLDER",
                   help="bộ văn bản thật thêm vào kho kèm theo (mặc định ../shared/realdocs): câu hỏi "
                        "eval/gold/realdocs.jsonl và bộ dev, so với kho kèm theo riêng")
    p.add_argument("--split", choices=("tune", "heldout", "all"), default="all",
                   help="với --realdocs: phần câu hỏi chạy (tune khi tinh chỉnh, heldout chỉ để báo cáo)")
    p.add_argument("--no-dev", action="store_true", help="với --realdocs: bỏ phần so sánh bộ dev")
    p.add_argument("--modes", default="bm25,dense,hybrid")
    p.add_argument("--backend", choices=("embedded", "milvus"),
                   help="chỉ mục dùng để đánh giá (mặc định HOIDAP_BACKEND); milvus: máy chủ HOIDAP_MILVUS_URI")
    p.add_argument("--out", help="thư mục ghi báo cáo Markdown và biểu đồ PNG")
    p.add_argument("--json", action="store_true", help="in số liệu dạng JSON {mode: {metric: value}}")
    p.add_argument("--tune", action="store_true", help="dò trọng số hợp nhất trên bộ dev")
    p.add_argument("--train-abstain", action="store_true",
                   help="huấn luyện mô hình nhận biết câu hỏi ngoài phạm vi và xếp hạng lại (index/answerability.json)")
    p.add_argument("--alqac-questions", metavar="FOLDER",
                   help="câu hỏi ALQAC dùng làm câu hỏi ngoài phạm vi (mặc định ../shared/bench/alqac nếu có)")
    p.add_argument("--exclude-doc", help="với --train-abstain: bỏ các câu hỏi về văn bản này khi huấn luyện")
    p.add_argument("--no-augment", action="store_true",
                   help="với --train-abstain: không thêm bản viết khác kiểu và câu hỏi gần trúng của phần train")
    p.add_argument("--with-verifier", action="store_true",
                   help="với --train-abstain: dùng cả đặc trưng của bộ kiểm chứng ngữ nghĩa")
    p.add_argument("--growth-features", action="store_true",
                   help="với --train-abstain: dùng cả đặc trưng kho lớn (đơn vị đầu nổi bật so với các văn bản khác)")
    p.add_argument("--threshold-every-style", action="store_true",
                   help="với --train-abstain: ngưỡng giữ 2%% câu trả lời được ở mọi kiểu hỏi và mọi kho, không chỉ câu gốc")
    p.add_argument("--model-out", help="với --train-abstain: ghi mô hình vào tệp này thay vì index/answerability.json")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_eval)
