"""The console's engine child: one process that keeps spaCy, the encoder and the serving index
loaded and answers the console's requests, so that the web process never loads the engine and
a teach page does not start three processes loading the same models side by side (on two cores
that made the first attach wait ~40 s).

Protocol (`bot worker`): one JSON request per line on stdin, `{"id": 7, "do": "build"}`,
`{"id": 8, "do": "suggest", "items": [{"question": "...", "lang": "fr"}]}` or
`{"id": 9, "do": "eval-quick"}`; one JSON line per request on stdout, carrying the same "id".
A first line `{"status": "ready"}` says the models are loaded. Requests are served one at a
time, in the order they arrive; progress goes to stderr. The one-shot commands `bot build
--json`, `bot suggest --json` and `bot eval-quick --json` print the same objects.
"""
from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bot.knowledge.engine import KnowledgeBase
from bot.knowledge.store import IndexError_
from bot.settings import LANGUAGES, ROOT, Settings

SUGGESTIONS = 3
GOLD = ROOT / "tests" / "data" / "gold.yml"


def build_outcome(report: Any) -> dict[str, Any]:
    """A build's outcome as the console reads it."""
    return {"status": report.status, "keys": report.keys, "embedded": report.embedded,
            "reused": report.reused, "seconds": round(report.seconds, 1),
            "errors": report.errors, "errors_fr": report.errors_fr}


def build(settings: Settings, log: Callable[[str], None]) -> dict[str, Any]:
    from bot.knowledge.index import build_index

    return build_outcome(build_index(settings, log=log))


def suggest(kb: KnowledgeBase, items: Any) -> dict[str, Any]:
    """For each question, the decision and the 3 likeliest articles with their best section
    and score: what the console offers to attach a missed question to."""
    from bot.language import detect_language

    if not isinstance(items, list):
        return {"status": "bad-input", "error": "a JSON list is expected"}
    results = []
    try:
        for item in items:
            question = str(item.get("question") or "") if isinstance(item, dict) else ""
            lang = item.get("lang") if isinstance(item, dict) else None
            lang = lang if lang in LANGUAGES else detect_language(question) or "fr"
            found = kb.search(question, lang)
            suggestions = []
            for candidate in found.candidates[:SUGGESTIONS]:
                answer = kb.search(question, lang, only_article=candidate.article_id).answer
                suggestions.append({
                    "article": candidate.article_id, "score": round(candidate.score, 3),
                    "title": answer.title if answer else candidate.article_id,
                    "section": answer.heading if answer else "",
                    "answer_language": answer.lang if answer else lang})
            results.append({"question": question, "lang": lang, "status": found.status.value,
                            "confidence": round(found.confidence, 3),
                            "suggestions": suggestions})
    except IndexError_ as exc:
        return {"status": "unavailable", "error": str(exc)}
    return {"status": "ok", "results": results}


def eval_quick(kb: KnowledgeBase, gold: Path = GOLD) -> dict[str, Any]:
    """The frozen test split of the gold questions through the serving index with the shipped
    tuning (hybrid only, no cross-validation): the figures the console's guard compares
    before and after a publish, and each question's outcome (article, section) so that it can
    name the questions a change broke."""
    from bot.eval_guard import FIGURES
    from bot.knowledge import evaluation

    questions = [q for q in evaluation.load_gold(gold) if q.split == "test"]
    try:
        measured = kb.index()  # one index for the whole run: nothing builds meanwhile
        outcomes = [evaluation.outcome(q, kb.search(q.text, q.lang, previous_article=q.previous))
                    for q in questions]
    except IndexError_ as exc:
        return {"status": "unavailable", "error": str(exc)}
    figures = {lang: {name: round(getattr(m, name), 4) for name in FIGURES}
               for lang, m in evaluation.by_language(outcomes).items()}
    per_question = [{"q": o.question.text, "lang": o.question.lang, "right": o.right_section,
                     "article": o.article or "", "section": o.heading or ""} for o in outcomes]
    return {"status": "ok", "index": measured.path.name, "questions": len(questions),
            "figures": figures, "outcomes": per_question}


def warm_up(settings: Settings) -> None:
    """Load spaCy's pipelines and the encoder now, not at the first request."""
    from bot.knowledge.lexical import lemmas
    from bot.knowledge.vectors import Embedder

    for lang in LANGUAGES:
        lemmas(["Tmall Global"], lang)
    Embedder(settings.model_name).embed(["Tmall Global"])


def serve(lines: Iterable[str], write: Callable[[str], None],
          log: Callable[[str], None]) -> None:
    """Answer each request line with one JSON line, until the input ends. A request that
    fails gets {"status": "error"} (the traceback goes to `log`) and the worker goes on."""
    settings = Settings.from_env()
    warm_up(settings)
    kb = KnowledgeBase(settings, check_interval=0.0)  # a new build is served at once
    write(json.dumps({"status": "ready"}))
    for line in lines:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise ValueError("a JSON object is expected")
        except ValueError as exc:
            write(json.dumps({"status": "bad-input", "error": str(exc)}))
            continue
        reply: dict[str, Any]
        try:
            task = request.get("do")
            if task == "build":
                reply = build(settings, log)
            elif task == "suggest":
                reply = suggest(kb, request.get("items"))
            elif task == "eval-quick":
                reply = eval_quick(kb)
            else:
                reply = {"status": "bad-input", "error": f"unknown request {task!r}"}
        except Exception:  # one failed request must not take the warm worker down
            log(traceback.format_exc())
            reply = {"status": "error", "error": "the request failed (see the worker's log)"}
        write(json.dumps({**reply, "id": request.get("id")}, ensure_ascii=False))


def main() -> None:
    """`bot worker`: serve stdin until it closes."""
    def write(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    serve(sys.stdin, write, lambda message: print(message, file=sys.stderr, flush=True))
