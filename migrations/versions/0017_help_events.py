"""help-center activity events

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import IdType, UTCDateTime

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "help_events",
        sa.Column("id", IdType, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("visitor", sa.String(length=32), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=True),
        sa.Column("helpful", sa.Boolean(), nullable=True),
        sa.Column("search_id", sa.String(length=32), nullable=True),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=8), nullable=True),
        sa.Column("dedupe", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_help_events")),
        sa.UniqueConstraint("dedupe", name=op.f("uq_help_events_dedupe")),
    )
    op.create_index("ix_help_events_at_type", "help_events", ["at", "type"])


def downgrade() -> None:
    op.drop_index("ix_help_events_at_type", table_name="help_events")
    op.drop_table("help_events")
