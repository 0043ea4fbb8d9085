"""Review: the questions the bot could not answer, grouped by wording (bot/questions.py), and
the feedback users gave on answers, thumbs down first; both hide what an advisor has marked
handled (bot/feedback.py for ratings) unless asked to show it."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from bot import storage
from bot.feedback import feedback_marks, mark_feedback_handled
from bot.questions import group_questions, handled_marks
from bot.questions import mark_handled as mark_handled_by
from web.console.core import bp, database_url, render


@bp.get("/unanswered")
def unanswered() -> tuple[str, int]:
    show_all = request.args.get("show") == "all"
    query = select(storage.UnansweredQuestion).order_by(
        storage.UnansweredQuestion.created_at.desc(), storage.UnansweredQuestion.id.desc())
    if not show_all:
        query = query.where(storage.UnansweredQuestion.handled.is_(False))
    with storage.session_for(database_url()) as db:
        rows = list(db.scalars(query.limit(2000)))
    groups = group_questions(rows)
    if show_all:  # who handled each group, and when (the latest mark among its questions)
        marks = handled_marks(database_url(), [i for g in groups for i in g.ids])
        for group in groups:
            found = [marks[i] for i in group.ids if i in marks]
            group.handled_by = max(found, key=lambda m: m.handled_at) if found else None
    return render("unanswered.html", section="unanswered", groups=groups, show_all=show_all)


@bp.post("/unanswered/handled")
def mark_handled() -> WerkzeugResponse:
    ids = [int(part) for part in (request.form.get("ids") or "").split(",")
           if part.strip().isdigit()][:2000]
    if not ids:
        abort(400)
    mark_handled_by(database_url(), ids, str(session.get("advisor_email") or ""))
    flash("marked_handled")
    return redirect(url_for("console.unanswered"))


def safe_sources(row: storage.Feedback) -> list[dict[str, str]]:
    """The cited sources with a title, and a link only when it is http(s)."""
    try:
        sources = [src for src in row.sources if isinstance(src, dict)]
    except ValueError:
        sources = []
    links = []
    for src in sources:
        url = str(src.get("url") or "")
        links.append({"title": str(src.get("title") or src.get("id") or ""),
                      "url": url if url.startswith(("http://", "https://")) else ""})
    return links


@bp.get("/feedback")
def feedback() -> tuple[str, int]:
    show_all = request.args.get("show") == "all"
    with storage.session_for(database_url()) as db:
        rows = list(db.scalars(select(storage.Feedback).order_by(
            storage.Feedback.helpful.asc(), storage.Feedback.created_at.desc()).limit(1000)))
    marks = feedback_marks(database_url(), [row.id for row in rows])
    items: list[dict[str, Any]] = [{"row": row, "sources": safe_sources(row),
                                    "handled_by": marks.get(row.id)}
                                   for row in rows if show_all or row.id not in marks]
    return render("feedback.html", section="feedback", items=items, show_all=show_all)


@bp.post("/feedback/handled")
def mark_feedback() -> WerkzeugResponse:
    value = request.form.get("feedback") or ""
    if not value.isdigit():
        abort(400)
    if mark_feedback_handled(database_url(), int(value), str(session.get("advisor_email") or "")):
        flash("feedback_marked_handled")
    return redirect(url_for("console.feedback"))
