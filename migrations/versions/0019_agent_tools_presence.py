"""the team's workday: presence heartbeat, canned replies, conversation labels

Revision ID: 0019
Revises: 0016
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import IdType, UTCDateTime

revision: str = "0019"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))
    op.create_index("ix_handoffs_agent_id_status", "handoffs", ["agent_id", "status"], unique=False)
    op.create_table(
        "canned_responses",
        sa.Column("id", IdType, nullable=False),
        sa.Column("shortcut", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("owner_agent_id", IdType, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_agent_id"],
            ["agents.id"],
            name=op.f("fk_canned_responses_owner_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_canned_responses")),
    )
    op.create_index(
        "uq_canned_responses_shared_shortcut",
        "canned_responses",
        ["shortcut"],
        unique=True,
        sqlite_where=sa.text("shared"),
        postgresql_where=sa.text("shared"),
    )
    op.create_index(
        "uq_canned_responses_owner_shortcut",
        "canned_responses",
        ["owner_agent_id", "shortcut"],
        unique=True,
        sqlite_where=sa.text("NOT shared"),
        postgresql_where=sa.text("NOT shared"),
    )
    op.create_table(
        "conversation_labels",
        sa.Column("conversation_id", IdType, nullable=False),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_labels_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("conversation_id", "label", name=op.f("pk_conversation_labels")),
    )
    op.create_index(
        "ix_conversation_labels_label",
        "conversation_labels",
        ["label", "conversation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_labels_label", table_name="conversation_labels")
    op.drop_table("conversation_labels")
    op.drop_index("uq_canned_responses_owner_shortcut", table_name="canned_responses")
    op.drop_index("uq_canned_responses_shared_shortcut", table_name="canned_responses")
    op.drop_table("canned_responses")
    op.drop_index("ix_handoffs_agent_id_status", table_name="handoffs")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("last_seen_at")
