"""What routing and auto-assignment cost when a handoff opens and when one is resolved (a
script, not a test).

Opens handoffs the way the engine does (``open_handoff`` with a routing policy), each in its
own transaction, into: a pull team (routing only: the baseline), an auto-assign team whose
online members have room (each handoff is assigned in the same transaction), and the
same team once its members are full (each tries and leaves it waiting). Then resolves the
assigned ones through the service, each resolve giving the freed place to the next waiting.
Prints milliseconds per operation and the ratio to the baseline measured in this run.

    .venv/bin/python bench/assignment.py --handoffs 300
    .venv/bin/python bench/assignment.py --database postgresql+asyncpg://postgres@127.0.0.1/router_bench
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.auth import Principal
from app.config import Settings
from app.db import create_engine, create_sessionmaker, utcnow
from app.escalation.actions import resolve_handoff
from app.escalation.models import Handoff
from app.migrate import upgrade
from app.teams.models import Team, TeamMember
from app.teams.routing import RoutingPolicy
from app.types import HandoffStatus
from tests.factories import make_agent, make_handoff

ADMIN = Principal(kind="admin", role="admin")


async def _team(maker: async_sessionmaker[AsyncSession], name: str, auto: bool, room: int) -> None:
    async with maker() as session, session.begin():
        team = Team(name=name, categories=[], auto_assign=auto, created_at=utcnow())
        session.add(team)
        await session.flush()
        for i in range(10):
            agent, _ = await make_agent(session, name=f"{name}-{i}")
            agent.status, agent.last_seen_at, agent.max_open = "online", utcnow(), max(room, 1)
            session.add(TeamMember(team_id=team.id, agent_id=agent.id))
        if room == 0:  # full: every member already holds its one place
            await session.flush()
            for agent_id in (
                await session.scalars(
                    select(TeamMember.agent_id).where(TeamMember.team_id == team.id)
                )
            ).all():
                held = await make_handoff(session)
                await session.execute(
                    update(Handoff)
                    .where(Handoff.id == held.id)
                    .values(status=HandoffStatus.assigned.value, agent_id=agent_id)
                )


async def _open(maker: async_sessionmaker[AsyncSession], team: str, count: int) -> float:
    policy = RoutingPolicy(default_team=team)
    started = time.perf_counter()
    for _ in range(count):
        async with maker() as session, session.begin():
            await make_handoff(session, routing=policy)
    return (time.perf_counter() - started) * 1000 / count


async def _resolve_all(maker: async_sessionmaker[AsyncSession], team: str) -> tuple[float, int]:
    async with maker() as session:
        team_id = await session.scalar(select(Team.id).where(Team.name == team))
    done, started = 0, time.perf_counter()
    while True:
        async with maker() as session:
            ids = list(
                await session.scalars(
                    select(Handoff.id)
                    .where(
                        Handoff.team_id == team_id, Handoff.status == HandoffStatus.assigned.value
                    )
                    .limit(50)
                )
            )
        if not ids:
            break
        for handoff_id in ids:
            async with maker() as session, session.begin():
                await resolve_handoff(session, handoff_id=handoff_id, principal=ADMIN, now=utcnow())
            done += 1
    return (time.perf_counter() - started) * 1000 / max(done, 1), done


async def run(url: str, count: int) -> None:
    engine = create_engine(Settings(database_url=url))
    if not url.startswith("sqlite"):
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    half = count // 2
    await _team(maker, "pull", auto=False, room=count)
    await _team(maker, "auto", auto=True, room=max(1, half // 10))  # 10 members
    rows = [("open, pull team (baseline)", await _open(maker, "pull", half))]
    rows.append(("open, auto-assign team with room", await _open(maker, "auto", half)))
    rows.append(("open, auto-assign team full", await _open(maker, "auto", count - half)))
    per_resolve, resolved = await _resolve_all(maker, "auto")
    rows.append((f"resolve + re-assign ({resolved} resolves)", per_resolve))
    await engine.dispose()
    base = rows[0][1]
    print(f"{url.split(':', 1)[0]}: {count} handoffs per case")
    print("| case | ms per operation | x baseline |")
    print("| --- | ---: | ---: |")
    for label, ms in rows:
        print(f"| {label} | {ms:.2f} | {ms / base:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--handoffs", type=int, default=200)
    parser.add_argument("--database", help="a PostgreSQL URL (its schema is dropped!)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        asyncio.run(run(url, args.handoffs))


if __name__ == "__main__":
    main()
