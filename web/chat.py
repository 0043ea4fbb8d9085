"""The chat API the widget calls: validate, rate-limit, forward to Rasa's REST channel.

Rasa answers one bot utterance as a text message followed by a `custom` message (the payload);
`merge_messages` folds them back together so the widget gets one object per utterance.

The server issues conversation ids and only takes back the tokens it signed, and a message
starting with "/" is an intent only when the bot offered that button (web/conversations.py).
Rate limits (Flask-Limiter, moving window of one minute): per conversation, shared by chat
and feedback, with new conversations counted per client address; and per client address. The
client address is the connecting one unless AWEX_TRUSTED_PROXIES says how many reverse
proxies' X-Forwarded-For to believe (ProxyFix, web/__init__.py). Limits are counted in memory,
or in Redis (RATELIMIT_STORAGE_URI) to be shared by several web processes; if Redis is
unreachable, in memory until it is back.
"""
from __future__ import annotations

import json
import math
import re
import time
from typing import Any

import requests
from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from flask_limiter import Limiter, RateLimitExceeded
from werkzeug.exceptions import RequestEntityTooLarge

from bot import storage
from bot.settings import LANGUAGES as LANGS
from web.conversations import Offers, issue_token, new_conversation_id, verify_token
from web.strings import ui_string

bp = Blueprint("chat", __name__)

# Lone UTF-16 surrogates (JSON "\ud800") cannot be encoded to UTF-8 by any database or by
# Rasa, and NUL is refused by PostgreSQL text columns: both are cleaned out of user text.
_UNENCODABLE = re.compile("[\ud800-\udfff]")
_http = requests.Session()


class ApiError(Exception):
    def __init__(self, status: int, key: str, lang: str = "fr", detail: str = ""):
        super().__init__(key)
        self.status, self.key, self.lang, self.detail = status, key, lang, detail


def client_address() -> str:
    """The client's address (ProxyFix has already put the trusted proxy's view in it)."""
    return request.remote_addr or "unknown"


def _peek_body() -> dict[str, Any]:
    """The JSON object of the request for the rate limiter's keys, or {}: read before the
    view validates it, never failing (the view answers what is wrong)."""
    if "awex_peek" not in g:
        body: Any = {}
        limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
        length = request.content_length
        if request.is_json and length is not None and length <= limit:
            try:
                body = json.loads(request.get_data(cache=True).decode("utf-8-sig"))
            except Exception:  # any unreadable body: the view's validation reports it
                body = {}
        g.awex_peek = body if isinstance(body, dict) else {}
    return g.awex_peek


def _conversation_key() -> str:
    """The conversation a verified token names; a request without one (a new conversation,
    or one the view will refuse) counts against its client address."""
    conversation = verify_token(str(current_app.secret_key), _peek_body().get("session") or "")
    return f"conversation:{conversation}" if conversation else f"new:{client_address()}"


def _limit(name: str) -> str:
    return f"{int(current_app.config[name])}/minute"


limiter = Limiter(key_func=client_address, key_prefix="awex")
per_conversation = limiter.shared_limit(lambda: _limit("RATE_LIMIT_PER_SESSION"),
                                        scope="conversation", key_func=_conversation_key)
per_address = limiter.shared_limit(lambda: _limit("RATE_LIMIT_PER_IP"), scope="address",
                                   key_func=client_address)


@bp.record_once
def _setup(state: BlueprintSetupState) -> None:
    app: Flask = state.app  # type: ignore[assignment]  # Flask's setup state holds a Flask
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    # Redis down: count in memory meanwhile rather than answer 500.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
    app.extensions["awex_offers"] = Offers(app.config["RATELIMIT_STORAGE_URI"])


def offers() -> Offers:
    return current_app.extensions["awex_offers"]


def reset_limits() -> None:
    """Forget every count (tests, benchmarks); a storage that is gone has nothing to forget."""
    if limiter.initialized:
        try:
            limiter.reset()
        except Exception:
            pass


