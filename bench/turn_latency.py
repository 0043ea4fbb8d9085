"""Turn latency through the whole stack: POST /api/chat -> Flask -> Rasa -> action server.

What: the three real processes (scripts/stack.py `running_stack`) on spare loopback ports, with
their own tracker and app databases in a temporary folder and the rate limits lifted. Worker
threads, one requests.Session each, play short conversations — each conversation its own id:

    "bonjour" (greet) · a knowledge question · "hello" (greet, English) · a knowledge question ·
    "suis-je prêt à vendre en Chine ?" (form start) · "nous faisons du chocolat" (form step) ·
    "35 personnes" (form step)

Knowledge questions rotate through the in-scope gold questions (tests/data/gold.yml). A
question the action server has not seen before is marked `fresh` (it pays its embedding), a
repeated one is served from the engine's query cache. Levels of 1, 10, 20 and 50 concurrent
sessions, each bounded by a turn budget and a time limit, give p50/p95/p99 per turn type,
throughput (turns/s) and errors (non-200 or no reply). The CPU seconds each process burns per
turn (from /proc/<pid>/stat) say which process limits throughput on this machine, and single
calls straight to Rasa's REST channel and to the action server's /webhook split a knowledge
turn into its web, Rasa and action parts.

Why: the user-facing numbers. Targets: knowledge turn p95 <= 200 ms with one session; >= 25
turns/s at 20 sessions with p95 <= 1 s and no error; knowledge/greet p50 ratio <= 1.5 (a
knowledge answer should not feel slower than small talk).

Reproduce:  make setup && python -m bench.turn_latency
            (--quick: levels 1 and 20, two conversations per session (four with one
            session), 30 s per level)
"""
from __future__ import annotations

import itertools
import threading
import time
import uuid
from typing import Any

from bench.common import (
    GOLD,
    LoadSampler,
    cpu_seconds,
    free_ports,
    header,
    knowledge_webhook_body,
    parse_args,
    proc_status,
    say,
    store,
    summary,
    temp_dir,
    torch_loaded,
)

GREET_FR, GREET_EN = "bonjour", "hello"
FORM = [("suis-je prêt à vendre en Chine ?", "Que vendez-vous"),
        ("nous faisons du chocolat", "Combien de personnes"),
        ("35 personnes", "Exportez-vous")]
REQUEST_TIMEOUT = 30.0


class Questions:
    """In-scope gold questions in rotation, shared by all workers; remembers what was asked."""

    def __init__(self, gold):
        self._cycle = itertools.cycle([q for q in gold if q.in_scope and not q.previous])
        self._asked: set = set()
        self._lock = threading.Lock()

    def next(self):
        with self._lock:
            q = next(self._cycle)
            fresh = q.text not in self._asked
            self._asked.add(q.text)
            return q, fresh


def conversation(questions: Questions) -> list[dict]:
    """The turns of one conversation, in order."""
    k1, fresh1 = questions.next()
    k2, fresh2 = questions.next()
    turns = [{"kind": "greet", "text": GREET_FR, "lang": "fr", "first": True},
             {"kind": "knowledge", "text": k1.text, "lang": k1.lang, "fresh": fresh1},
             {"kind": "greet", "text": GREET_EN, "lang": "en"},
             {"kind": "knowledge", "text": k2.text, "lang": k2.lang, "fresh": fresh2}]
    for number, (text, expect) in enumerate(FORM):
        turns.append({"kind": "form_start" if number == 0 else "form_step", "text": text,
                      "lang": "fr", "expect": expect})
    return turns


class Budget:
    """Turn tickets for one level: stops handing them out at `turns` or at the deadline."""

    def __init__(self, turns: int, seconds: float):
        self.left = turns
        self.deadline = time.monotonic() + seconds
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0 or time.monotonic() > self.deadline:
                return False
            self.left -= 1
            return True


def chat_turn(http, url: str, session: dict, turn: dict) -> dict:
    """One turn of a conversation; `session` holds the token the server issued on its first
    turn (none yet: the turn starts the conversation)."""
    started = time.perf_counter()
    record = {"kind": turn["kind"], "fresh": turn.get("fresh"), "first": turn.get("first", False)}
    body = {"message": turn["text"], "lang": turn["lang"]}
    if session.get("token"):
        body["session"] = session["token"]
    try:
        reply = http.post(url, json=body, timeout=REQUEST_TIMEOUT)
        record["ms"] = 1000 * (time.perf_counter() - started)
        record["status"] = reply.status_code
        if reply.status_code == 200:
            session["token"] = reply.json().get("session")
            messages = reply.json().get("messages", [])
            kinds = [m["payload"].get("type") for m in messages if "payload" in m]
            record["payload"] = kinds[0] if kinds else None
            if "expect" in turn:
                record["as_expected"] = any(turn["expect"] in (m.get("text") or "")
                                            for m in messages)
    except Exception as exc:  # timeouts, resets: counted as errors
        record["ms"] = 1000 * (time.perf_counter() - started)
        record["status"] = f"{type(exc).__name__}"
    return record


