"""action_answer_from_knowledge: events, response names and the payload contract."""
from __future__ import annotations

import dataclasses

import pytest
from rasa_sdk.events import SlotSet

import actions.knowledge as knowledge_module
from actions.knowledge import ActionAnswerFromKnowledge
from bot import storage
from bot.knowledge.engine import KnowledgeBase
from bot.knowledge.index import build_index
from bot.settings import Settings
from tests.helpers.actions import make_tracker, run
from tests.helpers.corpus import corpus_settings


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Settings:
    """The tiny corpus's index, built once for the module (the tests only read it)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = corpus_settings(tmp_path_factory.mktemp("kb"), monkeypatch)
    build_index(settings)
    return settings


@pytest.fixture
def kb(built, monkeypatch, tmp_path):
    """A knowledge base on the shared index, logging to this test's own app database."""
    settings = dataclasses.replace(built, database_url=f"sqlite:///{tmp_path / 'app.db'}")
    base = KnowledgeBase(settings, check_interval=0.0)
    monkeypatch.setattr(knowledge_module, "shared_knowledge_base", lambda: base)
    return base


def test_answer_carries_response_values_and_payload(kb, dispatcher):
    tracker = make_tracker("Combien coûte une boutique sur Tmall Global ?")
    events = run(ActionAnswerFromKnowledge(), dispatcher, tracker)
    message = dispatcher.messages[-1]
    assert message["response"] == "utter_kb_answer"
    assert message["kb_heading"] == "Combien coûte Tmall Global ?"
    assert "150 000 RMB" in message["kb_text"]
    assert message["kb_source_url"] == "https://example.org/source"
    payload = message["custom"]
    assert payload["type"] == "kb_answer" and payload["language"] == "fr"
    assert payload["sources"][0] == {"id": "officielle", "title": "Source officielle",
                                     "url": "https://example.org/source", "date": "2025-01"}
    assert 0 < payload["confidence"] <= 1
    assert SlotSet("kb_last_article", "tmall-global") in events


def test_english_slot_answers_in_english(kb, dispatcher):
    tracker = make_tracker("What does Alibaba run at Liège airport?", slots={"language": "en"})
    run(ActionAnswerFromKnowledge(), dispatcher, tracker)
    assert dispatcher.messages[-1]["custom"]["answer_language"] == "en"
    assert dispatcher.messages[-1]["kb_heading"] == "What is the Liège hub?"


def test_no_answer_offers_advisor_and_logs_the_question(kb, dispatcher):
    tracker = make_tracker("Quelle équipe a gagné la coupe du monde de rugby ?",
                           sender="rugby-fan")
    run(ActionAnswerFromKnowledge(), dispatcher, tracker)
    assert dispatcher.messages[-1]["response"] == "utter_kb_no_answer"
    assert dispatcher.messages[-1]["custom"] == {
        "type": "kb_no_answer", "language": "fr",
        "confidence": dispatcher.messages[-1]["custom"]["confidence"]}
    logged = storage.recent(kb.settings.database_url, storage.UnansweredQuestion)
    assert [(q.conversation_id, q.language) for q in logged] == [("rugby-fan", "fr")]
    assert logged[0].question.startswith("Quelle équipe") and logged[0].candidates


def test_clarification_button_answers_the_chosen_article(kb, dispatcher):
    tracker = make_tracker('/choose_article{"kb_article":"liege-hub"}', intent="choose_article",
                           slots={"kb_last_question": "et les trains ?"},
                           entities=[{"entity": "kb_article", "value": "liege-hub"}])
    run(ActionAnswerFromKnowledge(), dispatcher, tracker)
    assert dispatcher.messages[-1]["custom"]["article"] == "liege-hub"


