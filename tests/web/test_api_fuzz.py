"""Fuzzing the JSON API (POST /api/chat, POST /api/feedback) through the Flask test client.

Whatever arrives — arbitrary JSON, wrong types in every field, unknown fields, huge or empty
bodies, bytes that are not UTF-8, deeply nested arrays, lone surrogates, wrong content types —
the answer is a 2xx for a valid request and otherwise a 4xx whose JSON body carries an `error`
key and a readable `message` taken from web/strings/; never a 5xx. After each fuzzing run the
server still answers a normal request. Rasa is replaced by a stub of the HTTP call: these tests
are about input handling. The rate limits are reset before every example so a 429 cannot hide
another error; their own tests are at the end.

Conversations: only a token the server issued names one (anything else: 403, nothing sent to
Rasa); a message starting with "/" reaches Rasa as an intent only when it is a button the bot
offered in that conversation's last turn (or the widget's advisor button), otherwise as text.
"""
from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import storage
from web import chat
from web.conversations import NEUTRAL_PREFIX, verify_token
from web.strings import ui_string

# The number of examples comes from the Hypothesis profile (tests/conftest.py: 200 in CI).
FUZZ = settings(deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])
LIMIT = 16 * 1024  # MAX_CONTENT_LENGTH in web/__init__.py
ERROR_KEYS = {"not_json", "bad_json", "bad_field", "empty", "too_long", "too_large",
              "rate_limited", "forbidden"}
CONVERSATION = re.compile(r"[A-Za-z0-9_-]{32}")  # 192 random bits
VALID = "<a token the server issued>"  # replaced by a real one in the tests
OFFERED = "/ask"  # the button FakeReply offers at every turn
CHAT_FIELDS = {"session", "message", "lang"}
FEEDBACK_FIELDS = {"session", "helpful", "question", "answer", "sources", "lang"}


class FakeReply:
    status_code = 200

    def __init__(self, sender: str):
        self.sender = sender

    def json(self) -> list[dict[str, Any]]:
        return [{"recipient_id": self.sender, "text": "Bonjour !",
                 "buttons": [{"title": "Tmall", "payload": "/ask"}]},
                {"recipient_id": self.sender, "custom": {"type": "kb_no_answer"}}]


class FakeHttp:
    """Stands in for chat._http (the requests session that posts to Rasa's REST channel)."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def post(self, url: str, json: dict[str, Any], timeout: float) -> FakeReply:
        assert url.endswith("/webhooks/rest/webhook")
        self.sent.append(json)
        return FakeReply(json["sender"])


@pytest.fixture
def rasa(monkeypatch: pytest.MonkeyPatch) -> FakeHttp:
    fake = FakeHttp()
    monkeypatch.setattr(chat, "_http", fake)
    return fake


# ------------------------------------------------------------------------- oracles


def clean(text: str) -> str:
    return re.sub("[\ud800-\udfff]", "\ufffd", text).replace("\x00", "")


def common_error(body: Any, allowed: set, token: str = "") -> tuple[int, str] | None:
    if not isinstance(body, dict):
        return 400, "bad_json"
    if set(body) - allowed:
        return 400, "bad_field"
    lang = body.get("lang", "fr")
    if not isinstance(lang, str) or lang not in ("fr", "en"):
        return 400, "bad_field"
    session = body.get("session")
    if session is not None and not isinstance(session, str):
        return 400, "bad_field"
    if session is not None and session != token:
        return 403, "forbidden"  # only a token the server issued names a conversation
    return None


def chat_expected(body: Any, token: str = "") -> tuple[int, str | None]:
    """(status, error key) the API must give for this JSON body."""
    error = common_error(body, CHAT_FIELDS, token)
    if error:
        return error
    message = body.get("message")
    if not isinstance(message, str):
        return 400, "bad_field"
    message = clean(message).strip()
    if not message:
        return 400, "empty"
    if len(message) > 1000:
        return 413, "too_long"
    return 200, None


def valid_source(source: Any) -> bool:
    return isinstance(source, dict) and all(
        isinstance(source.get(k, ""), str) and len(source.get(k, "")) <= 2000
        for k in ("id", "title", "url"))


def feedback_expected(body: Any, token: str = "") -> tuple[int, str | None]:
    error = common_error(body, FEEDBACK_FIELDS, token)
    if error:
        return error
    question, answer = body.get("question", ""), body.get("answer", "")
    sources = body.get("sources", [])
    if not isinstance(body.get("helpful"), bool) \
            or not isinstance(question, str) or not isinstance(answer, str) \
            or len(question) > 2000 or len(answer) > 5000 \
            or not isinstance(sources, list) or len(sources) > 10 \
            or not all(valid_source(s) for s in sources):
        return 400, "bad_field"
    return 201, None


def assert_readable_error(response, key: str | None = None) -> dict[str, Any]:
    """A 4xx with a JSON body whose message is the domain's sentence for its error key."""
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:300])
    assert response.is_json, response.get_data()[:300]
    body = response.get_json()
    assert body["error"] in ERROR_KEYS, body
    if key is not None:
        assert body["error"] == key, body
    assert isinstance(body["message"], str) and len(body["message"]) > 10
    assert body["message"] in (ui_string(f"error_{body['error']}", "fr"),
                               ui_string(f"error_{body['error']}", "en"))
    return body


