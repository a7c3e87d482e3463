"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.assist.models import PublishedDraft
from app.audit.models import AuditEntry
from app.channels.models import WebchatSession
from app.conversations.models import Contact, Conversation, Message, Outcome
from app.db import Base
from app.escalation.models import Agent, Handoff, HandoffEvent
from app.events.models import EventSubscription
from app.inbox.models import InboxItem
from app.kb.models import (
    Article,
    CoverageJob,
    CoverageResults,
    KbCategory,
    KbState,
    PhrasingVector,
)
from app.outbox.models import OutboxItem
from app.ratelimit.models import RateLimitState
from app.teams.models import Team, TeamMember

__all__ = [
    "Agent",
    "Article",
    "AuditEntry",
    "Base",
    "Contact",
    "Conversation",
    "CoverageJob",
    "CoverageResults",
    "EventSubscription",
    "Handoff",
    "HandoffEvent",
    "InboxItem",
    "KbCategory",
    "KbState",
    "Message",
    "OutboxItem",
    "Outcome",
    "PhrasingVector",
    "PublishedDraft",
    "RateLimitState",
    "Team",
    "TeamMember",
    "WebchatSession",
]
