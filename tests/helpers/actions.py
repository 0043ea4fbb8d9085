"""Calling actions directly, as rasa-sdk would: a tracker from a message and slots, and `run`."""
from __future__ import annotations

import asyncio
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(text: str = "", intent: str = "ask_knowledge", slots: dict | None = None,
                 entities: list[dict] | None = None, metadata: dict | None = None,
                 active_loop: str | None = None, sender: str = "test-user") -> Tracker:
    return Tracker(
        sender_id=sender, slots={"language": "fr", **(slots or {})},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                        "entities": entities or [], "metadata": metadata or {}},
        events=[], paused=False, followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen")


def run(action: Action, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return asyncio.run(action.run(dispatcher, tracker, domain or {}))
