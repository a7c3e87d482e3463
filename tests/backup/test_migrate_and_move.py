"""A backup from an older schema is migrated on restore; a SQLite backup moves into PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Boolean, Integer, column, insert, select, table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import TableClause

from app.backup import BackupError, create_backup, restore_backup
from app.backup.archive import read_manifest
from app.config import Settings
from app.conversations.models import Contact, Message
from app.db import UTCDateTime, create_engine, create_sessionmaker, utcnow
from app.migrate import alembic_config, downgrade, upgrade
from app.outbox.models import OutboxItem
from app.types import JSONType, OutcomeKind, Sender
from tests.backup.helpers import (
    data_counts,
    model_counts,
    orphans,
    outbox_rows,
    revision,
    skip_without_pg_tools,
)
from tests.conftest import make_settings
from tests.factories import make_agent, make_conversation, make_message, make_outcome

OLD_REVISION = "0014"
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def _fill(settings: Settings) -> None:
    """Conversations, messages, an outcome and an outbox row: tables 0014 already had."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            for n in range(3):
                conversation = await make_conversation(session)
                await make_message(
                    session, conversation=conversation, sender=Sender.customer, text=f"halo {n}"
                )
                reply = await make_message(
                    session, conversation=conversation, sender=Sender.bot, text="Halo juga 😊"
                )
            await make_outcome(session, conversation=conversation, outcome=OutcomeKind.no_request)
            session.add(
                OutboxItem(
                    message=reply, channel="webchat", recipient_key="k", payload={"t": [1, "dua"]}
                )
            )
    finally:
        await engine.dispose()


def _at(name: str) -> Any:
    return column(name, UTCDateTime())


# The tables as revision 0014 made them, with the columns an older router wrote: the ORM
# models carry every column later migrations add, so they cannot fill the old schema.
CONTACTS_0014 = table(
    "contacts",
    column("id"),
    column("channel"),
    column("external_id"),
    column("language"),
    _at("created_at"),
)
CONVERSATIONS_0014 = table(
    "conversations",
    column("id"),
    column("contact_id"),
    column("channel"),
    column("status"),
    column("language"),
    _at("created_at"),
    _at("last_customer_at"),
    column("consecutive_misses"),
    column("had_request", Boolean()),
    column("awaiting_csat", Boolean()),
)
MESSAGES_0014 = table(
    "messages",
    column("id"),
    column("conversation_id"),
    column("contact_id"),
    column("channel"),
    column("direction"),
    column("sender"),
    column("text"),
    _at("created_at"),
)
OUTCOMES_0014 = table(
    "outcomes",
    column("conversation_id"),
    column("contact_id"),
    column("outcome"),
    column("channel"),
    _at("conversation_created_at"),
    _at("recorded_at"),
)
OUTBOX_0014 = table(
    "outbox",
    column("message_id"),
    column("channel"),
    column("recipient_key"),
    column("payload", JSONType),
    column("status"),
    column("attempts"),
    _at("next_attempt_at"),
    _at("created_at"),
)


async def _row(connection: AsyncConnection, into: TableClause, **values: Any) -> int:
    statement = insert(into).values(**values).returning(column("id", Integer()))
    return (await connection.execute(statement)).scalar_one()


