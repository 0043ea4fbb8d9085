"""The Flask app: the widget, the demo host page, the chat API (a proxy to Rasa) and the
advisor console. Browsers only ever talk to this app; Rasa and the action server stay on
loopback."""
from __future__ import annotations

import datetime as dt
import os
from typing import Any, Mapping, Optional

from flask import Flask

from bot.settings import Settings


def create_app(test_config: Optional[Mapping[str, Any]] = None) -> Flask:
    """Application factory; `test_config` overrides settings in tests."""
    app = Flask(__name__)
    settings = Settings.from_env()
    app.config.update(
        SECRET_KEY=os.environ.get("AWEX_SECRET_KEY", "dev-only-change-me"),
        RASA_URL=settings.rasa_url,
        DATABASE_URL=settings.database_url,
        RASA_TIMEOUT=float(os.environ.get("AWEX_RASA_TIMEOUT", "30")),
        MAX_MESSAGE_CHARS=1000,
        # Messages per minute; benchmarks on loopback raise the per-IP limit.
        RATE_LIMIT_PER_SESSION=int(os.environ.get("AWEX_RATE_LIMIT_PER_SESSION", "30")),
        RATE_LIMIT_PER_IP=int(os.environ.get("AWEX_RATE_LIMIT_PER_IP", "120")),
        MAX_CONTENT_LENGTH=16 * 1024,
        ALLOWED_ORIGINS=[o for o in os.environ.get("AWEX_ALLOWED_ORIGINS", "").split(",") if o],
        # Advisor console: CSRF checked by the console blueprint only (the JSON API has none),
        # tokens valid as long as the login, logins expire after 8 hours.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=os.environ.get("AWEX_SECURE_COOKIES", "0") == "1",
        LOGIN_MAX_FAILURES=5,
        LOGIN_WINDOW_SECONDS=15 * 60,
        TRACKER_SQLITE_PATH=os.environ.get("TRACKER_SQLITE_PATH",
                                           str(settings.var_dir / "rasa_tracker.db")),
    )
    if test_config:
        app.config.update(test_config)

    from web import chat, console, pages

    app.register_blueprint(chat.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(console.bp)
    return app
