"""End to end: the readiness check with a digression, then the handoff storing a lead."""
from __future__ import annotations

import pytest

from bot import storage
from tests.helpers.stack import Chat, payloads

pytestmark = pytest.mark.e2e


def texts(messages):
    return [m.get("text", "") for m in messages]


def test_assessment_with_digression_then_handoff_with_consent(stack):
    chat = Chat(stack.web_url, "e2e-assess-1")
    assert "Que vendez-vous ?" in texts(chat.say("suis-je prêt à vendre en Chine ?"))
    assert "Combien de personnes" in " ".join(texts(chat.say("nous faisons du chocolat")))
    digression = chat.say("Combien coûte l'ouverture d'une boutique sur Tmall Global ?")
    assert payloads(digression)[0]["article"] == "tmall-global"
    assert "Combien de personnes" in texts(digression)[-1]  # the form resumes
    for answer in ["35 personnes", "en France", "/affirm", "/affirm", "/affirm", "/affirm",
                   "50 000 €", "oui"]:
        chat.say(answer)
    result = chat.say("non")
    assessment = next(p for p in payloads(result) if p["type"] == "assessment")
    assert assessment["level"] == "ready" and assessment["points"] == 13
    assert "belgian_pavilion" in [c["id"] for c in assessment["channels"]]

    chat.say("/request_advisor")
    chat.say("Marie Dupont")
    chat.say("Chocolaterie Dupont")
    assert "valide" in texts(chat.say("marie arobase example"))[0]
    chat.say("marie@example.be")
    chat.say("/deny")
    done = chat.say("/affirm")
    assert "marie@example.be" in texts(done)[0]
    leads = [l for l in storage.recent(stack.test_env["DATABASE_URL"], storage.Lead)
             if l.conversation_id == chat.conversation_id]
    assert len(leads) == 1 and '"ready"' in leads[0].assessment_json


def test_handoff_without_consent_stores_nothing(stack):
    chat = Chat(stack.web_url, "e2e-noconsent-1", lang="en")
    chat.say("talk to an advisor")
    for answer in ["John Smith", "Smith Brewery", "john@example.com", "/deny"]:
        chat.say(answer)
    assert "store nothing" in texts(chat.say("/deny"))[0]
    assert not [l for l in storage.recent(stack.test_env["DATABASE_URL"], storage.Lead)
                if l.conversation_id == chat.conversation_id]
