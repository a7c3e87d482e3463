"""indexes for ops' conversation list: open ones, by article ended on, by a customer's text

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'bot'")
SERVED = sa.text("article_slug IS NOT NULL")
CUSTOMER_TEXT = sa.text("direction = 'in' AND sender = 'customer' AND text IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_conversations_open_created_at",
        "conversations",
        ["created_at", "id"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(
        "ix_outcomes_article_slug_created_at",
        "outcomes",
        ["article_slug", "conversation_created_at", "conversation_id"],
        sqlite_where=SERVED,
        postgresql_where=SERVED,
    )
    # Hash on PostgreSQL: a B-tree refuses texts over about 2.7 kB, a hash index does not.
    op.create_index(
        "ix_messages_customer_text",
        "messages",
        ["text"],
        sqlite_where=CUSTOMER_TEXT,
        postgresql_where=CUSTOMER_TEXT,
        postgresql_using="hash",
    )


def downgrade() -> None:
    op.drop_index("ix_messages_customer_text", table_name="messages")
    op.drop_index("ix_outcomes_article_slug_created_at", table_name="outcomes")
    op.drop_index("ix_conversations_open_created_at", table_name="conversations")
