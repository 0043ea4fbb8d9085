"""Rasa's tracker store, read and pruned with SQLAlchemy Core, never through Rasa.

Rasa's SQLTrackerStore keeps one row per event in its table `events` (sender_id the
conversation id, type_name "user", "bot", "action"..., timestamp a float Unix time, data the
event as JSON), in SQLite by default and in PostgreSQL at scale (endpoints.scale.yml). The
advisor console reads conversations and daily counts from it (`TrackerReader`); `bot forget`
and `bot purge` delete from it (`bot.storage`). Nothing here ever creates a table in Rasa's
store: before Rasa's first message there is none, and readers say so instead of failing.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import case, column, create_engine, func, select, table
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

# The columns of SQLTrackerStore.SQLEvent (rasa/core/tracker_store.py) this project uses.
EVENTS = table("events", column("id"), column("sender_id"), column("type_name"),
               column("timestamp"), column("data"))
SQLITE_PREFIX = "sqlite:///"


def sqlite_file(url: str) -> Path | None:
    """The file of a `sqlite:///path` URL; None for any other database."""
    if not url.startswith(SQLITE_PREFIX):
        return None
    return Path(url[len(SQLITE_PREFIX):])


def open_engine(url: str, read_only: bool = False) -> Engine | None:
    """An engine on the tracker store, or None when it is a SQLite file that does not exist
    yet (Rasa creates it on its first message; opening it here would create it)."""
    path = sqlite_file(url)
    if path is None:
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if str(path) in ("", ":memory:") or not path.is_file():
        return None
    if read_only:
        uri = path.resolve().as_uri() + "?mode=ro"
        return create_engine(SQLITE_PREFIX, hide_parameters=True,
                             creator=lambda: sqlite3.connect(uri, uri=True, timeout=5,
                                                             check_same_thread=False))
    return create_engine(url, connect_args={"timeout": 15}, hide_parameters=True)


_READERS: dict[str, Engine] = {}
_LOCK = threading.Lock()


def _reader_engine(url: str) -> Engine | None:
    """One read-only engine per store per process (the console reads on every page)."""
    path = sqlite_file(url)
    with _LOCK:
        engine = _READERS.get(url)
        if engine is not None and path is not None and not path.is_file():
            engine.dispose()  # the file went away (a reset, tests): start again
            del _READERS[url]
            engine = None
        if engine is None:
            engine = open_engine(url, read_only=True)
            if engine is not None:
                _READERS[url] = engine
        return engine


def payload_type(event: dict[str, Any]) -> str | None:
    """The `type` of the machine-readable payload a bot event carries (kb_answer, ...)."""
    data = event.get("data")
    custom = data.get("custom") if isinstance(data, dict) else None
    kind = custom.get("type") if isinstance(custom, dict) else None
    return kind if isinstance(kind, str) else None


def when(timestamp: Any) -> str:
    """A tracker timestamp as a readable UTC time; "" when it is not one."""
    try:
        moment = dt.datetime.fromtimestamp(float(timestamp), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return ""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def day_of(timestamp: Any) -> dt.date:
    return dt.datetime.fromtimestamp(float(timestamp), dt.UTC).date()


def _event(data: Any) -> dict[str, Any] | None:
    try:
        event = json.loads(data or "{}")
    except (TypeError, ValueError):
        return None
    return event if isinstance(event, dict) else None


class TrackerReader:
    """Read-only views of the tracker store at `url` (a SQLAlchemy URL). Every method returns
    None when the store or its table does not exist yet, or cannot be read (logged)."""

    def __init__(self, url: str):
        self.url = url

    def _rows(self, query: Any) -> list[Any] | None:
        engine = _reader_engine(self.url)
        if engine is None:
            return None
        try:
            with engine.connect() as connection:
                return list(connection.execute(query))
        except SQLAlchemyError as exc:  # no `events` table yet, a store that is down...
            log.info("tracker store not readable: %s", exc.__class__.__name__)
            return None

    def conversations(self, limit: int = 200) -> list[dict[str, Any]] | None:
        """The latest conversations, most recent first, with their user and total turns."""
        last = func.max(EVENTS.c.timestamp)
        rows = self._rows(
            select(EVENTS.c.sender_id, func.min(EVENTS.c.timestamp), last,
                   func.sum(case((EVENTS.c.type_name == "user", 1), else_=0)), func.count())
            .where(EVENTS.c.type_name.in_(("user", "bot")))
            .group_by(EVENTS.c.sender_id).order_by(last.desc()).limit(limit))
        if rows is None:
            return None
        return [{"id": r[0], "started": when(r[1]), "last": when(r[2]),
                 "questions": int(r[3] or 0), "messages": int(r[4])} for r in rows]

    def transcript(self, sender_id: str) -> list[dict[str, Any]] | None:
        """What the user and the bot said in one conversation, in order."""
        rows = self._rows(
            select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.sender_id == sender_id, EVENTS.c.type_name.in_(("user", "bot")))
            .order_by(EVENTS.c.timestamp, EVENTS.c.id))
        if rows is None:
            return None
        lines = []
        for type_name, timestamp, data in rows:
            event = _event(data) or {}
            lines.append({"speaker": type_name, "when": when(timestamp),
                          "text": str(event.get("text") or ""),
                          "kind": payload_type(event) if type_name == "bot" else None})
        return lines

    def daily(self, since: float, index: dict[dt.date, int], questions: list[int],
              answered: list[int], declined: list[int]) -> bool:
        """Fill typed questions per day and answered/declined knowledge turns (days mapped to
        list positions by `index`); False when there is no store to read."""
        rows = self._rows(
            select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.timestamp >= since,
                   (EVENTS.c.type_name == "user")
                   | ((EVENTS.c.type_name == "bot") & EVENTS.c.data.like('%"kb_%'))))
        if rows is None:
            return False
        for type_name, timestamp, data in rows:
            i = index.get(day_of(timestamp))
            event = _event(data)
            if i is None or event is None:
                continue
            if type_name == "user":
                # a typed question, not a button payload such as /request_advisor
                if not str(event.get("text") or "").startswith("/"):
                    questions[i] += 1
                continue
            kind = payload_type(event)
            if kind == "kb_answer":
                answered[i] += 1
            elif kind == "kb_no_answer":
                declined[i] += 1
        return True

    def knowledge_replies(self, since: float) -> list[tuple[str, float, dict[str, Any]]] | None:
        """The bot's knowledge replies (events whose payload type starts with "kb_") since
        `since`, oldest first: (conversation id, timestamp, event); for article statistics."""
        rows = self._rows(
            select(EVENTS.c.sender_id, EVENTS.c.timestamp, EVENTS.c.data)
            .where(EVENTS.c.timestamp >= since, EVENTS.c.type_name == "bot",
                   EVENTS.c.data.like('%"kb_%'))
            .order_by(EVENTS.c.timestamp, EVENTS.c.id))
        if rows is None:
            return None
        found = []
        for sender_id, timestamp, data in rows:
            event = _event(data)
            if event is not None and (payload_type(event) or "").startswith("kb_"):
                found.append((str(sender_id), float(timestamp), event))
        return found
