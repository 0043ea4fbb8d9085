"""Turn docs/bench/results.json into docs/bench/report.md and its PNG charts.

Not a benchmark: bench/run_all.py calls `write_report` after the scripts ran, and
`bench/run_all.py --report-only` calls it alone. Every sentence with a number in it is
computed from results.json, so the report never disagrees with the raw figures.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from common import DOCS, RESULTS, machine

GB_MIB = 1.2e9 / 2 ** 20  # 1.2 GB read as 1.2 x 10^9 bytes = 1144 MiB

TARGETS = {
    "knowledge_p95_1": 200.0, "throughput_20": 25.0, "p95_20": 1000.0, "errors_20": 0,
    "ratio": 1.5, "engine_10k": 20.0, "engine_100k": 40.0, "recall_100k": 0.95,
    "memory_100k": GB_MIB,
}


def fmt(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.{digits}f}"
    else:
        text = f"{value:,}"
    return f"{text}{(' ' + unit) if unit else ''}"


def pct_row(s: Dict, unit: str = "ms") -> str:
    if not s or not s.get("n"):
        return "— | — | — | —"
    return f"{fmt(s['p50'])} | {fmt(s['p95'])} | {fmt(s['p99'])} | {s['n']}"


def load_note(data: Dict) -> str:
    load = data.get("load_average") or {}
    if not load:
        return ""
    return (f"load average {load.get('min')}–{load.get('max')} (mean {load.get('mean')}) on "
            f"{load.get('cores')} cores")


def mode_note(data: Dict) -> str:
    mode = data.get("mode", "?")
    extra = " — small counts, indicative only" if mode == "quick" else ""
    return f"*{mode} run{extra}; {data.get('date', '?')}; {load_note(data)}.*"


# -- verdicts --------------------------------------------------------------------------------
class Verdicts:
    def __init__(self):
        self.rows: List[Tuple[str, str, str, str, str]] = []

    def add(self, name: str, target: str, measured: Optional[float], limit: float,
            unit: str, higher_is_better: bool = False, note: str = "") -> None:
        if measured is None:
            self.rows.append((name, target, "not measured", "—", note))
            return
        ok = measured >= limit if higher_is_better else measured <= limit
        if ok:
            verdict = "**met**"
            margin = "—"
        else:
            verdict = "**missed**"
            if higher_is_better:
                margin = (f"short by {fmt(limit - measured, unit, 2 if unit == '' else 1)} "
                          f"({100 * (limit - measured) / limit:.0f}% below)")
            else:
                margin = (f"over by {fmt(measured - limit, unit, 2 if unit == '' else 1)} "
                          f"({measured / limit:.1f}× the target)")
        shown = fmt(measured, unit, 3 if unit == "" else 1)
        self.rows.append((name, target, shown, f"{verdict} {margin if not ok else ''}".strip(),
                          note))

    def table(self) -> str:
        lines = ["| target | limit | measured | verdict | note |", "|---|---|---|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in self.rows]
        return "\n".join(lines)


def level(turns: Dict, sessions: int) -> Optional[Dict]:
    return next((l for l in turns.get("levels", []) if l["sessions"] == sessions), None)


def scale_row(scale: Dict, size: int) -> Optional[Dict]:
    return next((r for r in scale.get("sizes", []) if r["sections"] == size), None)


def verdicts(results: Dict) -> Verdicts:
    v = Verdicts()
    turns = results.get("turn_latency", {})
    one, twenty = level(turns, 1), level(turns, 20)
    v.add("Knowledge turn p95, 1 session (POST /api/chat)", "≤ 200 ms",
          one and one["by_kind"]["knowledge"].get("p95"), TARGETS["knowledge_p95_1"], "ms",
          note=one and f"fresh questions p95 {fmt(one['by_kind']['knowledge_fresh'].get('p95'))}"
          f" ms, repeated {fmt(one['by_kind']['knowledge_repeat'].get('p95'))} ms" or "")
    v.add("Throughput, 20 sessions", "≥ 25 turns/s", twenty and twenty["throughput_tps"],
          TARGETS["throughput_20"], "turns/s", higher_is_better=True)
    v.add("p95 of all turns, 20 sessions", "≤ 1 s", twenty and twenty["all"].get("p95"),
          TARGETS["p95_20"], "ms")
    v.add("Errors, 20 sessions", "0", twenty and twenty["errors"], TARGETS["errors_20"], "")
    v.add("Knowledge / greet latency at p50, 1 session", "≤ 1.5",
          turns.get("ratio_knowledge_greet_p50"), TARGETS["ratio"], "",
          note="greets in mid-conversation (both turn types then load the same tracker); "
               f"against every greet: {turns.get('ratio_knowledge_greet_all_p50', '—')}")
    scale = results.get("scale", {})
    engine = results.get("engine_latency", {})
    v.add("Engine p95, shipped corpus (implied by the 10k target)", "≤ 20 ms",
          engine.get("uncached", {}).get("total", {}).get("p95"), TARGETS["engine_10k"], "ms",
          note=f"cached query vector: {fmt(engine.get('cached', {}).get('total', {}).get('p95'))}"
               " ms" if engine else "")
    for size, key, limit in ((10000, "engine_10k", "≤ 20 ms"),
                             (100000, "engine_100k", "≤ 40 ms")):
        row = scale_row(scale, size)
        kind = row and row["shipped_vector_index"]
        measured = row and row[kind]["uncached"]["total"].get("p95")
        note = ""
        if row:
            other = row["hnsw" if kind == "flat" else "flat"]
            note = (f"{kind} index (the shipped choice at this size); without the embedding "
                    f"(cached vector) p95 {fmt(row[kind]['cached']['total'].get('p95'))} ms; "
                    f"the other index: {fmt(other['uncached']['total'].get('p95'))} ms; "
                    "synthetic corpus")
        v.add(f"Engine query p95 at {size // 1000}k sections", limit, measured,
              TARGETS[key], "ms", note=note)
    row = scale_row(scale, 100000)
    v.add("HNSW recall@10 vs flat at 100k", "≥ 0.95", row and row["recall_at_10"],
          TARGETS["recall_100k"], "", higher_is_better=True,
          note=row and (f"top answer article agrees with flat "
                        f"{100 * row['engine_top_article_agreement']:.0f}% of queries; "
                        "vectors recombined (see §3)") or "")
    v.add("Resident memory, action-server-like process, 100k index", "≤ 1.2 GB (1144 MiB)",
          row and row["hnsw"]["rss_mib"], TARGETS["memory_100k"], "MiB",
          note=row and f"peak {fmt(row['hnsw']['peak_rss_mib'])} MiB" or "")
    return v


# -- why ------------------------------------------------------------------------------------------
def _step(prof: Dict, prefix: str) -> Optional[float]:
    row = next((r for r in prof.get("steps", []) if r["step"].strip().startswith(prefix)), None)
    return row and row["cum_ms_per_turn"]


def _rasa_validation(rasa: Dict) -> Tuple[Optional[float], Optional[float]]:
    """(share of Rasa's profiled turn in jsonschema validation, calls per turn)."""
    row = next((r for r in rasa.get("top_by_cumulative_time", [])
                if r["function"] == "_validate_action_result"), None)
    if not row or not rasa.get("profiled_ms_per_turn"):
        return None, None
    return row["cum_ms_per_turn"] / rasa["profiled_ms_per_turn"], row["calls_per_turn"]


RASA_PARTS = (("NLU (parse_message)", "parse_message", "rasa/core/processor.py"),
              ("tracker load (get_tracker)", "get_tracker", "rasa/core/processor.py"),
              ("tracker save (save_tracker)", "save_tracker", "rasa/core/processor.py"),
              ("policy predictions", "_predict_next_with_tracker", "rasa/core/processor.py"),
              ("action-server calls (RemoteAction.run)", "run", "rasa/core/actions/action.py"),
              ("  of which: checking the replies", "_validate_action_result",
               "rasa/core/actions/action.py"))


def rasa_parts(rasa: Dict) -> List[Tuple[str, float]]:
    """Rasa's profiled turn split into its parts (ms per turn, cumulative, profiled)."""
    out = []
    for label, function, where in RASA_PARTS:
        rows = [r for r in rasa.get("top_by_cumulative_time", [])
                if r["function"] == function and r["where"].startswith(where)]
        if rows:
            out.append((label, max(r["cum_ms_per_turn"] for r in rows)))
    return out


def rasa_parts_sentence(rasa: Dict) -> str:
    parts = rasa_parts(rasa)
    if not parts:
        return ""
    return (" Rasa's own profile (§6) splits its turn into " + ", ".join(
        f"{label.strip()} {fmt(ms)}" for label, ms in parts) + " ms (profiled, so inflated), "
        "none of them dominant.")


def retained_note(row: Dict) -> str:
    """Where the index's share of the memory goes."""
    x = row["hnsw"]
    out = ""
    parts = x.get("index_parts")
    if parts:
        out += (f" The loaded index holds {parts['faiss_vectors_mib']} MiB of raw vectors (plus "
                f"the HNSW graph), {parts['bm25_arrays_mib']} MiB of BM25 posting arrays "
                f"({parts['vocabulary_terms']:,} terms) and {parts['article_section_texts_mib']}"
                " MiB of section texts (answers quote them); keys carry no text or lemma list "
                "(the postings are built by `bot build` and loaded as arrays).")
    b = x.get("load_breakdown")
    if b:
        steps = list(b["steps_mib"].items())
        deltas = ", ".join(f"{name} +{fmt(value - previous)}"
                           for (_, previous), (name, value) in zip(steps, steps[1:]))
        out += (f" Loading the index step by step in a process without the model (§3): "
                f"{deltas} MiB (peak {fmt(b['peak_mib'])} MiB).")
    out += (" A hot reload keeps the old and the new index in memory together, so it briefly "
            "needs the index part twice.")
    return out


def threads_sentence(engine: Dict) -> str:
    """What the paired default-threads / one-thread comparison says, whichever way it went."""
    t = engine["threads_comparison"]
    d, o = t["default"]["embedding"]["p50"], t["one_thread"]["embedding"]["p50"]
    n = engine["torch_threads_default"]
    figures = (f"paired queries give embedding p50 {fmt(d)} ms with torch's default {n} "
               f"threads and {fmt(o)} ms with one (p95 {fmt(t['default']['embedding']['p95'])} "
               f"vs {fmt(t['one_thread']['embedding']['p95'])} ms)")
    dp95, op95 = t["default"]["embedding"]["p95"], t["one_thread"]["embedding"]["p95"]
    stall = (" An OpenMP forward pass waits at a barrier for its slowest thread; when another "
             "process holds one of the two cores, that thread is descheduled and the whole "
             "pass stalls. This is why serving uses one thread (AWEX_QUERY_THREADS=1).")
    if d > 1.2 * o or dp95 > 2 * op95:
        worse = "at the median and in the tail" if d > 1.2 * o else (
            "in the tail, though a little faster at the median")
        return (f"Torch's default threading is worse {worse} on this busy 2-core machine: "
                f"{figures}.{stall}")
    if o > 1.2 * d:
        return f"The default threads help at this load: {figures}."
    return f"Thread count made no clear difference at this load: {figures}."


def why(results: Dict) -> List[str]:
    """One paragraph per missed target, from the decompositions and the profiles."""
    out: List[str] = []
    turns = results.get("turn_latency", {})
    engine = results.get("engine_latency", {})
    prof = results.get("profile_turn", {})
    rasa = results.get("profile_rasa", {})
    scale = results.get("scale", {})
    one, twenty = level(turns, 1), level(turns, 20)
    share, calls = _rasa_validation(rasa)
    js = rasa.get("jsonschema_validate", {})
    rasa_cpu = rasa.get("cpu_ms_per_turn")
    rasa_line = rasa_parts_sentence(rasa)
    if share is not None and share >= 0.2:
        rasa_line = (f" In Rasa's own profile (§6), **{100 * share:.0f}% of its time per turn is "
                     "jsonschema re-checking the schema of each action-server reply** "
                     f"({calls} calls per turn, {js.get('as_rasa_calls_it_ms', '—')} ms each "
                     f"alone vs {js.get('cached_validator_ms', '—')} ms with a validator built "
                     "once).")
    if one and one["by_kind"]["knowledge"].get("p95", 0) > TARGETS["knowledge_p95_1"]:
        d = turns.get("direct", {})
        k = one["by_kind"]["knowledge"]
        action = d.get("action_webhook_knowledge_uncached_ms", {})
        rest = d.get("rasa_rest_knowledge_ms", {})
        web = d.get("web_api_chat_knowledge_ms", {})
        embed = _step(prof, "query embedding")
        turn = _step(prof, "action run")
        text = (f"- **Knowledge turn p95 {fmt(k['p95'])} ms at 1 session (target 200 ms).** "
                f"In the interleaved decomposition (§2) a knowledge turn takes p50 "
                f"{fmt(web.get('p50'))} / p95 {fmt(web.get('p95'))} ms through the web app, "
                f"{fmt(rest.get('p50'))} / {fmt(rest.get('p95'))} ms straight to Rasa, and the "
                f"knowledge action alone {fmt(action.get('p50'))} / {fmt(action.get('p95'))} "
                f"ms: at p50 the web app adds "
                f"~{fmt((web.get('p50') or 0) - (rest.get('p50') or 0))} ms, Rasa "
                f"~{fmt((rest.get('p50') or 0) - (action.get('p50') or 0))} ms, the action "
                "the rest.")
        if embed and turn:
            text += (f" Inside the action, the query embedding is {fmt(embed)} of "
                     f"{fmt(turn)} ms per turn ({100 * embed / turn:.0f}%, §5).")
        out.append(text + rasa_line)
    if twenty and twenty["throughput_tps"] < TARGETS["throughput_20"]:
        c = twenty["cpu_ms_per_turn"]
        total = sum(c.values())
        ceiling = 1000 / c["rasa"] if c.get("rasa") else None
        out.append(
            f"- **Throughput {twenty['throughput_tps']} turns/s at 20 sessions (target 25).** "
            f"Per turn the processes burn rasa {c.get('rasa')} + actions {c.get('actions')} + "
            f"web {c.get('web')} = {total:.0f} ms of CPU. Rasa is one Python process with one "
            f"event loop, so its {c.get('rasa')} ms per turn caps it near "
            f"{fmt(ceiling)} turns/s on one core, whatever the concurrency; the second core "
            "is shared with the action server, the web app and (on this machine) other "
            f"people's work (load average up to {turns.get('load_average', {}).get('max')})."
            + rasa_line + f" 25 turns/s on 2 cores would need at most {2000 / 25:.0f} ms "
            "of CPU per turn in all three processes together, and Rasa split over several "
            "processes (endpoints.scale.yml: Rasa instances behind a balancer on PostgreSQL "
            "and Redis) — on a machine with more cores.")
    if twenty and twenty["all"].get("p95", 0) > TARGETS["p95_20"]:
        little = 20 / twenty["throughput_tps"] if twenty["throughput_tps"] else None
        out.append(
            f"- **p95 {fmt(twenty['all']['p95'])} ms at 20 sessions (target 1 s).** Queueing: "
            f"20 sessions sharing {twenty['throughput_tps']} turns/s wait on average "
            f"20 / {twenty['throughput_tps']} = {fmt(little and 1000 * little)} ms per turn "
            f"(Little's law; measured p50 {fmt(twenty['all']['p50'])} ms). It follows the "
            "throughput: fix that and this follows.")
    if twenty and twenty["errors"]:
        out.append(f"- **{twenty['errors']} errors at 20 sessions** ({twenty['error_kinds']}).")
    ratio = turns.get("ratio_knowledge_greet_p50")
    if ratio and ratio > TARGETS["ratio"]:
        b = one["by_kind"]
        action = turns.get("direct", {}).get("action_webhook_knowledge_uncached_ms", {})
        out.append(
            f"- **Knowledge/greet ratio {ratio} at p50 (target 1.5).** A greet costs "
            f"{fmt(b['greet_mid_conversation'].get('p50'))} ms, a knowledge turn "
            f"{fmt(b['knowledge'].get('p50'))} ms. The knowledge turn makes one more "
            "action-server call than a greet (both call action_validate_slot_mappings, which "
            "sets the language slot on every turn): that call is the knowledge action itself "
            f"(p50 {fmt(action.get('p50'))} ms, mostly the query embedding, §1) plus Rasa "
            "serialising the tracker for it, reading its reply, and one more policy "
            "prediction. A greet costs Rasa little once its reply check is compiled once "
            "(scripts/rasa_server.py), so the fixed cost of the embedding weighs more in "
            "the ratio: 1.5 would need the knowledge turn's extra work under half a greet.")
    u = engine.get("uncached", {})
    if u.get("total", {}).get("p95", 0) > TARGETS["engine_10k"]:
        t = engine.get("threads_comparison", {})
        text = (f"- **Engine p95 {fmt(u['total']['p95'])} ms on the shipped corpus.** The "
                f"query embedding is p50 {fmt(u['embedding']['p50'])} / p95 "
                f"{fmt(u['embedding']['p95'])} ms of it; dense search, lexical and fusion "
                f"together p50 "
                f"{fmt(u['dense_search']['p50'] + u['lexical']['p50'] + u['fusion']['p50'])} ms."
                f" With the vector cached the engine's p95 is "
                f"{fmt(engine['cached']['total']['p95'])} ms.")
        if u["embedding"]["p50"] > TARGETS["engine_10k"]:
            text += (" The model's forward pass for one short question is above the target on "
                     "its own on this CPU, whatever the corpus: meeting it needs a smaller "
                     "model (AWEX_EMBEDDING_MODEL, then re-calibration with `bot eval "
                     "--calibrate`) or a question already in the query cache.")
        if t:
            text += " " + threads_sentence(engine)
        out.append(text)
    for size, key in ((10000, "engine_10k"), (100000, "engine_100k")):
        row = scale_row(scale, size)
        if not row:
            continue
        kind = row["shipped_vector_index"]
        x = row[kind]
        if x["uncached"]["total"]["p95"] <= TARGETS[key]:
            continue
        cached = x["cached"]
        text = (f"- **Engine p95 {fmt(x['uncached']['total']['p95'])} ms at {size // 1000}k "
                f"sections (target {TARGETS[key]:.0f} ms, {kind}).** Embedding p95 "
                f"{fmt(x['uncached']['embedding']['p95'])} ms — independent of the corpus size. "
                f"The corpus-dependent part, measured with the query vector cached, is p95 "
                f"{fmt(cached['total']['p95'])} ms: dense {fmt(cached['dense_search']['p95'])}, "
                f"lexical {fmt(cached['lexical']['p95'])}, fusion "
                f"{fmt(cached['fusion']['p95'])} ms")
        text += (" — within the target on its own." if cached["total"]["p95"] <= TARGETS[key]
                 else " — over the target even without the embedding.")
        t = x.get("threads_paired")
        if t:
            text += (f" In the same process at the same time, paired queries embed in p95 "
                     f"{fmt(t['default']['embedding']['p95'])} ms with torch's default "
                     f"{t['default_threads']} threads and {fmt(t['one']['embedding']['p95'])} ms "
                     f"with one (total p95 {fmt(t['default']['total']['p95'])} vs "
                     f"{fmt(t['one']['total']['p95'])} ms).")
        prof_rows = [r for r in x.get("profile") or [] if not any(
            word in r["function"] + r["where"] for word in ("torch", "transformers", "_call_impl"))]
        if prof_rows:
            text += " Heaviest functions outside the model: " + ", ".join(
                f"`{r['function']}` ({fmt(r['tottime_ms'] / min(40, scale['queries']))} ms/query)"
                for r in prof_rows[:4]) + "."
        out.append(text)
    row = scale_row(scale, 100000)
    if row and row["recall_at_10"] < TARGETS["recall_100k"]:
        out.append(f"- **HNSW recall@10 {row['recall_at_10']} at 100k** (efSearch 128, M 32).")
    if row and row["hnsw"]["rss_mib"] > TARGETS["memory_100k"]:
        st = row["hnsw"]["rss_mib_by_stage"]
        small = scale_row(scale, 1000) or {}
        small_rss = small.get("hnsw", {}).get("rss_mib")
        out.append(
            f"- **Resident memory {fmt(row['hnsw']['rss_mib'])} MiB at 100k (target 1144 MiB).** "
            f"By stage: interpreter {st.get('python')}, after the action server's imports "
            f"(torch, transformers, rasa_sdk, sanic, spaCy) {st.get('imports')}, model "
            f"{st.get('model')}, index {st.get('index')}, spaCy pipelines and first searches "
            f"{st.get('warm_up')}, after serving {st.get('served')} MiB. Loading the index adds "
            f"{fmt(st.get('index', 0) - st.get('model', 0))} MiB for "
            f"{row['hnsw']['disk_mib']} MiB on disk."
            + (f" The same process with 1k sections is {small_rss} MiB: the fixed part alone "
               "uses most of the budget." if small_rss else "") + retained_note(row))
    return out


# -- charts ----------------------------------------------------------------------------------
def charts(results: Dict, docs: Path) -> Dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: Dict[str, str] = {}
    engine = results.get("engine_latency")
    if engine:
        stages = ["embedding", "dense_search", "lexical", "fusion", "total"]
        fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
        for ax, case in zip(axes, ("uncached", "cached")):
            for offset, p in zip((-0.27, 0, 0.27), ("p50", "p95", "p99")):
                values = [max(engine[case][s].get(p, 0), 0.001) for s in stages]
                ax.bar([i + offset for i in range(len(stages))], values, width=0.27, label=p)
            ax.set_xticks(range(len(stages)))
            ax.set_xticklabels(stages, rotation=15)
            ax.set_yscale("log")
            ax.set_title(f"Engine, {case} query vector ({engine['queries']} queries)")
            ax.axhline(20, color="red", lw=0.8, ls="--")
        axes[0].set_ylabel("ms (log scale)")
        axes[0].legend()
        fig.tight_layout()
        fig.savefig(docs / "engine_latency.png", dpi=110)
        plt.close(fig)
        made["engine"] = "engine_latency.png"

    turns = results.get("turn_latency")
    if turns and turns.get("levels"):
        levels = turns["levels"]
        x = [l["sessions"] for l in levels]
        fig, axes = plt.subplots(1, 2, figsize=(11, 4))
        for p, style in (("p50", "-o"), ("p95", "-s"), ("p99", "-^")):
            axes[0].plot(x, [l["all"].get(p) for l in levels], style, label=f"all turns {p}")
        axes[0].plot(x, [l["by_kind"]["knowledge"].get("p95") for l in levels], "--",
                     label="knowledge p95")
        axes[0].axhline(1000, color="red", lw=0.8, ls="--", label="1 s (20 sessions)")
        axes[0].axhline(200, color="orange", lw=0.8, ls="--", label="200 ms (1 session)")
        axes[0].set_xscale("log")
        axes[0].set_yscale("log")
        axes[0].set_xlabel("concurrent sessions")
        axes[0].set_ylabel("ms")
        axes[0].set_title("Turn latency, POST /api/chat")
        axes[0].legend(fontsize=7)
        axes[1].bar([str(s) for s in x], [l["throughput_tps"] for l in levels])
        axes[1].axhline(25, color="red", lw=0.8, ls="--", label="25 turns/s")
        axes[1].set_xlabel("concurrent sessions")
        axes[1].set_ylabel("turns/s")
        axes[1].set_title("Throughput")
        axes[1].legend()
        fig.tight_layout()
        fig.savefig(docs / "turn_latency.png", dpi=110)
        plt.close(fig)
        made["turns"] = "turn_latency.png"

    scale = results.get("scale")
    if scale and scale.get("sizes"):
        rows = scale["sizes"]
        x = [r["sections"] for r in rows]
        fig, axes = plt.subplots(1, 3, figsize=(14, 4))
        for kind, marker in (("flat", "o"), ("hnsw", "s")):
            axes[0].plot(x, [r[kind]["uncached"]["total"]["p95"] for r in rows], f"-{marker}",
                         label=f"{kind}, p95 total")
            axes[0].plot(x, [r[kind]["cached"]["total"]["p95"] for r in rows], f"--{marker}",
                         label=f"{kind}, p95 with cached vector")
        axes[0].plot([10000, 100000], [20, 40], "r*", ms=12, label="targets")
        axes[0].set_xscale("log")
        axes[0].set_yscale("log")
        axes[0].set_xlabel("sections (synthetic)")
        axes[0].set_ylabel("ms")
        axes[0].set_title("Engine query p95")
        axes[0].legend(fontsize=7)
        for kind, marker in (("flat", "o"), ("hnsw", "s")):
            axes[1].plot(x, [r[kind]["rss_mib"] for r in rows], f"-{marker}", label=f"{kind} RSS")
        axes[1].axhline(GB_MIB, color="red", lw=0.8, ls="--", label="1.2 GB")
        axes[1].set_xscale("log")
        axes[1].set_xlabel("sections (synthetic)")
        axes[1].set_ylabel("MiB")
        axes[1].set_title("Resident memory, fresh process")
        axes[1].legend(fontsize=7)
        labels = [f"{s // 1000}k" for s in x]
        bottom = [0.0] * len(rows)
        for part, getter, how in (
                ("embedding", lambda r: r["embedding"]["seconds"], lambda r: r["embedding"]["how"]),
                ("lemmas", lambda r: r["lemmas"]["seconds"], lambda r: r["lemmas"]["how"]),
                ("HNSW", lambda r: r["hnsw"]["faiss_build_s"], lambda r: "measured"),
                ("write", lambda r: r["hnsw"]["write_s"], lambda r: "measured")):
            values = [getter(r) / 60 for r in rows]
            bars = axes[2].bar(labels, values, bottom=bottom, label=part)
            for bar, r in zip(bars, rows):
                if how(r) != "measured":
                    bar.set_hatch("//")
            bottom = [b + v for b, v in zip(bottom, values)]
        axes[2].set_ylabel("minutes (hatched = extrapolated)")
        axes[2].set_title("Build time (HNSW build)")
        axes[2].set_yscale("log")
        axes[2].legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(docs / "scale.png", dpi=110)
        plt.close(fig)
        made["scale"] = "scale.png"

    cold = results.get("cold_start")
    if cold and cold.get("summary"):
        names = [k for k, v in cold["summary"].items() if v.get("n")]
        fig, ax = plt.subplots(figsize=(9, 3.5))
        med = [cold["summary"][k]["median"] for k in names]
        low = [m - cold["summary"][k]["min"] for m, k in zip(med, names)]
        high = [cold["summary"][k]["max"] - m for m, k in zip(med, names)]
        ax.barh(names, med, xerr=[low, high], capsize=4)
        ax.set_xlabel("seconds from process start (median, min–max)")
        ax.set_title("Cold start")
        fig.tight_layout()
        fig.savefig(docs / "cold_start.png", dpi=110)
        plt.close(fig)
        made["cold"] = "cold_start.png"
    return made


# -- sections --------------------------------------------------------------------------------
def engine_section(engine: Dict) -> List[str]:
    if not engine:
        return ["*Not run.*"]
    out = [mode_note(engine), "",
           f"Index: {engine['index']['keys']} keys of {engine['index']['articles']} article ids "
           f"({engine['index']['vector_index']} FAISS index, {engine['index']['model']}); "
           f"{engine['queries']} queries = the {engine['gold_questions']} gold questions repeated; "
           f"outcomes {engine['statuses']}. Model and index load + warm-up: "
           f"{engine['load_and_warm_up_seconds']} s. Torch threads for the query embedding: "
           f"{engine.get('torch_threads_shipped', '—')} (AWEX_QUERY_THREADS, as shipped).", "",
           "| stage | uncached p50 | p95 | p99 | n | cached p50 | p95 | p99 | n |",
           "|---|---|---|---|---|---|---|---|---|"]
    for stage in ("embedding", "dense_search", "lexical", "fusion", "total"):
        out.append(f"| {stage} | {pct_row(engine['uncached'][stage])} | "
                   f"{pct_row(engine['cached'][stage])} |")
    u, c = engine["uncached"], engine["cached"]
    share = 100 * u["embedding"]["p50"] / u["total"]["p50"] if u["total"].get("p50") else 0
    out += ["", f"The query embedding is {share:.0f}% of the uncached total at p50. With the "
            f"vector cached the engine answers in {fmt(c['total']['p50'])} ms (p50) / "
            f"{fmt(c['total']['p95'])} ms (p95)."]
    lex_u, lex_c = u["lexical"]["p50"], c["lexical"]["p50"]
    if lex_c and lex_u > 1.5 * lex_c:
        out.append(f"The lexical stage is {lex_u / lex_c:.1f}× slower right after an embedding "
                   f"({fmt(lex_u)} ms p50) than when the vector came from the cache "
                   f"({fmt(lex_c)} ms): same code, same questions, so the forward pass just "
                   "before it slows it down — its OpenMP workers keep spinning for a while after "
                   "it and its weights evict spaCy's and BM25's data from the CPU caches.")
    if engine.get("threads_comparison"):
        out.append(threads_sentence(engine))
    t = engine.get("threads_comparison")
    if t:
        d, o = t["default"], t["one_thread"]
        out += ["", f"**Torch threads** ({t['pairs']} uncached queries, the default "
                f"{engine['torch_threads_default']} threads and 1 thread alternately, query by "
                "query, so both see the same machine load):", "",
                "| torch threads | embedding p50 | p95 | lexical p50 | total p50 | total p95 |",
                "|---|---|---|---|---|---|",
                f"| {engine['torch_threads_default']} (default) | {fmt(d['embedding']['p50'])} | "
                f"{fmt(d['embedding']['p95'])} | {fmt(d['lexical']['p50'])} | "
                f"{fmt(d['total']['p50'])} | {fmt(d['total']['p95'])} |",
                f"| 1 | {fmt(o['embedding']['p50'])} | {fmt(o['embedding']['p95'])} | "
                f"{fmt(o['lexical']['p50'])} | {fmt(o['total']['p50'])} | "
                f"{fmt(o['total']['p95'])} |"]
    return out


def turns_section(turns: Dict) -> List[str]:
    if not turns:
        return ["*Not run.*"]
    out = [mode_note(turns), "",
           f"Stack on ports {turns['ports']} (ready after {turns['stack_ready_s']} s, warm-up "
           "conversation not counted). Each worker thread plays conversations of "
           f"{len(turns['conversation'])} turns ({', '.join(turns['conversation'])}), each "
           "with its own conversation id. Latency is per POST /api/chat, client side.", "",
           "| sessions | turns | errors | wall s | turns/s | all p50 | p95 | p99 | "
           "knowledge p50 | p95 | p99 | greet p50 | p95 | form step p50 | p95 |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for l in turns["levels"]:
        k, g, f, a = (l["by_kind"]["knowledge"], l["by_kind"]["greet"],
                      l["by_kind"]["form_step"], l["all"])
        out.append(f"| {l['sessions']} | {l['turns']} | {l['errors']} | {l['wall_s']} | "
                   f"{l['throughput_tps']} | {fmt(a.get('p50'))} | {fmt(a.get('p95'))} | "
                   f"{fmt(a.get('p99'))} | {fmt(k.get('p50'))} | {fmt(k.get('p95'))} | "
                   f"{fmt(k.get('p99'))} | {fmt(g.get('p50'))} | {fmt(g.get('p95'))} | "
                   f"{fmt(f.get('p50'))} | {fmt(f.get('p95'))} |")
    one = level(turns, 1)
    if one:
        b = one["by_kind"]
        out += ["", "At 1 session, by turn type (ms):", "",
                "| turn | p50 | p95 | p99 | n |", "|---|---|---|---|---|"]
        for name in ("greet_first_turn", "greet_mid_conversation", "knowledge_fresh",
                     "knowledge_repeat", "form_start", "form_step"):
            out.append(f"| {name.replace('_', ' ')} | {pct_row(b[name])} |")
        out += ["", f"Knowledge/greet ratio at p50: **{turns['ratio_knowledge_greet_p50']}** "
                "against mid-conversation greets, "
                f"{turns['ratio_knowledge_greet_all_p50']} against all greets (the first turn "
                "of a conversation also runs action_session_start and creates the tracker). "
                f"Knowledge replies: {one['knowledge_payloads']}; form replies not as "
                f"expected: {one['form_unexpected_replies']}."]
    out += ["", "CPU milliseconds each process spent per turn (from /proc/<pid>/stat; a "
            "2-core machine cannot serve more than ~2000 / (sum) turns/s whatever the "
            "concurrency):", "", "| sessions | rasa | actions | web | sum | ceiling turns/s |",
            "|---|---|---|---|---|---|"]
    for l in turns["levels"]:
        c = l["cpu_ms_per_turn"]
        total = sum(c.values())
        cores = turns.get("load_average", {}).get("cores") or 2
        out.append(f"| {l['sessions']} | {c.get('rasa')} | {c.get('actions')} | {c.get('web')} "
                   f"| {total:.1f} | {1000 * cores / total if total else 0:.1f} |")
    d = turns.get("direct")
    if d:
        out += ["", f"Decomposition of a knowledge turn ({d['count']} calls each, one at a "
                "time, the three kinds interleaved so they see the same load; each knowledge "
                "question is the second turn of a new conversation and new to the engine):",
                "", "| call | p50 | p95 | p99 | n |", "|---|---|---|---|---|",
                f"| POST /api/chat (web app → Rasa → action server) | "
                f"{pct_row(d.get('web_api_chat_knowledge_ms', {}))} |",
                f"| Rasa REST /webhooks/rest/webhook, no web app | "
                f"{pct_row(d['rasa_rest_knowledge_ms'])} |",
                f"| action server /webhook alone, knowledge, uncached question | "
                f"{pct_row(d['action_webhook_knowledge_uncached_ms'])} |"]
    mem = turns.get("memory_mib")
    if mem:
        out += ["", "Resident memory after the run: " + ", ".join(
            f"{n} {m.get('VmRSS')} MiB (peak {m.get('VmHWM')})" for n, m in mem.items()) + "."]
    variant = turns.get("variant_one_thread")
    if variant:
        out += ["", f"**Experiment, not the shipped configuration** — {variant['description']}:",
                "", "| sessions | turns | errors | turns/s | all p95 | knowledge p50 | p95 | "
                "greet p50 |", "|---|---|---|---|---|---|---|---|"]
        for l in variant["levels"]:
            out.append(f"| {l['sessions']} | {l['turns']} | {l['errors']} | "
                       f"{l['throughput_tps']} | {fmt(l['all'].get('p95'))} | "
                       f"{fmt(l['by_kind']['knowledge'].get('p50'))} | "
                       f"{fmt(l['by_kind']['knowledge'].get('p95'))} | "
                       f"{fmt(l['by_kind']['greet'].get('p50'))} |")
    return out


def scale_section(scale: Dict) -> List[str]:
    if not scale:
        return ["*Not run.*"]
    real = scale["real_corpus"]
    out = [mode_note(scale), "",
           f"**Synthetic corpora**, recombined from the real one ({real['articles']} articles, "
           f"{real['sections']} sections, {real['parts']} distinct titles, headings and "
           "sentences): each synthetic section is a real title and heading plus sentences of "
           "different real sections of the same language. They have the real vocabulary and "
           "style but not real topics, so the figures say how the engine scales, not how well "
           f"it answers. {scale['queries']} queries (gold questions, then the articles' example "
           "questions).", "",
           f"Measured throughputs (sample of {scale['sample_size']} synthetic sections): "
           f"embedding **{scale['embedding_sections_per_s']} sections/s**, spaCy lemmas "
           f"**{scale['lemmas_sections_per_s']} sections/s**. A stage that would take more than "
           f"{scale['budget_s'] / 60:.0f} min at a size was not run in full at that size: its "
           "time below is extrapolated (size / throughput, marked *) and its output recombined."]
    fid = scale.get("recombination_fidelity")
    if fid:
        out.append(f"Recombined vectors are the word-count-weighted mean of the parts' vectors, "
                   f"renormalised: cosine to the true embedding of the same synthetic section "
                   f"{fid['cosine_to_true_embedding']['mean']} on average (min "
                   f"{fid['cosine_to_true_embedding']['min']}); concatenated lemmas agree with "
                   f"lemmatising the whole text at {fid['lemma_bag_agreement']['mean']:.2f} "
                   f"(bag overlap). (Parts embedded in {scale.get('parts_embedding_s')} s, "
                   f"lemmatised in {scale.get('parts_lemmas_s')} s.)")
    out += ["", "| sections | articles | embedding s | lemmas s | FAISS flat s | HNSW s | "
            "write s | build total (HNSW) | disk flat MiB | disk HNSW MiB | BM25 build s |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in scale["sizes"]:
        star = lambda part: "*" if r[part]["how"] != "measured" else ""  # noqa: E731
        out.append(
            f"| {r['sections']:,} | {r['articles']:,} | {fmt(r['embedding']['seconds'])}"
            f"{star('embedding')} | {fmt(r['lemmas']['seconds'])}{star('lemmas')} | "
            f"{r['flat']['faiss_build_s']} | {r['hnsw']['faiss_build_s']} | "
            f"{r['hnsw']['write_s']} | {fmt(r['hnsw']['build_total_s'] / 60)} min | "
            f"{r['flat']['disk_mib']} | {r['hnsw']['disk_mib']} | {r['bm25_build_s']} |")
    out += ["", "Engine query latency (KnowledgeBase.search in the fresh process, ms; "
            "'uncached' pays the embedding, 'cached' does not):", "",
            "| sections | index | total p50 | p95 | p99 | cached p50 | p95 | dense p95 | "
            "lexical p95 | fusion p95 | vector search alone p95 (k=200) |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in scale["sizes"]:
        for kind in ("flat", "hnsw"):
            x = r[kind]
            shipped = " (shipped)" if r["shipped_vector_index"] == kind else ""
            out.append(
                f"| {r['sections']:,} | {kind}{shipped} | {fmt(x['uncached']['total']['p50'])} | "
                f"{fmt(x['uncached']['total']['p95'])} | {fmt(x['uncached']['total']['p99'])} | "
                f"{fmt(x['cached']['total']['p50'])} | {fmt(x['cached']['total']['p95'])} | "
                f"{fmt(x['uncached']['dense_search']['p95'])} | "
                f"{fmt(x['uncached']['lexical']['p95'])} | {fmt(x['uncached']['fusion']['p95'])} "
                f"| {fmt(x['vector_search_depth200_ms']['p95'], digits=2)} |")
    paired = [(r, kind) for r in scale["sizes"] for kind in ("flat", "hnsw")
              if r[kind].get("threads_paired")]
    if paired:
        n = paired[0][0][paired[0][1]]["threads_paired"]["default"]["total"]["n"]
        out += ["", f"Torch threads in the same fresh processes ({n} uncached queries, the "
                "default thread count and one thread alternately, query by query):", "",
                "| sections | index | embedding p50 default | p95 | embedding p50 1 thread | "
                "p95 | total p95 default | total p95 1 thread |",
                "|---|---|---|---|---|---|---|---|"]
        for r, kind in paired:
            t = r[kind]["threads_paired"]
            d, o = t["default"], t["one"]
            out.append(f"| {r['sections']:,} | {kind} | {fmt(d['embedding']['p50'])} | "
                       f"{fmt(d['embedding']['p95'])} | {fmt(o['embedding']['p50'])} | "
                       f"{fmt(o['embedding']['p95'])} | {fmt(d['total']['p95'])} | "
                       f"{fmt(o['total']['p95'])} |")
    out += ["", "| sections | recall@10 HNSW vs flat (mean / worst query) | same top article | "
            "RSS flat MiB | RSS HNSW MiB (peak) | index load s (HNSW) | RSS by stage (HNSW) |",
            "|---|---|---|---|---|---|---|"]
    for r in scale["sizes"]:
        stages = r["hnsw"]["rss_mib_by_stage"]
        out.append(f"| {r['sections']:,} | {r['recall_at_10']} / {r['recall_at_10_min']} | "
                   f"{100 * r['engine_top_article_agreement']:.0f}% | {r['flat']['rss_mib']} | "
                   f"{r['hnsw']['rss_mib']} ({r['hnsw']['peak_rss_mib']}) | "
                   f"{r['hnsw']['index_load_s']} | "
                   + " → ".join(f"{k} {v}" for k, v in stages.items()) + " |")
    biggest = scale["sizes"][-1]
    b = biggest["hnsw"].get("load_breakdown")
    if b:
        out += ["", f"Where the index's memory goes at {biggest['sections']:,} sections: a "
                "fresh process without the model loads the HNSW index step by step as "
                "KnowledgeIndex does (RSS after each step, MiB):", "",
                "| step | RSS | added |", "|---|---|---|"]
        previous = None
        for name, value in b["steps_mib"].items():
            added = "" if previous is None else fmt(value - previous)
            out.append(f"| {name} | {value} | {added} |")
            previous = value
        out += ["", f"Peak {b['peak_mib']} MiB. BM25 posting arrays "
                f"{b['bm25_postings_arrays_mib']} MiB, raw vectors {b['faiss_vectors_mib']} "
                "MiB."]
    prof = biggest["hnsw"].get("profile") or []
    if prof:
        out += ["", f"Profile of {min(40, scale['queries'])} uncached searches at "
                f"{biggest['sections']:,} sections (HNSW), top by own time:", "",
                "| own ms (all calls) | cumulative ms | calls | function |", "|---|---|---|---|"]
        for row in prof[:12]:
            out.append(f"| {row['tottime_ms']} | {row['cumtime_ms']} | {row['calls']} | "
                       f"`{row['function']}` {row['where']} |")
    return out


def cold_section(cold: Dict) -> List[str]:
    if not cold:
        return ["*Not run.*"]
    s = cold["summary"]
    labels = {
        "action_server_health_s": "action server alone: /health answers",
        "action_server_first_answer_s": "action server alone: first knowledge answer (/webhook)",
        "together_actions_first_answer_s": "Rasa + actions started together: action server's "
                                           "first answer",
        "together_rasa_health_s": "Rasa + actions together: Rasa REST channel up",
        "together_rasa_first_answer_s": "Rasa + actions together: Rasa's first reply to bonjour",
        "make_run_first_answer_s": f"{cold.get('make_run_mode', 'make run')}: first /api/chat "
                                   "answer",
        "make_run_ready_printed_s": f"{cold.get('make_run_mode', 'make run')}: \"Ready\" printed",
        "make_run_stop_s": "Ctrl-C (SIGINT to the process group) to all stopped",
    }
    out = [mode_note(cold), "", "| from process start to | min s | median s | max s | repeats "
           "| failed |", "|---|---|---|---|---|---|"]
    for key, label in labels.items():
        row = s.get(key, {})
        out.append(f"| {label} | {row.get('min', '—')} | {row.get('median', '—')} | "
                   f"{row.get('max', '—')} | {row.get('n', 0)} | "
                   f"{cold['failures'].get(key, 0)} |")
    if cold.get("make_run_fallback_reason"):
        check = cold.get("index_check_s") or {}
        out += ["", f"`make run` itself was not run: {cold['make_run_fallback_reason']}. The "
                "figures are for `scripts/stack.py`, the command `make run` ends with; its "
                "other step when everything is built, `bot build --quiet` finding nothing to "
                f"do, costs {check.get('seconds', '—')} s more (a fresh process loading and "
                f"fingerprinting the corpus; index current: {check.get('index_current')})."]
    if cold.get("make_run_skipped"):
        out += ["", f"`make run` skipped: {cold['make_run_skipped']}."]
    lefts = [r.get("left_behind") for r in cold.get("make_run", [])]
    if lefts:
        clean = all(not l for l in lefts)
        out += ["", "Left behind after Ctrl-C: " + ("nothing (ports free, no process with the "
                "run's ports or WEB_PORT)." if clean else f"**{lefts}** (killed by the "
                "benchmark).")]
    a = cold.get("action_server") or []
    if a:
        out += ["", f"Action server RSS after its first answer: {a[-1].get('rss_mib')} MiB; "
                f"second knowledge call {fmt(a[-1].get('second_call_ms'))} ms."]
    return out


def profile_section(prof: Dict) -> List[str]:
    if not prof:
        return ["*Not run.*"]
    out = [mode_note(prof), "",
           f"{prof['turns']} knowledge turns through ActionAnswerFromKnowledge.run (uncached "
           f"query vectors; replies {prof['payloads']}). Wall time per turn without the "
           f"profiler p50 {fmt(prof['wall_ms_without_profiler']['p50'])} ms / p95 "
           f"{fmt(prof['wall_ms_without_profiler']['p95'])} ms; under cProfile p50 "
           f"{fmt(prof['wall_ms_under_profiler']['p50'])} ms.", "",
           "Named steps (cumulative ms per turn, all calls of the function):", "",
           "| step | ms/turn | calls/turn |", "|---|---|---|"]
    for row in prof.get("steps", []):
        label = row["step"].replace("  ", "&nbsp;&nbsp;")
        out.append(f"| {label} | {row['cum_ms_per_turn']} | {row['calls_per_turn']} |")
    out += ["", "Top by cumulative time (per turn; the nested call chain of the embedding "
            "dominates):", "",
           "| cumulative ms/turn | share of turn | own ms/turn | calls | function |",
           "|---|---|---|---|---|"]
    for row in prof["top_by_cumulative_time"][:30]:
        out.append(f"| {row['cum_per_turn_ms']} | {100 * (row['share_of_turn'] or 0):.0f}% | "
                   f"{row['per_turn_ms']} | {row['calls']} | `{row['function']}` "
                   f"{row['where']} |")
    out += ["", "Top by own time (per turn):", "",
            "| own ms/turn | cumulative ms/turn | calls | function |", "|---|---|---|---|"]
    for row in prof["top_by_own_time"][:15]:
        out.append(f"| {row['per_turn_ms']} | {row['cum_per_turn_ms']} | {row['calls']} | "
                   f"`{row['function']}` {row['where']} |")
    return out


def rasa_section(rasa: Dict) -> List[str]:
    if not rasa:
        return ["*Not run.*"]
    js = rasa.get("jsonschema_validate", {})
    validate = next((r for r in rasa["top_by_cumulative_time"]
                     if r["function"] == "_validate_action_result"), None)
    out = [mode_note(rasa), "",
           f"{rasa['turns']} turns ({rasa['conversations']} conversations of the turn-latency "
           "script, straight to Rasa's REST channel, one at a time) with Rasa's main thread "
           f"profiled. Unprofiled, the same turns cost Rasa **{rasa['cpu_ms_per_turn']} ms of "
           f"CPU per turn** ({rasa['wall_ms_per_turn']} ms wall); profiled "
           f"{rasa['cpu_ms_per_turn_profiled']} ms CPU, {rasa['profiled_ms_per_turn']} ms in "
           "the profile."]
    share = validate and 100 * validate["cum_ms_per_turn"] / rasa["profiled_ms_per_turn"]
    if validate and share >= 20:
        out += ["", f"**{share:.0f}% of Rasa's profiled turn ({validate['cum_ms_per_turn']} ms of "
                f"{rasa['profiled_ms_per_turn']}) is `RemoteAction._validate_action_result`**, "
                f"called {validate['calls_per_turn']} times per turn (once per action-server "
                "call): it runs `jsonschema.validate(result, schema)`, which re-validates the "
                "schema itself against the JSON-Schema metaschema (`check_schema`, draft "
                "2020-12 `$dynamicRef` resolution) before validating the reply."]
    else:
        cost = (f"costs {validate['cum_ms_per_turn']} ms of the {rasa['profiled_ms_per_turn']} "
                f"ms profiled turn ({share:.0f}%)" if validate
                else "is no longer among the top functions")
        out += ["", "Checking the action-server replies (`RemoteAction._validate_action_result`) "
                f"{cost}: Rasa is started through scripts/rasa_server.py, which builds the "
                "validator once (stock Rasa 3.6 rebuilds it and re-checks the schema on every "
                "reply, which was 73% of Rasa's turn before this change)."]
    parts = rasa_parts(rasa)
    if parts:
        out += ["", "Rasa's turn by part (cumulative ms per turn, profiled):", "",
                "| part | ms/turn |", "|---|---|"]
        out += [f"| {label.replace('  ', '&nbsp;&nbsp;')} | {fmt(ms)} |" for label, ms in parts]
    if js.get("as_rasa_calls_it_ms"):
        out += [f"Measured alone in Rasa's environment (jsonschema {js.get('jsonschema')}): "
                f"{js['as_rasa_calls_it_ms']} ms per call as Rasa calls it, "
                f"{js['cached_validator_ms']} ms with a validator built once."]
    out += ["", "Top by cumulative time (ms per turn, profiled):", "",
            "| cumulative | own | calls/turn | function |", "|---|---|---|---|"]
    for row in rasa["top_by_cumulative_time"][:30]:
        out.append(f"| {row['cum_ms_per_turn']} | {row['own_ms_per_turn']} | "
                   f"{row['calls_per_turn']} | `{row['function']}` {row['where']} |")
    out += ["", "Top by own time:", "", "| own ms/turn | calls/turn | function |",
            "|---|---|---|"]
    for row in rasa["top_by_own_time"][:12]:
        out.append(f"| {row['own_ms_per_turn']} | {row['calls_per_turn']} | "
                   f"`{row['function']}` {row['where']} |")
    return out


def write_report(results_path: Path = RESULTS, docs: Path = DOCS, commit: str = "?",
                 analysis: str = "", runs: Optional[Dict] = None) -> Path:
    results = json.loads(results_path.read_text("utf-8"))
    docs.mkdir(parents=True, exist_ok=True)
    made = charts(results, docs)
    m = machine()
    modes = {name: data.get("mode") for name, data in results.items() if isinstance(data, dict)
             and "mode" in data}
    overall = ("full" if modes and all(v == "full" for v in modes.values())
               else "quick (partly or wholly)")
    out = ["# Performance benchmarks", "",
           "Generated by `make bench` (`bench/run_all.py`) from `docs/bench/results.json`, "
           "which also holds the raw samples.", "",
           f"- **Machine:** {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GiB RAM, Linux "
           f"{m['kernel']}, Python {m['python']} — shared with other engineers' test runs, so "
           "each section states the load average it was measured under.",
           f"- **Commit:** `{commit}` (working tree, which may hold uncommitted changes)",
           f"- **Date:** report written {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; each "
           "section gives the time its benchmark ran",
           f"- **Mode:** {overall} — " + ", ".join(f"{k}: {v}" for k, v in modes.items()),
           ""]
    if overall != "full":
        out += ["> **Quick mode figures are indicative only** (small counts, busy machine). "
                "The full run (`make bench`) is pending a quiet machine.", ""]
    out += ["## Targets", "", verdicts(results).table(), ""]
    reasons = why(results)
    if reasons:
        out += ["### Why the misses", "", *reasons, ""]
    if analysis:
        out += [analysis.strip(), ""]
    sections = [
        ("1. Engine latency, in process", "engine",
         engine_section(results.get("engine_latency", {}))),
        ("2. Turn latency through the whole stack", "turns",
         turns_section(results.get("turn_latency", {}))),
        ("3. Scale (synthetic corpora)", "scale", scale_section(results.get("scale", {}))),
        ("4. Cold start", "cold", cold_section(results.get("cold_start", {}))),
        ("5. Profile of a knowledge turn (action server code path)", None,
         profile_section(results.get("profile_turn", {}))),
        ("6. Profile of Rasa per turn", None, rasa_section(results.get("profile_rasa", {}))),
    ]
    for title, chart, lines in sections:
        out += [f"## {title}", ""] + lines + [""]
        if chart in made:
            out += [f"![{title}]({made[chart]})", ""]
    if runs:
        out += ["## Runs", "", "| script | mode | seconds | exit code |", "|---|---|---|---|"]
        out += [f"| {name} | {r['mode']} | {r['seconds']} | {r['exit_code']} |"
                for name, r in runs.items()]
        out.append("")
    out += ["## Reproduce", "",
            "```sh",
            "make bench                                   # everything, full counts (~1 h)",
            "var/venv-app/bin/python bench/run_all.py --quick   # small counts, ~15 min",
            "HF_HUB_OFFLINE=1 var/venv-app/bin/python bench/<script>.py [--quick]  # one benchmark",
            "var/venv-app/bin/python bench/run_all.py --report-only   # rebuild this file",
            "```", ""]
    path = docs / "report.md"
    path.write_text("\n".join(out), "utf-8")
    return path
