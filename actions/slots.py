"""Slot extraction that runs after every user message (Rasa's action_validate_slot_mappings)."""
from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from bot.language import detect_language

SUPPORTED = ("fr", "en")


class ActionValidateSlotMappings(ValidationAction):
    """Keeps the `language` slot on the language of the latest message.

    The text decides when it is clear; otherwise the widget's language (message metadata, which
    follows the conversation), otherwise the language the conversation already had.
    """

    async def extract_language(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        message = tracker.latest_message or {}
        text = message.get("text") or ""
        detected: Optional[str] = None if text.startswith("/") else detect_language(text)
        if detected is None:
            hinted = (message.get("metadata") or {}).get("lang")
            detected = hinted if hinted in SUPPORTED else tracker.get_slot("language")
        return {"language": detected if detected in SUPPORTED else "fr"}
