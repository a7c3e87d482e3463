"""Property-based fuzzing from the OpenAPI schema (schemathesis 4): no 5xx, and every error in
the contract's shape, on every route that takes input.

schemathesis generates the cases; they are sent through the test's own httpx client on the
test's event loop, because the app's engine (asyncpg connections especially) belongs to that
loop and schemathesis' ASGI transport would run the app on a loop of its own. Hypothesis runs
in a worker thread and hands each request over to the loop.

Positive cases reach the handlers: path parameters name fresh existing objects, web chat routes
get a session token, the others the admin token, and webhook bodies are signed after
generation, so the fuzzer exercises the platform parsers and not only the signature check.
"""

from __future__ import annotations

import asyncio
import copy
import json
import secrets
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import hypothesis
import hypothesis.errors
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.schemas import APIOperation
from sqlalchemy.ext.asyncio import AsyncSession

from app.analytics.clustering import Group, normalize
from app.assist.kb_drafts import draft_id
from app.db import utcnow
from app.types import Channel, Sender
from tests.factories import (
    bearer,
    make_contact,
    make_conversation,
    make_inbound,
    make_message,
)
from tests.fakes.graph_api import FakeGraphApi
from tests.security.conftest import (
    CW_SECRET,
    IG_SECRET,
    IG_VERIFY,
    MS_SECRET,
    MS_VERIFY,
    WA_SECRET,
    WA_VERIFY,
)
from tests.security.fuzz_schemas import (
    CHATWOOT_WEBHOOK,
    EVENT_SUBSCRIPTION,
    INSTAGRAM_WEBHOOK,
    MESSENGER_WEBHOOK,
    WEBCHAT_MESSAGE,
    WHATSAPP_WEBHOOK,
    import_body,
)
from tests.security.world import ADMIN, World, make_world, sign

EXAMPLES_PER_MODE = 25
NO_INPUT = {("GET", "/healthz"), ("GET", "/readyz")}
REQUEST_KWARGS = ("method", "url", "headers", "params", "cookies", "data", "json", "files")
T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    operation: str
    status: int
    body: str
    request: str


@dataclass
class Target:
    """How to call one operation: credentials, fixed inputs, a webhook secret to sign with."""

    headers: dict[str, str]
    path_parameters: Callable[[], Coroutine[Any, Any, dict[str, Any]]] | None = None
    query: dict[str, str] | None = None
    secret: str | None = None
    statuses: Counter[int] = field(default_factory=Counter)


def with_raw_bodies(
    schema: dict[str, Any], erasable: list[str], accounts: Accounts | None = None
) -> dict[str, Any]:
    """Declare the JSON bodies of routes that read the raw request (import, webhooks), and
    let erasure name customers who exist (``erasable``: any other id is a 404, and the
    negative cases still send everything else); the same for sign-in (an account that
    exists) and password setup (links not used yet)."""
    schema = copy.deepcopy(schema)
    if accounts is not None:
        _with_accounts(schema, accounts)
    erase = schema["paths"]["/api/v1/contacts/erase"]["post"]["requestBody"]["content"]
    erase["application/json"]["schema"] = {
        "type": "object",
        "required": ["channel", "external_id"],
        "properties": {
            "channel": {"const": "whatsapp"},
            "external_id": {"enum": erasable},
        },
    }
    assert "ArticleIn" in schema["components"]["schemas"]
    bodies = {
        ("post", "/api/v1/kb/import"): import_body("#/components/schemas/ArticleIn"),
        ("post", "/webhooks/whatsapp"): WHATSAPP_WEBHOOK,
        ("post", "/webhooks/messenger"): MESSENGER_WEBHOOK,
        ("post", "/webhooks/instagram"): INSTAGRAM_WEBHOOK,
        ("post", "/webhooks/chatwoot"): CHATWOOT_WEBHOOK,
        ("post", "/api/v1/event-subscriptions"): EVENT_SUBSCRIPTION,
        ("post", "/api/v1/webchat/messages"): WEBCHAT_MESSAGE,
    }
    for (method, path), body in bodies.items():
        content = {"application/json": {"schema": body}}
        schema["paths"][path][method]["requestBody"] = {"required": True, "content": content}
    return schema


@dataclass(frozen=True)
class Accounts:
    email: str
    password: str
    setup_tokens: list[str]


def _with_accounts(schema: dict[str, Any], accounts: Accounts) -> None:
    bodies: dict[str, dict[str, Any]] = {
        "/api/v1/auth/login": {
            "email": {"const": accounts.email},
            "password": {"const": accounts.password},
        },
        "/api/v1/auth/password-setup": {
            "token": {"enum": accounts.setup_tokens},
            "password": {"type": "string", "minLength": 10, "maxLength": 64},
        },
    }
    for path, properties in bodies.items():
        content = schema["paths"][path]["post"]["requestBody"]["content"]
        content["application/json"]["schema"] = {
            "type": "object",
            "required": list(properties),
            "properties": properties,
        }


