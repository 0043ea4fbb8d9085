"""Knowledge answers: ask the engine, then map its decision to a domain response + payload.

The payload (`json_message`, returned as `custom` by the REST channel) is the contract the
widget and the tests read; the README documents it.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot import storage
from bot.knowledge.engine import ANSWER, CLARIFY, SearchResult, shared_knowledge_base
from bot.knowledge.index import IndexError_

log = logging.getLogger(__name__)


def answer_payload(result: SearchResult) -> Dict[str, Any]:
    answer = result.answer
    return {
        "type": "kb_answer",
        "language": result.language,
        "confidence": round(result.confidence, 4),
        "article": answer.article_id,
        "answer_language": answer.lang,
        "sources": [{"id": answer.article_id, "title": s.title, "url": s.url, "date": s.date}
                    for s in answer.sources],
        "related": [{"id": rid, "title": title} for rid, title in answer.related],
    }


def candidate_list(result: SearchResult) -> List[Dict[str, Any]]:
    return [{"id": c.article_id, "score": round(c.score, 4), "found_by": c.found_by}
            for c in result.candidates]


class ActionAnswerFromKnowledge(Action):
    """Answers the latest question from the curated knowledge base, or says it cannot."""

    def name(self) -> Text:
        return "action_answer_from_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        kb = shared_knowledge_base()
        language = tracker.get_slot("language") or "fr"
        message = tracker.latest_message or {}
        chosen = next((e.get("value") for e in message.get("entities", [])
                       if e.get("entity") == "kb_article"), None)
        if chosen:  # a clarification button: answer the question asked before it
            question = tracker.get_slot("kb_last_question") or ""
        else:
            question = message.get("text") or ""
        try:
            result = await asyncio.to_thread(
                kb.search, question, language,
                previous_article=tracker.get_slot("kb_last_article"), only_article=chosen)
        except IndexError_ as exc:
            log.error("knowledge search failed: %s", exc)
            dispatcher.utter_message(response="utter_kb_unavailable",
                                     json_message={"type": "kb_unavailable", "language": language})
            return []

        if result.status == ANSWER:
            answer = result.answer
            if answer.other_language:
                dispatcher.utter_message(response="utter_kb_other_language")
            source = answer.sources[0]
            dispatcher.utter_message(
                response="utter_kb_answer", kb_title=answer.title, kb_heading=answer.heading,
                kb_text=answer.text, kb_source_title=source.title, kb_source_url=source.url,
                kb_source_date=source.date, kb_reviewed=answer.reviewed,
                buttons=[{"title": title, "payload": f'/choose_article{{"kb_article":"{rid}"}}'}
                         for rid, title in answer.related],
                json_message=answer_payload(result))
            return [SlotSet("kb_last_article", answer.article_id),
                    SlotSet("kb_last_question", question), SlotSet("kb_article", None)]

        if result.status == CLARIFY:
            options = [c for c in result.candidates if c.score >= result.confidence -
                       kb.tuning.clarify_margin][:3]
            index = kb.index()
            dispatcher.utter_message(
                response="utter_kb_clarify",
                buttons=[{"title": index.title(c.article_id, language),
                          "payload": f'/choose_article{{"kb_article":"{c.article_id}"}}'}
                         for c in options],
                json_message={"type": "kb_clarify", "language": language,
                              "confidence": round(result.confidence, 4),
                              "options": [c.article_id for c in options]})
            return [SlotSet("kb_last_question", question)]

        dispatcher.utter_message(response="utter_kb_no_answer",
                                 json_message={"type": "kb_no_answer", "language": language,
                                               "confidence": round(result.confidence, 4)})
        try:
            await asyncio.to_thread(storage.log_unanswered, kb.settings.database_url,
                                    tracker.sender_id, question, language, result.confidence,
                                    candidate_list(result))
        except Exception:  # the user still gets the answer; the advisor log is best effort
            log.exception("could not log the unanswered question")
        return [SlotSet("kb_article", None)]
