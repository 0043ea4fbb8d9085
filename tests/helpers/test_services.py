"""The throw-away servers refuse a port another server holds, rather than talk to it."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.helpers.services import postgres, redis


@pytest.fixture
def taken_port():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def test_redis_refuses_a_port_in_use(taken_port):
    with pytest.raises(RuntimeError, match=f"port {taken_port} is already in use"):
        with redis(taken_port):
            pass


def test_postgres_refuses_a_port_in_use_before_creating_anything(taken_port, tmp_path: Path):
    with pytest.raises(RuntimeError, match="another test run"):
        with postgres(tmp_path / "pg", taken_port):
            pass
    assert not (tmp_path / "pg").exists()
