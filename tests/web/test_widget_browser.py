"""The widget and the console in a real headless Chromium, against the real Flask app served on
a loopback port, with tests/web/fake_rasa.py standing in for the Rasa stack.

Screenshots land in test-artifacts/screenshots/ (ignored by git) for a human look.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import storage
from bot.settings import ROOT
from tests.helpers.fake_rasa import FakeRasa
from tests.helpers.web import ADVISOR_EMAIL, ADVISOR_PASSWORD, live_server
from web import chat, create_app
from web.strings import ui_strings

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-artifacts" / "screenshots"
FR = ui_strings()["fr"]
EN = ui_strings()["en"]
TMALL_QUESTION = "Combien coûte l'ouverture d'une boutique sur Tmall Global ?"
STORE_KEY = "awex-advisor:v1"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Fake Rasa + the real app on a temporary database, served by werkzeug in a thread."""
    tmp = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{tmp / 'app.db'}"
    tracker = tmp / "rasa_tracker.db"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWEX_VAR_DIR", str(tmp / "var"))
        env.setenv("DATABASE_URL", database_url)
        fake = FakeRasa(database_url=database_url, tracker_path=tracker).start()
        app = create_app(test_config={"SECRET_KEY": "browser-test", "DATABASE_URL": database_url,
                                      "RASA_URL": fake.url, "RASA_TIMEOUT": 5.0,
                                      "TRACKER_SQLITE_PATH": str(tracker)})
        result = app.test_cli_runner().invoke(
            args=["create-advisor", ADVISOR_EMAIL, "--password", ADVISOR_PASSWORD])
        assert result.exit_code == 0, result.output
        try:
            with live_server(app) as base:
                yield {"base": base, "app": app, "fake": fake, "database_url": database_url}
        finally:
            fake.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("the browser tests need Debian's chromium at /usr/bin/chromium: "
                    "run `apt-get update && apt-get install -y chromium`", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, stack: dict[str, Any], request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context per test; CSP violations and script errors fail the test."""
    chat.reset_limits()
    size = getattr(request, "param", {"width": 1280, "height": 860})
    context = browser.new_context(viewport=size)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("console", lambda m: problems.append(m.text) if m.type == "error"
           and ("Content Security Policy" in m.text or "Refused" in m.text) else None)
    tab.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    yield tab
    context.close()
    assert not problems, problems


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_widget(page: Any, base: str, lang: str = "fr") -> None:
    page.goto(f"{base}/?lang={lang}")
    launcher = page.locator(".launcher")
    launcher.wait_for(state="visible")
    launcher.click()
    page.locator(".panel").wait_for(state="visible")


def ask(page: Any, text: str, wait: bool = True) -> None:
    """Type a message and send it with Enter; by default wait for the API's answer."""
    page.locator("#awex-input").fill(text)
    if not wait:
        page.locator("#awex-input").press("Enter")
        return
    with page.expect_response(lambda r: r.url.endswith("/api/chat")):
        page.locator("#awex-input").press("Enter")


def bot_messages(page: Any) -> Any:
    return page.locator(".msg.bot:not(.opening):not(.typing)")


def stored(page: Any) -> Any:
    return page.evaluate(f"window.sessionStorage.getItem({STORE_KEY!r})")


def test_conversation_from_first_question_to_reset(page, stack):
    from playwright.sync_api import expect

    base, fake = stack["base"], stack["fake"]
    page.goto(f"{base}/?lang=fr")
    expect(page.locator(".launcher")).to_have_text(FR["widget_launcher"])
    page.locator(".launcher").click()

    # before any message: the privacy notice, the opening and three suggestions, nothing stored
    privacy = page.locator(".privacy")
    expect(privacy).to_contain_text("90 jours")
    expect(privacy.locator("a")).to_have_attribute("href", f"{base}/privacy?lang=fr")
    expect(page.locator(".opening")).to_contain_text(FR["widget_welcome"][:40])
    expect(page.locator(".suggestions .reply")).to_have_count(3)
    expect(page.locator(".suggestions .reply").first).to_have_text(FR["widget_suggestion_1"])
    assert stored(page) is None
    shot(page, "01-widget-opening-fr")

    # a French question, typed and sent with Enter
    ask(page, TMALL_QUESTION)
    answer = bot_messages(page).last
    expect(answer).to_contain_text("Ouvrir une boutique sur Tmall Global")
    expect(answer.locator("strong").first).to_have_text("Ouvrir une boutique sur Tmall Global")
    expect(answer.locator(".body ul li")).to_have_count(3)
    # The cited source is a link in the answer; it is not repeated in the list of other sources.
    source = answer.locator('.body a[href="https://example.org/tmall-global-guide"]')
    expect(source).to_have_count(1)
    expect(answer.locator(".sources")).to_have_count(0)
    expect(source).to_have_attribute("target", "_blank")
    expect(source).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator(".msg.user").last).to_contain_text(TMALL_QUESTION)
    expect(page.locator("[aria-live=polite]")).to_contain_text("Ouvrir une boutique")
    assert fake.requests[-1]["message"] == TMALL_QUESTION
    assert fake.requests[-1]["metadata"] == {"lang": "fr"}
    assert stored(page) is not None
    shot(page, "02-widget-answer-fr")

    # a quick reply: its payload is sent, its title shown as the user's message
    page.locator(".quick-replies .reply", has_text="JD Worldwide").click()
    expect(bot_messages(page).last).to_contain_text("JD Worldwide est la plateforme")
    expect(page.locator(".msg.user").last).to_contain_text("JD Worldwide")
    assert fake.requests[-1]["message"] == '/choose_article{"kb_article":"jd-worldwide"}'
    session_id = fake.requests[-1]["sender"]
    assert fake.requests[-2]["sender"] == session_id  # one conversation

    # thumbs down on the first answer -> stored with the question, the answer and its source
    first = bot_messages(page).first
    first.locator(".thumb.down").click()
    expect(first.locator(".thanks")).to_have_text(FR["widget_feedback_thanks"])
    with storage.session_for(stack["database_url"]) as db:
        rows = list(db.scalars(select(storage.Feedback).where(
            storage.Feedback.conversation_id == session_id)))
    assert len(rows) == 1 and rows[0].helpful is False
    assert rows[0].question == TMALL_QUESTION
    assert rows[0].answer_excerpt.startswith("**Ouvrir une boutique sur Tmall Global**")
    assert rows[0].sources[0]["url"] == "https://example.org/tmall-global-guide"
    shot(page, "03-widget-feedback")

    # the conversation survives a reload, feedback included
    users_before = page.locator(".msg.user").count()
    page.reload()
    expect(page.locator(".panel")).to_be_visible()
    expect(page.locator(".msg.user")).to_have_count(users_before)
    expect(bot_messages(page).last).to_contain_text("JD Worldwide est la plateforme")
    expect(bot_messages(page).first.locator(".thanks")).to_be_visible()
    ask(page, "Tmall encore")
    expect(page.locator(".msg.user")).to_have_count(users_before + 1)
    assert fake.requests[-1]["sender"] == session_id  # the same session after a reload

    # and survives navigation to another page of the site
    page.goto(f"{base}/?lang=fr&page=2")
    expect(page.locator(".msg.user")).to_have_count(users_before + 1)

    # reset: a new conversation, nothing kept
    page.locator(".reset").click()
    expect(page.locator(".msg.user")).to_have_count(0)
    expect(page.locator(".suggestions .reply")).to_have_count(3)
    assert stored(page) is None
    page.locator(".suggestions .reply").nth(1).click()
    expect(page.locator(".msg.user")).to_have_text(
        re.compile(re.escape(FR["widget_suggestion_2"])))
    expect(bot_messages(page)).to_have_count(1)
    assert fake.requests[-1]["sender"] != session_id  # a new session
    shot(page, "04-widget-after-reset")


