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
from typing import Dict, List

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
    """A conversation through the public API, as the widget holds it."""

    def __init__(self, base_url: str, session: str, lang: str = "fr"):
        self.url, self.session, self.lang = base_url + "/api/chat", session, lang

    def say(self, text: str) -> List[Dict]:
        reply = requests.post(self.url, json={"session": self.session, "message": text,
                                              "lang": self.lang}, timeout=60)
        assert reply.status_code == 200, reply.text
        return reply.json()["messages"]


def payloads(messages: List[Dict]) -> List[Dict]:
    return [m["payload"] for m in messages if "payload" in m]
