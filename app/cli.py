"""The ``router`` command: serve, migrate, demo, and admin helpers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from app.config import Settings
from app.db import create_engine
from app.logging import configure_logging
from app.migrate import upgrade
from app.serving import PortInUse, bind, serve_on
from app.types import Channel

logger = logging.getLogger("app.cli")

DEMO_ADMIN_TOKEN = "demo-admin-token"
# Commands whose log is the service's log (stdout); every other command prints its result on
# stdout and logs on stderr, so `TOKEN=$(router agents create Ani)` captures the token alone.
SERVICE_COMMANDS = {"serve", "worker", "demo"}
T = TypeVar("T")


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


def _bind_or_exit(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is written or announced."""
    try:
        return bind(host, port)
    except PortInUse as exc:
        other = exc.free or port + 1
        logger.error(
            "port %d on %s is in use; start with PORT=%d make run (or --port %d)",
            port,
            host,
            other,
            other,
        )
        raise SystemExit(1) from None
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", host, port, exc.strerror or exc)
        raise SystemExit(1) from None


def _serve(
    settings: Settings, sock: socket.socket, on_started: Callable[[], None] | None = None
) -> None:
    with _shared_metrics(settings.workers_in_child_process):
        from app.main import create_app

        _run_preflight(settings)
        app = create_app(settings.model_copy(update={"migrate_on_start": False}))
        serve_on(app, sock, on_started=on_started)


def _refuse_new_database(settings: Settings, *, create: bool) -> None:
    """An admin command run from the wrong folder would otherwise make a new, empty
    ./data/router.db and report on it (an empty export, exit 0) as if it were the real one."""
    path = settings.sqlite_path()
    if path is None or path.exists() or create:
        return
    logger.error(
        "no database at %s: run this where the service runs, set ROUTER_DATABASE_URL,"
        " or add --create to make a new, empty one",
        path.resolve(),
    )
    raise SystemExit(2)


def _admin_settings(args: argparse.Namespace) -> Settings:
    settings = _load_settings()
    configure_logging(settings.log_level, sys.stderr)
    _refuse_new_database(settings, create=getattr(args, "create", False))
    _run_preflight(settings)
    return settings


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
    sock = _bind_or_exit(args.host, args.port)
    path = settings.sqlite_path()
    if path is not None and not path.exists():
        logger.warning("no database at %s: creating a new, empty one", path.resolve())
    _serve(settings, sock)


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
    configure_logging(settings.log_level, sys.stderr)
    _run_preflight(settings)
    logger.info("database migrated to head")


def cmd_demo(args: argparse.Namespace) -> None:
    from pydantic import SecretStr

    from app.accounts.demo import ensure_demo_admin
    from app.demo_workday import ensure_demo_workday
    from app.kb.demo import load_demo_kb

    settings = _load_settings()
    if settings.admin_token is None:
        settings = settings.model_copy(update={"admin_token": SecretStr(DEMO_ADMIN_TOKEN)})
    if not settings.public_url:  # the bot's article links go to the demo's own help center
        settings = settings.model_copy(update={"public_url": f"http://{args.host}:{args.port}"})
    configure_logging(settings.log_level)
    sock = _bind_or_exit(args.host, args.port)  # before the KB is touched
    _run_preflight(settings)
    kb = _run(settings, lambda s: load_demo_kb(s, reset=args.reset_kb))
    email, password = _run(settings, ensure_demo_admin)
    _run(settings, lambda s: ensure_demo_workday(s, email))
    token = settings.admin_token.get_secret_value() if settings.admin_token else ""
    base = f"http://{args.host}:{args.port}"

    def announce() -> None:
        print(
            f"\n  Demo ready at {base}/  (admin token: {token})\n"
            f"  sign in as {email} with password {password} (new every run)\n"
            f"  chat {base}/chat · agents {base}/agent · KB {base}/kb"
            f" · dashboard {base}/dashboard · help {base}/help\n  KB: {kb}\n",
            file=sys.stderr,
            flush=True,
        )

    _serve(settings, sock, on_started=announce)


def cmd_agents_create(args: argparse.Namespace) -> None:
    from app.accounts.cli import create_account_and_print, read_password

    settings = _admin_settings(args)
    password = None if args.email is None else read_password()
    _run(
        settings,
        lambda s: create_account_and_print(s, args.name, args.email, args.role, password),
    )


def cmd_contacts_erase(args: argparse.Namespace) -> None:
    from app.conversations.cli import erase_and_print

    settings = _admin_settings(args)
    _run(settings, lambda s: erase_and_print(s, Channel(args.channel), args.external_id))


def cmd_events(args: argparse.Namespace) -> None:
    from app.events import cli as events_cli

    settings = _admin_settings(args)
    jobs: dict[str, Callable[[Settings], Coroutine[Any, Any, None]]] = {
        "list": events_cli.list_and_print,
        "add": lambda s: events_cli.add_and_print(
            s, args.url, [e.strip() for e in args.events.split(",") if e.strip()], args.secret
        ),
        "remove": lambda s: events_cli.remove_and_print(s, args.id),
        "resume": lambda s: events_cli.resume_and_print(s, args.id),
    }
    _run(settings, jobs[args.events_command])


