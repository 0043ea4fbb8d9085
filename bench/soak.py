"""Soak: N sessions x M turns through the whole stack on loopback, bounded, stops by itself.

Checks what a long, steady load must not do: produce errors, let a process's memory grow
without bound, or lose turns (every conversation must be complete in the tracker store).
Writes docs/bench/soak.md and docs/bench/soak.json.

Reproduce: `var/venv-app/bin/python bench/soak.py` (`--sessions 20 --turns 15` by default;
`--quick` for 4 x 5).
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Dict, List

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.stack import Ports, running_stack  # noqa: E402

PORTS = Ports(rasa=35005, actions=35055, web=38080)
TURNS = ["bonjour", "Peut-on vendre en Chine depuis le site web de sa PME ?",
         "Combien coûte l'ouverture d'une boutique sur Tmall Global ?",
         "suis-je prêt à vendre en Chine ?", "nous faisons du chocolat", "35 personnes",
         "Quelles sont les limites d'achat en transfrontalier ?", "en France", "/affirm",
         "c'est quoi un KOL ?", "/deny", "/affirm", "demande en cours", "50 000 €", "merci"]
MAX_SECONDS = 900


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (Rasa forks none; sanic may)."""
    total = 0.0
    for candidate in [pid] + _children(pid):
        try:
            for line in Path(f"/proc/{candidate}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _children(pid: int) -> List[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--turns", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="4 sessions x 5 turns")
    args = parser.parse_args()
    if args.quick:
        args.sessions, args.turns = 4, 5
    work = Path(tempfile.mkdtemp(prefix="awex-soak-"))
    env = {"TRACKER_SQLITE_PATH": str(work / "tracker.db"),
           "DATABASE_URL": f"sqlite:///{work / 'app.db'}",
           "AWEX_RATE_LIMIT_PER_IP": "1000000", "AWEX_RATE_LIMIT_PER_SESSION": "1000000"}
    latencies: List[float] = []
    errors: List[str] = []
    memory: Dict[str, List[float]] = {"actions": [], "rasa": [], "web": []}
    conversations: List[str] = []  # ids the server issued (the part of a token before the dot)
    deadline = time.monotonic() + MAX_SECONDS
    with running_stack(PORTS, work / "logs", env) as stack:
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                for name, process in stack.processes.items():
                    memory[name].append(rss_mb(process.pid))
                stop.wait(2.0)

        def session(number: int) -> None:
            http = requests.Session()
            token = None  # issued by the server on the first turn
            for turn in range(args.turns):
                if time.monotonic() > deadline:
                    errors.append(f"session {number}: stopped at the time limit")
                    return
                started = time.perf_counter()
                try:
                    body = {"lang": "fr", "message": TURNS[turn % len(TURNS)]}
                    if token:
                        body["session"] = token
                    reply = http.post(f"{stack.web_url}/api/chat", timeout=60, json=body)
                    if reply.status_code == 200:
                        if token is None:
                            conversations.append(reply.json()["session"].split(".")[0])
                        token = reply.json()["session"]
                    else:
                        errors.append(f"session {number} turn {turn}: HTTP {reply.status_code}")
                except requests.RequestException as exc:
                    errors.append(f"session {number} turn {turn}: {exc}")
                latencies.append(time.perf_counter() - started)

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
    incomplete = {s: n for s, n in counts.items() if n != args.turns}
    missing = args.sessions - len(counts)
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def growth(samples: List[float]) -> Dict[str, float]:
        """Memory at the start and end of the run (medians of the first and last quarter)."""
        quarter = max(1, len(samples) // 4)
        return {"start_mb": round(statistics.median(samples[:quarter]), 1),
                "end_mb": round(statistics.median(samples[-quarter:]), 1),
                "max_mb": round(max(samples), 1)} if samples else {}

    result = {
        "sessions": args.sessions, "turns_per_session": args.turns,
        "turns": len(latencies), "seconds": round(elapsed, 1),
        "turns_per_second": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "latency_ms": {"p50": round(pct(0.5), 1), "p95": round(pct(0.95), 1),
                       "p99": round(pct(0.99), 1)},
        "errors": len(errors), "error_examples": errors[:5],
        "conversations_complete": len(counts) - len(incomplete),
        "conversations_incomplete": len(incomplete) + missing,
        "memory": {name: growth(samples) for name, samples in memory.items()},
    }
    out = ROOT / "docs" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(result, indent=2), "utf-8")
    lines = [f"# Soak run: {args.sessions} sessions x {args.turns} turns", "",
             f"Reproduce: `var/venv-app/bin/python bench/soak.py --sessions {args.sessions} "
             f"--turns {args.turns}`", "",
             f"- turns: {result['turns']} in {result['seconds']} s "
             f"({result['turns_per_second']} turns/s)",
             f"- latency p50/p95/p99: {result['latency_ms']['p50']} / "
             f"{result['latency_ms']['p95']} / {result['latency_ms']['p99']} ms",
             f"- errors: {result['errors']}",
             f"- conversations complete in the tracker store: "
             f"{result['conversations_complete']} of {args.sessions}", "",
             "| process | RSS at start (MB) | RSS at end (MB) | max (MB) |", "|---|---|---|---|"]
    for name, m in result["memory"].items():
        if m:
            lines.append(f"| {name} | {m['start_mb']} | {m['end_mb']} | {m['max_mb']} |")
    (out / "soak.md").write_text("\n".join(lines) + "\n", "utf-8")
    print("\n".join(lines))
    ok = not errors and not incomplete and not missing
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
