"""Shared helpers of the benchmark scripts: paths, statistics, machine facts, ports, results.

Not a benchmark itself. Every script stores its figures under its own key in
docs/bench/results.json (read, replace the key, write atomically), so one script can be re-run
alone and `bench/run_all.py --report-only` rebuilds the report from what is there.
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
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DOCS = ROOT / "docs" / "bench"
RESULTS = DOCS / "results.json"
GOLD = ROOT / "tests" / "data" / "gold.yml"
VAR = ROOT / "var"
APP_PYTHON = VAR / "venv-app" / "bin" / "python"

# Ports other people's stacks and test runs use on this machine: never bind these.
RESERVED_PORTS = {5005, 5055, 8080, 15005, 15055, 18080, 15105, 15106, 15155,
                  25005, 25055, 28080}


def torch_default_threads() -> int:
    """The thread count torch picks by default here: one per core available to the process."""
    return len(os.sched_getaffinity(0))


def _terminate(signum, _frame) -> None:
    raise SystemExit(128 + signum)


def stop_cleanly_on_signals() -> None:
    """SIGTERM / SIGHUP raise SystemExit in the main thread, so `finally` blocks run and
    every server a benchmark started is stopped (Python's default for SIGTERM is to die on
    the spot, leaving those servers orphaned)."""
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _terminate)


def parse_args(doc: str, extra=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=doc)
    parser.add_argument("--quick", action="store_true",
                        help="small counts, for development (figures are indicative only)")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help=f"JSON file to update (default {RESULTS.relative_to(ROOT)})")
    if extra:
        extra(parser)
    stop_cleanly_on_signals()
    return parser.parse_args()


def app_env(**extra: str) -> Dict[str, str]:
    """Environment for child processes of the app's Python (offline model, repo importable)."""
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    env.update(extra)
    return env


# -- statistics ------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default), without importing numpy."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: Sequence[float], digits: int = 2) -> Dict[str, float]:
    """n, mean, min, p50, p95, p99, max of a list of numbers (milliseconds, usually)."""
    values = list(values)
    if not values:
        return {"n": 0}
    return {"n": len(values),
            "mean": round(sum(values) / len(values), digits),
            "min": round(min(values), digits),
            "p50": round(percentile(values, 50), digits),
            "p95": round(percentile(values, 95), digits),
            "p99": round(percentile(values, 99), digits),
            "max": round(max(values), digits)}


def spread(values: Sequence[float], digits: int = 2) -> Dict[str, float]:
    """min / median / max over a few repeats (cold starts, build times)."""
    values = list(values)
    if not values:
        return {"n": 0}
    return {"n": len(values), "min": round(min(values), digits),
            "median": round(percentile(values, 50), digits), "max": round(max(values), digits)}


# -- machine -----------------------------------------------------------------------------------
def machine() -> Dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb,
            "kernel": platform.release(), "python": platform.python_version()}


def git_commit() -> str:
    """Short commit of the working tree (read-only git)."""
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                              capture_output=True, text=True, timeout=10).stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


class LoadSampler:
    """Samples the 1-minute load average in the background while a benchmark runs.

    The machine is shared: a figure taken at load 6 on 2 cores is not the same figure as one
    taken on a quiet machine, so every result records the load it was measured under.
    """

    def __init__(self, every: float = 5.0):
        self.every = every
        self.samples: List[float] = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> "LoadSampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 1)
        self.samples.append(os.getloadavg()[0])

    def result(self) -> Dict[str, float]:
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


def port_is_free(port: int) -> bool:
    """Nobody listens on it and a server could bind it (SO_REUSEADDR, as servers do, so
    connections closing in TIME_WAIT do not count as "in use")."""
    if listening(port):
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_ports(start: int, count: int, taken: Iterable[int] = ()) -> List[int]:
    """`count` free loopback ports from `start` upward, skipping other people's ports.

    The scripts start below Linux's ephemeral range (32768-60999), where client connections
    would otherwise grab a benchmark's port at random."""
    found: List[int] = []
    avoid = set(RESERVED_PORTS) | set(taken)
    port = start
    while len(found) < count:
        if port > start + 2000:
            raise RuntimeError(f"no free port between {start} and {port}")
        if port not in avoid and port_is_free(port):
            found.append(port)
        port += 1
    return found


def proc_status(pid: int) -> Dict[str, int]:
    """VmRSS / VmHWM (peak) / VmSize of a process in MiB, read from /proc/<pid>/status."""
    out: Dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "VmSize", "Threads"):
                number = int(value.split()[0])
                out[key] = number if key == "Threads" else round(number / 1024, 1)
    except (OSError, ValueError):
        pass
    return out


def cpu_seconds(pid: int) -> Optional[float]:
    """User + system CPU time of a process so far (from /proc/<pid>/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def temp_dir(prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"awex-bench-{prefix}-"))


# -- results -----------------------------------------------------------------------------------
def header(name: str, quick: bool, load: Optional[Dict] = None) -> Dict[str, object]:
    return {"benchmark": name, "mode": "quick" if quick else "full",
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine(), "load_average": load or {}}


def store(results_path: Path, name: str, data: Dict) -> None:
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