def _run(settings: Settings, job: Callable[[Settings], Coroutine[Any, Any, T]]) -> T:
    try:
        return asyncio.run(job(settings))
    except SystemExit:
        raise
    except Exception as exc:
        logger.error("the command failed: %s", exc)
        raise SystemExit(1) from None


def cmd_kb_import(args: argparse.Namespace) -> None:
    from app.kb.commands import import_file, read_articles_file

    settings = _admin_settings(args)

    async def job(s: Settings) -> None:
        result = await import_file(s, read_articles_file(Path(args.file)), mode=args.mode)
        print(result.model_dump_json())

    _run(settings, job)


def cmd_kb_export(args: argparse.Namespace) -> None:
    import json

    from app.kb.commands import export_all, export_csv

    settings = _admin_settings(args)

    async def job(s: Settings) -> None:
        if args.format == "csv":  # bytes: UTF-8 with its BOM whatever the terminal's locale
            sys.stdout.buffer.write((await export_csv(s)).encode("utf-8"))
            sys.stdout.flush()
        else:
            print(json.dumps(await export_all(s), ensure_ascii=False, indent=2))

    _run(settings, job)


def _backup_settings(args: argparse.Namespace) -> Settings:
    overrides = {"database_url": args.database} if args.database else {}
    settings = _load_settings(**overrides)
    configure_logging(settings.log_level, sys.stderr)
    return settings


def cmd_backup(args: argparse.Namespace) -> None:
    from app.backup.cli import backup_and_print

    settings = _backup_settings(args)  # not migrated, nor created: a snapshot as it is
    _run(settings, lambda s: backup_and_print(s, args.output, args.keep))


def cmd_restore(args: argparse.Namespace) -> None:
    from app.backup.cli import restore_and_print

    settings = _backup_settings(args)
    _run(settings, lambda s: restore_and_print(s, args.file, force=args.force))


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
    demo.add_argument(
        "--reset-kb",
        action="store_true",
        help="replace the KB with the demo articles (by default they load into an empty KB only)",
    )
    demo.set_defaults(func=cmd_demo)

    agents = commands.add_parser("agents", help="manage agent accounts")
    agent_commands = agents.add_subparsers(dest="agents_command", required=True)
    agents_create = agent_commands.add_parser("create", help="create an agent, print its token")
    agents_create.add_argument("name")
    agents_create.add_argument(
        "--email", help="sign-in e-mail; the password is asked (or read from standard input)"
    )
    agents_create.add_argument("--role", choices=["agent", "supervisor", "admin"], default="agent")
    _add_create_flag(agents_create)
    agents_create.set_defaults(func=cmd_agents_create)

    contacts = commands.add_parser("contacts", help="customers' personal data")
    contact_commands = contacts.add_subparsers(dest="contacts_command", required=True)
    contacts_erase = contact_commands.add_parser(
        "erase", help="erase a customer's personal data (messages' text, ids, names)"
    )
    contacts_erase.add_argument("channel", choices=[c.value for c in Channel])
    contacts_erase.add_argument("external_id", help="phone number, page-scoped id or wc_ id")
    _add_create_flag(contacts_erase)
    contacts_erase.set_defaults(func=cmd_contacts_erase)

    kb = commands.add_parser("kb", help="knowledge base: import or export articles")
    kb_commands = kb.add_subparsers(dest="kb_command", required=True)
    kb_import = kb_commands.add_parser("import", help="import a JSON or .csv file")
    kb_import.add_argument("file")
    kb_import.add_argument("--mode", choices=["upsert", "replace"], default="upsert")
    _add_create_flag(kb_import)
    kb_import.set_defaults(func=cmd_kb_import)
    kb_export = kb_commands.add_parser("export", help="print all articles as JSON or CSV")
    kb_export.add_argument("--format", choices=["json", "csv"], default="json")
    _add_create_flag(kb_export)
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
        _add_create_flag(command)
        command.set_defaults(func=cmd_events)

    _add_backup_commands(commands)
    return parser


def _add_backup_commands(commands: Any) -> None:
    database = {"help": "the database (default: ROUTER_DATABASE_URL)", "metavar": "URL"}
    backup = commands.add_parser("backup", help="write a consistent snapshot, print its path")
    backup.add_argument(
        "--output", type=Path, metavar="FILE", help="the file (default: ./backups/router-<UTC>.tar)"
    )
    backup.add_argument(
        "--keep", type=_positive, metavar="N", help="keep the newest N backups in that folder"
    )
    backup.add_argument("--database", **database)
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help="restore a backup (migrated, verified)")
    restore.add_argument("file", type=Path, help="a file `router backup` wrote")
    restore.add_argument("--database", **database)
    restore.add_argument(
        "--force", action="store_true", help="replace the data of a target that is not empty"
    )
    restore.set_defaults(func=cmd_restore)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError("must be a whole number of at least 1")
    return int(value)


def _add_create_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--create",
        action="store_true",
        help="make a new SQLite database if ROUTER_DATABASE_URL names a file that does not exist",
    )


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    configure_logging("INFO", sys.stdout if args.command in SERVICE_COMMANDS else sys.stderr)
    args.func(args)


if __name__ == "__main__":
    main()
