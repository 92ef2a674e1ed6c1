"""Questions as officers type them: diacritics restored, typos corrected, the ask told from background.

Parts (each prints its figures; ``--split`` picks the dev questions: ``train`` to tune, ``heldout`` to
report, by :func:`eval.abstain_data.split_of`):

- ``restore``: the dev questions with their diacritics stripped (:func:`corpus.text.fold`) restored
  from the syllable statistics of the index version serving in ``--data-dir``: syllable accuracy
  (all syllables, and the syllables that carry a mark), questions restored exactly, time per
  question; questions typed with diacritics changed (should be none); one synthetic typo per
  stripped question (a letter dropped, doubled, swapped or replaced): typos put right, and clean
  syllables wrongly "corrected";
- ``realdocs``: the same accuracy on sentences of official documents of ``../shared/realdocs`` the
  statistics were not built from (documents split 80/20 by a hash of their name), with the table
  capped at several sizes, and the build time and size on disk of the full table;
- ``answers``: hybrid Recall@5 and right outcome (answered with the gold fact / refused out of
  scope) of the dev questions as written, stripped of their diacritics, and stripped with a
  background preface, through the answer service of ``--data-dir`` (run it under the heavy lock).

    python eval/bench_typing.py restore --split heldout [--data-dir data]
    python eval/bench_typing.py realdocs [--realdocs ../shared/realdocs]
    flock /tmp/heavy.lock python eval/bench_typing.py answers --split heldout [--data-dir data]
"""

from __future__ import annotations

import argparse
import os
import hashlib
import random
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.settings import PROJECT_ROOT, Settings  # noqa: E402
from corpus.text import fold, match_form  # noqa: E402
from eval.abstain_data import split_of  # noqa: E402
from eval.gold import GoldQuestion, load_gold  # noqa: E402
from index.restore import SyllableStats, has_diacritics  # noqa: E402

REALDOCS = PROJECT_ROOT.parent / "shared" / "realdocs"
_SYLLABLE = re.compile(r"[^\W\d_]+")
# background sentences an officer writes before the question: about who asks and why, naming nothing the
# documents answer with
PREFACES = ("Tôi là công chức phụ trách văn phòng của một xã, đang chuẩn bị báo cáo cho lãnh đạo.",
            "Đơn vị tôi vừa được giao rà soát các văn bản về cải cách hành chính trong tuần này.",
            "Chào anh chị. Tôi mới được phân công theo dõi mảng này nên chưa nắm rõ.",
            "Hôm qua cuộc họp giao ban có nhắc tới nội dung này nhưng tôi ghi chép chưa đầy đủ.")


def questions_of(split: str) -> list[GoldQuestion]:
    gold = load_gold()
    return gold if split == "all" else [q for q in gold if split_of(q.id) == split]


def serving_stats(settings: Settings) -> SyllableStats:
    from index.versions import VersionStore

    folder, _ = VersionStore(settings.index_dir).current()
    stats = SyllableStats.load(folder)
    if stats is None:
        raise SystemExit(f"{folder}: no syllable statistics; rebuild the index (hoidap index)")
    return stats


def syllables(text: str) -> list[str]:
    return _SYLLABLE.findall(match_form(text))


def accuracy(stats: SyllableStats, originals: list[str]) -> dict[str, float]:
    """Syllable accuracy of restoring the folded ``originals``."""
    right = total = marked = marked_right = exact = 0
    started = time.perf_counter()
    restored = [stats.restore(fold(text)).text for text in originals]
    per_question_ms = (time.perf_counter() - started) * 1000 / max(len(originals), 1)
    for text, back in zip(originals, restored):
        want, got = syllables(text), syllables(back)
        if len(want) != len(got):
            got = got[:len(want)] + [""] * (len(want) - len(got))
        ok = [w == g for w, g in zip(want, got)]
        right, total = right + sum(ok), total + len(want)
        marks = [o for w, o in zip(want, ok) if has_diacritics(w)]
        marked, marked_right = marked + len(marks), marked_right + sum(marks)
        exact += all(ok)
    return {"syllables": right / max(total, 1), "marked_syllables": marked_right / max(marked, 1),
            "exact_questions": exact / max(len(originals), 1), "ms_per_question": per_question_ms,
            "questions": len(originals)}


