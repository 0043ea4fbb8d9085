"""The advisor console: what the bot could not answer, feedback, leads, transcripts, knowledge
health and an index rebuild, for Awex staff behind a login; and deleting a conversation with
its lead, feedback and unanswered questions when a person asks for it (GDPR).

One module per feature, each adding its routes to the blueprint of `core`: `auth` (login,
the guard, accounts), `overview` (counts and charts), `review` (unanswered questions and
feedback), `leads`, `conversations` (transcripts and deletion), `knowledge` (health and
rebuild), `teach` (attach missed questions to articles, the change log and undo), `section`
(a new section in an article for a group of questions), `draft` (a new article from a group
of questions), `stats`
(served, helpful and never-served articles). What is not about the web lives in `bot/`
(question grouping, the tracker store, teaching, article statistics).

Security in short: passwords hashed with werkzeug; CSRF tokens on every console form (and only
there: the JSON chat API stays token-free); the session is cleared and re-issued at login and
expires 8 hours after it (absolute, whatever the activity); repeated failed logins per IP and
e-mail are refused for 15 minutes; pages cannot be framed and are not cached.
"""
from __future__ import annotations

from bot.questions import normalise, similar, tokens, top_candidate
from web.console import (
    auth,
    conversations,
    draft,
    knowledge,
    leads,
    overview,
    review,
    section,
    stats,
    teach,
)
from web.console.core import bp, csrf
from web.console.knowledge import _REBUILD_LOCK
from web.console.leads import LEAD_COLUMNS
from web.console.overview import bar_chart

__all__ = ["bp", "csrf", "auth", "conversations", "knowledge", "leads", "overview", "review",
           "teach", "section", "draft", "stats",
           "normalise", "similar", "tokens", "top_candidate", "bar_chart", "LEAD_COLUMNS",
           "_REBUILD_LOCK"]
