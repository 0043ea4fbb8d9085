"""The advisor console: what the bot could not answer, feedback, leads, transcripts, knowledge
health and an index rebuild, for Awex staff behind a login; and deleting a conversation with
its lead, feedback and unanswered questions when a person asks for it (GDPR).

Security in short: passwords hashed with werkzeug; CSRF tokens on every console form (and only
there: the JSON chat API stays token-free); the session is cleared and re-issued at login and
expires 8 hours after it (absolute, whatever the activity); repeated failed logins per IP and
e-mail are refused for 15 minutes; pages cannot be framed and are not cached.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import secrets
import sqlite3
import threading
import time
import unicodedata
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Deque, Dict, FrozenSet, Iterable, List, Optional, Tuple

import click
from flask import (Blueprint, Response, abort, current_app, flash, get_flashed_messages, redirect,
                   render_template, request, session, url_for)
from flask.blueprints import BlueprintSetupState
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from bot import storage
from bot.settings import Settings
from web.pages import LANGS, page_strings, security_headers

bp = Blueprint("console", __name__, url_prefix="/console", cli_group=None)
csrf = CSRFProtect()

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10
# Checked when the e-mail is unknown, so a wrong e-mail costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))
_REBUILD_LOCK = threading.Lock()


# ------------------------------------------------------------------------- setup


class LoginThrottle:
    """Failed logins per key in a sliding window; in memory and per process, like the chat
    API's limiter (one web process per machine)."""

    def __init__(self) -> None:
        self._failures: Dict[str, Deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, window: float) -> Deque[float]:
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


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    """CSRF for the console only (the app sets WTF_CSRF_CHECK_DEFAULT=False), and one login
    throttle per app so tests start clean."""
    app = state.app
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    app.extensions["awex_login_throttle"] = LoginThrottle()


def _throttle() -> LoginThrottle:
    return current_app.extensions["awex_login_throttle"]


# ------------------------------------------------------------------------- language, auth


def console_lang() -> str:
    """?lang= switches the console's language and is remembered in the session."""
    lang = request.args.get("lang")
    if lang in LANGS:
        session["ui_lang"] = lang
        return lang
    stored = session.get("ui_lang")
    return stored if stored in LANGS else "fr"


def render(template: str, status: int = 200, **context: Any) -> Tuple[str, int]:
    lang = console_lang()
    s = page_strings(lang)
    messages = [s.get(f"console_{key}", key) for key in get_flashed_messages()]
    other = "en" if lang == "fr" else "fr"
    if request.method == "GET" and request.endpoint:
        args = {**request.args.to_dict(), **(request.view_args or {}), "lang": other}
        other_url = url_for(request.endpoint, **args)
    else:  # the answer to a form: switch language on a page that can be fetched again
        endpoint = "console.login" if request.endpoint == "console.login" else \
            "console.knowledge" if request.endpoint == "console.rebuild" else "console.overview"
        other_url = url_for(endpoint, lang=other)
    return render_template(f"console/{template}", lang=lang, s=s, flashes=messages,
                           other=other, other_url=other_url,
                           advisor_email=session.get("advisor_email"), **context), status


def _logged_in() -> bool:
    """A valid, unexpired login whose account still exists."""
    advisor_id, login_at = session.get("advisor_id"), session.get("login_at")
    if not isinstance(advisor_id, int) or not isinstance(login_at, (int, float)):
        return False
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if time.time() - login_at > lifetime:
        return False
    with storage.session_for(current_app.config["DATABASE_URL"]) as db:
        return db.get(storage.Advisor, advisor_id) is not None


def _safe_next(target: Optional[str]) -> Optional[str]:
    """Only console paths on this site: no open redirect after login."""
    if target and target.startswith("/console") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return None


@bp.before_request
def _guard() -> Any:
    if current_app.config.get("SECRET_PROBLEM"):
        # No secret of our own (web/__init__.py): a forged or guessed session must not open
        # the console, so nothing here is served; the page and the log say what to set.
        return render("message.html", status=503, title_key="console_disabled_title",
                      message_key="console_disabled")
    if request.method == "POST":
        csrf.protect()  # raises CSRFError, rendered by _csrf_failed
    if request.endpoint in ("console.login",):
        return None
    if not _logged_in():
        expired = "advisor_id" in session
        lang = session.get("ui_lang")
        session.clear()
        if lang:
            session["ui_lang"] = lang
        flash("session_expired" if expired else "login_required")
        next_url = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("console.login", next=_safe_next(next_url)))
    return None


