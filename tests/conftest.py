"""Test fixtures: every test runs on SQLite and, when ROUTER_TEST_POSTGRES_URL is set, on
PostgreSQL too, each time against a clean, fully migrated database."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.config import Settings
from app.db import create_engine
from app.main import create_app
from app.migrate import upgrade
from app.models import Base

ADMIN_TOKEN = "test-admin-token"
POSTGRES_URL = os.environ.get("ROUTER_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
async def migrated_backend(backend: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Migrate once per backend: a SQLite template file to copy, or the PostgreSQL schema."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("template") / "router.db"
        engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
        await upgrade(engine)
        await engine.dispose()
        return str(path)
    engine = create_async_engine(POSTGRES_URL)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    engine = create_engine(Settings(database_url=POSTGRES_URL))
    await upgrade(engine)
    await engine.dispose()
    return POSTGRES_URL


# Every sequence back to 1, as a fresh migration leaves them.
_RESTART_SEQUENCES = text(
    "SELECT setval(c.oid, 1, false) FROM pg_class c"
    " JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
)


async def reset_postgres(url: str) -> None:
    """Empty every table. DELETE, not TRUNCATE: on the few rows a test leaves, TRUNCATE's new
    files for every table cost about 0.3 s a test, DELETE about 10 ms."""
    engine = create_async_engine(url)
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):  # children first
            await connection.execute(table.delete())
        await connection.execute(_RESTART_SEQUENCES)
        await connection.execute(
            text("INSERT INTO kb_state (id, version, updated_at) VALUES (1, 0, now())")
        )
    await engine.dispose()


@pytest.fixture
async def database_url(backend: str, migrated_backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        target = tmp_path / "router.db"
        shutil.copy(migrated_backend, target)
        return f"sqlite+aiosqlite:///{target}"
    await reset_postgres(migrated_backend)
    return migrated_backend


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for an app under test: migrated database, admin token, workers off."""
    defaults: dict[str, Any] = {
        "admin_token": ADMIN_TOKEN,
        "migrate_on_start": False,
        "run_workers": False,
        # A test that turns the workers on drives them in its own event loop.
        "worker_mode": "inline",
        # Scores must not change when background embedding finishes mid-test; the encoder
        # has its own tests (tests/kb/test_semantic.py).
        "kb_semantic": False,
    }
    return Settings(database_url=database_url, **{**defaults, **overrides})


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture
async def session(app: FastAPI) -> AsyncIterator[AsyncSession]:
    """A session on the app's database, for arranging data and checking what was stored."""
    maker: async_sessionmaker[AsyncSession] = app.state.sessionmaker
    async with maker() as s:
        yield s
