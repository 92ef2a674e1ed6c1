"""bm25s (used for speed) ranks the shipped corpus like rank-bm25, the reference implementation."""

from __future__ import annotations

import json

import numpy as np
from rank_bm25 import BM25Okapi

from eval.gold import load_gold
from core.settings import Settings
from index.lexical import LexicalIndex
from index.tokenize import Tokens, tokenize
from index.versions import VersionStore


def test_bm25s_agrees_with_rank_bm25(indexed_settings: Settings) -> None:
    folder, _ = VersionStore(indexed_settings.index_dir).current()
    rows = [json.loads(line) for line in (folder / "tokens.jsonl").read_text(encoding="utf-8").splitlines()]
    tokens = [Tokens(words, folded) for _, words, folded in rows]
    ours = LexicalIndex(k1=1.5, b=0.75)
    ours.build(tokens)
    reference = BM25Okapi([t.words for t in tokens], k1=1.5, b=0.75)
    questions = [q.question for q in load_gold() if not q.out_of_scope][:60]
    top1_in_top3 = overlap = 0
    for question in questions:
        query = tokenize(question)
        a = np.argsort(-ours.scores(query, "words"))[:10]
        b = np.argsort(-reference.get_scores(query.words))[:10]
        top1_in_top3 += b[0] in a[:3]
        overlap += len(set(a) & set(b)) / 10
    assert top1_in_top3 / len(questions) >= 0.9
    assert overlap / len(questions) >= 0.8
