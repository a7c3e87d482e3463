"""Contacts, conversations, messages and outcomes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdType, UTCDateTime, utcnow
from app.types import JSONType


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(200))
    # The business number (WhatsApp phone_number_id) or page the customer wrote to:
    # replies must leave through the same one.
    account_id: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="id")
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Conversation(Base):
    """One support request, from the customer's first message to its outcome."""

    __tablename__ = "conversations"
    __table_args__ = (
        # At most one open conversation per contact, enforced by the database so that two
        # concurrent first messages cannot open two.
        Index(
            "uq_conversations_open_contact",
            "contact_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_conversations_status_last_customer_at", "status", "last_customer_at"),
        # Stats count conversations per period and channel from the index alone.
        Index("ix_conversations_created_at", "created_at", "channel"),
        # Stats: "did this customer come back and escalate?" (durable self-service rate).
        Index("ix_conversations_contact_id_created_at", "contact_id", "created_at"),
        # Ops' list of the open ones (with the bot), newest first: small however old the table.
        Index(
            "ix_conversations_open_created_at",
            "created_at",
            "id",
            sqlite_where=text("status = 'bot'"),
            postgresql_where=text("status = 'bot'"),
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="bot")
    language: Mapped[str] = mapped_column(String(8), default="id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_customer_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Engine state: what the bot last did, so the next message is read in context.
    consecutive_misses: Mapped[int] = mapped_column(Integer, default=0)
    last_bot_action: Mapped[str | None] = mapped_column(String(24))
    last_article_slug: Mapped[str | None] = mapped_column(String(120))
    feedback: Mapped[str | None] = mapped_column(String(16))
    had_request: Mapped[bool] = mapped_column(default=False)
    awaiting_csat: Mapped[bool] = mapped_column(default=False)
    # Surveys still to ask after the conversation ended ("nps,ces"), the first one asked now.
    survey_pending: Mapped[str | None] = mapped_column(String(32))


# What in a message can quote or identify the customer, whatever its kind (a location's
# coordinates, a contacts card or form summary in the caption, a media handle or file name,
# Meta's delivery error): retention and erasure clear exactly these. Kind, mime type, times
# and decisions stay. A message is unredacted while any of them is set.
CUSTOMER_CONTENT = (
    "text",
    "caption",
    "media_id",
    "media_url",
    "media_filename",
    "latitude",
    "longitude",
    "location_name",
    "location_address",
    "delivery_error",
)
UNREDACTED = text(" OR ".join(f"{name} IS NOT NULL" for name in CUSTOMER_CONTENT))
SERVED = text("article_slug IS NOT NULL")
CUSTOMER_TEXT = text("direction = 'in' AND sender = 'customer' AND text IS NOT NULL")


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        # A re-delivered webhook carries the same platform id: the insert is a no-op.
        UniqueConstraint("channel", "platform_message_id"),
        Index("ix_messages_conversation_id_id", "conversation_id", "id"),
        # Stats: the most recent unanswered questions (knowledge gaps).
        Index("ix_messages_created_at", "created_at"),
        # Retention: the oldest content not removed yet, without rescanning removed rows.
        Index(
            "ix_messages_unredacted_created_at",
            "created_at",
            sqlite_where=UNREDACTED,
            postgresql_where=UNREDACTED,
        ),
        # Ops' conversation list (app/analytics/conversation_filters.py): "a customer wrote
        # this" (a gap's wording) in a period. PostgreSQL indexes md5(text) because a B-tree
        # refuses texts over about 2.7 kB (and a hash index cannot carry the period).
        Index(
            "ix_messages_customer_text",
            "text",
            sqlite_where=CUSTOMER_TEXT,
        ).ddl_if(dialect="sqlite"),
        Index(
            "ix_messages_customer_text_md5",
            text("md5(text)"),
            "created_at",
            postgresql_where=CUSTOMER_TEXT,
        ).ddl_if(dialect="postgresql"),
        # The same list by article served or rated in a period; on PostgreSQL it answers
        # from the index alone.
        Index(
            "ix_messages_article_slug_created_at",
            "article_slug",
            "created_at",
            sqlite_where=SERVED,
            postgresql_where=SERVED,
            postgresql_include=["direction", "action", "conversation_id"],
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(4))
    sender: Mapped[str] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(Text)
    action: Mapped[str | None] = mapped_column(String(200))
    buttons: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    article_slug: Mapped[str | None] = mapped_column(String(120))
    # What the bot understood of an inbound message: the matcher's decision or an intent.
    understood_as: Mapped[str | None] = mapped_column(String(24))
    match_score: Mapped[float | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(255))
    # What the customer sent (app.types.MessageKind), flat columns so a batch of messages
    # stays one multi-row insert; ``content_item`` in app.conversations.transcript groups them.
    kind: Mapped[str] = mapped_column(String(16), default="text", server_default="text")
    caption: Mapped[str | None] = mapped_column(Text)
    media_id: Mapped[str | None] = mapped_column(String(255))
    media_url: Mapped[str | None] = mapped_column(Text)
    media_mime_type: Mapped[str | None] = mapped_column(String(255))
    media_filename: Mapped[str | None] = mapped_column(String(255))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    location_name: Mapped[str | None] = mapped_column(String(255))
    location_address: Mapped[str | None] = mapped_column(Text)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    delivery_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Outcome(Base):
    """The one terminal result of a support request; the unique key makes it exactly one."""

    __tablename__ = "outcomes"
    __table_args__ = (
        # Covering: the self-service rate per period, channel and reason reads only the index.
        Index(
            "ix_outcomes_conversation_created_at",
            "conversation_created_at",
            "channel",
            "outcome",
            "reason",
        ),
        # Durable self-service rate: "did this contact escalate soon after?" without a join.
        Index("ix_outcomes_contact_id_recorded_at", "contact_id", "recorded_at"),
        # Ops' conversations that ended on an article, newest first (the keyset's order).
        Index(
            "ix_outcomes_article_slug_created_at",
            "article_slug",
            "conversation_created_at",
            "conversation_id",
            sqlite_where=SERVED,
            postgresql_where=SERVED,
        ),
    )

    id: Mapped[int] = mapped_column(IdType, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    # Copied from the conversation (like channel) so stats need not join conversations.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(String(24))
    article_slug: Mapped[str | None] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(16))
    # Copied from the conversation: stats attribute outcomes to the creation period.
    conversation_created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the same contact next opened a conversation (FCR: did they come back?), set once
    # by the next conversation's start so the KPI needs no search per request.
    next_conversation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
