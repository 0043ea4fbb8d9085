"""A stand-in for the Rasa stack, for the widget's browser tests.

It answers POST /webhooks/rest/webhook the way Rasa's REST channel does (a list of
{"recipient_id", "text", "buttons"} and {"recipient_id", "custom"} messages), scripted by
message text. Like the real stack it also logs declined questions to the app database and
writes user/bot events to a Rasa-shaped SQLite tracker store, so the console has data to show.
The real Rasa is exercised by the end-to-end tests; these tests are about the widget.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bot import storage

Reply = int | list[dict[str, Any]]  # an HTTP error status, or the messages
Script = Callable[[str, str, str], Reply | None]  # (sender, text, lang) -> reply or None

TMALL_SOURCE = {"id": "tmall-global", "title": "Tmall Global merchant guide",
                "url": "https://example.org/tmall-global-guide", "date": "2024-05-01"}
JD_SOURCE = {"id": "jd-worldwide", "title": "JD Worldwide seller handbook",
             "url": "https://example.org/jd-worldwide", "date": "2023-11-12"}
XSS_TEXT = ('**Réponse piégée**\n\nVoici du HTML : <script>window.__xss=1</script> et '
            '<img src=x onerror="window.__xss=2"> et [un lien](javascript:window.__xss=3).')


def kb_answer(text: str, source: dict[str, str], article: str, language: str = "fr",
              related: list[dict[str, str]] | None = None) -> list[dict[str, Any]]:
    """What the action server's knowledge answer becomes on the REST channel."""
    related = related or []
    advisor = "Parler à un conseiller" if language == "fr" else "Talk to an advisor"
    buttons = [{"title": r["title"], "payload": f'/choose_article{{"kb_article":"{r["id"]}"}}'}
               for r in related] + [{"title": advisor, "payload": "/request_advisor"}]
    return [{"text": text, "buttons": buttons},
            {"custom": {"type": "kb_answer", "language": language, "confidence": 0.81,
                        "article": article, "answer_language": language, "sources": [source],
                        "related": related}}]


TMALL_FR = kb_answer(
    "**Ouvrir une boutique sur Tmall Global**\n\nL'ouverture demande :\n- un dépôt de "
    "garantie ;\n- une redevance annuelle ;\n- une commission sur chaque vente.\n\n"
    "Source : [Tmall Global merchant guide](https://example.org/tmall-global-guide) (2024-05-01)"
    " — extrait de l'article Awex « Tmall Global », revu le 2026-01-10.",
    TMALL_SOURCE, "tmall-global",
    related=[{"id": "jd-worldwide", "title": "JD Worldwide"}])
JD_FR = kb_answer(
    "**JD Worldwide**\n\nJD Worldwide est la plateforme transfrontalière de JD.com ; elle "
    "accepte des marques étrangères sur invitation.\n\nSource : [JD Worldwide seller handbook]"
    "(https://example.org/jd-worldwide) (2023-11-12) — extrait de l'article Awex "
    "« JD Worldwide », revu le 2026-02-02.", JD_SOURCE, "jd-worldwide")
TMALL_EN = kb_answer(
    "**Opening a store on Tmall Global**\n\nYou need a deposit, a yearly fee and a commission "
    "on each sale.\n\nSource: [Tmall Global merchant guide](https://example.org/tmall-global-guide)"
    " (2024-05-01) — from the Awex article \"Tmall Global\", reviewed on 2026-01-10.",
    TMALL_SOURCE, "tmall-global", language="en")
XSS = kb_answer(XSS_TEXT, {"id": "xss", "title": "<img src=x onerror=\"window.__xss=4\">",
                           "url": "javascript:window.__xss=5", "date": "2024"}, "xss")
ADVISOR_FR = [{"text": "Un conseiller de l'Awex peut vous aider personnellement : contactez "
                       "l'Awex via son site, awex-export.be."}]
ADVISOR_EN = [{"text": "An Awex advisor can help you in person: contact Awex through its "
                       "website, awex-export.be."}]


