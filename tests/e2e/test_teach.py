"""Teaching on the real stack: a question the bot declines, attached from the console to an
article, is answered with that article by /api/chat within seconds, without any restart; the
knowledge file shows it, and undo restores the file and the refusal."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time

import pytest
import requests

from bot.settings import ROOT
from tests.helpers.stack import Chat, payloads

pytestmark = pytest.mark.e2e

QUESTION = "Les influenceurs chinois acceptent-ils d'être payés en nature ?"
ARTICLE = "kol-influencers"
EMAIL, PASSWORD = "teach-e2e@awex.be", "chine-export-e2e-2026"
NEW_YEAR = "Que prévoir pour mes livraisons avant le Nouvel An chinois ?"
LANG = {QUESTION: "fr", NEW_YEAR: "fr"}


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def console(stack, email: str = EMAIL) -> requests.Session:
    """An advisor logged in to the stack's console through the real form."""
    created = subprocess.run([sys.executable, "-m", "flask", "--app", "web", "create-advisor",
                              email, "--password", PASSWORD], cwd=ROOT, capture_output=True,
                             text=True, env={**os.environ, **stack.test_env}, timeout=120)
    assert created.returncode == 0, created.stderr
    browser = requests.Session()
    token = csrf(browser.get(f"{stack.web_url}/console/login", timeout=30).text)
    logged = browser.post(f"{stack.web_url}/console/login", timeout=30, allow_redirects=False,
                          data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert logged.status_code == 302 and logged.headers["Location"] == "/console/", logged.text
    return browser


def undo_latest(browser: requests.Session, stack) -> None:
    """Undo the latest change (cleanup: later tests share the stack's knowledge copy)."""
    changes = browser.get(f"{stack.web_url}/console/teach/changes", timeout=30).text
    change = re.search(r'name="change" value="(\d+)"', changes).group(1)
    undone = browser.post(f"{stack.web_url}/console/teach/undo", timeout=30,
                          allow_redirects=False,
                          data={"csrf_token": csrf(changes), "change": change})
    assert undone.status_code == 302, undone.text[-2000:]


def suggested_page(browser: requests.Session, url: str, seconds: float = 300) -> str:
    """The teach page once its suggestions are shown (it says it is still looking before),
    as an advisor reads it before choosing an article."""
    started = time.perf_counter()
    while True:
        page = browser.get(url, timeout=30).text
        if 'class="note" role="status"' not in page:
            print(f"\n[timing] teach page opened -> suggestions shown "
                  f"{time.perf_counter() - started:.1f}s")
            return page
        assert time.perf_counter() - started < seconds, "the suggestions never came"
        time.sleep(1.0)


def served_article(chat: Chat, question: str = QUESTION) -> str | None:
    """The article the stack answers `question` with in this conversation, if any."""
    found = [p for p in payloads(chat.say(question)) if p["type"] == "kb_answer"]
    return found[0]["article"] if found else None


def build_done(browser: requests.Session, stack) -> str | None:
    """When the console's last background build was published (its page says), if any."""
    page = browser.get(f"{stack.web_url}/console/teach/changes", timeout=30).text
    found = re.search(r'class="result built"[^>]*>[^<]*<span class="build-when">\(([^)]+)\)',
                      page)
    return found.group(1) if found else None


def wait_for(stack, expected: str | None, seconds: float, browser: requests.Session,
             previous_build: str | None = None, question: str = QUESTION
             ) -> tuple[float, float]:
    """Ask until the answer's article is `expected` and the console shows a newer build:
    (seconds until the build was published, seconds until the answer changed). Three
    conversations take turns (a long question is never read as a follow-up), within the
    per-conversation rate limit."""
    chats = [Chat(stack.web_url, f"teach-poll-{n}", lang=LANG[question]) for n in range(3)]
    started = time.perf_counter()
    built: float | None = None
    answered: float | None = None
    for turn in range(10 ** 6):
        if built is None and build_done(browser, stack) not in (None, previous_build):
            built = time.perf_counter() - started
        if answered is None and served_article(chats[turn % 3], question) == expected:
            answered = time.perf_counter() - started
        if built is not None and answered is not None:
            return built, answered
        assert time.perf_counter() - started < seconds, \
            f"after {seconds}s: build {built}, answer {answered}"
        time.sleep(1.0)
    raise AssertionError("unreachable")


def test_attached_question_is_answered_then_undone(stack):
    asked = Chat(stack.web_url, "teach-missed")
    assert [p["type"] for p in payloads(asked.say(QUESTION))] == ["kb_no_answer"]
    with sqlite3.connect(stack.work / "app.db") as db:
        (question_id,) = db.execute("SELECT id FROM unanswered_questions WHERE question = ? "
                                    "AND conversation_id = ?",
                                    (QUESTION, asked.conversation_id)).fetchone()
    browser = console(stack)
    page = suggested_page(browser, f"{stack.web_url}/console/teach?ids={question_id}")
    found = re.search(rf'name="hash-fr-{ARTICLE}" value="([0-9a-f]+)"', page)
    assert found, page[:3000]
    digest = found.group(1)
    attached = browser.post(f"{stack.web_url}/console/teach/attach", timeout=30,
                            allow_redirects=False, data={
                                "csrf_token": csrf(page), "ids": str(question_id),
                                "article": f"{ARTICLE}#", "q": f"fr:{QUESTION}",
                                f"hash-fr-{ARTICLE}": digest})
    assert attached.status_code == 302, attached.text[-2000:]
    path = stack.work / "knowledge" / "fr" / f"{ARTICLE}.md"
    assert f'  - "{QUESTION}"' in path.read_text("utf-8")
    built, answered = wait_for(stack, ARTICLE, 300, browser)
    print(f"\n[timing] attach (suggestions shown first, as an advisor sees them) -> background "
          f"build done {built:.1f}s, answered {answered:.1f}s")
    # The hot reload part: once the build is published the answer follows within seconds.
    # (The build itself, `bot build` in a child process, is the rest; see the report.)
    assert answered - built <= 10, f"answered {answered - built:.1f}s after the build"
    assert stack.processes["actions"].poll() is None  # no restart

    changes = browser.get(f"{stack.web_url}/console/teach/changes", timeout=30).text
    previous_build = build_done(browser, stack)
    change = re.search(r'name="change" value="(\d+)"', changes).group(1)
    undone = browser.post(f"{stack.web_url}/console/teach/undo", timeout=30,
                          allow_redirects=False,
                          data={"csrf_token": csrf(changes), "change": change})
    assert undone.status_code == 302, undone.text[-2000:]
    assert QUESTION not in path.read_text("utf-8")
    built, answered = wait_for(stack, None, 300, browser, previous_build)
    print(f"[timing] undo -> build done {built:.1f}s, refused again {answered:.1f}s")
    assert answered - built <= 10


def test_a_drafted_article_is_answered_without_restart(stack):
    assert served_article(Chat(stack.web_url, "draft-before"), NEW_YEAR) != "chinese-new-year"
    browser = console(stack, "draft-e2e@awex.be")
    page = browser.get(f"{stack.web_url}/console/teach/draft", timeout=30).text
    previous_build = build_done(browser, stack)
    saved = browser.post(f"{stack.web_url}/console/teach/draft", timeout=60,
                         allow_redirects=False, data={
        "csrf_token": csrf(page), "ids": "", "article_id": "chinese-new-year",
        "topics": ["logistics"], "title_fr": "Le Nouvel An chinois et vos livraisons",
        "title_en": "Chinese New Year and your deliveries",
        "source_id_0": "gov-holidays", "source_title_0": "Public holidays (State Council)",
        "source_url_0": "https://english.www.gov.cn/", "source_date_0": "2025",
        "heading_fr_0": "Que prévoir avant le Nouvel An chinois ?",
        "text_fr_0": "Pendant les congés du Nouvel An chinois, les usines, les transitaires et "
                     "les entrepôts tournent au ralenti et les douanes traitent moins de "
                     "dossiers. Envoyez votre stock vers les entrepôts sous douane plusieurs "
                     "semaines à l'avance et prévenez vos clients des délais plus longs.",
        "heading_en_0": "What should I plan before Chinese New Year?",
        "text_en_0": "During the Chinese New Year holidays, factories, forwarders and "
                     "warehouses slow down and customs handle fewer files. Ship your stock to "
                     "bonded warehouses several weeks ahead and warn your customers that "
                     "deliveries will take longer.",
        "questions_fr": f"{NEW_YEAR}\nLe Nouvel An chinois ralentit-il les livraisons ?\n"
                        "Quand envoyer mon stock avant les congés chinois ?",
        "questions_en": "What should I plan for deliveries before Chinese New Year?\n"
                        "Does Chinese New Year slow deliveries down?\n"
                        "When should I ship stock before the Chinese holidays?"})
    assert saved.status_code == 302, saved.text[-3000:]
    assert (stack.work / "knowledge" / "en" / "chinese-new-year.md").exists()
    built, answered = wait_for(stack, "chinese-new-year", 300, browser, previous_build,
                               NEW_YEAR)
    print(f"\n[timing] draft -> build done {built:.1f}s, answered {answered:.1f}s")
    assert answered - built <= 10
    assert stack.processes["actions"].poll() is None  # no restart
    undo_latest(browser, stack)
    assert not (stack.work / "knowledge" / "en" / "chinese-new-year.md").exists()
