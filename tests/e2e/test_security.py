"""Issue 14 on the real stack: typed intents are text, conversations belong to whoever started
them, and no name nor e-mail reaches the logs."""
from __future__ import annotations

import re
import sqlite3
import subprocess

import pytest
import requests

from bot.settings import ROOT
from scripts.stack import RASA_PYTHON
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



def test_a_tracker_store_failure_leaves_no_text_in_rasas_log(stack):
    """Rasa's fail-safe tracker store logged a failed read or write with SQLAlchemy's error
    text, which quotes the statement's parameters (the conversation id, the events with the
    message texts). Here the tracker store is locked by another writer while a message
    arrives."""
    chat = Chat(stack.web_url, "e2e-tracker-failure")
    chat.say("bonjour")
    secret = f"Ma question privée de {NAME}, écrivez-moi à {EMAIL}"
    locker = sqlite3.connect(stack.test_env["TRACKER_SQLITE_PATH"], timeout=1,
                             isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        requests.post(chat.url, json={"session": chat.session, "message": secret}, timeout=90)
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    rasa_log = (stack.log_dir / "rasa.log").read_text(encoding="utf-8", errors="replace")
    assert "OperationalError" in rasa_log  # it did fail, and the log says what kind of failure
    for leaked in (NAME, "Quartzfeld", EMAIL, "question privée", chat.conversation_id):
        assert leaked not in rasa_log, leaked
    assert chat.say("bonjour")  # and the conversation goes on


def test_rasas_structured_log_hides_a_failed_messages_text():
    """Rasa's REST channel logs a message that fails inside Rasa with
    structlogger.exception("rest.message.received.failure", text=...), rendered with every
    frame's local variables. Rasa's own structlog configuration, as scripts/rasa_server.py
    installs it, in Rasa's Python."""
    script = f"""
import sys
sys.argv = ["rasa_server"]
from scripts import rasa_server
rasa_server.install_private_structlog()
import rasa.__main__ as rasa_main
rasa_main.configure_structlog(20)
import structlog
def handle(text):
    raise RuntimeError("could not handle " + text)
try:
    handle({NAME!r} + " " + {EMAIL!r})
except RuntimeError:
    structlog.get_logger().exception("rest.message.received.failure", text={EMAIL!r})
"""
    done = subprocess.run([str(RASA_PYTHON), "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    log = done.stdout + done.stderr
    assert "rest.message.received.failure" in log and "RuntimeError" in log
    for leaked in (NAME, EMAIL):
        assert leaked not in log, leaked