def no_answer(language: str) -> list[dict[str, Any]]:
    text = ("Désolé, je ne trouve pas de réponse fiable à cette question dans la base de "
            "connaissances de l'Awex." if language == "fr" else
            "I'm sorry, I don't find a reliable answer to that in the Awex knowledge base.")
    title = "Parler à un conseiller" if language == "fr" else "Talk to an advisor"
    return [{"text": text, "buttons": [{"title": title, "payload": "/request_advisor"}]},
            {"custom": {"type": "kb_no_answer", "language": language, "confidence": 0.21}}]


def default_script(sender: str, text: str, lang: str) -> Reply | None:
    """The conversation the browser tests walk through, keyed on words of the message."""
    lowered = text.lower()
    if "panne" in lowered or "outage" in lowered:
        return 500  # Rasa failing: the web API turns it into a 503
    if "lenteur" in lowered:
        time.sleep(1.5)
        return TMALL_FR
    if text == "/request_advisor":
        return ADVISOR_EN if lang == "en" else ADVISOR_FR
    if text.startswith("/choose_article") and "jd-worldwide" in text:
        return JD_FR
    if "xss" in lowered:
        return XSS
    if lowered.startswith("mon nom :"):  # the handoff's confirmation echoes the typed name
        name = text.split(":", 1)[1].strip()
        return [{"text": f"Merci {name} ! Votre demande est enregistrée : un conseiller de "
                         "l'Awex vous écrira à **paul@example.com**, en général sous 5 jours "
                         "ouvrables."}]
    if "tmall" in lowered:
        return TMALL_EN if lowered.startswith(("what", "how")) else TMALL_FR
    return None  # declined


class FakeRasa:
    """Start with `start()`, read `url`, stop with `stop()`; `requests` records what came in."""

    def __init__(self, database_url: str | None = None, tracker_path: Path | None = None,
                 script: Script = default_script):
        self.database_url = database_url
        self.tracker_path = tracker_path
        self.script = script
        self.requests: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self._server is not None, "call start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeRasa:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                self._send(200, b"Hello from Rasa: 3.6.21", "text/plain")

            def do_POST(self) -> None:
                if self.path != "/webhooks/rest/webhook":
                    self._send(404, b"not found", "text/plain")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._send(400, b'{"error": "bad json"}', "application/json")
                    return
                status, messages = fake.handle(body)
                payload = json.dumps(messages if status == 200 else {"error": "failed"})
                self._send(status, payload.encode("utf-8"), "application/json")

            def _send(self, status: int, data: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def handle(self, body: dict[str, Any]) -> tuple:
        sender = str(body.get("sender", "default"))
        text = str(body.get("message", ""))
        lang = str((body.get("metadata") or {}).get("lang", "fr"))
        with self._lock:
            self.requests.append(body)
        reply = self.script(sender, text, lang)
        if isinstance(reply, int):
            return reply, []
        if reply is None:
            reply = no_answer(lang)
            if self.database_url:
                storage.log_unanswered(self.database_url, sender, text, lang, 0.21,
                                       [{"id": "tmall-global", "score": 0.21, "found_by": "dense"},
                                        {"id": "jd-worldwide", "score": 0.12, "found_by": "bm25"}])
        messages = [{"recipient_id": sender, **message} for message in reply]
        self._record(sender, text, messages)
        return 200, messages

    def _record(self, sender: str, text: str, messages: list[dict[str, Any]]) -> None:
        """Write the turn the way Rasa's SQL tracker store does (table `events`)."""
        if not self.tracker_path:
            return
        now = time.time()
        rows = [(sender, "user", now, json.dumps({"event": "user", "timestamp": now,
                                                  "text": text}))]
        pending: dict[str, Any] | None = None
        for message in messages:  # fold text + custom back into one bot event, as Rasa has it
            if "custom" in message and pending is not None:
                pending["data"]["custom"] = message["custom"]
                continue
            if pending is not None:
                rows.append((sender, "bot", now, json.dumps(pending)))
            pending = {"event": "bot", "timestamp": now, "text": message.get("text"),
                       "data": {"buttons": message.get("buttons"),
                                "custom": message.get("custom")}}
        if pending is not None:
            rows.append((sender, "bot", now, json.dumps(pending)))
        with self._lock, sqlite3.connect(self.tracker_path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, "
                       "sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, "
                       "timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), "
                       "data TEXT)")
            db.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) "
                           "VALUES (?, ?, ?, ?)", rows)
