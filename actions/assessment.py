"""The readiness check: read the form's answers, apply bot.advice, say the result.

Extraction is custom: the slot being asked is parsed from buttons or free text; a message that
answers nothing and is a question, a stop or a request for an advisor is left unextracted, so
Rasa rejects the form for that turn and the digression rules take over, then the form resumes.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.advice import answers
from bot.advice.assessment import default_rules
from bot.knowledge.engine import shared_knowledge_base

# Commands that end or restart the form: never taken as an answer.
COMMANDS = {"stop", "request_advisor", "start_assessment"}
# Intents that are usually something else ("combien coûte Tmall ?"): left to the digression
# rules when the text is not a valid answer ("du chocolat" may be classified ask_knowledge).
DIGRESSIONS = COMMANDS | {"ask_knowledge", "greet", "bot_challenge", "out_of_scope",
                          "choose_article", "goodbye", "thanks", "nlu_fallback"}
INVALID = "__invalid__"

ASSESSMENT_SLOTS = ["product_category", "company_size", "export_experience",
                    "customer_service_cn", "surge_stock", "logistics_partner", "trademark_cn",
                    "marketing_budget", "brand_story", "china_contacts"]

PARSERS: Dict[str, Callable[[str], Optional[Any]]] = {
    "product_category": lambda t: answers.parse_choice("product_category", t),
    "company_size": answers.parse_company_size,
    "export_experience": lambda t: answers.parse_choice("export_experience", t),
    "marketing_budget": answers.parse_budget,
    "trademark_cn": lambda t: answers.parse_yes_no(t, allow_pending=True),
}


def answer_text(tracker: Tracker) -> str:
    """The user's answer: button payloads /affirm and /deny become yes and no."""
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name")
    text = message.get("text") or ""
    if text.startswith("/"):
        return {"affirm": "yes", "deny": "no"}.get(intent, "")
    return text


def extract_answer(slot: str, tracker: Tracker, parser: Callable[[str], Optional[Any]],
                   attempted: Optional[Callable[[str], bool]] = None) -> Dict[Text, Any]:
    """Fill `slot` only when it is the one being asked; see the module docstring.

    `attempted` tells an invalid answer from a digression whatever the intent: a mistyped
    e-mail address is asked again even when NLU reads it as a question (contact details are
    examples of no intent).
    """
    if tracker.get_slot("requested_slot") != slot:
        return {}
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if intent in COMMANDS:
        return {}
    text = answer_text(tracker)
    value = parser(text)
    if value is not None:
        return {slot: value}
    if intent in DIGRESSIONS and not (attempted and attempted(text)):
        return {}
    return {slot: INVALID}


def reject_invalid(slot: str, value: Any, dispatcher: CollectingDispatcher,
                   response: str = "utter_invalid_answer") -> Dict[Text, Any]:
    if value == INVALID:
        dispatcher.utter_message(response=response)
        return {slot: None}
    return {slot: value}


class ValidateAssessmentForm(FormValidationAction):
    """Parses each answer of the assessment form; unclear answers are asked again."""

    def name(self) -> Text:
        return "validate_assessment_form"


def _make_extractor(slot: str):
    parser = PARSERS.get(slot, answers.parse_yes_no)

    async def extract(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: DomainDict) -> Dict[Text, Any]:
        return extract_answer(slot, tracker, parser)

    async def validate(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> Dict[Text, Any]:
        return reject_invalid(slot, value, dispatcher)

    return extract, validate


for _slot in ASSESSMENT_SLOTS:
    _extract, _validate = _make_extractor(_slot)
    setattr(ValidateAssessmentForm, f"extract_{_slot}", _extract)
    setattr(ValidateAssessmentForm, f"validate_{_slot}", _validate)


class ActionGiveAssessment(Action):
    """Scores the answers with bot.advice and says the level, reasons, channels and to-dos."""

    def name(self) -> Text:
        return "action_give_assessment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
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
                buttons=[{"title": index.title(channel.article, language), "payload":
                          f'/choose_article{{"kb_article":"{channel.article}"}}'}])
        if result.todos:
            dispatcher.utter_message(response="utter_assessment_todos_intro")
            for todo in result.todos:
                dispatcher.utter_message(response=f"utter_todo_{todo}")
        dispatcher.utter_message(response="utter_assessment_next")
        return [SlotSet("assessment_result", result.to_dict())]


class ActionResetAssessment(Action):
    """Runs before every start of the form: clears the answers when the check starts afresh.

    Starts afresh after a finished check (every answer filled: without the reset the form would
    give the old result again) or when the user says so ("recommencer", "start over", mid-form
    or after a stop); "reprendre le bilan" or the button after a stop resumes at the first
    unanswered question. Only slots that hold a value are cleared, so a first start adds no
    events. The last result (assessment_result) is kept until a new one replaces it.
    """

    def name(self) -> Text:
        return "action_reset_assessment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        finished = all(tracker.get_slot(slot) is not None for slot in ASSESSMENT_SLOTS)
        text = (tracker.latest_message or {}).get("text") or ""
        cleared = ASSESSMENT_SLOTS if finished or answers.asks_restart(text) else []
        return [SlotSet(slot, None) for slot in cleared + ["requested_slot"]
                if tracker.get_slot(slot) is not None]
