"""The app database: what advisors review (unanswered questions, feedback, leads, accounts).

SQLAlchemy, so the embedded default is SQLite under var/ and a deployment sets DATABASE_URL to
PostgreSQL. Both the action server and the web app write here; neither owns the schema alone.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any, Dict, List, Optional

from sqlalchemy import (Boolean, DateTime, Integer, String, Text, create_engine, event, select)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


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
    def candidates(self) -> List[Dict[str, Any]]:
        return json.loads(self.candidates_json or "[]")


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
    def sources(self) -> List[Dict[str, Any]]:
        return json.loads(self.sources_json or "[]")


class Lead(Base):
    """A company that asked to be contacted, with its consent and assessment."""

    __tablename__ = "leads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[Optional[str]] = mapped_column(String(40), nullable=True)
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


_ENGINES: Dict[str, Engine] = {}
_LOCK = threading.Lock()


def engine_for(url: str) -> Engine:
    """One engine per database URL per process; tables are created on first use."""
    with _LOCK:
        if url not in _ENGINES:
            if url.startswith("sqlite:///"):
                from pathlib import Path

                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"timeout": 15})

                @event.listens_for(engine, "connect")
                def _wal(connection, _record) -> None:  # readers never block the writer
                    connection.execute("PRAGMA journal_mode=WAL")
            else:
                engine = create_engine(url, pool_pre_ping=True)
            Base.metadata.create_all(engine)
            _ENGINES[url] = engine
        return _ENGINES[url]


def session_for(url: str) -> Session:
    return sessionmaker(engine_for(url), expire_on_commit=False)()


def log_unanswered(url: str, conversation_id: str, question: str, language: str,
                   confidence: float, candidates: List[Dict[str, Any]]) -> None:
    with session_for(url) as session, session.begin():
        session.add(UnansweredQuestion(
            conversation_id=conversation_id, question=question[:2000], language=language,
            confidence=confidence, candidates_json=json.dumps(candidates, ensure_ascii=False)))


def recent(url: str, model, limit: int = 500) -> list:
    with session_for(url) as session:
        return list(session.scalars(select(model).order_by(model.created_at.desc()).limit(limit)))


def store_lead(url: str, conversation_id: str, name: str, company: str, email: str,
               phone: Optional[str], language: str, consent_text: str,
               assessment: Optional[Dict[str, Any]]) -> int:
    """Store a lead given with consent; raises when the database cannot take it, so the
    caller tells the user instead of losing the lead silently."""
    with session_for(url) as session, session.begin():
        lead = Lead(conversation_id=conversation_id, name=name, company=company, email=email,
                    phone=phone, language=language, consent_text=consent_text,
                    assessment_json=json.dumps(assessment or {}, ensure_ascii=False))
        session.add(lead)
        session.flush()
        return lead.id
