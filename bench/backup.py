"""Backup and restore of a large SQLite database (a script, not a test): time, and memory that
must stay flat whatever the size (everything is streamed).

    .venv/bin/python bench/backup.py                 # 100 MB and 1 GB
    .venv/bin/python bench/backup.py --sizes 50,200  # MB

Each size gets a database of customer conversations with long bot replies (rows written
straight through sqlite3: generating 1 GB through the app would take an hour), then
`router backup` and `router restore` run as child processes, timed, with their peak resident
memory from the kernel (wait4's rusage). The baseline is `router migrate` on the same
database: what the interpreter and the app's imports cost before any backup work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.config import Settings
from app.db import create_engine
from app.migrate import upgrade

ROUTER = Path(sys.executable).with_name("router")
WORK = Path(__file__).resolve().parent / "results" / "backup-work"
REPLY_BYTES = 8_000  # a long bot reply: few rows per gigabyte, so generating it is quick
ROWS_PER_CONVERSATION = 20


class Writer:
    """What the service does meanwhile: small write transactions, as its requests commit,
    each timed from BEGIN IMMEDIATE to COMMIT (a backup that blocked writers shows here)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._write)

    def _write(self) -> None:
        connection = sqlite3.connect(self.database, isolation_level=None, timeout=60)
        connection.execute("PRAGMA synchronous=NORMAL")  # as app.db sets it
        n = 0
        while not self._stop.is_set():
            began = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO contacts (channel, external_id, language, created_at)"
                " VALUES ('webchat', ?, 'id', '2026-12-01 10:00:00.000000')",
                (f"wc_writer_{id(self)}_{n}",),
            )
            connection.execute("COMMIT")
            self.latencies.append(time.perf_counter() - began)
            n += 1
            time.sleep(0.005)
        connection.close()

    def __enter__(self) -> Writer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def worst_ms(self) -> tuple[float, float]:
        ordered = sorted(self.latencies)
        return ordered[int(len(ordered) * 0.99)] * 1000, ordered[-1] * 1000


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float


def measure(*args: str, database: Path) -> Run:
    """Run `router ARGS` and return its wall time and peak RSS (kernel-reported, KiB)."""
    env = {**os.environ, "ROUTER_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}
    began = time.perf_counter()
    child = subprocess.Popen(
        [str(ROUTER), *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"router {' '.join(args)} failed: {child.stderr.read().decode()[-800:]}")  # type: ignore[union-attr]
    child.stderr.close()  # type: ignore[union-attr]
    return Run(seconds, usage.ru_maxrss / 1024)


async def migrate(path: Path) -> None:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{path}"))
    await upgrade(engine)
    await engine.dispose()


def generate(path: Path, megabytes: int) -> int:
    """A migrated database of about ``megabytes``; returns its rows of messages."""
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    asyncio.run(migrate(path))
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    reply = ("Terima kasih sudah menghubungi kami. " * (REPLY_BYTES // 37 + 1))[:REPLY_BYTES]
    now = "2026-12-01 10:00:00.000000"
    rows = 0
    conversation = 0
    while path.stat().st_size < megabytes * 1_000_000:
        connection.execute("BEGIN")
        for _ in range(50):
            conversation += 1
            contact = connection.execute(
                "INSERT INTO contacts (channel, external_id, language, created_at)"
                " VALUES ('webchat', ?, 'id', ?)",
                (f"wc_bench_{conversation}", now),
            ).lastrowid
            conv = connection.execute(
                "INSERT INTO conversations (contact_id, channel, status, language, created_at,"
                " last_customer_at, consecutive_misses, had_request, awaiting_csat)"
                " VALUES (?, 'webchat', 'closed', 'id', ?, ?, 0, 1, 0)",
                (contact, now, now),
            ).lastrowid
            connection.executemany(
                "INSERT INTO messages (conversation_id, contact_id, channel, direction, sender,"
                " text, kind, created_at) VALUES (?, ?, 'webchat', 'out', 'bot', ?, 'text', ?)",
                [(conv, contact, f"{n} {reply}", now) for n in range(ROWS_PER_CONVERSATION)],
            )
            rows += ROWS_PER_CONVERSATION
        connection.execute("COMMIT")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return rows


def bench(megabytes: int) -> dict[str, Any]:
    folder = WORK / f"{megabytes}mb"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    database, backup, target = folder / "router.db", folder / "b.tar", folder / "restored.db"
    began = time.perf_counter()
    rows = generate(database, megabytes)
    print(f"  {megabytes} MB: {rows} messages generated in {time.perf_counter() - began:.0f} s")
    baseline = measure("migrate", database=database)
    with Writer(database) as alone:
        time.sleep(3)
    with Writer(database) as during:
        made = measure("backup", "--output", str(backup), database=database)
    restored = measure("restore", str(backup), database=target)
    size = database.stat().st_size / 1e6
    result = {
        "size_mb": size,
        "rows": rows,
        "baseline_rss": baseline.peak_rss_mb,
        "baseline_s": baseline.seconds,
        "backup_s": made.seconds,
        "backup_rss": made.peak_rss_mb,
        "restore_s": restored.seconds,
        "restore_rss": restored.peak_rss_mb,
        "file_mb": backup.stat().st_size / 1e6,
        "write_alone": alone.worst_ms(),
        "write_during": during.worst_ms(),
        "writes_during": len(during.latencies),
    }
    shutil.rmtree(folder, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100,1000", help="database sizes in MB")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    results = [bench(mb) for mb in sizes]
    print(
        "\n| database | backup | peak RSS | restore | peak RSS | `router migrate` (baseline) |\n"
        "| --- | --- | --- | --- | --- | --- |"
    )
    for r in results:
        print(
            f"| {r['size_mb']:,.0f} MB ({r['rows']:,} messages) | {r['backup_s']:.1f} s"
            f" ({r['size_mb'] / r['backup_s']:.0f} MB/s) | {r['backup_rss']:.0f} MB"
            f" | {r['restore_s']:.1f} s ({r['size_mb'] / r['restore_s']:.0f} MB/s)"
            f" | {r['restore_rss']:.0f} MB | {r['baseline_s']:.1f} s, {r['baseline_rss']:.0f} MB |"
        )
    print(
        "\n| database | writes during the backup | p99 / longest write, backup running"
        " | p99 / longest write, no backup |\n| --- | --- | --- | --- |"
    )
    for r in results:
        (p99, worst), (p99_alone, worst_alone) = r["write_during"], r["write_alone"]
        print(
            f"| {r['size_mb']:,.0f} MB | {r['writes_during']:,} | {p99:.1f} / {worst:.1f} ms"
            f" | {p99_alone:.1f} / {worst_alone:.1f} ms |"
        )
    first, last = results[0], results[-1]
    print(
        f"\n{last['size_mb'] / first['size_mb']:.1f}x the data: backup's peak RSS"
        f" x{last['backup_rss'] / first['backup_rss']:.2f}, restore's"
        f" x{last['restore_rss'] / first['restore_rss']:.2f}"
    )


if __name__ == "__main__":
    main()
