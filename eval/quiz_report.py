"""The quiz bank the shipped corpus gives: how many items of each kind, how many facts were dropped and why, and a
seeded random sample printed for a human review.

    python -m eval.quiz_report                 # the counts
    python -m eval.quiz_report --sample 50     # and 50 random items, with the unit each one cites
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections import Counter
from pathlib import Path

from core.settings import Settings
from corpus.ingest import Ingester
from corpus.store import Store
from hoidap.quiz.generate import also_true, compare_key, distractor_pool, facts, generate, named_in_task
from hoidap.quiz.source import from_store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sample", type=int, default=0, help="print this many random items for review")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder) / "data")
        store = Store(settings.db_path)
        Ingester(store, settings).ingest_paths([settings.corpus_dir])
        docs = from_store(store)
        store.close()

    outcome: Counter = Counter()
    for _, _, units in docs:
        doc_facts = [f for u in units for f in facts(u)]
        text = "\n".join(compare_key(u.text) for u in units)
        for fact in doc_facts:
            pool = distractor_pool(fact, [f for f in doc_facts if f is not fact])
            if fact.kind in ("agency", "deadline") and (fact.key in compare_key(fact.subject) or named_in_task(fact)):
                outcome[(fact.kind, "answer named in the question")] += 1
            elif not pool:
                outcome[(fact.kind, "no distractor of its kind")] += 1
            elif any(also_true(fact, value, doc_facts, text) for value in pool):
                outcome[(fact.kind, "dropped: a distractor is also true")] += 1
            else:
                outcome[(fact.kind, "kept")] += 1
    items = generate(docs)
    verbatim = sum(i.fact in i.unit_text and (i.kind != "mcq" or i.options[i.answer_index] == i.fact) for i in items)
    distinct = sum(len({compare_key(o) for o in i.options}) == len(i.options) for i in items)

    print(f"units: {sum(len(u) for _, _, u in docs)} in {len(docs)} documents")
    print("facts found, by what became of them:")
    for (kind, fate), n in sorted(outcome.items()):
        print(f"  {kind:10} {fate:38} {n:4}")
    print(f"items: {len(items)}  " + "  ".join(f"{k}={n}" for k, n in sorted(Counter(i.kind for i in items).items())))
    print("  by fact: " + "  ".join(f"{k}={n}" for k, n in sorted(Counter(i.fact_kind for i in items).items())))
    print("  by document: " + "  ".join(f"{k}={n}" for k, n in sorted(Counter(i.doc_id for i in items).items())))
    print(f"correct fact verbatim in the cited unit: {verbatim}/{len(items)}; options distinct: {distinct}/{len(items)}")

    if args.sample:
        sample = random.Random(args.seed).sample(items, min(args.sample, len(items)))
        for n, item in enumerate(sample, 1):
            print(f"\n#{n} [{item.id}] {item.kind}/{item.fact_kind}  {item.unit_id}")
            print("  Q: " + item.question)
            for i, option in enumerate(item.options):
                print(f"  {'*' if i == item.answer_index else ' '} {'ABCD'[i]}. {option}")
            print(f"  fact: {item.fact!r}   unit: {item.unit_text[:400]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
