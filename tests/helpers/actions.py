"""Calling actions directly, as rasa-sdk would: a tracker from a message and slots, and `run`."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(text: str = "", intent: str = "ask_knowledge", slots: Optional[Dict] = None,
                 entities: Optional[List[Dict]] = None, metadata: Optional[Dict] = None,
                 active_loop: Optional[str] = None, sender: str = "test-user") -> Tracker:
    return Tracker(
        sender_id=sender, slots={"language": "fr", **(slots or {})},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9},
                        "entities": entities or [], "metadata": metadata or {}},
        events=[], paused=False, followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen")


def run(action: Action, dispatcher: CollectingDispatcher, tracker: Tracker,
        domain: Optional[Dict[str, Any]] = None) -> List[Dict[str, Any]]:
    return asyncio.run(action.run(dispatcher, tracker, domain or {}))
