"""Adding a section to an existing article from a group of unanswered questions: when the
right article has no section that answers, the advisor writes one in French and English,
citing the article's sources or new ones, and the group's questions are tied to it. Saved in
both files only when `bot check` passes (bot/knowledge/teach.py), then logged, undoable and
built like an attached question; on any refusal the form comes back with what was typed."""
from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from bot.knowledge import teach
from bot.settings import LANGUAGES, Settings
from web.console import teaching
from web.console.core import bp, render
from web.console.draft import SOURCES, _prefill, form_questions, form_sources
from web.console.teach import _ids, publish_form, teaching_workspace


def _article(choices: dict[str, list[dict[str, Any]]], article_id: str
             ) -> dict[str, Any] | None:
    """The article as the form needs it, from the teach page's article list: title and
    sources (of the French file; both list the same ids) and the hash of each language's
    file, so a change made meanwhile is a conflict. None unless both files exist."""
    found = {lang: a for lang in LANGUAGES for a in choices[lang] if a["id"] == article_id}
    if set(found) != set(LANGUAGES):
        return None
    return {"id": article_id, "title": found["fr"]["title"], "sources": found["fr"]["sources"],
            "hashes": {lang: a["hash"] for lang, a in found.items()}}


def _section(form: MultiDict[str, str]) -> teach.NewSection:
    return teach.NewSection(
        article_id=form.get("article", "").strip(),
        texts={lang: (form.get(f"heading_{lang}", ""), form.get(f"text_{lang}", ""))
               for lang in LANGUAGES},
        cite=[c for c in form.getlist("cite") if c.strip()],
        sources=form_sources(form), questions=form_questions(form))


def _form(values: MultiDict[str, str], status: int = 200, **extra: Any) -> tuple[str, int]:
    choices = teaching.article_choices(Settings.from_env())
    return render("section.html", status=status, section="unanswered", values=values,
                  article=_article(choices, values.get("article", "")),
                  sources=range(SOURCES), langs=LANGUAGES, choices=choices["fr"], **extra)


@bp.get("/teach/section")
def teach_section() -> tuple[str, int]:
    values = _prefill(_ids(request.args.get("ids")))
    values["article"] = request.args.get("article", "")
    return _form(values)


@bp.post("/teach/section")
def teach_section_save() -> Any:
    form = request.form
    new = _section(form)
    complete = all(h.strip() and t.strip() for h, t in new.texts.values())
    if not new.article_id or not complete or not (new.cite or new.sources):
        return _form(form, 400, teach_error="section_incomplete")
    hashes = {lang: form.get(f"hash_{lang}", "") for lang in LANGUAGES}
    return publish_form(
        lambda advisor: teach.create_section(teaching_workspace(), new, hashes, advisor),
        lambda status, **extra: _form(form, status, **extra), "section_conflict",
        "teach_section_saved", f"added a section to {new.article_id}")
