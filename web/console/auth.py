"""Who may enter the console: login and logout, the guard in front of every page, the login
throttle, and the `flask create-advisor` command that creates accounts.

Passwords hashed with werkzeug; the session is cleared and re-issued at login and expires 8
hours after it (absolute, whatever the activity); repeated failed logins per IP and e-mail are
refused for 15 minutes.
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import Any

import click
from flask import current_app, flash, redirect, request, session, url_for
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response as WerkzeugResponse

from bot import storage
from web.console.core import bp, console_lang, csrf, database_url, render

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
# Checked when the e-mail is unknown, so a wrong e-mail costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


class LoginThrottle:
    """Failed logins per key in a sliding window; in memory and per process, like the chat
    API's limiter (one web process per machine)."""

    def __init__(self) -> None:
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, window: float) -> deque[float]:
        now = time.monotonic()
        hits = self._failures[key]
        while hits and now - hits[0] > window:
            hits.popleft()
        return hits

    def blocked(self, key: str, limit: int, window: float) -> bool:
        with self._lock:
            return len(self._recent(key, window)) >= limit

    def fail(self, key: str) -> None:
        with self._lock:
            self._failures[key].append(time.monotonic())

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def _throttle() -> LoginThrottle:
    throttle: LoginThrottle = current_app.extensions["awex_login_throttle"]
    return throttle


def logged_in() -> bool:
    """A valid, unexpired login whose account still exists."""
    advisor_id, login_at = session.get("advisor_id"), session.get("login_at")
    if not isinstance(advisor_id, int) or not isinstance(login_at, (int, float)):
        return False
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if time.time() - login_at > lifetime:
        return False
    with storage.session_for(database_url()) as db:
        return db.get(storage.Advisor, advisor_id) is not None


def safe_next(target: str | None) -> str | None:
    """Only console paths on this site: no open redirect after login."""
    if target and target.startswith("/console") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return None


def _keep_language_only() -> None:
    lang = session.get("ui_lang")
    session.clear()
    if lang:
        session["ui_lang"] = lang


@bp.before_request
def _guard() -> Any:
    if current_app.config.get("SECRET_PROBLEM"):
        # No secret of our own (web/__init__.py): a forged or guessed session must not open
        # the console, so nothing here is served; the page and the log say what to set.
        return render("message.html", status=503, title_key="console_disabled_title",
                      message_key="console_disabled")
    if request.method == "POST":
        csrf.protect()  # raises CSRFError, rendered by core._csrf_failed
    if request.endpoint in ("console.login",):
        return None
    if not logged_in():
        expired = "advisor_id" in session
        _keep_language_only()
        flash("session_expired" if expired else "login_required")
        next_url = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("console.login", next=safe_next(next_url)))
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if logged_in():
            return redirect(next_url or url_for("console.overview"))
        return render("login.html", next_url=next_url or "", email="")

    email = (request.form.get("email") or "").strip().lower()[:254]
    password = request.form.get("password") or ""
    ip = request.remote_addr or "unknown"
    limit = int(current_app.config.get("LOGIN_MAX_FAILURES", 5))
    window = float(current_app.config.get("LOGIN_WINDOW_SECONDS", 900))
    pair_key, ip_key = f"pair:{ip}|{email}", f"ip:{ip}"
    throttle = _throttle()
    if throttle.blocked(pair_key, limit, window) or throttle.blocked(ip_key, limit * 4, window):
        return render("login.html", status=429, error_key="console_login_throttled",
                      next_url=next_url or "", email=email)

    with storage.session_for(database_url()) as db:
        advisor = db.scalars(select(storage.Advisor).where(storage.Advisor.email == email)).first()
    valid = check_password_hash(advisor.password_hash if advisor else _DUMMY_HASH, password)
    if advisor is None or not valid or not password:
        throttle.fail(pair_key)
        throttle.fail(ip_key)
        current_app.logger.warning("console: failed login for %r from %s", email, ip)
        return render("login.html", status=401, error_key="console_login_failed",
                      next_url=next_url or "", email=email)

    throttle.clear(pair_key)
    lang = console_lang()
    session.clear()  # a fresh session (and CSRF token) on login: no fixation
    session.permanent = True
    session.update(advisor_id=advisor.id, advisor_email=advisor.email, login_at=time.time(),
                   ui_lang=lang, nonce=secrets.token_urlsafe(16))
    current_app.logger.info("console: %s signed in", advisor.email)
    return redirect(next_url or url_for("console.overview"))


@bp.post("/logout")
def logout() -> WerkzeugResponse:
    _keep_language_only()
    flash("logged_out")
    return redirect(url_for("console.login"))


def _create_or_reset(email: str, password: str, reset: bool) -> str:
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise click.BadParameter(f"'{email}' is not an e-mail address", param_hint="EMAIL")
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"use at least {MIN_PASSWORD} characters",
                                 param_hint="--password")
    with storage.session_for(database_url()) as db, db.begin():
        advisor = db.scalars(select(storage.Advisor).where(storage.Advisor.email == email)).first()
        if advisor is not None and not reset:
            raise click.UsageError(f"an account for {email} already exists; "
                                   "add --reset to replace its password")
        if advisor is None:
            db.add(storage.Advisor(email=email, password_hash=generate_password_hash(password)))
            return f"advisor account created for {email}"
        advisor.password_hash = generate_password_hash(password)
        return f"password replaced for {email}"


@bp.cli.command("create-advisor")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="The password (prompted when omitted; the option is meant for tests).")
@click.option("--reset", is_flag=True, help="Replace the password of an existing account.")
def create_advisor(email: str, password: str, reset: bool) -> None:
    """Create an advisor account for the console (or reset its password with --reset)."""
    click.echo(_create_or_reset(email, password, reset))
