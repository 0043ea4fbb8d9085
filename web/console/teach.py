"""Teaching the bot: from a group of unanswered questions or a "not helpful" answer, the
likeliest articles (with scores), then "attach" the question(s) to an article as example
questions, publish, and see the change log with undo.

Writing goes through bot/knowledge/teach.py (hash-checked, checked like `bot check`, atomic,
logged); the index is then rebuilt in the background (web/console/teaching.py), so neither
the advisor nor the chat waits for the embedding model.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, request, session, url_for
from sqlalchemy import select

from bot import storage
from bot.eval_guard import FIGURES
from bot.feedback import mark_feedback_handled
from bot.knowledge import publish, teach
from bot.questions import mark_handled
from bot.settings import LANGUAGES, Settings
from web.console import guard, knowledge, teaching, worker
from web.console.core import bp, console_lang, database_url, render


def _ids(raw: str | None) -> list[int]:
    return [int(part) for part in (raw or "").split(",") if part.strip().isdigit()][:200]


def _questions(ids: list[int], feedback_id: int | None) -> list[dict[str, Any]]:
    """What was asked (with its language when known), the conversation, and the answer the
    bot gave: unanswered questions declined, a feedback row has the answer it rated."""
    with storage.session_for(database_url()) as db:
        if feedback_id is not None:
            row = db.get(storage.Feedback, feedback_id)
            if row is None or not row.question.strip():
                abort(404)
            return [{"id": None, "question": row.question, "lang": None,
                     "conversation": row.conversation_id, "answer": row.answer_excerpt,
                     "confidence": None}]
        rows = list(db.scalars(select(storage.UnansweredQuestion).where(
            storage.UnansweredQuestion.id.in_(ids)).order_by(
            storage.UnansweredQuestion.created_at.desc())))
    if not rows:
        abort(404)
    return [{"id": r.id, "question": r.question, "lang": r.language,
             "conversation": r.conversation_id, "answer": "", "confidence": r.confidence,
             "handled": r.handled} for r in rows]


def _page(ids: list[int], feedback_id: int | None, status: int = 200,
          **extra: Any) -> tuple[str, int]:
    settings = Settings.from_env()
    questions = _questions(ids, feedback_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    guard.start_before(app, teaching.index_stamp(settings))  # the evaluation guard's "before"
    worker.warm()  # suggestions and an attach will follow: have the engine child ready
    distinct: dict[tuple[str, str | None], None] = {}
    for q in questions:
        distinct.setdefault((q["question"], q["lang"]), None)
    found = teaching.suggestions().get(app, teaching.index_stamp(settings), list(distinct))
    for q in questions:
        result = (found or {}).get((q["question"], q["lang"])) or {}
        q["suggestions"] = result.get("suggestions") or []
        q["lang"] = q["lang"] or result.get("lang")
        q["status"] = result.get("status")
    return render("teach.html", status=status, section="unanswered", questions=questions,
                  pending=found is None, error=teaching.suggestions().error,
                  choices=teaching.article_choices(settings), ids=",".join(map(str, ids)),
                  feedback_id=feedback_id or "", langs=LANGUAGES, **extra)


@bp.get("/teach")
def teach_page() -> tuple[str, int]:
    feedback = request.args.get("feedback", "")
    return _page(_ids(request.args.get("ids")), int(feedback) if feedback.isdigit() else None)


@bp.post("/teach/attach")
def teach_attach() -> Any:
    form = request.form
    ids = _ids(form.get("ids"))
    feedback = form.get("feedback", "")
    feedback_id = int(feedback) if feedback.isdigit() else None
    article, _, chosen_section = (form.get("article") or form.get("other") or "").partition("#")
    by_lang: dict[str, tuple[list[str], str]] = {}
    for value in form.getlist("q"):  # "fr:question text"
        lang, _, question = value.partition(":")
        if lang in LANGUAGES and question.strip():
            by_lang.setdefault(lang, ([], form.get(f"hash-{lang}-{article}", "")))[0].append(
                question)
    if not article or not by_lang:
        flash("teach_choose")
        return redirect(url_for("console.teach_page", ids=form.get("ids", ""),
                                feedback=feedback or None))
    advisor = str(session.get("advisor_email") or "")
    try:
        changes = teach.attach_languages(teaching_workspace(), article, by_lang, advisor,
                                         section=chosen_section)
    except publish.Conflict as conflict:
        return _page(ids, feedback_id, 409, conflict=conflict, article=article)
    except publish.CheckFailed as failed:
        return _page(ids, feedback_id, 422, issues=_issues(failed))
    except publish.TeachError as error:
        return _page(ids, feedback_id, 400, teach_error=error.code)
    if ids:
        mark_handled(database_url(), ids, advisor, change_id=changes[0].id)
    if feedback_id is not None:
        mark_feedback_handled(database_url(), feedback_id, advisor, change_id=changes[0].id)
    current_app.logger.info("console: %s attached %d question(s) to %s", advisor,
                            sum(len(c.questions) for c in changes), article)
    teaching.schedule_build(current_app._get_current_object())  # type: ignore[attr-defined]
    flash("teach_attached")
    return redirect(url_for("console.teach_changes"))


def publish_form(save: Callable[[str], list[publish.KnowledgeChange]],
                 form_page: Callable[..., tuple[str, int]], conflict_error: str, done: str,
                 what: str) -> Any:
    """The end of a console form that writes knowledge (a new article, a new section): save
    as the signed-in advisor; on a refusal, the form again with the reason and what was
    typed; on success, the group's questions handled, a rebuild, and the change log."""
    advisor = str(session.get("advisor_email") or "")
    try:
        changes = save(advisor)
    except publish.Conflict:
        return form_page(409, teach_error=conflict_error)
    except publish.CheckFailed as failed:
        return form_page(422, issues=_issues(failed))
    except publish.TeachError as error:
        return form_page(400, teach_error=error.code.replace("-", "_"))
    ids = _ids(request.form.get("ids"))
    if ids:
        mark_handled(database_url(), ids, advisor, change_id=changes[0].id)
    current_app.logger.info("console: %s %s", advisor, what)
    teaching.schedule_build(current_app._get_current_object())  # type: ignore[attr-defined]
    flash(done)
    return redirect(url_for("console.teach_changes"))


