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


def _wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
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
        _wait_port(port)
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
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port)
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
