"""bot/logs.py: tracebacks without the exceptions' messages, e-mails redacted, one log file
per day, old files deleted."""
from __future__ import annotations

import io
import logging
import os
import time

import pytest

from bot import logs

NAME = "Paul Martin"
TRACKER = '{"sender_id": "abc", "slots": {"lead_name": "Paul Martin", ' \
          '"lead_email": "paul.martin@example.com"}}'


def failing_action() -> None:
    """What Rasa logs when an action fails: "Failed to execute custom action" caused by the
    action server's reply, whose message is the reply's body (rasa-sdk's: the tracker)."""
    try:
        raise ConnectionError(f"500, Internal Server Error, body='{TRACKER}'")
    except ConnectionError as exc:
        raise RuntimeError(f"Failed to execute custom action 'action_x' for {NAME}") from exc


def test_safe_traceback_keeps_where_not_what():
    with pytest.raises(RuntimeError) as caught:
        failing_action()
    text = logs.safe_traceback((caught.type, caught.value, caught.tb))
    assert "Paul" not in text and "example.com" not in text
    assert "ConnectionError" in text and "RuntimeError" in text
    assert "failing_action" in text and "test_logs.py" in text  # the frames stay
    assert text.count(logs.HIDDEN) == 2


def test_log_records_carry_the_safe_traceback(monkeypatch):
    monkeypatch.setattr(logging, "_logRecordFactory", logging.getLogRecordFactory())
    logs.hide_exception_messages()
    logs.hide_exception_messages()  # idempotent
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("awex.test.logs")
    logger.addHandler(handler)
    logger.propagate = False
    root_level = logging.getLogger().level
    try:
        logging.getLogger().setLevel(logging.INFO)
        try:
            failing_action()
        except RuntimeError:
            logger.exception("Encountered an exception while running action 'action_x'")
        safe = stream.getvalue()
        assert "Encountered an exception" in safe and "Traceback" in safe
        assert "Paul" not in safe and "paul.martin@example.com" not in safe

        logging.getLogger().setLevel(logging.DEBUG)  # an engineer reproducing a bug
        stream.truncate(0)
        try:
            failing_action()
        except RuntimeError:
            logger.exception("again")
        assert "paul.martin@example.com" in stream.getvalue()
    finally:
        logging.getLogger().setLevel(root_level)
        logger.removeHandler(handler)


def test_redact_replaces_email_addresses():
    line = "lead for paul.martin+cn@example.co.uk and a@b.be stored; x@y is no address"
    assert logs.redact(line) == "lead for [e-mail] and [e-mail] stored; x@y is no address"


def test_daily_log_pumps_a_stream_redacted(tmp_path):
    reader, writer = os.pipe()
    log = logs.DailyLog(tmp_path / "logs", "rasa", days=14)
    thread = log.pump(os.fdopen(reader, "rb"))
    with os.fdopen(writer, "wb") as out:
        out.write(b"started\nmail marie@example.be\n\xff broken utf-8\n")
    thread.join(5)
    text = (tmp_path / "logs" / "rasa.log").read_text(encoding="utf-8")
    assert text.splitlines() == ["started", "mail [e-mail]", "\ufffd broken utf-8"]


def test_daily_log_rotates_at_midnight_and_keeps_days(tmp_path):
    log = logs.DailyLog(tmp_path, "web", days=2)
    assert log.handler.when == "MIDNIGHT" and log.handler.backupCount == 2


def test_prune_deletes_log_files_older_than_the_retention(tmp_path):
    old, recent, other = tmp_path / "rasa.log.2026-01-01", tmp_path / "rasa.log", \
        tmp_path / "notes.txt"
    for path in (old, recent, other):
        path.write_text("x")
    month_ago = time.time() - 30 * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(other, (month_ago, month_ago))
    assert logs.prune_logs(tmp_path, 14, dry_run=True) == 1 and old.exists()
    assert logs.prune_logs(tmp_path, 14) == 1
    assert not old.exists() and recent.exists() and other.exists()
    assert logs.prune_logs(tmp_path / "missing", 14) == 0


@pytest.fixture
def root_level():
    """Set the root logger's level for one test (setLevel also clears isEnabledFor's cache)."""
    root = logging.getLogger()
    before = root.level
    yield root.setLevel
    root.setLevel(before)


def test_private_fields_hides_texts_and_frame_locals(root_level):
    """Rasa's REST channel: structlogger.exception("rest.message.received.failure", text=...)."""
    root_level(logging.INFO)
    try:
        failing_action()
    except RuntimeError:
        entry = logs.private_fields(None, "exception", {
            "event": "rest.message.received.failure", "level": "error", "exc_info": True,
            "text": f"je suis {NAME}", "sender_id": "conv-123", "tracker": {"slots": {}},
            "action_name": "action_x", "confidence": 0.5})
    assert entry["text"] == entry["sender_id"] == entry["tracker"] == "(hidden)"
    assert entry["event"] == "rest.message.received.failure" and entry["confidence"] == 0.5
    assert entry["action_name"] == "action_x" and "exc_info" not in entry
    assert "RuntimeError" in entry["exception"] and NAME not in entry["exception"]
    assert "example.com" not in repr(entry)


def test_private_fields_keeps_everything_at_debug_level(root_level):
    root_level(logging.DEBUG)
    entry = logs.private_fields(None, "debug", {"event": "x", "text": NAME})
    assert entry["text"] == NAME
