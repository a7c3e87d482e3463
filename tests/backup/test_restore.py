"""Backups taken while the service writes restore to a consistent database; a bad file or a
non-empty target is refused and the target left as it was. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import httpx
import pytest

from app.backup import BackupError, create_backup, restore_backup
from app.backup import sqlite as sqlite_backup
from app.backup.archive import Manifest, extract_payload, file_sha256, read_manifest, write_archive
from app.config import Settings
from app.main import create_app
from app.outbox.models import OutboxItem
from app.types import OutcomeKind, Sender
from tests.backup.helpers import (
    data_counts,
    model_counts,
    orphans,
    outbox_rows,
    restore_leftovers,
    skip_without_pg_tools,
)
from tests.conftest import make_settings
from tests.factories import bearer, make_conversation, make_message, make_outcome


@pytest.fixture
def settings(database_url: str, backend: str) -> Settings:
    skip_without_pg_tools(backend)
    return make_settings(database_url, webchat_messages_per_minute=100_000)


async def _seed(settings: Settings) -> None:
    """A finished conversation with its outcome, and a reply waiting in the outbox."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with app.state.sessionmaker() as session, session.begin():
            conversation = await make_conversation(session)
            await make_message(
                session, conversation=conversation, sender=Sender.customer, text="halo"
            )
            reply = await make_message(
                session, conversation=conversation, sender=Sender.bot, text="Halo juga"
            )
            await make_outcome(session, conversation=conversation, outcome=OutcomeKind.no_request)
            session.add(
                OutboxItem(
                    message_id=reply.id,
                    channel="webchat",
                    recipient_key="webchat::x",
                    payload={"text": "Halo juga"},
                )
            )


async def test_a_backup_taken_while_messages_arrive_restores_consistent(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A few pages per step: the service's writes land between the backup's steps.
    monkeypatch.setattr(sqlite_backup, "PAGES_PER_STEP", 2)
    await _seed(settings)
    outbox_before = await outbox_rows(settings.database_url)
    app = create_app(settings)
    sent = 0
    stop = asyncio.Event()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def visitor(n: int) -> None:
                nonlocal sent
                created = await client.post("/api/v1/webchat/sessions", json={"name": f"V{n}"})
                headers = bearer(created.json()["token"])
                while not stop.is_set():
                    text = f"pesanan saya nomor {sent} belum sampai, bagaimana?"
                    answer = await client.post(
                        "/api/v1/webchat/messages", json={"text": text}, headers=headers
                    )
                    assert answer.status_code == 200, answer.text
                    sent += 1

            visitors = [asyncio.create_task(visitor(n)) for n in range(3)]
            while sent < 10:
                await asyncio.sleep(0.01)
            path = await create_backup(settings, tmp_path / "live.tar")
            after_backup = sent
            while sent < after_backup + 10:  # rows the restore must not bring back
                await asyncio.sleep(0.01)
            stop.set()
            await asyncio.gather(*visitors)

    manifest = read_manifest(path)
    assert manifest.tables["messages"] > 0
    assert (await model_counts(settings.database_url))["messages"] > manifest.tables["messages"]
    await restore_backup(settings, path, force=True)

    restored = await model_counts(settings.database_url)
    assert {t: restored[t] for t in data_counts(manifest)} == data_counts(manifest)
    assert await orphans(settings.database_url) == {}
    assert restored["outcomes"] == manifest.tables["outcomes"] >= 1
    assert await outbox_rows(settings.database_url) == outbox_before


async def test_a_corrupt_or_truncated_file_is_refused_and_the_target_untouched(
    settings: Settings, tmp_path: Path
) -> None:
    await _seed(settings)
    path = await create_backup(settings, tmp_path / "good.tar")
    raw = path.read_bytes()
    corrupt = tmp_path / "corrupt.tar"
    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 0xFF  # inside the payload: only the checksum can tell
    corrupt.write_bytes(bytes(flipped))
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(raw[: len(raw) * 2 // 3])
    not_a_backup = tmp_path / "notes.tar"
    not_a_backup.write_bytes(b"just some text, not a tar at all" * 40)

    await _seed(settings)  # the target now differs from the backup
    before = await model_counts(settings.database_url)
    outbox = await outbox_rows(settings.database_url)
    for bad, words in (
        (corrupt, "corrupt"),
        (truncated, "truncated"),
        (not_a_backup, "not a router backup"),
    ):
        with pytest.raises(BackupError, match=words):
            await restore_backup(settings, bad, force=True)
        assert await model_counts(settings.database_url) == before
        assert await outbox_rows(settings.database_url) == outbox


def test_a_file_cut_anywhere_after_its_payload_is_refused(tmp_path: Path) -> None:
    """A tar ends in zero blocks padded to a whole record: up to ~10 KB that can be cut off
    with the payload still whole, which ``tarfile`` alone reads as a normal end."""
    payload = tmp_path / "database.sqlite3"
    payload.write_bytes(b"x" * 512)
    manifest = Manifest(
        backend="sqlite",
        schema_revision="head",
        tables={},
        created_at="2026-01-01T00:00:00+00:00",
        payload_name=payload.name,
        payload_size=512,
        payload_sha256=file_sha256(payload),
    )
    whole = tmp_path / "whole.tar"
    write_archive(whole, manifest, payload)
    assert extract_payload(whole, tmp_path / "out") == manifest
    raw = whole.read_bytes()
    after_payload = len(raw) - raw.rindex(b"x") - 1
    assert after_payload > 5000  # zeros only: the payload's own checksum cannot tell
    cut = tmp_path / "cut.tar"
    for missing in (1, 511, 512, 1024, 5000, after_payload - 1024, after_payload):
        cut.write_bytes(raw[:-missing])
        with pytest.raises(BackupError, match="truncated"):
            extract_payload(cut, tmp_path / "out")
        assert not (tmp_path / "out").exists()


async def test_a_target_holding_data_is_refused_without_force(
    settings: Settings, tmp_path: Path
) -> None:
    await _seed(settings)
    path = await create_backup(settings, tmp_path / "b.tar")
    await _seed(settings)
    before = await model_counts(settings.database_url)
    with pytest.raises(BackupError, match=r"not empty.*--force"):
        await restore_backup(settings, path)
    assert await model_counts(settings.database_url) == before
    await restore_backup(settings, path, force=True)
    assert (await model_counts(settings.database_url))["conversations"] == 1


async def test_rows_that_do_not_match_the_manifest_leave_the_target_as_it_was(
    settings: Settings, tmp_path: Path
) -> None:
    """The checksum covers the payload; a manifest that disagrees with it (edited, or a bug)
    fails the count check after the data is staged, and the old data is put back."""
    await _seed(settings)
    good = await create_backup(settings, tmp_path / "good.tar")
    manifest = read_manifest(good)
    payload = tmp_path / manifest.payload_name
    extract_payload(good, payload)
    wrong = dataclasses.replace(
        manifest, tables={**manifest.tables, "messages": manifest.tables["messages"] + 1}
    )
    lying = tmp_path / "lying.tar"
    write_archive(lying, wrong, payload)

    await _seed(settings)
    before = await model_counts(settings.database_url)
    with pytest.raises(BackupError, match="messages: 3 in the manifest, 2 restored"):
        await restore_backup(settings, lying, force=True)
    assert await model_counts(settings.database_url) == before
    assert await restore_leftovers(settings) == []
