"""The language slot follows each message, falling back on the widget's hint."""
from __future__ import annotations

import asyncio

import pytest

from actions.slots import ActionValidateSlotMappings
from tests.actions.conftest import make_tracker


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
