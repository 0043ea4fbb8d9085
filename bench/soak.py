"""Soak: N sessions x M turns through the whole stack on loopback, bounded, stops by itself.

Checks what a long, steady load must not do: produce errors, let a process's memory grow
without bound, or lose turns (every conversation must be complete in the tracker store).
Stores its figures under "soak" in docs/bench/results.json; the report shows them.

Reproduce:  python -m bench.soak   (--sessions 20 --turns 15 by default; --quick: 4 x 5)
"""
from __future__ import annotations

import sqlite3
import statistics
import sys
import threading
import time

from bench.common import (
    LoadSampler,
    free_ports,
    header,
    parse_args,
    proc_status,
    say,
    store,
    summary,
    temp_dir,
)

TURNS = ["bonjour", "Peut-on vendre en Chine depuis le site web de sa PME ?",
         "Combien coûte l'ouverture d'une boutique sur Tmall Global ?",
         "suis-je prêt à vendre en Chine ?", "nous faisons du chocolat", "35 personnes",
         "Quelles sont les limites d'achat en transfrontalier ?", "en France", "/affirm",
         "c'est quoi un KOL ?", "/deny", "/affirm", "demande en cours", "50 000 €", "merci"]
MAX_SECONDS = 900


def growth(samples: list[float]) -> dict[str, float | list[float]]:
    """Memory at the start and end of the run (medians of the first and last quarter), and the
    median of each quarter: a process whose memory is bounded plateaus (its last quarters
    agree), one that leaks keeps climbing."""
    if not samples:
        return {}
    quarter = max(1, len(samples) // 4)
    quarters = [samples[i * quarter:(i + 1) * quarter] for i in range(3)] + \
        [samples[3 * quarter:]]
    return {"start_mib": round(statistics.median(samples[:quarter]), 1),
            "end_mib": round(statistics.median(samples[-quarter:]), 1),
            "max_mib": round(max(samples), 1),
            "quarters_mib": [round(statistics.median(q), 1) for q in quarters if q]}


def main() -> None:
    def extra(parser):
        parser.add_argument("--sessions", type=int, default=20)
        parser.add_argument("--turns", type=int, default=15)

    args = parse_args(__doc__, extra)
    import requests

    from scripts.stack import Ports, running_stack

    if args.quick:
        args.sessions, args.turns = 4, 5
    work = temp_dir("soak")
    env = {"TRACKER_SQLITE_PATH": str(work / "tracker.db"),
           "DATABASE_URL": f"sqlite:///{work / 'app.db'}",
           "AWEX_RATE_LIMIT_PER_IP": "1000000", "AWEX_RATE_LIMIT_PER_SESSION": "1000000"}
    rasa, actions, web = free_ports(3)
    latencies: list[float] = []
    errors: list[str] = []
    memory: dict[str, list[float]] = {"actions": [], "rasa": [], "web": []}
    conversations: list[str] = []  # ids the server issued (the part of a token before the dot)
    deadline = time.monotonic() + MAX_SECONDS
    say(f"{args.sessions} sessions x {args.turns} turns (logs in {work})")
    with LoadSampler() as load, running_stack(Ports(rasa=rasa, actions=actions, web=web),
                                               work / "logs", env) as stack:
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                for name, process in stack.processes.items():
                    memory[name].append(proc_status(process.pid).get("VmRSS", 0.0))
                stop.wait(2.0)

        def session(number: int) -> None:
            http = requests.Session()
            token = None  # issued by the server on the first turn
            for turn in range(args.turns):
                if time.monotonic() > deadline:
                    errors.append(f"session {number}: stopped at the time limit")
                    return
                started = time.perf_counter()
                body = {"lang": "fr", "message": TURNS[turn % len(TURNS)]}
                if token:
                    body["session"] = token
                try:
                    reply = http.post(f"{stack.web_url}/api/chat", timeout=60, json=body)
                    if reply.status_code == 200:
                        if token is None:
                            conversations.append(reply.json()["session"].split(".")[0])
                        token = reply.json()["session"]
                    else:
                        errors.append(f"session {number} turn {turn}: HTTP {reply.status_code}")
                except requests.RequestException as exc:
                    errors.append(f"session {number} turn {turn}: {exc}")
                latencies.append(1000 * (time.perf_counter() - started))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        began = time.perf_counter()
        workers = [threading.Thread(target=session, args=(n,)) for n in range(args.sessions)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.perf_counter() - began
        stop.set()
        sampler.join()
    with sqlite3.connect(work / "tracker.db") as db:
        counts = {sender: n for sender, n in db.execute(
            "SELECT sender_id, COUNT(*) FROM events WHERE type_name='user' GROUP BY sender_id")
            if sender in conversations}
    incomplete = sum(1 for n in counts.values() if n != args.turns)
    data = header("soak", args.quick, load.result())
    data.update({
        "sessions": args.sessions, "turns_per_session": args.turns,
        "turns": len(latencies), "seconds": round(elapsed, 1),
        "turns_per_second": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "latency_ms": summary(latencies, 1),
        "errors": len(errors), "error_examples": errors[:5],
        "conversations_complete": len(counts) - incomplete,
        "conversations_incomplete": incomplete + args.sessions - len(counts),
        "memory": {name: growth(samples) for name, samples in memory.items()},
    })
    store(args.results, "soak", data)
    say(f"{data['turns']} turns, {data['errors']} errors, p95 {data['latency_ms'].get('p95')} "
        f"ms, {data['conversations_complete']}/{args.sessions} conversations complete")
    sys.exit(0 if not errors and not data["conversations_incomplete"] else 1)


if __name__ == "__main__":
    main()
