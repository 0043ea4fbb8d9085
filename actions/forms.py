"""What the assessment and handoff forms share: reading a typed answer, asking again when it
is not one, and a validation base that wires both per slot (as financial-demo's
custom_forms.py does for its forms).

A typed answer is extracted only while its slot is the one being asked. A value the parser
cannot read becomes INVALID, which the slot's validation turns into "asked again" with the
slot's own reply; a command ("stop", "talk to an advisor") or a digression (a question) is left
unextracted, so Rasa rejects the form for that turn and the rules take over.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from typing import Any, ClassVar

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.advice import answers

# Commands that end or restart the form: never taken as an answer.
COMMANDS = {"stop", "request_advisor", "start_assessment"}
# Intents that are usually something else ("combien coûte Tmall ?"): left to the digression
# rules when the text is not a valid answer ("du chocolat" may be classified ask_knowledge).
DIGRESSIONS = COMMANDS | {"ask_knowledge", "greet", "bot_challenge", "out_of_scope",
                          "choose_article", "goodbye", "thanks", "nlu_fallback"}
INVALID = "__invalid__"
# The user wants to change an answer but did not say which: asked which, then asked again.
WHICH = "__which__"
DEFAULT_INVALID_RESPONSE = "utter_invalid_answer"


def intent_of(tracker: Tracker) -> str | None:
    name: str | None = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    return name


def answer_text(tracker: Tracker) -> str:
    """The user's answer: button payloads /affirm and /deny become yes and no."""
    message = tracker.latest_message or {}
    text: str = message.get("text") or ""
    if text.startswith("/"):
        return {"affirm": "yes", "deny": "no"}.get(intent_of(tracker) or "", "")
    return text


def extract_answer(slot: str, tracker: Tracker, parser: Callable[[str], Any | None],
                   attempted: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """Fill `slot` only when it is the one being asked; see the module docstring.

    `attempted` tells an invalid answer from a digression whatever the intent: a mistyped
    e-mail address is asked again even when NLU reads it as a question (contact details are
    examples of no intent).
    """
    if tracker.get_slot("requested_slot") != slot:
        return {}
    intent = intent_of(tracker)
    text = answer_text(tracker)
    typed = (tracker.latest_message or {}).get("text") or ""
    if intent in COMMANDS and (typed.startswith("/") or answers.is_cancel(typed)):
        return {}
    value = parser(text)
    if value is not None:
        return {slot: value}  # a valid address is never a command, whatever NLU reads
    if intent in COMMANDS:
        return {}
    if intent in DIGRESSIONS and not (attempted and attempted(text)):
        return {}
    return {slot: INVALID}


def reject_invalid(slot: str, value: Any, dispatcher: CollectingDispatcher,
                   response: str = DEFAULT_INVALID_RESPONSE) -> dict[str, Any]:
    """The slot's value, or None with the reply that asks again (or asks which answer)."""
    if value == INVALID:
        dispatcher.utter_message(response=response)
        return {slot: None}
    if value == WHICH:
        dispatcher.utter_message(response="utter_ask_which_answer")
        return {slot: None}
    return {slot: value}


Extractor = Callable[[Any, CollectingDispatcher, Tracker, DomainDict],
                     Coroutine[Any, Any, dict[str, Any]]]
Validator = Callable[[Any, Any, CollectingDispatcher, Tracker, DomainDict],
                     Coroutine[Any, Any, dict[str, Any]]]


def _extractor(slot: str) -> Extractor:
    async def extract(self: TypedAnswerForm, dispatcher: CollectingDispatcher,
                      tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self.extract_typed(slot, dispatcher, tracker)

    return extract


def _validator(slot: str) -> Validator:
    async def validate(self: TypedAnswerForm, value: Any, dispatcher: CollectingDispatcher,
                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return reject_invalid(slot, value, dispatcher, self.invalid_response(slot))

    return validate


class TypedAnswerForm(FormValidationAction, ABC):
    """A form whose slots are typed answers: list them in `typed_slots`, say how one is read
    (`extract_typed`) and which reply asks again for it (`invalid_response`); rasa-sdk's
    `extract_<slot>` and `validate_<slot>` methods are made from them for each slot.

    Abstract, so rasa-sdk does not register it as an action of its own.
    """

    typed_slots: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for slot in cls.typed_slots:
            if f"extract_{slot}" not in vars(cls):
                setattr(cls, f"extract_{slot}", _extractor(slot))
            if f"validate_{slot}" not in vars(cls):
                setattr(cls, f"validate_{slot}", _validator(slot))

    @abstractmethod
    def extract_typed(self, slot: str, dispatcher: CollectingDispatcher,
                      tracker: Tracker) -> dict[str, Any]:
        """Slot events for the message typed while `slot` is asked ({} leaves it alone)."""

    def invalid_response(self, slot: str) -> str:
        """The reply that asks for `slot` again after an answer that is not one."""
        return DEFAULT_INVALID_RESPONSE
