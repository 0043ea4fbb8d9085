"""Shared fixtures: tiny knowledge corpora written to tmp_path, and settings pointing at them;
the Hypothesis profiles and the longer timeout of the tests that start the stack."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bot.settings import Settings  # noqa: E402
from tests.helpers.corpus import corpus_settings  # noqa: E402

# HYPOTHESIS_PROFILE=ci (what `make test`, hence CI, runs): thorough; dev (the default, and
# `make test-unit`): a few examples per property, enough to catch a plain regression quickly.
_SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=_SLOW)
settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=_SLOW)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# pytest-timeout: 600 s per test (pyproject.toml); the first e2e or browser test also waits
# for the stack or the browser to start (index build, Rasa's model load), so they get more.
STACK_TIMEOUT = 1800


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        slow = item.get_closest_marker("e2e") or item.get_closest_marker("browser")
        if slow and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(STACK_TIMEOUT))


@pytest.fixture
def knowledge_env(tmp_path, monkeypatch) -> Settings:
    """Settings whose knowledge folder is a tiny corpus and whose var/ is in tmp_path."""
    return corpus_settings(tmp_path, monkeypatch)
