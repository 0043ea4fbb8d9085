"""Slot extraction that runs after every user message (Rasa's action_validate_slot_mappings)."""
from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from bot.language import detect_language
from bot.settings import LANGUAGES

# An answer switches the conversation's language only with more than one word of the other
# language: "yes" or "ok thanks" in a French conversation keeps it French, "yes please" or a
# sentence switches (detect_language scores a hint word 2, a stop word 1). A question switches
# as before ("quel canal ?" in an English conversation is answered in French).
SWITCH_MARGIN = 3
# Typed values, not sentences: "Brown Foods Company" says nothing about the user's language.
VALUE_SLOTS = {"lead_name", "lead_company", "lead_email", "lead_phone"}


class ActionValidateSlotMappings(ValidationAction):
    """Keeps the `language` slot on the language of the latest message.

    The text decides when it is clear, and switches the conversation only when it clearly is
    in the other language; otherwise the widget's language (message metadata, which follows
    the conversation), otherwise the language the conversation already had. A name,
    company, e-mail or phone typed for the advisor form is never evidence: an English-looking
    company name in a French conversation keeps the next question in French.
    """

    async def extract_language(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        current = tracker.get_slot("language")
        if current in LANGUAGES and tracker.get_slot("requested_slot") in VALUE_SLOTS \
                and (tracker.active_loop or {}).get("name") == "handoff_form" and "?" not in text:
            return {"language": current}  # a question in the middle is still a sentence
        detected: str | None = None if text.startswith("/") else detect_language(text)
        if detected is not None and current in LANGUAGES and detected != current \
                and "?" not in text and detect_language(text, margin=SWITCH_MARGIN) is None:
            detected = None  # "yes", "ok thanks": weak evidence, the widget's language decides
        if detected is None:
            hinted = (message.get("metadata") or {}).get("lang")
            detected = hinted if hinted in LANGUAGES else current
        return {"language": detected if detected in LANGUAGES else "fr"}
