"""The assessment form's extraction rules and the result action."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet

import actions.assessment as assessment_module
from actions.assessment import (
    INVALID,
    ActionGiveAssessment,
    ActionResetAssessment,
    ValidateAssessmentForm,
)
from tests.helpers.actions import make_tracker, run


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
    answered.update(product_category="food", company_size="micro", assessment_result={"x": 1},
                    assessment_confirmed=True)
    for text in ("Recommencer le bilan", "/start_assessment", "suis-je prêt ?"):
        events = run(ActionResetAssessment(), dispatcher,
                     make_tracker(text, intent="start_assessment", slots=answered))
        assert events == [SlotSet(slot, None) for slot in assessment_module.ASSESSMENT_SLOTS
                          + ["assessment_confirmed"]]
    assert dispatcher.messages == []


def test_reset_resumes_at_the_summary_when_it_was_not_confirmed(dispatcher):
    """Stopped at the summary: "reprendre le bilan" shows it again, nothing is cleared."""
    answered = {slot: False for slot in assessment_module.ASSESSMENT_SLOTS}
    assert run(ActionResetAssessment(), dispatcher,
               make_tracker("reprendre le bilan", intent="start_assessment",
                            slots=answered)) == []


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


# Issue 14: the readiness form stored answers where they did not belong. The tests below call
# the validation action as Rasa does (tests/actions/conversation.py).
from bot.advice.assessment import default_rules  # noqa: E402
from tests.helpers.conversation import DOMAIN, Conversation  # noqa: E402

ANSWERED = {"product_category": "food", "company_size": "micro", "export_experience": "eu",
            "customer_service_cn": False, "surge_stock": True, "logistics_partner": True}


def form(**slots) -> Conversation:
    return Conversation(ValidateAssessmentForm(), "assessment_form", slots=dict(slots))


@pytest.mark.parametrize("text,intent,expected", [
    ("oui, une recette familiale depuis 1920", "inform", {"brand_story": True}),
    ("yes, a family recipe since 1920", "inform", {"brand_story": True}),
])
def test_an_answer_about_the_brand_story_does_not_register_the_trademark(text, intent, expected):
    conversation = form(**ANSWERED)
    turn = conversation.say(text, intent)
    assert turn.events == expected
    assert "trademark_cn" not in turn.events
    assert turn.asked == "trademark_cn" and turn.responses == ["utter_answer_noted"]


@pytest.mark.parametrize("text,intent", [("aucun contact en chine", "deny"),
                                         ("no contacts in China", "ask_knowledge")])
def test_no_contacts_is_not_no_marketing_budget(text, intent):
    conversation = form(**ANSWERED, trademark_cn=False)
    turn = conversation.say(text, intent)
    assert turn.events == {"china_contacts": False}
    assert turn.asked == "marketing_budget"


@pytest.mark.parametrize("language,turns", [
    ("fr", [("notre marque est déposée en Europe seulement", "inform"),
            ("oui, une recette familiale depuis 1920", "inform"),
            ("trente mille euros", "inform"), ("aucun contact en chine", "deny"),
            ("/affirm", "affirm")]),
    ("en", [("our brand is only registered in Europe", "ask_knowledge"),
            ("yes, a family recipe since 1920", "inform"),
            ("30k", "inform"), ("no contacts in China", "ask_knowledge"),
            ("/affirm", "affirm")]),
])
def test_the_trademark_warning_stays_in_the_result(language, turns, dispatcher, monkeypatch):
    """The issue's conversation: Europe only, then a family recipe: no trademark in China."""
    conversation = form(**ANSWERED, language=language).answer(turns)
    assert conversation.slots["trademark_cn"] is False
    assert conversation.slots["brand_story"] is True
    assert conversation.slots["marketing_budget"] == "medium"
    assert conversation.slots["china_contacts"] is False
    assert conversation.slots["assessment_confirmed"] is True
    assert conversation.slots["requested_slot"] is None
    result = default_rules().assess(conversation.slots)
    assert "no_trademark" in result.reasons and "trademark_first" in result.todos


