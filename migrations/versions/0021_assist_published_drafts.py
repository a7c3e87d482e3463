"""assist: the KB drafts already published

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assist_published_drafts",
        sa.Column("draft_id", sa.String(length=64), nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("draft_id", name=op.f("pk_assist_published_drafts")),
    )


def downgrade() -> None:
    op.drop_table("assist_published_drafts")
