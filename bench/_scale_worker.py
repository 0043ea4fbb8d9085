"""Helper process of bench/scale.py (not a benchmark on its own): a fresh, action-server-like
process that loads one index folder and serves queries, so its resident memory can be read.

It imports what the action server imports (rasa_sdk's endpoint and every module of `actions`),
loads the model and the index through `KnowledgeBase` (AWEX_INDEX_DIR points at the folder),
answers the queries, prints one `RESULT {json}` line, then `READY` and waits for a line on stdin
before it exits — the parent reads VmRSS/VmHWM from /proc/<pid>/status in between.

Run by scale.py:  var/venv-app/bin/python bench/_scale_worker.py QUERIES.json [--profile N]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import proc_status, torch_default_threads  # noqa: E402


def rss() -> float:
    return proc_status(os.getpid()).get("VmRSS", 0.0)


def index_parts(index) -> dict:
    """Sizes of what the loaded index holds for serving: the section texts of articles.json
    (answers quote them), the BM25 posting arrays and the raw vectors."""
    article_text = sum(sys.getsizeof(s["text"]) for a in index.articles.values()
                       for s in a["sections"])
    mib = 2 ** 20
    return {"article_section_texts_mib": round(article_text / mib, 1),
            "bm25_arrays_mib": round(index.bm25.nbytes / mib, 1),
            "vocabulary_terms": index.bm25.vocabulary_size,
            "faiss_vectors_mib": round(index.vectors.size * index.embedder.dimension * 4 / mib,
                                       1)}


def paired_threads(kb, index, queries) -> dict:
    """Embedding and total ms with torch's default thread count and with one thread,
    alternating query by query so both see the same machine load."""
    import torch

    shipped, default = torch.get_num_threads(), torch_default_threads()
    out = {"default": [], "one": []}
    for q in queries:
        for label, n in (("default", default), ("one", 1)):
            torch.set_num_threads(n)
            index.embedder.clear_cache()
            result = kb.search(q["text"], q["lang"])
            out[label].append({k: round(1000 * v, 3) for k, v in result.timings.items()})
    torch.set_num_threads(shipped)
    return {"default_threads": default, "shipped_threads": shipped, "default": out["default"],
            "one": out["one"]}


def load_breakdown(index_dir: Path) -> dict:
    """RSS after each step of loading an index, done by hand the way KnowledgeIndex does it,
    in a process without the model: where the index part of the memory goes."""
    import gc

    import faiss
    import numpy as np

    from bot.knowledge.store import current_path, read_meta
    from bot.knowledge.lexical import BM25

    path = current_path(index_dir)
    steps = {"python + numpy + faiss": rss()}
    with np.load(path / "keys.npz") as arrays:
        keys = arrays["article"]
    steps["keys.npz read"] = rss()
    articles = json.loads((path / "articles.json").read_text("utf-8"))
    steps["articles.json parsed"] = rss()
    vectors = faiss.read_index(str(path / "vectors.faiss"))
    steps[f"FAISS {read_meta(path)['index_type']} read"] = rss()
    bm25 = BM25.load(path)
    steps["BM25 arrays loaded"] = rss()
    gc.collect()
    return {"steps_mib": steps, "peak_mib": proc_status(os.getpid()).get("VmHWM"),
            "bm25_postings_arrays_mib": round(bm25.nbytes / 2 ** 20, 1),
            "faiss_vectors_mib": round(vectors.ntotal * vectors.d * 4 / 2 ** 20, 1),
            "keys": len(keys), "articles": len(articles), "float_bytes": np.float32().nbytes}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("queries", type=Path)
    parser.add_argument("--pairs", type=int, default=0,
                        help="also time N uncached searches with torch's default threads and "
                             "with one thread, alternately")
    parser.add_argument("--profile", type=int, default=0,
                        help="cProfile the first N uncached searches; print the top entries")
    parser.add_argument("--breakdown", action="store_true",
                        help="only load the index step by step (no model, no queries)")
    args = parser.parse_args()
    if args.breakdown:
        print("RESULT " + json.dumps(load_breakdown(Path(os.environ["AWEX_INDEX_DIR"]))),
              flush=True)
        print("READY", flush=True)
        sys.stdin.readline()
        return
    queries = json.loads(args.queries.read_text("utf-8"))
    stages = {"python": rss()}

    import rasa_sdk.endpoint  # noqa: F401  (what `python -m rasa_sdk` imports)
    import actions.assessment  # noqa: F401
    import actions.handoff  # noqa: F401
    import actions.knowledge  # noqa: F401
    import actions.slots  # noqa: F401
    from bot.knowledge.engine import shared_knowledge_base

    stages["imports"] = rss()
    kb = shared_knowledge_base()
    from bot.knowledge.vectors import load_encoder

    load_encoder(kb.settings.model_name, kb.settings.query_threads)  # as the first request would
    stages["model"] = rss()
    started = time.perf_counter()
    index = kb.index()
    load_s = time.perf_counter() - started
    stages["index"] = rss()
    kb.warm_up()  # spaCy pipelines and the first searches
    stages["warm_up"] = rss()

    uncached, cached, tops = [], [], []
    profile_rows = []
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
    for n, q in enumerate(queries):
        index.embedder.clear_cache()
        if profiler is not None and n < args.profile:
            profiler.enable()
            result = kb.search(q["text"], q["lang"])
            profiler.disable()
        else:
            result = kb.search(q["text"], q["lang"])
        uncached.append({k: round(1000 * v, 3) for k, v in result.timings.items()})
        tops.append(result.candidates[0].article_id if result.candidates else None)
    for q in queries:  # the query vector is cached by the first search, timed by the second
        kb.search(q["text"], q["lang"])
        result = kb.search(q["text"], q["lang"])
        cached.append({k: round(1000 * v, 3) for k, v in result.timings.items()})
    stages["served"] = rss()
    parts = index_parts(index)
    threads = paired_threads(kb, index, queries[:args.pairs]) if args.pairs else {}
    if profiler is not None:
        from profile_turn import top_entries

        profile_rows = top_entries(profiler, sort="tottime", limit=15)
    out = {"rss_mib_by_stage": stages, "index_load_s": round(load_s, 2),
           "keys": index.size, "vector_index": index.vectors.kind,
           "uncached": uncached, "cached": cached, "top_articles": tops,
           "profile": profile_rows, "index_parts": parts, "threads": threads}
    print("RESULT " + json.dumps(out), flush=True)
    print("READY", flush=True)
    sys.stdin.readline()


if __name__ == "__main__":
    main()
