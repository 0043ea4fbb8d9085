"""Unanswered questions gathered by wording, for advisors to review one group at a time.

People ask the same thing many ways ("Coût Tmall ?", "combien coute tmall global"): rows whose
content words overlap enough form one group, led by its newest wording, with the article the
engine almost answered with. Plain Python (no spaCy): the console calls it on every page view.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import DateTime, Integer, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from bot import storage
from bot.knowledge.lexical import fold
from bot.storage import UnansweredQuestion

STOP_WORDS = frozenset("""
a au aux avec ce ces cette comment d de des du en est et il je la le les leur mon ma mes ne
nous on ou par pas pour qu que quel quelle quelles quels qui sa se son sur ta te un une vos
votre vous y l s c j n m t est-ce peut peux puis faut
an and are can do does for from how i in is it my of on or our the to what when where which
who why will with you your me we be
""".split())


def normalise(text: str) -> str:
    """Lowercase, accents and punctuation folded away: "Coût ?" and "cout" compare equal."""
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).strip()


def tokens(text: str) -> frozenset[str]:
    return frozenset(w for w in normalise(text).split() if w not in STOP_WORDS and len(w) > 1)


def similar(a: frozenset[str], b: frozenset[str], threshold: float = 0.5) -> bool:
    """Token overlap (Jaccard) at or above `threshold`; good enough to gather rewordings."""
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= threshold


@dataclass
class QuestionGroup:
    question: str
    tokens: frozenset[str]
    ids: list[int] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    last_seen: dt.datetime | None = None
    closest: str | None = None
    handled: bool = True
    handled_by: Any = None  # the latest HandledMark, when the console looks it up

    @property
    def count(self) -> int:
        return len(self.ids)


def top_candidate(candidates: Iterable[dict[str, Any]]) -> str | None:
    """The id of the best-scored candidate article, if any."""
    best = max((c for c in candidates if isinstance(c, dict) and c.get("id")),
               key=lambda c: float(c.get("score") or 0.0), default=None)
    return str(best["id"]) if best else None


def group_questions(rows: Sequence[UnansweredQuestion]) -> list[QuestionGroup]:
    """Rows newest first -> groups newest first; each group is led by its newest wording."""
    groups: list[QuestionGroup] = []
    for row in rows:
        row_tokens = tokens(row.question)
        group = next((g for g in groups if similar(g.tokens, row_tokens)), None)
        if group is None:
            group = QuestionGroup(row.question, row_tokens, last_seen=row.created_at)
            groups.append(group)
        elif row.question not in group.variants and row.question != group.question \
                and len(group.variants) < 5:
            group.variants.append(row.question)
        group.ids.append(row.id)
        group.handled = group.handled and row.handled
        if row.language not in group.languages:
            group.languages.append(row.language)
        if group.closest is None:
            try:
                group.closest = top_candidate(row.candidates)
            except ValueError:
                pass
    return groups


class HandledMark(storage.Base):
    """Who marked an unanswered question handled, and when (and which knowledge change, when
    it was handled by attaching it to an article). Its own table: the questions' table has
    no migration path for new columns."""

    __tablename__ = "question_handling"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(Integer, index=True)
    advisor: Mapped[str] = mapped_column(String(254))
    handled_at: Mapped[dt.datetime] = mapped_column(DateTime, default=storage.utcnow)
    change_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


def mark_handled(database_url: str, ids: Sequence[int], advisor: str,
                 change_id: int | None = None) -> int:
    """Mark the questions handled by `advisor` now; returns how many were not yet handled."""
    storage.ensure_tables(database_url, "question_handling")
    with storage.session_for(database_url) as db, db.begin():
        open_ids = list(db.scalars(select(UnansweredQuestion.id).where(
            UnansweredQuestion.id.in_(list(ids)), UnansweredQuestion.handled.is_(False))))
        db.execute(update(UnansweredQuestion).where(UnansweredQuestion.id.in_(open_ids))
                   .values(handled=True))
        db.add_all([HandledMark(question_id=i, advisor=advisor, change_id=change_id)
                    for i in open_ids])
    return len(open_ids)


def handled_marks(database_url: str, ids: Sequence[int]) -> dict[int, HandledMark]:
    """The latest mark of each question among `ids` that has one."""
    storage.ensure_tables(database_url, "question_handling")
    with storage.session_for(database_url) as db:
        rows = db.scalars(select(HandledMark).where(HandledMark.question_id.in_(list(ids)))
                          .order_by(HandledMark.id))
        return {row.question_id: row for row in rows}
