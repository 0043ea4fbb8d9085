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
    summary = texts(chat.say("non"))
    assert summary[0] == "Avant le résultat, voici vos réponses :"
    assert "– Taille : 10 à 49 personnes" in summary and summary[-1].startswith("Est-ce bien")
    result = chat.say("/affirm")
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
    leads = [lead for lead in storage.recent(stack.test_env["DATABASE_URL"], storage.Lead)
             if lead.conversation_id == chat.conversation_id]
    assert len(leads) == 1 and '"ready"' in leads[0].assessment_json


def test_handoff_without_consent_stores_nothing(stack):
    chat = Chat(stack.web_url, "e2e-noconsent-1", lang="en")
    chat.say("talk to an advisor")
    for answer in ["John Smith", "Smith Brewery", "john@example.com", "/deny"]:
        chat.say(answer)
    assert "store nothing" in texts(chat.say("/deny"))[0]
    assert not [lead for lead in storage.recent(stack.test_env["DATABASE_URL"], storage.Lead)
                if lead.conversation_id == chat.conversation_id]


def test_answers_are_read_for_the_question_they_answer(stack):
    """Issue 14: "oui, une recette familiale" registered the trademark, "aucun contact en
    chine" became no marketing budget, and the trademark to-do disappeared from the result."""
    chat = Chat(stack.web_url, "e2e-understand-1")
    chat.say("suis-je prêt à vendre en Chine ?")
    for answer in ["nous faisons du chocolat", "une vingtaine de personnes",
                   "uniquement en Belgique", "pas pour le moment, personne ne parle chinois",
                   "/affirm", "/affirm"]:
        chat.say(answer)
    noted = texts(chat.say("oui, une recette familiale depuis 1920"))
    assert noted[0].startswith("C'est noté") and noted[-1].startswith("Votre marque est-elle")
    chat.say("notre marque est déposée en Europe seulement")
    again = texts(chat.say("aucun contact en chine"))
    assert again[-1].startswith("Quel budget annuel")
    summary = texts(chat.say("trente mille euros"))
    for line in ["– Taille : 10 à 49 personnes", "– Export : pas encore",
                 "– Service client en chinois : non", "– Marque enregistrée en Chine : non",
                 "– Budget marketing annuel : 20 000 à 100 000 €",
                 "– Histoire de marque à raconter : oui",
                 "– Contacts ou distributeur en Chine : non"]:
        assert line in summary
    corrected = texts(chat.say("en fait nous sommes 60"))
    assert corrected[0].startswith("C'est corrigé") and "– Taille : 50 à 249 personnes" in corrected
    assessment = next(p for p in payloads(chat.say("/affirm")) if p["type"] == "assessment")
    assert "no_trademark" in assessment["reasons"] and "trademark_first" in assessment["todos"]


def test_names_that_look_like_commands_are_names(stack):
    """Issue 14: "Anne Test" started the readiness check, "Marie Stoppa" cancelled, "non" was
    a name, "pas de tel" was refused and an English company name switched to English."""
    chat = Chat(stack.web_url, "e2e-names-1")
    chat.say("je voudrais parler à un conseiller")
    assert "nom valide" in texts(chat.say("non"))[0]
    assert texts(chat.say("Anne Test")) == ["Pour quelle entreprise ?"]
    assert texts(chat.say("Brown Foods Company"))[0].startswith("À quelle adresse e-mail")
    chat.say("anne@example.be")
    assert texts(chat.say("pas de tel"))[0].startswith("Acceptez-vous")
    assert "je n'enregistre rien" in texts(chat.say("/deny"))[0]

    other = Chat(stack.web_url, "e2e-names-2", lang="en")
    other.say("talk to an advisor")
    assert texts(other.say("Marie Stoppa")) == ["For which company?"]
    assert "cancelled" in texts(other.say("cancel"))[0]
