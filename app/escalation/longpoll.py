"""Long-polling the queue without holding a database connection while waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import Principal, confirm_principal
from app.escalation.notifier import HandoffNotifier
from app.escalation.queue import list_handoffs
from app.escalation.schemas import HandoffItem
from app.teams.queues import QueueView
from app.types import Channel, HandoffStatus

# Handoffs opened by other replicas do not wake this process's notifier: poll this often too.
RECHECK_SECONDS = 1.0


async def wait_for_handoffs(
    sessionmaker: async_sessionmaker[AsyncSession],
    notifier: HandoffNotifier,
    *,
    status: HandoffStatus,
    channel: Channel | None,
    limit: int,
    wait_seconds: float,
    known: frozenset[int] | None = None,
    principal: Principal | None = None,
    gone: Callable[[], Awaitable[bool]] | None = None,
    view: QueueView | None = None,
) -> list[HandoffItem]:
    """The matching handoffs as soon as there is one, or an empty list after ``wait_seconds``.

    With ``known`` (the ids the caller already shows), as soon as the set of ids differs
    from it instead, so a page can long-poll a queue that is not empty.
    Each query uses its own short session; between queries no connection is held.
    With ``principal``, each also confirms it is still signed in (Unauthorized if not);
    with ``gone`` (the client hung up?), it stops early for a closed page: no more queries,
    and a shutting-down server is not held for the rest of the wait.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        # Read the generation before querying, so a change during the query is not missed.
        seen = notifier.generation
        async with sessionmaker() as session:
            if principal is not None:
                await confirm_principal(session, principal)
            items = await list_handoffs(
                session, status=status, channel=channel, limit=limit, view=view
            )
        remaining = deadline - loop.time()
        changed = bool(items) if known is None else {i.id for i in items} != known
        if changed or remaining <= 0 or (gone is not None and await gone()):
            return items
        await notifier.wait(seen, min(RECHECK_SECONDS, remaining))
