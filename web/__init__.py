"""The Flask app: the widget, the demo host page, the chat API (a proxy to Rasa) and the
advisor console. Browsers only ever talk to this app; Rasa and the action server stay on
loopback.

The secret (AWEX_SECRET_KEY) signs the console's session cookies and the chat's conversation
tokens. There is no default: `make run` creates a random one in var/secret_key and passes it.
Started any other way without one (or with a short one), the app still serves the public chat,
with a random secret of its own (conversations do not survive a restart of the process), but
the console answers 503 with the reason, and the log says it at start.
"""
from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response
from werkzeug.middleware.proxy_fix import ProxyFix

from bot.settings import Environment, Settings

MIN_SECRET_CHARS = 32
# Placeholders that were once shipped (the old constant, .env.example's): never a secret.
KNOWN_PLACEHOLDERS = frozenset({"dev-only-change-me", "change-me-to-a-long-random-secret"})
HSTS = "max-age=31536000"  # one year; only browsers that reached us over HTTPS keep it


def secret_problem(secret: str) -> str | None:
    """Why `secret` cannot sign console sessions, or None."""
    if not secret:
        return "AWEX_SECRET_KEY is not set"
    if secret in KNOWN_PLACEHOLDERS:
        return "AWEX_SECRET_KEY is a published placeholder"
    if len(secret) < MIN_SECRET_CHARS:
        return f"AWEX_SECRET_KEY is shorter than {MIN_SECRET_CHARS} characters"
    return None


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Application factory; `test_config` overrides settings in tests."""
    app = Flask(__name__)
    settings = Settings.from_env()
    secret = settings.secret_key
    app.config.update(
        SECRET_KEY=None if secret_problem(secret) else secret,
        SECRET_PROBLEM=secret_problem(secret),
        RASA_URL=settings.rasa_url,
        DATABASE_URL=settings.database_url,
        RASA_TIMEOUT=settings.rasa_timeout,
        MAX_MESSAGE_CHARS=1000,
        # Messages per minute; benchmarks on loopback raise the per-IP limit.
        RATE_LIMIT_PER_SESSION=settings.rate_limit_per_session,
        RATE_LIMIT_PER_IP=settings.rate_limit_per_ip,
        MAX_CONTENT_LENGTH=16 * 1024,
        ALLOWED_ORIGINS=list(settings.allowed_origins),
        # Advisor console: CSRF checked by the console blueprint only (the JSON API has none),
        # tokens valid as long as the login, logins expire after 8 hours.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        HSTS=settings.secure_cookies,
        TRUSTED_PROXIES=settings.trusted_proxies,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        LOGIN_MAX_FAILURES=5,
        LOGIN_WINDOW_SECONDS=15 * 60,
        TRACKER_SQLITE_PATH=str(settings.tracker_sqlite_path),
        # Set (e.g. the PostgreSQL store at scale): the console reads it; unset, the SQLite file.
        TRACKER_DB_URL=Environment.read().TRACKER_DB_URL or None,
    )
    if test_config:
        app.config.update(test_config)
    if app.config.get("SECRET_KEY"):
        app.config["SECRET_PROBLEM"] = None
    else:
        # The public chat still works; conversation tokens die with this process.
        app.config["SECRET_KEY"] = secrets.token_urlsafe(48)
        app.logger.error(
            "%s: the advisor console is disabled (it answers 503). `make run` creates a random "
            "secret in var/secret_key; elsewhere set AWEX_SECRET_KEY to at least %d random "
            "characters, e.g. python3 -c \"import secrets; print(secrets.token_urlsafe(48))\"",
            app.config["SECRET_PROBLEM"] or "AWEX_SECRET_KEY is not set", MIN_SECRET_CHARS)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # The client address and scheme as the last `proxies` reverse proxies saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore

    @app.after_request
    def _strict_transport(response: Response) -> Response:
        if app.config.get("HSTS"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    from web import chat, console, pages

    app.register_blueprint(chat.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(console.bp)
    return app