def teaching_workspace() -> publish.Workspace:
    return publish.Workspace.from_settings(Settings.from_env())


def _issues(failed: publish.CheckFailed) -> list[dict[str, Any]]:
    settings = Settings.from_env()
    rows = []
    for issue in failed.issues:  # worded in the console's language, as on the knowledge page
        message, fix = issue.render(console_lang())
        rows.append({"file": teaching.relative(settings, issue.path), "line": issue.line,
                     "message": message, "fix": fix})
    return rows


@bp.get("/teach/changes")
def teach_changes() -> tuple[str, int]:
    return _changes_page()


def _changes_page(status: int = 200, **extra: Any) -> tuple[str, int]:
    ws = teaching_workspace()
    return render("teach_changes.html", status=status, section="changes",
                  changes=publish.changes(ws), undone=publish.undone_ids(ws),
                  build=teaching.last_build(current_app),
                  build_errors=knowledge.build_errors(teaching.last_build(current_app),
                                                      console_lang()),
                  guard=guard.latest(current_app), figures=FIGURES, **extra)


@bp.post("/teach/undo")
def teach_undo() -> Any:
    change_id = request.form.get("change", "")
    if not change_id.isdigit():
        abort(400)
    advisor = str(session.get("advisor_email") or "")
    try:
        publish.undo(teaching_workspace(), int(change_id), advisor)
    except publish.Conflict as conflict:
        return _changes_page(409, conflict=conflict)
    except publish.CheckFailed as failed:
        return _changes_page(422, issues=_issues(failed))
    except publish.TeachError as error:
        return _changes_page(400 if error.code != "unknown-change" else 404,
                             teach_error=error.code)
    current_app.logger.info("console: %s undid change %s", advisor, change_id)
    teaching.schedule_build(current_app._get_current_object())  # type: ignore[attr-defined]
    flash("teach_undone_flash")
    return redirect(url_for("console.teach_changes"))
