"""Free loopback ports, asked of the OS (port 0), for servers the tests start."""
from __future__ import annotations

import socket
from contextlib import ExitStack


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free right now: all sockets are held open until every port is
    chosen, so the OS cannot hand the same one twice. Another process could still take one
    before the server binds it; tests accept that small window."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]


def free_port() -> int:
    """One free loopback port."""
    return free_ports(1)[0]
