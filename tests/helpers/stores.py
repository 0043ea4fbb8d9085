"""The two stores forget/purge work on, filled for tests: a tracker store with Rasa's `events`
table (rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent) and rows in the app database."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import MetaData, create_engine, select

from bot import storage
from tests.helpers.tracker import rasa_events_table

DAY = 86400.0
NOW = dt.datetime(2026, 6, 1, 12, 0, 0)  # naive UTC, like every created_at column
NOW_TS = NOW.replace(tzinfo=dt.UTC).timestamp()


def make_tracker(path: Path, events: Iterable[tuple[str, str, float]] = ()) -> str:
    """A tracker store with Rasa's `events` table (same columns, types and index as
    SQLTrackerStore.SQLEvent); `events` are (sender_id, type_name, timestamp). Returns its URL."""
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    metadata = MetaData()
    table = rasa_events_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as connection:
        for sender, type_name, timestamp in events:
            connection.execute(table.insert().values(
                sender_id=sender, type_name=type_name, timestamp=timestamp,
                intent_name="greet" if type_name == "user" else None,
                action_name="action_listen" if type_name == "action" else None,
                data=json.dumps({"event": type_name, "timestamp": timestamp, "text": "bonjour"})))
    engine.dispose()
    return url


def tracker_senders(path: Path) -> list:
    with sqlite3.connect(path) as db:
        return sorted(r[0] for r in db.execute("SELECT sender_id FROM events"))


def add_rows(url: str, conversation_id: str, created_at: dt.datetime | None = None,
             lead_created_at: dt.datetime | None = None) -> None:
    """One lead, one feedback and one unanswered question under `conversation_id`."""
    created_at = created_at or NOW
    with storage.session_for(url) as db, db.begin():
        db.add(storage.Lead(conversation_id=conversation_id, name="Anne Peeters",
                            company="Biscuiterie Dupont", email="anne@example.be", phone=None,
                            language="fr", consent_text="J'accepte",
                            created_at=lead_created_at or created_at))
        db.add(storage.Feedback(conversation_id=conversation_id, question="Tmall ?",
                                helpful=True, created_at=created_at))
        db.add(storage.UnansweredQuestion(conversation_id=conversation_id, question="Douane ?",
                                          language="fr", confidence=0.1,
                                          created_at=created_at))


def app_counts(url: str, conversation_id: str | None = None) -> dict:
    counts = {}
    with storage.session_for(url) as db:
        for kind, model in (("leads", storage.Lead), ("feedback", storage.Feedback),
                            ("unanswered_questions", storage.UnansweredQuestion)):
            query = select(model.id)
            if conversation_id is not None:
                query = query.where(model.conversation_id == conversation_id)
            counts[kind] = len(list(db.scalars(query)))
    return counts
