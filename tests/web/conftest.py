"""Fixtures of the web tests: an app on a temporary database, a tiny knowledge folder, an
advisor account, a logged-in client (helpers they use: tests/helpers/web.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.security import generate_password_hash

from bot import storage
from tests.helpers.ports import free_port
from tests.helpers.web import ADVISOR_EMAIL, ADVISOR_PASSWORD, login, write_article
from web import chat, create_app


class _CompiledTemplates(BytecodeCache):
    """Jinja's compiled templates kept in memory for the whole run (each test's app would
    otherwise compile them again: ~0.1 s a page). Jinja checks each entry against the
    template's source, so an edited template is compiled afresh."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = _CompiledTemplates()


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A valid two-language corpus with one stale article pair."""
    root = tmp_path / "knowledge"
    for lang in ("fr", "en"):
        write_article(root, lang)
        write_article(root, lang, "old-figures", reviewed="2019-03-01", text={
            "fr": "Les anciens barèmes ne valent plus : le dépôt était de 150 000 yuans "
                  "{2019}, demandez les conditions actuelles.",
            "en": "Old fee schedules no longer apply: the deposit was 150,000 yuan {2019}; "
                  "ask for the current terms."}[lang])
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
    app = create_app(test_config={
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": database_url,
        "RASA_URL": f"http://127.0.0.1:{free_port()}",
        "RASA_TIMEOUT": 2.0,
        "TRACKER_SQLITE_PATH": str(tmp_path / "rasa_tracker.db"),
    })
    app.jinja_env.bytecode_cache = TEMPLATES  # compile each template once per test run
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def advisor_password_hash() -> str:
    """The advisor's password hashed once, with scrypt at a lower work factor: the default
    (N=32768) takes ~0.2 s by design, at every login too, and most web tests log in. Logging in
    still runs werkzeug's real check (the factor is read from the hash); `flask create-advisor`
    and its default hash have their own tests (test_console.py), as do failed logins."""
    return generate_password_hash(ADVISOR_PASSWORD, method="scrypt:1024:8:1")


@pytest.fixture
def advisor(app: Flask, advisor_password_hash: str) -> str:
    """An advisor account, stored as `flask create-advisor` stores it (logging in still checks
    the password against the real hash)."""
    with storage.session_for(app.config["DATABASE_URL"]) as db, db.begin():
        db.add(storage.Advisor(email=ADVISOR_EMAIL, password_hash=advisor_password_hash))
    return ADVISOR_EMAIL


@pytest.fixture
def logged_in(client: FlaskClient, advisor: str) -> FlaskClient:
    response = login(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
