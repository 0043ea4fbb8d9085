"""End to end: HTTP -> Flask -> Rasa -> action server -> engine, on the real processes."""
from __future__ import annotations

import pytest

from tests.helpers.stack import Chat, payloads

pytestmark = pytest.mark.e2e


def test_french_question_gets_french_sourced_answer(stack):
    messages = Chat(stack.web_url, "e2e-french-1").say(
        "Peut-on vendre en Chine depuis le site web de sa PME ?")
    answer = next(p for p in payloads(messages) if p["type"] == "kb_answer")
    assert answer["language"] == "fr" and answer["answer_language"] == "fr"
    assert answer["article"] == "foreign-website"
    assert answer["sources"] and answer["sources"][0]["url"].startswith("https://")
    text = next(m["text"] for m in messages if m.get("payload", {}).get("type") == "kb_answer")
    assert "Source :" in text and "site web" in text


def test_english_question_gets_english_sourced_answer(stack):
    messages = Chat(stack.web_url, "e2e-english-1", lang="en").say(
        "Can I sell to China from my own web shop?")
    answer = next(p for p in payloads(messages) if p["type"] == "kb_answer")
    assert answer["language"] == "en" and answer["answer_language"] == "en"
    assert answer["sources"][0]["title"]
    text = next(m["text"] for m in messages if m.get("payload", {}).get("type") == "kb_answer")
    assert "Source:" in text and "website" in text


def test_weather_question_gets_no_knowledge_answer(stack):
    messages = Chat(stack.web_url, "e2e-weather-1").say("Quel temps fera-t-il demain ?")
    assert messages and all(p.get("type") != "kb_answer" for p in payloads(messages))


def test_language_follows_the_user_mid_conversation(stack):
    chat = Chat(stack.web_url, "e2e-switch-1")
    assert chat.say("bonjour")[0]["text"].startswith("Bonjour")
    assert chat.say("thank you very much")[0]["text"].startswith("You're welcome")
    assert chat.say("merci beaucoup")[0]["text"].startswith("Avec plaisir")