def post_json(client, path: str, body: Any):
    """Posted the way a browser's JSON.stringify would (json.dumps escapes lone surrogates)."""
    return client.post(path, data=json.dumps(body), content_type="application/json")


def assert_still_serving(client) -> None:
    chat.reset_limits()
    response = client.post("/api/chat", json={"message": "Tmall ?", "lang": "en"})
    assert response.status_code == 200, response.get_data()[:300]
    assert response.get_json()["messages"][0]["text"] == "Bonjour !"
    feedback = client.post("/api/feedback", json={"session": response.get_json()["session"],
                                                  "helpful": True})
    assert feedback.status_code == 201


def start(client, message: str = "bonjour", **extra: Any) -> str:
    """A new conversation through the API; its token."""
    response = client.post("/api/chat", json={"message": message, **extra})
    assert response.status_code == 200, response.get_data()[:300]
    return response.get_json()["session"]


def with_token(body: Any, token: str) -> Any:
    """The body with the VALID placeholder replaced by a real token."""
    if isinstance(body, dict) and body.get("session") == VALID:
        return {**body, "session": token}
    return body


# ------------------------------------------------------------------------- strategies

scalars = (st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30))
json_values = st.recursive(
    scalars, lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=12)
# Text with what breaks encoders: lone surrogates, NUL, other controls, astral characters.
nasty_text = st.text(alphabet=st.characters(categories=["Cs", "Cc", "Zs", "Lo", "So", "Ll"]),
                     max_size=40)
# Client-chosen ids (what the API used to accept), forged or altered tokens, a real token.
sessions = (st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True)
            | st.sampled_from(["abcdefgh\n", "short", "a" * 65, "../../etc/passwd", "",
                               "abcdefgh\x00", "séssion-1234", "12345678",
                               "A" * 32 + ".forged-signature", "A" * 32 + "." + "x" * 27])
            | st.just(VALID) | json_values)
langs = st.sampled_from(["fr", "en", "de", "FR", "", None]) | json_values
typed_intents = st.sampled_from([
    OFFERED, "/request_advisor", "/restart", "/affirm", "/ask{}", " /ask",
    '/inform{"lead_consent": true, "lead_email": "x@y.z"}', '/choose_article{"kb_article":"nope"}'])
messages = (st.text(max_size=60) | nasty_text | st.sampled_from(["", "   ", "\x00", "\ud800"])
            | typed_intents
            | st.integers(990, 1010).map(lambda n: "é" * n) | json_values)
unknown_fields = st.dictionaries(
    st.text(max_size=10).filter(lambda k: k not in FEEDBACK_FIELDS), json_values, max_size=2)
sources = (st.lists(st.fixed_dictionaries({}, optional={
    "id": st.text(max_size=20) | json_values, "title": nasty_text | json_values,
    "url": st.just("https://example.org/a") | json_values,
    "date": json_values}), max_size=12) | json_values)


def with_unknown(fields: st.SearchStrategy, probability_strategy=st.booleans()):
    return st.tuples(fields, probability_strategy, unknown_fields).map(
        lambda t: {**t[0], **t[2]} if t[1] else t[0])


