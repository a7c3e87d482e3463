"""Real ``router serve`` processes for the fault tests, and a platform that talks to them.

``RouterProcess`` starts the console script on a free port with its own environment, waits for
``/readyz``, and stops it gently (SIGTERM) or not (SIGKILL). ``whatsapp_text`` /
``whatsapp_button`` build webhook bodies and ``post_webhook`` signs and sends them the way
Meta does; ``deliver`` keeps re-sending on 503 and connection errors, as Meta retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from app.db import utcnow
from tests.processes import children

ROUTER = Path(sys.executable).with_name("router")
ADMIN_TOKEN = "fault-admin-token"
APP_SECRET = "fault-app-secret"
VERIFY_TOKEN = "fault-verify-token"
ACCESS_TOKEN = "fault-access-token"
PHONE_NUMBER_ID = "109876543210987"
WEBHOOK_PATH = "/webhooks/whatsapp"
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def router_env(database_url: str, graph_api_base: str, **overrides: str) -> dict[str, str]:
    """The child's environment: ours without any inherited ``ROUTER_*``, plus the service's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROUTER_")}
    env.update(
        {
            "ROUTER_DATABASE_URL": database_url,
            "ROUTER_ADMIN_TOKEN": ADMIN_TOKEN,
            "ROUTER_LOG_LEVEL": "WARNING",
            "ROUTER_WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "ROUTER_WHATSAPP_APP_SECRET": APP_SECRET,
            "ROUTER_WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
            "ROUTER_GRAPH_API_BASE": graph_api_base,
            "ROUTER_GRAPH_API_TIMEOUT_SECONDS": "2",
            "ROUTER_OUTBOX_POLL_INTERVAL_SECONDS": "0.2",
            "ROUTER_OUTBOX_BACKOFF_BASE_SECONDS": "0.2",
            "ROUTER_OUTBOX_BACKOFF_MAX_SECONDS": "1",
            "ROUTER_OUTBOX_MAX_ATTEMPTS": "100",
            "ROUTER_KB_REFRESH_INTERVAL_SECONDS": "0.5",
            "ROUTER_DATABASE_POOL_SIZE": "10",
            "ROUTER_DATABASE_MAX_OVERFLOW": "5",
            # One worker child per server unless a test asks for more: the same processes
            # on any machine, whatever its cores (the default is one per core).
            "ROUTER_WORKER_PROCESSES": "1",
        }
    )
    env.update({f"ROUTER_{k.upper()}": v for k, v in overrides.items()})
    return env


@dataclass
class RouterProcess:
    """One ``router serve`` child process; ``log_path`` keeps its output for failure reports."""

    env: Mapping[str, str]
    workdir: Path
    name: str = "router"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(ROUTER), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=dict(self.env),
            # Its own directory: no stray .env or ./data from the repository is picked up.
            cwd=self.workdir,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited during start:\n{self.log_tail()}")
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.name} not ready after {timeout} s:\n{self.log_tail()}")

    async def start_ready(self, timeout: float = 30.0) -> None:
        self.start()
        await self.wait_ready(timeout)

    def kill(self) -> None:
        """SIGKILL to the server and its worker child (``ROUTER_WORKER_MODE``): no shutdown
        hooks, no flushing, whatever was in flight is lost."""
        if self.process is not None and self.process.poll() is None:
            doomed = children(self.process.pid)
            self.process.send_signal(signal.SIGKILL)
            for pid in doomed:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.wait()
        self._close_log()

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def whatsapp_message(
    *, wa_id: str, wamid: str, message: dict[str, Any], name: str = "Pelanggan"
) -> bytes:
    """A webhook body carrying one message (``message`` holds its type-specific fields)."""
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "104857600112233",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15557654321",
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
                            "messages": [
                                {
                                    "from": wa_id,
                                    "id": wamid,
                                    # Current: older re-deliveries are acknowledged unanswered.
                                    "timestamp": str(int(utcnow().timestamp())),
                                    **message,
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    # Meta escapes non-ASCII; the signature is over these exact bytes.
    return json.dumps(body).encode()


def whatsapp_text(*, wa_id: str, wamid: str, text: str) -> bytes:
    return whatsapp_message(
        wa_id=wa_id, wamid=wamid, message={"type": "text", "text": {"body": text}}
    )


def whatsapp_button(*, wa_id: str, wamid: str, button_id: str, title: str) -> bytes:
    reply = {"type": "button_reply", "button_reply": {"id": button_id, "title": title}}
    return whatsapp_message(
        wa_id=wa_id, wamid=wamid, message={"type": "interactive", "interactive": reply}
    )


def signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post_webhook(client: httpx.AsyncClient, base_url: str, body: bytes) -> int:
    """One delivery attempt: the HTTP status, or 0 when the connection failed or timed out."""
    try:
        response = await client.post(
            base_url + WEBHOOK_PATH,
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature(body)},
        )
    except httpx.TransportError:
        return 0
    return response.status_code


async def deliver(
    client: httpx.AsyncClient,
    base_url: str | Callable[[], str],
    body: bytes,
    *,
    timeout: float = 30.0,
    pause: float = 0.1,
    on_attempt: Callable[[int], None] | None = None,
) -> int:
    """Send until the service says 200, re-sending on 503 and on connection errors like Meta.

    Any other status is final and returned; so is the last one when ``timeout`` runs out.
    """
    deadline = time.monotonic() + timeout
    while True:
        url = base_url() if callable(base_url) else base_url
        status = await post_webhook(client, url, body)
        if on_attempt is not None:
            on_attempt(status)
        if status not in (0, 503) or time.monotonic() >= deadline:
            return status
        await asyncio.sleep(pause)


async def wait_for(
    condition: Callable[[], Awaitable[bool]] | Callable[[], bool],
    *,
    timeout: float,
    interval: float = 0.1,
    what: str = "condition",
) -> None:
    """Poll ``condition`` until it holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(interval)


async def load_kb(base_url: str, articles: list[dict[str, Any]]) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        response = await client.post(
            "/api/v1/kb/import",
            json={"mode": "replace", "articles": articles},
            headers=ADMIN_HEADERS,
        )
    assert response.status_code == 200, response.text
