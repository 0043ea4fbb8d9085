"""What the article reranker costs a search, apart from the query embedding.

The e5 forward pass dominates a search and varies by ±10 ms from run to run on a 2-core
machine, which hides a millisecond. So every gold question is searched once to fill the
embedding cache, then searched again with the shipped tuning and with the same tuning without
the reranker, alternating, and the p50/p95 of each are printed. It needs the index `make index`
builds.

    var/venv-app/bin/python scripts/rerank_cost.py
"""
from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.knowledge.engine import KnowledgeBase  # noqa: E402
from bot.knowledge.gold import load_gold  # noqa: E402
from bot.settings import ROOT  # noqa: E402


def main() -> None:
    kb = KnowledgeBase()
    index, shipped = kb.index(), kb.tuning
    if shipped.rerank is None:
        sys.exit("bot/retrieval.yml has no reranker: nothing to measure")
    plain = dataclasses.replace(shipped, rerank=None)
    questions = load_gold(ROOT / "tests" / "data" / "gold.yml")
    for q in questions:  # fills the embedding cache
        index.search(q.text, q.lang, shipped, previous_article=q.previous)
    times: dict[str, list[float]] = {"with the reranker": [], "without": []}
    for _ in range(3):
        for name, tuning in (("with the reranker", shipped), ("without", plain)):
            for q in questions:
                started = time.perf_counter()
                index.search(q.text, q.lang, tuning, previous_article=q.previous)
                times[name].append(1000 * (time.perf_counter() - started))
    print(f"{len(questions)} gold questions x 3, query embeddings cached:")
    for name, values in times.items():
        print(f"  {name}: p50 {np.percentile(values, 50):.2f} ms, "
              f"p95 {np.percentile(values, 95):.2f} ms")


if __name__ == "__main__":
    main()
