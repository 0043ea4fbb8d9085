"""Fill bench/report_template.md from docs/bench/results.json: numbers and verdicts only.

Not a benchmark: bench.run_all calls `write_report` after the scripts ran (or alone with
--report-only). No sentence here depends on a threshold: explaining a figure is the job of
docs/bench/analysis.md, written by a person who looked at it.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from string import Template

from bench.common import machine

TEMPLATE = Path(__file__).with_name("report_template.md")
MEMORY_100K_MIB = 1.2e9 / 2 ** 20  # 1.2 GB read as 1.2 x 10^9 bytes = 1144 MiB


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):  # shares and ratios keep three digits
        return f"{value:,.{3 if abs(value) < 1 else digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(headers: Sequence[str], rows: list[Sequence]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def run_line(data: dict) -> str:
    """Mode, date, commit, encoder and load of one benchmark's run."""
    if not data:
        return "*Not measured.*"
    load = data.get("load_average") or {}
    load_text = (f"load average {load['min']}–{load['max']} on {load['cores']} cores" if load
                 else "load average not recorded")
    return (f"*{data.get('mode', '?')} run, {data.get('date', '?')}, commit "
            f"`{data.get('commit', '?')}`, encoder `{data.get('encoder', '?')}`, {load_text}.*")


def level(turns: dict, sessions: int) -> dict:
    return next((x for x in turns.get("levels", []) if x["sessions"] == sessions), {})


def scale_row(scale: dict, size: int) -> dict:
    return next((r for r in scale.get("sizes", []) if r["sections"] == size), {})


def p(stats: dict | None, key: str = "p95") -> float | None:
    return (stats or {}).get(key)


# -- targets --------------------------------------------------------------------------------
def verdict(measured, limit, higher_is_better: bool = False) -> str:
    if measured is None:
        return "not measured"
    if limit is None:
        return "reported"
    ok = measured >= limit if higher_is_better else measured <= limit
    return "**met**" if ok else "**missed**"


def targets(r: dict) -> str:
    turns, engine = r.get("turn_latency", {}), r.get("engine_latency", {})
    scale, cold, soak = r.get("scale", {}), r.get("cold_start", {}), r.get("soak", {})
    one, twenty = level(turns, 1), level(turns, 20)
    k10, k100 = scale_row(scale, 10000), scale_row(scale, 100000)

    def shipped(row: dict) -> float | None:
        return p(row.get(row.get("shipped_vector_index", ""), {}).get("uncached", {}).get("total"))

    rows = [  # (what, target text, measured, unit, limit, higher is better)
        ("Knowledge turn p95, 1 session (POST /api/chat)", "≤ 200 ms",
         p(one.get("by_kind", {}).get("knowledge")), "ms", 200.0, False),
        ("Throughput, 20 sessions", "≥ 25 turns/s", twenty.get("throughput_tps"), "turns/s",
         25.0, True),
        ("p95 of all turns, 20 sessions", "≤ 1,000 ms", p(twenty.get("all")), "ms", 1000.0,
         False),
        ("Errors, 20 sessions", "0", twenty.get("errors"), "", 0, False),
        ("Knowledge / greet latency at p50, 1 session", "≤ 1.5",
         turns.get("ratio_knowledge_greet_p50"), "", 1.5, False),
        ("Engine p95, shipped corpus, uncached", "≤ 30 ms",
         p(engine.get("uncached", {}).get("total")), "ms", 30.0, False),
        ("Engine p95 at 10k sections", "≤ 20 ms", shipped(k10), "ms", 20.0, False),
        ("Engine p95 at 100k sections", "≤ 40 ms", shipped(k100), "ms", 40.0, False),
        ("HNSW recall@10 vs flat at 100k", "≥ 0.95", k100.get("recall_at_10"), "", 0.95, True),
        ("Resident memory, action-server-like process, 100k index", "≤ 1,144 MiB",
         k100.get("hnsw", {}).get("rss_mib"), "MiB", MEMORY_100K_MIB, False),
        ("Action server resident memory after its first answer (median)", "reported",
         cold.get("summary", {}).get("action_server_rss_mib", {}).get("median"), "MiB", None,
         False),
        ("Soak errors", "0", soak.get("errors"), "", 0, False),
        ("Soak conversations incomplete in the tracker store", "0",
         soak.get("conversations_incomplete"), "", 0, False),
    ]
    out = [(what, target, f"{fmt(m)} {unit}".strip() if m is not None else "—",
            verdict(m, limit, higher)) for what, target, m, unit, limit, higher in rows]
    if "action_server_torch_loaded" in cold:
        torch = cold["action_server_torch_loaded"]
        out.append(("torch not loaded in the action server (e5 encoder)", "no",
                    fmt(torch), "**met**" if not torch else "**missed**"))
    return table(["target", "limit", "measured", "verdict"], out)


