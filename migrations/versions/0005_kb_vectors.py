"""sentence-encoder vectors of KB phrasings, shared by processes and replicas

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_vectors",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kb_vectors")),
    )
    op.create_index(op.f("ix_kb_vectors_model"), "kb_vectors", ["model"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_kb_vectors_model"), table_name="kb_vectors")
    op.drop_table("kb_vectors")
