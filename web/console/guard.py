"""The evaluation guard in the console: after each publish, the held-out figures of the index
before and after (`eval-quick` in the engine child, web/console/worker.py; the web process never
loads the engine)
and a warning for every figure that dropped (bot/eval_guard.py compares and stores them).

It runs in the background, so the chat and the advisor never wait for it: the "before" figures
when an advisor opens a teach page (unless a previous publish left them), the "after" ones once
the build is published.
"""
from __future__ import annotations

import threading
import time
from typing import Any

from flask import Flask

from bot.eval_guard import FigureStore, changed, drops
from bot.settings import Settings
from web.console import worker

EVAL_TIMEOUT = 30 * 60  # seconds


class Guard:
    def __init__(self, store: FigureStore):
        self.store = store
        self.state: dict[str, Any] | None = None  # the latest comparison, or "running"
        self.running: dict[str, threading.Thread] = {}  # "before" measurements per index
        self.lock = threading.Lock()


def guard(app: Flask) -> Guard:
    found: Guard = app.extensions.setdefault("awex_eval_guard", Guard(FigureStore(
        Settings.from_env().var_dir / "eval_guard.json")))
    return found


def measure(app: Flask) -> str | None:
    """Run the quick evaluation on the serving index and store its figures; the name of the
    index it measured, or None when it failed (logged)."""
    try:
        outcome = worker.ask({"do": "eval-quick"}, EVAL_TIMEOUT) or {}
    except OSError as exc:
        outcome = {"error": str(exc)}
    if outcome.get("status") != "ok" or not isinstance(outcome.get("figures"), dict):
        app.logger.error("console: the quick evaluation failed: %s",
                         outcome.get("error") or "the engine child stopped without an answer")
        return None
    index = str(outcome.get("index") or "")
    outcomes = outcome.get("outcomes")
    guard(app).store.put(index, outcome["figures"],
                         outcomes if isinstance(outcomes, list) else None)
    return index


def start_before(app: Flask, index: str) -> None:
    """Measure the serving index in the background unless its figures are known or being
    measured: called when an advisor opens a teach page, so the "before" figures are usually
    ready by the time a change is published, and the build does not share the CPU with them."""
    state = guard(app)
    with state.lock:
        running = state.running.get(index)
        if not index or state.store.get(index) is not None or \
                (running is not None and running.is_alive()):
            return
        state.running[index] = threading.Thread(target=measure, args=(app,), daemon=True)
        state.running[index].start()


def after_build(app: Flask, before_index: str) -> None:
    """Measure the new index and compare it with the one it replaced (waiting for that one's
    measurement when it is still running)."""
    state = guard(app)
    state.state = {"status": "running"}
    with state.lock:
        before = state.running.pop(before_index, None)
    if before is not None:
        before.join()
    after_index = measure(app)
    old = state.store.get(before_index) if before_index else None
    new = state.store.get(after_index) if after_index else None
    broken, fixed = changed(state.store.outcomes(before_index),
                            state.store.outcomes(after_index or "")) if old and new else ([], [])
    state.state = {"status": "done" if new is not None else "failed", "before": old,
                   "after": new, "drops": drops(old, new) if old and new else [],
                   "broken": broken, "fixed": fixed,
                   "when": time.strftime("%H:%M:%S UTC", time.gmtime())}
    if state.state["drops"]:
        app.logger.warning("console: evaluation figures dropped after a publish: %s",
                           state.state["drops"])


def latest(app: Flask) -> dict[str, Any] | None:
    return guard(app).state
