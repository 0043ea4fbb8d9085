"""Who owns a conversation, and which intents its user may send.

Why: the chat API used to take any conversation id the client chose, so whoever knew or
guessed one could speak in someone else's conversation (and confirm their advisor request);
and any message starting with "/" reached Rasa as an intent with entities
(`/inform{"lead_consent": true, ...}`), past every form's checks.

- Ownership: the server draws each conversation id (`secrets.token_urlsafe(24)`, 192 random
  bits) and gives the client a token, the id signed with the app's secret (itsdangerous).
  The widget keeps the token in the tab's session storage and sends it back; a request naming
  a conversation by anything but a token this app signed is refused before Rasa is called.
- Intents: the app remembers, per conversation, the payloads of the buttons of the bot's last
  turn, the article links (`kb:`) of the knowledge answers it gave, and the widget's header
  button (`/request_advisor`). A message starting with "/" reaches Rasa as an intent only if it
  is one of them; otherwise a WORD JOINER (U+2060) goes in front of it. Rasa 3.6 unpacks a
  message as an intent when `text.strip().startswith("/")` (RegexMessageHandler, through
  YAMLStoryReader.unpack_regex_message); str.strip() leaves U+2060 (it is not whitespace), so
  the text goes through NLU like any sentence, and the tokenizer drops the invisible joiner.

The offers are kept in the process's memory (bounded, 24 hours), or in Redis when the rate
limits are (RATELIMIT_STORAGE_URI=redis://...), so that several web processes share them.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

from itsdangerous import BadSignature, Signer

from bot.knowledge.scoring import choose_article_payload  # light: no index, no model

log = logging.getLogger(__name__)

CONVERSATION_ID = re.compile(r"[A-Za-z0-9_-]{32}")  # token_urlsafe(24): 32 characters
SALT = "awex-conversation"
NEUTRAL_PREFIX = "\u2060"  # WORD JOINER: invisible, not whitespace for str.strip()
# Offered by the widget itself, at every turn (its header button), without entities.
ALWAYS_OFFERED = frozenset({"/request_advisor"})
# Article links in knowledge answers, as the widget turns them into a payload (widget.js).
KB_LINK = re.compile(r"\]\(kb:([a-z0-9]+(?:-[a-z0-9]+)*)\)")
MAX_LINKS = 100  # article links remembered per conversation
OFFER_TTL = 24 * 3600


def new_conversation_id() -> str:
    return secrets.token_urlsafe(24)


def issue_token(secret: str, conversation_id: str) -> str:
    """`<conversation id>.<signature>` (about 60 characters, URL-safe)."""
    return Signer(secret, salt=SALT).sign(conversation_id).decode("ascii")


def verify_token(secret: str, token: str) -> str | None:
    """The conversation id the token names, or None when this app did not sign it."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        value = Signer(secret, salt=SALT).unsign(token).decode("ascii")
    except (BadSignature, UnicodeError, ValueError):
        return None
    return value if CONVERSATION_ID.fullmatch(value) else None


def offers_in(messages: list[dict[str, Any]]) -> tuple[frozenset[str], tuple[str, ...]]:
    """(button payloads, article-link payloads) of one bot turn, as the API returns it."""
    buttons = frozenset(b["payload"] for m in messages for b in m.get("buttons", [])
                        if isinstance(b.get("payload"), str) and b["payload"].startswith("/"))
    links = tuple(choose_article_payload(a) for m in messages
                  for a in KB_LINK.findall(m.get("text") or ""))
    return buttons, links


def neutralise(text: str) -> str:
    """A message that Rasa reads as text even if it starts with '/'."""
    return NEUTRAL_PREFIX + text if text.startswith("/") else text


