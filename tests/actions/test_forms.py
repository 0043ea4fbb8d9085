"""actions/forms.py: the validation base both forms share."""
from __future__ import annotations

import asyncio
import inspect
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.forms import INVALID, WHICH, TypedAnswerForm, extract_answer, reject_invalid
from tests.helpers.actions import make_tracker


class ColourForm(TypedAnswerForm):
    """A form of one typed slot, read by a parser that knows two colours."""

    typed_slots = ("colour",)

    def name(self) -> str:
        return "validate_colour_form"

    def extract_typed(self, slot: str, dispatcher: CollectingDispatcher,
                      tracker: Tracker) -> dict[str, Any]:
        return extract_answer(slot, tracker, {"rouge": "red", "bleu": "blue"}.get)

    def invalid_response(self, slot: str) -> str:
        return "utter_invalid_colour"


def test_the_base_is_abstract_so_rasa_sdk_registers_only_the_forms():
    assert inspect.isabstract(TypedAnswerForm)
    executor = ActionExecutor()
    executor.register_package("actions")
    assert {"validate_assessment_form", "validate_handoff_form"} <= set(executor.actions)


def test_each_typed_slot_gets_an_extractor_and_a_validator():
    form = ColourForm()
    tracker = make_tracker("rouge", intent="inform", slots={"requested_slot": "colour"})
    assert asyncio.run(form.extract_colour(CollectingDispatcher(), tracker, {})) == {
        "colour": "red"}
    wrong = make_tracker("vert", intent="inform", slots={"requested_slot": "colour"})
    assert asyncio.run(form.extract_colour(CollectingDispatcher(), wrong, {})) == {
        "colour": INVALID}
    dispatcher = CollectingDispatcher()
    assert asyncio.run(form.validate_colour(INVALID, dispatcher, wrong, {})) == {"colour": None}
    assert dispatcher.messages[-1]["response"] == "utter_invalid_colour"


def test_a_slot_not_asked_is_never_filled_and_a_command_is_left_to_the_rules():
    other = make_tracker("rouge", intent="inform", slots={"requested_slot": "size"})
    assert extract_answer("colour", other, {"rouge": "red"}.get) == {}
    stop = make_tracker("/stop", intent="stop", slots={"requested_slot": "colour"})
    assert extract_answer("colour", stop, {"rouge": "red"}.get) == {}


def test_which_answer_asks_which():
    dispatcher = CollectingDispatcher()
    assert reject_invalid("budget", WHICH, dispatcher) == {"budget": None}
    assert dispatcher.messages[-1]["response"] == "utter_ask_which_answer"
    assert reject_invalid("budget", "high", dispatcher) == {"budget": "high"}
