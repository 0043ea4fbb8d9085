"""The console's side of the engine child (`bot worker`, bot/knowledge/worker.py): builds,
suggestions and the evaluation guard's measurements all go to one warm child process per web
process, so the web process never imports spaCy, faiss or the encoder, and the models load
once, not three times side by side.

The child is started on first use (or when a teach page opens), restarted when it dies, times
out or was started for other settings (tests change them), and leaves with the web process
(its stdin closes). One request at a time; a build waiting goes before the other requests
waiting (an advisor waits for the build, nobody waits for the guard).
"""
from __future__ import annotations

import itertools
import json
import os
import select
import subprocess
import sys
import threading
import time
from typing import Any

from bot.settings import ROOT

COMMAND = [sys.executable, "-m", "bot.cli", "worker"]
_process: subprocess.Popen[bytes] | None = None
_started_with: tuple[list[str], dict[str, str]] | None = None
_turn = threading.Condition()
_busy = False
_urgent_waiting = 0
_ids = itertools.count(1)


def _running() -> subprocess.Popen[bytes]:
    """The child, started if it is not running (its progress goes to our stderr)."""
    global _process, _started_with
    wanted = (list(COMMAND), dict(os.environ))
    if _process is not None and _process.poll() is None and _started_with != wanted:
        _process.kill()
        _process.wait()
    if _process is None or _process.poll() is not None:
        _started_with = wanted
        _process = subprocess.Popen(wanted[0], cwd=ROOT, env=wanted[1],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    return _process


def warm() -> None:
    """Start the child now (a teach page opened: suggestions and a build will follow)."""
    with _turn:
        if not _busy:
            _running()


def ask(request: dict[str, Any], timeout: float, urgent: bool = False
        ) -> dict[str, Any] | None:
    """Send one request and wait for its reply; None when the child died or timed out (then
    it is stopped, and the next request starts a new one; the caller logs it)."""
    global _busy, _urgent_waiting
    with _turn:
        _urgent_waiting += urgent
        try:
            while _busy or (not urgent and _urgent_waiting):
                _turn.wait()
        finally:
            _urgent_waiting -= urgent
        _busy = True
    try:
        return _exchange(request, timeout)
    finally:
        with _turn:
            _busy = False
            _turn.notify_all()


def _exchange(request: dict[str, Any], timeout: float) -> dict[str, Any] | None:
    process = _running()
    assert process.stdin is not None and process.stdout is not None
    number = next(_ids)
    try:
        process.stdin.write(json.dumps({**request, "id": number}).encode() + b"\n")
        process.stdin.flush()
    except (BrokenPipeError, OSError):
        pass  # it died already; what it printed, if anything, is still readable
    deadline, pending = time.monotonic() + timeout, b""
    descriptor = process.stdout.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([descriptor], [], [], deadline - time.monotonic())
        chunk = os.read(descriptor, 65536) if ready else b""
        if not chunk:
            break  # timed out, or the child exited
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            try:
                reply = json.loads(line)
            except ValueError:
                continue
            if isinstance(reply, dict) and reply.get("id") == number:
                return reply
    if process.poll() is None:
        process.kill()
    process.wait()
    return None
