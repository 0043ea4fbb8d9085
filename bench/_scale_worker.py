"""Helper process of bench.scale (not a benchmark on its own): a fresh, action-server-like
process that loads one index folder and serves queries, so its resident memory can be read.

It imports what the action server imports (rasa_sdk's endpoint and every module of `actions`),
loads the encoder and the index through `KnowledgeBase` (AWEX_INDEX_DIR points at the folder),
answers the queries, prints one `RESULT {json}` line, then `READY` and waits for a line on stdin
before it exits: the parent reads VmRSS/VmHWM from /proc/<pid>/status in between.

Run by bench.scale:  python -m bench._scale_worker QUERIES.json
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench.common import proc_status


def rss() -> float:
    return proc_status(os.getpid()).get("VmRSS", 0.0)


def index_parts(index) -> dict:
    """Sizes of what the loaded index holds for serving: section texts, BM25 arrays, vectors."""
    article_text = sum(sys.getsizeof(s["text"]) for a in index.articles.values()
                       for s in a["sections"])
    mib = 2 ** 20
    return {"article_section_texts_mib": round(article_text / mib, 1),
            "bm25_arrays_mib": round(index.bm25.nbytes / mib, 1),
            "vocabulary_terms": index.bm25.vocabulary_size,
            "faiss_vectors_mib": round(index.vectors.size * index.embedder.dimension * 4 / mib,
                                       1)}


def serve(queries: list) -> dict:
    stages = {"python": rss()}
    import rasa_sdk.endpoint  # noqa: F401  (what `python -m rasa_sdk` imports)

    import actions.assessment  # noqa: F401
    import actions.handoff  # noqa: F401
    import actions.knowledge  # noqa: F401
    import actions.slots  # noqa: F401
    from bot.knowledge.engine import shared_knowledge_base
    from bot.knowledge.vectors import load_encoder

    stages["imports"] = rss()
    kb = shared_knowledge_base()
    load_encoder(kb.settings.model_name, kb.settings.query_threads)  # as the first request would
    stages["encoder"] = rss()
    started = time.perf_counter()
    index = kb.index()
    load_s = time.perf_counter() - started
    stages["index"] = rss()
    kb.warm_up()  # spaCy pipelines and the first searches
    stages["warm_up"] = rss()
    uncached, cached, tops = [], [], []
    for q in queries:
        index.embedder.clear_cache()
        result = kb.search(q["text"], q["lang"])
        uncached.append({k: round(1000 * v, 3) for k, v in result.timings.items()})
        tops.append(result.candidates[0].article_id if result.candidates else None)
    for q in queries:  # the query vector is cached by the first search, timed by the second
        kb.search(q["text"], q["lang"])
        result = kb.search(q["text"], q["lang"])
        cached.append({k: round(1000 * v, 3) for k, v in result.timings.items()})
    stages["served"] = rss()
    return {"rss_mib_by_stage": stages, "index_load_s": round(load_s, 2),
            "encoder": kb.settings.model_name, "torch_imported": "torch" in sys.modules,
            "keys": index.size, "vector_index": index.vectors.kind,
            "uncached": uncached, "cached": cached, "top_articles": tops,
            "index_parts": index_parts(index)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("queries", type=Path)
    args = parser.parse_args()
    out = serve(json.loads(args.queries.read_text("utf-8")))
    print("RESULT " + json.dumps(out), flush=True)
    print("READY", flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    main()
