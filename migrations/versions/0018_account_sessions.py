"""accounts: sign-in sessions and one-time password links (hashes only)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import IdType, UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_sessions",
        sa.Column("id", IdType, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("agent_id", IdType, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_account_sessions_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_sessions_token_hash")),
    )
    op.create_index(
        op.f("ix_account_sessions_agent_id"), "account_sessions", ["agent_id"], unique=False
    )
    op.create_index(
        "ix_account_sessions_expires_at", "account_sessions", ["expires_at"], unique=False
    )
    op.create_table(
        "password_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("agent_id", IdType, nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_password_tokens_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_password_tokens")),
    )
    op.create_index(
        op.f("ix_password_tokens_agent_id"), "password_tokens", ["agent_id"], unique=False
    )
    op.create_index(
        "ix_password_tokens_expires_at", "password_tokens", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_password_tokens_expires_at", table_name="password_tokens")
    op.drop_index(op.f("ix_password_tokens_agent_id"), table_name="password_tokens")
    op.drop_table("password_tokens")
    op.drop_index("ix_account_sessions_expires_at", table_name="account_sessions")
    op.drop_index(op.f("ix_account_sessions_agent_id"), table_name="account_sessions")
    op.drop_table("account_sessions")
