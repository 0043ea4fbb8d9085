"""The whole stack (Rasa + action server + web app) on spare ports, once per test session.

The stack serves a copy of the knowledge base and its own index in a temporary folder, so tests
can edit articles and rebuild (hot reload) without touching the repository's files.
"""
from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest

from bot.settings import ROOT
from scripts.stack import Ports, running_stack
from tests.helpers.ports import free_ports
from tests.helpers.stack import run_bot
from tests.web.test_widget_browser import browser  # noqa: F401 (fixture, for `page`)


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """Real processes on free ports the OS gives (no clash with a `make run` in another
    terminal, nor with a second test run)."""
    work = tmp_path_factory.mktemp("stack")
    shutil.copytree(ROOT / "knowledge", work / "knowledge")
    env = {"TRACKER_SQLITE_PATH": str(work / "tracker.db"),
           "DATABASE_URL": f"sqlite:///{work / 'app.db'}",
           "AWEX_KNOWLEDGE_DIR": str(work / "knowledge"),
           "AWEX_INDEX_DIR": str(work / "index"),
           "HF_HUB_OFFLINE": "1",
           # Every test client connects from 127.0.0.1, and new conversations count against
           # their address: limits for the whole suite would refuse the later tests (rate
           # limits are tested in tests/web).
           "AWEX_RATE_LIMIT_PER_IP": "100000", "AWEX_RATE_LIMIT_PER_SESSION": "100000"}
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
    rasa, actions, web = free_ports(3)
    with running_stack(Ports(rasa=rasa, actions=actions, web=web), work / "logs", env) as s:
        s.work, s.test_env = work, env
        yield s


@pytest.fixture
def page(browser) -> Iterator[Any]:  # noqa: F811 (the fixture imported above)
    """A fresh Chromium tab for a browser test on the real stack (its turns are slower than
    the fake Rasa's: a longer default timeout)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    tab = context.new_page()
    yield tab
    context.close()
