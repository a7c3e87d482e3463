"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from app.accounts.models import AccountSession, PasswordToken
from app.agenttools.models import CannedResponse, ConversationLabel
from app.assist.models import PublishedDraft
from app.audit.models import AuditEntry
from app.calibration.models import KbCalibration
from app.channels.models import WebchatSession
from app.conversations.models import Contact, Conversation, Message, Outcome
from app.db import Base
from app.escalation.models import Agent, Handoff, HandoffEvent
from app.events.models import EventSubscription
from app.helpcenter.models import HelpEvent
from app.inbox.models import InboxItem
from app.kb.models import (
    Article,
    CoverageJob,
    CoverageResults,
    KbCategory,
    KbState,
    PhrasingVector,
)
from app.learning.models import LearnedPhrasing, LearnedSource, LearningCursor
from app.outbox.models import OutboxItem
from app.ratelimit.models import RateLimitState
from app.sla.models import HandoffSla, ReplyWait, SlaEvent, SlaPolicy
from app.surveys.models import SurveyResponse
from app.teams.models import Team, TeamMember

__all__ = [
    "AccountSession",
    "Agent",
    "Article",
    "AuditEntry",
    "Base",
    "CannedResponse",
    "Contact",
    "Conversation",
    "ConversationLabel",
    "CoverageJob",
    "CoverageResults",
    "EventSubscription",
    "Handoff",
    "HandoffEvent",
    "HandoffSla",
    "HelpEvent",
    "InboxItem",
    "KbCalibration",
    "KbCategory",
    "KbState",
    "LearnedPhrasing",
    "LearnedSource",
    "LearningCursor",
    "Message",
    "OutboxItem",
    "Outcome",
    "PasswordToken",
    "PhrasingVector",
    "PublishedDraft",
    "RateLimitState",
    "ReplyWait",
    "SlaEvent",
    "SlaPolicy",
    "SurveyResponse",
    "Team",
    "TeamMember",
    "WebchatSession",
]
