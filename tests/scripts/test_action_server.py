"""scripts/action_server.py: a failing action's log and reply to Rasa carry neither the
tracker nor the exception's message (issue 14: Rasa logged rasa-sdk's error reply, which
quoted the whole tracker, ~78 KB with names and e-mails, at every crash)."""
from __future__ import annotations

import asyncio
import json
import logging
from types import SimpleNamespace

from scripts import action_server

TRACKER = {"sender_id": "abc", "slots": {"lead_name": "Paul Martin",
                                         "lead_email": "paul.martin@example.com"}}


def test_the_error_handler_of_rasa_sdk_is_replaced():
    import rasa_sdk.endpoint as endpoint
    from rasa_sdk.executor import ActionExecutor

    original = endpoint.create_app
    try:
        action_server.install_private_error_handler()
        action_server.install_private_error_handler()  # idempotent
        app = endpoint.create_app(ActionExecutor())
        assert app.error_handler.lookup(KeyError("x")) is action_server.action_failed
    finally:
        endpoint.create_app = original


def test_a_failing_action_logs_and_answers_without_user_data(caplog, monkeypatch):
    monkeypatch.setattr(logging, "_logRecordFactory", logging.getLogRecordFactory())
    from bot.logs import hide_exception_messages

    hide_exception_messages()
    request = SimpleNamespace(method="POST", path="/webhook", json={"tracker": TRACKER})
    try:
        raise KeyError(TRACKER["slots"]["lead_name"])
    except KeyError as exc:
        error = exc
    with caplog.at_level(logging.INFO):
        reply = asyncio.run(action_server.action_failed(request, error))
    assert reply.status == 500
    assert json.loads(reply.body) == {"error": "KeyError"}
    logged = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "action failed (POST /webhook)" in logged and "KeyError" in logged
    assert "Paul" not in logged and "example.com" not in logged
