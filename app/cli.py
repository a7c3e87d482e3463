"""The ``router`` command: serve, migrate, demo, and admin helpers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.config import Settings
from app.db import create_engine
from app.logging import configure_logging
from app.migrate import upgrade
from app.types import Channel

logger = logging.getLogger("app.cli")

DEMO_ADMIN_TOKEN = "demo-admin-token"


def _load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"ROUTER_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        logger.error("invalid configuration: %s", problems)
        raise SystemExit(2) from None


async def _preflight(settings: Settings) -> None:
    """Connect and migrate once, so a bad database fails fast with one clear line."""
    engine = create_engine(settings)
    try:
        async with asyncio.timeout(15):
            await upgrade(engine)
    finally:
        await engine.dispose()


def _run_preflight(settings: Settings) -> None:
    try:
        asyncio.run(_preflight(settings))
    except (Exception, TimeoutError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        logger.error(
            "cannot use the database %s: %s",
            settings.database_url.split("@")[-1],
            reason[:300],
        )
        raise SystemExit(1) from None


def _serve(settings: Settings, host: str, port: int) -> None:
    with _shared_metrics(settings.workers_in_child_process):
        import uvicorn

        from app.main import create_app

        _run_preflight(settings)
        app = create_app(settings.model_copy(update={"migrate_on_start": False}))
        uvicorn.run(app, host=host, port=port, log_config=None, proxy_headers=True)


@contextlib.contextmanager
def _shared_metrics(wanted: bool) -> Iterator[None]:
    """With a worker child, a private directory for both processes' metrics (see
    ``app.metrics``); set before prometheus_client is imported, removed at exit. A directory
    the environment already names is used as it is."""
    variable = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus_client when it is imported
    if not wanted or os.environ.get(variable):
        yield
        return
    remove_orphaned_metrics(Path(tempfile.gettempdir()))
    directory = tempfile.mkdtemp(prefix=f"{METRICS_DIR_PREFIX}{os.getpid()}-")
    os.environ[variable] = directory
    try:
        yield
    finally:
        shutil.rmtree(directory, ignore_errors=True)


METRICS_DIR_PREFIX = "router-metrics-"


def remove_orphaned_metrics(parent: Path) -> None:
    """Delete the metrics directories of servers that died without cleaning up (SIGKILL):
    each is named after its server's process id."""
    for directory in parent.glob(f"{METRICS_DIR_PREFIX}*-*"):
        pid = directory.name.removeprefix(METRICS_DIR_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(directory, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def cmd_serve(args: argparse.Namespace) -> None:
    settings = _load_settings()
    configure_logging(settings.log_level)
    _serve(settings, args.host, args.port)


STOP_MARGIN_SECONDS = 10.0  # beyond the outbox's drain: the other jobs, the engine's dispose


def cmd_worker(args: argparse.Namespace) -> None:
    settings = _load_settings()
    configure_logging(settings.log_level)
    _run_preflight(settings)
    if settings.worker_nice and hasattr(os, "nice"):
        os.nice(settings.worker_nice)
    only_jobs = {"migrate_on_start": False, "run_workers": True, "worker_mode": "inline"}
    asyncio.run(_work(settings.model_copy(update=only_jobs), supervised=args.supervised))


async def _work(settings: Settings, *, supervised: bool = False) -> None:
    """The background jobs (inbox, outbox delivery, idle sweeper, handoff leases, KB refresh)
    without HTTP: run it beside `router serve` with ROUTER_RUN_WORKERS=false so replies do not
    compete with webhook intake for one core (`router serve` on PostgreSQL starts one itself,
    ``app.worker_process``). Stops cleanly on SIGTERM / SIGINT, and when ``supervised``, also
    when standard input closes: the parent that holds its other end has gone."""
    from app.main import create_app
    from app.outbox.worker import drain_seconds

    app = create_app(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    if supervised:
        # A Ctrl-C at the terminal reaches the whole process group: the server stops us.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _stop_at_end_of_input(loop, stop)
    else:
        loop.add_signal_handler(signal.SIGINT, stop.set)
    async with app.router.lifespan_context(app):
        logger.info("background workers running", extra={"workers": sorted(app.state.workers)})
        await stop.wait()
        _exit_if_stopping_hangs(drain_seconds(settings) + STOP_MARGIN_SECONDS)
    logger.info("background workers stopped")


def _exit_if_stopping_hangs(seconds: float) -> None:
    """A safety net: a worker whose parent has died has nobody left to SIGKILL it, so if
    stopping ever hangs (a task that cannot finish), it ends itself. The timer thread dies
    with the process when stopping goes as it should."""

    def give_up() -> None:
        logger.error("stopping took over %.0f s: exiting now", seconds)
        os._exit(1)

    timer = threading.Timer(seconds, give_up)
    timer.daemon = True
    timer.start()


def _stop_at_end_of_input(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    stdin = sys.stdin.fileno()

    def readable() -> None:
        try:
            more = os.read(stdin, 4096)
        except OSError:
            more = b""
        if not more:
            loop.remove_reader(stdin)
            logger.warning("parent process gone: stopping the background workers")
            stop.set()

    loop.add_reader(stdin, readable)


def cmd_migrate(_args: argparse.Namespace) -> None:
    settings = _load_settings()
    configure_logging(settings.log_level)
    _run_preflight(settings)
    logger.info("database migrated to head")


def cmd_demo(args: argparse.Namespace) -> None:
    from pydantic import SecretStr

    settings = _load_settings()
    if settings.admin_token is None:
        settings = settings.model_copy(update={"admin_token": SecretStr(DEMO_ADMIN_TOKEN)})
    configure_logging(settings.log_level)
    _run_preflight(settings)
    _run(settings, _load_demo_kb)
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    base = f"http://{args.host}:{args.port}"
    print(
        f"\n  Demo ready: chat at {base}/chat, ops dashboard at {base}/dashboard"
        f" (admin token: {token})\n",
        file=sys.stderr,
    )
    _serve(settings, args.host, args.port)


def cmd_agents_create(args: argparse.Namespace) -> None:
    from app.escalation.cli import create_agent_and_print

    settings = _load_settings()
    configure_logging(settings.log_level)
    _run_preflight(settings)
    _run(settings, lambda s: create_agent_and_print(s, args.name))


def cmd_contacts_erase(args: argparse.Namespace) -> None:
    from app.conversations.cli import erase_and_print

    settings = _load_settings()
    configure_logging(settings.log_level)
    _run_preflight(settings)
    _run(settings, lambda s: erase_and_print(s, Channel(args.channel), args.external_id))


def cmd_events(args: argparse.Namespace) -> None:
    from app.events import cli as events_cli

    settings = _load_settings()
    configure_logging("WARNING")  # stdout carries the JSON
    _run_preflight(settings)
    jobs: dict[str, Callable[[Settings], Coroutine[Any, Any, None]]] = {
        "list": events_cli.list_and_print,
        "add": lambda s: events_cli.add_and_print(
            s, args.url, [e.strip() for e in args.events.split(",") if e.strip()], args.secret
        ),
        "remove": lambda s: events_cli.remove_and_print(s, args.id),
        "resume": lambda s: events_cli.resume_and_print(s, args.id),
    }
    _run(settings, jobs[args.events_command])


async def _load_demo_kb(settings: Settings) -> None:
    from app.kb.demo import load_demo_kb

    await load_demo_kb(settings)


def _run(settings: Settings, job: Callable[[Settings], Coroutine[Any, Any, None]]) -> None:
    try:
        asyncio.run(job(settings))
    except SystemExit:
        raise
    except Exception as exc:
        logger.error("%s failed: %s", getattr(job, "__name__", "command"), exc)
        raise SystemExit(1) from None


def cmd_kb_import(args: argparse.Namespace) -> None:
    from app.kb.commands import import_file, read_articles_file

    settings = _load_settings()
    configure_logging(settings.log_level)
    _run_preflight(settings)

    async def job(s: Settings) -> None:
        result = await import_file(s, read_articles_file(Path(args.file)), mode=args.mode)
        print(result.model_dump_json())

    _run(settings, job)


def cmd_kb_export(_args: argparse.Namespace) -> None:
    import json

    from app.kb.commands import export_all

    settings = _load_settings()
    configure_logging("WARNING")  # stdout carries the JSON export, keep log lines off it
    _run_preflight(settings)

    async def job(s: Settings) -> None:
        print(json.dumps(await export_all(s), ensure_ascii=False, indent=2))

    _run(settings, job)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="router", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=cmd_serve)

    worker = commands.add_parser("worker", help="run the background jobs without HTTP")
    worker.add_argument(
        "--supervised",
        action="store_true",
        help="also stop when standard input closes (how `router serve` runs its worker child)",
    )
    worker.set_defaults(func=cmd_worker)

    migrate = commands.add_parser("migrate", help="upgrade the database schema to head")
    migrate.set_defaults(func=cmd_migrate)

    demo = commands.add_parser("demo", help="serve on SQLite with the demo knowledge base")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.set_defaults(func=cmd_demo)

    agents = commands.add_parser("agents", help="manage agent accounts")
    agent_commands = agents.add_subparsers(dest="agents_command", required=True)
    agents_create = agent_commands.add_parser("create", help="create an agent, print its token")
    agents_create.add_argument("name")
    agents_create.set_defaults(func=cmd_agents_create)

    contacts = commands.add_parser("contacts", help="customers' personal data")
    contact_commands = contacts.add_subparsers(dest="contacts_command", required=True)
    contacts_erase = contact_commands.add_parser(
        "erase", help="erase a customer's personal data (messages' text, ids, names)"
    )
    contacts_erase.add_argument("channel", choices=[c.value for c in Channel])
    contacts_erase.add_argument("external_id", help="phone number, page-scoped id or wc_ id")
    contacts_erase.set_defaults(func=cmd_contacts_erase)

    kb = commands.add_parser("kb", help="knowledge base: import or export articles")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    kb_import = kb_commands.add_parser("import", help="import a JSON or .csv file")
    kb_import.add_argument("file")
    kb_import.add_argument("--mode", choices=["upsert", "replace"], default="upsert")
    kb_import.set_defaults(func=cmd_kb_import)
    kb_export = kb_commands.add_parser("export", help="print all articles as JSON")
    kb_export.set_defaults(func=cmd_kb_export)

    events = commands.add_parser("events", help="outgoing event subscriptions")
    event_commands = events.add_subparsers(dest="events_command", required=True)
    event_commands.add_parser("list", help="subscriptions and their delivery health")
    events_add = event_commands.add_parser("add", help="subscribe a URL to events")
    events_add.add_argument("url")
    events_add.add_argument("--events", required=True, help="comma-separated event types")
    events_add.add_argument("--secret", required=True, help="HMAC key for the signatures")
    for name, text in (("remove", "delete a subscription"), ("resume", "resume a paused one")):
        command = event_commands.add_parser(name, help=text)
        command.add_argument("id", type=int)
    for command in event_commands.choices.values():
        command.set_defaults(func=cmd_events)

    return parser


def main(argv: Sequence[str] | None = None) -> None:
    configure_logging("INFO")
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
