"""`router backup` / `router restore` as cron and an operator run them: the path alone on
stdout, retention that deletes only this tool's files, clear one-line failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.backup import BackupError, create_backup
from app.backup.archive import read_manifest
from app.config import Settings
from app.db import create_engine
from app.migrate import upgrade
from tests.conftest import make_settings
from tests.test_cli import run_router


def _logs(stderr: str) -> list[str]:
    return [json.loads(line)["msg"] for line in stderr.splitlines() if line.strip()]


async def _migrate(url: str) -> None:
    engine = create_engine(make_settings(url))
    await upgrade(engine)
    await engine.dispose()


async def test_backup_prints_its_path_and_keeps_the_newest(tmp_path: Path) -> None:
    database = tmp_path / "router.db"
    url = f"sqlite+aiosqlite:///{database}"
    await _migrate(url)
    folder = tmp_path / "backups"
    settings: Settings = make_settings(url)
    await create_backup(settings, folder / "a.tar")  # the oldest: deleted
    await create_backup(settings, folder / "b.tar")
    (folder / "router-other-tool.tar").write_bytes(b"\0" * 1024)  # not ours: kept
    (folder / "notes.txt").write_text("keep me")
    newest = folder / "router-new.tar"

    result = run_router(
        "backup", "--output", str(newest), "--keep", "2", env={"ROUTER_DATABASE_URL": url}
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{newest}\n"
    assert newest.stat().st_mode & 0o777 == 0o600  # every customer's messages: owner only
    assert sorted(p.name for p in folder.iterdir()) == [
        "b.tar",
        "notes.txt",
        "router-new.tar",
        "router-other-tool.tar",
    ]
    assert "old backup deleted" in _logs(result.stderr)


async def test_restore_into_a_new_file_and_refuse_a_damaged_one(tmp_path: Path) -> None:
    source = tmp_path / "router.db"
    url = f"sqlite+aiosqlite:///{source}"
    await _migrate(url)
    backup = await create_backup(make_settings(url), tmp_path / "b.tar")
    target = tmp_path / "new" / "router.db"
    restored = run_router(
        "restore", str(backup), "--database", f"sqlite+aiosqlite:///{target}", env={}
    )
    assert restored.returncode == 0, restored.stderr
    assert json.loads(restored.stdout)["backup_revision"]
    assert target.exists()

    damaged = tmp_path / "damaged.tar"
    damaged.write_bytes(backup.read_bytes()[:-5000])
    before = target.read_bytes()
    refused = run_router(
        "restore", str(damaged), "--database", f"sqlite+aiosqlite:///{target}", "--force", env={}
    )
    assert refused.returncode == 1
    assert refused.stdout == ""
    [message] = _logs(refused.stderr)
    assert "truncated" in message
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["router.db"]  # no leftovers


def test_a_missing_pg_dump_is_named_with_how_to_install_it(tmp_path: Path) -> None:
    output = tmp_path / "backups" / "b.tar"
    result = run_router(
        "backup",
        "--output",
        str(output),
        "--database",
        "postgresql+asyncpg://router@127.0.0.1:5432/router",
        env={"PATH": str(tmp_path)},  # a PATH without PostgreSQL's tools
    )
    assert result.returncode == 1
    assert result.stdout == ""
    [message] = _logs(result.stderr)
    assert "pg_dump not found" in message
    assert "postgresql-client" in message
    assert not output.parent.exists()  # nothing made before the tool was found


async def test_a_backup_of_a_missing_database_makes_nothing(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite+aiosqlite:///{tmp_path / 'elsewhere' / 'router.db'}")
    with pytest.raises(BackupError, match="no SQLite database at"):
        await create_backup(settings, tmp_path / "backups" / "b.tar")
    assert list(tmp_path.iterdir()) == []  # no database, no folder, no file


async def test_a_file_that_is_not_a_backup_is_not_overwritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default folder, ./backups, is made here
    url = f"sqlite+aiosqlite:///{tmp_path / 'router.db'}"
    await _migrate(url)
    notes = tmp_path / "notes.tar"
    notes.write_text("precious")
    with pytest.raises(BackupError, match="exists and is not a router backup"):
        await create_backup(make_settings(url), notes)
    assert notes.read_text() == "precious"
    first = await create_backup(make_settings(url), None)
    assert first.parent.resolve() == tmp_path / "backups"
    assert first.name.startswith("router-")
    made_at = read_manifest(first).created_at
    await create_backup(make_settings(url), first)  # an older backup: overwritten
    assert read_manifest(first).created_at > made_at
