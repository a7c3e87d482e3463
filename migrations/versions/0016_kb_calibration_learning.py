"""per-KB calibration and learned phrasings

Revision ID: 0016
Revises: 0018
Create Date: 2026-12-07 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime
from app.types import JSONType

revision: str = "0016"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "kb_calibrations",
        sa.Column("kb_version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("encoders", sa.String(length=100), nullable=False),
        sa.Column("words_threshold", sa.Float(), nullable=True),
        sa.Column("words_expected_wrong", sa.Float(), nullable=True),
        sa.Column("encoder_threshold", sa.Float(), nullable=True),
        sa.Column("encoder_expected_wrong", sa.Float(), nullable=True),
        sa.Column("phrasings_checked", sa.Integer(), nullable=False),
        sa.Column("confusable", JSONType, nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kb_version", name=op.f("pk_kb_calibrations")),
    )
    op.create_table(
        "learned_phrasings",
        sa.Column("id", Id, nullable=False),
        sa.Column("slug", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("pulls", JSONType, nullable=False),
        sa.Column("checked_kb_version", sa.Integer(), nullable=True),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("last_seen", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_phrasings")),
        sa.UniqueConstraint("slug", "text_key", name=op.f("uq_learned_phrasings_slug_text_key")),
    )
    op.create_index(
        "ix_learned_phrasings_status_id", "learned_phrasings", ["status", "id"], unique=False
    )
    op.create_table(
        "learned_phrasing_sources",
        sa.Column("id", Id, nullable=False),
        sa.Column("phrasing_id", Id, nullable=False),
        sa.Column("conversation_id", Id, nullable=False),
        sa.Column("contact_id", Id, nullable=True),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["phrasing_id"],
            ["learned_phrasings.id"],
            name=op.f("fk_learned_phrasing_sources_phrasing_id_learned_phrasings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_phrasing_sources")),
        sa.UniqueConstraint(
            "phrasing_id",
            "conversation_id",
            name=op.f("uq_learned_phrasing_sources_phrasing_id_conversation_id"),
        ),
    )
    op.create_table(
        "learning_cursor",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("outcome_id", Id, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_cursor")),
    )


def downgrade() -> None:
    op.drop_table("learning_cursor")
    op.drop_table("learned_phrasing_sources")
    op.drop_index("ix_learned_phrasings_status_id", table_name="learned_phrasings")
    op.drop_table("learned_phrasings")
    op.drop_table("kb_calibrations")
