"""The readiness check: read the form's answers, apply bot.advice, say the result.

Extraction is custom and reads each message by meaning (bot.advice.understanding): a message
that names another question's topic answers that one (a correction when it was answered before)
and the pending question is asked again; a message that answers nothing and is a question, a
stop or a request for an advisor is left unextracted, so Rasa rejects the form for that turn and
the digression rules take over, then the form resumes. After the ten questions, a summary lists
the answers with a button to change each (the form's last slot, assessment_confirmed).
"""
from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import (
    COMMANDS,
    DIGRESSIONS,
    INVALID,
    WHICH,
    TypedAnswerForm,
    answer_text,
    intent_of,
)
from bot.advice import answers, understanding
from bot.advice.assessment import default_rules
from bot.advice.understanding import ANY, CONFIRM
from bot.knowledge.engine import choose_article_payload, shared_knowledge_base

ASSESSMENT_SLOTS = understanding.SLOTS


def _previous_answer(tracker: Tracker, pending: str) -> str | None:
    """The question answered just before `pending`: what a bare "correction : non" corrects."""
    if pending not in ASSESSMENT_SLOTS:
        return None
    before = ASSESSMENT_SLOTS[:ASSESSMENT_SLOTS.index(pending)]
    return next((slot for slot in reversed(before) if tracker.get_slot(slot) is not None), None)


def _change_target(tracker: Tracker) -> str | None:
    """The question named by a "change" button (/change_answer{"answer_slot": ...})."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == "answer_slot" and entity.get("value") in ASSESSMENT_SLOTS:
            return entity["value"]
    return None


def extract_assessment_answer(slot: str, tracker: Tracker,
                              dispatcher: CollectingDispatcher) -> dict[str, Any]:
    """Slot events for the message typed while `slot` is asked (see the module docstring).

    Answers to other questions are acknowledged ("noted" or "corrected") and the pending
    question is asked again; a request to change an answer clears it so the form asks it.
    """
    if tracker.get_slot("requested_slot") != slot:
        return {}
    intent = intent_of(tracker)
    if intent in COMMANDS:
        return {}
    text = answer_text(tracker)
    if "?" in text and intent in DIGRESSIONS:
        return {}  # a question, even about a topic of the check: the knowledge base answers
    reading = understanding.read(text, slot, previous=_previous_answer(tracker, slot),
                                 change_request=intent == "change_answer",
                                 change_target=_change_target(tracker))
    events: dict[str, Any] = dict(reading.values)
    others = reading.others(slot)
    if others:
        corrected = any(tracker.get_slot(other) is not None for other in others)
        dispatcher.utter_message(
            response="utter_answer_corrected" if corrected else "utter_answer_noted")
    if reading.change == ANY or events.get(CONFIRM) is False:
        events[slot] = WHICH
    elif reading.change:
        events[reading.change] = None
    if events:
        return events
    if intent in DIGRESSIONS:
        return {}
    return {slot: INVALID}


class ValidateAssessmentForm(TypedAnswerForm):
    """Reads each answer of the assessment form by meaning; unclear answers are asked again."""

    typed_slots = (*ASSESSMENT_SLOTS, CONFIRM)

    def name(self) -> str:
        return "validate_assessment_form"

    def extract_typed(self, slot: str, dispatcher: CollectingDispatcher,
                      tracker: Tracker) -> dict[str, Any]:
        return extract_assessment_answer(slot, tracker, dispatcher)


def summary_response(slot: str, value: Any) -> str:
    """The summary line of an answer: utter_summary_<slot>_<value> (yes/no for booleans)."""
    if value is True or value is False:
        value = "yes" if value else "no"
    return f"utter_summary_{slot}_{value}"


def _changed_this_turn(tracker: Tracker) -> bool:
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") in ASSESSMENT_SLOTS:
            return True
    return False


class ActionAskAssessmentConfirmed(Action):
    """Before the result: every answer, then "is this right?" with a button to change each.

    Asked again after an unclear reply, a digression or "non", only the question is repeated
    (the answers are just above); after a change the whole summary is shown again.
    """

    def name(self) -> str:
        return "action_ask_assessment_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        repeated = tracker.get_slot("requested_slot") == CONFIRM and \
            not _changed_this_turn(tracker)
        if not repeated:
            dispatcher.utter_message(response="utter_assessment_summary_intro")
            for slot in ASSESSMENT_SLOTS:
                if tracker.get_slot(slot) is not None:
                    dispatcher.utter_message(
                        response=summary_response(slot, tracker.get_slot(slot)))
        dispatcher.utter_message(response="utter_ask_assessment_confirmed")
        return []


class ActionGiveAssessment(Action):
    """Scores the answers with bot.advice and says the level, reasons, channels and to-dos."""

    def name(self) -> str:
        return "action_give_assessment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        result = default_rules().assess({s: tracker.get_slot(s) for s in ASSESSMENT_SLOTS})
        payload = {"type": "assessment", **result.to_dict()}
        dispatcher.utter_message(response=f"utter_assessment_{result.level}",
                                 points=result.points, max_points=result.max_points,
                                 json_message=payload)
        if result.reasons:
            dispatcher.utter_message(response="utter_assessment_reasons_intro")
            for reason in result.reasons:
                dispatcher.utter_message(response=f"utter_reason_{reason}")
        dispatcher.utter_message(response="utter_assessment_channels_intro")
        language = tracker.get_slot("language") or "fr"
        index = shared_knowledge_base().index()
        for channel in result.channels:
            dispatcher.utter_message(
                response=f"utter_channel_{channel.id}",
                buttons=[{"title": index.title(channel.article, language),
                          "payload": choose_article_payload(channel.article)}])
        if result.todos:
            dispatcher.utter_message(response="utter_assessment_todos_intro")
            for todo in result.todos:
                dispatcher.utter_message(response=f"utter_todo_{todo}")
        dispatcher.utter_message(response="utter_assessment_next")
        return [SlotSet("assessment_result", result.to_dict())]


class ActionResetAssessment(Action):
    """Runs before every start of the form: clears the answers when the check starts afresh.

    Starts afresh after a finished check (the summary was confirmed: without the reset the form
    would give the old result again) or when the user says so ("recommencer", "start over",
    mid-form or after a stop); "reprendre le bilan" or the button after a stop resumes at the
    first unanswered question. A request to change an answer after the result ("modifier le
    budget", the summary's button) clears that answer and the confirmation only, so the form
    asks it and shows the summary again. Only slots that hold a value are cleared, so a first
    start adds no events. The last result (assessment_result) is kept until a new one replaces
    it.
    """

    def name(self) -> str:
        return "action_reset_assessment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        every = ASSESSMENT_SLOTS + [CONFIRM]
        text = (tracker.latest_message or {}).get("text") or ""
        if intent_of(tracker) == "change_answer":
            reading = understanding.read(text if not text.startswith("/") else "", None,
                                         change_request=True,
                                         change_target=_change_target(tracker))
            # "modifier la taille : nous sommes 30" is the new answer, shown in the summary
            changed = [SlotSet(slot, value) for slot, value in reading.values.items()]
            cleared = [slot for slot in ASSESSMENT_SLOTS if slot == reading.change] + [CONFIRM]
            return changed + [SlotSet(slot, None) for slot in cleared + ["requested_slot"]
                              if tracker.get_slot(slot) is not None]
        if tracker.get_slot(CONFIRM) is True or answers.asks_restart(text):
            cleared = every
        else:
            cleared = []
        return [SlotSet(slot, None) for slot in cleared + ["requested_slot"]
                if tracker.get_slot(slot) is not None]
