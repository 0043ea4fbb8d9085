"""Deleting a conversation on request from the advisor console: a POST button (with its CSRF
token) on the conversation page and on each lead row, a confirmation page that counts what
will go, then the deletion in Rasa's tracker store and the app database, with the counts."""
from __future__ import annotations

import html as html_lib
import re
import sqlite3
import time
from pathlib import Path

import pytest

from tests.helpers.stores import add_rows, app_counts, make_tracker, tracker_senders
from tests.helpers.web import page_token

GONE = "forget-me-1234"
KEPT = "keep-me-56789"


@pytest.fixture
def stored(app):
    """Two conversations in the tracker store and the app database."""
    tracker_path = Path(app.config["TRACKER_SQLITE_PATH"])
    now = time.time()
    make_tracker(tracker_path, [(GONE, "user", now), (GONE, "bot", now + 1),
                                (GONE, "action", now + 2), (KEPT, "user", now),
                                (KEPT, "bot", now + 1)])
    add_rows(app.config["DATABASE_URL"], GONE)
    add_rows(app.config["DATABASE_URL"], KEPT)
    return tracker_path


def forget_url(conversation_id: str) -> str:
    return f"/console/conversations/{conversation_id}/forget"


def counts_in(html: str) -> list:
    return [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', html)]


def test_conversation_page_and_lead_rows_have_the_button(app, logged_in, stored):
    page = logged_in.get(f"/console/conversations/{GONE}").get_data(as_text=True)
    assert f'action="{forget_url(GONE)}"' in page
    assert "Supprimer cette conversation et ses données" in page
    leads = logged_in.get("/console/leads").get_data(as_text=True)
    assert f'action="{forget_url(GONE)}"' in leads and f'action="{forget_url(KEPT)}"' in leads
    assert leads.count('name="csrf_token"') >= 3  # logout + one per lead row


def test_confirm_then_delete(app, logged_in, stored):
    token = page_token(logged_in, f"/console/conversations/{GONE}")
    confirm = logged_in.post(forget_url(GONE), data={"csrf_token": token,
                                                     "next": "/console/leads"})
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert counts_in(html) == [3, 1, 1, 1]  # events, leads, feedback, unanswered
    assert "Supprimer définitivement" in html and 'name="confirm" value="1"' in html
    assert tracker_senders(stored).count(GONE) == 3  # asking is not deleting

    done = logged_in.post(forget_url(GONE), data={"csrf_token": token, "confirm": "1",
                                                  "next": "/console/leads"})
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and counts_in(html) == [3, 1, 1, 1]
    assert "Suppression effectuée" in html and 'href="/console/leads"' in html
    assert tracker_senders(stored) == [KEPT, KEPT]
    assert set(app_counts(app.config["DATABASE_URL"], GONE).values()) == {0}
    assert set(app_counts(app.config["DATABASE_URL"], KEPT).values()) == {1}
    assert logged_in.get(f"/console/conversations/{GONE}").status_code == 404
    assert GONE not in logged_in.get("/console/leads").get_data(as_text=True)

    again = logged_in.post(forget_url(GONE), data={"csrf_token": token, "confirm": "1"})
    html = html_lib.unescape(again.get_data(as_text=True))
    assert counts_in(html) == [0, 0, 0, 0]
    assert "Rien n'est enregistré sous cet identifiant de conversation." in html


def test_a_lead_whose_conversation_was_already_purged(app, logged_in):
    """The lead row's button works even when the tracker store has nothing (or no file)."""
    add_rows(app.config["DATABASE_URL"], GONE)
    token = page_token(logged_in, "/console/leads")
    done = logged_in.post(forget_url(GONE), data={"csrf_token": token, "confirm": "1"})
    assert counts_in(done.get_data(as_text=True)) == [0, 1, 1, 1]
    assert not Path(app.config["TRACKER_SQLITE_PATH"]).exists()


def test_in_english(app, logged_in, stored):
    token = page_token(logged_in, "/console/leads?lang=en")
    html = logged_in.post(forget_url(GONE), data={"csrf_token": token}).get_data(as_text=True)
    assert "Delete a conversation on request" in html and "This cannot be undone." in html


def test_forget_needs_a_csrf_token(app, logged_in, stored):
    for data in ({"confirm": "1"}, {"confirm": "1", "csrf_token": "forged"}):
        response = logged_in.post(forget_url(GONE), data=data)
        assert response.status_code == 400
    assert tracker_senders(stored).count(GONE) == 3
    assert app_counts(app.config["DATABASE_URL"], GONE)["leads"] == 1


def test_forget_needs_a_login(app, client, stored):
    token = page_token(client, "/console/login")
    response = client.post(forget_url(GONE), data={"csrf_token": token, "confirm": "1"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login")
    assert tracker_senders(stored).count(GONE) == 3


def test_forget_is_post_only(logged_in, stored):
    assert logged_in.get(forget_url(GONE)).status_code == 405
    assert tracker_senders(stored).count(GONE) == 3


def test_next_stays_inside_the_console(logged_in, stored):
    token = page_token(logged_in, "/console/leads")
    html = logged_in.post(forget_url(GONE), data={
        "csrf_token": token, "next": "https://evil.example/"}).get_data(as_text=True)
    assert "evil.example" not in html and 'href="/console/conversations"' in html


def test_unreachable_tracker_store_is_reported(app, logged_in, stored):
    app.config["TRACKER_DB_URL"] = "postgresql+psycopg2://u:p@127.0.0.1:1/rasa?connect_timeout=1"
    token = page_token(logged_in, "/console/leads")
    response = logged_in.post(forget_url(GONE), data={"csrf_token": token, "confirm": "1"})
    assert response.status_code == 503
    assert "La suppression n'a pas pu aboutir" in html_lib.unescape(
        response.get_data(as_text=True))
    assert app_counts(app.config["DATABASE_URL"], GONE)["leads"] == 1


def test_the_tracker_file_is_not_left_locked(app, logged_in, stored):
    token = page_token(logged_in, "/console/leads")
    logged_in.post(forget_url(GONE), data={"csrf_token": token, "confirm": "1"})
    with sqlite3.connect(stored, timeout=0.1) as db:  # Rasa can write again at once
        db.execute("INSERT INTO events (sender_id, type_name, timestamp) VALUES ('x', 'user', 1)")
