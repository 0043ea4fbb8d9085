"""Start Rasa, the action server and the web app; wait until all three answer; stop them all.

Used by `make run` (foreground, Ctrl-C stops everything) and by the end-to-end tests (as a
context manager). Each process runs in its own process group so nothing is left behind.

Each process's output goes to `<log dir>/<name>.log` through bot/logs.py: e-mail addresses
redacted, one file per day, files older than AWEX_LOG_RETENTION_DAYS (14) deleted at start.
The web app's secret (AWEX_SECRET_KEY) is created on first start in var/secret_key (mode 0600)
and reused, unless the environment or .env sets one.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python scripts/stack.py`
    sys.path.insert(0, str(ROOT))

from bot.logs import DailyLog, prune_logs  # noqa: E402
from bot.settings import ENV_FILE, Settings, read_env_file  # noqa: E402

VAR = Settings.from_env().var_dir
RASA_PYTHON = VAR / "venv-rasa" / "bin" / "python"
# `rasa` started through this launcher: Rasa's check of action-server replies, compiled once,
# and tracebacks logged without the exceptions' messages (bot/logs.py).
RASA_LAUNCHER = ROOT / "scripts" / "rasa_server.py"
# The action server through this launcher: a failing action's log and reply carry no tracker.
ACTION_LAUNCHER = ROOT / "scripts" / "action_server.py"
APP_PYTHON = VAR / "venv-app" / "bin" / "python"
SECRET_FILE = VAR / "secret_key"


def persistent_secret(path: Path = SECRET_FILE) -> str:
    """The secret in `path`, created (random, mode 0600) on first use and reused after."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)  # whoever loosened it: only this user reads the secret
        secret = path.read_text(encoding="utf-8").strip()
        if secret:
            return secret
        path.unlink()  # an empty file left by an interrupted first start
        return persistent_secret(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        secret = secrets.token_urlsafe(48)
        handle.write(secret + "\n")
    return secret


def log_retention_days(env: dict[str, str]) -> int:
    return Settings.from_env(env).log_retention_days


@dataclass
class Ports:
    # Read when a Ports is made (not at import): RASA_PORT, ACTION_SERVER_PORT, WEB_PORT.
    rasa: int = field(default_factory=lambda: Settings.from_env().rasa_port)
    actions: int = field(default_factory=lambda: Settings.from_env().action_server_port)
    web: int = field(default_factory=lambda: Settings.from_env().web_port)


@dataclass
class Stack:
    ports: Ports
    log_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    # KEY=VALUE lines for the three processes (secrets, DATABASE_URL...); ignored by git, see
    # .env.example. Variables already set in the environment win over the file. Rasa reads
    # its endpoints' ${VARIABLES} from its environment only, hence passed on here.
    env_file = ENV_FILE

    def environment(self) -> dict[str, str]:
        env = {**read_env_file(self.env_file), **os.environ}
        env.update({
            "PYTHONPATH": str(ROOT),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{self.ports.actions}/webhook",
            "TRACKER_SQLITE_PATH": str(VAR / "rasa_tracker.db"),
            "RASA_URL": f"http://127.0.0.1:{self.ports.rasa}",
            "WEB_PORT": str(self.ports.web),
            "ACTION_SERVER_PORT": str(self.ports.actions),
            "SANIC_HOST": Settings.from_env(env).action_server_host,
        })
        env.update(self.env)
        configured = Settings.from_env(env)
        if not configured.secret_key:
            path = configured.var_dir / "secret_key"
            path.parent.mkdir(parents=True, exist_ok=True)
            env["AWEX_SECRET_KEY"] = persistent_secret(path)
        return env

    def commands(self) -> dict[str, list[str]]:
        return {
            # rasa-sdk binds to SANIC_HOST (set to loopback in `environment`).
            "actions": [str(APP_PYTHON), str(ACTION_LAUNCHER), "--actions", "actions",
                        "--port", str(self.ports.actions)],
            # No --enable-api: Rasa's HTTP API stays off; only the REST channel is served.
            "rasa": [str(RASA_PYTHON), str(RASA_LAUNCHER), "run",
                     "--model", str(VAR / "models" / "awex.tar.gz"),
                     "--interface", "127.0.0.1", "--port", str(self.ports.rasa),
                     "--endpoints", Settings.from_env(self.environment()).rasa_endpoints,
                     "--credentials", "credentials.yml"],
            "web": [str(APP_PYTHON), "-m", "web.serve"],
        }

    def health_urls(self) -> dict[str, str]:
        return {
            "actions": f"http://127.0.0.1:{self.ports.actions}/health",
            "rasa": f"http://127.0.0.1:{self.ports.rasa}/webhooks/rest/",
            "web": f"{self.web_url}/healthz",
        }

    def start(self, names: list[str] | None = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        env = self.environment()
        days = log_retention_days(env)
        prune_logs(self.log_dir, days)
        for name in names or ["actions", "rasa", "web"]:
            process = subprocess.Popen(
                self.commands()[name], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True)
            assert process.stdout is not None  # stdout=PIPE above
            DailyLog(self.log_dir, name, days).pump(process.stdout)
            self.processes[name] = process

    def wait_ready(self, timeout: float = 300.0, names: list[str] | None = None) -> None:
        deadline = time.monotonic() + timeout
        pending = dict((n, u) for n, u in self.health_urls().items()
                       if n in (names or self.processes))
        while pending:
            for name, url in list(pending.items()):
                process = self.processes.get(name)
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"{name} exited with code {process.returncode}; "
                                       f"see {self.log_dir / (name + '.log')}")
                if _answers(url):
                    del pending[name]
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout:.0f}s: {', '.join(pending)}; "
                                   f"see the logs in {self.log_dir}")
            time.sleep(0.5)

    def warm_up(self) -> None:
        """Load the model and index in the action server before the first user arrives."""
        body = {"next_action": "action_answer_from_knowledge", "version": "3.6.21",
                "tracker": {"sender_id": "warm-up", "slots": {"language": "fr"},
                            "latest_message": {"text": "Tmall Global", "intent": {},
                                               "entities": []},
                            "events": [], "paused": False, "followup_action": None,
                            "active_loop": {}, "latest_action_name": None},
                "domain": {}}
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.ports.actions}/webhook", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as reply:
            reply.read()

    def stop(self, names: list[str] | None = None) -> None:
        for name in names or list(self.processes):
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running_stack(ports: Ports, log_dir: Path, env: dict[str, str] | None = None
                  ) -> Iterator[Stack]:
    stack = Stack(ports, log_dir, env or {})
    try:
        stack.start()
        stack.wait_ready()
        stack.warm_up()
        yield stack
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    for key, value in read_env_file(Stack.env_file).items():
        os.environ.setdefault(key, value)  # the environment wins over .env
    stack = Stack(Ports(), VAR / "logs")
    stopping = False

    def _stop(*_args) -> None:
        nonlocal stopping
        if not stopping:
            stopping = True
            print("\nstopping…", flush=True)
            stack.stop()
            sys.exit(0)

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print("starting the action server, Rasa (loading its model takes about a minute) and the "
          "web app…", flush=True)
    try:
        stack.start()
        stack.wait_ready()
        stack.warm_up()
    except Exception as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        stack.stop()
        sys.exit(1)
    print(f"\nReady. Open the demo page: {stack.web_url}/\n"
          f"Advisor console: {stack.web_url}/console  — logs in {stack.log_dir}\n"
          "Press Ctrl-C to stop.", flush=True)
    # A crashed process is restarted (users get a "temporarily unavailable" message meanwhile);
    # one that keeps crashing stops everything, so the problem is not hidden.
    restarts: dict[str, list[float]] = {}
    while True:
        for name, process in list(stack.processes.items()):
            if process.poll() is None:
                continue
            now = time.monotonic()
            recent = [t for t in restarts.get(name, []) if now - t < 300] + [now]
            restarts[name] = recent
            log = stack.log_dir / (name + ".log")
            if len(recent) > 3:
                print(f"{name} crashed {len(recent)} times in 5 minutes; stopping. See {log}",
                      file=sys.stderr)
                stack.stop()
                sys.exit(1)
            print(f"{name} stopped (code {process.returncode}); restarting it. See {log}",
                  file=sys.stderr, flush=True)
            stack.start([name])
        time.sleep(1)


if __name__ == "__main__":
    main()
