"""A stand-in for the console's engine child (`bot worker`) that answers at once, for the web
tests that are about the console, not the engine (the real worker is tested in tests/bot and
tests/e2e). Same protocol: a "ready" line, then one JSON reply per request, with its id.

    python -m tests.helpers.fake_worker [--mark FILE] [--index DIR] [--next NAME]
                                        [--fail suggest|build|eval-quick ...]

--mark: each build writes this file; --index: the index folder whose CURRENT names the build
the quick evaluation measures (no CURRENT: "unavailable"); --next: a build makes NAME current;
--fail: that request fails (a build kills the child without a reply).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

SUGGESTIONS = [
    {"article": "tmall-global", "score": 0.812, "title": "Vendre sur Tmall Global",
     "section": "Que coûte Tmall Global ?", "answer_language": "fr"},
    {"article": "old-figures", "score": 0.501, "title": "Anciens chiffres",
     "section": "Que coûte Tmall Global ?", "answer_language": "fr"}]
# figures per index build: the second one answers less, breaks one question, fixes another
ANSWERED = {"build-1": 0.8, "build-2": 0.7}
PRICE, HUB = "Combien coûte Tmall Global ?", "Who runs the Liège hub?"
OUTCOMES = {
    "build-1": [{"q": PRICE, "lang": "fr", "right": True, "article": "tmall-global",
                 "section": "Que coûte Tmall Global ?"},
                {"q": HUB, "lang": "en", "right": False, "article": "", "section": ""}],
    "build-2": [{"q": PRICE, "lang": "fr", "right": False, "article": "old-figures",
                 "section": "Que coûte Tmall Global ?"},
                {"q": HUB, "lang": "en", "right": True, "article": "liege-hub",
                 "section": "What is the Liège hub?"}]}


def reply(request: dict[str, Any], options: argparse.Namespace) -> dict[str, Any]:
    task = request.get("do")
    if task in options.fail:
        if task == "build":
            raise SystemExit("disk full")
        return {"status": "unavailable", "error": "no index"}
    if task == "build":
        if options.mark:
            Path(options.mark).write_text("x")
        if options.index and options.next:
            Path(options.index, "CURRENT").write_text(options.next)
        return {"status": "built", "keys": 1, "embedded": 1, "reused": 0, "seconds": 0.1,
                "errors": []}
    if task == "suggest":
        return {"status": "ok", "results": [
            {"question": i["question"], "lang": i["lang"] or "fr", "status": "no_answer",
             "confidence": 0.3, "suggestions": SUGGESTIONS} for i in request["items"]]}
    current = Path(options.index or "/nonexistent", "CURRENT")
    if not current.exists():
        return {"status": "unavailable", "error": "no index"}
    name = current.read_text().strip()
    figures = {lang: {"right_section": 0.5, "right_article": 0.7,
                      "answered": ANSWERED.get(name, 0.8), "declined": 0.95, "wrong": 0.05}
               for lang in ("all", "fr", "en")}
    return {"status": "ok", "index": name, "questions": 2, "figures": figures,
            "outcomes": OUTCOMES.get(name, [])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mark")
    parser.add_argument("--index")
    parser.add_argument("--next")
    parser.add_argument("--fail", action="append", default=[])
    options = parser.parse_args()
    print(json.dumps({"status": "ready"}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps({**reply(request, options), "id": request["id"]}), flush=True)


def command(*arguments: str) -> list[str]:
    """The command line that starts this fake, for `web.console.worker.COMMAND`."""
    return [sys.executable, "-m", "tests.helpers.fake_worker", *arguments]


if __name__ == "__main__":
    main()
