"""The console at scale: with Rasa's tracker store in PostgreSQL (endpoints.scale.yml), the
Conversations and Overview pages show what Rasa stored there, and a deletion reaches it.
Runs a throw-away PostgreSQL server (Debian's package), like the scale-out test."""
from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from tests.helpers.ports import free_port
from tests.helpers.services import postgres
from tests.helpers.tracker import CONVERSATION, check_reader, write_events
from tests.helpers.web import page_token

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def pg_server() -> Iterator[str]:
    # PostgreSQL runs as the postgres user, which cannot enter pytest's private tmp folders.
    folder = Path(tempfile.mkdtemp(prefix="awex-pg-console-"))
    with postgres(folder, free_port()) as url:
        yield url


@pytest.fixture
def pg_tracker(pg_server: str) -> Iterator[str]:
    """Rasa's `events` table in the `rasa` database, emptied after each test."""
    url = f"{pg_server}/rasa"
    yield url
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS events"))
    engine.dispose()


def test_reader_on_postgresql(pg_tracker: str):
    write_events(pg_tracker, CONVERSATION)
    check_reader(pg_tracker)


def test_console_pages_show_a_conversation_stored_in_postgresql(app, logged_in: FlaskClient,
                                                                pg_tracker: str):
    now = time.time()
    write_events(pg_tracker, [
        ("pg-conversation-1", "user", now - 30, {"event": "user", "text": "Combien coûte Tmall ?"}),
        ("pg-conversation-1", "bot", now - 29, {"event": "bot", "text": "Un dépôt de garantie.",
                                                "data": {"custom": {"type": "kb_answer"}}}),
        ("pg-conversation-1", "user", now - 20, {"event": "user", "text": "Et JD ?"}),
        ("pg-conversation-1", "bot", now - 19, {"event": "bot", "text": "Je ne sais pas.",
                                                "data": {"custom": {"type": "kb_no_answer"}}}),
    ])
    app.config["TRACKER_DB_URL"] = pg_tracker  # as TRACKER_DB_URL in the environment at scale

    listing = logged_in.get("/console/conversations").get_data(as_text=True)
    assert 'href="/console/conversations/pg-conversation-1"' in listing
    page = logged_in.get("/console/conversations/pg-conversation-1")
    transcript = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Combien coûte Tmall ?" in transcript and "Un dépôt de garantie." in transcript
    overview = logged_in.get("/console/").get_data(as_text=True)
    assert "stockage des conversations de Rasa" not in overview  # the store was read
    assert "Questions (2)" in overview
    assert "Avec réponse (1)" in overview and "Sans réponse (1)" in overview

    token = page_token(logged_in, "/console/conversations/pg-conversation-1")
    done = logged_in.post("/console/conversations/pg-conversation-1/forget",
                          data={"csrf_token": token, "confirm": "1"})
    assert done.status_code == 200
    assert '<td class="num">4</td>' in done.get_data(as_text=True)
    assert logged_in.get("/console/conversations/pg-conversation-1").status_code == 404
