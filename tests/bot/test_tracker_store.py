"""Reading Rasa's tracker store with SQLAlchemy (bot/tracker_store.py), on SQLite here; the
same reader on PostgreSQL is tested with the console pages in tests/web/test_console_postgres.py."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from bot import storage, tracker_store
from bot.tracker_store import TrackerReader
from tests.helpers.tracker import CONVERSATION, check_reader, write_events


def test_reader_on_sqlite(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    write_events(url, CONVERSATION)
    check_reader(url)


def test_reader_without_a_store_creates_nothing(tmp_path: Path):
    path = tmp_path / "tracker.db"
    reader = TrackerReader(f"sqlite:///{path}")
    assert reader.conversations() is None and reader.transcript("x") is None
    assert reader.daily(0.0, {}, [], [], []) is False
    assert not path.exists()
    sqlite3.connect(path).close()  # the file, but Rasa has not created its table yet
    assert reader.conversations() is None
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_reader_is_read_only(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    write_events(url, CONVERSATION[:2])
    engine = tracker_store.open_engine(url, read_only=True)
    assert engine is not None
    with engine.connect() as connection:
        try:
            connection.exec_driver_sql("DELETE FROM events")
        except Exception as exc:  # sqlite3: attempt to write a readonly database
            assert "readonly" in str(exc)
        else:
            raise AssertionError("the reader could write")
    engine.dispose()


def test_reader_and_forget_share_the_table(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    write_events(url, CONVERSATION)
    counts = storage.forget_conversation(f"sqlite:///{tmp_path / 'app.db'}", url, "sess-1")
    assert counts["tracker_events"] == 4
    assert [i["id"] for i in TrackerReader(url).conversations()] == ["sess-3", "sess-2"]
    assert storage.TRACKER_EVENTS is tracker_store.EVENTS
