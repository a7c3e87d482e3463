"""What the conversation engine asks of the handoff queue: open a handoff, the customer's queue
position, the live handoff of a conversation, and the CSAT answer after resolution."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.channels.chatwoot_handover import hand_over
from app.conversations.models import Conversation
from app.conversations.outcomes import record_outcome
from app.db_util import insert_ignore, rowcount
from app.escalation.models import Handoff, HandoffEvent
from app.escalation.notifier import notify_after_commit
from app.events.hooks import csat_received, handoff_changed
from app.sla.service import apply_sla_policy
from app.teams.assignment import assign_new_handoff
from app.teams.routing import RoutingPolicy, route_new_handoff
from app.types import ConversationStatus, HandoffStatus, OutcomeKind

LIVE_STATUSES = (HandoffStatus.waiting.value, HandoffStatus.assigned.value)
# Must match the partial unique index uq_handoffs_live_conversation.
_LIVE_INDEX_WHERE = text("status IN ('waiting', 'assigned')")
CSAT_SCORES = range(1, 6)


async def live_handoff_for(session: AsyncSession, conversation_id: int) -> Handoff | None:
    return await session.scalar(
        select(Handoff).where(
            Handoff.conversation_id == conversation_id, Handoff.status.in_(LIVE_STATUSES)
        )
    )


async def open_handoff(
    session: AsyncSession,
    *,
    conversation: Conversation,
    reason: str,
    now: datetime,
    priority: int = 0,
    routing: RoutingPolicy | None = None,
) -> Handoff:
    """Put the conversation in the agents' queue; returns the live handoff if there is one.
    A new handoff gets its team (and, in an auto-assign team, its agent) in this transaction.

    The partial unique index decides races (two triggers, two replicas): the loser's insert is
    a no-op and it returns the winner's handoff.
    """
    handoff = await live_handoff_for(session, conversation.id)
    if handoff is None:
        new_id = await insert_ignore(
            session,
            Handoff,
            {
                "conversation_id": conversation.id,
                "channel": conversation.channel,
                "reason": reason,
                "status": HandoffStatus.waiting.value,
                "priority": priority,
                "created_at": now,
            },
            conflict_columns=["conversation_id"],
            index_where=_LIVE_INDEX_WHERE,
        )
        if new_id is None:
            handoff = await live_handoff_for(session, conversation.id)
            if handoff is None:  # the winner was resolved in between: extremely unlikely
                raise RuntimeError(f"no live handoff for conversation {conversation.id}")
        else:
            session.add(HandoffEvent(handoff_id=new_id, kind="created", created_at=now))
            handoff = await session.get_one(Handoff, new_id)
            policy = routing or RoutingPolicy()
            await route_new_handoff(
                session, handoff=handoff, conversation=conversation, policy=policy, now=now
            )
            await apply_sla_policy(session, handoff, now=now)  # once its team is set
            notify_after_commit(session)
            await handoff_changed(session, new_id, "created", now=now)
            await hand_over(session, conversation, reason=reason, now=now)
            await assign_new_handoff(
                session, handoff=handoff, now=now, lease_seconds=policy.lease_seconds
            )
    conversation.status = ConversationStatus.handoff.value
    await record_outcome(
        session,
        conversation=conversation,
        outcome=OutcomeKind.escalated,
        reason=reason,
        now=now,
        article_slug=conversation.last_article_slug,
    )
    await session.flush()
    return handoff


async def queue_position(session: AsyncSession, handoff: Handoff) -> int | None:
    """1-based place among waiting handoffs (priority first, then age); None if not waiting."""
    if handoff.status != HandoffStatus.waiting:
        return None
    ahead = await session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(
            Handoff.status == HandoffStatus.waiting.value,
            Handoff.id != handoff.id,
            or_(
                Handoff.priority > handoff.priority,
                and_(
                    Handoff.priority == handoff.priority,
                    or_(
                        Handoff.created_at < handoff.created_at,
                        and_(Handoff.created_at == handoff.created_at, Handoff.id < handoff.id),
                    ),
                ),
            ),
        )
    )
    return int(ahead or 0) + 1


async def record_csat(
    session: AsyncSession,
    *,
    conversation_id: int,
    score: int,
    now: datetime,
    comment: str | None = None,
) -> bool:
    """Store a 1-5 score (and the comment written with it) on the conversation's latest
    resolved, unrated handoff. The one place a rating is recorded.

    False when the score is out of range or there is nothing to rate (already rated, never
    resolved). Leaves ``conversation.awaiting_csat`` to the caller.
    """
    if score not in CSAT_SCORES:
        return False
    target = await session.scalar(
        select(Handoff.id)
        .where(
            Handoff.conversation_id == conversation_id,
            Handoff.status == HandoffStatus.resolved.value,
            Handoff.csat_score.is_(None),
        )
        .order_by(Handoff.resolved_at.desc(), Handoff.id.desc())
        .limit(1)
    )
    if target is None:
        return False
    # Conditional so that two racing answers store one score.
    result = await session.execute(
        update(Handoff)
        .where(Handoff.id == target, Handoff.csat_score.is_(None))
        .values(csat_score=score, csat_at=now, csat_comment=_clip(comment))
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.add(HandoffEvent(handoff_id=target, kind="csat", created_at=now))
    await session.flush()
    await csat_received(session, handoff_id=target, score=score, now=now)
    return True


async def record_csat_comment(session: AsyncSession, *, conversation_id: int, comment: str) -> bool:
    """Add the text a customer sent right after their rating to that rating; False when the
    conversation has no rating without a comment."""
    result = await session.execute(
        update(Handoff)
        .where(
            Handoff.conversation_id == conversation_id,
            Handoff.csat_score.is_not(None),
            Handoff.csat_comment.is_(None),
        )
        .values(csat_comment=_clip(comment))
        .execution_options(synchronize_session="fetch")
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


CSAT_COMMENT_MAX = 2000


def _clip(comment: str | None) -> str | None:
    return comment.strip()[:CSAT_COMMENT_MAX] or None if comment else None


async def forget_csat_comments(
    session: AsyncSession, *, closed_before: datetime, limit: int
) -> int:
    """Remove up to ``limit`` CSAT comments (the customer's words) of conversations closed
    before ``closed_before``; the number removed. The score stays: the statistics count it."""
    oldest = (
        select(Handoff.id)
        .join(Conversation, Conversation.id == Handoff.conversation_id)
        .where(
            Handoff.csat_comment.is_not(None),  # the partial index: removed ones not rescanned
            Conversation.status == ConversationStatus.closed.value,
            Conversation.closed_at < closed_before,
        )
        .order_by(Handoff.id)
        .limit(limit)
    )
    return await _forget_comments(session, Handoff.id.in_(oldest.scalar_subquery()))


async def forget_contact_csat_comments(session: AsyncSession, *, contact_id: int) -> int:
    """Remove the CSAT comments of one customer's handoffs; the number removed."""
    theirs = select(Conversation.id).where(Conversation.contact_id == contact_id)
    return await _forget_comments(session, Handoff.conversation_id.in_(theirs))


async def _forget_comments(session: AsyncSession, where: ColumnElement[bool]) -> int:
    result = await session.execute(
        update(Handoff)
        .where(where, Handoff.csat_comment.is_not(None))
        .values(csat_comment=None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)
