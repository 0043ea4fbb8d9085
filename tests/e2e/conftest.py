"""The whole stack (Rasa + action server + web app) on spare ports, once per test session."""
from __future__ import annotations

from typing import Dict, List

import pytest
import requests

from scripts.stack import Ports, running_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """Real processes on ports that do not clash with a `make run` in another terminal."""
    work = tmp_path_factory.mktemp("stack")
    env = {"TRACKER_SQLITE_PATH": str(work / "tracker.db"),
           "DATABASE_URL": f"sqlite:///{work / 'app.db'}"}
    with running_stack(Ports(rasa=15005, actions=15055, web=18080), work / "logs", env) as s:
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