chat_bodies = with_unknown(st.fixed_dictionaries({}, optional={
    "session": sessions, "message": messages, "lang": langs}))
feedback_bodies = with_unknown(st.fixed_dictionaries({}, optional={
    "session": sessions, "helpful": st.booleans() | json_values,
    "question": st.text(max_size=50) | nasty_text | st.just("q" * 2001) | json_values,
    "answer": st.text(max_size=50) | st.integers(4990, 5010).map(lambda n: "a" * n)
    | json_values,
    "sources": sources, "lang": langs}))


# ------------------------------------------------------------------------- property tests


def test_chat_fields_of_every_type(app, client, rasa):
    token = start(client)  # this conversation's last turn offered the OFFERED button
    conversation = verify_token(app.secret_key, token)

    @FUZZ
    @given(body=chat_bodies)
    def run(body: dict[str, Any]) -> None:
        chat.reset_limits()
        rasa.sent.clear()
        body = with_token(body, token)
        response = post_json(client, "/api/chat", body)
        status, key = chat_expected(body, token)
        if len(json.dumps(body).encode()) > LIMIT:
            status, key = 413, "too_large"
        assert response.status_code == status, (body, response.get_data()[:300])
        if key:
            assert_readable_error(response, key)
            assert not rasa.sent  # nothing invalid reaches Rasa
            return
        reply = response.get_json()
        assert reply["messages"][0]["payload"] == {"type": "kb_no_answer"}
        sent = rasa.sent[-1]
        text = clean(body["message"]).strip()
        known = body.get("session") == token  # the FakeReply before offered OFFERED
        offered = text == "/request_advisor" or (known and text == OFFERED)
        if text.startswith("/") and not offered:
            text = NEUTRAL_PREFIX + text  # typed, not offered: text for NLU, not an intent
        assert sent["message"] == text, (body, sent)
        assert "\x00" not in sent["message"] and not re.search("[\ud800-\udfff]", sent["message"])
        assert CONVERSATION.fullmatch(sent["sender"])
        assert verify_token(app.secret_key, reply["session"]) == sent["sender"]
        if known:
            assert sent["sender"] == conversation and reply["session"] == token
        else:
            assert sent["sender"] != conversation  # a new conversation

    run()
    assert_still_serving(client)


def test_feedback_fields_of_every_type(app, client, rasa):
    token = start(client)

    @FUZZ
    @given(body=feedback_bodies)
    def run(body: dict[str, Any]) -> None:
        chat.reset_limits()
        body = with_token(body, token)
        response = post_json(client, "/api/feedback", body)
        status, key = feedback_expected(body, token)
        if len(json.dumps(body).encode()) > LIMIT:
            status, key = 413, "too_large"
        assert response.status_code == status, (body, response.get_data()[:300])
        if key:
            assert_readable_error(response, key)
        else:
            assert response.get_json() == {"stored": True}

    run()
    assert_still_serving(client)
    # Whatever was stored can be read back (no lone surrogate, no NUL in the database).
    rows = storage.recent(app.config["DATABASE_URL"], storage.Feedback, limit=1000)
    assert rows
    for row in rows:
        for text in (row.question, row.answer_excerpt, row.sources_json):
            assert "\x00" not in text and not re.search("[\ud800-\udfff]", text)
        assert isinstance(row.sources, list)


@pytest.mark.parametrize("path", ["/api/chat", "/api/feedback"])
def test_any_json_document(client, rasa, path):
    """Top-level JSON of any shape: only an object with the right fields gets through."""
    expected = chat_expected if path == "/api/chat" else feedback_expected

    @FUZZ
    @given(body=json_values)
    def run(body: Any) -> None:
        chat.reset_limits()
        response = post_json(client, path, body)
        status, key = expected(body)
        assert response.status_code == status, (body, response.get_data()[:300])
        if key:
            assert_readable_error(response, key)

    run()
    assert_still_serving(client)


