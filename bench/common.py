"""Shared helpers of the benchmark scripts: paths, statistics, machine facts, ports, results.

Every script stores its figures under its own key in docs/bench/results.json (read, replace
the key, write atomically), so one script can be re-run alone and
`python -m bench.run_all --report-only` rebuilds the report from what is there.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.knowledge.evaluation import percentile

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "bench"
RESULTS = DOCS / "results.json"
GOLD = ROOT / "tests" / "data" / "gold.yml"
VAR = ROOT / "var"
APP_PYTHON = VAR / "venv-app" / "bin" / "python"


def _terminate(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def parse_args(doc: str, extra=None) -> argparse.Namespace:
    """Common options (--quick, --results); SIGTERM / SIGHUP then raise SystemExit, so the
    `finally` blocks that stop a benchmark's servers run (Python's default is to die)."""
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=doc)
    parser.add_argument("--quick", action="store_true",
                        help="small counts, for development (figures are indicative only)")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help=f"JSON file to update (default {RESULTS.relative_to(ROOT)})")
    if extra:
        extra(parser)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)
    return parser.parse_args()


def app_env(**extra: str) -> dict[str, str]:
    """Environment for child processes of the app's Python (offline models, repo importable)."""
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    env.update(extra)
    return env


def python() -> str:
    return str(APP_PYTHON) if APP_PYTHON.exists() else sys.executable


# -- statistics (one percentile definition: bot eval's) ---------------------------------------
def summary(values: Sequence[float], digits: int = 2) -> dict[str, float]:
    """n, mean, min, p50, p95, p99, max of a list of numbers (milliseconds, usually)."""
    values = list(values)
    if not values:
        return {"n": 0}
    return {"n": len(values), "mean": round(sum(values) / len(values), digits),
            "min": round(min(values), digits),
            **{f"p{p}": round(percentile(values, p), digits) for p in (50, 95, 99)},
            "max": round(max(values), digits)}


def spread(values: Sequence[float], digits: int = 2) -> dict[str, float]:
    """min / median / max over a few repeats (cold starts, build times)."""
    values = [v for v in values if v is not None]
    if not values:
        return {"n": 0}
    return {"n": len(values), "min": round(min(values), digits),
            "median": round(percentile(values, 50), digits), "max": round(max(values), digits)}


# -- machine -----------------------------------------------------------------------------------
def _proc_field(path: str, prefix: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def machine() -> dict[str, object]:
    mem = _proc_field("/proc/meminfo", "MemTotal:")
    return {"cpu": _proc_field("/proc/cpuinfo", "model name") or "unknown",
            "cores": os.cpu_count(),
            "ram_gb": round(int(mem.split()[0]) / 1024 / 1024, 1) if mem else None,
            "kernel": platform.release(), "python": platform.python_version()}


def git_commit() -> str:
    """Short commit of the working tree (read-only git)."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


class LoadSampler:
    """Samples the 1-minute load average in the background while a benchmark runs: the
    machine is shared, so every result records the load it was measured under."""

    def __init__(self, every: float = 5.0):
        self.every = every
        self.samples: list[float] = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 1)
        self.samples.append(os.getloadavg()[0])

    def result(self) -> dict[str, float]:
        return {"min": round(min(self.samples), 2), "max": round(max(self.samples), 2),
                "mean": round(sum(self.samples) / len(self.samples), 2),
                "cores": os.cpu_count()}


# -- processes ---------------------------------------------------------------------------------
def listening(port: int) -> bool:
    """True when some socket is in LISTEN state on `port` (from /proc/net/tcp and tcp6)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports the OS says are free now (bound to port 0, then
    released: a server started right after binds them)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def proc_status(pid: int) -> dict[str, float]:
    """VmRSS / VmHWM (peak) / VmSize in MiB and Threads of a process, from /proc/<pid>/status."""
    out: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "VmSize", "Threads"):
                number = int(value.split()[0])
                out[key] = number if key == "Threads" else round(number / 1024, 1)
    except (OSError, ValueError):
        pass
    return out


def torch_loaded(pid: int) -> bool | None:
    """Whether a process has torch's library mapped (the e5 encoder must not load it)."""
    try:
        return "libtorch" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (from /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"awex-bench-{prefix}-"))


def knowledge_webhook_body(text: str, lang: str, sender: str) -> dict[str, Any]:
    """The knowledge action's call as Rasa makes it (POST /webhook on the action server), for
    a conversation with no history: what the benchmarks time the action alone with."""
    return {"next_action": "action_answer_from_knowledge", "version": "3.6.21",
            "tracker": {"sender_id": sender, "slots": {"language": lang},
                        "latest_message": {"text": text, "intent": {}, "entities": []},
                        "events": [], "paused": False, "followup_action": None,
                        "active_loop": {}, "latest_action_name": None},
            "domain": {}}


# -- results -----------------------------------------------------------------------------------
def header(name: str, quick: bool, load: dict | None = None) -> dict[str, object]:
    from bot.settings import Settings

    return {"benchmark": name, "mode": "quick" if quick else "full",
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "commit": git_commit(), "encoder": Settings.from_env().model_name,
            "machine": machine(), "load_average": load or {}}


def store(results_path: Path, name: str, data: dict) -> None:
    """Replace `name` in the results file (written atomically: a crash never truncates it)."""
    results_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        everything = json.loads(results_path.read_text("utf-8"))
    except (OSError, ValueError):
        everything = {}
    everything[name] = data
    tmp = results_path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(everything, indent=1, ensure_ascii=False), "utf-8")
    os.replace(tmp, results_path)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)
