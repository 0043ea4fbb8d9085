"""Article statistics match the rows inserted in a real tracker store (Rasa's `events` table
in SQLite) and a real app database, with the tiny corpus's front matter."""
from __future__ import annotations

import csv
import datetime as dt
import io

from bot import storage
from bot.article_stats import collect, sort_rows, to_csv
from tests.helpers.corpus import write_corpus
from tests.helpers.tracker import write_events

NOW = dt.datetime(2026, 11, 20, 12, 0)


def ts(moment: dt.datetime) -> float:
    return moment.replace(tzinfo=dt.UTC).timestamp()


def answer(sender: str, at: dt.datetime, article: str, lang: str, text: str,
           answer_language: str | None = None):
    return (sender, "bot", ts(at), {"event": "bot", "text": text, "data": {"custom": {
        "type": "kb_answer", "language": lang, "article": article,
        "answer_language": answer_language or lang}}})


def test_counts_match_the_rows_inserted(tmp_path):
    knowledge = write_corpus(tmp_path / "knowledge")
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    old = NOW - dt.timedelta(days=40)
    write_events(tracker_url, [
        answer("c1", NOW - dt.timedelta(hours=5), "tmall-global", "fr", "La caution de Tmall…"),
        answer("c1", NOW - dt.timedelta(hours=4), "tmall-global", "fr", "Tmall accepte…"),
        answer("c2", NOW - dt.timedelta(hours=3), "tmall-global", "en", "The deposit…"),
        answer("c3", NOW - dt.timedelta(hours=2), "tmall-global", "en", "Texte", "fr"),
        answer("c9", old, "liege-hub", "fr", "Trop ancien"),  # before the period
        ("c4", "bot", ts(NOW - dt.timedelta(hours=1)), {"event": "bot", "text": "?", "data": {
            "custom": {"type": "kb_clarify", "language": "fr",
                       "options": ["tmall-global", "liege-hub"]}}}),
        ("c4", "bot", ts(NOW), {"event": "bot", "text": "non", "data": {
            "custom": {"type": "kb_no_answer", "language": "fr"}}}),
        ("c4", "user", ts(NOW), {"event": "user", "text": "kb_answer in a user message"}),
        answer("c5", NOW - dt.timedelta(hours=1), "gone-article", "fr", "Ancien article"),
    ])
    with storage.session_for(database_url) as db, db.begin():
        db.add_all([
            # rates the first c1 answer by its text, although a later answer exists
            storage.Feedback(conversation_id="c1", answer_excerpt="La   caution de Tmall…",
                             helpful=False, created_at=NOW - dt.timedelta(hours=3)),
            # no text: the latest answer before it in its conversation
            storage.Feedback(conversation_id="c1", answer_excerpt="", helpful=True,
                             created_at=NOW - dt.timedelta(hours=3)),
            storage.Feedback(conversation_id="c2", answer_excerpt="The deposit…", helpful=True,
                             created_at=NOW - dt.timedelta(hours=2)),
            storage.Feedback(conversation_id="nobody", answer_excerpt="?", helpful=False,
                             created_at=NOW - dt.timedelta(hours=2)),
            storage.Feedback(conversation_id="c1", answer_excerpt="La caution de Tmall…",
                             helpful=False, created_at=old),  # before the period
        ])
    report = collect(knowledge, database_url, tracker_url, since=NOW - dt.timedelta(days=30),
                     until=NOW + dt.timedelta(minutes=1))
    by_key = {(r.article, r.lang): r for r in report.rows}
    fr, en = by_key[("tmall-global", "fr")], by_key[("tmall-global", "en")]
    assert (fr.served, fr.helpful, fr.not_helpful, fr.clarifications) == (3, 1, 1, 1)
    assert fr.last_served == NOW - dt.timedelta(hours=2)
    assert (en.served, en.helpful, en.not_helpful, en.clarifications) == (1, 1, 0, 0)
    assert fr.questions == 3 and fr.title == "Tmall Global : conditions et coûts"
    liege = by_key[("liege-hub", "fr")]
    assert (liege.served, liege.clarifications, liege.last_served) == (0, 1, None)
    gone = by_key[("gone-article", "fr")]
    assert gone.served == 1 and not gone.in_knowledge
    assert report.unattributed == 1 and report.tracker_available
    assert {(r.article, r.lang) for r in report.never_served} == {("liege-hub", "fr"),
                                                                 ("liege-hub", "en")}
    assert [r.article for r in report.rows][:2] == ["tmall-global", "gone-article"]


def test_without_a_tracker_store_feedback_is_unattributed(tmp_path):
    knowledge = write_corpus(tmp_path / "knowledge")
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    with storage.session_for(database_url) as db, db.begin():
        db.add(storage.Feedback(conversation_id="c1", helpful=True, created_at=NOW))
    report = collect(knowledge, database_url, f"sqlite:///{tmp_path / 'none.db'}",
                     since=NOW - dt.timedelta(days=1), until=NOW + dt.timedelta(days=1))
    assert not report.tracker_available and report.unattributed == 1
    assert len(report.never_served) == 4 and all(r.served == 0 for r in report.rows)


def test_sorting_and_csv(tmp_path):
    from bot.article_stats import ArticleStats

    rows = [ArticleStats("b", "fr", "=B", served=2, last_served=NOW),
            ArticleStats("a", "en", "A", served=2),
            ArticleStats("c", "fr", "C", served=5, not_helpful=3)]
    assert [r.article for r in sort_rows(rows, "served", True)] == ["c", "a", "b"]
    assert [r.article for r in sort_rows(rows, "last_served", True)] == ["b", "a", "c"]
    assert [r.article for r in sort_rows(rows, "nonsense", False)] == ["a", "b", "c"]
    table = list(csv.reader(io.StringIO(to_csv(rows, cell=lambda v: f"<{v}>"))))
    assert table[0][:4] == ["article", "lang", "title", "served"]
    assert table[1][:4] == ["<b>", "<fr>", "<=B>", "<2>"]
    assert table[1][7] == "<2026-11-20 12:00:00>" and table[2][7] == "<>"
