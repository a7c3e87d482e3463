"""outbox: index the pending rows per recipient for the claim

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 06:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.drop_index("ix_outbox_recipient_key_id", table_name="outbox")
    op.create_index(
        "ix_outbox_pending_recipient",
        "outbox",
        ["recipient_key", "id"],
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_pending_recipient", table_name="outbox")
    op.create_index("ix_outbox_recipient_key_id", "outbox", ["recipient_key", "id"])
