"""Data protection in bot.storage: forgetting one conversation and purging what is past its
retention, on real SQLite files: the app database, and a tracker store with Rasa's schema
(rasa/core/tracker_store.py, SQLTrackerStore.SQLEvent) — and, when Rasa's environment is
there, a tracker store written and read back by Rasa itself."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from bot import storage
from bot.settings import ROOT, Settings
from tests.helpers.stores import (
    DAY,
    NOW,
    NOW_TS,
    add_rows,
    app_counts,
    make_tracker,
    tracker_senders,
)


@pytest.fixture
def stores(tmp_path: Path):
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    tracker_path = tmp_path / "rasa_tracker.db"
    return database_url, tracker_path


def test_forget_deletes_one_conversation_everywhere(stores):
    database_url, tracker_path = stores
    tracker_url = make_tracker(tracker_path, [
        ("forget-me-123", "action", NOW_TS), ("forget-me-123", "user", NOW_TS + 1),
        ("forget-me-123", "bot", NOW_TS + 2), ("keep-me-4567", "user", NOW_TS)])
    add_rows(database_url, "forget-me-123")
    add_rows(database_url, "keep-me-4567")

    preview = storage.forget_conversation(database_url, tracker_url, "forget-me-123",
                                          dry_run=True)
    assert preview == {"tracker_events": 3, "leads": 1, "feedback": 1, "unanswered_questions": 1}
    assert tracker_senders(tracker_path).count("forget-me-123") == 3  # a dry run deletes nothing

    counts = storage.forget_conversation(database_url, tracker_url, "forget-me-123")
    assert counts == preview
    assert tracker_senders(tracker_path) == ["keep-me-4567"]
    assert app_counts(database_url, "forget-me-123") == {
        "leads": 0, "feedback": 0, "unanswered_questions": 0}
    assert app_counts(database_url, "keep-me-4567") == {
        "leads": 1, "feedback": 1, "unanswered_questions": 1}
    # Asking again is harmless and says nothing is left.
    assert set(storage.forget_conversation(database_url, tracker_url,
                                           "forget-me-123").values()) == {0}


def test_forget_is_not_fooled_by_sql_like_ids(stores):
    database_url, tracker_path = stores
    tracker_url = make_tracker(tracker_path, [("abc-1234", "user", NOW_TS),
                                              ("abc-12345", "user", NOW_TS)])
    add_rows(database_url, "abc-1234")
    counts = storage.forget_conversation(database_url, tracker_url, "abc-1234' OR '1'='1")
    assert set(counts.values()) == {0}
    counts = storage.forget_conversation(database_url, tracker_url, "abc-123%")
    assert set(counts.values()) == {0}
    assert tracker_senders(tracker_path) == ["abc-1234", "abc-12345"]


def test_forget_without_a_tracker_store_yet(stores):
    """Before Rasa's first message there is no tracker file: nothing to delete there, and
    none is created."""
    database_url, tracker_path = stores
    add_rows(database_url, "only-in-app-db")
    counts = storage.forget_conversation(database_url, f"sqlite:///{tracker_path}",
                                         "only-in-app-db")
    assert counts == {"tracker_events": 0, "leads": 1, "feedback": 1, "unanswered_questions": 1}
    assert not tracker_path.exists()


def test_forget_with_a_tracker_file_but_no_events_table(stores):
    database_url, tracker_path = stores
    sqlite3.connect(tracker_path).close()
    counts = storage.forget_conversation(database_url, f"sqlite:///{tracker_path}", "x" * 12)
    assert counts["tracker_events"] == 0
    with sqlite3.connect(tracker_path) as db:  # nothing was created in Rasa's store
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_forget_fails_loudly_when_the_tracker_store_is_unreachable(stores):
    database_url, _ = stores
    add_rows(database_url, "conversation-1")
    with pytest.raises(OperationalError):
        storage.forget_conversation(
            database_url, "postgresql+psycopg2://u:p@127.0.0.1:1/rasa?connect_timeout=1",
            "conversation-1")
    # The tracker is deleted first: the app rows are still there to retry with.
    assert app_counts(database_url, "conversation-1")["leads"] == 1


def test_purge_deletes_what_is_past_its_retention(stores):
    database_url, tracker_path = stores
    tracker_url = make_tracker(tracker_path, [
        ("old-conversation", "user", NOW_TS - 91 * DAY),
        ("old-conversation", "bot", NOW_TS - 91 * DAY + 1),
        ("long-conversation", "user", NOW_TS - 100 * DAY),  # its old turn goes...
        ("long-conversation", "user", NOW_TS - 2 * DAY),  # ...its recent one stays
        ("recent-conversation", "user", NOW_TS - 89 * DAY)])
    add_rows(database_url, "old-conversation", created_at=NOW - dt.timedelta(days=91),
             lead_created_at=NOW - dt.timedelta(days=200))
    add_rows(database_url, "recent-conversation", created_at=NOW - dt.timedelta(days=89))
    add_rows(database_url, "ancient-lead", created_at=NOW - dt.timedelta(days=400))

    preview = storage.purge(database_url, tracker_url, 90, 365, now=NOW, dry_run=True)
    assert preview == {"tracker_events": 3, "leads": 1, "feedback": 2, "unanswered_questions": 2}
    assert len(tracker_senders(tracker_path)) == 5

    counts = storage.purge(database_url, tracker_url, 90, 365, now=NOW)
    assert counts == preview
    assert tracker_senders(tracker_path) == ["long-conversation", "recent-conversation"]
    assert app_counts(database_url, "recent-conversation") == {
        "leads": 1, "feedback": 1, "unanswered_questions": 1}
    # a lead keeps its 12 months even when its conversation's feedback is past 90 days
    assert app_counts(database_url, "old-conversation") == {
        "leads": 1, "feedback": 0, "unanswered_questions": 0}
    assert app_counts(database_url, "ancient-lead") == {
        "leads": 0, "feedback": 0, "unanswered_questions": 0}
    assert set(storage.purge(database_url, tracker_url, 90, 365, now=NOW).values()) == {0}


def test_purge_with_shorter_retentions(stores):
    database_url, tracker_path = stores
    tracker_url = make_tracker(tracker_path, [("c-12345678", "user", NOW_TS - 8 * DAY)])
    add_rows(database_url, "c-12345678", created_at=NOW - dt.timedelta(days=8))
    counts = storage.purge(database_url, tracker_url, 7, 7, now=NOW)
    assert counts == {"tracker_events": 1, "leads": 1, "feedback": 1, "unanswered_questions": 1}


def test_purge_uses_now_by_default(stores):
    database_url, tracker_path = stores
    tracker_url = make_tracker(tracker_path, [("c-12345678", "user", time.time() - 91 * DAY),
                                              ("c-12345678", "user", time.time())])
    assert storage.purge(database_url, tracker_url, 90, 365)["tracker_events"] == 1


def test_settings_tracker_url_and_retention(tmp_path):
    settings = Settings.from_env({"AWEX_VAR_DIR": str(tmp_path)})
    assert settings.tracker_db_url == f"sqlite:///{tmp_path.resolve() / 'rasa_tracker.db'}"
    assert (settings.retention_days, settings.lead_retention_days) == (90, 365)
    settings = Settings.from_env({"TRACKER_SQLITE_PATH": str(tmp_path / "t.db"),
                                  "AWEX_RETENTION_DAYS": "30", "AWEX_LEAD_RETENTION_DAYS": "180"})
    assert settings.tracker_db_url == f"sqlite:///{(tmp_path / 't.db').resolve()}"
    assert (settings.retention_days, settings.lead_retention_days) == (30, 180)
    url = "postgresql://rasa:secret@db:5432/rasa"
    assert Settings.from_env({"TRACKER_DB_URL": url}).tracker_db_url == url


RASA_PYTHON = ROOT / "var" / "venv-rasa" / "bin" / "python"
RASA_SCRIPT = """
import asyncio, json, sys
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=sys.argv[2])
SENDERS = ("keep-me-1234", "forget-me-5678")

