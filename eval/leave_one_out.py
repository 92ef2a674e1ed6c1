"""Do the answerability features carry over to a document the model never saw?

Train the answerability and rerank models without any question about one shipped document (nor the
entity-swapped copies made from them), then ask every dev question about that document, and the
``oos_dev`` questions, against an index that answers with that model. Prints the figures.

    python -m eval.leave_one_out --doc dongthap-2021-de-an-1601 [--alqac ../shared/bench/alqac]

Uses ``HOIDAP_DATA_DIR`` (an index of the shipped corpus must exist there); writes its own model
and index version in a temporary copy, never the shipped model.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from core.settings import PROJECT_ROOT, Settings
from corpus.store import Store
from eval.gold import load_gold, normalize, relevant_units
from eval.train_answerability import train
from hoidap.answer import AnswerService
from index.build import IndexBuilder
from index.search import Searcher


def leave_one_out(settings: Settings, doc_id: str, alqac: Path | None) -> dict:
    """Figures for the questions about ``doc_id`` with a model trained without them."""
    with tempfile.TemporaryDirectory(prefix="hoidap-lodo-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(settings.data_dir, data)
        model = Path(tmp) / "answerability.json"
        local = settings.model_copy(update={"data_dir": data, "answerability_model": str(model)})
        summary = train(local, alqac, out=model, exclude_doc=doc_id)
        IndexBuilder(local, Store(local.db_path)).build()
        service = AnswerService(local, Searcher(local))
        units = {u.id: (u.doc_id, normalize(u.text)) for u in Store(local.db_path).units()}
        questions = [q for q in load_gold() if q.doc_id == doc_id and not q.out_of_scope]
        abstained, facts, recall1 = [], [], []
        for q in questions:
            answer = service.answer(q.question, record=False)
            abstained.append(answer.abstained)
            if q.fact:
                facts.append(not answer.abstained and normalize(q.fact) in normalize(answer.answer))
            relevant = relevant_units(q, units)
            if relevant:
                ranked = service.searcher.search(q.question, k=1).unit_ids
                recall1.append(bool(ranked) and ranked[0] in relevant)
        oos = [service.answer(q.question, record=False).abstained
               for q in load_gold(PROJECT_ROOT / "eval" / "gold" / "oos_dev.jsonl")]
    return {"doc": doc_id, "questions": len(questions), "train_examples": summary["train_examples"],
            "abstained_answerable": float(np.mean(abstained)), "answer_fact_rate": float(np.mean(facts)),
            "recall@1": float(np.mean(recall1)), "abstained_oos_dev": float(np.mean(oos))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", action="append", required=True, help="a shipped document id (repeatable)")
    parser.add_argument("--alqac", type=Path, default=PROJECT_ROOT.parent / "shared" / "bench" / "alqac")
    args = parser.parse_args(argv)
    alqac = args.alqac if (args.alqac / "queries.jsonl").exists() else None
    settings = Settings()
    for doc in args.doc:
        print(json.dumps(leave_one_out(settings, doc, alqac), ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
