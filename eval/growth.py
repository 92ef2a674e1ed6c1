"""Does corpus growth hurt? Figures of the answerability model on train and tune questions only, the
shipped corpus alone against the shipped corpus grown by a real document set (:mod:`eval.realdocs`).

Every question is asked once through the answer service with a *permissive* copy of a model (its
threshold lowered so that only the vetoes and the answer's own refusals refuse) and recorded: the
question features of its search, whether it was refused and why, and whether the answer would be
right if given. Any model with the same rerank part (the same candidate features and rerank training)
is then judged on the records without asking again: refused = recorded refusal, or its probability
below its threshold. Records are written as JSON lines, one file per corpus.

Question sets (none held out):

- ``dev``: the train split of :func:`eval.abstain_data.build` (answerable dev train questions,
  ``oos_train``, swapped copies, ALQAC train questions), on both corpora: trust and refusals per source;
- ``styles``: the train split's styled questions and near misses (:mod:`eval.robust`), shipped corpus;
- ``real``: the real-document ``tune`` questions, grown corpus (:mod:`eval.realdocs` outcomes);
- ``augmented``: the trainer's styled copies and near misses of the train split (training rows only).

Example:
    $ python -m eval.growth record --model index/answerability.json --out /tmp/growth
    $ python -m eval.growth judge --model candidate.json --records /tmp/growth
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from core.settings import Settings
from corpus.store import Store
from eval.abstain_data import build
from eval.gold import GoldQuestion, load_gold, normalize, relevant_units
from eval.near_miss import CorpusView
from eval.realdocs import DEFAULT_FOLDER, REALDOCS_GOLD, TOP, corpora
from eval.robust import heldout, robust_questions
from eval.trust import right_outcome
from index.answerability.model import AnswerabilityModel
from index.answerability.vetoes import veto
from index.search import Searcher, SearchResult
from index.versions import answerability_path

log = logging.getLogger(__name__)

DEFAULT_ALQAC = Path(__file__).resolve().parent.parent.parent / "shared" / "bench" / "alqac"


@dataclass
class Record:
    """One asked question: its set and source, its class, what happened, its search's features."""

    id: str
    set: str  # dev, styles, real, augmented
    source: str  # dev, oos_train, swap_year, alqac, style:<style>, near:<kind>, realdocs, …
    answerable: bool
    refused: bool  # refused by the permissive model: a veto or the answer's own refusal
    reason: str | None
    right_if_answered: bool  # answerable: answered would be right (evidence, fact); out of scope: False
    searches: int  # searches the answer made (several for a question in parts: not re-judged)
    features: dict[str, float] = field(default_factory=dict)


class RecordingSearcher(Searcher):
    """A searcher that keeps the results of the searches made since :meth:`clear`."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.results: list[SearchResult] = []

    def clear(self) -> None:
        self.results = []

    def search(self, *args, **kwargs) -> SearchResult:
        result = super().search(*args, **kwargs)
        self.results.append(result)
        return result


def serving_model(data_dir: Path) -> Path:
    """The path of the serving version's answerability model in ``data_dir``."""
    index = data_dir / "index"
    return answerability_path(index / (index / "CURRENT").read_text(encoding="utf-8").strip())


def install(model: Path, data_dir: Path) -> Path:
    """Copy ``model`` over the serving version's answerability model in ``data_dir``; the path written."""
    target = serving_model(data_dir)
    shutil.copyfile(model, target)
    return target


@contextmanager
def installed(model: Path, data_dir: Path) -> Iterator[Path]:
    """``model`` serves in ``data_dir`` for the block (:func:`install`), the model it replaced after it, also
    when the block fails: a recording's permissive model never stays to serve a later evaluation."""
    target = serving_model(data_dir)
    before = target.read_bytes() if target.exists() else None
    install(model, data_dir)
    try:
        yield target
    finally:
        if before is None:
            target.unlink(missing_ok=True)
        else:
            target.write_bytes(before)


def permissive(model: Path, out: Path) -> Path:
    """A copy of ``model`` that refuses by its vetoes only (threshold 0)."""
    data = json.loads(model.read_text(encoding="utf-8"))
    data["threshold"] = 0.0
    out.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return out


def ask(service, searcher: RecordingSearcher, question: str) -> tuple:
    searcher.clear()
    answer = service.answer(question, record=False)
    results = list(searcher.results)
    return answer, results


def record_corpus(settings: Settings, asked: list[tuple], progress: bool = True) -> list[Record]:
    """Each ``(id, set, source, question, answerable, judge)`` asked on ``settings``' index; ``judge(answer,
    searcher)`` says whether an answer would be right."""
    from hoidap.answer import AnswerService

    searcher = RecordingSearcher(settings)
    service = AnswerService(settings, searcher)
    out = []
    for done, (qid, set_name, source, question, answerable, judge) in enumerate(asked, 1):
        answer, results = ask(service, searcher, question)
        right = bool(answerable and not answer.abstained and judge(answer, searcher, question))
        main = results[0] if results else None
        out.append(Record(qid, set_name, source, answerable, bool(answer.abstained), answer.reason, right,
                          len(results), dict(main.features) if main is not None else {}))
        if progress and done % 200 == 0:
            log.info("%s: %d/%d", settings.data_dir.name, done, len(asked))
    return out


def _dev_judge(gold: GoldQuestion | None):
    def judge(answer, searcher, question) -> bool:
        return gold is None or gold.fact is None or normalize(gold.fact) in normalize(answer.answer)
    return judge


def _styles_judge(gold: GoldQuestion | None, units):
    def judge(answer, searcher, question) -> bool:
        return gold is not None and right_outcome(answer, gold, units)
    return judge