@pytest.mark.parametrize("path", ["/api/chat", "/api/feedback"])
def test_arbitrary_bytes(client, rasa, path):
    """Random bytes, truncated JSON and invalid UTF-8 under a JSON content type."""
    valid = json.dumps({"message": "Tmall ?", "helpful": True, "lang": "fr"}).encode()
    garbage = (st.binary(max_size=2000)
               | st.integers(0, len(valid)).map(lambda n: valid[:n])
               | st.tuples(st.integers(0, len(valid)), st.binary(min_size=1, max_size=4)).map(
                   lambda t: valid[:t[0]] + t[1] + valid[t[0]:]))

    @FUZZ
    @given(raw=garbage)
    def run(raw: bytes) -> None:
        chat.reset_limits()
        response = client.post(path, data=raw, content_type="application/json")
        assert response.status_code < 500, (raw, response.get_data()[:300])
        if response.status_code >= 400:
            assert_readable_error(response)

    run()
    assert_still_serving(client)


@pytest.mark.parametrize("path", ["/api/chat", "/api/feedback"])
def test_content_types(client, rasa, path):
    """Only a JSON media type is read; every other content type is a readable 415."""
    body = json.dumps({"message": "Tmall ?"} if path == "/api/chat" else {"helpful": True})
    media = (st.sampled_from(["text/plain", "application/x-www-form-urlencoded",
                              "multipart/form-data; boundary=x", "application/xml", "",
                              "application/jsonp", "json", "application/octet-stream",
                              "text/json", "application/json-seq", "application/json",
                              "application/json; charset=utf-8", "application/problem+json"])
             | st.text(max_size=40).filter(lambda t: "\n" not in t and "\r" not in t))

    @FUZZ
    @given(content_type=media)
    def run(content_type: str) -> None:
        chat.reset_limits()
        response = client.post(path, data=body, headers={"Content-Type": content_type})
        mimetype = content_type.split(";")[0].strip().lower()
        is_json = mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json"))
        if is_json:
            assert response.status_code in (200, 201), response.get_data()[:300]
        else:
            assert response.status_code == 415, (content_type, response.get_data()[:300])
            assert_readable_error(response, "not_json")

    run()
    assert_still_serving(client)


# ------------------------------------------------------------------------- named cases


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


CASES = [
    ("empty body", b"", 400, "bad_json"),
    ("whitespace body", b" \n\t ", 400, "bad_json"),
    ("null", b"null", 400, "bad_json"),
    ("array", b"[]", 400, "bad_json"),
    ("string", b'"bonjour"', 400, "bad_json"),
    ("10 000 nested lists (too large)", nested(10_000), 413, "too_large"),
    ("8 000 nested lists (within the size limit)", nested(8_000), 400, "bad_json"),
    ("nested lists inside a field", b'{"message": ' + nested(5_000) + b"}", 400, "bad_json"),
    ("nested objects", b'{"a":' * 2500 + b"1" + b"}" * 2500, 400, "bad_json"),
    ("invalid UTF-8", b'{"message": "caf\xe9"}', 400, "bad_json"),
    ("UTF-16 body", '{"message": "x"}'.encode("utf-16"), 400, "bad_json"),
    ("binary", bytes(range(256)), 400, "bad_json"),
    ("NaN", b'{"message": "x", "lang": NaN}', 400, "bad_json"),
    ("Infinity", b'{"helpful": Infinity, "message": "x"}', 400, "bad_json"),
    ("truncated", b'{"message": "Tmall', 400, "bad_json"),
    ("oversized body", b'{"message": "' + b"a" * 20_000 + b'"}', 413, "too_large"),
    ("oversized escapes", b'{"message": "' + b"\\u00e9" * 3_000 + b'"}', 413, "too_large"),
    ("unknown field", b'{"message": "x", "helpful": true, "admin": true}', 400, "bad_field"),
    ("session with a newline", b'{"session": "abcdefgh\\n", "message": "x", "helpful": true}',
     400, "bad_field"),
    ("session with NUL", b'{"session": "abcdefgh\\u0000", "message": "x", "helpful": true}',
     400, "bad_field"),
]


@pytest.mark.parametrize("path", ["/api/chat", "/api/feedback"])
@pytest.mark.parametrize("name, raw, status, key", CASES, ids=[c[0] for c in CASES])
def test_named_bad_bodies(client, rasa, path, name, raw, status, key):
    if name == "unknown field" and path == "/api/chat":
        raw = b'{"message": "x", "admin": true}'
    response = client.post(path, data=raw, content_type="application/json")
    assert response.status_code == status, response.get_data()[:300]
    assert_readable_error(response, key)
    assert not rasa.sent
    assert_still_serving(client)


