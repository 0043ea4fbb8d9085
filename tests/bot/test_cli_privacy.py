"""`bot forget` and `bot purge` on real SQLite files (app database and a Rasa-shaped tracker
store), configured through the environment as an operator would."""
from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot import storage
from bot.cli import main
from tests.helpers.stores import DAY, add_rows, app_counts, make_tracker, tracker_senders


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    tracker_path = tmp_path / "rasa_tracker.db"
    monkeypatch.setenv("AWEX_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKER_SQLITE_PATH", str(tracker_path))
    for name in ("TRACKER_DB_URL", "AWEX_RETENTION_DAYS", "AWEX_LEAD_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    return database_url, tracker_path


def test_forget_deletes_and_reports_counts(env):
    database_url, tracker_path = env
    now = time.time()
    make_tracker(tracker_path, [("forget-me-123", "user", now), ("forget-me-123", "bot", now),
                                ("keep-me-4567", "user", now)])
    add_rows(database_url, "forget-me-123")
    add_rows(database_url, "keep-me-4567")

    dry = CliRunner().invoke(main, ["forget", "forget-me-123", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would delete 2 tracker event(s), 1 lead(s), 1 feedback, 1 unanswered question(s)" \
        in dry.output
    assert tracker_senders(tracker_path).count("forget-me-123") == 2

    result = CliRunner().invoke(main, ["forget", "forget-me-123"])
    assert result.exit_code == 0, result.output
    assert ("conversation forget-me-123: deleted 2 tracker event(s), 1 lead(s), 1 feedback, "
            "1 unanswered question(s)") in result.output
    assert tracker_senders(tracker_path) == ["keep-me-4567"]
    assert set(app_counts(database_url, "forget-me-123").values()) == {0}
    assert set(app_counts(database_url, "keep-me-4567").values()) == {1}

    again = CliRunner().invoke(main, ["forget", "forget-me-123"])
    assert again.exit_code == 0 and "nothing is stored under this conversation id" in again.output


def test_forget_uses_tracker_db_url_when_set(env, tmp_path, monkeypatch):
    database_url, _ = env
    other = tmp_path / "elsewhere.db"
    make_tracker(other, [("conv-12345678", "user", time.time())])
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{other}")
    result = CliRunner().invoke(main, ["forget", "conv-12345678"])
    assert "deleted 1 tracker event(s)" in result.output
    assert tracker_senders(other) == []


def test_forget_reports_an_unreachable_store(env, monkeypatch):
    monkeypatch.setenv("TRACKER_DB_URL",
                       "postgresql+psycopg2://u:p@127.0.0.1:1/rasa?connect_timeout=1")
    result = CliRunner().invoke(main, ["forget", "conv-12345678"])
    assert result.exit_code == 1
    assert "could not delete conversation conv-12345678" in result.output


def test_purge_defaults_to_the_promised_retention(env):
    database_url, tracker_path = env
    now = time.time()
    make_tracker(tracker_path, [("old-12345678", "user", now - 91 * DAY),
                                ("new-12345678", "user", now - 89 * DAY)])
    utc_now = storage.utcnow()
    add_rows(database_url, "old-12345678", created_at=utc_now - dt.timedelta(days=91),
             lead_created_at=utc_now - dt.timedelta(days=366))
    add_rows(database_url, "new-12345678", created_at=utc_now - dt.timedelta(days=89),
             lead_created_at=utc_now - dt.timedelta(days=364))

    dry = CliRunner().invoke(main, ["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would delete 1 tracker event(s), 1 lead(s), 1 feedback, 1 unanswered question(s)" \
        in dry.output
    assert "older than 90 days, leads older than 365 days" in dry.output

    result = CliRunner().invoke(main, ["purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 tracker event(s), 1 lead(s), 1 feedback, 1 unanswered question(s)" \
        in result.output
    assert tracker_senders(tracker_path) == ["new-12345678"]
    assert set(app_counts(database_url, "old-12345678").values()) == {0}
    assert set(app_counts(database_url, "new-12345678").values()) == {1}


def test_purge_options_and_settings(env, monkeypatch):
    database_url, tracker_path = env
    now = time.time()
    make_tracker(tracker_path, [("c-12345678", "user", now - 10 * DAY)])
    add_rows(database_url, "c-12345678", created_at=storage.utcnow() - dt.timedelta(days=10))

    monkeypatch.setenv("AWEX_RETENTION_DAYS", "30")
    monkeypatch.setenv("AWEX_LEAD_RETENTION_DAYS", "60")
    kept = CliRunner().invoke(main, ["purge"])
    assert "deleted 0 tracker event(s), 0 lead(s), 0 feedback" in kept.output
    assert "older than 30 days, leads older than 60 days" in kept.output

    result = CliRunner().invoke(main, ["purge", "--older-than-days", "7",
                                       "--lead-older-than-days", "9"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 tracker event(s), 1 lead(s), 1 feedback, 1 unanswered question(s)" \
        in result.output

    refused = CliRunner().invoke(main, ["purge", "--older-than-days", "0"])
    assert refused.exit_code == 2  # purging everything is not a retention


def test_privacy_commands_have_help():
    for name in ("forget", "purge"):
        command = main.commands[name]
        assert command.help
        for param in command.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} --{param.name}"
        assert CliRunner().invoke(main, [name, "--help"]).exit_code == 0


def test_purge_deletes_log_files_older_than_the_log_retention(env, tmp_path, monkeypatch):
    """Issue 14: the logs (which held whole conversations) were never purged."""
    folder = tmp_path / "var" / "logs"
    folder.mkdir(parents=True)
    old, current = folder / "rasa.log.2026-01-02", folder / "rasa.log"
    old.write_text("x")
    current.write_text("y")
    weeks_ago = time.time() - 15 * DAY
    os.utime(old, (weeks_ago, weeks_ago))
    monkeypatch.delenv("AWEX_LOG_RETENTION_DAYS", raising=False)
    dry = CliRunner().invoke(main, ["purge", "--dry-run"])
    assert "would delete 1 log file(s) older than 14 days" in dry.output and old.exists()
    result = CliRunner().invoke(main, ["purge"])
    assert result.exit_code == 0, result.output
    assert "deleted 1 log file(s) older than 14 days" in result.output
    assert not old.exists() and current.exists()


def test_purge_forgets_the_question_texts_of_old_knowledge_changes(env):
    """Attached questions came from conversations: past the retention the change log keeps
    who changed which file and the previous text (undo still works), not the questions."""
    from bot.knowledge.publish import TABLES, KnowledgeChange

    database_url, _ = env
    storage.ensure_tables(database_url, *TABLES)
    utc_now = storage.utcnow()
    with storage.session_for(database_url) as db, db.begin():
        for days, question in ((91, "Mon nom est Jean Dupont, et la caution ?"),
                               (89, "Et la caution ?")):
            db.add(KnowledgeChange(advisor="a@awex.be", kind="attach", path="fr/x.md",
                                   article_id="x", lang="fr", previous_text="avant",
                                   questions_json=f'["{question}"]',
                                   created_at=utc_now - dt.timedelta(days=days)))
    dry = CliRunner().invoke(main, ["purge", "--dry-run"])
    assert "would forget the attached question texts of 1 knowledge change(s)" in dry.output
    result = CliRunner().invoke(main, ["purge"])
    assert "forgot the attached question texts of 1 knowledge change(s) older than 90 days" \
        in result.output
    with storage.session_for(database_url) as db:
        rows = sorted(db.scalars(select(KnowledgeChange)), key=lambda r: r.created_at)
    assert [r.questions for r in rows] == [[], ["Et la caution ?"]]
    assert [r.previous_text for r in rows] == ["avant", "avant"]