def test_answer_html_is_shown_as_text_and_never_runs(page, stack):
    from playwright.sync_api import expect

    open_widget(page, stack["base"])
    ask(page, "question xss")
    answer = bot_messages(page).last
    expect(answer).to_contain_text("<script>window.__xss=1</script>")
    expect(answer).to_contain_text('<img src=x onerror="window.__xss=2">')
    expect(answer).to_contain_text("un lien")
    assert answer.locator("img, script").count() == 0
    assert answer.locator("a[href^='javascript']").count() == 0
    expect(answer.locator(".sources")).to_contain_text('<img src=x onerror="window.__xss=4">')
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    shot(page, "05-widget-xss-as-text")


def test_service_unavailable_keeps_the_message(page, stack):
    from playwright.sync_api import expect

    open_widget(page, stack["base"])
    ask(page, "panne du serveur ?")
    error = page.locator(".error")
    expect(error).to_have_text(FR["error_unavailable"])
    expect(page.locator("#awex-input")).to_have_value("panne du serveur ?")
    expect(page.locator(".msg.user")).to_have_count(0)
    shot(page, "06-widget-unavailable")

    # a network failure (the server unreachable) says the same
    page.route("**/api/chat", lambda route: route.abort())
    page.locator("#awex-input").fill("Tmall, encore une fois")
    page.locator(".send").click()
    expect(error).to_have_text(FR["error_unavailable"])
    expect(page.locator("#awex-input")).to_have_value("Tmall, encore une fois")
    page.unroute("**/api/chat")

    # once the service is back, the kept message goes through and the error disappears
    page.locator(".send").click()
    expect(bot_messages(page).last).to_contain_text("Ouvrir une boutique")
    expect(error).to_be_hidden()
    expect(page.locator("#awex-input")).to_have_value("")