@bp.after_request
def _headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    security_headers(response, frame_ancestors="'none'")
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError) -> Tuple[str, int]:
    return render("message.html", status=400, title_key="console_csrf_title",
                  message_key="console_csrf_failed")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_url = _safe_next(request.values.get("next"))
    if request.method == "GET":
        if _logged_in():
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

    with storage.session_for(current_app.config["DATABASE_URL"]) as db:
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
def logout() -> Response:
    lang = session.get("ui_lang")
    session.clear()
    if lang:
        session["ui_lang"] = lang
    flash("logged_out")
    return redirect(url_for("console.login"))


# ------------------------------------------------------------------------- overview and charts


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass
class Chart:
    """A grouped bar chart, laid out here so the template only draws rectangles."""

    width: int
    height: int
    bars: List[Bar]
    ticks: List[Tuple[float, str]]
    maximum: int
    legend: List[Tuple[int, str, int]]
    top: float
    baseline: float


def bar_chart(days: List[dt.date], series: List[Tuple[str, List[int]]],
              width: int = 640, height: int = 200) -> Chart:
    left, right, top, bottom = 34.0, 8.0, 12.0, 26.0
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = max([1] + [v for _, values in series for v in values])
    slot = plot_w / max(1, len(days))
    bar_w = slot * 0.8 / max(1, len(series))
    bars, ticks = [], []
    for d, day in enumerate(days):
        for k, (name, values) in enumerate(series):
            h = plot_h * values[d] / maximum
            x = left + d * slot + slot * 0.1 + k * bar_w
            bars.append(Bar(round(x, 1), round(top + plot_h - h, 1), round(bar_w, 1),
                            round(h, 1), k, f"{day.strftime('%d/%m')} · {name}: {values[d]}"))
        if len(days) <= 7 or (len(days) - 1 - d) % 2 == 0:
            ticks.append((round(left + d * slot + slot / 2, 1), day.strftime("%d/%m")))
    legend = [(k, name, sum(values)) for k, (name, values) in enumerate(series)]
    return Chart(width, height, bars, ticks, maximum, legend, top, top + plot_h)


def _day(value: dt.datetime | float) -> dt.date:
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc).date()
    return value.date()


@bp.get("/")
def overview() -> Tuple[str, int]:
    s = page_strings(console_lang())
    days_count = 14
    today = dt.datetime.now(dt.timezone.utc).date()
    days = [today - dt.timedelta(days=days_count - 1 - i) for i in range(days_count)]
    index = {d: i for i, d in enumerate(days)}
    since = dt.datetime.combine(days[0], dt.time.min)

    questions, answered, declined = [0] * days_count, [0] * days_count, [0] * days_count
    tracker = Tracker(tracker_path())
    tracker_ok = tracker.daily(since.replace(tzinfo=dt.timezone.utc).timestamp(), index,
                               questions, answered, declined)

    up, down = [0] * days_count, [0] * days_count
    url = current_app.config["DATABASE_URL"]
    with storage.session_for(url) as db:
        for helpful, created in db.execute(
                select(storage.Feedback.helpful, storage.Feedback.created_at)
                .where(storage.Feedback.created_at >= since)):
            i = index.get(_day(created))
            if i is not None:
                (up if helpful else down)[i] += 1
        open_unanswered = len(list(db.scalars(
            select(storage.UnansweredQuestion.id).where(
                storage.UnansweredQuestion.handled.is_(False)).limit(10000))))
        leads = len(list(db.scalars(select(storage.Lead.id).limit(10000))))

    charts = [
        ("console_chart_questions", bar_chart(days, [(s["console_questions"], questions)])),
        ("console_chart_answers", bar_chart(days, [(s["console_answered"], answered),
                                                   (s["console_declined"], declined)])),
        ("console_chart_feedback", bar_chart(days, [(s["console_helpful"], up),
                                                    (s["console_not_helpful"], down)])),
    ]
    return render("overview.html", section="overview", charts=charts, tracker_ok=tracker_ok,
                  open_unanswered=open_unanswered, leads=leads)


