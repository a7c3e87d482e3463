"""The outbox's HTTP transport against the fake Graph API over real HTTP."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.outbox.transport import AiohttpTransport, environment_proxy
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.receiver import EventReceiver


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraphApi]:
    async with FakeGraphApi() as fake:
        yield fake


def payload(n: int) -> dict[str, object]:
    return {"messaging_product": "whatsapp", "to": f"62{n}", "text": {"body": f"reply {n}"}}


async def test_requests_share_its_connections_and_never_exceed_them(graph: FakeGraphApi) -> None:
    graph.latency = 0.02
    async with httpx.AsyncClient(transport=AiohttpTransport(4)) as client:
        responses = await asyncio.gather(
            *(client.post(f"{graph.base_url}/1/messages", json=payload(n)) for n in range(30))
        )

    assert [r.status_code for r in responses] == [200] * 30
    assert [r.json()["contacts"][0]["wa_id"] for r in responses] == [f"62{n}" for n in range(30)]
    assert graph.most_in_flight == 4


async def test_a_failed_request_gives_its_connection_back(graph: FakeGraphApi) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with httpx.AsyncClient(transport=AiohttpTransport(1)) as client:
        for _ in range(3):
            with pytest.raises(httpx.ConnectError):
                await client.post(f"{dead}/1/messages", json=payload(1))
        # With its only connection lost to a failure, this would wait forever.
        async with asyncio.timeout(5):
            response = await client.post(f"{graph.base_url}/1/messages", json=payload(2))

    assert response.status_code == 200


async def test_an_unread_response_does_not_hold_its_connection(graph: FakeGraphApi) -> None:
    """Bodies are read before the response is handed over: a caller that never reads one
    cannot starve the others of the only connection."""
    async with httpx.AsyncClient(transport=AiohttpTransport(1)) as client:
        request = client.build_request("POST", f"{graph.base_url}/1/messages", json=payload(1))
        first = await client.send(request, stream=True)
        async with asyncio.timeout(5):
            second = await client.post(f"{graph.base_url}/1/messages", json=payload(2))
        assert second.status_code == 200
        await first.aread()
        assert first.json()["contacts"][0]["wa_id"] == "621"
        await first.aclose()


async def test_a_slow_answer_is_an_httpx_timeout(graph: FakeGraphApi) -> None:
    """The outbox retries on ``httpx.HTTPError``: aiohttp's timeouts must arrive as one."""
    graph.latency = 1.0
    async with httpx.AsyncClient(transport=AiohttpTransport(1), timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.post(f"{graph.base_url}/1/messages", json=payload(1))
        graph.latency = 0.0
        response = await client.post(f"{graph.base_url}/1/messages", json=payload(2))
    assert response.status_code == 200


async def test_headers_and_body_arrive_as_httpx_sent_them(graph: FakeGraphApi) -> None:
    async with httpx.AsyncClient(transport=AiohttpTransport(1)) as client:
        response = await client.post(
            f"{graph.base_url}/1/messages",
            json=payload(7),
            headers={"Authorization": "Bearer secret-token"},
        )
    assert response.status_code == 200
    seen = graph.requests[-1]
    assert seen.json == payload(7)
    assert seen.authorization == "Bearer secret-token"


async def test_a_host_header_given_is_the_one_sent() -> None:
    """Events are posted to the address that was checked, under the subscriber's own name."""
    async with (
        EventReceiver() as receiver,
        httpx.AsyncClient(transport=AiohttpTransport(1)) as client,
    ):
        response = await client.post(
            receiver.url, content=b"{}", headers={"Host": "hooks.example:8443"}
        )
    assert response.status_code == 200
    assert receiver.received[-1].headers["host"] == "hooks.example:8443"


def _certificate(folder: Path, name: str) -> tuple[str, str]:
    """A self-signed certificate for ``name`` (openssl), as (certificate, key) files."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", f"/CN={name}"),
            *("-addext", f"subjectAltName=DNS:{name}"),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_tls_to_an_address_checks_the_certificate_of_the_name_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """How events reach an HTTPS subscriber: connect to the checked address, verify the
    certificate against the subscriber's name (httpx's ``sni_hostname`` extension)."""
    cert, key = _certificate(tmp_path, "hooks.example")
    monkeypatch.setenv("SSL_CERT_FILE", cert)  # httpx's TLS context trusts this one
    async with (
        EventReceiver(tls=(cert, key)) as receiver,
        httpx.AsyncClient(transport=AiohttpTransport(1)) as client,
    ):
        named = await client.post(
            receiver.url,
            content=b"{}",
            headers={"Host": "hooks.example"},
            extensions={"sni_hostname": "hooks.example"},
        )
        with pytest.raises(httpx.ConnectError):  # 127.0.0.1 is not on the certificate
            await client.post(receiver.url, content=b"{}")
    assert named.status_code == 200
    assert receiver.received[-1].headers["host"] == "hooks.example"


async def test_requests_go_through_the_proxy_the_environment_names(
    graph: FakeGraphApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    # The fake answers proxied requests too: this host exists only behind the "proxy".
    proxy = graph.base_url.removesuffix("/v21.0")
    target = "http://graph.invalid/v21.0"
    assert environment_proxy(target) is None
    monkeypatch.setenv("HTTP_PROXY", proxy)
    assert environment_proxy(target) == proxy

    async with httpx.AsyncClient(
        transport=AiohttpTransport(2, proxy=environment_proxy(target))
    ) as client:
        response = await client.post(f"{target}/1/messages", json=payload(1))

    assert response.status_code == 200
    assert graph.requests[-1].path == "/v21.0/1/messages"
    monkeypatch.setenv("NO_PROXY", "graph.invalid")
    assert environment_proxy(target) is None
