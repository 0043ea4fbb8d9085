"""The app database: what advisors review (unanswered questions, feedback, leads, accounts).

SQLAlchemy, so the embedded default is SQLite under var/ and a deployment sets DATABASE_URL to
PostgreSQL. Both the action server and the web app write here; neither owns the schema alone.

Data protection lives here too: `forget_conversation` deletes one conversation everywhere it is
stored (Rasa's tracker store and the app database), `purge` deletes what is older than the
retention the privacy notice and the consent text promise. Rasa's tracker store is reached
through bot/tracker_store.py (SQLAlchemy Core on its `events` table only, never through Rasa),
and nothing is ever created in it.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from bot import tracker_store


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class UnansweredQuestion(Base):
    """A question the bot declined, with what it almost answered, for advisors to review."""

    __tablename__ = "unanswered_questions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    question: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    confidence: Mapped[float] = mapped_column()
    candidates_json: Mapped[str] = mapped_column(Text, default="[]")
    handled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)

    @property
    def candidates(self) -> list[dict[str, Any]]:
        values: list[dict[str, Any]] = json.loads(self.candidates_json or "[]")
        return values


class Feedback(Base):
    """A thumbs up or down on one knowledge answer, with the question and its sources."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    question: Mapped[str] = mapped_column(Text, default="")
    answer_excerpt: Mapped[str] = mapped_column(Text, default="")
    sources_json: Mapped[str] = mapped_column(Text, default="[]")
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)

    @property
    def sources(self) -> list[dict[str, Any]]:
        values: list[dict[str, Any]] = json.loads(self.sources_json or "[]")
        return values


class Lead(Base):
    """A company that asked to be contacted, with its consent and assessment."""

    __tablename__ = "leads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    language: Mapped[str] = mapped_column(String(8), default="fr")
    consent_text: Mapped[str] = mapped_column(Text)
    assessment_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Advisor(Base):
    """An Awex advisor's console account; the password is stored hashed only."""

    __tablename__ = "advisors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


_ENGINES: dict[str, Engine] = {}
_LOCK = threading.Lock()


def engine_for(url: str) -> Engine:
    """One engine per database URL per process; tables are created on first use."""
    with _LOCK:
        if url not in _ENGINES:
            if url.startswith("sqlite:///"):
                from pathlib import Path

                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
                # hide_parameters: a failed insert's error (which gets logged) does not
                # quote the lead's name and e-mail.
                engine = create_engine(url, connect_args={"timeout": 15}, hide_parameters=True)

                @event.listens_for(engine, "connect")
                def _wal(connection: Any, _record: Any) -> None:  # readers never block the writer
                    connection.execute("PRAGMA journal_mode=WAL")
            else:
                engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
            Base.metadata.create_all(engine)
            _ENGINES[url] = engine
        return _ENGINES[url]


def ensure_tables(url: str, *names: str) -> None:
    """Create these tables if missing: tables declared by modules imported after the engine
    was first made (the handling marks, the knowledge change log) are not in its create_all."""
    Base.metadata.create_all(engine_for(url), tables=[Base.metadata.tables[n] for n in names])


def session_for(url: str) -> Session:
    return sessionmaker(engine_for(url), expire_on_commit=False)()


def log_unanswered(url: str, conversation_id: str, question: str, language: str,
                   confidence: float, candidates: list[dict[str, Any]]) -> None:
    with session_for(url) as session, session.begin():
        session.add(UnansweredQuestion(
            conversation_id=conversation_id, question=question[:2000], language=language,
            confidence=confidence, candidates_json=json.dumps(candidates, ensure_ascii=False)))


def recent(url: str, model: Any, limit: int = 500) -> list[Any]:
    with session_for(url) as session:
        return list(session.scalars(select(model).order_by(model.created_at.desc()).limit(limit)))


def store_lead(url: str, conversation_id: str, name: str, company: str, email: str,
               phone: str | None, language: str, consent_text: str,
               assessment: dict[str, Any] | None) -> int:
    """Store a lead given with consent; raises when the database cannot take it, so the
    caller tells the user instead of losing the lead silently."""
    with session_for(url) as session, session.begin():
        lead = Lead(conversation_id=conversation_id, name=name, company=company, email=email,
                    phone=phone, language=language, consent_text=consent_text,
                    assessment_json=json.dumps(assessment or {}, ensure_ascii=False))
        session.add(lead)
        session.flush()
        return lead.id


