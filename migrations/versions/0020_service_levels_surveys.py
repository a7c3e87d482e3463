"""service levels (SLA policies, handoff clocks, breaches) and CES/NPS surveys

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import IdType, UTCDateTime
from app.types import JSONType

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK_PENDING = sa.text("check_at IS NOT NULL")


def _fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "sla_policies",
        sa.Column("id", IdType, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("first_response_s", sa.Integer(), nullable=False),
        sa.Column("next_response_s", sa.Integer(), nullable=True),
        sa.Column("resolution_s", sa.Integer(), nullable=True),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("channels", JSONType, nullable=False),
        sa.Column("teams", JSONType, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
    )
    op.create_table(
        "handoff_slas",
        sa.Column("handoff_id", IdType, nullable=False),
        sa.Column("policy_id", IdType, nullable=True),
        sa.Column("policy_name", sa.String(length=200), nullable=True),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("first_response_s", sa.Integer(), nullable=True),
        sa.Column("next_response_s", sa.Integer(), nullable=True),
        sa.Column("resolution_s", sa.Integer(), nullable=True),
        *(
            sa.Column(f"{metric}_{what}_at", UTCDateTime(), nullable=True)
            for metric in ("first_response", "next_response", "resolution")
            for what in ("due", "warn")
        ),
        sa.Column("awaiting_since", UTCDateTime(), nullable=True),
        sa.Column("first_response_status", sa.String(length=8), nullable=True),
        sa.Column("next_response_status", sa.String(length=8), nullable=True),
        sa.Column("resolution_status", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=True),
        sa.Column("check_at", UTCDateTime(), nullable=True),
        sa.Column("checked_at", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("handoff_slas", "handoff_id", "handoffs", "CASCADE"),
        _fk("handoff_slas", "policy_id", "sla_policies", "SET NULL"),
        sa.PrimaryKeyConstraint("handoff_id", name=op.f("pk_handoff_slas")),
    )
    op.create_index(
        "ix_handoff_slas_check_at",
        "handoff_slas",
        ["check_at"],
        sqlite_where=CHECK_PENDING,
        postgresql_where=CHECK_PENDING,
    )
    op.create_index("ix_handoff_slas_policy_id", "handoff_slas", ["policy_id"])
    op.create_table(
        "sla_events",
        sa.Column("id", IdType, nullable=False),
        sa.Column("handoff_id", IdType, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("metric", sa.String(length=16), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        _fk("sla_events", "handoff_id", "handoffs", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_events")),
        sa.UniqueConstraint(
            "handoff_id",
            "kind",
            "metric",
            "due_at",
            name=op.f("uq_sla_events_handoff_id_kind_metric_due_at"),
        ),
    )
    op.create_table(
        "handoff_reply_waits",
        sa.Column("id", IdType, nullable=False),
        sa.Column("handoff_id", IdType, nullable=False),
        sa.Column("customer_at", UTCDateTime(), nullable=False),
        sa.Column("replied_at", UTCDateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        _fk("handoff_reply_waits", "handoff_id", "handoffs", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handoff_reply_waits")),
    )
    op.create_index("ix_handoff_reply_waits_handoff_id", "handoff_reply_waits", ["handoff_id"])
    op.create_table(
        "survey_responses",
        sa.Column("id", IdType, nullable=False),
        sa.Column("conversation_id", IdType, nullable=False),
        sa.Column("contact_id", IdType, nullable=False),
        sa.Column("handoff_id", IdType, nullable=True),
        sa.Column("team_id", IdType, nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("conversation_created_at", UTCDateTime(), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        _fk("survey_responses", "conversation_id", "conversations", "CASCADE"),
        _fk("survey_responses", "contact_id", "contacts", "CASCADE"),
        _fk("survey_responses", "handoff_id", "handoffs", "SET NULL"),
        _fk("survey_responses", "team_id", "teams", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_responses")),
    )
    op.create_index(
        "ix_survey_responses_contact_kind_asked",
        "survey_responses",
        ["contact_id", "kind", "asked_at"],
    )
    op.create_index(
        "ix_survey_responses_created_kind",
        "survey_responses",
        ["conversation_created_at", "kind", "channel"],
    )
    op.create_index("ix_survey_responses_conversation_id", "survey_responses", ["conversation_id"])
    with op.batch_alter_table("conversations") as batch:
        batch.add_column(sa.Column("survey_pending", sa.String(length=32), nullable=True))
    with op.batch_alter_table("outcomes") as batch:
        batch.add_column(sa.Column("next_conversation_at", UTCDateTime(), nullable=True))
    # Requests that ended before: when the contact next opened a conversation (FCR).
    op.execute(BACKFILL_NEXT_CONVERSATION)


BACKFILL_NEXT_CONVERSATION = (
    "UPDATE outcomes SET next_conversation_at = (SELECT min(c.created_at) FROM conversations c"
    " WHERE c.contact_id = outcomes.contact_id AND c.created_at > outcomes.conversation_created_at"
    " AND c.id <> outcomes.conversation_id)"
)


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("next_conversation_at")
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("survey_pending")
    op.drop_table("survey_responses")
    op.drop_table("handoff_reply_waits")
    op.drop_table("sla_events")
    op.drop_index("ix_handoff_slas_policy_id", table_name="handoff_slas")
    op.drop_index("ix_handoff_slas_check_at", table_name="handoff_slas")
    op.drop_table("handoff_slas")
    op.drop_table("sla_policies")
