"""Drafting a new article from a group of unanswered questions: a form with the title,
sections and sources in French and English, the group's questions pre-filled as example
questions; saved as knowledge/fr and knowledge/en files only when `bot check` passes
(bot/knowledge/teach.py), then logged, undoable and built like an attached question."""
from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from bot import storage
from bot.knowledge import teach
from bot.knowledge.articles import TOPICS
from web.console.core import bp, database_url, render
from web.console.teach import _ids, publish_form, teaching_workspace

SECTIONS, SOURCES = 3, 2  # rows the form offers; empty ones are skipped


def _prefill(ids: list[int]) -> MultiDict[str, str]:
    """The group's questions, one per line, in the textarea of their language."""
    with storage.session_for(database_url()) as db:
        rows = list(db.scalars(select(storage.UnansweredQuestion).where(
            storage.UnansweredQuestion.id.in_(ids))))
    values: MultiDict[str, str] = MultiDict({"ids": ",".join(map(str, ids))})
    for lang in ("fr", "en"):
        values[f"questions_{lang}"] = "\n".join(dict.fromkeys(
            teach.clean_question(r.question) for r in rows if r.language == lang))
    return values


def form_questions(form: MultiDict[str, str]) -> dict[str, list[str]]:
    """Each language's questions, one per line of its textarea, cleaned, empty lines dropped."""
    return {lang: [q for q in (teach.clean_question(x)
                               for x in form.get(f"questions_{lang}", "").split("\n")) if q]
            for lang in ("fr", "en")}


def form_sources(form: MultiDict[str, str]) -> list[dict[str, str]]:
    """The new-source rows the advisor filled in (id, title, url, date)."""
    rows = [{key: form.get(f"source_{key}_{n}", "").strip()
             for key in ("id", "title", "url", "date")} for n in range(SOURCES)]
    return [row for row in rows if any(row.values())]


def _draft(form: MultiDict[str, str]) -> teach.Draft:
    sections = [{lang: (form.get(f"heading_{lang}_{n}", ""), form.get(f"text_{lang}_{n}", ""))
                 for lang in ("fr", "en")} for n in range(SECTIONS)]
    return teach.Draft(
        article_id=form.get("article_id", "").strip(),
        titles={lang: form.get(f"title_{lang}", "") for lang in ("fr", "en")},
        topics=[t for t in form.getlist("topics") if t in TOPICS],
        sources=form_sources(form),
        sections=[s for s in sections if any(h.strip() or t.strip() for h, t in s.values())],
        questions=form_questions(form))


def _form(values: MultiDict[str, str], status: int = 200, **extra: Any) -> tuple[str, int]:
    return render("draft.html", status=status, section="unanswered", values=values,
                  topics=TOPICS, sections=range(SECTIONS), sources=range(SOURCES), **extra)


@bp.get("/teach/draft")
def teach_draft() -> tuple[str, int]:
    return _form(_prefill(_ids(request.args.get("ids"))))


@bp.post("/teach/draft")
def teach_draft_save() -> Any:
    form = request.form
    draft = _draft(form)
    if not draft.article_id or not draft.sections or not draft.sources:
        return _form(form, 400, teach_error="draft_incomplete")
    return publish_form(lambda advisor: teach.create_draft(teaching_workspace(), draft, advisor),
                        lambda status, **extra: _form(form, status, **extra), "draft_exists",
                        "teach_draft_saved", f"created the article {draft.article_id}")
