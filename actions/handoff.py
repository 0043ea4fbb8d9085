"""Handoff to an Awex advisor: collect contact details with explicit consent, store a lead.

No consent, nothing stored. A database failure is told to the user (never a silent loss).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.assessment import COMMANDS, DIGRESSIONS, INVALID, extract_answer, reject_invalid
from bot import storage
from bot.advice import answers
from bot.domain import response_text
from bot.settings import Settings

log = logging.getLogger(__name__)
LEAD_SLOTS = ["lead_name", "lead_company", "lead_email", "lead_phone", "lead_consent"]


def consent_wording(language: str) -> str:
    """The exact consent sentence the user agreed to, from the domain, kept with the lead."""
    return response_text("utter_ask_lead_consent", language)


def _phone(text: str):
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


class ValidateHandoffForm(FormValidationAction):
    """Checks each contact detail; an invalid name, e-mail or phone is asked again."""

    def name(self) -> str:
        return "validate_handoff_form"

    async def extract_lead_name(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return extract_typed_value("lead_name", tracker)

    async def extract_lead_company(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return extract_typed_value("lead_company", tracker)

    async def extract_lead_email(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return extract_answer("lead_email", tracker, answers.valid_email,
                              answers.looks_like_email)

    async def extract_lead_phone(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return extract_answer("lead_phone", tracker, _phone, answers.looks_like_phone)

    async def extract_lead_consent(self, dispatcher, tracker, domain) -> dict[str, Any]:
        return extract_answer("lead_consent", tracker, answers.parse_yes_no)

    async def validate_lead_name(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return reject_invalid("lead_name", value, dispatcher, "utter_invalid_name")

    async def validate_lead_company(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return reject_invalid("lead_company", value, dispatcher, "utter_invalid_name")

    async def validate_lead_email(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return reject_invalid("lead_email", value, dispatcher, "utter_invalid_email")

    async def validate_lead_phone(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return reject_invalid("lead_phone", value, dispatcher, "utter_invalid_phone")

    async def validate_lead_consent(self, value, dispatcher, tracker, domain) -> dict[str, Any]:
        return reject_invalid("lead_consent", value, dispatcher, "utter_invalid_consent")


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
                language, consent_wording(language), tracker.get_slot("assessment_result"))
        except Exception:
            log.exception("lead not stored")
            dispatcher.utter_message(response="utter_lead_failed")
            return []  # keep the details in the slots: nothing is lost, the user can retry
        dispatcher.utter_message(response="utter_lead_stored",
                                 lead_name=tracker.get_slot("lead_name"),
                                 lead_email=tracker.get_slot("lead_email"))
        return clear
