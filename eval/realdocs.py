"""The shipped corpus grown by a real document set (``../shared/realdocs``): questions written on the
real documents (``eval/gold/realdocs.jsonl``) and the shipped dev set, on the enlarged index and on
the shipped corpus alone, side by side.

Each corpus gets its own data directory below ``DATA_DIR/realdocs/``, named by a hash of the files
it is made of, built once and reused: the enlarged one embeds tens of thousands of units. When the
ingest code changes (a hash of ``corpus/*.py``), the store is re-read from the files and the index
updated in place, so vectors of unchanged passages are reused.

Figures on the real-document questions, per split (``tune``, ``heldout``):

- ``right_outcome``: answerable questions answered (not refused), with a unit holding the evidence
  among the first five search results, and the gold fact in the answer text;
- ``oos_refused``: out-of-scope questions refused; ``answerable_refused``: answerable ones refused;
- ``evidence@5`` and ``fact_in_answer`` separately, to see which part of the outcome failed.

On the dev set: trust, Recall@1 and out-of-scope refusal of :func:`eval.trust.evaluate_trust`
(held-out dev questions, ``oos_dev``, ALQAC when present) and the dev set's own answer-fact rate.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from core.settings import PROJECT_ROOT, Settings
from corpus.ingest import Ingester
from corpus.store import Store
from eval.gold import DEFAULT_GOLD, GoldQuestion, load_gold, normalize, relevant_units
from index.build import BuildReport, EtaCheck, IndexBuilder

log = logging.getLogger(__name__)

REALDOCS_GOLD = Path(__file__).parent / "gold" / "realdocs.jsonl"
DEFAULT_FOLDER = PROJECT_ROOT.parent / "shared" / "realdocs"
SPLITS = ("tune", "heldout")
TOP = 5
PIPELINE_MARK = "pipeline.txt"  # the hash of the ingest code the store was read with
TARGETS = {"right_outcome": "≥ 0.85", "oos_refused": "≥ 0.90", "answerable_refused": "≤ 0.05"}
DEV_FIGURES = ("trust", "recall@1", "oos_refused", "answer_fact_rate")
DEV_TOLERANCE = 0.02  # the enlarged index's dev figures within this of the shipped-only ones

Progress = Callable[[str, int, int], None]


@dataclass
class Corpus:
    """One evaluation corpus: its data directory and the source folders ingested into it."""

    name: str
    data_dir: Path
    sources: list[Path]


def documents_folder(folder: Path) -> Path:
    """The folder of the documents: ``FOLDER/docs`` when it exists (the shared set's layout), else ``FOLDER``."""
    return folder / "docs" if (folder / "docs").is_dir() else folder


def _files_digest(folders: list[Path]) -> str:
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:12]


