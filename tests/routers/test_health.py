from __future__ import annotations

import httpx
from pydantic import SecretStr

from app.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_TOKEN


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_database_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200


async def test_readyz_is_503_when_database_is_gone() -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none",
        migrate_on_start=False,
        run_workers=False,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


async def test_unknown_route_uses_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not Found"}}


async def test_wrong_method_uses_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.post("/healthz")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


async def test_metrics_exposes_request_counts(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert 'router_http_requests_total{method="GET",route="/healthz",status="200"}' in response.text


async def test_oversize_body_is_413(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await client.post("/healthz", content=b"x" * (settings.max_body_bytes + 1))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_metrics_need_the_metrics_token_once_one_is_set(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"metrics_token": SecretStr("scrape-secret")}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        scraper = await client.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
        admin = await client.get("/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        health = await client.get("/healthz")  # probes stay open

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert wrong.json()["error"]["code"] == "unauthorized"
    assert (scraper.status_code, admin.status_code, health.status_code) == (200, 200, 200)
    assert "router_http_requests_total" in scraper.text