def test_typing_indicator_while_waiting(page, stack):
    from playwright.sync_api import expect

    open_widget(page, stack["base"])
    ask(page, "lenteur Tmall", wait=False)
    expect(page.locator(".typing")).to_be_visible()
    expect(page.locator(".send")).to_be_disabled()
    shot(page, "07-widget-typing")
    expect(bot_messages(page).last).to_contain_text("Ouvrir une boutique", timeout=10_000)
    expect(page.locator(".typing")).to_have_count(0)


def test_talk_to_an_advisor_from_the_header(page, stack):
    from playwright.sync_api import expect

    open_widget(page, stack["base"])
    page.locator(".tool.advisor").click()
    expect(page.locator(".msg.user").last).to_contain_text(FR["widget_advisor"])
    expect(bot_messages(page).last).to_contain_text("awex-export.be")
    assert stack["fake"].requests[-1]["message"] == "/request_advisor"


def test_english_page_and_switch_to_the_conversation_language(page, stack):
    from playwright.sync_api import expect

    open_widget(page, stack["base"], lang="en")
    expect(page.locator(".title")).to_have_text(EN["widget_title"])
    expect(page.locator(".privacy")).to_contain_text("90 days")
    expect(page.locator(".send")).to_have_text("Send")

    # a French page whose visitor writes in English: the answer's language wins
    open_widget(page, stack["base"], lang="fr")
    expect(page.locator(".send")).to_have_text("Envoyer")
    ask(page, "What does Tmall Global cost?")
    expect(bot_messages(page).last).to_contain_text("Opening a store on Tmall Global")
    expect(page.locator(".send")).to_have_text("Send")
    expect(page.locator(".reset")).to_have_text(EN["widget_reset"])
    expect(bot_messages(page).last.locator(".thumb.up")).to_have_attribute(
        "aria-label", EN["widget_feedback_up"])
    shot(page, "08-widget-switched-to-english")
    ask(page, "How about the Tmall fees?")
    assert stack["fake"].requests[-1]["metadata"] == {"lang": "en"}


HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another site</title>
<style>button { background: lime !important; font-size: 40px !important; }
p { color: lime; }</style></head>
<body><h1>Another site</h1><p>Some partner page.</p>
<script src="%s/widget.js" data-lang="en" defer></script></body></html>"""


@pytest.fixture
def other_site(stack: dict[str, Any]) -> Iterator[str]:
    """A page on another origin embedding the widget with the one-line snippet."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    html = (HOST_PAGE % stack["base"]).encode("utf-8")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://localhost:{server.server_address[1]}"  # another origin than 127.0.0.1
    stack["app"].config["ALLOWED_ORIGINS"].append(origin)
    try:
        yield origin
    finally:
        stack["app"].config["ALLOWED_ORIGINS"].remove(origin)
        server.shutdown()
        server.server_close()