@pytest.mark.parametrize("text,intent,slot,value", [
    ("une vingtaine de personnes", "inform", "company_size", "small"),
    ("a dozen", "inform", "company_size", "small"),
    ("septante", "nlu_fallback", "company_size", "medium"),
    ("nonante", "deny", "company_size", "medium"),
    ("30k", "inform", "marketing_budget", "medium"),
    ("trente mille euros", "inform", "marketing_budget", "medium"),
    ("pas pour le moment, personne ne parle chinois", "deny", "customer_service_cn", False),
    ("not for now, nobody speaks Chinese", "deny", "customer_service_cn", False),
    ("notre marque est déposée en Europe seulement", "inform", "trademark_cn", False),
])
def test_free_text_answers(text, intent, slot, value):
    turn = extract(slot, text, intent=intent)
    assert turn == {slot: value}


@pytest.mark.parametrize("text,intent,slots,expected", [
    ("en fait nous sommes 30", "inform", {"company_size": "micro"}, {"company_size": "small"}),
    ("actually we are 30", "inform", {"company_size": "micro"}, {"company_size": "small"}),
    ("correction : on a un distributeur", "affirm", {"china_contacts": False},
     {"china_contacts": True}),
    ("correction: we have a distributor", "affirm", {"china_contacts": False},
     {"china_contacts": True}),
])
def test_a_correction_updates_the_earlier_answer(text, intent, slots, expected):
    conversation = form(**{**ANSWERED, **slots})
    turn = conversation.say(text, intent)
    assert turn.events == expected
    assert turn.responses == ["utter_answer_corrected"]
    assert turn.asked == "trademark_cn"  # the pending question is asked again


def test_a_bare_correction_applies_to_the_previous_answer():
    conversation = form(**ANSWERED)  # logistics_partner: True was the last answer
    turn = conversation.say("correction : non", "deny")
    assert turn.events == {"logistics_partner": False}
    assert turn.asked == "trademark_cn"


ALL = {**ANSWERED, "trademark_cn": "pending", "marketing_budget": "small", "brand_story": True,
       "china_contacts": False}


def test_the_summary_is_asked_before_the_result():
    conversation = form(**{**ALL, "china_contacts": None})
    assert conversation.say("/deny", "deny").asked == "assessment_confirmed"
    turn = conversation.say("oui, c'est bon", "affirm")
    assert turn.events == {"assessment_confirmed": True} and turn.asked is None


def test_a_summary_button_asks_that_question_again_then_the_summary():
    conversation = form(**ALL)
    turn = conversation.say('/change_answer{"answer_slot":"company_size"}', "change_answer",
                            entities=[{"entity": "answer_slot", "value": "company_size"}])
    assert turn.events == {"company_size": None} and turn.asked == "company_size"
    turn = conversation.say("une vingtaine de personnes")
    assert turn.events == {"company_size": "small"} and turn.asked == "assessment_confirmed"


@pytest.mark.parametrize("text,intent,expected", [
    ("en fait nous sommes 30", "inform", {"company_size": "small"}),
    ("correction : on a un distributeur", "affirm", {"china_contacts": True}),
    ("le budget", "inform", {"marketing_budget": None}),
    ("je voudrais modifier la taille", "inform", {"company_size": None}),
])
def test_at_the_summary_a_correction_or_a_named_question(text, intent, expected):
    conversation = form(**ALL)
    turn = conversation.say(text, intent)
    assert turn.events == expected
    assert turn.asked == next(iter(expected)) if None in expected.values() \
        else turn.asked == "assessment_confirmed"


@pytest.mark.parametrize("text,intent", [("non", "deny"), ("je veux modifier une réponse",
                                                           "inform")])
def test_at_the_summary_no_asks_which_answer_to_change(text, intent):
    conversation = form(**ALL)
    turn = conversation.say(text, intent)
    assert turn.events == {"assessment_confirmed": None}
    assert turn.responses == ["utter_ask_which_answer"] and turn.asked == "assessment_confirmed"


