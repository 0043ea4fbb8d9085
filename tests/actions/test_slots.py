"""The language slot follows each message, falling back on the widget's hint."""
from __future__ import annotations

import asyncio

import pytest

from actions.slots import ActionValidateSlotMappings
from tests.helpers.actions import make_tracker


@pytest.mark.parametrize("text,slot,hint,expected", [
    ("Combien coûte Tmall Global ?", "en", None, "fr"),
    ("How much does Tmall Global cost?", "fr", None, "en"),
    ("ok", "en", None, "en"),
    ("Tmall", "fr", "en", "en"),
    ("/affirm", "en", "fr", "fr"),
])
def test_language_extraction(text, slot, hint, expected, dispatcher):
    tracker = make_tracker(text, slots={"language": slot},
                           metadata={"lang": hint} if hint else {})
    result = asyncio.run(ActionValidateSlotMappings().extract_language(dispatcher, tracker, {}))
    assert result == {"language": expected}


@pytest.mark.parametrize("text,requested", [
    ("Brown Foods Company", "lead_company"), ("The Happy Baby Company", "lead_company"),
    ("John Smith", "lead_name"), ("the.shop@example.com", "lead_email")])
def test_a_typed_name_or_company_keeps_the_conversation_language(text, requested, dispatcher):
    """Issue 14: an English-looking company name switched a French conversation to English."""
    tracker = make_tracker(text, slots={"language": "fr", "requested_slot": requested},
                           metadata={"lang": "en"}, active_loop="handoff_form")
    result = asyncio.run(ActionValidateSlotMappings().extract_language(dispatcher, tracker, {}))
    assert result == {"language": "fr"}


def test_a_sentence_outside_the_typed_values_still_switches(dispatcher):
    tracker = make_tracker("How much does Tmall Global cost?",
                           slots={"language": "fr", "requested_slot": "lead_company"},
                           active_loop="handoff_form")
    result = asyncio.run(ActionValidateSlotMappings().extract_language(dispatcher, tracker, {}))
    assert result == {"language": "en"}
    tracker = make_tracker("we are a company of twenty people, is that ok?",
                           slots={"language": "fr", "requested_slot": "company_size"},
                           active_loop="assessment_form")
    result = asyncio.run(ActionValidateSlotMappings().extract_language(dispatcher, tracker, {}))
    assert result == {"language": "en"}


@pytest.mark.parametrize("text,slot,expected", [
    ("yes", "fr", "fr"), ("ok thanks", "fr", "fr"), ("not yet", "fr", "fr"),
    ("no phone", "fr", "fr"), ("oui", "en", "en"), ("merci", "en", "en"),
    ("yes please", "fr", "en"), ("we sell chocolate and biscuits", "fr", "en"),
    ("oui merci", "en", "fr"), ("nous vendons du chocolat", "en", "fr")])
def test_one_word_of_the_other_language_is_not_a_switch(text, slot, expected, dispatcher):
    """Issue 14: prompts stay in the conversation's language unless the user clearly switches."""
    tracker = make_tracker(text, slots={"language": slot})
    result = asyncio.run(ActionValidateSlotMappings().extract_language(dispatcher, tracker, {}))
    assert result == {"language": expected}


def test_a_first_greeting_follows_the_widget_language(dispatcher):
    """The slot's initial value is not a conversation language: "Hello" on an English page."""
    tracker = make_tracker("Hello", slots={"language": "fr"}, metadata={"lang": "en"})
    result = asyncio.run(ActionValidateSlotMappings().extract_language(dispatcher, tracker, {}))
    assert result == {"language": "en"}