def test_embedded_on_another_site(page, stack, other_site):
    """The snippet finds its origin from its src, and neither page's styles leak into the
    other (shadow DOM)."""
    from playwright.sync_api import expect

    page.goto(other_site + "/")
    launcher = page.locator(".launcher")
    expect(launcher).to_have_text(EN["widget_launcher"])
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(200, 16, 46)"
    launcher.click()
    ask(page, "How much does Tmall Global cost?")
    expect(bot_messages(page).last).to_contain_text("Opening a store on Tmall Global")
    expect(page.locator(".privacy a")).to_have_attribute("href", f"{stack['base']}/privacy?lang=en")
    assert page.locator("p").first.evaluate("p => getComputedStyle(p).color") == "rgb(0, 255, 0)"
    shot(page, "16-widget-on-another-site")


def test_keyboard_only(page, stack):
    from playwright.sync_api import expect

    page.goto(f"{stack['base']}/?lang=fr")
    page.locator(".launcher").wait_for(state="visible")  # styled and ready
    page.locator(".launcher").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".panel")).to_be_visible()
    active = "document.getElementById('awex-advisor').shadowRoot.activeElement"
    assert page.evaluate(f"{active}.id") == "awex-input"
    page.keyboard.press("Shift+Tab")  # back to the last suggestion, a real button
    assert page.evaluate(f"{active}.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    expect(bot_messages(page)).to_have_count(1)
    page.keyboard.press("Escape")
    expect(page.locator(".panel")).to_be_hidden()
    assert page.evaluate(f"{active}.className") == "launcher"


@pytest.mark.parametrize("page", [{"width": 360, "height": 740}], indirect=True)
def test_usable_at_360_pixels(page, stack):
    from playwright.sync_api import expect

    no_scroll = "document.documentElement.scrollWidth <= window.innerWidth"
    page.goto(f"{stack['base']}/?lang=fr")
    page.locator(".launcher").wait_for(state="visible")
    assert page.evaluate(no_scroll), "the demo page scrolls sideways at 360 px"
    shot(page, "09-demo-360")
    page.locator(".launcher").click()
    ask(page, TMALL_QUESTION)
    expect(bot_messages(page).last).to_contain_text("Ouvrir une boutique")
    ask(page, "question xss avec une très longue adresse https://example.org/" + "x" * 120)
    expect(bot_messages(page)).to_have_count(2)
    assert page.evaluate(no_scroll), "the open widget scrolls sideways at 360 px"
    box = page.locator(".panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    log_fits = ("(() => { const log = document.getElementById('awex-advisor').shadowRoot"
                ".querySelector('.log'); return log.scrollWidth <= log.clientWidth; })()")
    assert page.evaluate(log_fits), "the conversation scrolls sideways at 360 px"
    for selector in (".send", ".tool.advisor", ".reset", "#awex-input"):
        item = page.locator(selector).bounding_box()
        assert item["x"] >= 0 and item["x"] + item["width"] <= 360, selector
    shot(page, "10-widget-360")


def test_privacy_page(page, stack):
    from playwright.sync_api import expect

    page.goto(f"{stack['base']}/privacy?lang=en")
    expect(page.locator("h1")).to_have_text(EN["privacy_title"])
    expect(page.locator("#retention")).to_contain_text("90 days")
    shot(page, "11-privacy-en")


def test_advisor_sees_unanswered_question_and_feedback(page, stack):
    from playwright.sync_api import expect

    base = stack["base"]
    open_widget(page, base)
    ask(page, "Faut-il ouvrir un bureau à Shanghai ?")
    expect(bot_messages(page).last).to_contain_text("je ne trouve pas de réponse fiable")
    expect(bot_messages(page).last.locator(".thumb")).to_have_count(0)  # no vote on a refusal
    ask(page, TMALL_QUESTION)
    bot_messages(page).last.locator(".thumb.down").click()
    expect(bot_messages(page).last.locator(".thanks")).to_be_visible()

    page.goto(f"{base}/console/unanswered")
    expect(page).to_have_url(re.compile(r"/console/login"))
    page.fill("#email", ADVISOR_EMAIL)
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.locator(".error")).to_have_text(FR["console_login_failed"])
    page.fill("#password", ADVISOR_PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/console/unanswered$"))
    group = page.locator("tr.question-group", has_text="Faut-il ouvrir un bureau à Shanghai ?")
    expect(group).to_have_count(1)
    expect(group.locator("a[href*='/console/knowledge']")).to_have_text("tmall-global")
    expect(group.locator("a.teach-link")).to_have_attribute("href", re.compile(r"/console/teach"))
    shot(page, "12-console-unanswered")

    page.click("nav.tabs a[href='/console/feedback']")
    down = page.locator("tr.feedback-row.down", has_text=TMALL_QUESTION).first
    expect(down).to_contain_text(FR["console_not_helpful"])
    expect(down.locator("a[href='https://example.org/tmall-global-guide']")).to_have_count(1)
    shot(page, "13-console-feedback")

    page.click("nav.tabs a[href='/console/conversations']")
    expect(page.locator("table")).to_contain_text("1")
    page.locator("table a").first.click()
    expect(page.locator(".transcript")).to_contain_text("Faut-il ouvrir un bureau à Shanghai ?")
    shot(page, "14-console-transcript")

    page.click("nav.tabs a[href='/console/']")
    expect(page.locator("svg")).to_have_count(3)
    shot(page, "15-console-overview")

    page.click("nav.tabs a[href='/console/knowledge']")
    expect(page.locator("h1")).to_have_text(FR["console_nav_knowledge"])
    expect(page.locator("tr.lang-fr")).to_be_visible()
    shot(page, "17-console-knowledge")

    # mark the group handled with the real form (CSRF token included)
    page.click("nav.tabs a[href='/console/unanswered']")
    group.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_have_text(FR["console_marked_handled"])
    expect(page.locator("tr.question-group", has_text="bureau à Shanghai")).to_have_count(0)

    page.click("form.inline button")
    expect(page.locator(".flash")).to_have_text(FR["console_logged_out"])
    page.goto(f"{base}/console/feedback")
    expect(page).to_have_url(re.compile(r"/console/login"))


def test_values_the_user_typed_are_shown_as_typed(page, stack):
    """Issue 14: a lead name `[texte](https://evil.example)` echoed in the confirmation was
    rendered as a clickable link."""
    from playwright.sync_api import expect

    open_widget(page, stack["base"])
    for name in ("[texte](https://evil.example)", "**Paul** [x](kb:jd-worldwide)"):
        ask(page, f"Mon nom : {name}")
        reply = bot_messages(page).last
        expect(reply).to_contain_text(f"Merci {name} !")
        assert reply.locator("a, button").count() == 0
        # the bot's own markdown in the same message still renders
        expect(reply.locator("strong")).to_have_text("paul@example.com")
    assert page.locator(".msg.bot a[href*='evil.example']").count() == 0
    shot(page, "11-widget-echo-as-text")


def test_a_conversation_token_the_server_did_not_issue(page, stack):
    """The widget keeps the server's token; a tampered one is refused with a readable message,
    the text stays in the input, and "New conversation" starts over."""
    from playwright.sync_api import expect

    base, fake = stack["base"], stack["fake"]
    open_widget(page, base)
    ask(page, TMALL_QUESTION)
    token = page.evaluate(f"JSON.parse(window.sessionStorage.getItem({STORE_KEY!r})).session")
    conversation, _, signature = token.partition(".")
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", conversation) and signature
    assert fake.requests[-1]["sender"] == conversation
    page.evaluate(f"""() => {{
        const state = JSON.parse(window.sessionStorage.getItem({STORE_KEY!r}));
        state.session = "someone-elses-conversation";
        window.sessionStorage.setItem({STORE_KEY!r}, JSON.stringify(state));
    }}""")
    page.reload()
    page.locator(".panel").wait_for(state="visible")
    sent = len(fake.requests)
    ask(page, "Tmall encore")
    expect(page.locator(".error")).to_have_text(FR["error_forbidden"])
    expect(page.locator("#awex-input")).to_have_value("Tmall encore")
    assert len(fake.requests) == sent  # nothing reached Rasa
    page.locator(".reset").click()
    ask(page, "Tmall encore")
    expect(bot_messages(page).last).to_contain_text("Ouvrir une boutique")
    assert fake.requests[-1]["sender"] != conversation
