"""The outbox's HTTP transport: httpx's interface, aiohttp's connections.

Every reply is one Graph API call, so the client's CPU per request is the outbox's cost per
reply. httpx with its own transport (httpcore) spent about 600-760 us of CPU per POST on this
machine, this transport under the same ``httpx.AsyncClient`` about 270-310 us (measured
against the fake Graph API, 16 in flight: docs/performance.md). Callers keep httpx's
client, requests, responses and exceptions; only the sockets, keep-alive, TLS and proxy are
aiohttp's.

The connector holds at most ``connections`` connections, kept alive and reused; a request
beyond them waits for one. Responses are read in full before they are returned (Graph API
answers are small JSON), so a connection goes back at once, even if the caller never reads
the body.
"""

from __future__ import annotations

import urllib.request

import aiohttp
import httpx

# httpx's own headers that aiohttp derives from the body and its connection handling (sent
# as given, they would go twice). Host stays: events connect to a checked address under the
# original name (app/events/addresses.py), and aiohttp adds no Host of its own beside one.
_DERIVED = frozenset({b"content-length", b"transfer-encoding", b"connection"})


def environment_proxy(url: str) -> str | None:
    """The proxy ``HTTPS_PROXY`` / ``HTTP_PROXY`` / ``NO_PROXY`` name for ``url``: httpx
    reads them only for its own transports, not for one passed in."""
    target = httpx.URL(url)
    if urllib.request.proxy_bypass(target.host):
        return None
    return urllib.request.getproxies().get(target.scheme)


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    """httpx's four timeouts (``Client(timeout=...)`` or per request) as aiohttp's."""
    given = request.extensions.get("timeout") or {}
    return aiohttp.ClientTimeout(
        total=None,
        connect=given.get("pool"),  # aiohttp: waiting for a free connection, then connecting
        sock_connect=given.get("connect"),
        sock_read=given.get("read"),
    )


def _httpx_error(exc: Exception, request: httpx.Request) -> httpx.TransportError:
    """aiohttp's failure as the httpx exception the callers catch (``httpx.HTTPError``)."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, TimeoutError):  # aiohttp's read timeouts are TimeoutErrors too
        return httpx.ReadTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientProxyConnectionError):
        return httpx.ProxyError(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return httpx.RemoteProtocolError(message, request=request)
    return httpx.NetworkError(message, request=request)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """``connections`` kept-alive connections for many concurrent Graph API calls, through
    ``proxy`` when given."""

    def __init__(self, connections: int, *, proxy: str | None = None) -> None:
        self._connections = connections
        self._proxy = proxy
        # One TLS context (httpx's: certifi's CA bundle) for all; loading it costs ~20 ms.
        self._tls = httpx.create_ssl_context()
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        # Made at the first request: an aiohttp session belongs to the running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections, ssl=self._tls),
                # httpx decodes the body by its Content-Encoding, as with its own transport.
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() not in _DERIVED
        ]
        try:
            async with self._open().request(
                request.method,
                str(request.url),
                data=body,
                headers=headers,
                proxy=self._proxy,
                timeout=_timeout(request),
                allow_redirects=False,  # httpx follows (or not) as its caller asked
                # TLS to an address: the name its certificate must carry (httpx's extension).
                server_hostname=request.extensions.get("sni_hostname"),
            ) as response:
                content = await response.read()
                return httpx.Response(
                    response.status,
                    headers=list(response.raw_headers),
                    content=content,
                    request=request,
                    extensions={"http_version": b"HTTP/1.1"},
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise _httpx_error(exc, request) from exc

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