def test_answer_offers_the_articles_other_sections_before_related_articles(kb, dispatcher):
    """The section shown may not be the one wanted: the article's next best sections follow
    as buttons (their number in the payload), in the payload contract too."""
    tracker = make_tracker("Combien coûte une boutique sur Tmall Global ?")
    run(ActionAnswerFromKnowledge(), dispatcher, tracker)
    message = dispatcher.messages[-1]
    assert message["kb_heading"] == "Combien coûte Tmall Global ?"
    assert message["buttons"][0] == {
        "title": "Qui peut vendre sur Tmall Global ?",
        "payload": '/choose_article{"kb_article":"tmall-global","kb_section":"0"}'}
    assert message["custom"]["more_sections"] == [
        {"number": 0, "heading": "Qui peut vendre sur Tmall Global ?"}]


def test_section_button_shows_that_section(kb, dispatcher):
    tracker = make_tracker(
        '/choose_article{"kb_article":"tmall-global","kb_section":"0"}', intent="choose_article",
        slots={"kb_last_question": "Combien coûte une boutique sur Tmall Global ?"},
        entities=[{"entity": "kb_article", "value": "tmall-global"},
                  {"entity": "kb_section", "value": "0"}])
    events = run(ActionAnswerFromKnowledge(), dispatcher, tracker)
    message = dispatcher.messages[-1]
    assert message["kb_heading"] == "Qui peut vendre sur Tmall Global ?"
    assert [b["title"] for b in message["buttons"]][:1] == ["Combien coûte Tmall Global ?"]
    assert SlotSet("kb_last_question", "Combien coûte une boutique sur Tmall Global ?") in events


@pytest.mark.parametrize("value", ["7", "-1", "un", "1e3", None])
def test_a_section_number_the_article_lacks_shows_its_best_section(kb, dispatcher, value):
    entities = [{"entity": "kb_article", "value": "tmall-global"}]
    if value is not None:
        entities.append({"entity": "kb_section", "value": value})
    tracker = make_tracker('/choose_article{"kb_article":"tmall-global"}', intent="choose_article",
                           slots={"kb_last_question": "Combien coûte Tmall Global ?"},
                           entities=entities)
    run(ActionAnswerFromKnowledge(), dispatcher, tracker)
    assert dispatcher.messages[-1]["kb_heading"] == "Combien coûte Tmall Global ?"


def test_missing_index_says_unavailable(knowledge_env, monkeypatch, dispatcher):
    base = KnowledgeBase(knowledge_env)
    monkeypatch.setattr(knowledge_module, "shared_knowledge_base", lambda: base)
    run(ActionAnswerFromKnowledge(), dispatcher, make_tracker("Tmall ?"))
    assert dispatcher.messages[-1]["response"] == "utter_kb_unavailable"
    assert dispatcher.messages[-1]["custom"]["type"] == "kb_unavailable"


def test_a_declined_question_with_likely_topics_offers_them_as_buttons(kb, dispatcher,
                                                                         monkeypatch):
    """The engine declined but suggests two topics: one choose_article button each (after the
    response's advisor button), the question still logged for the advisors."""
    gate = kb.tuning.gate["hybrid"]
    monkeypatch.setattr(kb, "_tuning", dataclasses.replace(
        kb.tuning, suggest_threshold=0.0, rerank=None,  # the plain gate decides
        gate={**kb.tuning.gate, "hybrid": gate.with_threshold(1.01)}))
    tracker = make_tracker("Combien coûte une boutique Tmall Global ?", sender="hesitant")
    run(ActionAnswerFromKnowledge(), dispatcher, tracker)
    message = dispatcher.messages[-1]
    assert message["response"] == "utter_kb_no_answer_suggest"
    assert message["buttons"][0] == {"title": "Tmall Global : conditions et coûts",
                                     "payload": '/choose_article{"kb_article":"tmall-global"}'}
    assert message["custom"]["type"] == "kb_no_answer"
    assert message["custom"]["suggestions"][0] == "tmall-global"
    logged = storage.recent(kb.settings.database_url, storage.UnansweredQuestion)
    assert [q.conversation_id for q in logged] == ["hesitant"]
