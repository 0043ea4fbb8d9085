"""Knowledge answers: ask the engine, then map its decision to a domain response + payload.

The payload (`json_message`, returned as `custom` by the REST channel) is the contract the
widget and the tests read; the README documents it.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import storage
from bot.knowledge.engine import (
    Answer,
    SearchResult,
    Status,
    choose_article_payload,
    shared_knowledge_base,
)
from bot.knowledge.store import IndexError_

log = logging.getLogger(__name__)
# Intents whose message the knowledge base still reads: when it has no confident answer, the
# user gets the off-topic reply rather than "I don't know" (people and organisations of the
# articles are often predicted out of scope, yet the articles answer them).
OFF_TOPIC_INTENTS = {"out_of_scope"}


def answer_payload(result: SearchResult) -> dict[str, Any]:
    answer = result.answer
    assert answer is not None, "only an ANSWER result has a payload"
    return {
        "type": "kb_answer",
        "language": result.language,
        "confidence": round(result.confidence, 4),
        "article": answer.article_id,
        "section": answer.heading,
        "answer_language": answer.lang,
        "sources": [{"id": s.id, "title": s.title, "url": s.url, "date": s.date}
                    for s in answer.sources],
        "related": [{"id": rid, "title": title} for rid, title in answer.related],
        "more_sections": [{"number": number, "heading": heading}
                          for number, heading in answer.more],
    }


def answer_buttons(answer: Answer) -> list[dict[str, str]]:
    """The article's next best sections (the one wanted may be among them), then related
    articles: the buttons that follow an answer, after the advisor's."""
    return [{"title": heading, "payload": choose_article_payload(answer.article_id, number)}
            for number, heading in answer.more] + \
        [{"title": title, "payload": choose_article_payload(rid)} for rid, title in answer.related]


def entity_value(message: dict[str, Any], entity: str) -> Any:
    """A button payload's entity (`/choose_article{"kb_article": …}`), None when absent."""
    return next((e.get("value") for e in message.get("entities", [])
                 if e.get("entity") == entity), None)


def section_number(value: Any) -> int | None:
    """A section button's number ("3"), or None for anything else (typed or stale)."""
    text = str(value) if value is not None else ""
    return int(text) if text.isdigit() and len(text) <= 4 else None


def candidate_list(result: SearchResult) -> list[dict[str, Any]]:
    return [{"id": c.article_id, "score": round(c.score, 4), "found_by": c.found_by}
            for c in result.candidates]


class ActionAnswerFromKnowledge(Action):
    """Answers the latest question from the curated knowledge base, or says it cannot."""

    def name(self) -> str:
        return "action_answer_from_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        kb = shared_knowledge_base()
        language = tracker.get_slot("language") or "fr"
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name")
        chosen = entity_value(message, "kb_article")
        section = section_number(entity_value(message, "kb_section")) if chosen else None
        if chosen:  # an article or section button: answer the question asked before it
            question = tracker.get_slot("kb_last_question") or ""
        else:
            question = message.get("text") or ""
        try:
            result = await asyncio.to_thread(
                kb.search, question, language,
                previous_article=tracker.get_slot("kb_last_article"),
                only_article=str(chosen) if chosen else None, only_section=section)
        except IndexError_ as exc:
            log.error("knowledge search failed: %s", exc)
            dispatcher.utter_message(response="utter_kb_unavailable",
                                     json_message={"type": "kb_unavailable", "language": language})
            return []

        if result.status == Status.ANSWER and result.answer is not None:
            answer = result.answer
            if answer.other_language:
                dispatcher.utter_message(response="utter_kb_other_language")
            source = answer.sources[0]
            dispatcher.utter_message(
                response="utter_kb_answer", kb_title=answer.title, kb_heading=answer.heading,
                kb_text=answer.text, kb_source_title=source.title, kb_source_url=source.url,
                kb_source_date=source.date, kb_reviewed=answer.reviewed,
                buttons=answer_buttons(answer), json_message=answer_payload(result))
            if answer.orientation:  # "par où commencer ?": the readiness check helps next
                dispatcher.utter_message(response="utter_kb_offer_assessment")
            return [SlotSet("kb_last_article", answer.article_id),
                    SlotSet("kb_last_question", question), SlotSet("kb_article", None)]

        if result.status == Status.CLARIFY:
            dispatcher.utter_message(
                response="utter_kb_clarify",
                buttons=[{"title": title, "payload": choose_article_payload(aid)}
                         for aid, title in result.options],
                json_message={"type": "kb_clarify", "language": language,
                              "confidence": round(result.confidence, 4),
                              "options": [aid for aid, _ in result.options]})
            return [SlotSet("kb_last_question", question), SlotSet("kb_article", None)]

        if result.status == Status.UNKNOWN_ARTICLE:
            dispatcher.utter_message(response="utter_kb_unknown_topic",
                                     json_message={"type": "kb_unknown_topic",
                                                   "language": language})
            return [SlotSet("kb_article", None)]

        if intent in OFF_TOPIC_INTENTS:
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet("kb_article", None)]
        payload: dict[str, Any] = {"type": "kb_no_answer", "language": language,
                                   "confidence": round(result.confidence, 4)}
        if result.options:  # no sure answer, but two likely topics: the user chooses
            payload["suggestions"] = [aid for aid, _ in result.options]
            dispatcher.utter_message(
                response="utter_kb_no_answer_suggest",
                buttons=[{"title": title, "payload": choose_article_payload(aid)}
                         for aid, title in result.options],
                json_message=payload)
        else:
            dispatcher.utter_message(response="utter_kb_no_answer", json_message=payload)
        try:
            await asyncio.to_thread(storage.log_unanswered, kb.settings.database_url,
                                    tracker.sender_id, question, language, result.confidence,
                                    candidate_list(result))
        except Exception:  # the user still gets the answer; the advisor log is best effort
            log.exception("could not log the unanswered question")
        return [SlotSet("kb_article", None)]