class MemoryOffers:
    """Offers per conversation in this process, least recently used dropped first."""

    def __init__(self, max_conversations: int = 50_000, ttl: float = OFFER_TTL):
        self._items: OrderedDict[str, tuple[float, frozenset[str], tuple[str, ...]]] = \
            OrderedDict()
        self._lock = threading.Lock()
        self.max_conversations, self.ttl = max_conversations, ttl

    def get(self, conversation: str) -> tuple[frozenset[str], tuple[str, ...]]:
        with self._lock:
            item = self._items.get(conversation)
            if item is None or item[0] < time.monotonic():
                return frozenset(), ()
            self._items.move_to_end(conversation)
            return item[1], item[2]

    def put(self, conversation: str, buttons: frozenset[str], links: tuple[str, ...]) -> None:
        with self._lock:
            self._items[conversation] = (time.monotonic() + self.ttl, buttons, links)
            self._items.move_to_end(conversation)
            while len(self._items) > self.max_conversations:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class RedisOffers:
    """Offers per conversation in Redis (one JSON value per conversation, expiring)."""

    def __init__(self, uri: str, ttl: int = OFFER_TTL):
        import redis

        self._redis = redis.Redis.from_url(uri, socket_timeout=2)
        self.ttl = ttl

    def _key(self, conversation: str) -> str:
        return f"awex:offers:{conversation}"

    def get(self, conversation: str) -> tuple[frozenset[str], tuple[str, ...]]:
        raw = self._redis.get(self._key(conversation))
        if not raw:
            return frozenset(), ()
        data = json.loads(raw)  # type: ignore[arg-type]  # redis-py's sync client: bytes
        return frozenset(data.get("buttons", [])), tuple(data.get("links", []))

    def put(self, conversation: str, buttons: frozenset[str], links: tuple[str, ...]) -> None:
        value = json.dumps({"buttons": sorted(buttons), "links": list(links)})
        self._redis.set(self._key(conversation), value, ex=self.ttl)

    def clear(self) -> None:
        for key in self._redis.scan_iter("awex:offers:*"):
            self._redis.delete(key)


class Offers:
    """What the bot offered in each conversation, and what a message may therefore be."""

    def __init__(self, storage_uri: str = "memory://"):
        redis = storage_uri.startswith(("redis://", "rediss://"))
        self.store = RedisOffers(storage_uri) if redis else MemoryOffers()
        # Redis unreachable: remember in this process meanwhile (buttons may then be taken
        # as text by another process: safe, and what the rate limits do too).
        self.fallback = MemoryOffers()

    def _get(self, conversation: str) -> tuple[frozenset[str], tuple[str, ...]]:
        try:
            return self.store.get(conversation)
        except Exception as exc:
            log.warning("offered buttons store unreachable (%s); using memory", type(exc).__name__)
            return self.fallback.get(conversation)

    def _put(self, conversation: str, buttons: frozenset[str], links: tuple[str, ...]) -> None:
        try:
            self.store.put(conversation, buttons, links)
        except Exception as exc:
            log.warning("offered buttons store unreachable (%s); using memory", type(exc).__name__)
            self.fallback.put(conversation, buttons, links)

    def remember(self, conversation: str, messages: list[dict[str, Any]]) -> None:
        """After a bot turn: its buttons replace the previous turn's, its article links add
        to the conversation's (they stay clickable in the transcript)."""
        buttons, links = offers_in(messages)
        _old_buttons, old_links = self._get(conversation)
        merged = tuple(dict.fromkeys(old_links + links))[-MAX_LINKS:]
        self._put(conversation, buttons, merged)

    def allows(self, conversation: str, message: str) -> bool:
        if message in ALWAYS_OFFERED:
            return True
        buttons, links = self._get(conversation)
        return message in buttons or message in links

    def to_rasa(self, conversation: str, message: str) -> str:
        """The text to send to Rasa: an offered payload as is, anything else as text."""
        if message.startswith("/") and not self.allows(conversation, message):
            return neutralise(message)
        return message

    def clear(self) -> None:
        self.store.clear()
        self.fallback.clear()