# ------------------------------------------------------------------------- data protection

# Rasa's SQLTrackerStore table, shared with the console's reader (bot/tracker_store.py).
TRACKER_EVENTS = tracker_store.EVENTS
# What `forget_conversation` and `purge` report, in this order.
DELETION_KINDS = ("tracker_events", "leads", "feedback", "unanswered_questions")


def _remove(connection: Connection, target: Any, condition: ColumnElement[bool],
            dry_run: bool) -> int:
    """Delete the matching rows (or only count them) and say how many."""
    if dry_run:
        return int(connection.execute(
            select(func.count()).select_from(target).where(condition)).scalar_one())
    return int(connection.execute(delete(target).where(condition)).rowcount or 0)


def _tracker_remove(tracker_url: str, condition: ColumnElement[bool], dry_run: bool) -> int:
    """Delete tracker events matching `condition`; 0 when the store does not exist yet (Rasa
    creates its SQLite file and table on the first message). Errors reaching an existing
    store propagate: a deletion request must not look done when it is not."""
    engine = tracker_store.open_engine(tracker_url)
    if engine is None:
        return 0
    try:
        if not inspect(engine).has_table("events"):
            return 0
        with engine.begin() as connection:
            return _remove(connection, TRACKER_EVENTS, condition, dry_run)
    finally:
        engine.dispose()


def _app_remove(database_url: str, conditions: dict[str, ColumnElement[bool]],
                dry_run: bool) -> dict[str, int]:
    tables = {"leads": Lead.__table__, "feedback": Feedback.__table__,
              "unanswered_questions": UnansweredQuestion.__table__}
    with engine_for(database_url).begin() as connection:  # all or nothing
        return {kind: _remove(connection, tables[kind], condition, dry_run)
                for kind, condition in conditions.items()}


def forget_conversation(database_url: str, tracker_url: str, conversation_id: str,
                        dry_run: bool = False) -> dict[str, int]:
    """Delete one conversation on request (GDPR): its tracker events in Rasa's store, and the
    leads, feedback and unanswered questions recorded under its id. Returns the counts per
    kind (DELETION_KINDS); with `dry_run`, only counts what would be deleted."""
    counts = {"tracker_events": _tracker_remove(
        tracker_url, TRACKER_EVENTS.c.sender_id == conversation_id, dry_run)}
    counts.update(_app_remove(database_url, {
        "leads": Lead.__table__.c.conversation_id == conversation_id,
        "feedback": Feedback.__table__.c.conversation_id == conversation_id,
        "unanswered_questions": UnansweredQuestion.__table__.c.conversation_id
        == conversation_id,
    }, dry_run))
    return {kind: counts[kind] for kind in DELETION_KINDS}


def purge(database_url: str, tracker_url: str, older_than_days: int, lead_older_than_days: int,
          now: dt.datetime | None = None, dry_run: bool = False) -> dict[str, int]:
    """Delete what is past its retention: tracker events, feedback and unanswered questions
    older than `older_than_days`, leads older than `lead_older_than_days`. `now` is naive UTC
    (as every created_at column); returns the counts per kind (DELETION_KINDS)."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=older_than_days)
    lead_cutoff = now - dt.timedelta(days=lead_older_than_days)
    unix_cutoff = cutoff.replace(tzinfo=dt.UTC).timestamp()
    counts = {"tracker_events": _tracker_remove(
        tracker_url, TRACKER_EVENTS.c.timestamp < unix_cutoff, dry_run)}
    counts.update(_app_remove(database_url, {
        "leads": Lead.__table__.c.created_at < lead_cutoff,
        "feedback": Feedback.__table__.c.created_at < cutoff,
        "unanswered_questions": UnansweredQuestion.__table__.c.created_at < cutoff,
    }, dry_run))
    return {kind: counts[kind] for kind in DELETION_KINDS}
