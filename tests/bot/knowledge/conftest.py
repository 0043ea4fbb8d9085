"""Fixtures of the knowledge tests: a teaching workspace (tests/helpers/teach.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.knowledge.publish import Workspace
from tests.helpers.teach import workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A tiny corpus, a temporary SQLite app database and a lock file, all under tmp_path."""
    return workspace(tmp_path)
