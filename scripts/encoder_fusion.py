"""Does adding MiniLM to e5 + BM25 rank articles better? A held-out measurement.

Issue 12 asked to ship what held-out figures support. This script ranks the gold questions'
articles with three fusions (MiniLM + BM25, e5 + BM25, e5 + MiniLM + BM25), choosing each
fusion's weights by 5-fold cross-validation on the dev questions (ranking objective: recall@1 +
MRR/2, per language), and reports recall@1 and MRR on the held-out folds and on the frozen test
split (weights chosen on all dev questions). It needs the e5 index `make index` builds.

    var/venv-app/bin/python scripts/encoder_fusion.py > docs/eval/encoder-fusion.md
"""
from __future__ import annotations

import itertools
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.knowledge import evaluation  # noqa: E402
from bot.knowledge.articles import load_corpus  # noqa: E402
from bot.knowledge.engine import KnowledgeBase, lexical_score  # noqa: E402
from bot.knowledge.index import key_records  # noqa: E402
from bot.knowledge.vectors import Embedder  # noqa: E402
from bot.settings import MINILM_MODEL, ROOT, Settings  # noqa: E402

Weights = tuple[float, float, float]  # e5, MiniLM, BM25
FUSIONS = {"MiniLM + BM25": lambda w: w[0] == 0, "e5 + BM25": lambda w: w[1] == 0,
           "e5 + MiniLM + BM25": lambda w: True}


def grid() -> list[Weights]:
    steps = np.round(np.linspace(0, 1, 11), 1)
    return [(float(a), float(b), round(1.0 - float(a) - float(b), 1))
            for a, b in itertools.product(steps, steps) if a + b <= 1.0 + 1e-9]


def main() -> None:
    settings = Settings.from_env()
    kb = KnowledgeBase(settings)
    index, tuning = kb.index(), kb.tuning
    corpus = load_corpus(settings.knowledge_dir)
    texts = [r["text"] for r in key_records(sorted(corpus.articles, key=lambda a: (a.lang, a.id)))]
    assert len(texts) == index.size, "the index was not built from this knowledge folder"
    minilm = Embedder(MINILM_MODEL)
    keys = minilm.embed(texts)
    gold = [q for q in evaluation.load_gold(ROOT / "tests" / "data" / "gold.yml")
            if q.in_scope and not q.previous]
    prepared = evaluation.prepare(index, tuning, gold)
    rows = []
    for item in prepared:
        mini = keys @ minilm.embed_query(item.question.text)
        lexical = lexical_score(item.alone.bm25, item.alone.coverage, tuning.lexical_saturation)
        rows.append((item.question, item.alone.dense, np.maximum(mini, 0.0), lexical))

    def quality(items: Sequence, w: Weights) -> tuple[float, float]:
        r1 = mrr = 0.0
        for q, e5, mini, lexical in items:
            fused = index.per_article(w[0] * e5 + w[1] * mini + w[2] * lexical)
            ranked = [index.article_ids[i] for i in np.argsort(-fused)[:10]]
            rank = next((k + 1 for k, a in enumerate(ranked) if a in q.expect), None)
            r1 += rank == 1
            mrr += 1.0 / rank if rank else 0.0
        return r1 / max(len(items), 1), mrr / max(len(items), 1)

    def best(items: Sequence, allowed) -> dict[str, Weights]:
        out = {}
        for lang in ("fr", "en"):
            subset = [r for r in items if r[0].lang == lang]
            out[lang] = max((w for w in grid() if allowed(w)),
                            key=lambda w: (lambda r: r[0] + r[1] / 2)(quality(subset, w)))
        return out

    dev = [r for r in rows if r[0].split == "dev"]
    test = [r for r in rows if r[0].split == "test"]
    print("# Does MiniLM add to e5 + BM25? (held out)\n")
    print(f"{len(dev)} dev and {len(test)} test in-scope questions (single turn). Weights chosen "
          "per language on the training folds; figures on held-out questions.\n")
    print("| fusion | CV recall@1 | CV MRR | test recall@1 | test MRR | weights (e5, MiniLM, "
          "BM25) on all dev, fr / en |")
    print("|---|---|---|---|---|---|")
    folds: list[list[tuple]] = [[] for _ in range(evaluation.FOLDS)]
    for i, r in enumerate(dev):
        folds[i % evaluation.FOLDS].append(r)
    for name, allowed in FUSIONS.items():
        held: list[tuple[float, float]] = []
        for k, fold in enumerate(folds):
            train = [r for j, f in enumerate(folds) if j != k for r in f]
            chosen = best(train, allowed)
            for lang in ("fr", "en"):
                part = [r for r in fold if r[0].lang == lang]
                held += [quality([r], chosen[lang]) for r in part]
        cv = np.mean(held, axis=0)
        chosen = best(dev, allowed)
        tested = np.mean([quality([r], chosen[r[0].lang]) for r in test], axis=0)
        print(f"| {name} | {cv[0]:.3f} | {cv[1]:.3f} | {tested[0]:.3f} | {tested[1]:.3f} | "
              f"{chosen['fr']} / {chosen['en']} |")
    print("\nReproduce with `var/venv-app/bin/python scripts/encoder_fusion.py`.")


if __name__ == "__main__":
    main()
