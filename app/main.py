"""Application factory and lifespan: engine, migrations, KB index, background workers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.config import Settings, get_settings
from app.db import create_engine, create_sessionmaker
from app.errors import install_error_handlers
from app.logging import configure_logging
from app.middleware import RequestMiddleware
from app.migrate import upgrade
from app.routers import health
from app.workers import PeriodicWorker

logger = logging.getLogger("app")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        if settings.migrate_on_start:
            await upgrade(engine)
        workers: list[PeriodicWorker] = []
        app.state.workers = {w.name: w for w in workers}
        if settings.run_workers:
            for worker in workers:
                worker.start()
        logger.info("service started", extra={"database": engine.url.render_as_string()})
        try:
            yield
        finally:
            for worker in workers:
                await worker.stop()
            await engine.dispose()

    app = FastAPI(
        title="Self-Service Router",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)
    app.add_middleware(RequestMiddleware, max_body_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    return app


def _default_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


# `uvicorn app.main:app` entry point; `router serve` builds its own.
def __getattr__(name: str) -> FastAPI:
    if name == "app":
        return _default_app()
    raise AttributeError(name)
