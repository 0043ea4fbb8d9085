"""The assessment form's extraction rules and the result action."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet

import actions.assessment as assessment_module
from actions.assessment import (INVALID, ActionGiveAssessment, ActionResetAssessment,
                                ValidateAssessmentForm, extract_answer)
from bot.advice import answers
from tests.actions.conftest import make_tracker, run


def extract(slot, text, intent="inform", requested=None):
    tracker = make_tracker(text, intent=intent, slots={"requested_slot": requested or slot})
    method = getattr(ValidateAssessmentForm(), f"extract_{slot}")
    return asyncio.run(method(None, tracker, {}))


def test_free_text_and_buttons_fill_the_requested_slot():
    assert extract("product_category", "nous faisons du chocolat") == {"product_category": "food"}
    assert extract("company_size", "35 salariés") == {"company_size": "small"}
    assert extract("surge_stock", "/affirm", intent="affirm") == {"surge_stock": True}
    assert extract("surge_stock", "/deny", intent="deny") == {"surge_stock": False}
    assert extract("trademark_cn", "demande en cours") == {"trademark_cn": "pending"}


def test_only_the_requested_slot_is_filled():
    assert extract("surge_stock", "oui", intent="affirm", requested="logistics_partner") == {}


def test_a_question_is_left_to_the_digression_rules():
    assert extract("marketing_budget", "Combien coûte Tmall Global ?",
                   intent="ask_knowledge") == {}
    assert extract("brand_story", "stop", intent="stop") == {}


def test_an_unclear_answer_is_asked_again(dispatcher):
    assert extract("company_size", "beaucoup de monde") == {"company_size": INVALID}
    result = asyncio.run(ValidateAssessmentForm().validate_company_size(
        INVALID, dispatcher, make_tracker(), {}))
    assert result == {"company_size": None}
    assert dispatcher.messages[-1]["response"] == "utter_invalid_answer"


class FakeIndex:
    def title(self, article_id, lang):
        return f"title of {article_id} ({lang})"


def test_result_says_level_reasons_channels_and_todos(dispatcher, monkeypatch):
    monkeypatch.setattr(assessment_module, "shared_knowledge_base",
                        lambda: type("KB", (), {"index": lambda self: FakeIndex()})())
    slots = {"product_category": "food", "company_size": "small", "export_experience": "eu",
             "customer_service_cn": False, "surge_stock": True, "logistics_partner": True,
             "trademark_cn": False, "marketing_budget": "small", "brand_story": True,
             "china_contacts": False}
    events = run(ActionGiveAssessment(), dispatcher, make_tracker(slots=slots))
    responses = [m["response"] for m in dispatcher.messages]
    assert responses[0] == "utter_assessment_conditions"
    assert dispatcher.messages[0]["custom"]["type"] == "assessment"
    assert "utter_reason_no_chinese_service" in responses
    assert "utter_channel_belgian_pavilion" in responses
    pavilion = next(m for m in dispatcher.messages
                    if m["response"] == "utter_channel_belgian_pavilion")
    assert pavilion["buttons"][0]["payload"] == '/choose_article{"kb_article":"belgian-pavilion"}'
    assert "utter_todo_gacc_registration" in responses
    assert responses[-1] == "utter_assessment_next"
    assert events[0]["name"] == "assessment_result" and events[0]["value"]["level"] == "conditions"


def test_reset_clears_every_answer_of_a_finished_assessment(dispatcher):
    """Whatever the words: a finished check starts afresh, or the old result comes back."""
    answered = {slot: False for slot in assessment_module.ASSESSMENT_SLOTS}
    answered.update(product_category="food", company_size="micro", assessment_result={"x": 1})
    for text in ("Recommencer le bilan", "/start_assessment", "suis-je prêt ?"):
        events = run(ActionResetAssessment(), dispatcher,
                     make_tracker(text, intent="start_assessment", slots=answered))
        assert events == [SlotSet(slot, None) for slot in assessment_module.ASSESSMENT_SLOTS]
    assert dispatcher.messages == []


@pytest.mark.parametrize("text", ["on recommence tout depuis le début", "Recommencer le bilan",
                                  "tout reprendre à zéro", "can we start over?",
                                  "I want to do the check again", "redo the assessment"])
def test_reset_mid_form_or_after_a_stop_clears_when_asked_to_start_over(dispatcher, text):
    slots = {"product_category": "fashion", "company_size": "micro",
             "requested_slot": "export_experience"}
    events = run(ActionResetAssessment(), dispatcher,
                 make_tracker(text, intent="start_assessment", slots=slots))
    assert events == [SlotSet("product_category", None), SlotSet("company_size", None),
                      SlotSet("requested_slot", None)]


@pytest.mark.parametrize("text", ["reprendre le bilan", "/start_assessment",
                                  "continue the assessment"])
def test_reset_keeps_the_answers_of_a_stopped_assessment_to_resume_it(dispatcher, text):
    slots = {"product_category": "other"}
    assert run(ActionResetAssessment(), dispatcher,
               make_tracker(text, intent="start_assessment", slots=slots)) == []


def test_reset_before_a_first_assessment_adds_no_events(dispatcher):
    assert run(ActionResetAssessment(), dispatcher,
               make_tracker("recommencer", intent="start_assessment")) == []
