"""Serving on a port the process has already bound, and announcing only once it answers.

`router serve` / `router demo` bind the socket before anything else (migrations, the demo KB):
a port that is taken then fails in the first second with a line that says what to do, instead
of after "ready" was printed, or after the demo KB was written.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

SUGGESTION_RANGE = 20  # ports tried after a taken one, to suggest a free one


class PortInUse(Exception):
    def __init__(self, host: str, port: int, free: int | None) -> None:
        self.host, self.port, self.free = host, port, free
        super().__init__(f"port {port} on {host} is in use")


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to (host, port), or PortInUse naming a free port nearby."""
    try:
        return _bound(host, port)
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        raise PortInUse(host, port, _free_port_after(host, port)) from None


def _bound(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # As uvicorn does: a restart may bind while old connections sit in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _free_port_after(host: str, port: int) -> int | None:
    for candidate in range(port + 1, min(port + 1 + SUGGESTION_RANGE, 65536)):
        try:
            _bound(host, candidate).close()
        except OSError:
            continue
        return candidate
    return None


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server, calling ``on_started`` once its startup (our lifespan) succeeded."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self._on_started is not None and not self.should_exit:
            self._on_started()


def serve_on(
    app: FastAPI, sock: socket.socket, *, on_started: Callable[[], None] | None = None
) -> None:
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(app, host=host, port=port, log_config=None, proxy_headers=True)
    _AnnouncingServer(config, on_started).run(sockets=[sock])