def typo(text: str, rng: random.Random) -> tuple[str, str, str] | None:
    """``(text with one typo, the syllable, its typo)``, the typo in a syllable of 3+ letters."""
    words = [m for m in re.finditer(r"[a-z]{3,}", text)]
    if not words:
        return None
    m = rng.choice(words)
    w = m.group(0)
    i = rng.randrange(len(w))
    how = rng.choice(("drop", "double", "swap", "replace"))
    if how == "drop":
        new = w[:i] + w[i + 1:]
    elif how == "double":
        new = w[:i] + w[i] + w[i:]
    elif how == "swap" and i < len(w) - 1:
        new = w[:i] + w[i + 1] + w[i] + w[i + 2:]
    else:
        new = w[:i] + rng.choice("qwertyuiopasdfghjklzxcvbnm".replace(w[i], "")) + w[i + 1:]
    return text[:m.start()] + new + text[m.end():], w, new


def run_restore(args: argparse.Namespace) -> None:
    settings = Settings(data_dir=Path(args.data_dir))
    stats = serving_stats(settings)
    qs = questions_of(args.split)
    typed_marked = [q.question for q in qs if has_diacritics(q.question)]
    print(f"statistics of the serving version: {len(stats.syllables)} syllables, {len(stats.bigrams)} bigrams")
    acc = accuracy(stats, typed_marked)
    print(f"restore ({args.split}, {acc['questions']} questions typed with diacritics, stripped): "
          f"syllables {acc['syllables']:.3f}, marked syllables {acc['marked_syllables']:.3f}, "
          f"exact questions {acc['exact_questions']:.3f}, {acc['ms_per_question']:.3f} ms/question")
    harmed = [q for q in typed_marked if stats.restore(q).text != q]
    print(f"questions typed with diacritics changed: {len(harmed)} of {len(typed_marked)}")
    for q in harmed[:5]:
        print(f"  {q!r} -> {stats.restore(q).text!r}")
    rng = random.Random(args.seed)
    fixed = tried = false = clean = 0
    for q in typed_marked:
        stripped = match_form(fold(q))
        made = typo(stripped, rng)
        if made is None:
            continue
        text, word, wrong = made
        if fold(wrong) in stats.by_folded:  # the typo made another real syllable: out of reach by design
            continue
        tried += 1
        back = stats.restore(text)
        fixed += any(fold(match_form(new)) == word and fold(old) == wrong for old, new in back.corrected)
        clean_back = stats.restore(stripped)
        false += len(clean_back.corrected)
        clean += len(syllables(stripped))
    print(f"typos put right: {fixed} of {tried} ({fixed / max(tried, 1):.3f}); clean syllables 'corrected': "
          f"{false} of {clean}")


def _sentences(path: Path) -> list[str]:
    text = re.sub(r"\*+|\|", " ", path.read_text(encoding="utf-8", errors="replace"))
    out = []
    for sentence in re.split(r"[.;:?!]\s|\n\s*\n", " ".join(text.split("\n"))):
        sentence = " ".join(sentence.split())
        n = len(syllables(sentence))
        if 8 <= n <= 40 and sum(has_diacritics(s) for s in syllables(sentence)) >= n // 2:
            out.append(sentence)
    return out


