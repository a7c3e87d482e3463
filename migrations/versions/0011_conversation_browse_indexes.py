"""messages: index the articles served and the customers' texts, for ops' conversation list

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVED = sa.text("article_slug IS NOT NULL")
CUSTOMER_TEXT = sa.text("direction = 'in' AND sender = 'customer' AND text IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_messages_article_slug_conversation_id",
        "messages",
        ["article_slug", "conversation_id"],
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
    op.drop_index("ix_messages_article_slug_conversation_id", table_name="messages")