def worker(base_url: str, level: int, number: int, questions: Questions, budget: Budget,
           records: list[dict], lock: threading.Lock) -> None:
    import requests

    url = base_url + "/api/chat"
    with requests.Session() as http:
        while True:
            session: dict = {}  # a new conversation: the server issues its token
            for turn in conversation(questions):
                if not budget.take():
                    return
                record = chat_turn(http, url, session, turn)
                record["level"] = level
                with lock:
                    records.append(record)


def run_level(base_url: str, sessions: int, turns: int, seconds: float, questions: Questions,
              pids: dict[str, int]) -> dict:
    records: list[dict] = []
    lock = threading.Lock()
    budget = Budget(turns, seconds)
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True,
                                args=(base_url, sessions, n, questions, budget, records, lock))
               for n in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:  # each worker stops at the budget; a request times out at 30 s
        thread.join(timeout=seconds + REQUEST_TIMEOUT + 30)
    wall = time.perf_counter() - started
    cpu_after = {name: cpu_seconds(pid) for name, pid in pids.items()}
    ok = [r for r in records if r["status"] == 200]
    errors = [r for r in records if r["status"] != 200]
    by_kind: dict[str, dict] = {}
    for kind in ("greet", "knowledge", "form_start", "form_step"):
        by_kind[kind] = summary([r["ms"] for r in ok if r["kind"] == kind])
    by_kind["greet_mid_conversation"] = summary(
        [r["ms"] for r in ok if r["kind"] == "greet" and not r["first"]])
    by_kind["greet_first_turn"] = summary(
        [r["ms"] for r in ok if r["kind"] == "greet" and r["first"]])
    by_kind["knowledge_fresh"] = summary(
        [r["ms"] for r in ok if r["kind"] == "knowledge" and r["fresh"]])
    by_kind["knowledge_repeat"] = summary(
        [r["ms"] for r in ok if r["kind"] == "knowledge" and not r["fresh"]])
    cpu = {name: round(cpu_after[name] - cpu_before[name], 2)
           for name in pids if cpu_before[name] is not None and cpu_after[name] is not None}
    payloads: dict[str, int] = {}
    for r in ok:
        if r["kind"] == "knowledge":
            key = str(r.get("payload"))
            payloads[key] = payloads.get(key, 0) + 1
    return {
        "sessions": sessions, "turn_budget": turns, "time_limit_s": seconds,
        "turns": len(records), "ok": len(ok), "errors": len(errors),
        "error_kinds": sorted({str(r["status"]) for r in errors}),
        "wall_s": round(wall, 2), "throughput_tps": round(len(ok) / wall, 2) if wall else 0,
        "all": summary([r["ms"] for r in ok]), "by_kind": by_kind,
        "knowledge_payloads": payloads,
        "form_unexpected_replies": sum(1 for r in ok if r.get("as_expected") is False),
        "cpu_seconds": cpu,
        "cpu_ms_per_turn": {n: round(1000 * v / max(len(ok), 1), 1) for n, v in cpu.items()},
    }


def direct_calls(stack, questions: Questions, count: int) -> dict:
    """The same kind of knowledge turn through the web app, straight to Rasa's REST channel,
    and the knowledge action alone on the action server's /webhook — interleaved, one call at
    a time, so the three see the same machine load and their differences are the web app's
    and Rasa's share of a turn."""
    import requests

    timings: dict[str, list[float]] = {"web": [], "rasa": [], "action": [], "rasa_greet": []}
    rasa_url = f"http://127.0.0.1:{stack.ports.rasa}/webhooks/rest/webhook"
    with requests.Session() as http:
        def timed(key: str | None, url: str, body: dict) -> Any:
            started = time.perf_counter()
            reply = http.post(url, json=body, timeout=REQUEST_TIMEOUT)
            reply.raise_for_status()
            if key:
                timings[key].append(1000 * (time.perf_counter() - started))
            return reply.json()

        for n in range(count):
            q, _ = questions.next()
            token = timed(None, stack.web_url + "/api/chat",
                          {"message": GREET_FR, "lang": "fr"})["session"]
            timed("web", stack.web_url + "/api/chat",
                  {"session": token, "message": q.text, "lang": q.lang})
            sender = f"bench-direct-{uuid.uuid4().hex[:12]}"
            q, _ = questions.next()
            timed("rasa_greet", rasa_url,
                  {"sender": sender, "message": GREET_FR, "metadata": {"lang": "fr"}})
            timed("rasa", rasa_url, {"sender": sender, "message": q.text,
                                     "metadata": {"lang": q.lang}})
            # A question the action server has not embedded yet (text made unique).
            q, _ = questions.next()
            body = knowledge_webhook_body(f"{q.text} ({n})", q.lang, sender)
            timed("action", f"http://127.0.0.1:{stack.ports.actions}/webhook", body)
    return {"count": count,
            "web_api_chat_knowledge_ms": summary(timings["web"]),
            "rasa_rest_knowledge_ms": summary(timings["rasa"]),
            "rasa_rest_greet_first_turn_ms": summary(timings["rasa_greet"]),
            "action_webhook_knowledge_uncached_ms": summary(timings["action"])}


