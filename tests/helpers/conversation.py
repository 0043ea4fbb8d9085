"""A form conversation through the validation actions, as Rasa's FormAction drives them.

Each turn: the validation action extracts and validates the latest message; Rasa then asks the
first required slot that is still empty. Nothing extracted means Rasa would reject the form for
that turn (a digression or a stop), which a conversation here reports as `rejected`.
"""
from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import FormValidationAction
from rasa_sdk.executor import CollectingDispatcher

from bot.domain import load_domain
from tests.helpers.actions import make_tracker

DOMAIN = load_domain()


@dataclass
class Turn:
    text: str
    events: dict[str, Any]
    responses: list[str]
    asked: str | None  # the next question, None when the form is complete
    rejected: bool


@dataclass
class Conversation:
    action: FormValidationAction
    form: str
    slots: dict[str, Any] = field(default_factory=dict)
    turns: list[Turn] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.slots.setdefault("requested_slot", self.next_question())

    def next_question(self) -> str | None:
        required = DOMAIN["forms"][self.form]["required_slots"]
        return next((s for s in required if self.slots.get(s) is None), None)

    def say(self, text: str, intent: str = "inform",
            entities: list[dict[str, Any]] | None = None) -> Turn:
        dispatcher = CollectingDispatcher()
        tracker = make_tracker(text, intent=intent, slots=self.slots, entities=entities,
                               active_loop=self.form)
        events = asyncio.run(self.action.run(dispatcher, tracker, DOMAIN))
        values = {e["name"]: e["value"] for e in events if e["name"] != "requested_slot"}
        self.slots.update(values)
        rejected = not values
        if not rejected:
            self.slots["requested_slot"] = self.next_question()
        turn = Turn(text, values, [m.get("response") for m in dispatcher.messages],
                    self.slots["requested_slot"], rejected)
        self.turns.append(turn)
        return turn

    def answer(self, turns: Sequence[tuple[str, str]]) -> Conversation:
        for text, intent in turns:
            self.say(text, intent)
        return self
