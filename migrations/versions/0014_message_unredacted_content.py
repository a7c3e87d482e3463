"""retention indexes: every kind of a message's customer content, and CSAT comments

A location, a photo without caption or a contacts card has no text: with the old predicate
retention never found it, and its coordinates, caption or file name stayed. A handoff's CSAT
comment is the customer's words too.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_messages_unredacted_created_at"
# Frozen copy of app.conversations.models.UNREDACTED at this revision.
CONTENT = (
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
UNREDACTED = sa.text(" OR ".join(f"{name} IS NOT NULL" for name in CONTENT))
TEXT_ONLY = sa.text("text IS NOT NULL")
COMMENTED = sa.text("csat_comment IS NOT NULL")


def _index(where: sa.TextClause) -> None:
    op.drop_index(INDEX, table_name="messages")
    op.create_index(INDEX, "messages", ["created_at"], sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    _index(UNREDACTED)
    op.create_index(
        "ix_handoffs_csat_commented",
        "handoffs",
        ["id"],
        sqlite_where=COMMENTED,
        postgresql_where=COMMENTED,
    )


def downgrade() -> None:
    op.drop_index("ix_handoffs_csat_commented", table_name="handoffs")
    _index(TEXT_ONLY)
