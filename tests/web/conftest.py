"""Fixtures of the web tests: an app on a temporary database, a tiny knowledge folder, an
advisor account, a logged-in client (helpers they use: tests/helpers/web.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers.ports import free_port
from tests.helpers.web import ADVISOR_EMAIL, ADVISOR_PASSWORD, login, write_article
from web import chat, create_app


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


@pytest.fixture
def logged_in(client: FlaskClient, advisor: str) -> FlaskClient:
    response = login(client)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client
