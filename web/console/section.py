"""Adding a section to an existing article from a group of unanswered questions: when the
right article has no section that answers, the advisor writes one in French and English,
citing the article's sources or new ones, and the group's questions are tied to it. Saved in
both files only when `bot check` passes (bot/knowledge/teach.py), then logged, undoable and
built like an attached question; on any refusal the form comes back with what was typed."""
from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict

from bot.knowledge import publish, teach
from bot.settings import LANGUAGES, Settings
from web.console import teaching
from web.console.core import bp, render
from web.console.draft import SOURCES, _prefill, form_questions, form_sources
from web.console.teach import _ids, publish_form, teaching_workspace


def _article(settings: Settings, article_id: str) -> dict[str, Any] | None:
    """The article as the form needs it: title, the sources it lists (id, title, date) and
    the hash of each language's file, so a change made meanwhile is a conflict."""
    files: dict[str, str] = {}
    for lang in LANGUAGES:
        try:
            path = publish.article_path(settings.knowledge_dir, article_id, lang)
        except publish.TeachError:
            return None
        text = publish.read_text(path)
        if text is None:
            return None
        files[lang] = text
    meta = teaching.front_matter(files["fr"])
    sources = [s for s in meta.get("sources") or [] if isinstance(s, dict)]
    return {"id": article_id, "title": str(meta.get("title") or article_id),
            "sources": [{"id": str(s.get("id", "")), "title": str(s.get("title", "")),
                         "date": str(s.get("date", ""))} for s in sources],
            "hashes": {lang: publish.text_hash(text) for lang, text in files.items()}}


def _section(form: MultiDict[str, str]) -> teach.NewSection:
    return teach.NewSection(
        article_id=form.get("article", "").strip(),
        texts={lang: (form.get(f"heading_{lang}", ""), form.get(f"text_{lang}", ""))
               for lang in LANGUAGES},
        cite=[c for c in form.getlist("cite") if c.strip()],
        sources=form_sources(form), questions=form_questions(form))


def _form(values: MultiDict[str, str], status: int = 200, **extra: Any) -> tuple[str, int]:
    settings = Settings.from_env()
    article = _article(settings, values.get("article", ""))
    return render("section.html", status=status, section="unanswered", values=values,
                  article=article, sources=range(SOURCES), langs=LANGUAGES,
                  choices=teaching.article_choices(settings)["fr"], **extra)


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
