"""Handoff: consent decides whether a lead is stored; failures are told, never silent."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet

from actions.handoff import ActionSubmitLead, ValidateHandoffForm, consent_wording
from bot import storage
from bot.domain import load_domain
from tests.helpers.actions import make_tracker, run

DETAILS = {"lead_name": "Marie Dupont", "lead_company": "Chocolaterie Dupont",
           "lead_email": "marie@example.be", "lead_phone": "-",
           "assessment_result": {"level": "ready"}}


@pytest.fixture
def database(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def test_consent_stores_lead_with_assessment_and_conversation(database, dispatcher):
    tracker = make_tracker(slots={**DETAILS, "lead_consent": True}, sender="conv-42")
    events = run(ActionSubmitLead(), dispatcher, tracker)
    assert dispatcher.messages[-1]["response"] == "utter_lead_stored"
    assert dispatcher.messages[-1]["lead_email"] == "marie@example.be"
    [lead] = storage.recent(database, storage.Lead)
    assert (lead.conversation_id, lead.company, lead.phone) == (
        "conv-42", "Chocolaterie Dupont", None)
    assert '"ready"' in lead.assessment_json and "RGPD" in lead.consent_text
    assert SlotSet("lead_email", None) in events


def test_no_consent_stores_nothing(database, dispatcher):
    run(ActionSubmitLead(), dispatcher, make_tracker(slots={**DETAILS, "lead_consent": False}))
    assert dispatcher.messages[-1]["response"] == "utter_lead_not_stored"
    assert storage.recent(database, storage.Lead) == []


def test_database_down_tells_the_user_and_keeps_the_details(tmp_path, monkeypatch, dispatcher):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    events = run(ActionSubmitLead(), dispatcher,
                 make_tracker(slots={**DETAILS, "lead_consent": True}))
    assert dispatcher.messages[-1]["response"] == "utter_lead_failed"
    assert events == []


@pytest.mark.parametrize("slot,text,intent,expected", [
    ("lead_email", "marie@example.be", "inform", {"lead_email": "marie@example.be"}),
    ("lead_email", "marie at example", "inform", {"lead_email": "__invalid__"}),
    ("lead_phone", "/deny", "deny", {"lead_phone": "-"}),
    ("lead_phone", "+32 470 12 34 56", "inform", {"lead_phone": "+32 470 12 34 56"}),
    ("lead_consent", "/affirm", "affirm", {"lead_consent": True}),
    ("lead_consent", "/deny", "deny", {"lead_consent": False}),
    ("lead_name", "stop", "stop", {}),
    # Contact details are examples of no intent: whatever NLU reads, a name is a name and a
    # mistyped e-mail or phone is asked again, while a real question is left to the rules.
    ("lead_name", "Oliver Hughes", "ask_knowledge", {"lead_name": "Oliver Hughes"}),
    ("lead_company", "Petits Pas SPRL", "deny", {"lead_company": "Petits Pas SPRL"}),
    ("lead_email", "emily@cartercandles.com", "out_of_scope",
     {"lead_email": "emily@cartercandles.com"}),
    ("lead_email", "david.brown@brownfoods", "ask_knowledge", {"lead_email": "__invalid__"}),
    ("lead_email", "nathalie.renard(at)gmail.com", "nlu_fallback", {"lead_email": "__invalid__"}),
    ("lead_email", "faut-il déposer sa marque en Chine ?", "ask_knowledge", {}),
    ("lead_phone", "0470 12", "out_of_scope", {"lead_phone": "__invalid__"}),
    ("lead_phone", "combien coûte Tmall ?", "ask_knowledge", {}),
])
def test_contact_details_extraction(slot, text, intent, expected):
    tracker = make_tracker(text, intent=intent, slots={"requested_slot": slot})
    method = getattr(ValidateHandoffForm(), f"extract_{slot}")
    assert asyncio.run(method(None, tracker, {})) == expected


def test_invalid_email_is_asked_again(dispatcher):
    result = asyncio.run(ValidateHandoffForm().validate_lead_email(
        "__invalid__", dispatcher, make_tracker(), {}))
    assert result == {"lead_email": None}
    assert dispatcher.messages[-1]["response"] == "utter_invalid_email"


def test_consent_wording_comes_from_the_domain_in_both_languages():
    assert "RGPD" in consent_wording("fr") and "GDPR" in consent_wording("en")


# Issue 14: the advisor form lost requests. NLU's reading of a name is irrelevant: while the
# form asks for a name or a company, the text is that value.
@pytest.mark.parametrize("slot,text,intent,expected", [
    ("lead_name", "Anne Test", "start_assessment", {"lead_name": "Anne Test"}),
    ("lead_name", "Marie Stoppa", "stop", {"lead_name": "Marie Stoppa"}),
    ("lead_name", "Paul Stopford", "stop", {"lead_name": "Paul Stopford"}),
    ("lead_company", "Assessment Partners SA", "start_assessment",
     {"lead_company": "Assessment Partners SA"}),
    ("lead_company", "Conseil Export SPRL", "request_advisor",
     {"lead_company": "Conseil Export SPRL"}),
    ("lead_name", "stop", "stop", {}),
    ("lead_name", "annuler", "stop", {}),
    ("lead_company", "Cancel", "stop", {}),
    ("lead_company", "finalement, annule", "stop", {}),
    # A yes or no is not a name: asked again.
    ("lead_name", "non", "deny", {"lead_name": "__invalid__"}),
    ("lead_name", "Oui", "affirm", {"lead_name": "__invalid__"}),
    ("lead_company", "no", "deny", {"lead_company": "__invalid__"}),
    # A valid e-mail or phone is never a command, whatever NLU reads.
    ("lead_email", "anne@test-assessment.be", "start_assessment",
     {"lead_email": "anne@test-assessment.be"}),
    ("lead_email", "stop@stoppa.be", "stop", {"lead_email": "stop@stoppa.be"}),
    ("lead_email", "stop", "stop", {}),
    ("lead_consent", "stop", "stop", {}),
    # Skipping the phone in words.
    ("lead_phone", "pas de tel", "deny", {"lead_phone": "-"}),
    ("lead_phone", "pas de téléphone", "deny", {"lead_phone": "-"}),
    ("lead_phone", "no phone", "deny", {"lead_phone": "-"}),
    ("lead_phone", "I'd rather not", "deny", {"lead_phone": "-"}),
])
def test_names_are_names_whatever_nlu_reads(slot, text, intent, expected):
    tracker = make_tracker(text, intent=intent, slots={"requested_slot": slot})
    method = getattr(ValidateHandoffForm(), f"extract_{slot}")
    assert asyncio.run(method(None, tracker, {})) == expected


def test_a_yes_or_no_name_is_asked_again(dispatcher):
    from tests.helpers.conversation import Conversation

    conversation = Conversation(ValidateHandoffForm(), "handoff_form")
    turn = conversation.say("non", "deny")
    assert turn.events == {"lead_name": None} and turn.responses == ["utter_invalid_name"]
    assert turn.asked == "lead_name"
    assert conversation.say("Anne Test", "start_assessment").asked == "lead_company"
    assert conversation.say("Marie Stoppa Consulting", "stop").asked == "lead_email"
    assert conversation.say("anne@example.be").asked == "lead_phone"
    assert conversation.say("pas de tel", "deny").asked == "lead_consent"
    assert conversation.slots["lead_name"] == "Anne Test"
    assert conversation.slots["lead_phone"] == "-"


def test_the_consent_kept_is_the_wording_of_the_domain_rasa_sends(database, dispatcher):
    """rasa-sdk passes the domain to run(): the lead keeps the sentence the user was shown."""
    domain = {"responses": {"utter_ask_lead_consent": [
        {"condition": [{"type": "slot", "name": "language", "value": "en"}],
         "text": "English consent, version 2 (GDPR)."},
        {"text": "Consentement, version 2 (RGPD)."}]}}
    tracker = make_tracker(slots={**DETAILS, "lead_consent": True, "language": "en"})
    run(ActionSubmitLead(), dispatcher, tracker, domain)
    [lead] = storage.recent(database, storage.Lead)
    assert lead.consent_text == "English consent, version 2 (GDPR)."
    assert consent_wording("fr", domain) == "Consentement, version 2 (RGPD)."


def test_without_the_response_in_the_domain_the_wording_is_read_from_domain_files():
    assert consent_wording("en", {"responses": {}}) == consent_wording("en")
    assert consent_wording("fr", load_domain()) == consent_wording("fr")
    assert "RGPD" in consent_wording("fr", {})
