"""Assist with a model: a fake OpenAI-compatible server over real HTTP. Every failure ends in
the extractive answer, within the timeout."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.main import create_app
from app.metrics import exposition
from tests.assist.support import import_kb, live_handoff, past_case
from tests.conftest import make_settings
from tests.fakes.chat_model import Answer, FakeChatModel

TIMEOUT = 1.0


@pytest.fixture
async def model() -> AsyncIterator[FakeChatModel]:
    async with FakeChatModel() as server:
        yield server


async def _app(database_url: str, base_url: str) -> FastAPI:
    return create_app(
        make_settings(
            database_url,
            llm_base_url=base_url,
            llm_model="qwen-test",
            llm_api_key="sk-test",
            llm_timeout_seconds=TIMEOUT,
        )
    )


async def _assist(database_url: str, base_url: str) -> tuple[dict[str, Any], float, int, int]:
    """Arrange a handoff (KB, a resolved past case) and ask for assist; the body, the
    seconds it took, the past handoff's id and the live one's."""
    application = await _app(database_url, base_url)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            admin = {"Authorization": "Bearer test-admin-token"}
            await import_kb(client, admin)
            async with application.state.sessionmaker() as session:
                past = await past_case(
                    session,
                    question="uang refund saya belum masuk ke rekening",
                    reply="Refund masuk 3-5 hari kerja setelah disetujui.",
                )
                _, handoff = await live_handoff(
                    session,
                    "refund saya belum masuk",
                    "telp saya 0812-9999-8888, email budi@mail.example",
                )
                await session.commit()
            started = time.perf_counter()
            response = await client.get(f"/api/v1/handoffs/{handoff.id}/assist", headers=admin)
            took = time.perf_counter() - started
    assert response.status_code == 200, response.text
    return response.json(), took, past.id, handoff.id


def _is_extractive(body: dict[str, Any]) -> None:
    assert body["generated_by"] == "extractive"
    assert body["model"] is None
    assert "refund saya belum masuk" in str(body["summary"])
    drafts = body["drafts"]
    assert isinstance(drafts, list)
    assert any(s.get("slug") == "refund" for d in drafts for s in d["sources"])


async def test_request_shape_and_a_good_answer(
    database_url: str, model: FakeChatModel, admin_headers: dict[str, str]
) -> None:
    model.answer = FakeChatModel.json_object(
        {
            "summary": "Pelanggan menanyakan refund yang belum masuk.",
            "draft": "Refund masuk 3-5 hari kerja setelah disetujui, kak.",
            "sources": ["P1", "A1"],
        }
    )

    body, _, past_id, _ = await _assist(database_url, model.url)

    request = model.requests[0]
    assert request["model"] == "qwen-test"
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert model.headers[0]["authorization"] == "Bearer sk-test"
    prompt = model.prompt()
    assert "refund saya belum masuk" in prompt
    assert "Ajukan refund dari menu Pesanan" in prompt  # the KB source
    assert "Refund masuk 3-5 hari kerja" in prompt  # the past reply
    for personal in ("0812", "9999", "budi@", "Budi", "Santoso", "Sari"):
        assert personal not in prompt
    assert "Indonesian" in prompt
    assert body["generated_by"] == "llm"
    assert body["model"] == "qwen-test"
    assert body["summary"] == "Pelanggan menanyakan refund yang belum masuk."
    first = body["drafts"][0]
    assert first["generated_by"] == "llm"
    assert first["text"].startswith("Refund masuk 3-5 hari kerja")
    assert {(s["kind"], s["slug"] or s["handoff_id"]) for s in first["sources"]} == {
        ("past_reply", past_id),
        ("article", "refund"),
    }
    assert len(body["drafts"]) > 1  # the extractive drafts follow
    assert 'router_llm_calls_total{purpose="handoff",result="ok"}' in exposition().decode()


async def test_no_draft_when_the_sources_do_not_answer(
    database_url: str, model: FakeChatModel
) -> None:
    model.answer = FakeChatModel.json_object(
        {"summary": "Pelanggan bertanya soal refund.", "draft": None, "sources": []}
    )
    body, _, _, _ = await _assist(database_url, model.url)
    assert body["generated_by"] == "llm"
    assert all(d["generated_by"] == "extractive" for d in body["drafts"])


@pytest.mark.parametrize(
    "answer",
    [
        FakeChatModel.content(None, refusal="I can't help with that."),
        FakeChatModel.content("Maaf, saya tidak bisa membantu."),
        FakeChatModel.content('{"summary": "x", "draft": "y"'),  # cut off
        FakeChatModel.json_object({"summary": "x", "draft": "y", "sources": ["A9"]}),  # unknown
        FakeChatModel.json_object({"summary": "x", "draft": "y", "sources": []}),  # uncited
        FakeChatModel.json_object({"draft": None, "sources": []}),  # no summary
        FakeChatModel.status(500),
    ],
    ids=["refusal", "prose", "truncated", "unknown-source", "uncited", "no-summary", "500"],
)
async def test_a_bad_answer_falls_back_to_extractive(
    database_url: str, model: FakeChatModel, answer: Answer
) -> None:
    model.answer = answer
    body, _, _, _ = await _assist(database_url, model.url)
    assert len(model.requests) == 1
    _is_extractive(body)


async def test_a_slow_model_falls_back_within_the_timeout(
    database_url: str, model: FakeChatModel
) -> None:
    model.delay = TIMEOUT * 3
    model.answer = FakeChatModel.json_object({"summary": "late", "draft": None, "sources": []})
    body, took, _, _ = await _assist(database_url, model.url)
    _is_extractive(body)
    assert took < TIMEOUT * 2.5
    assert 'router_assist_fallbacks_total{kind="handoff",reason="timeout"}' in (
        exposition().decode()
    )


async def test_an_unreachable_model_falls_back(database_url: str) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    body, _, _, _ = await _assist(database_url, f"http://127.0.0.1:{port}/v1")
    _is_extractive(body)


async def test_writes_do_not_wait_for_the_model(database_url: str, model: FakeChatModel) -> None:
    """The model is called with no session open: on SQLite a session holds the only write
    lock, which customers' messages need."""
    model.delay = TIMEOUT * 0.8
    model.answer = FakeChatModel.json_object({"summary": "s", "draft": None, "sources": []})
    application = await _app(database_url, model.url)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            admin = {"Authorization": "Bearer test-admin-token"}
            async with application.state.sessionmaker() as session:
                _, handoff = await live_handoff(session, "refund saya belum masuk")
                await session.commit()
            assist = asyncio.create_task(
                client.get(f"/api/v1/handoffs/{handoff.id}/assist", headers=admin)
            )
            while not model.requests:
                await asyncio.sleep(0.01)
            await import_kb(client, admin)  # a write while the model is writing
            assert not assist.done()
            assert (await assist).json()["generated_by"] == "llm"
