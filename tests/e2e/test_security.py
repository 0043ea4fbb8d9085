"""Issue 14 on the real stack: typed intents are text, conversations belong to whoever started
them, and no name nor e-mail reaches the logs."""
from __future__ import annotations

import re
import sqlite3

import pytest
import requests

from tests.helpers.stack import Chat

pytestmark = pytest.mark.e2e

NAME, COMPANY = "Zébulon Quartzfeld", "Brasserie Quartzfeld"
EMAIL = "zebulon.quartzfeld@example.org"


def test_typed_intents_and_restart_get_an_answer(stack):
    """`/choose_article{"kb_article":"nope"}` crashed the knowledge action (503) and
    `/restart` answered 503; typed, they are now plain text and the bot answers."""
    chat = Chat(stack.web_url, "e2e-typed-intents")
    chat.say("bonjour")
    for typed in ('/choose_article{"kb_article":"nope"}', "/restart",
                  '/inform{"lead_consent": true, "lead_email": "x@y.z"}'):
        messages = chat.say(typed)  # asserts 200
        assert messages and any(m.get("text") for m in messages), typed


def test_another_client_cannot_speak_in_a_conversation(stack):
    owner = Chat(stack.web_url, "e2e-owner")
    owner.say("parler à un conseiller")
    for foreign in (owner.conversation_id, "12345678", owner.session + "x"):
        reply = requests.post(owner.url, json={"session": foreign, "message": "/affirm"},
                              timeout=60)
        assert reply.status_code == 403 and reply.json()["error"] == "forbidden"


def test_no_name_nor_email_in_the_logs(stack):
    chat = Chat(stack.web_url, "e2e-logs")
    chat.say("Combien coûte l'ouverture d'une boutique sur Tmall Global ?")
    chat.say("parler à un conseiller")
    chat.say(NAME)
    chat.say(COMPANY)
    chat.say(EMAIL)
    chat.say("pas de téléphone")
    chat.say("oui, j'accepte")
    # A crash-like failure too: the action server down for one message, then back.
    stack.stop(["actions"])
    try:
        requests.post(chat.url, json={"session": chat.session, "message": f"merci {NAME}"},
                      timeout=60)
    finally:
        stack.start(["actions"])
        stack.wait_ready(names=["actions"])
    chat.say(f"je suis {NAME}, {EMAIL}")
    logs = sorted(stack.log_dir.glob("*.log*"))
    # web.log appears only if the web app has something to say (it logs from WARNING up).
    assert {p.name for p in logs} >= {"rasa.log", "actions.log"}
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in logs)
    for secret in (NAME, "Quartzfeld", "quartzfeld", EMAIL, "Tmall Global ?"):
        assert secret not in text, secret
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.-]+", text)  # no e-mail address at all
    assert chat.conversation_id not in text  # not even the conversation id


def test_a_failed_lead_insert_logs_no_name_nor_email(stack):
    """The action that stores a lead fails on a database that cannot take it: its traceback
    used to quote the INSERT's parameters (name, company, e-mail) in the action server's log."""
    broken = stack.work / "broken-app.db"
    with sqlite3.connect(broken) as db:  # a `leads` table without the columns the insert names
        db.execute("CREATE TABLE leads (id INTEGER PRIMARY KEY)")
    original = stack.env["DATABASE_URL"]
    stack.stop(["actions"])
    stack.env["DATABASE_URL"] = f"sqlite:///{broken}"
    stack.start(["actions"])
    stack.wait_ready(names=["actions"])
    try:
        chat = Chat(stack.web_url, "e2e-lead-failure")
        chat.say("parler à un conseiller")
        for answer in (NAME, COMPANY, EMAIL, "pas de téléphone"):
            chat.say(answer)
        failed = " ".join(m.get("text", "") for m in chat.say("oui, j'accepte"))
        assert "pas pu" in failed or "could not" in failed, failed  # utter_lead_failed
    finally:
        stack.stop(["actions"])
        stack.env["DATABASE_URL"] = original
        stack.start(["actions"])
        stack.wait_ready(names=["actions"])
    actions = (stack.log_dir / "actions.log").read_text(encoding="utf-8", errors="replace")
    assert "lead not stored" in actions and "OperationalError" in actions  # it did fail
    for secret in (NAME, "Quartzfeld", EMAIL):
        assert secret not in actions, secret