# ------------------------------------------------------------------------- unanswered questions

STOP_WORDS = frozenset("""
a au aux avec ce ces cette comment d de des du en est et il je la le les leur mon ma mes ne
nous on ou par pas pour qu que quel quelle quelles quels qui sa se son sur ta te un une vos
votre vous y l s c j n m t est-ce peut peux puis faut
an and are can do does for from how i in is it my of on or our the to what when where which
who why will with you your me we be
""".split())


def normalise(text: str) -> str:
    """Lowercase, accents and punctuation folded away: "Coût ?" and "cout" compare equal."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", folded).strip()


def tokens(text: str) -> FrozenSet[str]:
    return frozenset(w for w in normalise(text).split() if w not in STOP_WORDS and len(w) > 1)


def similar(a: FrozenSet[str], b: FrozenSet[str], threshold: float = 0.5) -> bool:
    """Token overlap (Jaccard) at or above `threshold`; good enough to gather rewordings."""
    if not a or not b:
        return a == b
    return len(a & b) / len(a | b) >= threshold


@dataclass
class QuestionGroup:
    question: str
    tokens: FrozenSet[str]
    ids: List[int] = field(default_factory=list)
    variants: List[str] = field(default_factory=list)
    languages: List[str] = field(default_factory=list)
    last_seen: Optional[dt.datetime] = None
    closest: Optional[str] = None
    handled: bool = True

    @property
    def count(self) -> int:
        return len(self.ids)


def top_candidate(candidates: Iterable[Dict[str, Any]]) -> Optional[str]:
    """The id of the best-scored candidate article, if any."""
    best = max((c for c in candidates if isinstance(c, dict) and c.get("id")),
               key=lambda c: float(c.get("score") or 0.0), default=None)
    return str(best["id"]) if best else None


def group_questions(rows: List[storage.UnansweredQuestion]) -> List[QuestionGroup]:
    """Rows newest first -> groups newest first; each group is led by its newest wording."""
    groups: List[QuestionGroup] = []
    for row in rows:
        row_tokens = tokens(row.question)
        group = next((g for g in groups if similar(g.tokens, row_tokens)), None)
        if group is None:
            group = QuestionGroup(row.question, row_tokens, last_seen=row.created_at)
            groups.append(group)
        elif row.question not in group.variants and row.question != group.question \
                and len(group.variants) < 5:
            group.variants.append(row.question)
        group.ids.append(row.id)
        group.handled = group.handled and row.handled
        if row.language not in group.languages:
            group.languages.append(row.language)
        if group.closest is None:
            try:
                group.closest = top_candidate(row.candidates)
            except ValueError:
                pass
    return groups


@bp.get("/unanswered")
def unanswered() -> Tuple[str, int]:
    show_all = request.args.get("show") == "all"
    query = select(storage.UnansweredQuestion).order_by(
        storage.UnansweredQuestion.created_at.desc(), storage.UnansweredQuestion.id.desc())
    if not show_all:
        query = query.where(storage.UnansweredQuestion.handled.is_(False))
    with storage.session_for(current_app.config["DATABASE_URL"]) as db:
        rows = list(db.scalars(query.limit(2000)))
    return render("unanswered.html", section="unanswered", groups=group_questions(rows),
                  show_all=show_all)


@bp.post("/unanswered/handled")
def mark_handled() -> Response:
    ids = [int(part) for part in (request.form.get("ids") or "").split(",")
           if part.strip().isdigit()][:2000]
    if not ids:
        abort(400)
    with storage.session_for(current_app.config["DATABASE_URL"]) as db, db.begin():
        db.execute(update(storage.UnansweredQuestion)
                   .where(storage.UnansweredQuestion.id.in_(ids)).values(handled=True))
    flash("marked_handled")
    return redirect(url_for("console.unanswered"))


# ------------------------------------------------------------------------- feedback and leads


@bp.get("/feedback")
def feedback() -> Tuple[str, int]:
    with storage.session_for(current_app.config["DATABASE_URL"]) as db:
        rows = list(db.scalars(select(storage.Feedback).order_by(
            storage.Feedback.helpful.asc(), storage.Feedback.created_at.desc()).limit(1000)))
    items = []
    for row in rows:
        try:
            sources = [src for src in row.sources if isinstance(src, dict)]
        except ValueError:
            sources = []
        items.append({"row": row, "sources": [
            {"title": str(src.get("title") or src.get("id") or ""),
             "url": str(src.get("url") or "")
             if str(src.get("url") or "").startswith(("http://", "https://")) else ""}
            for src in sources]})
    return render("feedback.html", section="feedback", items=items)


@bp.get("/leads")
def leads() -> Tuple[str, int]:
    with storage.session_for(current_app.config["DATABASE_URL"]) as db:
        rows = list(db.scalars(select(storage.Lead).order_by(storage.Lead.created_at.desc())
                               .limit(2000)))
    return render("leads.html", section="leads", leads=rows)


LEAD_COLUMNS = ("created_at", "name", "company", "email", "phone", "language",
                "conversation_id", "consent_text", "assessment_json")


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run: formulas are neutralised with a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@bp.get("/leads.csv")
def leads_csv() -> Response:
    with storage.session_for(current_app.config["DATABASE_URL"]) as db:
        rows = list(db.scalars(select(storage.Lead).order_by(storage.Lead.created_at.desc())))
    out = io.StringIO()
    out.write("\ufeff")  # so spreadsheet programs read UTF-8 accents correctly
    writer = csv.writer(out)
    writer.writerow(LEAD_COLUMNS)
    for row in rows:
        writer.writerow([csv_cell(row.created_at.isoformat(sep=" ", timespec="seconds")
                                  if column == "created_at" else getattr(row, column))
                         for column in LEAD_COLUMNS])
    name = f"awex-leads-{dt.date.today():%Y%m%d}.csv"
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


# ------------------------------------------------------------------------- conversations


def tracker_path() -> Path:
    configured = current_app.config.get("TRACKER_SQLITE_PATH")
    return Path(configured) if configured else Settings.from_env().var_dir / "rasa_tracker.db"


class Tracker:
    """Read-only access to Rasa's SQLite tracker store (table `events`). Every method copes
    with the file or the table not existing yet: Rasa creates them on its first message."""

    def __init__(self, path: Path):
        self.path = path

    def _query(self, sql: str, params: Tuple[Any, ...] = ()) -> Optional[List[Tuple[Any, ...]]]:
        if not self.path.is_file():
            return None
        try:
            uri = self.path.resolve().as_uri() + "?mode=ro"
            with sqlite3.connect(uri, uri=True, timeout=5) as connection:
                return connection.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            current_app.logger.info("tracker store not readable: %s", exc)
            return None

    def conversations(self, limit: int = 200) -> Optional[List[Dict[str, Any]]]:
        rows = self._query(
            "SELECT sender_id, MIN(timestamp), MAX(timestamp), "
            "SUM(CASE WHEN type_name = 'user' THEN 1 ELSE 0 END), COUNT(*) "
            "FROM events WHERE type_name IN ('user', 'bot') GROUP BY sender_id "
            "ORDER BY MAX(timestamp) DESC LIMIT ?", (limit,))
        if rows is None:
            return None
        return [{"id": r[0], "started": _when(r[1]), "last": _when(r[2]), "questions": r[3],
                 "messages": r[4]} for r in rows]

    def transcript(self, sender_id: str) -> Optional[List[Dict[str, Any]]]:
        rows = self._query("SELECT type_name, timestamp, data FROM events WHERE sender_id = ? "
                           "AND type_name IN ('user', 'bot') ORDER BY timestamp, id",
                           (sender_id,))
        if rows is None:
            return None
        lines = []
        for type_name, timestamp, data in rows:
            try:
                event = json.loads(data or "{}")
            except ValueError:
                event = {}
            if not isinstance(event, dict):
                event = {}
            lines.append({"speaker": type_name, "when": _when(timestamp),
                          "text": str(event.get("text") or ""),
                          "kind": _payload_type(event) if type_name == "bot" else None})
        return lines

    def daily(self, since: float, index: Dict[dt.date, int], questions: List[int],
              answered: List[int], declined: List[int]) -> bool:
        """Fill questions per day and answered/declined knowledge turns; False if no store."""
        rows = self._query("SELECT type_name, timestamp, data FROM events WHERE timestamp >= ? "
                           "AND (type_name = 'user' OR (type_name = 'bot' AND data LIKE ?))",
                           (since, '%"kb_%'))
        if rows is None:
            return False
        for type_name, timestamp, data in rows:
            i = index.get(_day(float(timestamp)))
            if i is None:
                continue
            try:
                event = json.loads(data or "{}")
            except ValueError:
                continue
            if not isinstance(event, dict):
                continue
            if type_name == "user":
                # a typed question, not a button payload such as /request_advisor
                if not str(event.get("text") or "").startswith("/"):
                    questions[i] += 1
                continue
            kind = _payload_type(event)
            if kind == "kb_answer":
                answered[i] += 1
            elif kind == "kb_no_answer":
                declined[i] += 1
        return True


def _payload_type(event: Dict[str, Any]) -> Optional[str]:
    """The `type` of the machine-readable payload a bot event carries (kb_answer, ...)."""
    data = event.get("data")
    custom = data.get("custom") if isinstance(data, dict) else None
    kind = custom.get("type") if isinstance(custom, dict) else None
    return kind if isinstance(kind, str) else None


def _when(timestamp: Any) -> str:
    try:
        moment = dt.datetime.fromtimestamp(float(timestamp), dt.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return ""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


@bp.get("/conversations")
def conversations() -> Tuple[str, int]:
    items = Tracker(tracker_path()).conversations()
    return render("conversations.html", section="conversations", items=items or [],
                  available=items is not None)


@bp.get("/conversations/<sender_id>")
def conversation(sender_id: str) -> Tuple[str, int]:
    lines = Tracker(tracker_path()).transcript(sender_id[:128])
    if not lines:
        return render("message.html", status=404, section="conversations",
                      title_key="console_nav_conversations",
                      message_key="console_conversation_not_found")
    return render("conversation.html", section="conversations", sender_id=sender_id,
                  lines=lines)


def tracker_url() -> str:
    """Rasa's tracker store as a SQLAlchemy URL, for deletions: TRACKER_DB_URL (app config or
    environment, e.g. the PostgreSQL store at scale) when set, else the SQLite file read above."""
    configured = current_app.config.get("TRACKER_DB_URL") or os.environ.get("TRACKER_DB_URL")
    return configured or f"sqlite:///{tracker_path()}"


# What a deletion removes, in the order shown, with the sentence naming each kind.
FORGET_LABELS = (("tracker_events", "console_forget_tracker_events"),
                 ("leads", "console_nav_leads"), ("feedback", "console_nav_feedback"),
                 ("unanswered_questions", "console_nav_unanswered"))


@bp.post("/conversations/<sender_id>/forget")
def forget(sender_id: str) -> Tuple[str, int]:
    """Delete a conversation and everything stored under its id, on a person's request.

    Two steps, both POST with the CSRF token: without `confirm=1` the page counts what would be
    deleted and asks to confirm; with it, the deletion happens and the counts are shown."""
    sender_id = sender_id[:255]
    back = _safe_next(request.form.get("next")) or url_for("console.conversations")
    confirmed = request.form.get("confirm") == "1"
    try:
        counts = storage.forget_conversation(current_app.config["DATABASE_URL"], tracker_url(),
                                             sender_id, dry_run=not confirmed)
    except Exception:
        current_app.logger.exception("console: deleting conversation %s failed", sender_id)
        return render("forget.html", status=503, section="conversations", sender_id=sender_id,
                      back=back, failed=True, done=False, rows=[], total=0)
    if confirmed:
        current_app.logger.info("console: conversation %s deleted on request by %s: %s",
                                sender_id, session.get("advisor_email"), counts)
    rows = [(label, counts[kind]) for kind, label in FORGET_LABELS]
    return render("forget.html", section="conversations", sender_id=sender_id, back=back,
                  failed=False, done=confirmed, rows=rows, total=sum(counts.values()))


# ------------------------------------------------------------------------- knowledge health


def knowledge_health(settings: Settings) -> Dict[str, Any]:
    """Everything the knowledge page shows, from the advisors' files and the current index."""
    from bot.knowledge.articles import load_corpus
    from bot.knowledge.store import current_path, read_meta

    corpus = load_corpus(settings.knowledge_dir, stale_after_months=settings.stale_after_months)
    today = dt.date.today()
    per_lang = {lang: {"articles": 0, "sections": 0} for lang in LANGS}
    articles: Dict[str, Dict[str, Any]] = {}
    stale = []
    for article in corpus.articles:
        counts = per_lang.setdefault(article.lang, {"articles": 0, "sections": 0})
        counts["articles"] += 1
        counts["sections"] += len(article.sections)
        entry = articles.setdefault(article.id, {"id": article.id, "titles": {},
                                                 "reviewed": article.reviewed})
        entry["titles"][article.lang] = article.title
        entry["reviewed"] = min(entry["reviewed"], article.reviewed)
        age = (today.year - article.reviewed.year) * 12 + today.month - article.reviewed.month
        if age > settings.stale_after_months:
            stale.append({"id": article.id, "lang": article.lang, "title": article.title,
                          "reviewed": article.reviewed, "months": age})
    root = settings.knowledge_dir

    def issue_row(issue: Any) -> Dict[str, Any]:
        try:
            name = str(Path(issue.path).relative_to(root))
        except ValueError:
            name = str(issue.path)
        return {"file": name, "line": issue.line, "message": issue.message, "fix": issue.fix}

    index: Optional[Dict[str, Any]] = None
    current = current_path(settings.index_dir)
    if current is not None:
        try:
            index = read_meta(current)
        except (OSError, ValueError):
            index = None
    return {
        "per_lang": per_lang,
        "errors": [issue_row(i) for i in corpus.errors],
        "warnings": [issue_row(i) for i in corpus.warnings if i.code != "review-stale"],
        "stale": sorted(stale, key=lambda a: a["reviewed"]),
        "articles": sorted(articles.values(), key=lambda a: a["id"]),
        "index": index,
    }