def _real_judge(gold: GoldQuestion, units):
    def judge(answer, searcher, question) -> bool:
        ranked = searcher.search(question, mode="hybrid", k=10).unit_ids
        evidence = any(uid in relevant_units(gold, units) for uid in ranked[:TOP])
        fact = gold.fact is None or normalize(gold.fact) in normalize(answer.answer)
        return evidence and fact
    return judge


def questions_for(settings: Settings, shipped: Settings, grown: bool, alqac: Path | None) -> list[tuple]:
    """What is asked on one corpus (see the module docstring); the styled copies and near misses are made
    from the ``shipped`` corpus's store, as the trainer makes them."""
    from eval.train_answerability import augmented

    store = Store(settings.db_path)
    units = {u.id: (u.doc_id, normalize(u.text)) for u in store.units()}
    gold = load_gold()
    by_id = {q.id: q for q in gold}
    train = [e for e in build(alqac=alqac) if e.split == "train"]
    asked = [(e.id, "dev", e.source, e.question, e.answerable, _dev_judge(by_id.get(e.id))) for e in train]
    extra, extra_gold = augmented(train, by_id, Store(shipped.db_path))
    asked += [(e.id, "augmented", e.source, e.question, e.answerable, _dev_judge(extra_gold.get(e.id)))
              for e in extra]
    if grown:
        real = [q for q in load_gold(REALDOCS_GOLD) if q.split == "tune"]
        asked += [(q.id, "real", "realdocs", q.question, not q.out_of_scope, _real_judge(q, units)) for q in real]
    else:
        corpus = CorpusView.from_store(store)
        from eval.abstain_data import known_doc_numbers

        for qid, group, text, q in robust_questions(heldout(gold, "train"), corpus, known_doc_numbers()):
            asked.append((qid, "styles", group, text, group.startswith("style:"), _styles_judge(q, units)))
    return asked


# --- judging a model on the records ----------------------------------------------------------------------

def refused(records: list[Record], model: AnswerabilityModel) -> np.ndarray:
    """Whether ``model`` refuses each record's question."""
    rows = [r.features for r in records]
    p = model.answerable.probability(rows) if rows else np.zeros(0)
    out = []
    for r, probability in zip(records, p):
        if r.refused or r.searches != 1 or not r.features:
            out.append(r.refused)
        else:
            out.append(veto(r.features) is not None or probability < model.threshold)
    return np.asarray(out, dtype=bool)


def figures(records: list[Record], no: np.ndarray) -> dict[str, float]:
    """Trust and refusals of one set: right = answerable answered and right, or out of scope refused."""
    answerable = np.array([r.answerable for r in records], dtype=bool)
    right = np.where(answerable, ~no & np.array([r.right_if_answered for r in records], dtype=bool), no)
    out = {"n": float(len(records)), "trust": float(right.mean()) if len(right) else 0.0,
           "answerable_refused": float(no[answerable].mean()) if answerable.any() else 0.0,
           "oos_refused": float(no[~answerable].mean()) if (~answerable).any() else 0.0,
           "right_answerable": float(right[answerable].mean()) if answerable.any() else 0.0}
    for source in sorted({r.source.split(":")[0] if r.source.startswith("near") else r.source for r in records}):
        chosen = np.array([(r.source == source or r.source.startswith(source + ":")) for r in records])
        if chosen.any() and not answerable[chosen].all():
            out[f"refused_{source}"] = float(no[chosen].mean())
    return out


def judge(model: AnswerabilityModel, shipped: list[Record], enlarged: list[Record]) -> dict[str, dict[str, float]]:
    """The figures of ``model`` per set and corpus, and the growth gap on the dev train split."""
    report = {}
    for name, records in (("shipped", shipped), ("enlarged", enlarged)):
        for set_name in ("dev", "styles", "real"):
            chosen = [r for r in records if r.set == set_name]
            if chosen:
                report[f"{set_name} {name}"] = figures(chosen, refused(chosen, model))
    if "dev shipped" in report and "dev enlarged" in report:
        report["dev gap"] = {k: report["dev enlarged"][k] - report["dev shipped"][k]
                             for k in report["dev shipped"] if k in report["dev enlarged"]}
    return report


def load_records(path: Path) -> list[Record]:
    return [Record(**json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.growth", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="ask every train/tune question once with a permissive copy of --model")
    rec.add_argument("--model", required=True)
    rec.add_argument("--out", required=True)
    rec.add_argument("--realdocs", default=str(DEFAULT_FOLDER))
    rec.add_argument("--corpus", choices=("shipped", "enlarged", "both"), default="both")
    jud = sub.add_parser("judge", help="the figures of --model on recorded questions")
    jud.add_argument("--model", required=True)
    jud.add_argument("--records", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = Settings()
    if args.command == "record":
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        loose = permissive(Path(args.model), out / "permissive.json")
        alqac = DEFAULT_ALQAC if (DEFAULT_ALQAC / "queries.jsonl").exists() else None
        both = corpora(settings, Path(args.realdocs))
        shipped = settings.model_copy(update={"data_dir": both[0].data_dir})
        for corpus in both:
            if args.corpus not in ("both", corpus.name):
                continue
            own = settings.model_copy(update={"data_dir": corpus.data_dir})
            with installed(loose, corpus.data_dir):
                records = record_corpus(own, questions_for(own, shipped, corpus.name == "enlarged", alqac))
            (out / f"{corpus.name}.jsonl").write_text(
                "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        return 0
    folder = Path(args.records)
    model = AnswerabilityModel.load(Path(args.model))
    if model is None:
        raise SystemExit(f"{args.model}: no answerability model for these features (see the log); retrain it")
    report = judge(model, load_records(folder / "shipped.jsonl"), load_records(folder / "enlarged.jsonl"))
    json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
