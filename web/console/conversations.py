"""Conversations: the list and transcripts read from Rasa's tracker store (SQLite or
PostgreSQL, bot/tracker_store.py), and deleting a conversation with its lead, feedback and
unanswered questions when a person asks for it (GDPR)."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, request, session, url_for

from bot import storage
from bot.settings import Settings
from bot.tracker_store import TrackerReader
from web.console.auth import safe_next
from web.console.core import bp, database_url, render

# What a deletion removes, in the order shown, with the sentence naming each kind.
FORGET_LABELS = (("tracker_events", "console_forget_tracker_events"),
                 ("leads", "console_nav_leads"), ("feedback", "console_nav_feedback"),
                 ("unanswered_questions", "console_nav_unanswered"))


def tracker_path() -> Path:
    configured = current_app.config.get("TRACKER_SQLITE_PATH")
    return Path(configured) if configured else Settings.from_env().var_dir / "rasa_tracker.db"


def tracker_url() -> str:
    """Rasa's tracker store as a SQLAlchemy URL: TRACKER_DB_URL (the app's config, from the
    environment: e.g. the PostgreSQL store at scale) when set, else the SQLite file
    TRACKER_SQLITE_PATH."""
    configured = current_app.config.get("TRACKER_DB_URL")
    return configured or f"sqlite:///{tracker_path()}"


@bp.get("/conversations")
def conversations() -> tuple[str, int]:
    items = TrackerReader(tracker_url()).conversations()
    return render("conversations.html", section="conversations", items=items or [],
                  available=items is not None)


@bp.get("/conversations/<sender_id>")
def conversation(sender_id: str) -> tuple[str, int]:
    lines = TrackerReader(tracker_url()).transcript(sender_id[:128])
    if not lines:
        return render("message.html", status=404, section="conversations",
                      title_key="console_nav_conversations",
                      message_key="console_conversation_not_found")
    return render("conversation.html", section="conversations", sender_id=sender_id,
                  lines=lines)


@bp.post("/conversations/<sender_id>/forget")
def forget(sender_id: str) -> tuple[str, int]:
    """Delete a conversation and everything stored under its id, on a person's request.

    Two steps, both POST with the CSRF token: without `confirm=1` the page counts what would be
    deleted and asks to confirm; with it, the deletion happens and the counts are shown."""
    sender_id = sender_id[:255]
    back = safe_next(request.form.get("next")) or url_for("console.conversations")
    confirmed = request.form.get("confirm") == "1"
    try:
        counts = storage.forget_conversation(database_url(), tracker_url(), sender_id,
                                             dry_run=not confirmed)
    except Exception:
        current_app.logger.exception("console: deleting conversation %s failed", sender_id)
        return render("forget.html", status=503, section="conversations", sender_id=sender_id,
                      back=back, failed=True, done=False, rows=[], total=0)
    if confirmed:
        current_app.logger.info("console: conversation %s deleted on request by %s: %s",
                                sender_id, session.get("advisor_email"), counts)
    rows = [(label, counts[kind]) for kind, label in FORGET_LABELS]
    return render("forget.html", section="conversations", sender_id=sender_id, back=back,
                  failed=False, done=confirmed, rows=rows, total=sum(counts.values()))