def error_shape_problem(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return "error body is not JSON"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "no error object"
    code, message = error.get("code"), error.get("message")
    if not (isinstance(code, str) and code and code == code.lower() and " " not in code):
        return "error.code is not snake_case"
    if not (isinstance(message, str) and message):
        return "error.message is missing"
    return None


def prepare(case: schemathesis.Case, target: Target) -> requests.PreparedRequest | None:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=target.headers)
    try:
        request = requests.Request(**{k: v for k, v in kwargs.items() if k in REQUEST_KWARGS})
        prepared = request.prepare()
    except (ValueError, requests.RequestException):
        return None  # not expressible as HTTP (say, a NUL in a header): nothing to send
    if target.secret is not None:
        prepared.headers["X-Hub-Signature-256"] = sign(target.secret, body_bytes(prepared))
    return prepared


def body_bytes(request: requests.PreparedRequest) -> bytes:
    body = request.body
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, bytes):
        return body
    raise TypeError(f"unexpected streamed body {type(body)!r}")


class Fuzzer:
    def __init__(self, client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
        self.client = client
        self.loop = loop
        self.failures: list[Failure] = []

    def on_loop(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def send(self, request: requests.PreparedRequest) -> httpx.Response:
        headers = {
            name: value.decode("latin-1") if isinstance(value, bytes) else value
            for name, value in request.headers.items()
        }
        call = self.client.request(
            request.method or "GET",
            request.url or "/",
            headers=headers,
            content=body_bytes(request),
        )
        return self.on_loop(call)

    def run(self, operation: APIOperation, mode: GenerationMode, target: Target) -> None:
        label = f"{operation.method.upper()} {operation.path} ({mode.value})"
        fixed = None
        if mode is GenerationMode.POSITIVE and target.path_parameters is not None:
            fixed = self.on_loop(target.path_parameters())
        strategy = operation.as_strategy(
            generation_mode=mode,
            path_parameters=fixed,
            query=target.query if mode is GenerationMode.POSITIVE else None,
        )

        @hypothesis.settings(
            max_examples=EXAMPLES_PER_MODE,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @hypothesis.given(case=strategy)
        def check(case: schemathesis.Case) -> None:
            request = prepare(case, target)
            hypothesis.assume(request is not None)
            assert request is not None
            try:
                response = self.send(request)
            except (httpx.LocalProtocolError, UnicodeEncodeError):
                hypothesis.reject()
            target.statuses[response.status_code] += 1
            problem = None
            if response.status_code >= 500:
                problem = "server error"
            elif response.status_code >= 400:
                problem = error_shape_problem(response)
            if problem is not None:
                sent = f"{request.method} {request.url} body={request.body!r:.300}"
                failure = Failure(label, response.status_code, response.text[:300], sent)
                self.failures.append(failure)

        try:
            check()
        except hypothesis.errors.Unsatisfiable:
            # Nothing to make invalid: no input at all, or only an unconstrained string.
            if mode is not GenerationMode.NEGATIVE:
                raise


def targets(world: World, chat: dict[str, str], media_url: str) -> Callable[[APIOperation], Target]:
    async def handoff() -> dict[str, Any]:
        return {"handoff_id": await world.handoff()}

    async def claimed_handoff() -> dict[str, Any]:
        return {"handoff_id": await world.handoff(claimed_by=ADMIN)}

    async def agent() -> dict[str, Any]:
        return {"agent_id": await world.agent_id()}

    async def article() -> dict[str, Any]:
        return {"slug": await world.article()}

    async def conversation() -> dict[str, Any]:
        return {"conversation_id": await world.conversation()}

    async def delivery() -> dict[str, Any]:
        return {"item_id": await world.failed_delivery()}

    async def event() -> dict[str, Any]:
        return {"item_id": await world.failed_event()}

    async def media() -> dict[str, Any]:
        """A customer's photo whose file the (fake) platform serves."""
        contact = await make_contact(
            world.session,
            channel=Channel.messenger,
            external_id=f"psid-media-{utcnow().timestamp()}",
        )
        conversation = await make_conversation(world.session, contact=contact)
        message = await make_message(
            world.session, conversation=conversation, sender=Sender.customer, text=None
        )
        message.kind, message.media_url = "image", media_url
        await world.session.commit()
        return {"message_id": message.id}

    async def account() -> dict[str, Any]:
        return {"agent_id": await world.account(email=f"fuzz{utcnow().timestamp()}@toko.example")}

    async def coverage_job() -> dict[str, Any]:
        return {"job_id": await world.coverage_job()}

    async def subscription() -> dict[str, Any]:
        return {"subscription_id": await world.event_subscription()}

    async def learned() -> dict[str, Any]:
        return {"phrasing_id": await world.learned_phrasing()}

    async def team() -> dict[str, Any]:
        response = await world.client.post(
            "/api/v1/teams", json={"name": f"Tim {utcnow().timestamp()}"}, headers=ADMIN
        )
        return {"team_id": response.json()["id"]}

    async def canned() -> dict[str, Any]:
        body = {"shortcut": f"s{int(utcnow().timestamp() * 1e6)}", "text": "x", "shared": True}
        response = await world.client.post("/api/v1/canned-responses", json=body, headers=ADMIN)
        return {"canned_id": response.json()["id"]}

    async def sla_policy() -> dict[str, Any]:
        body = {"name": "Fuzz", "first_response_s": 900, "business_hours": True}
        created = await world.client.post("/api/v1/sla-policies", json=body, headers=ADMIN)
        assert created.status_code == 201, created.text
        return {"policy_id": created.json()["id"]}

    async def kb_draft() -> dict[str, Any]:
        """A fresh knowledge gap (two customers asked the same the bot could not answer)."""
        wording = " ".join(secrets.token_hex(5) for _ in range(3))
        for _ in range(2):
            conversation = await make_conversation(world.session)
            await make_inbound(
                world.session, conversation=conversation, text=wording, understood_as="none"
            )
        await world.session.commit()
        return {"draft_id": draft_id(Group(key=normalize(wording)))}

    by_param = {
        "{policy_id}": sla_policy,
        "{phrasing_id}": learned,
        "{team_id}": team,
        "{canned_id}": canned,
        "{message_id}": media,
        "{subscription_id}": subscription,
        "{handoff_id}": handoff,
        "{agent_id}": agent,
        "{slug}": article,
        "{item_id}": delivery,
        "{conversation_id}": conversation,
        "{job_id}": coverage_job,
        "{draft_id}": kb_draft,
    }
    webhooks = {
        "/webhooks/whatsapp": (WA_SECRET, WA_VERIFY),
        "/webhooks/messenger": (MS_SECRET, MS_VERIFY),
        "/webhooks/instagram": (IG_SECRET, IG_VERIFY),
    }

    def target(operation: APIOperation) -> Target:
        path, method = operation.path, operation.method.upper()
        if path.startswith("/api/v1/webchat/messages"):
            return Target(chat)
        if path == "/webhooks/chatwoot":
            return Target({}, query={"secret": CW_SECRET})
        if path in webhooks:
            secret, verify = webhooks[path]
            if method == "GET":
                return Target({}, query={"hub.mode": "subscribe", "hub.verify_token": verify})
            return Target({}, secret=secret)
        if path.endswith(("/messages", "/release", "/resolve")):
            return Target(ADMIN, path_parameters=claimed_handoff)
        if path.startswith("/api/v1/inbox/"):
            return Target(ADMIN, path_parameters=event)
        if path.endswith("/password-reset"):
            return Target(ADMIN, path_parameters=account)
        if path == "/api/v1/agents/me/status":  # a person's presence: not the admin token's
            return Target(world.agent)
        factory = next((f for param, f in by_param.items() if param in path), None)
        return Target(ADMIN, path_parameters=factory)

    return target


async def test_openapi_fuzz_finds_no_server_error_and_only_contract_errors(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    world = await make_world(client, session)
    for _ in range(3):
        await world.article()
    graph = FakeGraphApi()
    await graph.start()
    graph.add_media("fuzz.jpg", b"\xff\xd8 jpeg", "image/jpeg")
    target_for = targets(world, bearer(await world.webchat_token()), graph.cdn_url("fuzz.jpg"))
    erasable = [await world.closed_contact() for _ in range(5)]
    password = "fuzz-password-1"
    login = {
        "token": await world.password_link_token_for("fuzz@toko.example"),
        "password": password,
    }
    assert (await client.post("/api/v1/auth/password-setup", json=login)).status_code == 204
    tokens = [await world.password_link_token() for _ in range(3)]
    accounts = Accounts("fuzz@toko.example", password, tokens)
    openapi = with_raw_bodies((await client.get("/openapi.json")).json(), erasable, accounts)
    schema = schemathesis.openapi.from_dict(openapi)
    operations = [result.ok() for result in schema.get_all_operations() if isinstance(result, Ok)]
    operations = [op for op in operations if (op.method.upper(), op.path) not in NO_INPUT]
    assert len(operations) >= 25, [op.path for op in operations]
    fuzzer = Fuzzer(client, asyncio.get_running_loop())
    used: dict[str, Target] = {}

    def run_all() -> None:
        for operation in operations:
            target = used[f"{operation.method.upper()} {operation.path}"] = target_for(operation)
            fuzzer.run(operation, GenerationMode.POSITIVE, target)
            fuzzer.run(operation, GenerationMode.NEGATIVE, target)

    try:
        await asyncio.to_thread(run_all)
    finally:
        await graph.stop()
    report = json.dumps([f.__dict__ for f in fuzzer.failures[:20]], indent=1, ensure_ascii=False)
    assert fuzzer.failures == [], f"{len(fuzzer.failures)} bad responses:\n{report}"
    # The valid cases got past authentication, signatures and lookups to the handlers.
    unreached = [label for label, t in used.items() if not any(s < 300 for s in t.statuses)]
    assert unreached == [], {label: dict(used[label].statuses) for label in unreached}
