"""Issue 14, web side: no default secret (a forged console cookie never opens the console),
Secure cookies and HSTS over HTTPS, and the secret `make run` keeps in var/."""
from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from tests.helpers.ports import free_port
from tests.helpers.web import ADVISOR_EMAIL, ADVISOR_PASSWORD, login
from web import create_app
from web.conversations import verify_token
from web.strings import ui_string

OLD_CONSTANT = "dev-only-change-me"  # what unset AWEX_SECRET_KEY used to mean
REAL_SECRET = "k" * 20 + "-real-secret-for-tests-0123456789"


def forged_cookie(secret: str, advisor_id: int = 1) -> str:
    """A console session cookie signed with `secret`, as an attacker would make it."""
    signer = Flask("forger")
    signer.secret_key = secret
    serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
    return serializer.dumps({"advisor_id": advisor_id, "login_at": time.time(),
                             "advisor_email": ADVISOR_EMAIL, "_permanent": True})


def make_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: Any = None,
             **config: Any) -> Flask:
    """The real app like `web.serve` builds it: the secret comes from the environment only."""
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("AWEX_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    if secret is None:
        monkeypatch.delenv("AWEX_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("AWEX_SECRET_KEY", secret)
    values: dict[str, Any] = {"DATABASE_URL": database_url,
                              "RASA_URL": f"http://127.0.0.1:{free_port()}", "RASA_TIMEOUT": 2.0,
                              "TRACKER_SQLITE_PATH": str(tmp_path / "rasa_tracker.db"), **config}
    app = create_app(test_config=values)
    result = app.test_cli_runner().invoke(
        args=["create-advisor", ADVISOR_EMAIL, "--password", ADVISOR_PASSWORD])
    assert result.exit_code == 0, result.output  # the CLI works whatever the secret
    return app


@pytest.mark.parametrize("secret", [None, "", OLD_CONSTANT, "change-me-to-a-long-random-secret",
                                    "short-secret"])
def test_without_a_real_secret_the_console_is_disabled(tmp_path, monkeypatch, caplog, secret):
    """Issue 14: with AWEX_SECRET_KEY unset, sessions were signed with a constant, and a cookie
    forged with it and advisor_id 1 opened the console."""
    with caplog.at_level(logging.ERROR):
        app = make_app(tmp_path, monkeypatch, secret)
    assert app.secret_key not in (None, "", OLD_CONSTANT, secret)
    assert any("advisor console is disabled" in r.getMessage() for r in caplog.records)
    client = app.test_client()
    client.set_cookie("session", forged_cookie(OLD_CONSTANT))
    for path in ("/console/", "/console/leads", "/console/leads.csv", "/console/login"):
        response = client.get(path)
        assert response.status_code == 503, path
        html = response.get_data(as_text=True)
        assert "AWEX_SECRET_KEY" in html and ADVISOR_EMAIL not in html
    posted = client.post("/console/login", data={"email": ADVISOR_EMAIL,
                                                  "password": ADVISOR_PASSWORD})
    assert posted.status_code == 503  # not even the real password opens it
    english = client.get("/console/", query_string={"lang": "en"}).get_data(as_text=True)
    assert "<h1>Console disabled</h1>" in english


def test_without_a_secret_the_public_chat_still_runs(tmp_path, monkeypatch):
    app = make_app(tmp_path, monkeypatch, None)
    reply = app.test_client().post("/api/chat", json={"message": "bonjour"})
    assert reply.status_code == 503  # Rasa is not running here: the API itself answered
    assert reply.get_json()["error"] == "unavailable"


@pytest.mark.parametrize("secret", [OLD_CONSTANT, "test-secret", REAL_SECRET[::-1]])
def test_a_cookie_signed_with_another_key_is_refused(tmp_path, monkeypatch, secret):
    app = make_app(tmp_path, monkeypatch, REAL_SECRET)
    assert app.secret_key == REAL_SECRET
    client = app.test_client()
    client.set_cookie("session", forged_cookie(secret))
    response = client.get("/console/leads")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_with_the_secret_the_console_works(tmp_path, monkeypatch):
    app = make_app(tmp_path, monkeypatch, REAL_SECRET)
    client = app.test_client()
    assert login(client).status_code == 302
    assert client.get("/console/").status_code == 200


def test_conversation_tokens_are_signed_with_the_secret(tmp_path, monkeypatch):
    app = make_app(tmp_path, monkeypatch, REAL_SECRET)
    other = make_app(tmp_path / "other", monkeypatch, REAL_SECRET[::-1])
    from web.conversations import issue_token

    token = issue_token(REAL_SECRET, "B" * 32)
    with app.app_context():
        assert verify_token(app.secret_key, token) == "B" * 32
    assert verify_token(other.secret_key, token) is None
    refused = other.test_client().post("/api/chat", json={"session": token, "message": "x"})
    assert refused.status_code == 403
    assert refused.get_json()["message"] == ui_string("error_forbidden", "fr")


# ------------------------------------------------------------------------- HTTPS


def test_secure_cookies_and_hsts_when_served_over_https(tmp_path, monkeypatch):
    """Issue 14: cookies were not Secure and there was no HSTS over HTTPS."""
    monkeypatch.setenv("AWEX_SECURE_COOKIES", "1")
    app = make_app(tmp_path, monkeypatch, REAL_SECRET)
    client = app.test_client()
    for path in ("/", "/healthz", "/widget.js", "/console/login"):
        hsts = client.get(path, base_url="https://localhost").headers.get(
            "Strict-Transport-Security")
        assert hsts and "max-age=31536000" in hsts, path
    response = login(client)
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_hsts_nor_secure_cookie_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("AWEX_SECURE_COOKIES", raising=False)
    app = make_app(tmp_path, monkeypatch, REAL_SECRET)
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/").headers
    assert "Secure" not in login(client).headers["Set-Cookie"]


def test_behind_a_trusted_proxy_the_client_and_scheme_are_the_proxy_s_view(tmp_path,
                                                                           monkeypatch):
    from flask import request

    def seen() -> str:
        return f"{request.scheme} {request.remote_addr}"

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    monkeypatch.setenv("AWEX_TRUSTED_PROXIES", "1")
    proxied = make_app(tmp_path, monkeypatch, REAL_SECRET)
    proxied.add_url_rule("/_seen", "seen", seen)
    assert proxied.test_client().get("/_seen", headers=headers).get_data(as_text=True) == \
        "https 203.0.113.9"
    monkeypatch.setenv("AWEX_TRUSTED_PROXIES", "0")
    direct = make_app(tmp_path / "direct", monkeypatch, REAL_SECRET)
    direct.add_url_rule("/_seen", "seen", seen)
    assert direct.test_client().get("/_seen", headers=headers).get_data(as_text=True) == \
        "http 127.0.0.1"


# ------------------------------------------------------------------------- make run's secret


def test_make_run_creates_a_private_secret_once_and_reuses_it(tmp_path, monkeypatch):
    from scripts.stack import Ports, Stack, persistent_secret

    path = tmp_path / "secret_key"
    first = persistent_secret(path)
    assert len(first) >= 48 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert persistent_secret(path) == first
    os.chmod(path, 0o644)
    assert persistent_secret(path) == first and stat.S_IMODE(os.stat(path).st_mode) == 0o600

    monkeypatch.delenv("AWEX_SECRET_KEY", raising=False)
    monkeypatch.setenv("AWEX_VAR_DIR", str(tmp_path / "var"))
    stack = Stack(Ports(), tmp_path / "logs")
    stack.env_file = tmp_path / "missing.env"
    secret = stack.environment()["AWEX_SECRET_KEY"]
    assert secret == (tmp_path / "var" / "secret_key").read_text().strip()
    assert stack.environment()["AWEX_SECRET_KEY"] == secret  # reused, not redrawn
    assert Stack(Ports(), tmp_path / "logs", {"AWEX_SECRET_KEY": "given"}).environment()[
        "AWEX_SECRET_KEY"] == "given"
