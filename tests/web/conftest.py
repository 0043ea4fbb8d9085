"""Fixtures of the web tests: an app on a temporary database, a tiny knowledge folder, an
advisor account, and helpers to log in through the real form (with its CSRF token)."""
from __future__ import annotations

import datetime as dt
import re
import socket
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from web import chat, create_app

ADVISOR_EMAIL = "conseil@awex.be"
ADVISOR_PASSWORD = "chine-export-2025"

ARTICLE = """---
id: {id}
lang: {lang}
title: "{title}"
topics: [platforms, costs]
sources:
  - id: guide
    title: "Tmall Global merchant guide"
    url: "https://example.org/tmall-global-guide"
    date: "2024-05-01"
reviewed: {reviewed}
related: []
questions:
  - "{q1}"
  - "{q2}"
  - "{q3}"
---

## {heading}

{text}
Sources : guide
"""


def write_article(root: Path, lang: str, article_id: str = "tmall-global",
                  reviewed: str = "", **fields: str) -> Path:
    """One valid article (reviewed today unless told); `fields` override the defaults."""
    reviewed = reviewed or dt.date.today().isoformat()
    values = {
        "fr": dict(title="Vendre sur Tmall Global", q1="Combien coûte Tmall Global ?",
                   q2="Comment ouvrir une boutique Tmall ?", q3="Tmall Global est-il adapté ?",
                   heading="Que coûte Tmall Global ?",
                   text="Tmall Global demande un dépôt de garantie et une redevance annuelle. "
                        "Une commission est prélevée sur chaque vente."),
        "en": dict(title="Selling on Tmall Global", q1="What does Tmall Global cost?",
                   q2="How do I open a Tmall store?", q3="Is Tmall Global right for me?",
                   heading="What does Tmall Global cost?",
                   text="Tmall Global asks for a deposit and a yearly fee. A commission is "
                        "taken on every sale."),
    }[lang]
    values.update(fields)
    path = root / lang / f"{article_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ARTICLE.format(id=article_id, lang=lang, reviewed=reviewed, **values),
                    encoding="utf-8")
    return path


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A valid two-language corpus with one stale article pair."""
    root = tmp_path / "knowledge"
    for lang in ("fr", "en"):
        write_article(root, lang)
        write_article(root, lang, "old-figures", reviewed="2019-03-01", text={
            "fr": "Les anciens barèmes ne valent plus : demandez les conditions actuelles.",
            "en": "Old fee schedules no longer apply: ask for the current terms."}[lang])
    return root


@pytest.fixture
def app(tmp_path: Path, knowledge_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The real app on a temporary SQLite database; Rasa points at a closed port."""
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("AWEX_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("AWEX_KNOWLEDGE_DIR", str(knowledge_dir))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("AWEX_INDEX_DIR", raising=False)
    chat.reset_limits()
    return create_app(test_config={
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "RASA_TIMEOUT": 2.0,
        "TRACKER_SQLITE_PATH": str(tmp_path / "rasa_tracker.db"),
    })


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def advisor(app: Flask) -> str:
    """An advisor account created through the real CLI command."""
    result = app.test_cli_runner().invoke(
        args=["create-advisor", ADVISOR_EMAIL, "--password", ADVISOR_PASSWORD])
    assert result.exit_code == 0, result.output
    return ADVISOR_EMAIL


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: FlaskClient, email: str = ADVISOR_EMAIL, password: str = ADVISOR_PASSWORD,
          **extra: str):
    """Log in through the form, as a browser would (GET for the token, then POST)."""
    token = csrf_from(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login", data={"email": email, "password": password,
                                               "csrf_token": token, **extra})


@pytest.fixture
def logged_in(client: FlaskClient, advisor: str) -> FlaskClient:
    response = login(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def page_token(client: FlaskClient, url: str) -> str:
    """The CSRF token printed in a console page (for POST buttons)."""
    return csrf_from(client.get(url).get_data(as_text=True))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve `app` on a free loopback port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