def run_realdocs(args: argparse.Namespace) -> None:
    docs = sorted((Path(args.realdocs) / "docs").glob("*.md"))
    if not docs:
        raise SystemExit(f"{args.realdocs}/docs: no documents")
    test = [d for d in docs if int(hashlib.sha256(d.name.encode()).hexdigest()[:8], 16) % 5 == 0]
    train = [d for d in docs if d not in test]
    texts = [d.read_text(encoding="utf-8", errors="replace") for d in train]
    rng = random.Random(args.seed)
    pool = [s for d in test for s in _sentences(d)]
    sample = rng.sample(pool, min(args.sentences, len(pool)))
    print(f"realdocs: statistics from {len(train)} documents, {len(sample)} sentences of {len(test)} others")
    for cap in (None, 100_000, 20_000):
        started = time.perf_counter()
        stats = SyllableStats.from_texts(texts, **({"max_bigrams": cap} if cap else {}))
        built = time.perf_counter() - started
        with tempfile.TemporaryDirectory() as tmp:
            stats.save(Path(tmp))
            size = sum(p.stat().st_size for p in Path(tmp).iterdir())
            started = time.perf_counter()
            SyllableStats.load(Path(tmp))
            loaded = time.perf_counter() - started
        acc = accuracy(stats, sample)
        syll = int(stats.total)
        print(f"  bigrams capped at {cap or 'none'}: {len(stats.syllables)} syllables, {len(stats.bigrams)} bigrams, "
              f"{size / 1e6:.2f} MB, built in {built:.1f} s ({syll / built / 1e6:.2f} M syllables/s), loaded in "
              f"{loaded * 1000:.0f} ms; syllables {acc['syllables']:.3f}, marked {acc['marked_syllables']:.3f}, "
              f"exact sentences {acc['exact_questions']:.3f}, {acc['ms_per_question']:.3f} ms/sentence")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=("restore", "realdocs", "answers"))
    parser.add_argument("--split", default="heldout", choices=("train", "heldout", "all"))
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--realdocs", default=str(REALDOCS))
    parser.add_argument("--sentences", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    # a question asked again must be timed as asked the first time: no cache of recent question vectors
    os.environ.setdefault("HOIDAP_QUERY_CACHE", "0")
    {"restore": run_restore, "realdocs": run_realdocs, "answers": run_answers}[args.part](args)



def run_answers(args: argparse.Namespace) -> None:
    from eval.gold import normalize, relevant_units
    from hoidap.answer import AnswerService
    from index.query import analyse
    from index.versions import read_units

    settings = Settings(data_dir=Path(args.data_dir))
    service = AnswerService(settings)
    snap = service.searcher.current()
    if snap.syllables is None:
        raise SystemExit(f"index {snap.version}: no syllable statistics; rebuild the index (cli index)")
    units = {u.id: (u.doc_id, normalize(u.text)) for u in read_units(snap.folder)}
    qs = questions_of(args.split)
    stats = snap.syllables

    def preface(q: GoldQuestion) -> str:
        return f"{PREFACES[int(hashlib.sha256(q.id.encode()).hexdigest()[:8], 16) % len(PREFACES)]} {q.question}"

    styles = {  # style: (question text, restore, set the background apart)
        "as written": (lambda q: q.question, True, True),
        "stripped, not restored": (lambda q: fold(q.question), False, True),
        "stripped, restored": (lambda q: fold(q.question), True, True),
        "background, whole text": (preface, True, False),
        "background, ask set apart": (preface, True, True),
        "background stripped, restored and set apart": (lambda q: fold(preface(q)), True, True),
    }
    print(f"answers ({args.split}): {sum(not q.out_of_scope for q in qs)} answerable, "
          f"{sum(q.out_of_scope for q in qs)} out of scope; index {snap.version}")
    for style, (make, restore, background) in styles.items():
        recall = right = refused = answerable = oos_refused = oos = 0
        for q in qs:
            query = analyse(make(q), settings.max_question_chars, stats if restore else None, background=background)
            answer = service.answer(query, record=False, snapshot=snap)
            if q.out_of_scope:
                oos += 1
                oos_refused += answer.abstained
                continue
            answerable += 1
            relevant = relevant_units(q, units)
            hits = service.searcher.search(query, k=5, snapshot=snap).unit_ids[:5]
            recall += bool(relevant & set(hits))
            refused += answer.abstained
            right += not answer.abstained and (q.fact is None or normalize(q.fact) in normalize(answer.answer))
        print(f"  {style:45s} Recall@5 {recall / answerable:.3f}  right outcome {right / answerable:.3f}  "
              f"refused {refused / answerable:.3f}  out of scope refused {oos_refused / max(oos, 1):.3f}")


if __name__ == "__main__":
    main()
