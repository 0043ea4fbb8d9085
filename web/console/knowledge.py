"""Knowledge health (articles per language, check errors and warnings, stale reviews, the
current index) and the rebuild button.

The rebuild runs `bot build` in a child process: building loads the embedding model, spaCy,
faiss (and torch for sentence-transformers models), which would stay in the web process's
memory for good. The web process reads the knowledge files and the index's metadata only.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from flask import current_app, session

from bot.settings import ROOT, Settings
from web.console.core import bp, console_lang, render
from web.pages import LANGS

_REBUILD_LOCK = threading.Lock()
BUILD_COMMAND = [sys.executable, "-m", "bot.cli", "build", "--quiet", "--json"]
BUILD_TIMEOUT = 30 * 60  # seconds; a first build of a large corpus embeds every key


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
    """`bot build` in a child process with this process's environment; its JSON outcome, or
    {"status": "crashed"} when it died without one (the log keeps its stderr)."""
    done = subprocess.run(BUILD_COMMAND, cwd=ROOT, env=dict(os.environ), capture_output=True,
                          text=True, timeout=BUILD_TIMEOUT)
    lines = done.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1]) if lines else None
    except ValueError:
        result = None
    if not isinstance(result, dict) or result.get("status") not in ("built", "unchanged",
                                                                     "failed"):
        current_app.logger.error("console: index rebuild crashed (exit %s): %s",
                                 done.returncode, done.stderr[-2000:])
        return {"status": "crashed"}
    errors: list[str] = [str(e) for e in result.get("errors") or []]
    return {**result, "errors": errors}


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
                  result=result)
