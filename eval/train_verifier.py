"""Training the semantic verifier's head: ``python -m eval.train_verifier`` (writes index/verifier.json/.npy).

e5 stays frozen: the token states of every training clause (torch, as the index embeds passages) and
question (the configured question encoder, as served) are computed once; then a projection
(hidden → ``--dims``), a token-weight vector and the three-number scorer of
:class:`index.verify.VerifierHead` are fitted by Adam on a class-balanced logistic loss over the
pairs of :mod:`eval.verifier_data`, in a fixed order from a fixed seed, on the CPU. The projection
starts from the principal axes of the clauses' token states. The report compares, on the held-out
pairs, the head with raw MaxSim over the unprojected states and with the pooled cosine the index
uses.

Example:
    $ python -m eval.train_verifier --realdocs ../shared/realdocs/docs
"""

from __future__ import annotations

import argparse
import json
import logging
import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from core.settings import PROJECT_ROOT, Settings
from corpus.ingest import Ingester
from corpus.store import Store
from eval import verifier_data as data
from index.model.embedder import Embedder
from index.verify import HEAD_FILE, TokenStates, VerifierHead

log = logging.getLogger(__name__)

DEFAULT_REALDOCS = PROJECT_ROOT.parent / "shared" / "realdocs" / "docs"
CORPUS = PROJECT_ROOT / "corpus" / "documents"
MAX_PASSAGE_TOKENS = 256  # in training only (the few longer units are cut); served: all of them
TEMPERATURE = 0.1
REAL_SOURCES = ("dev", "dev_negative", "dev_swap", "oos")


def encode(settings: Settings, units: dict[str, data.Unit], questions: list[str], progress=None):
    """Token states of the clauses (torch, as built) and the questions (the served encoder)."""
    passages = Embedder.from_settings(settings.model_copy(update={"query_encoder": "torch"}))
    ids = sorted(units)
    states: dict[str, TokenStates] = {}
    pooled: dict[str, np.ndarray] = {}

    def keep(batch: list[int], tokens: list[TokenStates]) -> None:
        for j, t in zip(batch, tokens):
            states[ids[j]] = TokenStates(t.states[:MAX_PASSAGE_TOKENS].astype(np.float16), t.spans[:MAX_PASSAGE_TOKENS])

    vectors = passages.embed_passages([units[i].passage for i in ids],
                                      (lambda d, r, left: progress("passages", d, len(ids))) if progress else None,
                                      on_tokens=keep)
    pooled = dict(zip(ids, vectors))
    asker = passages if settings.query_encoder == "torch" else Embedder.from_settings(settings)
    q_states: list[TokenStates] = []
    q_vectors = []
    for begin in range(0, len(questions), 64):
        batch = questions[begin:begin + 64]
        v, t = asker.query_tokens(batch)
        q_states += [TokenStates(x.states.astype(np.float16), x.spans) for x in t]
        q_vectors.append(v)
        if progress:
            progress("questions", min(begin + 64, len(questions)), len(questions))
    return states, pooled, q_states, np.vstack(q_vectors)


class _Torch:
    """The head as torch parameters, scoring padded batches."""

    def __init__(self, hidden: int, dims: int, init: np.ndarray):
        import torch

        self.torch = torch
        self.projection = torch.nn.Parameter(torch.tensor(init, dtype=torch.float32))
        self.importance = torch.nn.Parameter(torch.zeros(hidden))
        self.scorer = torch.nn.Parameter(torch.tensor([4.0, 4.0, -5.0]))
        self.parameters = [self.projection, self.importance, self.scorer]

    def logits(self, q, q_mask, p, p_mask):
        torch = self.torch
        qp = torch.nn.functional.normalize(q @ self.projection, dim=-1)
        pp = torch.nn.functional.normalize(p @ self.projection, dim=-1)
        sims = qp @ pp.transpose(1, 2)  # (b, lq, lp)
        sims = sims.masked_fill(~p_mask[:, None, :], -2.0)
        best = sims.max(dim=2).values  # (b, lq)
        z = (q @ self.importance).masked_fill(~q_mask, -1e9)
        w = torch.softmax(z, dim=1)
        mean = (w * best).sum(1)
        low = best.masked_fill(~q_mask, 9.0).min(dim=1).values
        softmin = -TEMPERATURE * torch.log((w * torch.exp(-(best - low[:, None]) / TEMPERATURE)).sum(1)) + low
        a, b, c = self.scorer
        return a * mean + b * softmin + c


