"""Handoff to an Awex advisor: collect contact details with explicit consent, store a lead.

No consent, nothing stored. A database failure is told to the user (never a silent loss).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import COMMANDS, DIGRESSIONS, INVALID, TypedAnswerForm, extract_answer
from bot import storage
from bot.advice import answers
from bot.domain import response_text
from bot.settings import Settings

log = logging.getLogger(__name__)
LEAD_SLOTS = ["lead_name", "lead_company", "lead_email", "lead_phone", "lead_consent"]


# The reply that asks again for each contact detail after an answer that is not one.
INVALID_RESPONSES = {"lead_name": "utter_invalid_name", "lead_company": "utter_invalid_name",
                     "lead_email": "utter_invalid_email", "lead_phone": "utter_invalid_phone",
                     "lead_consent": "utter_invalid_consent"}
CONSENT_RESPONSE = "utter_ask_lead_consent"


def consent_wording(language: str, domain: DomainDict | None = None) -> str:
    """The exact consent sentence the user agreed to, kept with the lead: from the domain
    rasa-sdk passes to `run()`; read from domain/ only when that one lacks the response."""
    return response_text(CONSENT_RESPONSE, language, domain) \
        or response_text(CONSENT_RESPONSE, language)


def _phone(text: str) -> str | None:
    """An optional phone: a valid number, or "-" when the user skips ("pas de tel", "no
    phone", the "Passer" button)."""
    if not answers.looks_like_phone(text) and answers.skips_phone(text):
        return "-"
    return answers.valid_phone(text)


def extract_typed_value(slot: str, tracker: Tracker) -> dict[str, Any]:
    """A name or a company: the text is the value, whatever NLU makes of it.

    "Anne Test" (read as start_assessment) and "Marie Stoppa" (read as stop) are names. Only
    a message that is a cancel request as a whole ("stop", "annuler", "finalement, annule")
    cancels, and a question is left to the knowledge base; a bare yes or no is asked again.
    """
    if tracker.get_slot("requested_slot") != slot:
        return {}
    message = tracker.latest_message or {}
    text = message.get("text") or ""
    intent = (message.get("intent") or {}).get("name")
    if text.startswith("/"):
        return {} if intent in COMMANDS else {slot: INVALID}
    if answers.is_cancel(text):
        return {}  # the "cancel the handoff" rule (NLU reads these as stop)
    if "?" in text and intent in DIGRESSIONS:
        return {}
    return {slot: answers.valid_name(text) or INVALID}


class ValidateHandoffForm(TypedAnswerForm):
    """Checks each contact detail; an invalid name, e-mail or phone is asked again."""

    typed_slots = tuple(LEAD_SLOTS)

    def name(self) -> str:
        return "validate_handoff_form"

    def extract_typed(self, slot: str, dispatcher: CollectingDispatcher,
                      tracker: Tracker) -> dict[str, Any]:
        if slot in ("lead_name", "lead_company"):
            return extract_typed_value(slot, tracker)
        if slot == "lead_email":
            return extract_answer(slot, tracker, answers.valid_email, answers.looks_like_email)
        if slot == "lead_phone":
            return extract_answer(slot, tracker, _phone, answers.looks_like_phone)
        return extract_answer(slot, tracker, answers.parse_yes_no)

    def invalid_response(self, slot: str) -> str:
        return INVALID_RESPONSES[slot]


class ActionSubmitLead(Action):
    """Stores the lead when (and only when) the user consented, then says what happens next."""

    def name(self) -> str:
        return "action_submit_lead"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        clear = [SlotSet(slot, None) for slot in LEAD_SLOTS]
        if tracker.get_slot("lead_consent") is not True:
            dispatcher.utter_message(response="utter_lead_not_stored")
            return clear
        language = tracker.get_slot("language") or "fr"
        phone = tracker.get_slot("lead_phone")
        try:
            await asyncio.to_thread(
                storage.store_lead, Settings.from_env().database_url, tracker.sender_id,
                tracker.get_slot("lead_name"), tracker.get_slot("lead_company"),
                tracker.get_slot("lead_email"), None if phone in (None, "-") else phone,
                language, consent_wording(language, domain), tracker.get_slot("assessment_result"))
        except Exception:
            log.exception("lead not stored")
            dispatcher.utter_message(response="utter_lead_failed")
            return []  # keep the details in the slots: nothing is lost, the user can retry
        dispatcher.utter_message(response="utter_lead_stored",
                                 lead_name=tracker.get_slot("lead_name"),
                                 lead_email=tracker.get_slot("lead_email"))
        return clear
