"""Engine latency, in process: KnowledgeBase.search over the shipped index, stage by stage.

What: the gold questions (tests/data/gold.yml, in and out of scope, follow-ups with their
previous topic) repeated to 500 queries through `KnowledgeBase.search` on the index `make index`
built (var/index). For every query the engine reports its own timings — embedding, dense
search, lexical (spaCy lemmas + BM25), fusion and total — and we give p50/p95/p99 of each.

Why: this is the floor of a knowledge turn. Everything Rasa, the action server and the web app
add comes on top, so if the engine alone is slow no amount of tuning elsewhere helps.

Two cases, measured separately:
  * uncached — the embedder's query cache is cleared before every query, so each one pays for
    its sentence-transformers forward pass (a question nobody asked before);
  * cached — the same questions again with the cache warm (repeated FAQ questions and greetings
    are common; the engine keeps the last 2048 query vectors).
A short third pass compares torch's default thread count (one OpenMP thread per core) with one
thread, query by query alternately so both see the same machine load: on a busy 2-core machine
the default can be slower, not faster.

Reproduce:  make index && HF_HUB_OFFLINE=1 var/venv-app/bin/python bench/engine_latency.py
            (--quick: 60 queries instead of 500)
"""
from __future__ import annotations

import time
from collections import Counter
from typing import Dict, List

from common import (GOLD, LoadSampler, header, parse_args, say, store, summary,
                    torch_default_threads)

STAGES = ("embedding", "dense_search", "lexical", "fusion", "total")


def run_pass(kb, queries, clear_cache: bool) -> Dict[str, List[float]]:
    timings: Dict[str, List[float]] = {stage: [] for stage in STAGES}
    statuses: Counter = Counter()
    for q in queries:
        if clear_cache:
            kb.index().embedder.clear_cache()
        result = kb.search(q.text, q.lang, previous_article=q.previous)
        statuses[result.status] += 1
        for stage in STAGES:
            timings[stage].append(1000.0 * result.timings.get(stage, 0.0))
    timings["_statuses"] = dict(statuses)
    return timings


def main() -> None:
    args = parse_args(__doc__)
    count = 60 if args.quick else 500
    import torch

    from bot.knowledge.engine import KnowledgeBase
    from bot.knowledge.evaluation import load_gold

    gold = load_gold(GOLD)
    queries = [gold[i % len(gold)] for i in range(count)]
    kb = KnowledgeBase()
    say(f"loading the model and the index ({kb.settings.index_dir})")
    started = time.perf_counter()
    kb.warm_up()
    load_seconds = time.perf_counter() - started
    index = kb.index()
    # Torch's own default (one thread per core), compared with one thread, whatever the
    # shipped setting (AWEX_QUERY_THREADS, which the main passes use) is.
    shipped_threads = torch.get_num_threads()
    default_threads = torch_default_threads()
    with LoadSampler() as load:
        say(f"uncached: {count} queries, cache cleared before each")
        uncached = run_pass(kb, queries, clear_cache=True)
        say("cached: the same queries with the query cache warm")
        kb.index().embedder.clear_cache()
        run_pass(kb, queries[:len(gold)], clear_cache=False)  # fill the cache (not measured)
        cached = run_pass(kb, queries, clear_cache=False)
        pairs = 30 if args.quick else 135
        say(f"uncached, torch {default_threads} threads vs 1 thread alternately: {pairs} pairs")
        threads = {"default": [], "one": []}
        for q in queries[:pairs]:
            for label, n in (("default", default_threads), ("one", 1)):
                torch.set_num_threads(n)
                threads[label].append(run_pass(kb, [q], clear_cache=True))
        torch.set_num_threads(shipped_threads)
        default_run, single = ({s: [v for r in threads[label] for v in r[s]] for s in STAGES}
                               for label in ("default", "one"))

    data = header("engine_latency", args.quick, load.result())
    data.update({
        "index": {"path": str(index.path), "keys": index.size,
                  "articles": len(index.article_ids), "vector_index": index.vectors.kind,
                  "model": index.meta.get("model")},
        "queries": count, "gold_questions": len(gold),
        "load_and_warm_up_seconds": round(load_seconds, 2),
        "torch_threads_default": default_threads,
        "torch_threads_shipped": shipped_threads,
        "statuses": uncached["_statuses"],
        "uncached": {s: summary(uncached[s]) for s in STAGES},
        "cached": {s: summary(cached[s]) for s in STAGES},
        "threads_comparison": {"pairs": pairs,
                               "default": {s: summary(default_run[s]) for s in STAGES},
                               "one_thread": {s: summary(single[s]) for s in STAGES}},
        "raw_ms": {"uncached": {s: [round(v, 3) for v in uncached[s]] for s in STAGES},
                   "cached": {s: [round(v, 3) for v in cached[s]] for s in STAGES}},
    })
    store(args.results, "engine_latency", data)
    rows = {"uncached": data["uncached"], "cached": data["cached"],
            f"{default_threads} torch threads (paired)": data["threads_comparison"]["default"],
            "1 torch thread (paired)": data["threads_comparison"]["one_thread"]}
    for case, row in rows.items():
        say(f"{case:>26}: total p50 {row['total']['p50']} ms p95 {row['total']['p95']} ms "
            f"(embedding p50 {row['embedding']['p50']}, lexical p50 {row['lexical']['p50']})")


if __name__ == "__main__":
    main()
