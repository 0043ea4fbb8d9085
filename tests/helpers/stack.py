"""Talking to the running stack as its users do: a chat through the public API, the `bot` CLI."""
from __future__ import annotations

import os
import subprocess
import sys

import requests

from bot.settings import ROOT


def run_bot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run the `bot` CLI as an advisor would, with the stack's environment."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=600)


class Chat:
    """A conversation through the public API, as the widget holds it: the first message
    sends no session, and the server's reply carries the conversation's token, sent back
    with every later message (`name` only labels the conversation in the test)."""

    def __init__(self, base_url: str, name: str = "", lang: str = "fr"):
        self.url, self.name, self.lang = base_url + "/api/chat", name, lang
        self.session: str | None = None  # the token the server issued

    @property
    def conversation_id(self) -> str:
        """The id Rasa's tracker store and the app database know the conversation by."""
        assert self.session, "say something first"
        return self.session.split(".")[0]

    def say(self, text: str) -> list[dict]:
        body = {"message": text, "lang": self.lang}
        if self.session:
            body["session"] = self.session
        reply = requests.post(self.url, json=body, timeout=60)
        assert reply.status_code == 200, reply.text
        self.session = reply.json()["session"]
        return reply.json()["messages"]


def payloads(messages: list[dict]) -> list[dict]:
    return [m["payload"] for m in messages if "payload" in m]
