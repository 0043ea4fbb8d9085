"""Advisors publish without restarting anything: edit, `bot build`, the bot answers anew."""
from __future__ import annotations

import time

import pytest

from tests.helpers.stack import Chat, payloads, run_bot

pytestmark = pytest.mark.e2e


def answer_text(messages):
    return next(m["text"] for m in messages if m.get("payload", {}).get("type") == "kb_answer")


def test_edited_article_is_served_after_build_without_restart(stack):
    question = "Peut-on vendre en Chine depuis le site web de sa PME ?"
    before = answer_text(Chat(stack.web_url, "reload-before-1").say(question))
    article = stack.work / "knowledge" / "fr" / "foreign-website.md"
    text = article.read_text("utf-8")
    marker = "Mise à jour de test : vérifiez toujours avec un conseiller de l'Awex."
    heading = "## Peut-on vendre aux Chinois depuis le site web de sa PME ?"
    assert heading in text
    paragraph_start = text.index("\n\n", text.index(heading)) + 2
    article.write_text(text[:paragraph_start] + marker + " " + text[paragraph_start:], "utf-8")

    started = time.perf_counter()
    built = run_bot(stack.test_env, "build", "--quiet")
    assert built.returncode == 0, built.stderr
    print(f"\n[timing] incremental rebuild after one edit: {time.perf_counter() - started:.1f}s "
          f"(process start included) — {built.stdout.strip().splitlines()[-1]}")
    assert "1 embedded" in built.stdout

    time.sleep(1.5)  # the action server checks the index pointer at most once a second
    after = answer_text(Chat(stack.web_url, "reload-after-1").say(question))
    assert marker not in before and marker in after
    assert stack.processes["actions"].poll() is None  # same process, no restart


def test_broken_edit_keeps_serving_the_previous_index(stack):
    article = stack.work / "knowledge" / "en" / "foreign-website.md"
    original = article.read_text("utf-8")
    article.write_text("this file lost its front matter", "utf-8")
    try:
        checked = run_bot(stack.test_env, "check")
        assert checked.returncode == 1
        assert ("foreign-website.md:1: error: the file does not start with front matter"
                in checked.stderr)
        built = run_bot(stack.test_env, "build", "--quiet")
        assert built.returncode == 1 and "serving index is unchanged" in built.stderr
        messages = Chat(stack.web_url, "reload-broken-1", lang="en").say(
            "Can I sell to China from my own web shop?")
        assert any(p["type"] == "kb_answer" for p in payloads(messages))
    finally:
        article.write_text(original, "utf-8")