@bp.get("/knowledge")
def knowledge() -> Tuple[str, int]:
    return render("knowledge.html", section="knowledge",
                  health=knowledge_health(Settings.from_env()), result=None)


@bp.post("/knowledge/rebuild")
def rebuild() -> Tuple[str, int]:
    """Build synchronously; one at a time per process, a second click gets "busy"."""
    from bot.knowledge.index import build_index

    settings = Settings.from_env()
    result: Dict[str, Any]
    if not _REBUILD_LOCK.acquire(blocking=False):
        result = {"status": "busy"}
    else:
        try:
            report = build_index(settings)
            result = {"status": report.status, "keys": report.keys, "embedded": report.embedded,
                      "reused": report.reused, "seconds": round(report.seconds, 1),
                      "errors": report.errors}
            current_app.logger.info("console: index rebuild by %s: %s",
                                    session.get("advisor_email"), report.status)
        except Exception:
            current_app.logger.exception("console: index rebuild failed")
            result = {"status": "crashed"}
        finally:
            _REBUILD_LOCK.release()
    status = 200 if result["status"] in ("built", "unchanged") else \
        409 if result["status"] == "busy" else 422 if result["status"] == "failed" else 500
    return render("knowledge.html", status=status, section="knowledge",
                  health=knowledge_health(settings), result=result)


# ------------------------------------------------------------------------- CLI


def _create_or_reset(email: str, password: str, reset: bool) -> str:
    email = email.strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise click.BadParameter(f"'{email}' is not an e-mail address", param_hint="EMAIL")
    if len(password) < MIN_PASSWORD:
        raise click.BadParameter(f"use at least {MIN_PASSWORD} characters",
                                 param_hint="--password")
    with storage.session_for(current_app.config["DATABASE_URL"]) as db, db.begin():
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

