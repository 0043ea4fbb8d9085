"""An answer's other sections in a real headless Chromium on the real stack: they appear as
quick replies after the answer, under their own label and before the related articles, and
clicking one shows that section of the same article.

A screenshot lands in test-artifacts/screenshots/ (ignored by git) for a human look."""
from __future__ import annotations

import json
from typing import Any

import pytest

from tests.web.test_widget_browser import SHOTS, open_widget
from web.strings import ui_strings

pytestmark = [pytest.mark.e2e, pytest.mark.browser]



def answer_after(page: Any, send: Any) -> dict[str, Any]:
    """Run `send` (type or click); the knowledge payload of the API's answer."""
    with page.expect_response(lambda r: r.url.endswith("/api/chat")) as reply:
        send()
    messages = json.loads(reply.value.text())["messages"]
    return next(m["payload"] for m in messages if m.get("payload", {}).get("type") == "kb_answer")


def test_a_section_quick_reply_shows_that_section(page, stack):
    from playwright.sync_api import expect

    open_widget(page, stack.web_url)
    box = page.locator("#awex-input")
    box.fill("faut-il une invitation pour tmall global ?")
    first = answer_after(page, lambda: box.press("Enter"))
    wanted = first["more_sections"][0]["heading"]
    reply = page.locator(".quick-replies button", has_text=wanted)
    expect(reply).to_be_visible()
    # labelled apart from the related articles, which follow under their own label
    labels = page.locator(".quick-replies .replies-label")
    expect(labels).to_have_text([ui_strings()["fr"]["widget_more_sections"],
                                 ui_strings()["fr"]["widget_related"]])
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "answer-with-sections.png"))
    shown = answer_after(page, reply.click)
    assert (shown["article"], shown["section"]) == (first["article"], wanted)
    expect(page.locator(".msg.bot").last).to_contain_text(wanted)


def test_an_orienting_answer_keeps_its_buttons_above_the_readiness_offer(page, stack):
    """Both messages of the turn keep their own buttons: the answer's sections (they used to
    be hidden, only the last message's buttons were drawn) and the readiness check's."""
    from playwright.sync_api import expect

    open_widget(page, stack.web_url)
    box = page.locator("#awex-input")
    box.fill("slt, jveux vendre mes pralines en chine, jcommence par ou?")
    first = answer_after(page, lambda: box.press("Enter"))
    assert first["more_sections"]
    groups = page.locator(".quick-replies")
    expect(groups).to_have_count(2)
    expect(groups.first.locator(".replies-label").first).to_have_text(
        ui_strings()["fr"]["widget_more_sections"])
    section = groups.first.locator("button", has_text=first["more_sections"][0]["heading"])
    expect(section).to_be_visible()
    expect(groups.last.locator("button", has_text="Suis-je prêt")).to_be_visible()
    page.screenshot(path=str(SHOTS / "orientation-with-offer.png"))
    shown = answer_after(page, section.click)
    assert (shown["article"], shown["section"]) == (first["article"],
                                                    first["more_sections"][0]["heading"])