@bp.errorhandler(RateLimitExceeded)
def _rate_limited(error: RateLimitExceeded) -> tuple[Response, int]:
    lang = _peek_body().get("lang")
    lang = lang if lang in LANGS else "fr"
    response = jsonify({"error": "rate_limited", "message": ui_string("error_rate_limited", lang)})
    current = limiter.current_limit  # the breached limit; window[0]: when a hit frees up
    wait = current.window[0] - time.time() if current is not None else 60
    response.headers["Retry-After"] = str(max(1, math.ceil(wait)))
    return response, 429


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> tuple[Response, int]:
    body = {"error": error.key, "message": ui_string(f"error_{error.key}", error.lang)}
    if error.detail:
        body["detail"] = error.detail
    return jsonify(body), error.status


@bp.after_request
def _cors(response: Response) -> Response:
    origin = request.headers.get("Origin")
    if origin and origin in current_app.config["ALLOWED_ORIGINS"]:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Vary"] = "Origin"
    return response


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_body(allowed: set, lang_hint: str = "fr") -> dict[str, Any]:
    """The request's JSON object, or a 4xx that says what is wrong with it."""
    if not request.is_json:
        raise ApiError(415, "not_json", lang_hint, "send Content-Type: application/json")
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and (request.content_length or 0) > limit:
        raise ApiError(413, "too_large", lang_hint, f"the body is larger than {limit} bytes")
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:  # no or wrong Content-Length, caught while reading
        raise ApiError(413, "too_large", lang_hint, f"the body is larger than {limit} bytes")
    try:
        # utf-8-sig: a leading byte order mark is tolerated; NaN and Infinity are not JSON.
        body = json.loads(raw.decode("utf-8-sig"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "bad_json", lang_hint, "the body is not valid UTF-8 JSON")
    if not isinstance(body, dict):
        raise ApiError(400, "bad_json", lang_hint, "the body must be a JSON object")
    if body.get("lang") in LANGS:  # errors about other fields in the asker's language
        lang_hint = body["lang"]
    unknown = sorted(set(body) - allowed)
    if unknown:
        shown = ", ".join(name[:40] for name in unknown[:5])
        raise ApiError(400, "bad_field", lang_hint, f"unknown field(s): {shown}")
    return body


def clean_text(text: str) -> str:
    """User text that every store accepts: lone surrogates become U+FFFD, NUL is dropped."""
    return _UNENCODABLE.sub("\ufffd", text).replace("\x00", "")


def _lang(body: dict[str, Any]) -> str:
    lang = body.get("lang", "fr")
    if not isinstance(lang, str) or lang not in LANGS:
        raise ApiError(400, "bad_field", "fr", "lang must be 'fr' or 'en'")
    return lang


def _conversation(body: dict[str, Any], lang: str) -> tuple[str, str]:
    """(conversation id, token): a new conversation when the body names none, else the one
    its token names; a token this app did not sign is refused (403) before Rasa is asked."""
    token = body.get("session")
    secret = str(current_app.secret_key)
    if token is None:
        conversation = new_conversation_id()
        return conversation, issue_token(secret, conversation)
    if not isinstance(token, str):
        raise ApiError(400, "bad_field", lang, "session must be the token the server issued")
    verified = verify_token(secret, token)
    if verified is None:
        raise ApiError(403, "forbidden", lang,
                       "this conversation was not started here: send no session to start one")
    return verified, token


def merge_messages(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One object per bot utterance: text, buttons and the machine-readable payload."""
    messages: list[dict[str, Any]] = []
    for item in raw:
        if "custom" in item and messages and "payload" not in messages[-1] \
                and "text" in messages[-1]:
            messages[-1]["payload"] = item["custom"]
            continue
        message: dict[str, Any] = {}
        if item.get("text"):
            message["text"] = item["text"]
        if item.get("buttons"):
            message["buttons"] = [{"title": b.get("title", ""), "payload": b.get("payload", "")}
                                  for b in item["buttons"]]
        if "custom" in item:
            message["payload"] = item["custom"]
        if message:
            messages.append(message)
    return messages


def ask_rasa(session: str, text: str, lang: str) -> list[dict[str, Any]]:
    """Send one message to Rasa's REST channel; unreachable or failing Rasa -> 503."""
    url = current_app.config["RASA_URL"].rstrip("/") + "/webhooks/rest/webhook"
    try:
        reply = _http.post(url, json={"sender": session, "message": text,
                                      "metadata": {"lang": lang}},
                           timeout=current_app.config["RASA_TIMEOUT"])
    except requests.RequestException:
        raise ApiError(503, "unavailable", lang)
    if reply.status_code != 200:
        raise ApiError(503, "unavailable", lang)
    try:
        raw = reply.json()
    except ValueError:
        raise ApiError(503, "unavailable", lang)
    messages = merge_messages(raw if isinstance(raw, list) else [])
    if not messages:
        # Rasa answers every message; nothing back means an action failed mid-turn.
        raise ApiError(503, "unavailable", lang)
    return messages


@bp.post("/api/chat")
@per_address
@per_conversation
def chat() -> Response:
    body = _json_body({"session", "message", "lang"})
    lang = _lang(body)
    conversation, token = _conversation(body, lang)
    message = body.get("message")
    if not isinstance(message, str):
        raise ApiError(400, "bad_field", lang, "message must be a string")
    message = clean_text(message).strip()
    if not message:
        raise ApiError(400, "empty", lang)
    if len(message) > current_app.config["MAX_MESSAGE_CHARS"]:
        raise ApiError(413, "too_long", lang)
    messages = ask_rasa(conversation, offers().to_rasa(conversation, message), lang)
    offers().remember(conversation, messages)
    return jsonify({"session": token, "messages": messages})


SOURCE_FIELDS = ("id", "title", "url")


def _valid_source(source: Any) -> bool:
    """A source the widget sends: an object whose id, title and url are short strings."""
    return isinstance(source, dict) and all(
        isinstance(source.get(k, ""), str) and len(source.get(k, "")) <= 2000
        for k in SOURCE_FIELDS)


@bp.post("/api/feedback")
@per_address
@per_conversation
def feedback() -> tuple[Response, int]:
    body = _json_body({"session", "helpful", "question", "answer", "sources", "lang"})
    lang = _lang(body)
    session, _token = _conversation(body, lang)
    helpful = body.get("helpful")
    if not isinstance(helpful, bool):
        raise ApiError(400, "bad_field", lang, "helpful must be true or false")
    question, answer = body.get("question", ""), body.get("answer", "")
    sources = body.get("sources", [])
    if not isinstance(question, str) or not isinstance(answer, str) \
            or len(question) > 2000 or len(answer) > 5000:
        raise ApiError(400, "bad_field", lang, "question and answer must be short strings")
    if not isinstance(sources, list) or len(sources) > 10 \
            or not all(_valid_source(s) for s in sources):
        raise ApiError(400, "bad_field", lang,
                       "sources must be a list of at most 10 {id, title, url} strings")
    clean_sources = [{k: clean_text(s.get(k, ""))[:500] for k in SOURCE_FIELDS}
                     for s in sources]
    question, answer = clean_text(question), clean_text(answer)
    try:
        with storage.session_for(current_app.config["DATABASE_URL"]) as db, db.begin():
            db.add(storage.Feedback(conversation_id=session, question=question,
                                    answer_excerpt=answer[:1000], helpful=helpful,
                                    sources_json=json.dumps(clean_sources, ensure_ascii=False)))
    except Exception:
        current_app.logger.exception("feedback not stored")
        raise ApiError(503, "storage", lang)
    return jsonify({"stored": True}), 201
