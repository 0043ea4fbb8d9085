"""Knowledge health (articles per language, check errors and warnings, stale reviews, the
current index) and the rebuild button.

The rebuild runs in the engine child (web/console/worker.py): building loads the embedding
model, spaCy and faiss, which would stay in the web process's memory for good. The web process
reads the knowledge files and the index's metadata only.
"""
from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from flask import current_app, session

from bot.settings import Settings
from web.console import worker
from web.console.core import bp, console_lang, render
from web.pages import LANGS

_REBUILD_LOCK = threading.Lock()
BUILD_TIMEOUT = 30 * 60  # seconds; a first build of a large corpus embeds every key
OUTCOMES = ("built", "unchanged", "failed")


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
    result = worker.ask({"do": "build"}, BUILD_TIMEOUT, urgent=True)
    if result is None or result.get("status") not in OUTCOMES:
        current_app.logger.error("console: the index build got no outcome: %s",
                                 (result or {}).get("status", "the engine child stopped"))
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