def _pad(rows: list[np.ndarray]):
    import torch

    width = max(1, max(len(r) for r in rows))
    out = np.zeros((len(rows), width, rows[0].shape[1] if len(rows[0].shape) == 2 else 384), dtype=np.float32)
    mask = np.zeros((len(rows), width), dtype=bool)
    for i, r in enumerate(rows):
        out[i, :len(r)] = r
        mask[i, :len(r)] = True
    return torch.from_numpy(out), torch.from_numpy(mask)


def fit(pairs: list[data.Pair], q_index: dict[str, int], q_states: list[TokenStates], states: dict[str, TokenStates],
        dims: int, epochs: int, progress=None) -> VerifierHead:
    """Adam on the balanced logistic loss, batches in a fixed shuffled order (seed 0)."""
    import torch

    torch.manual_seed(0)
    torch.use_deterministic_algorithms(True)
    sample = np.vstack([states[u].states.astype(np.float32) for u in sorted(states)[::3]])
    centred = sample - sample.mean(axis=0)
    _, _, vt = np.linalg.svd(centred[:: max(1, len(centred) // 20000)], full_matrices=False)
    head = _Torch(sample.shape[1], dims, vt[:dims].T.copy())
    optimizer = torch.optim.Adam(head.parameters, lr=3e-3)
    labels = np.array([p.label for p in pairs], dtype=np.float32)
    weight_pos = len(labels) / (2 * max(1.0, labels.sum()))
    weight_neg = len(labels) / (2 * max(1.0, len(labels) - labels.sum()))
    weights = np.where(labels == 1, weight_pos, weight_neg)
    rng = np.random.default_rng(0)
    batch = 128
    for epoch in range(epochs):
        order = rng.permutation(len(pairs))
        total = 0.0
        for begin in range(0, len(order), batch):
            ids = order[begin:begin + batch]
            q, qm = _pad([q_states[q_index[pairs[i].question]].states.astype(np.float32) for i in ids])
            p, pm = _pad([states[pairs[i].unit].states.astype(np.float32) for i in ids])
            logits = head.logits(q, qm, p, pm)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, torch.from_numpy(labels[ids]), weight=torch.from_numpy(weights[ids].astype(np.float32)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(ids)
        log.info("epoch %d: loss %.4f", epoch + 1, total / len(pairs))
        if progress:
            progress("epochs", epoch + 1, epochs)
    a, b, c = (float(x) for x in head.scorer.detach())
    return VerifierHead(head.projection.detach().numpy().astype(np.float32),
                        head.importance.detach().numpy().astype(np.float32), (a, b, c), TEMPERATURE, "")


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else float("nan")


def evaluate(pairs: list[data.Pair], score) -> dict:
    """AUC over the pairs, per negative source, and how often a question's positive outscores all its
    negatives (``first``)."""
    s = np.array([score(p) for p in pairs])
    y = np.array([p.label for p in pairs])
    out = {"pairs": len(pairs), "auc": round(_auc(s, y), 4)}
    pos = s[y == 1]
    for source in sorted({p.source for p in pairs if p.label == 0}):
        neg = s[np.array([p.source == source and p.label == 0 for p in pairs])]
        both = np.concatenate([pos, neg])
        out[f"auc_{source}"] = round(_auc(both, np.r_[np.ones(len(pos)), np.zeros(len(neg))]), 4)
    by_question: dict[str, list[tuple[float, int]]] = {}
    for p, v in zip(pairs, s):
        by_question.setdefault(p.question, []).append((v, p.label))
    groups = [g for g in by_question.values() if any(lbl for _, lbl in g) and not all(lbl for _, lbl in g)]
    out["first"] = round(float(np.mean([max(g)[1] == 1 for g in groups])), 4) if groups else float("nan")
    return out


def train(settings: Settings, realdocs: Path | None, out: Path = HEAD_FILE, dims: int = 64, epochs: int = 8,
          realdoc_units: int = 1500, per_unit: int = 2, progress=None, cache: Path | None = None,
          with_dev: bool = False) -> dict:
    """Build the pairs, encode, fit, report on the held-out pairs, write the head; returns the summary."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "shipped.sqlite3")
        Ingester(store, settings.model_copy(update={"data_dir": Path(tmp)})).ingest_paths([CORPUS])
        shipped = data.units_of(store)
        official: list[data.Unit] = []
        if realdocs is not None:
            official = data.sample_units(data.units_of(data.realdoc_store(realdocs, Path(tmp) / "realdocs"), "rd:"),
                                         realdoc_units)
    similar_shipped = data.Similar(shipped)
    pairs = data.dev_pairs(shipped, similar_shipped)
    pairs += data.synthetic_pairs(shipped, per_unit, data.doc_split, similar_shipped)
    if official:
        pairs += data.synthetic_pairs(official, 1, data.doc_split, data.Similar(official))
    units = {u.id: u for u in shipped + official}
    questions = sorted({p.question for p in pairs})
    q_index = {q: i for i, q in enumerate(questions)}
    log.info("%d pairs (%d positive) over %d questions and %d units", len(pairs), sum(p.label for p in pairs),
             len(questions), len({p.unit for p in pairs}))
    used = {p.unit for p in pairs}
    cached = cache / f"states-{len(pairs)}-{len(questions)}.pkl" if cache is not None else None
    if cached is not None and cached.is_file():
        states, pooled, q_states, q_vectors = pickle.loads(cached.read_bytes())
    else:
        states, pooled, q_states, q_vectors = encode(settings, {k: v for k, v in units.items() if k in used},
                                                     questions, progress)
        if cached is not None:
            cached.write_bytes(pickle.dumps((states, pooled, q_states, q_vectors)))
    encoded = time.perf_counter()
    # the dev set's questions (and the hand-written negatives) are left to the rerank and answerability
    # models stacked on the verifier's score: trained on them here, its score would be too sure of
    # exactly the questions those models learn from. They measure it instead.
    real = () if with_dev else REAL_SOURCES
    train_pairs = [p for p in pairs if p.split == "train" and p.source not in real]
    heldout = [p for p in pairs if p.split == "heldout" or p.source in real]
    head = fit(train_pairs, q_index, q_states, states, dims, epochs, progress)

    def head_score(p: data.Pair) -> float:
        question = head.question(TokenStates(q_states[q_index[p.question]].states.astype(np.float32), np.zeros((0, 2))))
        return head.logit(question, head.project(states[p.unit].states.astype(np.float32)))

    def raw_maxsim(p: data.Pair) -> float:
        q = q_states[q_index[p.question]].states.astype(np.float32)
        d = states[p.unit].states.astype(np.float32)
        q = q / np.linalg.norm(q, axis=1, keepdims=True)
        d = d / np.linalg.norm(d, axis=1, keepdims=True)
        return float((q @ d.T).max(axis=1).mean()) if len(q) and len(d) else 0.0

    def cosine(p: data.Pair) -> float:
        return float(q_vectors[q_index[p.question]] @ pooled[p.unit])

    dev = [p for p in heldout if p.source.startswith("dev")]
    dev_heldout = [p for p in dev if p.split == "heldout"]
    synthetic_heldout = [p for p in heldout if p.source not in REAL_SOURCES]
    report = {name: {"head": evaluate(subset, head_score), "raw_maxsim": evaluate(subset, raw_maxsim),
                     "cosine": evaluate(subset, cosine)}
              for name, subset in (("dev", dev), ("dev_heldout", dev_heldout), ("synthetic_heldout", synthetic_heldout))
              if subset}
    summary = {"pairs": len(train_pairs), "positives": sum(p.label for p in train_pairs),
               "sources": _count(train_pairs), "shipped_units": len(shipped), "official_units": len(official),
               "dims": dims, "epochs": epochs, "heldout": report,
               "encode_seconds": round(encoded - started), "seconds": round(time.perf_counter() - started)}
    head = VerifierHead(head.projection, head.importance, head.scorer, head.temperature, "", summary)
    head.to_files(out)
    log.info("verifier head written to %s", out)
    return summary


def _count(pairs: list[data.Pair]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in pairs:
        counts[p.source] = counts.get(p.source, 0) + 1
    return dict(sorted(counts.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--realdocs", default=str(DEFAULT_REALDOCS),
                        help="folder of official documents read for synthetic questions ('none': the shipped ones only)")
    parser.add_argument("--out", default=str(HEAD_FILE))
    parser.add_argument("--dims", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--realdoc-units", type=int, default=1500)
    parser.add_argument("--cache", help="folder keeping the token states between runs (trying settings of the fit)")
    parser.add_argument("--with-dev", action="store_true",
                        help="also train on the dev set's train split (its questions then feed two stacked models)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    realdocs = None if args.realdocs == "none" else Path(args.realdocs)
    if realdocs is not None and not realdocs.is_dir():
        parser.error(f"--realdocs {realdocs}: not a folder (give the official documents' folder, or 'none')")

    def progress(stage: str, done: int, total: int) -> None:
        if done == total or done % 256 == 0:
            log.info("%s %d/%d", stage, done, total)

    summary = train(Settings(), realdocs, Path(args.out), args.dims, args.epochs, args.realdoc_units, progress=progress,
                    cache=Path(args.cache) if args.cache else None, with_dev=args.with_dev)
    print(json.dumps(summary, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
