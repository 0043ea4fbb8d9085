"""Faults injected on the real stack: the user always gets a readable answer, and the
conversation carries on once the failed part is back."""
from __future__ import annotations

import pytest
import requests

from tests.helpers.stack import Chat, payloads

pytestmark = pytest.mark.e2e


def restart(stack, name: str) -> None:
    stack.stop([name])
    stack.start([name])
    stack.wait_ready(names=[name])


def test_action_server_down_gives_readable_message_then_recovers(stack):
    chat = Chat(stack.web_url, "fault-actions-1")
    chat.say("bonjour")
    stack.stop(["actions"])
    try:
        reply = requests.post(chat.url, json={"session": chat.session, "lang": "fr",
                                              "message": "Combien coûte Tmall Global ?"},
                              timeout=60)
        assert reply.status_code == 503
        assert reply.json()["message"].startswith("Le service est momentanément indisponible")
    finally:
        stack.start(["actions"])
        stack.wait_ready(names=["actions"])
    messages = chat.say("Combien coûte l'ouverture d'une boutique sur Tmall Global ?")
    assert payloads(messages)[0]["article"] == "tmall-global"
    assert chat.say("merci")[0]["text"].startswith("Avec plaisir")


def test_rasa_restart_resumes_the_form_from_the_tracker_store(stack):
    chat = Chat(stack.web_url, "fault-rasa-1")
    chat.say("suis-je prêt à vendre en Chine ?")
    assert "Combien de personnes" in chat.say("nous faisons du chocolat")[-1]["text"]
    stack.stop(["rasa"])
    try:
        down = requests.post(chat.url, json={"session": chat.session, "lang": "fr",
                                             "message": "35 personnes"}, timeout=60)
        assert down.status_code == 503 and "indisponible" in down.json()["message"]
    finally:
        stack.start(["rasa"])
        stack.wait_ready(names=["rasa"], timeout=400)
    assert "Exportez-vous déjà ?" in chat.say("35 personnes")[-1]["text"]