async def main():
    if sys.argv[1] == "write":
        for sender in SENDERS:
            await store.save(DialogueStateTracker.from_events(sender, [
                ActionExecuted("action_listen"), UserUttered("bonjour"), BotUttered("salut")]))
    counts = {}
    for sender in SENDERS:
        tracker = await store.retrieve(sender)
        counts[sender] = len(tracker.events) if tracker else 0
    print(json.dumps(counts))

asyncio.run(main())
"""


@pytest.mark.slow
@pytest.mark.skipif(not RASA_PYTHON.is_file(), reason="Rasa's environment is not built")
def test_forget_on_a_tracker_store_written_by_rasa(stores, tmp_path):
    """The real thing: Rasa writes two conversations, bot.storage forgets one, Rasa reads
    back the other intact and nothing of the forgotten one."""
    database_url, tracker_path = stores
    script = tmp_path / "rasa_tracker.py"
    script.write_text(RASA_SCRIPT, "utf-8")

    def rasa(mode: str) -> dict:
        done = subprocess.run([str(RASA_PYTHON), str(script), mode, str(tracker_path)],
                              capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    assert rasa("write") == {"keep-me-1234": 3, "forget-me-5678": 3}
    counts = storage.forget_conversation(database_url, f"sqlite:///{tracker_path}",
                                         "forget-me-5678")
    assert counts["tracker_events"] == 3
    assert rasa("read") == {"keep-me-1234": 3, "forget-me-5678": 0}
