"""Throw-away PostgreSQL and Redis servers for the scale-out tests (Debian's packages).

Each runs from a temporary folder on its own port and is stopped afterwards; nothing touches a
system-wide cluster.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _require_free(port: int, what: str) -> None:
    """Refuse a port something already listens on: waiting for it would then succeed at once
    and the tests would talk to that other server (another test run's, say)."""
    if _listening(port):
        raise RuntimeError(f"port {port} is already in use, so {what} cannot start there; "
                           "is another test run going on? (choose ports with "
                           "tests.helpers.ports.free_ports)")


def _wait_port(port: int, server: subprocess.Popen, timeout: float = 30.0) -> None:
    """Wait until `server` listens on `port`; fail as soon as it has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server for port {port} exited with code "
                               f"{server.returncode} before listening")
        if _listening(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql "
                           "(.ci/run does it)")
    return found[-1]


@contextmanager
def postgres(folder: Path, port: int, password: str = "awex-test") -> Iterator[str]:
    """A PostgreSQL server with databases `rasa` and `app`; yields the superuser URL base."""
    _require_free(port, "PostgreSQL")
    data = folder / "pgdata"
    data.mkdir(parents=True)
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(folder, "postgres")
        shutil.chown(data, "postgres")
    pwfile = folder / "pw"
    pwfile.write_text(password)
    if run_as:
        shutil.chown(pwfile, "postgres")
    subprocess.run(run_as + [_postgres_bin("initdb"), "-D", str(data), "-U", "awex",
                             "--pwfile", str(pwfile), "-A", "scram-sha-256"],
                   check=True, capture_output=True)
    server = subprocess.Popen(run_as + [_postgres_bin("postgres"), "-D", str(data), "-p",
                                        str(port), "-k", str(folder), "-h", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, server)
        time.sleep(1.0)
        for db in ("rasa", "app"):
            subprocess.run([_postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(port),
                            "-U", "awex", db], check=True, capture_output=True,
                           env={**os.environ, "PGPASSWORD": password})
        yield f"postgresql://awex:{password}@127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def redis(port: int) -> Iterator[str]:
    _require_free(port, "Redis")
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, server)
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
