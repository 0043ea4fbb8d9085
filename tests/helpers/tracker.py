"""Rasa's tracker store for tests: its `events` table in any database SQLAlchemy reaches, a
small conversation in it, and what bot.tracker_store's reader must give back for it."""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    Sequence,
    String,
    Table,
    Text,
    create_engine,
)

from bot.tracker_store import TrackerReader

DAY = 86400.0
T0 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC).timestamp()

# (sender_id, type_name, timestamp, the event as stored: normally a dict)
Event = tuple[str, str, float, Any]


def rasa_events_table(metadata: MetaData) -> Table:
    """Rasa's `events` table: the columns, types and index of SQLTrackerStore.SQLEvent."""
    return Table("events", metadata,
                 Column("id", Integer, Sequence("events_seq"), primary_key=True),
                 Column("sender_id", String(255), nullable=False, index=True),
                 Column("type_name", String(255), nullable=False),
                 Column("timestamp", Float),
                 Column("intent_name", String(255)),
                 Column("action_name", String(255)),
                 Column("data", Text))


def write_events(url: str, events: Iterable[Event]) -> None:
    """Rasa's `events` table with `events` in it, in any database SQLAlchemy reaches:
    (sender_id, type_name, timestamp, event data)."""
    engine = create_engine(url)
    metadata = MetaData()
    events_table = rasa_events_table(metadata)
    metadata.create_all(engine)
    with engine.begin() as connection:
        for sender, type_name, timestamp, data in events:
            connection.execute(events_table.insert().values(
                sender_id=sender, type_name=type_name, timestamp=timestamp,
                data=json.dumps(data)))
    engine.dispose()


CONVERSATION = [
    ("sess-1", "action", T0, {"event": "action", "name": "action_listen"}),
    ("sess-1", "user", T0 + 1, {"event": "user", "text": "Combien coûte Tmall ?"}),
    ("sess-1", "bot", T0 + 2, {"event": "bot", "text": "Un dépôt et une redevance.",
                               "data": {"custom": {"type": "kb_answer"}}}),
    ("sess-1", "user", T0 + 3, {"event": "user", "text": "/request_advisor"}),
    ("sess-2", "user", T0 + DAY, {"event": "user", "text": "Et la caution ?"}),
    ("sess-2", "bot", T0 + DAY + 1, {"event": "bot", "text": "Je ne sais pas.",
                                     "data": {"custom": {"type": "kb_no_answer"}}}),
    ("sess-2", "bot", T0 + DAY + 2, {"event": "bot", "text": "x", "data": ["not", "a", "dict"]}),
    ("sess-3", "user", T0 + DAY + 3, "not an object"),
]


def check_reader(url: str) -> None:
    """What every store must give back for CONVERSATION (shared with the PostgreSQL test)."""
    reader = TrackerReader(url)
    items = reader.conversations()
    assert [i["id"] for i in items] == ["sess-3", "sess-2", "sess-1"]  # most recent first
    first = items[-1]
    assert (first["questions"], first["messages"]) == (2, 3)  # the action is not a message
    assert first["started"] == "2026-03-02 09:30 UTC"
    lines = reader.transcript("sess-1")
    assert [(line["speaker"], line["text"], line["kind"]) for line in lines] == [
        ("user", "Combien coûte Tmall ?", None),
        ("bot", "Un dépôt et une redevance.", "kb_answer"),
        ("user", "/request_advisor", None)]
    assert reader.transcript("unknown") == []
    days = [dt.date(2026, 3, 2), dt.date(2026, 3, 3)]
    questions, answered, declined = [0, 0], [0, 0], [0, 0]
    assert reader.daily(T0 - 60, {d: i for i, d in enumerate(days)}, questions, answered,
                        declined)
    assert (questions, answered, declined) == ([1, 1], [1, 0], [0, 1])
