"""Where Rasa's time goes per turn: cProfile of Rasa's main thread during the turns only.

What: Rasa (the trained model, var/models/awex.tar.gz) started through bench/_rasa_profiled.py
— `rasa run` with a profiler switched on by SIGUSR1 and off (stats written) by SIGUSR2 — on a
spare port, with a real action server beside it and its own SQLite tracker in a temporary
folder. After start-up and one warm-up conversation, the profiler is switched on, N
conversations of the turn-latency script go straight to the REST channel one turn at a time,
and the profiler is switched off: the profile holds only what the turns cost, per turn, by
function. The CPU seconds the Rasa process used meanwhile (from /proc/<pid>/stat) are given
beside it — cProfile's own overhead inflates the profiled times, the CPU figure with and
without the profiler says by how much (the turn-latency benchmark measures it unprofiled).

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

IDLE = ("poll", "select", "epoll", "run_forever")


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


def run_turns(port: int, conversations: int, questions) -> int:
    turns = 0
    for _ in range(conversations):
        sender = f"bench-rasa-{uuid.uuid4().hex[:12]}"
        for text, lang in conversation_turns(questions):
            rest(port, sender, text, lang)
            turns += 1
    return turns


def profiled_rasa(stack, profile_file: Path, conversations: int, questions, log: Path) -> Dict:
    command = stack.commands()["rasa"]
    # [rasa python, scripts/rasa_server.py, run, ...] -> the profiled launcher, same arguments
    command = [command[0], str(Path(__file__).with_name("_rasa_profiled.py"))] + command[2:]
    env = dict(stack.environment(), BENCH_PROFILE_OUT=str(profile_file))
    with open(log, "ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
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
        run_turns(stack.ports.rasa, 1, questions)  # warm-up, not profiled
        # The same number of turns without the profiler first: CPU per turn, unprofiled.
        cpu_before = cpu_seconds(process.pid)
        started = time.perf_counter()
        plain_turns = run_turns(stack.ports.rasa, conversations, questions)
        plain = {"turns": plain_turns, "wall_s": time.perf_counter() - started,
                 "cpu_s": cpu_seconds(process.pid) - cpu_before}
        os.kill(process.pid, signal.SIGUSR1)
        time.sleep(0.5)
        cpu_before = cpu_seconds(process.pid)
        started = time.perf_counter()
        turns = run_turns(stack.ports.rasa, conversations, questions)
        wall = time.perf_counter() - started
        cpu = cpu_seconds(process.pid) - cpu_before
        os.kill(process.pid, signal.SIGUSR2)
        for _ in range(120):
            if profile_file.exists() and profile_file.stat().st_size:
                break
            time.sleep(0.5)
        time.sleep(1)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    if not profile_file.exists():
        raise RuntimeError(f"Rasa wrote no profile to {profile_file}; see {log}")
    return {"turns": turns, "wall_s": wall, "cpu_s": cpu, "plain": plain}


def per_turn(profile_file: Path, turns: int) -> List[Dict]:
    rows = []
    for key, (cc, nc, tt, ct, _callers) in pstats.Stats(str(profile_file)).stats.items():
        filename, line, function = key
        rows.append({"function": function, "where": f"{_where(filename)}:{line}",
                     "calls_per_turn": round(nc / turns, 1),
                     "own_ms_per_turn": round(1000 * tt / turns, 2),
                     "cum_ms_per_turn": round(1000 * ct / turns, 2),
                     "idle": any(word in function for word in IDLE)})
    return rows


JSONSCHEMA_PROBE = """
import json, time, jsonschema
from rasa.core.actions.action import RemoteAction
schema = RemoteAction.action_response_format_spec()
result = {"events": [{"event": "slot", "timestamp": None, "name": "language", "value": "fr"}],
          "responses": [{"response": "utter_kb_answer", "buttons": [], "custom": {}}]}
cached = jsonschema.validators.validator_for(schema)(schema)
out = {"jsonschema": jsonschema.__version__}
for name, call in (("as_rasa_calls_it_ms", lambda: jsonschema.validate(result, schema)),
                   ("cached_validator_ms", lambda: cached.validate(result))):
    call()
    started = time.perf_counter()
    for _ in range(20):
        call()
    out[name] = round(1000 * (time.perf_counter() - started) / 20, 2)
print("RESULT " + json.dumps(out))
"""


def jsonschema_cost() -> Dict:
    """Rasa validates every action server reply with `jsonschema.validate`, which first
    checks the schema itself against its metaschema; time that call against a validator
    built once (what skipping the re-check would cost)."""
    done = subprocess.run([str(VAR / "venv-rasa" / "bin" / "python"), "-c", JSONSCHEMA_PROBE],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    line = next((l for l in done.stdout.splitlines() if l.startswith("RESULT ")), None)
    return json.loads(line[len("RESULT "):]) if line else {"error": done.stderr[-500:]}


def main() -> None:
    args = parse_args(__doc__)
    conversations = 3 if args.quick else 15
    from bot.knowledge.evaluation import load_gold
    from scripts.stack import Ports, Stack
    from turn_latency import Questions

    work = temp_dir("rasa-profile")
    rasa, actions = free_ports(26305, 2)
    stack = Stack(Ports(rasa=rasa, actions=actions, web=1), work / "logs",
                  {"DATABASE_URL": f"sqlite:///{work / 'app.db'}",
                   "TRACKER_SQLITE_PATH": str(work / "tracker.db")})
    questions = Questions(load_gold(GOLD))
    with LoadSampler() as load:
        stack.start(["actions"])
        try:
            stack.wait_ready(names=["actions"])
            stack.warm_up()
            say(f"Rasa with a switchable profiler: {conversations} conversations without, "
                f"then {conversations} with it")
            run = profiled_rasa(stack, work / "rasa.prof", conversations, questions,
                                work / "logs" / "rasa.log")
        finally:
            stack.stop()
    turns = run["turns"]
    rows = per_turn(work / "rasa.prof", turns)
    busy = [r for r in rows if not r["idle"]]
    own_total = sum(r["own_ms_per_turn"] for r in busy)
    plain = run["plain"]
    data = header("profile_rasa", args.quick, load.result())
    data.update({
        "conversations": conversations, "turns": turns,
        "wall_ms_per_turn": round(1000 * plain["wall_s"] / plain["turns"], 1),
        "cpu_ms_per_turn": round(1000 * plain["cpu_s"] / plain["turns"], 1),
        "wall_ms_per_turn_profiled": round(1000 * run["wall_s"] / turns, 1),
        "cpu_ms_per_turn_profiled": round(1000 * run["cpu_s"] / turns, 1),
        "profiled_ms_per_turn": round(own_total, 1),
        "idle_ms_per_turn": round(sum(r["own_ms_per_turn"] for r in rows if r["idle"]), 1),
        "action_calls_per_turn": next((r["calls_per_turn"] for r in rows
                                       if r["function"] == "_validate_action_result"), None),
        "jsonschema_validate": jsonschema_cost(),
        "top_by_own_time": sorted(busy, key=lambda r: -r["own_ms_per_turn"])[:20],
        "top_by_cumulative_time": sorted(busy, key=lambda r: -r["cum_ms_per_turn"])[:45],
    })
    store(args.results, "profile_rasa", data)
    say(f"{turns} turns: {data['cpu_ms_per_turn']} ms CPU/turn ("
        f"{data['cpu_ms_per_turn_profiled']} under the profiler)")
    for row in data["top_by_own_time"][:10]:
        say(f"  {row['own_ms_per_turn']:8.2f} ms/turn  {row['function']}  {row['where']}")


if __name__ == "__main__":
    main()
