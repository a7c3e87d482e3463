"""An HTTP transport for many concurrent Graph API calls: one single-connection pool per
connection, lent out a request at a time.

httpcore's connection pool re-examines every connection (a socket poll each, for expiry) and
every queued request on each request's start and end, so its CPU cost per request grows with
the pool's size: at 16 connections the pool cost more than the rest of a send together. A
pool of one connection costs the same whatever the concurrency, and keep-alive, timeouts and
TLS stay httpx's own.
"""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import AsyncIterator, Callable

import httpx


class _ReturnedOnClose(httpx.AsyncByteStream):
    """The response body; closing it (httpx does once the body is read) frees the
    connection for the next request."""

    def __init__(self, inner: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


def environment_proxy(url: str) -> str | None:
    """The proxy ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY`` name for ``url``: httpx
    reads them only for its own transports, not for one passed in."""
    target = httpx.URL(url)
    if urllib.request.proxy_bypass(target.host):
        return None
    return urllib.request.getproxies().get(target.scheme)


class ShardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, connections: int, *, proxy: str | None = None) -> None:
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        # One TLS context (httpx's default) for all: loading the CA bundle costs ~20 ms.
        tls = httpx.create_ssl_context()
        self._shards = [
            httpx.AsyncHTTPTransport(verify=tls, limits=limits, proxy=proxy)
            for _ in range(connections)
        ]
        # Last in, first out: the warmest connection goes next, idle ones may expire.
        self._idle: asyncio.LifoQueue[httpx.AsyncHTTPTransport] = asyncio.LifoQueue()
        for shard in self._shards:
            self._idle.put_nowait(shard)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        shard = await self._idle.get()
        try:
            response = await shard.handle_async_request(request)
        except BaseException:
            self._idle.put_nowait(shard)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_ReturnedOnClose(response.stream, lambda: self._idle.put_nowait(shard)),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        for shard in self._shards:
            await shard.aclose()