def turn_budget(sessions: int, script_length: int, conversations: int | None) -> int:
    """Turns for one level: at least 200 (full), and enough for every session to play a whole
    conversation (so every turn type is measured at every level); with --quick, a few whole
    conversations per session and at least four for one session."""
    if conversations:
        return script_length * max(4, sessions * conversations)
    return max(200, script_length * sessions)


def main() -> None:
    args = parse_args(__doc__)
    from bot.knowledge.evaluation import load_gold
    from scripts.stack import Ports, running_stack

    levels = [1, 20] if args.quick else [1, 10, 20, 50]
    conversations_per_session = 2 if args.quick else None
    seconds = 30.0 if args.quick else 60.0
    script_length = len(conversation(Questions(load_gold(GOLD))))
    work = temp_dir("turns")
    rasa, actions, web = free_ports(3)
    env = {"AWEX_RATE_LIMIT_PER_IP": "1000000", "AWEX_RATE_LIMIT_PER_SESSION": "1000000",
           "TRACKER_SQLITE_PATH": str(work / "tracker.db"),
           "DATABASE_URL": f"sqlite:///{work / 'app.db'}"}
    questions = Questions(load_gold(GOLD))
    say(f"starting the stack on ports rasa {rasa}, actions {actions}, web {web} (logs in {work})")
    started = time.perf_counter()
    results: dict = {"levels": []}
    with LoadSampler() as load:
        with running_stack(Ports(rasa=rasa, actions=actions, web=web), work / "logs", env) as stack:
            results["stack_ready_s"] = round(time.perf_counter() - started, 1)
            pids = {name: p.pid for name, p in stack.processes.items()}
            say(f"ready in {results['stack_ready_s']} s; one warm-up conversation")
            warm = run_level(stack.web_url, 1, script_length, 120.0, questions, pids)
            results["warm_up"] = {"errors": warm["errors"], "all": warm["all"]}
            for sessions in levels:
                turns = turn_budget(sessions, script_length, conversations_per_session)
                say(f"{sessions} session(s): up to {turns} turns or {seconds:.0f} s")
                level = run_level(stack.web_url, sessions, turns, seconds, questions, pids)
                results["levels"].append(level)
                say(f"  {level['ok']} ok, {level['errors']} errors, "
                    f"{level['throughput_tps']} turns/s, p50 {level['all'].get('p50')} ms, "
                    f"p95 {level['all'].get('p95')} ms; knowledge p95 "
                    f"{level['by_kind']['knowledge'].get('p95')} ms")
            say("direct calls: Rasa REST and the action server's /webhook")
            results["direct"] = direct_calls(stack, questions, 10 if args.quick else 40)
            results["memory_mib"] = {name: proc_status(pid) for name, pid in pids.items()}
            results["torch_loaded"] = {name: torch_loaded(pid) for name, pid in pids.items()}
    data = header("turn_latency", args.quick, load.result())
    data.update(results)
    data["ports"] = {"rasa": rasa, "actions": actions, "web": web}
    data["conversation"] = [t["kind"] for t in conversation(Questions(load_gold(GOLD)))]
    one = next(level for level in results["levels"] if level["sessions"] == 1)
    greet_mid = one["by_kind"]["greet_mid_conversation"].get("p50")
    knowledge = one["by_kind"]["knowledge"].get("p50")
    data["ratio_knowledge_greet_p50"] = round(knowledge / greet_mid, 2) if greet_mid else None
    greet_all = one["by_kind"]["greet"].get("p50")
    data["ratio_knowledge_greet_all_p50"] = round(knowledge / greet_all, 2) if greet_all else None
    store(args.results, "turn_latency", data)
    say(f"knowledge/greet p50 ratio at 1 session: {data['ratio_knowledge_greet_p50']}")


if __name__ == "__main__":
    main()
