"""Knowledge health (articles per language, check errors and warnings, stale reviews, the
current index) and the rebuild button.

The rebuild runs in a child process, `bot build-worker`: building loads the embedding model,
spaCy, faiss (and torch), which would stay in the web process's memory for good. The web
process reads the knowledge files and the index's metadata only. The child stays up between
builds (one per web process), so a build after an attached question does not load spaCy's
French pipeline and the encoder again (~15 s on the 2-core test machine); it is restarted
when it dies, and leaves when the web process does (its stdin closes).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from flask import current_app, session

from bot.settings import ROOT, Settings
from web.console.core import bp, console_lang, render
from web.pages import LANGS

_REBUILD_LOCK = threading.Lock()
BUILD_COMMAND = [sys.executable, "-m", "bot.cli", "build-worker"]
BUILD_TIMEOUT = 30 * 60  # seconds; a first build of a large corpus embeds every key
OUTCOMES = ("built", "unchanged", "failed")
_worker: subprocess.Popen[bytes] | None = None
_worker_env: dict[str, str] = {}
_worker_lock = threading.Lock()


def _start_worker() -> subprocess.Popen[bytes]:
    """The build child, started if it is not running (its progress goes to our stderr)."""
    global _worker, _worker_env
    if _worker is not None and _worker.poll() is None and _worker_env != dict(os.environ):
        _worker.kill()  # started for other settings (tests change them)
        _worker.wait()
    if _worker is None or _worker.poll() is not None:
        _worker_env = dict(os.environ)
        _worker = subprocess.Popen(BUILD_COMMAND, cwd=ROOT, env=_worker_env,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    return _worker


def warm_builder() -> None:
    """Start the build child now (a teach page opened: a build will likely follow)."""
    if _worker_lock.acquire(blocking=False):
        try:
            _start_worker()
        finally:
            _worker_lock.release()


def _ask_worker(timeout: float) -> dict[str, Any] | None:
    """Send one build request; its outcome line, or None when the child died or timed out
    (then it is stopped; the next build starts a new one)."""
    worker = _start_worker()
    assert worker.stdin is not None and worker.stdout is not None
    try:
        worker.stdin.write(b"build\n")
        worker.stdin.flush()
    except (BrokenPipeError, OSError):
        pass  # it died already; what it printed, if anything, is still readable
    deadline, pending = time.monotonic() + timeout, b""
    descriptor = worker.stdout.fileno()
    while time.monotonic() < deadline:
        ready, _, _ = select.select([descriptor], [], [], deadline - time.monotonic())
        chunk = os.read(descriptor, 65536) if ready else b""
        if not chunk:
            break  # timed out, or the child exited
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            try:
                outcome = json.loads(line)
            except ValueError:
                continue
            if isinstance(outcome, dict) and outcome.get("status") in OUTCOMES:
                return outcome
    if worker.poll() is None:
        worker.kill()
    worker.wait()
    current_app.logger.error("console: the index build child stopped without an outcome "
                             "(exit %s)", worker.returncode)
    return None


def knowledge_health(settings: Settings, language: str = "en") -> dict[str, Any]:
    """Everything the knowledge page shows, from the advisors' files and the current index;
    check messages in `language` (bot/knowledge/messages)."""
    from bot.knowledge.articles import load_corpus, oldest_fact_per_article
    from bot.knowledge.store import current_path, read_meta

    corpus = load_corpus(settings.knowledge_dir, stale_after_months=settings.stale_after_months)
    today = dt.date.today()
    per_lang = {lang: {"articles": 0, "sections": 0} for lang in LANGS}
    articles: dict[str, dict[str, Any]] = {}
    stale = []
    for article in corpus.articles:
        counts = per_lang.setdefault(article.lang, {"articles": 0, "sections": 0})
        counts["articles"] += 1
        counts["sections"] += len(article.sections)
        entry = articles.setdefault(article.id, {"id": article.id, "titles": {},
                                                 "reviewed": article.reviewed})
        entry["titles"][article.lang] = article.title
        entry["reviewed"] = min(entry["reviewed"], article.reviewed)
        age = (today.year - article.reviewed.year) * 12 + today.month - article.reviewed.month
        if age > settings.stale_after_months:
            stale.append({"id": article.id, "lang": article.lang, "title": article.title,
                          "reviewed": article.reviewed, "months": age})
    root = settings.knowledge_dir

    def issue_row(issue: Any) -> dict[str, Any]:
        try:
            name = str(Path(issue.path).relative_to(root))
        except ValueError:
            name = str(issue.path)
        message, fix = issue.render(language)
        return {"file": name, "line": issue.line, "message": message, "fix": fix}

    index: dict[str, Any] | None = None
    current = current_path(settings.index_dir)
    if current is not None:
        try:
            index = read_meta(current)
        except (OSError, ValueError):
            index = None
    return {
        "per_lang": per_lang,
        "errors": [issue_row(i) for i in corpus.errors],
        "warnings": [issue_row(i) for i in corpus.warnings if i.code != "review-stale"],
        "stale": sorted(stale, key=lambda a: a["reviewed"]),
        "oldest_facts": [{"id": article.id, "lang": article.lang, "title": article.title,
                          "date": fact.marker or fact.date.isoformat(), "line": fact.line,
                          "snippet": fact.snippet}
                         for fact, article in oldest_fact_per_article(corpus.articles)],
        "articles": sorted(articles.values(), key=lambda a: a["id"]),
        "index": index,
    }


def run_build() -> dict[str, Any]:
    """One build by the child, with this process's environment; its JSON outcome, or
    {"status": "crashed"} when it died without one (its stderr is in this process's log)."""
    with _worker_lock:
        result = _ask_worker(BUILD_TIMEOUT)
    if result is None:
        return {"status": "crashed"}
    errors: list[str] = [str(e) for e in result.get("errors") or []]
    errors_fr: list[str] = [str(e) for e in result.get("errors_fr") or []] or errors
    return {**result, "errors": errors, "errors_fr": errors_fr}


def build_errors(result: dict[str, Any] | None, language: str) -> list[str]:
    """A build's check errors in the console's language."""
    if not result:
        return []
    return list(result.get("errors_fr" if language == "fr" else "errors") or [])


@bp.get("/knowledge")
def knowledge() -> tuple[str, int]:
    return render("knowledge.html", section="knowledge",
                  health=knowledge_health(Settings.from_env(), console_lang()), result=None)


@bp.post("/knowledge/rebuild")
def rebuild() -> tuple[str, int]:
    """Build and wait for the outcome; one at a time per process, a second click gets
    "busy"."""
    result: dict[str, Any]
    if not _REBUILD_LOCK.acquire(blocking=False):
        result = {"status": "busy"}
    else:
        try:
            result = run_build()
            current_app.logger.info("console: index rebuild by %s: %s",
                                    session.get("advisor_email"), result["status"])
        except Exception:
            current_app.logger.exception("console: index rebuild failed")
            result = {"status": "crashed"}
        finally:
            _REBUILD_LOCK.release()
    status = 200 if result["status"] in ("built", "unchanged") else \
        409 if result["status"] == "busy" else 422 if result["status"] == "failed" else 500
    return render("knowledge.html", status=status, section="knowledge",
                  health=knowledge_health(Settings.from_env(), console_lang()),
                  result=result, build_errors=build_errors(result, console_lang()))
