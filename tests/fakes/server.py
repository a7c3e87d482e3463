"""A real HTTP server on 127.0.0.1 for a fake's Starlette app: started and stopped by the
test, on a free port (``base_url``)."""

from __future__ import annotations

import asyncio
import socket
from types import TracebackType
from typing import Self

import uvicorn
from starlette.applications import Starlette


class LocalServer:
    def __init__(self, *, tls: tuple[str, str] | None = None) -> None:
        self._tls = tls  # (certificate file, key file): serve HTTPS
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.base_url = ""

    def app(self) -> Starlette:
        raise NotImplementedError

    async def start(self) -> None:
        certfile, keyfile = self._tls or (None, None)
        config = uvicorn.Config(
            self.app(),
            log_level="warning",
            lifespan="off",
            access_log=False,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
        self._server = uvicorn.Server(config)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # Accepted connections inherit this. asyncio only sets it itself on sockets whose
        # proto is TCP, and this one's is 0: without it every answer waited ~40 ms for
        # Nagle and the client's delayed ACK (it once capped the outbox at 16 / 0.044 s).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        scheme = "https" if self._tls else "http"
        self.base_url = f"{scheme}://127.0.0.1:{sock.getsockname()[1]}"
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