def pipeline_digest() -> str:
    """A hash of the ingest code (``corpus/*.py``): a change re-reads the stored documents."""
    digest = hashlib.sha256()
    for path in sorted((PROJECT_ROOT / "corpus").glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def corpora(settings: Settings, folder: Path) -> tuple[Corpus, Corpus]:
    """The shipped-only corpus and the shipped corpus plus ``folder``'s documents."""
    shipped = [settings.corpus_dir]
    enlarged = shipped + [documents_folder(folder)]
    base = settings.data_dir / "realdocs"
    return (Corpus("shipped", base / f"shipped-{_files_digest(shipped)}", shipped),
            Corpus("enlarged", base / f"{folder.resolve().name}-{_files_digest(enlarged)}", enlarged))


def prepare(corpus: Corpus, settings: Settings, build_progress: Callable | None = None) -> tuple[Settings, BuildReport]:
    """Ingest (when the files or the ingest code changed) and build the corpus's index; its settings."""
    own = settings.model_copy(update={"data_dir": corpus.data_dir})
    corpus.data_dir.mkdir(parents=True, exist_ok=True)
    mark = corpus.data_dir / PIPELINE_MARK
    code = pipeline_digest()
    if mark.exists() and mark.read_text(encoding="utf-8").strip() != code and own.db_path.exists():
        log.info("%s: the ingest code changed; re-reading the documents (vectors of unchanged passages are reused)",
                 corpus.name)
        own.db_path.unlink()
        for extra in corpus.data_dir.glob(own.db_path.name + "-*"):  # sqlite's -wal / -shm
            extra.unlink()
    store = Store(own.db_path)
    if not mark.exists() or mark.read_text(encoding="utf-8").strip() != code:
        report = Ingester(store, own).ingest_paths(corpus.sources)
        failed = [r for r in report.results if r.status == "failed"]
        if failed:
            log.warning("%s: %d files failed to ingest, e.g. %s", corpus.name, len(failed), failed[0].reason)
        mark.write_text(code + "\n", encoding="utf-8")
    built = IndexBuilder(own, store).build(progress=build_progress)
    return own, built


def outcome(answer, ranked: list[str], question: GoldQuestion, units: dict[str, tuple[str, str]]) -> dict[str, bool]:
    """What happened to one question: refused, evidence in the first ``TOP`` results, fact in the answer."""
    refused = bool(answer.abstained)
    if question.out_of_scope:
        return {"refused": refused, "right": refused}
    relevant = relevant_units(question, units)
    evidence = any(uid in relevant for uid in ranked[:TOP])
    fact = question.fact is None or normalize(question.fact) in normalize(answer.answer)
    return {"refused": refused, "evidence": evidence, "fact": fact, "right": not refused and evidence and fact}


def figures(outcomes: dict[str, dict[str, bool]], questions: list[GoldQuestion]) -> dict[str, float]:
    answerable = [outcomes[q.id] for q in questions if not q.out_of_scope]
    oos = [outcomes[q.id] for q in questions if q.out_of_scope]

    def share(rows: list[dict[str, bool]], key: str) -> float:
        return sum(r[key] for r in rows) / len(rows) if rows else 0.0

    return {"right_outcome": share(answerable, "right"), "oos_refused": share(oos, "refused"),
            "answerable_refused": share(answerable, "refused"), f"evidence@{TOP}": share(answerable, "evidence"),
            "fact_in_answer": share(answerable, "fact"), "answerable": float(len(answerable)), "oos": float(len(oos))}


def ask_real(settings: Settings, questions: list[GoldQuestion], progress: Progress | None = None) -> dict[str, dict]:
    """Each real-document question asked on ``settings``' index: ``{id: outcome}``."""
    from hoidap.answer import AnswerService
    from index.search import Searcher

    store = Store(settings.db_path)
    units = {u.id: (u.doc_id, normalize(u.text)) for u in store.units()}
    searcher = Searcher(settings)
    service = AnswerService(settings, searcher)
    out = {}
    for done, q in enumerate(questions, 1):
        answer = service.answer(q.question, record=False)
        ranked = searcher.search(q.question, mode="hybrid", k=10).unit_ids
        out[q.id] = outcome(answer, ranked, q, units) | {"reason": answer.reason}
        if progress:
            progress("realdocs", done, len(questions))
    return out


def dev_figures(settings: Settings, alqac: Path | None, progress: Progress | None = None) -> dict[str, float]:
    """The shipped dev set's trust, Recall@1, out-of-scope refusal and answer-fact rate on ``settings``' index."""
    from eval.harness import evaluate

    report = evaluate(settings, load_gold(DEFAULT_GOLD), ("hybrid",), progress, alqac=alqac)
    trust = report["trust (held-out)"]
    oos_keys = [k for k in trust if k.startswith("abstained_") and k != "abstained_answerable"]
    counts = report["_trust"]["counts"]
    refused = sum(trust[k] * counts[k.removeprefix("abstained_")] for k in oos_keys)
    total = sum(counts[k.removeprefix("abstained_")] for k in oos_keys)
    return {"trust": trust["trust"], "recall@1": trust["recall@1"], "oos_refused": refused / total if total else 0.0,
            "answer_fact_rate": report["hybrid"]["answer_fact_rate"],
            "dev_oos_refused": report["hybrid"]["abstain_recall"],
            "answerable_refused": trust.get("abstained_answerable", 0.0)}


def evaluate_realdocs(settings: Settings, folder: Path = DEFAULT_FOLDER, *, gold: Path = REALDOCS_GOLD,
                      splits: tuple[str, ...] = SPLITS, dev: bool = True, alqac: Path | None = None,
                      progress: Progress | None = None, build_progress: Callable | None = None) -> dict:
    """``{"realdocs <split>": figures, "dev shipped-only": …, "dev enlarged": …, "dev difference": …}``."""
    if not documents_folder(folder).is_dir():
        raise ValueError(f"{folder}: không có thư mục văn bản thật (cần {folder}/docs hoặc một thư mục văn bản)")
    shipped, enlarged = corpora(settings, folder)
    report: dict = {"_data_dirs": {shipped.name: str(shipped.data_dir), enlarged.name: str(enlarged.data_dir)}}
    eta = EtaCheck()

    def watched(stage: str, done: int, total: int, rate: float, left: float | None = None) -> None:
        if stage == "embed":
            eta.update(done, total, left)
        if build_progress:
            build_progress(stage, done, total, rate, left)

    big, built = prepare(enlarged, settings, watched)
    report["_build"] = {"version": built.version, "units": built.units, "embedded": built.embedded,
                        "seconds": round(built.seconds, 1), "embed_seconds": round(built.embed_seconds, 1),
                        "units_per_second": round(built.computed / built.embed_seconds, 1) if built.embed_seconds else 0.0,
                        "eta": [{"at": mark, "predicted_s": round(p, 1), "actual_s": round(a, 1)}
                                for mark, p, a in eta.finish()]}
    questions = [q for q in load_gold(gold) if q.split in splits]
    stored = {d["id"] for d in Store(big.db_path).list_documents()}
    absent = sorted({q.doc_id for q in questions if q.doc_id and q.doc_id not in stored})
    if absent:
        log.warning("%d gold documents are not in the enlarged corpus: %s", len(absent), absent[:5])
    outcomes = ask_real(big, questions, progress)
    for split in splits:
        chosen = [q for q in questions if q.split == split]
        report[f"realdocs {split}"] = figures(outcomes, chosen)
        report[f"_misses {split}"] = [f"{q.id}:{_why(outcomes[q.id])}" for q in chosen if not outcomes[q.id]["right"]]
    report["_outcomes"] = outcomes
    if dev:
        small, _ = prepare(shipped, settings, build_progress)
        only = dev_figures(small, alqac, progress)
        grown = dev_figures(big, alqac, progress)
        report["dev shipped-only"] = only
        report["dev enlarged"] = grown
        report["dev difference"] = {k: grown[k] - only[k] for k in DEV_FIGURES}
    return report


def _why(outcome: dict) -> str:
    if "evidence" not in outcome:
        return "answered (out of scope)"
    if outcome["refused"]:
        return f"refused ({outcome.get('reason')})"
    return "no evidence@5" if not outcome["evidence"] else "fact missing"


def table(report: dict) -> str:
    """The figures as Markdown tables, targets beside, misses stated."""
    build = report.get("_build", {})
    lines = []
    if build.get("embedded"):
        lines += [f"index: {build['units']} units, {build['embedded']} embedded at {build['units_per_second']} units/s, "
                  f"{build['seconds']:.0f} s in all; time left estimated "
                  + "; ".join(f"at {e['at']:.0%} {e['predicted_s']:.0f} s, took {e['actual_s']:.0f} s"
                              for e in build["eta"]), ""]
    lines += ["| figure | " + " | ".join(s for s in SPLITS if f"realdocs {s}" in report) + " | target |",
             "|---|" + "---|" * (sum(f"realdocs {s}" in report for s in SPLITS) + 1)]
    shown = [s for s in SPLITS if f"realdocs {s}" in report]
    for name in ("right_outcome", "oos_refused", "answerable_refused", f"evidence@{TOP}", "fact_in_answer",
                 "answerable", "oos"):
        cells = [_cell(report[f"realdocs {s}"][name], name) for s in shown]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {TARGETS.get(name, '')} |")
    if "dev enlarged" in report:
        lines += ["", "| shipped dev set | shipped-only | enlarged | difference | target |", "|---|---|---|---|---|"]
        for name in DEV_FIGURES:
            only, grown = report["dev shipped-only"][name], report["dev enlarged"][name]
            lines.append(f"| {name} | {only:.3f} | {grown:.3f} | {grown - only:+.3f} | within {DEV_TOLERANCE} |")
    for split in shown:
        misses = report.get(f"_misses {split}")
        if misses:
            lines += ["", f"misses ({split}): " + ", ".join(misses)]
    return "\n".join(lines)


def _cell(value: float, name: str) -> str:
    return f"{value:.0f}" if name in ("answerable", "oos") else f"{value:.3f}"
