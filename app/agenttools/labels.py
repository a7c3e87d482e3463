"""Labels on conversations ("refund", "vip"): set by agents, filtered on by ops."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.agenttools.errors import ConversationNotFound
from app.agenttools.models import ConversationLabel
from app.agenttools.schemas import LABEL_PATTERN
from app.conversations.models import Conversation
from app.errors import ValidationFailed


def clean_labels(labels: Sequence[str]) -> list[str]:
    """Trimmed and lower-cased ("VIP " is "vip"), unique, sorted; each short and plain."""
    pattern = re.compile(LABEL_PATTERN)
    clean = sorted({label.strip().lower().replace(" ", "-") for label in labels})
    bad = [label for label in clean if not pattern.match(label)]
    if bad:
        raise ValidationFailed(
            f"labels are 1-32 letters, digits, '-' or '_' (got {', '.join(map(repr, bad))})",
            code="invalid_label",
        )
    return clean


async def set_labels(
    session: AsyncSession, *, conversation_id: int, labels: Sequence[str]
) -> list[str]:
    """Replace the conversation's labels; the labels it has now."""
    clean = clean_labels(labels)
    exists = await session.scalar(
        select(Conversation.id).where(Conversation.id == conversation_id).with_for_update()
    )
    if exists is None:
        raise ConversationNotFound(f"conversation {conversation_id} does not exist")
    await session.execute(
        delete(ConversationLabel).where(ConversationLabel.conversation_id == conversation_id)
    )
    session.add_all(
        ConversationLabel(conversation_id=conversation_id, label=label) for label in clean
    )
    await session.flush()
    return clean


async def labels_of(session: AsyncSession, conversation_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    rows = await session.execute(
        select(ConversationLabel.conversation_id, ConversationLabel.label)
        .where(ConversationLabel.conversation_id.in_(conversation_ids))
        .order_by(ConversationLabel.label)
    )
    for conversation_id, label in rows.tuples():
        found[conversation_id].append(label)
    return found


def labelled(conversation_id: ColumnElement[int] | object, label: str) -> ColumnElement[bool]:
    """A filter: the conversation carries ``label`` (ix_conversation_labels_label)."""
    return (
        select(ConversationLabel.conversation_id)
        .where(
            ConversationLabel.label == label.strip().lower(),
            ConversationLabel.conversation_id == conversation_id,
        )
        .exists()
    )