async def _fill_0014(settings: Settings) -> None:
    """What ``_fill`` writes, as SQL naming only the columns revision 0014 had."""
    engine = create_engine(settings)
    now, webchat = utcnow(), "webchat"
    try:
        async with engine.begin() as connection:
            for n in range(3):
                contact = await _row(
                    connection,
                    CONTACTS_0014,
                    channel=webchat,
                    external_id=f"customer-{n}",
                    language="id",
                    created_at=now,
                )
                conversation = await _row(
                    connection,
                    CONVERSATIONS_0014,
                    contact_id=contact,
                    channel=webchat,
                    status="bot",
                    language="id",
                    created_at=now,
                    last_customer_at=now,
                    consecutive_misses=0,
                    had_request=True,
                    awaiting_csat=False,
                )
                for direction, sender, text in (
                    ("in", "customer", f"halo {n}"),
                    ("out", "bot", "Halo juga 😊"),
                ):
                    reply = await _row(
                        connection,
                        MESSAGES_0014,
                        conversation_id=conversation,
                        contact_id=contact,
                        channel=webchat,
                        direction=direction,
                        sender=sender,
                        text=text,
                        created_at=now,
                    )
            await connection.execute(
                insert(OUTCOMES_0014).values(
                    conversation_id=conversation,
                    contact_id=contact,
                    outcome=OutcomeKind.no_request.value,
                    channel=webchat,
                    conversation_created_at=now,
                    recorded_at=now,
                )
            )
            await connection.execute(
                insert(OUTBOX_0014).values(
                    message_id=reply,
                    channel=webchat,
                    recipient_key="k",
                    payload={"t": [1, "dua"]},
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    finally:
        await engine.dispose()


async def _migrate(
    settings: Settings, step: Callable[[AsyncEngine, str], Awaitable[None]], to: str
) -> None:
    engine = create_engine(settings)
    try:
        await step(engine, to)
    finally:
        await engine.dispose()


async def test_a_backup_of_an_older_schema_is_migrated_on_restore(
    database_url: str, backend: str, tmp_path: Path
) -> None:
    skip_without_pg_tools(backend)
    settings = make_settings(database_url)
    try:
        await _migrate(settings, downgrade, OLD_REVISION)  # as an older router left it
        await _fill_0014(settings)
        path = await create_backup(settings, tmp_path / "old.tar")
        assert read_manifest(path).schema_revision == OLD_REVISION
        await _migrate(settings, upgrade, "head")
        await restore_backup(settings, path, force=True)
    finally:
        await _migrate(settings, upgrade, "head")  # the next test finds the current schema

    assert await revision(database_url) == HEAD
    counts = await model_counts(database_url)
    manifest = read_manifest(path)
    assert {t: counts[t] for t in data_counts(manifest) if t in counts} == data_counts(manifest)
    assert counts["messages"] == 6
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            agent, _ = await make_agent(session)  # a column only the current schema has
            assert agent.role == "agent"
    finally:
        await engine.dispose()


async def test_a_sqlite_backup_moves_into_postgresql(
    database_url: str, backend: str, tmp_path: Path
) -> None:
    if backend != "postgres":
        pytest.skip("the target is PostgreSQL")
    source = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}")
    await _migrate(source, upgrade, "head")
    await _fill(source)
    path = await create_backup(source, tmp_path / "shop.tar")
    sqlite_outbox = await outbox_rows(source.database_url)

    await restore_backup(make_settings(database_url), path)  # a fresh database: no --force

    assert await revision(database_url) == HEAD
    assert await model_counts(database_url) == await model_counts(source.database_url)
    assert await orphans(database_url) == {}
    assert await outbox_rows(database_url) == sqlite_outbox
    engine = create_engine(make_settings(database_url))
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            texts = (await session.scalars(select(Message.text).order_by(Message.id))).all()
            assert texts[:2] == ["halo 0", "Halo juga 😊"]
            # The ids were copied, so the sequences must have moved past them.
            contact = Contact(channel="webchat", external_id="after-the-move")
            session.add(contact)
            await session.flush()
            assert contact.id == 4
    finally:
        await engine.dispose()


async def test_a_sqlite_database_in_use_is_not_replaced(
    database_url: str, backend: str, tmp_path: Path
) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite's file swap")
    settings = make_settings(database_url)
    await _fill(settings)
    path = await create_backup(settings, tmp_path / "b.tar")
    target = settings.sqlite_path()
    assert target is not None
    service = sqlite3.connect(target)  # as the running service holds it
    try:
        service.execute("SELECT count(*) FROM messages").fetchone()
        with pytest.raises(BackupError, match="stop the service"):
            await restore_backup(settings, path, force=True)
    finally:
        service.close()
    await restore_backup(settings, path, force=True)
