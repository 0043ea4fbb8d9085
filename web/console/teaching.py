"""What the teach pages need besides routes: the engine's suggestions (from the engine child,
web/console/worker.py, cached per index and computed in the background so no page waits for
the embedding model), the articles an advisor can choose with the hash of each file, and the
incremental build started after a change (the rebuild button's own mechanism).

The web process never loads the engine: suggestions and builds run in the engine child.
"""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, current_app

from bot.knowledge.publish import text_hash
from bot.settings import LANGUAGES, Settings
from web.console import guard, knowledge, worker

SUGGEST_TIMEOUT = 10 * 60  # seconds; the first call loads the model and the index
HEADING = re.compile(r"^## (.+?)\s*$", re.MULTILINE)


class Suggestions:
    """Suggestions per (index, language, question); one request to the child at a time."""

    def __init__(self) -> None:
        self.results: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.running = False
        self.error: str | None = None
        self.lock = threading.Lock()

    def get(self, app: Flask, stamp: str, items: list[tuple[str, str | None]]
            ) -> dict[tuple[str, str | None], dict[str, Any]] | None:
        """The suggestions of every item, or None while they are being computed."""
        with self.lock:
            found = {item: self.results.get((stamp, item[1] or "", item[0])) for item in items}
            missing = [item for item, value in found.items() if value is None]
            if not missing:
                return {item: value for item, value in found.items() if value is not None}
            if not self.running:
                self.running = True
                threading.Thread(target=self._compute, args=(app, stamp, missing),
                                 daemon=True).start()
            return None

    def _compute(self, app: Flask, stamp: str, items: list[tuple[str, str | None]]) -> None:
        request = {"do": "suggest", "items": [{"question": q, "lang": lang} for q, lang in items]}
        try:
            outcome = worker.ask(request, SUGGEST_TIMEOUT) or {}
        except OSError as exc:
            outcome = {"error": str(exc)}
        error = None if outcome.get("status") == "ok" else \
            str(outcome.get("error") or "the engine child stopped without an answer")
        if error:
            app.logger.error("console: suggestions failed: %s", error)
        with self.lock:
            self.error = error
            # suggestions of an index no longer served are never shown again
            self.results = {k: v for k, v in self.results.items() if k[0] == stamp}
            results = outcome.get("results") or []
            for (question, lang), result in zip(items, results, strict=False):
                self.results[(stamp, lang or "", question)] = result
            for question, lang in items:  # a failure is remembered too: no retry loop
                self.results.setdefault((stamp, lang or "", question),
                                        {"suggestions": [], "lang": lang, "failed": True})
            self.running = False


def suggestions() -> Suggestions:
    found: Suggestions = current_app.extensions.setdefault("awex_suggestions", Suggestions())
    return found


def index_stamp(settings: Settings) -> str:
    """Which index answers now (suggestions depend on it): its folder name, or ""."""
    from bot.knowledge.store import current_path

    path = current_path(settings.index_dir)
    return path.name if path else ""


def article_choices(settings: Settings) -> dict[str, list[dict[str, Any]]]:
    """Per language, every article file: id, title, section headings, the sources it lists
    (id, title, date) and the hash the attach and section forms send back (so a change made
    meanwhile is a conflict, not an overwrite)."""
    choices: dict[str, list[dict[str, Any]]] = {lang: [] for lang in LANGUAGES}
    for lang in LANGUAGES:
        for path in sorted((settings.knowledge_dir / lang).glob("*.md")):
            text = path.read_bytes().decode("utf-8", "replace")
            meta = _front_matter(text)
            sources = [s for s in meta.get("sources") or [] if isinstance(s, dict)]
            choices[lang].append({
                "id": path.stem, "title": str(meta.get("title") or "") or path.stem,
                "sections": HEADING.findall(text), "hash": text_hash(text),
                "sources": [{key: str(s.get(key, "")) for key in ("id", "title", "date")}
                            for s in sources]})
    return choices


def _front_matter(text: str) -> dict[str, Any]:
    """An article file's header as a dict ({} when it is missing or unreadable: the page
    still opens, and `bot check` names the problem)."""
    parts = text.split("\n---", 1)
    try:
        meta = yaml.safe_load(parts[0].lstrip("-\ufeff\n")) if len(parts) == 2 else None
    except yaml.YAMLError:
        return {}
    return meta if isinstance(meta, dict) else {}


# ------------------------------------------------------------------- build after a change

_PENDING = threading.Event()


def schedule_build(app: Flask) -> None:
    """Build the index in the background after a change (the advisor's request returns at
    once; the chat never waits). A build already running when the change lands may miss it,
    so another one follows."""
    _PENDING.set()
    threading.Thread(target=_build_worker, args=(app,), daemon=True).start()


def _build_worker(app: Flask) -> None:
    """Build while changes are pending; after each published build, the evaluation guard
    (outside the build lock: it takes longer than the build)."""
    with app.app_context():
        while _PENDING.is_set():
            if not knowledge._REBUILD_LOCK.acquire(timeout=knowledge.BUILD_TIMEOUT):
                return
            try:
                if not _PENDING.is_set():
                    return
                _PENDING.clear()
                before_index = index_stamp(Settings.from_env())
                try:
                    result = knowledge.run_build()
                except Exception:
                    app.logger.exception("console: index build after a change failed")
                    result = {"status": "crashed"}
                app.extensions["awex_last_build"] = {
                    **result, "at": time.time(), "when": time.strftime("%H:%M:%S UTC",
                                                                       time.gmtime())}
                app.logger.info("console: index build after a change: %s", result["status"])
            finally:
                knowledge._REBUILD_LOCK.release()
            if result["status"] == "built":
                guard.after_build(app, before_index)


def last_build(app: Flask) -> dict[str, Any] | None:
    found: dict[str, Any] | None = app.extensions.get("awex_last_build")
    return found


def relative(settings: Settings, path: Path) -> str:
    try:
        return str(path.relative_to(settings.knowledge_dir))
    except ValueError:
        return str(path)
