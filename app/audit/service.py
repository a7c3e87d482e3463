"""Writing the audit log: every domain records its own actions here, in its own transaction,
so an entry exists exactly when the change it describes was committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.audit.models import AuditEntry
from app.auth import Principal
from app.db import utcnow


def actor_of(principal: Principal) -> str:
    """The audit log's name for whoever made a request."""
    if principal.agent_id is None:
        return "admin-token"
    return f"agent:{principal.agent_id}"


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add an entry; the caller's transaction commits it with the change itself. Never put a
    password, token or message text in ``details``."""
    session.add(
        AuditEntry(
            at=at or utcnow(), actor=actor, action=action, target=target, details=details or {}
        )
    )
