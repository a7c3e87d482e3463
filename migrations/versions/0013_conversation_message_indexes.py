"""indexes for ops' conversation list: a customer's wording in a period, an article's messages

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVED = sa.text("article_slug IS NOT NULL")
CUSTOMER_TEXT = sa.text("direction = 'in' AND sender = 'customer' AND text IS NOT NULL")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index(
        "ix_messages_article_slug_created_at",
        "messages",
        ["article_slug", "created_at"],
        sqlite_where=SERVED,
        postgresql_where=SERVED,
        postgresql_include=["direction", "action", "conversation_id"],
    )
    if _postgresql():
        # The hash index on the text found a wording's rows but not within a period (which
        # PostgreSQL then intersected with every message of the period): md5 and the period
        # in one B-tree replace it. SQLite keeps its B-tree on the text itself.
        op.create_index(
            "ix_messages_customer_text_md5",
            "messages",
            [sa.text("md5(text)"), "created_at"],
            postgresql_where=CUSTOMER_TEXT,
        )
        op.drop_index("ix_messages_customer_text", table_name="messages")


def downgrade() -> None:
    if _postgresql():
        op.create_index(
            "ix_messages_customer_text",
            "messages",
            ["text"],
            postgresql_where=CUSTOMER_TEXT,
            postgresql_using="hash",
        )
        op.drop_index("ix_messages_customer_text_md5", table_name="messages")
    op.drop_index("ix_messages_article_slug_created_at", table_name="messages")