# -- sections -------------------------------------------------------------------------------
def stage_rows(cases: dict[str, dict], stages: Sequence[str]) -> list[list]:
    return [[case, stage, p(s.get(stage), "p50"), p(s.get(stage)), p(s.get(stage), "p99"),
             p(s.get(stage), "n")] for case, s in cases.items() for stage in stages if s.get(stage)]


def engine_section(e: dict) -> str:
    if not e:
        return run_line(e)
    index = e.get("index", {})
    facts = table(["index keys", "articles", "vector index", "encoder", "queries",
                   "load + warm-up (s)", "outcomes"],
                  [[index.get("keys"), index.get("articles"), index.get("vector_index"),
                    index.get("model"), e.get("queries"), e.get("load_and_warm_up_seconds"),
                    ", ".join(f"{k} {v}" for k, v in e.get("statuses", {}).items())]])
    stages = ("embedding", "dense_search", "lexical", "fusion", "total")
    timings = table(["case", "stage", "p50", "p95", "p99", "n"],
                    stage_rows({c: e.get(c, {}) for c in ("uncached", "cached")}, stages))
    return f"{run_line(e)}\n\n{facts}\n\n{timings}"


def turns_section(t: dict) -> str:
    if not t:
        return run_line(t)
    kinds = ("knowledge", "knowledge_fresh", "greet_mid_conversation", "greet_first_turn",
             "form_start", "form_step")
    rows = []
    for x in t.get("levels", []):
        cpu = x.get("cpu_ms_per_turn", {})
        rows.append([x["sessions"], x["ok"], x["errors"], x["throughput_tps"],
                     p(x["all"], "p50"), p(x["all"]),
                     *(p(x["by_kind"].get(k)) for k in kinds),
                     " / ".join(fmt(cpu.get(n)) for n in ("rasa", "actions", "web"))])
    levels = table(["sessions", "ok", "errors", "turns/s", "all p50", "all p95",
                    *(f"{k} p95" for k in kinds), "CPU ms/turn rasa / actions / web"], rows)
    d = t.get("direct", {})
    direct = table(["one knowledge turn", "p50", "p95", "n"], [
        [label, p(d.get(key), "p50"), p(d.get(key)), p(d.get(key), "n")] for label, key in (
            ("through the web app (/api/chat)", "web_api_chat_knowledge_ms"),
            ("straight to Rasa (REST channel)", "rasa_rest_knowledge_ms"),
            ("knowledge action alone (/webhook, uncached)",
             "action_webhook_knowledge_uncached_ms"))])
    memory = table(["process", "RSS (MiB)", "peak (MiB)", "threads", "torch loaded"], [
        [n, m.get("VmRSS"), m.get("VmHWM"), m.get("Threads"),
         (t.get("torch_loaded") or {}).get(n)] for n, m in t.get("memory_mib", {}).items()])
    ratios = table(["knowledge / greet p50 (mid-conversation greets)", "against every greet"],
                   [[t.get("ratio_knowledge_greet_p50"), t.get("ratio_knowledge_greet_all_p50")]])
    return "\n\n".join([run_line(t), levels, ratios, direct, memory])


