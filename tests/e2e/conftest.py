"""The whole stack (Rasa + action server + web app) on spare ports, once per test session.

The stack serves a copy of the knowledge base and its own index in a temporary folder, so tests
can edit articles and rebuild (hot reload) without touching the repository's files.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests

from bot.settings import ROOT
from scripts.stack import Ports, running_stack


def run_bot(env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run the `bot` CLI as an advisor would, with the stack's environment."""
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """Real processes on ports that do not clash with a `make run` in another terminal."""
    work = tmp_path_factory.mktemp("stack")
    shutil.copytree(ROOT / "knowledge", work / "knowledge")
    env = {"TRACKER_SQLITE_PATH": str(work / "tracker.db"),
           "DATABASE_URL": f"sqlite:///{work / 'app.db'}",
           "AWEX_KNOWLEDGE_DIR": str(work / "knowledge"),
           "AWEX_INDEX_DIR": str(work / "index"),
           "HF_HUB_OFFLINE": "1"}
    # The key embeddings `make` already computed for the shipped corpus are reused (the cache
    # is keyed by model and text), so the stack's own build embeds only what tests change.
    cache = ROOT / "var" / "index" / "cache"
    if cache.is_dir():
        shutil.copytree(cache, work / "index" / "cache")
    started = time.perf_counter()
    built = run_bot(env, "build", "--quiet")
    assert built.returncode == 0, built.stderr
    print(f"\n[timing] full build of the shipped corpus from scratch: "
          f"{time.perf_counter() - started:.1f}s (process start and model load included) — "
          f"{built.stdout.strip().splitlines()[-1]}")
    with running_stack(Ports(rasa=15005, actions=15055, web=18080), work / "logs", env) as s:
        s.work, s.test_env = work, env
        yield s


class Chat:
    """A conversation through the public API, as the widget holds it: the first message
    sends no session, and the server's reply carries the conversation's token, sent back
    with every later message (`name` only labels the conversation in the test)."""

    def __init__(self, base_url: str, name: str = "", lang: str = "fr"):
        self.url, self.name, self.lang = base_url + "/api/chat", name, lang
        self.session: Optional[str] = None  # the token the server issued

    @property
    def conversation_id(self) -> str:
        """The id Rasa's tracker store and the app database know the conversation by."""
        assert self.session, "say something first"
        return self.session.split(".")[0]

    def say(self, text: str) -> List[Dict]:
        body = {"message": text, "lang": self.lang}
        if self.session:
            body["session"] = self.session
        reply = requests.post(self.url, json=body, timeout=60)
        assert reply.status_code == 200, reply.text
        self.session = reply.json()["session"]
        return reply.json()["messages"]


def payloads(messages: List[Dict]) -> List[Dict]:
    return [m["payload"] for m in messages if "payload" in m]
