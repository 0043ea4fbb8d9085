"""Teaching and article statistics with the app database and Rasa's tracker store in
PostgreSQL, as at scale (a throw-away server, Debian's package, like the scale-out test):
attach, conflict, undo, handled marks, and the statistics' counts."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, text

from bot import storage
from bot.article_stats import collect
from bot.knowledge.publish import Conflict, Workspace, changes, text_hash, undo, undone_ids
from bot.knowledge.teach import attach
from bot.questions import handled_marks, mark_handled
from tests.helpers.corpus import write_corpus
from tests.helpers.tracker import write_events
from tests.web.test_console_postgres import pg_server  # noqa: F401 (a throw-away server)

pytestmark = pytest.mark.services


def test_teaching_log_and_statistics_on_postgresql(pg_server, tmp_path):  # noqa: F811
    app_url, tracker_url = f"{pg_server}/app", f"{pg_server}/rasa"
    ws = Workspace(write_corpus(tmp_path / "knowledge"), app_url, tmp_path / "lock")
    path = ws.knowledge_dir / "fr" / "tmall-global.md"
    before = path.read_text("utf-8")
    first = attach(ws, "tmall-global", "fr", ["Quel dépôt pour Tmall ?"], text_hash(before),
                   "a@awex.be", section="Combien coûte Tmall Global ?")
    with pytest.raises(Conflict):
        attach(ws, "tmall-global", "fr", ["Autre ?"], text_hash(before), "b@awex.be")
    undo(ws, first.id, "b@awex.be")
    assert path.read_text("utf-8") == before
    assert [c.kind for c in changes(ws)] == ["undo", "attach"] and undone_ids(ws) == {first.id}
    assert changes(ws)[1].previous_text == before

    with storage.session_for(app_url) as db, db.begin():
        row = storage.UnansweredQuestion(conversation_id="c1", question="Quel dépôt ?",
                                         language="fr", confidence=0.2)
        db.add(row)
        db.add(storage.Feedback(conversation_id="c1", helpful=False, answer_excerpt="Dépôt."))
    assert mark_handled(app_url, [row.id], "a@awex.be", first.id) == 1
    assert handled_marks(app_url, [row.id])[row.id].advisor == "a@awex.be"

    now = dt.datetime.now(dt.UTC)
    write_events(tracker_url, [("c1", "bot", now.timestamp() - 60, {
        "event": "bot", "text": "Dépôt.", "data": {"custom": {
            "type": "kb_answer", "language": "fr", "article": "tmall-global",
            "answer_language": "fr"}}})])
    try:
        report = collect(ws.knowledge_dir, app_url, tracker_url,
                         since=storage.utcnow() - dt.timedelta(days=1))
    finally:
        engine = create_engine(tracker_url)
        with engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS events"))
        engine.dispose()
    stats = {(r.article, r.lang): r for r in report.rows}[("tmall-global", "fr")]
    assert (stats.served, stats.not_helpful, stats.helpful) == (1, 1, 0)
    assert report.tracker_available and report.unattributed == 0
