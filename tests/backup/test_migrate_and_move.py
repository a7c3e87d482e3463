"""A backup from an older schema is migrated on restore; a SQLite backup moves into PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.backup import BackupError, create_backup, restore_backup
from app.backup.archive import read_manifest
from app.config import Settings
from app.conversations.models import Contact, Message
from app.db import create_engine, create_sessionmaker
from app.migrate import alembic_config, downgrade, upgrade
from app.outbox.models import OutboxItem
from app.types import OutcomeKind, Sender
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
        await _fill(settings)
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
