"""Application factory and lifespan: engine, migrations, KB index, background workers."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.accounts.throttle import login_throttle
from app.assist.service import Assistant
from app.bot.engine import ConversationEngine
from app.bot.sweeper import sweep_idle_conversations
from app.calibration.job import calibration_workers
from app.config import Settings, get_settings
from app.conversations.retention import remove_expired
from app.cors import WebchatCORSMiddleware, parse_origins
from app.db import create_engine, create_sessionmaker, utcnow
from app.errors import install_error_handlers
from app.escalation.leases import LEASE_CHECK_INTERVAL_SECONDS, run_lease_expiry
from app.escalation.notifier import handoff_notifier
from app.gcpolicy import freeze_long_lived
from app.helpcenter.runtime import help_center, help_flush_worker
from app.inbox.processor import InboxProcessor, inbox_worker, prune_inbox
from app.inbox.writer import InboxWriter
from app.kb.coverage_runner import CoverageRunner, coverage_worker
from app.kb.refresh import kb_refresh_worker, refresh_kb
from app.kb.service import KnowledgeBase
from app.learning.harvest import learning_worker
from app.logging import configure_logging
from app.metrics import MULTIPROCESS_DIR_VARIABLE
from app.middleware import RequestMiddleware
from app.migrate import upgrade
from app.outbox.worker import drain_seconds, graph_client, outbox_worker, poke_outbox
from app.ratelimit import prune_rate_limits, webchat_limiters
from app.routers import (
    accounts,
    agents,
    assets,
    audit,
    chatwoot,
    contacts,
    dashboard,
    handoffs,
    health,
    help_api,
    help_pages,
    home,
    inbox,
    kb_categories,
    kb_editor,
    kb_learning,
    kb_status,
    media,
    stats,
    webchat,
    webhooks,
    workspace,
)
from app.routers import agenttools as agenttools_router
from app.routers import assist as assist_router
from app.routers import conversations as conversations_router
from app.routers import events as events_router
from app.routers import kb as kb_router
from app.routers import outbox as outbox_router
from app.routers import sla as sla_router
from app.routers import teams as teams_router
from app.sla.clock import configure as configure_sla_clock
from app.sla.job import check_service_levels
from app.surveys.plan import configure as configure_surveys
from app.teams.presence import run_routing
from app.wakeups import COVERAGE_WORKER, INBOX_WORKER, OUTBOX_WORKER, WakeListener
from app.worker_process import WorkerProcess
from app.workers import PeriodicWorker, cancel_and_wait, poke_worker

logger = logging.getLogger("app")

INBOX_PRUNE_INTERVAL_SECONDS = 3600.0
RATE_LIMIT_PRUNE_INTERVAL_SECONDS = 600.0
RETENTION_INTERVAL_SECONDS = 3600.0
CHILD_STOP_MARGIN_SECONDS = 5.0


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        configure_sla_clock(app.state.sessionmaker, settings)
        configure_surveys(app.state.sessionmaker, settings)
        app.state.sqlite_writer_queue = asyncio.Lock() if settings.is_sqlite else None
        if settings.migrate_on_start:
            await upgrade(engine)
        app.state.rate_limiters = webchat_limiters(settings, engine)
        app.state.login_throttle = login_throttle(settings, engine)
        app.state.graph_client = graph_client(settings)
        app.state.kb = KnowledgeBase(settings, writer_queue=app.state.sqlite_writer_queue)
        app.state.bot = ConversationEngine(settings, app.state.kb)
        app.state.assist = Assistant(settings, engine, app.state.sqlite_writer_queue)
        app.state.inbox_writer = InboxWriter(engine, app.state.sqlite_writer_queue)
        app.state.inbox = InboxProcessor(
            app.state.sessionmaker,
            app.state.bot,
            settings,
            writer_queue=app.state.sqlite_writer_queue,
            on_replies=lambda: poke_outbox(app.state),
        )
        # Per process: each keeps its own KB index fresh. The jobs work on shared queues.
        calibration_refresh, calibration = calibration_workers(
            app.state.sessionmaker, app.state.kb, settings, app.state.sqlite_writer_queue
        )
        local = [kb_refresh_worker(app.state.sessionmaker, app.state.kb, settings)]
        app.state.help = help_center(
            settings, app.state.sessionmaker, app.state.sqlite_writer_queue
        )
        local.append(help_flush_worker(app.state.help, settings))  # its buffer is this process's
        local.append(calibration_refresh)
        jobs = [
            inbox_worker(app.state.inbox),
            PeriodicWorker(
                "inbox_prune",
                lambda: prune_inbox(app.state.sessionmaker, settings, now=utcnow()),
                INBOX_PRUNE_INTERVAL_SECONDS,
            ),
            PeriodicWorker(
                "sweeper",
                lambda: sweep_idle_conversations(
                    app.state.sessionmaker,
                    now=utcnow(),
                    timeout_seconds=settings.session_timeout_seconds,
                ),
                settings.sweep_interval_seconds,
            ),
            PeriodicWorker(
                "handoff_leases",
                lambda: run_lease_expiry(
                    app.state.sessionmaker, lease_seconds=settings.handoff_lease_seconds
                ),
                LEASE_CHECK_INTERVAL_SECONDS,
            ),
            outbox_worker(app.state.sessionmaker, app.state.graph_client, settings),
            coverage_worker(
                CoverageRunner(
                    app.state.sessionmaker,
                    app.state.kb,
                    settings,
                    writer_queue=app.state.sqlite_writer_queue,
                )
            ),
            # Message texts (when a retention is set) and finished coverage jobs.
            PeriodicWorker(
                "retention",
                lambda: remove_expired(app.state.sessionmaker, settings, now=utcnow()),
                RETENTION_INTERVAL_SECONDS,
            ),
            PeriodicWorker(
                "routing",
                lambda: run_routing(app.state.sessionmaker, settings),
                settings.routing_interval_seconds,
            ),
            PeriodicWorker(
                "sla",
                lambda: check_service_levels(app.state.sessionmaker, now=utcnow()),
                settings.sla_check_interval_seconds,
            ),
        ]
        jobs += [
            calibration,
            learning_worker(
                app.state.sessionmaker, app.state.kb, settings, app.state.sqlite_writer_queue
            ),
        ]
        if not settings.is_sqlite:
            jobs.append(
                PeriodicWorker(
                    "rate_limit_prune",
                    lambda: prune_rate_limits(engine),
                    RATE_LIMIT_PRUNE_INTERVAL_SECONDS,
                )
            )
        await _warm_up(app)
        workers: list[PeriodicWorker] = []
        listener: asyncio.Task[None] | None = None
        children: list[WorkerProcess] = []
        if not settings.run_workers:
            logger.info(
                "background workers off: webhooks are stored, and answered by a `router worker`"
            )
        elif settings.workers_in_child_process:
            workers = local
            # A child's outbox drains on SIGTERM: give it that long before SIGKILL.
            children = [
                WorkerProcess(stop_timeout=drain_seconds(settings) + CHILD_STOP_MARGIN_SECONDS)
                for _ in range(settings.worker_children)
            ]
            for child in children:
                child.start()
            if not os.environ.get(MULTIPROCESS_DIR_VARIABLE):
                logger.warning(
                    "the worker children's metrics are not on /metrics: start with `router serve`"
                    " or set PROMETHEUS_MULTIPROC_DIR"
                )
        else:
            workers = local + jobs
            if not settings.is_sqlite:
                # Other processes' webhooks and replies wake these workers at once.
                app.state.wake_listener = WakeListener(
                    engine.url,
                    (INBOX_WORKER, OUTBOX_WORKER, COVERAGE_WORKER),
                    lambda name: poke_worker(app.state, name),
                )
                listener = asyncio.create_task(app.state.wake_listener.run(), name="wakeups")
        app.state.workers = {w.name: w for w in workers}
        for worker in workers:
            worker.start()
        logger.info("service started", extra={"database": engine.url.render_as_string()})
        try:
            yield
        finally:
            # Together: each drains its outbox, so one after another would add up the waits.
            await asyncio.gather(*(child.stop() for child in children))
            await cancel_and_wait(listener)
            for worker in workers:
                await worker.stop()
            await app.state.help.close()
            await app.state.kb.close()
            await app.state.assist.close()
            await app.state.graph_client.aclose()
            await engine.dispose()

    docs = settings.api_docs
    app = FastAPI(
        title="Self-Service Router",
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings
    app.state.handoff_notifier = handoff_notifier
    install_error_handlers(app)
    app.add_middleware(RequestMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        WebchatCORSMiddleware, allowed_origins=parse_origins(settings.webchat_allowed_origins)
    )
    # First: the webhooks are the hot path, and routes are matched in order.
    app.include_router(webhooks.router)
    app.include_router(chatwoot.router)
    app.include_router(health.router)
    app.include_router(webchat.router)
    app.include_router(webchat.page_router)
    app.include_router(handoffs.router)
    app.include_router(agents.router)
    app.include_router(stats.router)
    app.include_router(dashboard.router)
    app.include_router(kb_router.router)
    app.include_router(kb_editor.router)
    app.include_router(kb_status.router)
    app.include_router(outbox_router.router)
    app.include_router(contacts.router)
    app.include_router(inbox.router)
    app.include_router(home.router)
    app.include_router(assets.router)
    app.include_router(workspace.router)
    app.include_router(workspace.page_router)
    app.include_router(media.router)
    app.include_router(conversations_router.router)
    app.include_router(events_router.router)
    app.include_router(kb_categories.router)
    app.include_router(help_pages.router)
    app.include_router(help_api.router)
    app.include_router(accounts.router)
    app.include_router(accounts.page_router)
    app.include_router(audit.router)
    app.include_router(kb_learning.router)
    app.include_router(teams_router.router)
    app.include_router(agenttools_router.router)
    app.include_router(sla_router.router)
    app.include_router(assist_router.router)
    return app


async def _warm_up(app: FastAPI) -> None:
    """Build the KB index before the first message, then freeze what lives as long as the
    process (``app.gcpolicy``)."""
    try:
        await refresh_kb(app.state.sessionmaker, app.state.kb)
    except Exception:  # the database may be down at start: /readyz says so, the worker retries
        logger.warning("kb index not built at start; it will be on first use", exc_info=True)
    else:
        if app.state.kb.article_count == 0:
            logger.warning(
                "the knowledge base is empty: the bot can only offer a person. Import articles"
                " with `router kb import FILE` or POST /api/v1/kb/import (README: Knowledge base)"
            )
    freeze_long_lived()


def _default_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


# `uvicorn app.main:app` entry point; `router serve` builds its own.
def __getattr__(name: str) -> FastAPI:
    if name == "app":
        return _default_app()
    raise AttributeError(name)
