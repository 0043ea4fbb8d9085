"""Reviewing the answers users rated: which "not helpful" ratings an advisor has dealt with,
who did and when (and which knowledge change, when it was by teaching the bot), so the
console's feedback page shows what is still to look at, as the unanswered questions page does.

Its own table, as `question_handling`: the feedback table has no migration path for new
columns.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import DateTime

from bot import storage


class FeedbackMark(storage.Base):
    __tablename__ = "feedback_handling"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(Integer, index=True)
    advisor: Mapped[str] = mapped_column(String(254))
    handled_at: Mapped[dt.datetime] = mapped_column(DateTime, default=storage.utcnow)
    change_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


def mark_feedback_handled(database_url: str, feedback_id: int, advisor: str,
                          change_id: int | None = None) -> bool:
    """Mark one rating handled by `advisor` now; False when it does not exist or already
    was."""
    storage.ensure_tables(database_url, "feedback_handling")
    with storage.session_for(database_url) as db, db.begin():
        if db.get(storage.Feedback, feedback_id) is None:
            return False
        if db.scalar(select(FeedbackMark.id).where(FeedbackMark.feedback_id == feedback_id)):
            return False
        db.add(FeedbackMark(feedback_id=feedback_id, advisor=advisor, change_id=change_id))
    return True


def feedback_marks(database_url: str, ids: Sequence[int]) -> dict[int, FeedbackMark]:
    """The mark of each rating among `ids` that has one."""
    storage.ensure_tables(database_url, "feedback_handling")
    with storage.session_for(database_url) as db:
        rows = db.scalars(select(FeedbackMark).where(FeedbackMark.feedback_id.in_(list(ids)))
                          .order_by(FeedbackMark.id))
        return {row.feedback_id: row for row in rows}
