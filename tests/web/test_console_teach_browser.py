"""Teaching from the console in a real headless Chromium, against the real Flask app on a
loopback port: attach -> the file and the change log show it; a conflict is shown and nothing
is lost; undo. Knowledge files are a temporary copy; `bot suggest` and `bot build` are tiny
scripts (the engine is tested elsewhere)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from bot import storage
from tests.helpers import fake_worker
from tests.helpers.teach import front_matter
from tests.helpers.web import ADVISOR_EMAIL, ADVISOR_PASSWORD, live_server, write_article
from tests.web.test_widget_browser import browser, shot  # noqa: F401 (the shared Chromium fixture)
from web import chat, create_app
from web.console import worker
from web.strings import ui_strings

pytestmark = pytest.mark.browser
FR = ui_strings()["fr"]


@pytest.fixture
def stack(tmp_path, monkeypatch) -> Iterator[dict[str, Any]]:
    root = tmp_path / "knowledge"
    for lang in ("fr", "en"):
        write_article(root, lang)
        write_article(root, lang, "old-figures", title="Anciens chiffres", text={
            "fr": "Les anciens barèmes ne valent plus, demandez les conditions actuelles.",
            "en": "Old fee schedules no longer apply; ask for the current terms."}[lang])
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("AWEX_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("AWEX_KNOWLEDGE_DIR", str(root))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr(worker, "COMMAND", fake_worker.command(
        "--index", str(tmp_path / "var" / "index")))
    chat.reset_limits()
    app = create_app(test_config={"SECRET_KEY": "browser-test", "DATABASE_URL": database_url,
                                  "RASA_URL": "http://127.0.0.1:9", "RASA_TIMEOUT": 2.0,
                                  "TRACKER_SQLITE_PATH": str(tmp_path / "tracker.db")})
    assert app.test_cli_runner().invoke(args=[
        "create-advisor", ADVISOR_EMAIL, "--password", ADVISOR_PASSWORD]).exit_code == 0
    with storage.session_for(database_url) as db, db.begin():
        db.add_all([storage.UnansweredQuestion(conversation_id="conv-a", language="fr",
                                               question="Faut-il payer une caution sur Tmall ?",
                                               confidence=0.2),
                    storage.UnansweredQuestion(conversation_id="conv-b", language="fr",
                                               question="Tmall prend-il une commission ?",
                                               confidence=0.3)])
    with live_server(app) as base:
        yield {"base": base, "file": root / "fr" / "tmall-global.md"}


@pytest.fixture
def page(browser) -> Iterator[Any]:  # noqa: F811 (the fixture imported above)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    yield tab
    context.close()
    assert not problems, problems


def sign_in(page: Any, base: str) -> None:
    page.goto(f"{base}/console/login")
    page.fill("#email", ADVISOR_EMAIL)
    page.fill("#password", ADVISOR_PASSWORD)
    page.click("button[type=submit]")


def open_group(page: Any, base: str, question: str) -> None:
    from playwright.sync_api import expect

    page.goto(f"{base}/console/unanswered")
    group = page.locator("tr.question-group", has_text=question)
    group.locator("a.teach-link").click()
    expect(page.locator("h1")).to_have_text(FR["console_teach_title"])
    # the suggestions arrive in the background; the page refreshes itself until then
    expect(page.locator("input[name=article][value^='tmall-global#']")).to_have_count(1)


def test_attach_conflict_and_undo(page, stack):
    from playwright.sync_api import expect

    base, path = stack["base"], stack["file"]
    original = path.read_text("utf-8")
    sign_in(page, base)

    # attach: the file and the change log show the question
    open_group(page, base, "Faut-il payer une caution sur Tmall ?")
    expect(page.locator(".suggestions")).to_contain_text("0.81")
    shot(page, "30-console-teach")
    page.check("input[name=article][value^='tmall-global#']")
    page.click("form.teach button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/teach/changes$"))
    expect(page.locator(".flash")).to_contain_text(FR["console_teach_attached"][:30])
    row = page.locator("tr.change").first
    expect(row).to_contain_text("fr/tmall-global.md")
    expect(row).to_contain_text("Faut-il payer une caution sur Tmall ?")
    expect(row).to_contain_text(ADVISOR_EMAIL)
    shot(page, "31-console-changes")
    assert front_matter(path.read_text("utf-8"))["questions"][-1] == {  # with its section
        "q": "Faut-il payer une caution sur Tmall ?", "section": "Que coûte Tmall Global ?"}
    page.goto(f"{base}/console/unanswered")
    expect(page.locator("tr.question-group", has_text="caution")).to_have_count(0)

    # conflict: a colleague changes the file while the page is open
    open_group(page, base, "Tmall prend-il une commission ?")
    colleague = path.read_text("utf-8").replace(
        "questions:\n", 'questions:\n  - "Question d\'un collègue ?"\n')
    path.write_text(colleague, "utf-8")
    page.check("input[name=article][value^='tmall-global#']")
    page.click("form.teach button[type=submit]")
    expect(page.locator(".conflict")).to_contain_text(FR["console_teach_conflict"][:30])
    expect(page.locator("pre.current-version")).to_contain_text("Question d'un collègue ?")
    expect(page.locator("pre.wanted-version")).to_contain_text("Tmall prend-il une commission ?")
    shot(page, "32-console-teach-conflict")
    assert path.read_text("utf-8") == colleague  # nothing overwritten
    page.check("input[name=article][value^='tmall-global#']")  # again, on the current version
    page.click("form.teach button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/teach/changes$"))
    questions = front_matter(path.read_text("utf-8"))["questions"]
    assert "Question d'un collègue ?" in questions
    assert questions[-1] == {"q": "Tmall prend-il une commission ?",
                             "section": "Que coûte Tmall Global ?"}

    # undo the latest change: the file is back to the colleague's version
    page.locator("tr.change").first.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text(FR["console_teach_undone_flash"][:20])
    assert path.read_text("utf-8") == colleague
    expect(page.locator(".badge", has_text=FR["console_teach_undone"])).to_have_count(1)
    # the first change was made before the colleague's line: undoing it would drop that
    # line, so it is refused as a conflict and nothing is lost
    page.locator("tr.change", has_text="Faut-il payer une caution").locator(
        "button[type=submit]").click()
    expect(page.locator(".conflict")).to_contain_text(FR["console_teach_undo_conflict"][:20])
    expect(page.locator("pre.current-version")).to_contain_text("Question d'un collègue ?")
    assert path.read_text("utf-8") == colleague != original


def test_draft_a_new_article_refused_then_saved(page, stack):
    from playwright.sync_api import expect

    base = stack["base"]
    sign_in(page, base)
    open_group(page, base, "Tmall prend-il une commission ?")
    page.click("a.draft-link")
    expect(page.locator("h1")).to_have_text(FR["console_teach_draft_title"])
    expect(page.locator("#questions_fr")).to_have_value("Tmall prend-il une commission ?")
    page.fill("#article_id", "commissions")
    page.check("input[name=topics][value=costs]")
    page.fill("#title_fr", "Les commissions des plateformes")
    page.fill("#title_en", "Platform commissions")
    for key, value in (("id", "guide"), ("title", "Guide des plateformes"),
                       ("url", "https://example.org/guide"), ("date", "2025")):
        page.fill(f"input[name=source_{key}_0]", value)
    page.fill("input[name=heading_fr_0]", "Que prend une plateforme sur chaque vente ?")
    page.fill("textarea[name=text_fr_0]", "Chaque plateforme prélève une part du prix de "
              "vente. Le contrat du marchand en donne le détail.")
    page.fill("input[name=heading_en_0]", "What does a platform take on each sale?")
    page.fill("textarea[name=text_en_0]", "Each platform keeps a share of the sale price. "
              "The merchant contract gives the details.")
    page.fill("#questions_en", "What commission does a platform take?")
    page.click("form.draft button[type=submit]")
    problems = page.locator("table.issues")
    expect(problems).to_contain_text("commissions.md")
    expect(problems).to_contain_text("il faut au moins 3 questions d'exemple")
    shot(page, "33-console-draft-refused")
    expect(page.locator("#title_fr")).to_have_value("Les commissions des plateformes")
    assert not (stack["file"].parent / "commissions.md").exists()
    page.fill("#questions_fr", "Tmall prend-il une commission ?\nQuelle commission ?\n"
              "Combien prend la plateforme ?")
    page.fill("#questions_en", "What commission does a platform take?\nHow much is taken?\n"
              "Is there a fee per sale?")
    page.click("form.draft button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/teach/changes$"))
    expect(page.locator("tr.change", has_text=FR["console_teach_kind_draft"])).to_have_count(2)
    assert (stack["file"].parent / "commissions.md").exists()


def test_add_a_section_refused_then_saved(page, stack):
    """No section of the right article answers: the advisor writes one in both languages,
    the check refuses an undated figure (text kept), then the section is saved in both files
    with the group's question tied to it."""
    from playwright.sync_api import expect

    base = stack["base"]
    sign_in(page, base)
    open_group(page, base, "Tmall prend-il une commission ?")
    page.click("a.section-link")
    expect(page.locator("h1")).to_have_text(FR["console_teach_section_title"])
    page.select_option("#article", "tmall-global")
    page.click("form.section-article button[type=submit]")
    expect(page.locator("#questions_fr")).to_have_value("Tmall prend-il une commission ?")
    page.check("input[name=cite][value=guide]")
    page.fill("input[name=heading_fr]", "Quelle commission Tmall Global prend-il ?")
    page.fill("textarea[name=text_fr]", "Tmall Global prend une commission de 5 % sur chaque "
              "vente. Le contrat du marchand en donne le détail.")
    page.fill("input[name=heading_en]", "What commission does Tmall Global take?")
    page.fill("textarea[name=text_en]", "Tmall Global takes a commission of 5% {2025} on each "
              "sale. The merchant contract gives the details.")
    page.click("form.new-section button[type=submit]")
    problems = page.locator("table.issues")
    expect(problems).to_contain_text("fr/tmall-global.md")
    expect(problems).to_contain_text("n'a pas de date de validité")
    shot(page, "34-console-section-refused")
    expect(page.locator("input[name=heading_fr]")).to_have_value(
        "Quelle commission Tmall Global prend-il ?")
    assert "Quelle commission" not in stack["file"].read_text("utf-8")
    page.fill("textarea[name=text_fr]", "Tmall Global prend une commission de 5 % {2025} sur "
              "chaque vente. Le contrat du marchand en donne le détail.")
    page.click("form.new-section button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/teach/changes$"))
    expect(page.locator("tr.change", has_text=FR["console_teach_kind_section"])).to_have_count(2)
    text = stack["file"].read_text("utf-8")
    assert "\n## Quelle commission Tmall Global prend-il ?\n" in text
    assert front_matter(text)["questions"][-1] == {
        "q": "Tmall prend-il une commission ?",
        "section": "Quelle commission Tmall Global prend-il ?"}
