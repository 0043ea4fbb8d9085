"""Tracker and dispatcher fixtures for calling actions directly, as rasa-sdk would."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
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


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def run(action, dispatcher, tracker, domain: Optional[Dict[str, Any]] = None):
    import asyncio

    return asyncio.run(action.run(dispatcher, tracker, domain or {}))
