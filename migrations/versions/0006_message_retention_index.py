"""messages: index the texts not removed yet, for the retention job

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNREDACTED = sa.text("text IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_messages_unredacted_created_at",
        "messages",
        ["created_at"],
        sqlite_where=UNREDACTED,
        postgresql_where=UNREDACTED,
    )


def downgrade() -> None:
    op.drop_index("ix_messages_unredacted_created_at", table_name="messages")
