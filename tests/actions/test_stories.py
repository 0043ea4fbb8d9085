"""The test stories' slot events are what the actions return.

`rasa test core` checks NLU and the dialogue rules, but never calls the action server: the
`slot_was_set` events after each form turn are taken from the story as written. This replays
every story in tests/rasa through the real validation actions (and action_reset_assessment):
for each message typed while a form is active, the slot events the action returns must be the
ones the story lists, the next question must be the one it lists, and a message the story
sends to another rule (a digression, a stop) must extract nothing, or Rasa would not leave the
form. A story that misreads an answer fails here even though `rasa test core` passes.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.assessment import ActionResetAssessment, ValidateAssessmentForm
from actions.handoff import ValidateHandoffForm
from bot.domain import load_domain
from bot.settings import ROOT

DOMAIN = load_domain()
VALIDATORS = {"assessment_form": ValidateAssessmentForm, "handoff_form": ValidateHandoffForm}
STORY_FILES = sorted((ROOT / "tests" / "rasa").glob("*.yml"))


def _stories() -> list[Any]:
    found = []
    for path in STORY_FILES:
        for story in yaml.safe_load(path.read_text("utf-8")).get("stories", []):
            found.append(pytest.param(story, id=f"{path.stem}: {story['story']}"))
    return found


def _message(step: dict[str, Any]) -> dict[str, Any]:
    text = str(step["user"]).strip()
    entities = [{"entity": name, "value": value}
                for item in step.get("entities") or [] for name, value in item.items()]
    if text.startswith("/") and "{" in text:
        payload = json.loads(text[text.index("{"):])
        entities += [{"entity": k, "value": v} for k, v in payload.items()]
    return {"text": text, "intent": {"name": step["intent"], "confidence": 1.0},
            "entities": entities, "metadata": {}}


def _tracker(slots: dict[str, Any], message: dict[str, Any], loop: str | None) -> Tracker:
    return Tracker(sender_id="story", slots=dict(slots), latest_message=message, events=[],
                   paused=False, followup_action=None,
                   active_loop={"name": loop} if loop else {}, latest_action_name="action_listen")


def _following_slots(steps: list[dict[str, Any]], start: int) -> dict[str, Any]:
    """The slot_was_set steps right after steps[start], merged in order."""
    found: dict[str, Any] = {}
    for step in steps[start + 1:]:
        if "slot_was_set" not in step:
            break
        for item in step["slot_was_set"]:
            found.update(item if isinstance(item, dict) else {item: None})
    return found


def _next_question(form: str, slots: dict[str, Any]) -> str | None:
    required = DOMAIN["forms"][form]["required_slots"]
    return next((slot for slot in required if slots.get(slot) is None), None)


@pytest.mark.parametrize("story", _stories())
def test_story_slot_events_are_what_the_actions_return(story):
    steps = story["steps"]
    slots: dict[str, Any] = {}
    loop: str | None = None
    message: dict[str, Any] | None = None
    for i, step in enumerate(steps):
        if "user" in step:
            message = _message(step)
            continue
        if "active_loop" in step:
            loop = step["active_loop"]
            continue
        if "slot_was_set" in step:
            for item in step["slot_was_set"]:
                slots.update(item if isinstance(item, dict) else {item: None})
            continue
        action = step.get("action")
        where = f"step {i} ({action}) after {message and message['text']!r}"
        if message is not None and loop in VALIDATORS:
            events = asyncio.run(VALIDATORS[loop]().run(
                CollectingDispatcher(), _tracker(slots, message, loop), DOMAIN))
            returned = {e["name"]: e["value"] for e in events if e["name"] != "requested_slot"}
            if action == loop:
                expected = _following_slots(steps, i)
                asked = expected.pop("requested_slot", "unset")
                assert returned == expected, where
                if asked != "unset":
                    assert asked == _next_question(loop, {**slots, **returned}), where
            else:
                assert returned == {}, f"{where}: the form would not be left"
        elif action == "action_reset_assessment" and message is not None:
            events = asyncio.run(ActionResetAssessment().run(
                CollectingDispatcher(), _tracker(slots, message, loop), DOMAIN))
            assert {e["name"]: e["value"] for e in events} == _following_slots(steps, i), where
        message = None


def test_every_story_file_is_replayed():
    assert {p.name for p in STORY_FILES} >= {"test_assessment_stories.yml",
                                             "test_handoff_stories.yml"}