def scale_section(s: dict) -> str:
    if not s:
        return run_line(s)
    rows = []
    for r in s.get("sizes", []):
        for kind in ("flat", "hnsw"):
            x = r.get(kind, {})
            rows.append([r["sections"], kind + (" (shipped)" if kind == r.get(
                "shipped_vector_index") else ""), x.get("build_total_s"), x.get("disk_mib"),
                x.get("rss_mib"), x.get("peak_rss_mib"), p(x.get("uncached", {}).get("total")),
                p(x.get("cached", {}).get("total")), r.get("recall_at_10") if kind == "hnsw"
                else None])
    sizes = table(["sections", "vector index", "build (s)", "disk (MiB)", "RSS (MiB)",
                   "peak (MiB)", "p95 uncached", "p95 cached", "recall@10"], rows)
    how = table(["sections", "embedding", "lemmas"], [
        [r["sections"], r.get("embedding", {}).get("how"), r.get("lemmas", {}).get("how")]
        for r in s.get("sizes", [])])
    fidelity = s.get("recombination_fidelity", {})
    rates = table(["sections/s embedded", "sections/s lemmatised", "recombined cosine p50",
                   "lemma bag agreement p50", "queries"],
                  [[s.get("embedding_sections_per_s"), s.get("lemmas_sections_per_s"),
                    p(fidelity.get("cosine_to_true_embedding"), "p50"),
                    p(fidelity.get("lemma_bag_agreement"), "p50"), s.get("queries")]])
    return "\n\n".join([run_line(s), sizes, how, rates])


def cold_section(c: dict) -> str:
    if not c:
        return run_line(c)
    rows = [[k.removesuffix("_s").removesuffix("_mib").replace("_", " "),
             "MiB" if k.endswith("_mib") else "s", v.get("min"), v.get("median"), v.get("max"),
             v.get("n"), c.get("failures", {}).get(k, 0)]
            for k, v in c.get("summary", {}).items()]
    extra = f"\n\n`make run` measured as: {c['make_run_mode']}." if c.get("make_run_mode") else ""
    return (run_line(c) + "\n\n" + table(["measure", "unit", "min", "median", "max", "n",
                                          "failures"], rows) + extra)


def soak_section(s: dict) -> str:
    if not s:
        return run_line(s)
    lat = s.get("latency_ms", {})
    facts = table(["sessions × turns", "turns", "seconds", "turns/s", "p50", "p95", "p99",
                   "errors", "complete conversations"],
                  [[f"{s.get('sessions')} × {s.get('turns_per_session')}", s.get("turns"),
                    s.get("seconds"), s.get("turns_per_second"), p(lat, "p50"), p(lat),
                    p(lat, "p99"), s.get("errors"), s.get("conversations_complete")]])
    memory = table(["process", "RSS at start (MiB)", "at end (MiB)", "max (MiB)",
                    "median per quarter of the run (MiB)"],
                   [[n, m.get("start_mib"), m.get("end_mib"), m.get("max_mib"),
                     " / ".join(str(q) for q in m.get("quarters_mib", [])) or "–"]
                    for n, m in s.get("memory", {}).items() if m])
    return "\n\n".join([run_line(s), facts, memory])


def write_report(results_path: Path, out: Path, commit: str = "?",
                 runs: dict[str, dict] | None = None) -> Path:
    results = json.loads(results_path.read_text("utf-8"))
    m = next((d["machine"] for d in results.values() if isinstance(d, dict)
              and d.get("machine")), None) or machine()
    measured = ", ".join(sorted({f"encoder `{d.get('encoder', '?')}` at commit "
                                 f"`{d.get('commit', '?')}`" for d in results.values()
                                 if isinstance(d, dict) and "benchmark" in d})) or "—"
    if runs:
        measured += "; this run: " + ", ".join(
            f"{name} {r['mode']} (exit {r['exit_code']}, {r['seconds']} s)"
            for name, r in runs.items())
    text = Template(TEMPLATE.read_text("utf-8")).substitute(
        machine=(f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GiB RAM, Linux "
                 f"{m['kernel']}, Python {m['python']}"),
        written=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        commit=commit, measured=measured, targets=targets(results),
        engine=engine_section(results.get("engine_latency", {})),
        turns=turns_section(results.get("turn_latency", {})),
        scale=scale_section(results.get("scale", {})),
        cold=cold_section(results.get("cold_start", {})),
        soak=soak_section(results.get("soak", {})))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, "utf-8")
    return out