def test_which_sentinel_is_never_stored(dispatcher):
    result = asyncio.run(ValidateAssessmentForm().validate_assessment_confirmed(
        assessment_module.WHICH, dispatcher, make_tracker(), {}))
    assert result == {"assessment_confirmed": None}


def test_the_summary_lists_every_answer_then_asks(dispatcher):
    tracker = make_tracker(slots=ALL)
    run(assessment_module.ActionAskAssessmentConfirmed(), dispatcher, tracker)
    responses = [m["response"] for m in dispatcher.messages]
    assert responses[0] == "utter_assessment_summary_intro"
    assert "utter_summary_trademark_cn_pending" in responses
    assert "utter_summary_customer_service_cn_no" in responses
    assert "utter_summary_marketing_budget_small" in responses
    assert responses[-1] == "utter_ask_assessment_confirmed" and len(responses) == 12


def test_the_summary_asked_again_without_a_change_repeats_only_the_question(dispatcher):
    tracker = make_tracker("hmm", slots={**ALL, "requested_slot": "assessment_confirmed"})
    tracker.events = [{"event": "user", "text": "hmm"},
                      {"event": "slot", "name": "assessment_confirmed", "value": None}]
    run(assessment_module.ActionAskAssessmentConfirmed(), dispatcher, tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_ask_assessment_confirmed"]
    tracker.events.append({"event": "slot", "name": "company_size", "value": "small"})
    dispatcher.messages.clear()
    run(assessment_module.ActionAskAssessmentConfirmed(), dispatcher, tracker)
    assert len(dispatcher.messages) == 12


def test_every_answer_has_a_summary_line_and_a_change_button():
    summary_response = assessment_module.summary_response
    answers_by_slot = default_rules().answers
    for slot in assessment_module.ASSESSMENT_SLOTS:
        for value in answers_by_slot.get(slot, [True, False]):
            assert summary_response(slot, value) in DOMAIN["responses"], (slot, value)
    for variation in DOMAIN["responses"]["utter_ask_assessment_confirmed"]:
        payloads = [b["payload"] for b in variation["buttons"]]
        assert payloads[0] == "/affirm"
        assert payloads[1:] == [f'/change_answer{{"answer_slot":"{slot}"}}'
                                for slot in assessment_module.ASSESSMENT_SLOTS]


def test_change_answer_after_the_result_clears_that_answer_and_the_confirmation(dispatcher):
    slots = {**ALL, "assessment_confirmed": True}
    events = run(ActionResetAssessment(), dispatcher, make_tracker(
        '/change_answer{"answer_slot":"marketing_budget"}', intent="change_answer", slots=slots,
        entities=[{"entity": "answer_slot", "value": "marketing_budget"}]))
    assert events == [SlotSet("marketing_budget", None), SlotSet("assessment_confirmed", None)]
    # The result's "Modifier une réponse" button names none: the summary comes back.
    events = run(ActionResetAssessment(), dispatcher, make_tracker(
        "/change_answer", intent="change_answer", slots=slots))
    assert events == [SlotSet("assessment_confirmed", None)]


@pytest.mark.parametrize("text,intent", [
    ("je voudrais modifier ma réponse sur le budget", "inform"),
    ("I want to change my answer about the budget", "ask_knowledge")])
def test_a_typed_change_request_mid_form_asks_that_question_again(text, intent):
    conversation = form(**ANSWERED)
    turn = conversation.say(text, intent)
    assert turn.events == {"marketing_budget": None} and turn.asked == "trademark_cn"
    turn = conversation.say("on va changer de transitaire", "inform")
    assert turn.events == {"logistics_partner": True}  # an answer, not a change request


def test_a_stop_or_a_question_is_still_left_to_the_rules():
    conversation = form(**ANSWERED)
    assert conversation.say("stop", "stop").rejected
    assert conversation.say("faut-il déposer sa marque en Chine ?", "ask_knowledge").rejected
    assert conversation.slots.get("trademark_cn") is None
