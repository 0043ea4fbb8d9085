"""Web test helpers: an article in the knowledge format, the advisor's credentials, logging in
through the real form (with its CSRF token), and serving the app on a free port."""
from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

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


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: FlaskClient, email: str = ADVISOR_EMAIL, password: str = ADVISOR_PASSWORD,
          **extra: str) -> TestResponse:
    """Log in through the form, as a browser would (GET for the token, then POST)."""
    token = csrf_from(client.get("/console/login").get_data(as_text=True))
    return client.post("/console/login", data={"email": email, "password": password,
                                               "csrf_token": token, **extra})


def page_token(client: FlaskClient, url: str) -> str:
    """The CSRF token printed in a console page (for POST buttons)."""
    return csrf_from(client.get(url).get_data(as_text=True))


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
