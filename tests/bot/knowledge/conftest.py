"""Fixtures of the knowledge tests: the tiny corpus's index, a teaching workspace."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.engine import KnowledgeBase
from bot.knowledge.index import build_index
from bot.knowledge.publish import Workspace
from tests.helpers.corpus import corpus_settings
from tests.helpers.teach import workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A tiny corpus, a temporary SQLite app database and a lock file, all under tmp_path."""
    return workspace(tmp_path)


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """One index of the tiny corpus for the tests that only search it, built once per module
    (loading the model and building take seconds); tests that edit the corpus or the index
    build their own."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = corpus_settings(tmp_path_factory.mktemp("kb"), monkeypatch)
        build_index(settings)
    return KnowledgeBase(settings, check_interval=0.0)
