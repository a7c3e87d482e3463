"""round 3's shared model: article bodies, help-center categories, teams, a handoff's team

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 22:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import IdType, UTCDateTime
from app.types import JSONType

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("body", sa.Text(), nullable=True))
    op.create_table(
        "kb_categories",
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("translations", JSONType, nullable=False, server_default=sa.text("'{}'")),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name=op.f("pk_kb_categories")),
    )
    op.create_table(
        "teams",
        sa.Column("id", IdType, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("categories", JSONType, nullable=False),
        sa.Column("auto_assign", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("team_id", IdType))
        batch.create_foreign_key(
            op.f("fk_handoffs_team_id_teams"), "teams", ["team_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_constraint(op.f("fk_handoffs_team_id_teams"), type_="foreignkey")
        batch.drop_column("team_id")
    op.drop_table("teams")
    op.drop_table("kb_categories")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("body")
