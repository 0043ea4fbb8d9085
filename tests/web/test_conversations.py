"""web/conversations.py: tokens, remembered offers, the neutralised slash checked against
Rasa 3.6's own parser, and offers and rate limits shared through Redis by two web processes."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.knowledge.engine import choose_article_payload
from tests.helpers.ports import free_port
from web import chat, create_app
from web.conversations import (
    NEUTRAL_PREFIX,
    MemoryOffers,
    Offers,
    issue_token,
    neutralise,
    new_conversation_id,
    offers_in,
    verify_token,
)

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / "var" / "venv-rasa" / "bin" / "python"


def test_tokens_round_trip_and_refuse_tampering():
    conversation = new_conversation_id()
    assert len(conversation) == 32 and conversation != new_conversation_id()
    token = issue_token("s" * 40, conversation)
    assert verify_token("s" * 40, token) == conversation
    assert verify_token("t" * 40, token) is None
    for bad in (token[:-1], token + "A", conversation, "", "x" * 500, None, 12,
                issue_token("s" * 40, "not-an-issued-id")):
        assert verify_token("s" * 40, bad) is None, bad


def test_offers_of_a_turn():
    messages = [{"text": "Voir [JD](kb:jd-worldwide) ou [x](https://e.org).",
                 "buttons": [{"title": "Oui", "payload": "/affirm"},
                             {"title": "Tmall", "payload": "Combien coûte Tmall ?"}]},
                {"text": "Et [Tmall](kb:tmall-global)."}]
    buttons, links = offers_in(messages)
    assert buttons == {"/affirm"}  # text suggestions are not intents
    assert links == (choose_article_payload("jd-worldwide"), choose_article_payload("tmall-global"))


def test_last_turn_buttons_and_every_article_link():
    offers = Offers()
    offers.remember("c1", [{"text": "[A](kb:a)", "buttons": [{"title": "Oui",
                                                              "payload": "/affirm"}]}])
    assert offers.to_rasa("c1", "/affirm") == "/affirm"
    assert offers.to_rasa("c2", "/affirm") == NEUTRAL_PREFIX + "/affirm"
    offers.remember("c1", [{"text": "Merci."}])
    assert offers.to_rasa("c1", "/affirm") == NEUTRAL_PREFIX + "/affirm"
    assert offers.to_rasa("c1", choose_article_payload("a")) == choose_article_payload("a")
    assert offers.to_rasa("c2", "/request_advisor") == "/request_advisor"
    assert offers.to_rasa("c1", "bonjour / hello") == "bonjour / hello"
    assert neutralise("/x") == "\u2060/x" and not "\u2060".isspace()


def test_memory_offers_are_bounded_and_expire(monkeypatch):
    store = MemoryOffers(max_conversations=2, ttl=10)
    for name in ("a", "b", "c"):
        store.put(name, frozenset({"/x"}), ())
    assert store.get("a") == (frozenset(), ()) and store.get("c")[0] == {"/x"}
    import web.conversations as module

    now = module.time.monotonic()
    monkeypatch.setattr(module.time, "monotonic", lambda: now + 11)
    assert store.get("c") == (frozenset(), ())


@pytest.mark.slow
@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="needs the Rasa environment (make setup)")
def test_rasa_reads_a_neutralised_message_as_text():
    """Against Rasa 3.6's own code: UserMessage strips whitespace, then YAMLStoryReader
    (RegexMessageHandler) unpacks `/intent{entities}`; with the joiner in front it does not,
    and the whitespace tokenizer drops the joiner."""
    script = """
import json, sys
from rasa.core.channels.channel import UserMessage
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.training_data.message import Message
domain = Domain.from_yaml('version: "3.1"\\nintents: [restart, inform, choose_article]\\n'
                          'entities: [kb_article, lead_email]\\n')
tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
out = []
for text in json.loads(sys.argv[1]):
    message = YAMLStoryReader.unpack_regex_message(Message({"text": UserMessage(text).text}),
                                                   domain)
    tokens = [t.text for t in tokenizer.tokenize(Message({"text": text}), "text")]
    out.append([(message.get("intent") or {}).get("name"), tokens])
print("RESULT" + json.dumps(out))
"""
    typed = ["/restart", '/inform{"lead_email": "x@y.z"}', '/choose_article{"kb_article":"x"}']
    texts = typed + [neutralise(t) for t in typed]
    done = subprocess.run([str(RASA_PYTHON), "-c", script, json.dumps(texts)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(done.stdout.split("RESULT", 1)[1])
    assert [r[0] for r in results[:3]] == ["restart", "inform", "choose_article"]  # as before
    assert [r[0] for r in results[3:]] == [None, None, None]  # now text for NLU
    assert results[3][1] == ["restart"]  # what NLU sees: the word, no joiner


# ------------------------------------------------------------------------- Redis


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    from tests.helpers.services import redis

    with redis(free_port()) as url:
        yield url


@pytest.mark.services
def test_two_web_processes_share_limits_and_offers_through_redis(tmp_path, monkeypatch,
                                                                redis_url):
    """Behind a load balancer, a conversation's budget and its offered buttons are the same
    whichever web process answers."""
    sent = []

    class Reply:
        status_code = 200

        def json(self):
            return [{"text": "Votre accord ?", "buttons": [{"title": "Oui",
                                                            "payload": "/affirm"}]}]

    class Http:
        def post(self, url, json, timeout):
            sent.append(json)
            return Reply()

    monkeypatch.setattr(chat, "_http", Http())
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", redis_url + "/3")
    monkeypatch.setenv("AWEX_VAR_DIR", str(tmp_path / "var"))
    config = {"TESTING": True, "SECRET_KEY": "shared-secret-" + "x" * 20,
              "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "RATE_LIMIT_PER_SESSION": 5,
              "RATE_LIMIT_PER_IP": 100}
    first = create_app(test_config=config)
    first.extensions["awex_offers"].clear()
    chat.reset_limits()
    second = create_app(test_config=config)  # the limiter now counts in the same Redis
    one, two = first.test_client(), second.test_client()
    token = one.post("/api/chat", json={"message": "bonjour"}).get_json()["session"]
    assert two.post("/api/chat", json={"session": token, "message": "/affirm"}
                    ).status_code == 200
    assert sent[-1]["message"] == "/affirm"  # the offer made by the first process
    statuses = [(one if n % 2 else two).post("/api/chat", json={"session": token,
                                                                "message": "x"}).status_code
                for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # 5 per conversation across both
    import redis

    assert type(chat.limiter.storage).__name__ == "RedisStorage"
    keys = [k.decode() for k in redis.Redis.from_url(redis_url + "/3").keys("*")]
    assert any("conversation" in k for k in keys) and any("awex:offers:" in k for k in keys)
    chat.reset_limits()