def test_huge_strings(client, rasa):
    too_long = client.post("/api/chat", json={"message": "a" * 1001, "lang": "en"})
    assert too_long.status_code == 413
    assert assert_readable_error(too_long, "too_long")["message"] == ui_string(
        "error_too_long", "en")
    exactly = client.post("/api/chat", json={"message": "  " + "é" * 1000 + "  "})
    assert exactly.status_code == 200
    long_question = client.post("/api/feedback", json={"helpful": True, "question": "q" * 2001})
    assert_readable_error(long_question, "bad_field")
    huge = client.post("/api/feedback", json={"helpful": True, "answer": "a" * 17_000})
    assert huge.status_code == 413 and assert_readable_error(huge, "too_large")


def test_body_without_content_length_is_still_limited(client, rasa):
    """A streamed body (no Content-Length) larger than the limit is cut and refused."""
    big = b'{"message": "' + b"a" * 40_000 + b'"}'
    response = client.post("/api/chat", input_stream=io.BytesIO(big),
                           content_type="application/json",
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413, response.get_data()[:300]
    assert_readable_error(response, "too_large")
    assert_still_serving(client)


def test_lone_surrogates_and_nul_are_cleaned_not_fatal(app, client, rasa):
    chat_reply = post_json(client, "/api/chat", {"message": "Tmall \ud83d ?\x00"})
    assert chat_reply.status_code == 200
    assert rasa.sent[-1]["message"] == "Tmall \ufffd ?"
    feedback = post_json(client, "/api/feedback", {
        "helpful": False, "question": "caf\udce9\x00", "answer": "\ud800",
        "sources": [{"id": "a\ud800", "title": "t", "url": "https://example.org"}]})
    assert feedback.status_code == 201, feedback.get_data()
    row = storage.recent(app.config["DATABASE_URL"], storage.Feedback)[0]
    assert (row.question, row.answer_excerpt) == ("caf\ufffd", "\ufffd")
    assert row.sources[0]["id"] == "a\ufffd"


def test_errors_speak_the_asker_language(client, rasa):
    english = post_json(client, "/api/chat", {"message": "x", "lang": "en", "extra": 1})
    assert assert_readable_error(english, "bad_field")["message"] == ui_string(
        "error_bad_field", "en")
    french = post_json(client, "/api/chat", {"message": "   ", "lang": "fr"})
    assert assert_readable_error(french, "empty")["message"] == ui_string("error_empty", "fr")


def test_wrong_methods_are_not_served(client):
    assert client.get("/api/chat").status_code == 405
    assert client.put("/api/feedback", json={}).status_code == 405


# ------------------------------------------------------------------------- conversations


def test_a_conversation_the_server_did_not_issue_is_refused(app, client, rasa):
    """Issue 14: any client-chosen id (even `12345678`) used to be accepted, so a second
    client could send `/affirm` into someone else's advisor request."""
    owner = start(client, "Parler à un conseiller")
    conversation = verify_token(app.secret_key, owner)
    rasa.sent.clear()
    for foreign in ("12345678", conversation, owner + "x", owner.split(".")[0] + ".AAAA",
                    "e2e-french-1", owner.upper()):
        for path, extra in (("/api/chat", {"message": "/affirm"}),
                            ("/api/feedback", {"helpful": True})):
            refused = client.post(path, json={"session": foreign, "lang": "en", **extra})
            assert refused.status_code == 403, (foreign, refused.get_data()[:200])
            body = assert_readable_error(refused, "forbidden")
            assert body["message"] == ui_string("error_forbidden", "en")
    assert not rasa.sent  # nothing reached Rasa
    assert client.post("/api/chat", json={"session": owner, "message": "merci"}
                       ).status_code == 200


def test_the_server_draws_the_ids(app, client, rasa):
    tokens = {start(client) for _ in range(20)}
    ids = {verify_token(app.secret_key, t) for t in tokens}
    assert len(ids) == 20 and all(CONVERSATION.fullmatch(i) for i in ids)
    assert {m["sender"] for m in rasa.sent} == ids


def test_a_token_signed_with_another_secret_is_refused(app, client, rasa):
    from web.conversations import issue_token

    for secret in ("dev-only-change-me", "test-secret-2"):
        forged = issue_token(secret, "A" * 32)
        response = client.post("/api/chat", json={"session": forged, "message": "x"})
        assert response.status_code == 403
    assert not rasa.sent


def test_only_offered_buttons_are_intents(client, rasa):
    """Issue 14: `/inform{"lead_consent": true, ...}` typed by a user reached Rasa as an intent
    with entities; now only the payloads of the bot's last buttons do."""
    token = start(client)  # the bot offered OFFERED
    typed = ['/inform{"lead_consent": true, "lead_email": "x@y.z"}',
             '/choose_article{"kb_article":"nope"}', "/restart", "/affirm", "/ask{}",
             "/ask @1.0", "/ask\n/affirm"]
    for text in typed:
        rasa.sent.clear()
        response = client.post("/api/chat", json={"session": token, "message": text})
        assert response.status_code == 200
        sent = rasa.sent[-1]["message"]
        # Rasa unpacks an intent when text.strip() starts with "/": not this one.
        assert not sent.strip().startswith("/"), sent
        assert sent == NEUTRAL_PREFIX + text.strip()
    for text in (OFFERED, "/request_advisor"):
        client.post("/api/chat", json={"session": token, "message": text})
        assert rasa.sent[-1]["message"] == text


def test_buttons_of_an_earlier_turn_are_text(client, rasa, monkeypatch):
    replies = [[{"text": "Votre accord ?", "buttons": [{"title": "Oui", "payload": "/affirm"}]}],
               [{"text": "Merci."}], [{"text": "Encore ?"}]]
    monkeypatch.setattr(FakeReply, "json", lambda self: replies.pop(0))
    token = start(client)
    assert client.post("/api/chat", json={"session": token, "message": "/affirm"}
                       ).status_code == 200
    assert rasa.sent[-1]["message"] == "/affirm"  # offered in the last turn
    client.post("/api/chat", json={"session": token, "message": "/affirm"})
    assert rasa.sent[-1]["message"] == NEUTRAL_PREFIX + "/affirm"  # no longer offered


def test_article_links_of_knowledge_answers_stay_clickable(client, rasa, monkeypatch):
    replies = [[{"text": "Voir [JD Worldwide](kb:jd-worldwide) et [x](kb:x-1)."}],
               [{"text": "Autre chose."}], [{"text": "JD."}], [{"text": "?"}]]
    monkeypatch.setattr(FakeReply, "json", lambda self: replies.pop(0))
    token = start(client)
    client.post("/api/chat", json={"session": token, "message": "merci"})
    client.post("/api/chat", json={"session": token,
                                   "message": '/choose_article{"kb_article":"jd-worldwide"}'})
    assert rasa.sent[-1]["message"] == '/choose_article{"kb_article":"jd-worldwide"}'
    client.post("/api/chat", json={"session": token,
                                   "message": '/choose_article{"kb_article":"tmall-global"}'})
    assert rasa.sent[-1]["message"].startswith(NEUTRAL_PREFIX)


def test_offers_of_one_conversation_do_not_open_another(client, rasa):
    start(client)  # offered OFFERED in its own conversation
    other = start(client, "bonjour", lang="en")
    rasa.sent.clear()
    client.post("/api/chat", json={"session": other, "message": '/inform{"lead_consent": true}'})
    assert rasa.sent[-1]["message"].startswith(NEUTRAL_PREFIX)


# ------------------------------------------------------------------------- rate limit


@pytest.fixture
def default_limits(app):
    """The shipped limits, whatever AWEX_RATE_LIMIT_* the shell running the tests has."""
    app.config.update(RATE_LIMIT_PER_SESSION=30, RATE_LIMIT_PER_IP=120)
    chat.reset_limits()


def assert_retry_after(response) -> int:
    """Issue 14: the 429 had no Retry-After."""
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    assert 1 <= wait <= 61, wait
    return wait


def test_thirty_messages_per_minute_per_conversation(client, rasa, default_limits):
    token = start(client)
    rasa.sent.clear()
    for i in range(30):
        response = client.post("/api/chat", json={"session": token,
                                                  "message": f"question {i}", "lang": "en"})
        assert response.status_code == 200, (i, response.get_data()[:200])
    refused = client.post("/api/chat", json={"session": token, "message": "one more",
                                             "lang": "en"})
    assert_retry_after(refused)
    body = assert_readable_error(refused, "rate_limited")
    assert body["message"] == ui_string("error_rate_limited", "en")
    assert "minute" in body["message"]
    assert len(rasa.sent) == 30  # the refused message never reached Rasa
    # Feedback from the same conversation counts against the same budget...
    fb = client.post("/api/feedback", json={"session": token, "helpful": True})
    assert fb.status_code == 429 and assert_readable_error(fb, "rate_limited")
    # ...another conversation is not affected.
    assert client.post("/api/chat", json={"message": "bonjour"}).status_code == 200


def test_new_conversations_do_not_bypass_the_limit(client, rasa, default_limits):
    """Issue 14: a client that changed its session id at every message was never limited per
    conversation; new conversations now count against the client's address."""
    statuses = [client.post("/api/chat", json={"message": "x"}).status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    other = client.post("/api/chat", json={"message": "x"},
                        environ_overrides={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_the_window_slides(client, rasa, monkeypatch, default_limits):
    import limits.storage.memory as memory

    clock = [1_000_000.0]
    monkeypatch.setattr(memory, "time", type("Clock", (), {"time": lambda: clock[0]}))
    monkeypatch.setattr(chat, "time", type("Clock", (), {"time": lambda: clock[0]}))
    token = start(client)
    for _ in range(30):
        assert client.post("/api/chat", json={"session": token, "message": "x"}
                           ).status_code == 200
    refused = client.post("/api/chat", json={"session": token, "message": "x"})
    assert assert_retry_after(refused) == 60
    clock[0] += 30
    assert assert_retry_after(client.post("/api/chat", json={"session": token, "message": "x"})
                              ) == 30
    clock[0] += 31
    assert client.post("/api/chat", json={"session": token, "message": "x"}
                       ).status_code == 200


def test_per_address_limit_across_conversations(client, rasa, default_limits):
    tokens = [start(client) for _ in range(5)]
    statuses = [client.post("/api/chat", json={"session": tokens[i % 5], "message": "x"}
                            ).status_code for i in range(116)]
    assert statuses[:115] == [200] * 115 and statuses[115] == 429  # 5 + 115 = 120


def test_forwarded_for_is_ignored_without_trusted_proxies(client, rasa, default_limits):
    """A client cannot pick a new address for each request with X-Forwarded-For."""
    statuses = [client.post("/api/chat", json={"message": "x"},
                            headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
                for i in range(31)]
    assert statuses[30] == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(app, rasa, default_limits,
                                                               monkeypatch):
    """Issue 14: behind a reverse proxy, every user shared the proxy's address (one budget
    for all). With AWEX_TRUSTED_PROXIES=1 the address is the one the proxy saw."""
    from web import create_app

    monkeypatch.setenv("AWEX_TRUSTED_PROXIES", "1")
    proxied = create_app(test_config={k: app.config[k] for k in (
        "TESTING", "SECRET_KEY", "DATABASE_URL", "RASA_URL", "TRACKER_SQLITE_PATH")})
    proxied.config.update(RATE_LIMIT_PER_SESSION=30, RATE_LIMIT_PER_IP=120)
    client = proxied.test_client()
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    tokens = [client.post("/api/chat", json={"message": "x"}, environ_overrides=proxy,
                          headers={"X-Forwarded-For": "203.0.113.5"}).get_json()["session"]
              for _ in range(4)]
    statuses = [client.post("/api/chat", json={"session": tokens[i % 4], "message": "x"},
                            environ_overrides=proxy,
                            headers={"X-Forwarded-For": "203.0.113.5"}).status_code
                for i in range(117)]
    assert statuses[:116] == [200] * 116 and statuses[116] == 429
    other = client.post("/api/chat", json={"message": "x"}, environ_overrides=proxy,
                        headers={"X-Forwarded-For": "203.0.113.6"})
    assert other.status_code == 200
    # Only the last hop counts: a client's own X-Forwarded-For entry changes nothing.
    spoofed = client.post("/api/chat", json={"message": "x"}, environ_overrides=proxy,
                          headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.5"})
    assert spoofed.status_code == 429
