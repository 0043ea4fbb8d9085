"""Where Rasa's time goes per turn: cProfile of `rasa run`, loaded minus idle, per turn.

What: Rasa (the trained model, var/models/awex.tar.gz) started under `python -m cProfile` on a
spare port, with a real action server beside it and its own SQLite tracker in a temporary
folder. Two runs: a baseline (start, one warm-up conversation, stop) and a loaded one (the
same, then N conversations of the turn-latency script straight to the REST channel, one turn
at a time). Rasa is stopped with SIGINT so cProfile writes its file. The difference of the two
profiles, divided by the number of turns, is what one turn costs in Rasa's main thread, by
function, with start-up and model loading cancelled out. The CPU seconds the Rasa process used
during the turns (from /proc/<pid>/stat) are reported beside it: cProfile's own overhead
inflates the profile, the CPU figure is the unprofiled-equivalent order of magnitude.
Time spent waiting in the event loop (epoll) is idle — the action server working, or nothing.

Why: the turn-latency benchmark shows Rasa burning most of the CPU of a turn; on 2 cores
that caps throughput whatever the concurrency. This says on what.

Reproduce:  make setup && HF_HUB_OFFLINE=1 var/venv-app/bin/python bench/profile_rasa.py
            (--quick: 3 conversations instead of 15)
"""
from __future__ import annotations

import json
import os
import pstats
import signal
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Dict, List

from common import (GOLD, ROOT, VAR, LoadSampler, cpu_seconds, free_ports, header,
                    parse_args, say, store, temp_dir)
from profile_turn import _where

IDLE = ("poll", "select", "epoll")


def rest(port: int, sender: str, text: str, lang: str) -> List:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text, "metadata": {"lang": lang}}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as reply:
        return json.loads(reply.read())


def conversation_turns(questions) -> List[tuple]:
    from turn_latency import conversation

    return [(t["text"], t["lang"]) for t in conversation(questions)]


def profiled_rasa(stack, profile_file: Path, conversations: int, questions, log: Path) -> Dict:
    command = stack.commands()["rasa"]
    python = str(VAR / "venv-rasa" / "bin" / "python")
    command = [python, "-m", "cProfile", "-o", str(profile_file)] + command
    with open(log, "ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=stack.environment(),
                                   stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        url = f"http://127.0.0.1:{stack.ports.rasa}/webhooks/rest/"
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"Rasa did not start; see {log}")
                time.sleep(0.5)
        for text, lang in conversation_turns(questions):  # warm-up, in both runs
            rest(stack.ports.rasa, f"bench-warm-{uuid.uuid4().hex[:8]}", text, lang)
        cpu_before = cpu_seconds(process.pid)
        started = time.perf_counter()
        turns = 0
        for _ in range(conversations):
            sender = f"bench-rasa-{uuid.uuid4().hex[:12]}"
            for text, lang in conversation_turns(questions):
                rest(stack.ports.rasa, sender, text, lang)
                turns += 1
        wall = time.perf_counter() - started
        cpu = cpu_seconds(process.pid) - cpu_before
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGINT)  # graceful: cProfile writes its file
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    if not profile_file.exists():
        raise RuntimeError(f"Rasa stopped without writing {profile_file}; see {log}")
    return {"turns": turns, "wall_s": wall, "cpu_s": cpu}


def difference(loaded: Path, baseline: Path, turns: int) -> List[Dict]:
    a, b = pstats.Stats(str(loaded)).stats, pstats.Stats(str(baseline)).stats
    rows = []
    for key, (cc, nc, tt, ct, _callers) in a.items():
        _, bnc, btt, bct, _ = b.get(key, (0, 0, 0.0, 0.0, None))
        filename, line, function = key
        rows.append({"function": function, "where": f"{_where(filename)}:{line}",
                     "calls_per_turn": round((nc - bnc) / turns, 1),
                     "own_ms_per_turn": round(1000 * (tt - btt) / turns, 2),
                     "cum_ms_per_turn": round(1000 * (ct - bct) / turns, 2),
                     "idle": any(word in function for word in IDLE)})
    return rows


def main() -> None:
    args = parse_args(__doc__)
    conversations = 3 if args.quick else 15
    from bot.knowledge.evaluation import load_gold
    from scripts.stack import Ports, Stack
    from turn_latency import Questions

    work = temp_dir("rasa-profile")
    rasa, actions = free_ports(35305, 2)
    stack = Stack(Ports(rasa=rasa, actions=actions, web=1), work / "logs",
                  {"DATABASE_URL": f"sqlite:///{work / 'app.db'}",
                   "TRACKER_SQLITE_PATH": str(work / "tracker.db")})
    questions = Questions(load_gold(GOLD))
    runs = {}
    with LoadSampler() as load:
        stack.start(["actions"])
        try:
            stack.wait_ready(names=["actions"])
            stack.warm_up()
            for name, count in (("baseline", 0), ("loaded", conversations)):
                say(f"Rasa under cProfile, {name} run ({count} conversations)")
                runs[name] = profiled_rasa(stack, work / f"{name}.prof", count, questions,
                                           work / "logs" / f"rasa-{name}.log")
        finally:
            stack.stop()
    turns = runs["loaded"]["turns"]
    rows = difference(work / "loaded.prof", work / "baseline.prof", turns)
    busy = [r for r in rows if not r["idle"]]
    idle_ms = sum(r["own_ms_per_turn"] for r in rows if r["idle"])
    own_total = sum(r["own_ms_per_turn"] for r in busy if r["own_ms_per_turn"] > 0)
    data = header("profile_rasa", args.quick, load.result())
    data.update({
        "conversations": conversations, "turns": turns,
        "wall_ms_per_turn_profiled": round(1000 * runs["loaded"]["wall_s"] / turns, 1),
        "cpu_ms_per_turn_profiled": round(1000 * runs["loaded"]["cpu_s"] / turns, 1),
        "profiled_busy_ms_per_turn": round(own_total, 1),
        "idle_ms_per_turn": round(idle_ms, 1),
        "top_by_own_time": sorted(busy, key=lambda r: -r["own_ms_per_turn"])[:20],
        "top_by_cumulative_time": sorted(busy, key=lambda r: -r["cum_ms_per_turn"])[:40],
    })
    store(args.results, "profile_rasa", data)
    say(f"{turns} turns: {data['cpu_ms_per_turn_profiled']} ms CPU/turn under the profiler")
    for row in data["top_by_own_time"][:10]:
        say(f"  {row['own_ms_per_turn']:8.2f} ms/turn  {row['function']}  {row['where']}")


if __name__ == "__main__":
    main()
