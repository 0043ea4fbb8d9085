"""Tracker and dispatcher fixtures for calling actions directly, as rasa-sdk would."""
from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()
