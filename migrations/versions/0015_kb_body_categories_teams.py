"""round 3's shared model: article bodies, categories, accounts, teams, the audit log

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
    # Today's agents keep their tokens and become role `agent`, offline, limit 3.
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("email", sa.String(length=320), nullable=True))
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="agent")
        )
        batch.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="offline")
        )
        batch.add_column(
            sa.Column("max_open", sa.Integer(), nullable=False, server_default=sa.text("3"))
        )
        batch.add_column(sa.Column("last_assigned_at", UTCDateTime(), nullable=True))
        batch.create_unique_constraint(op.f("uq_agents_email"), ["email"])
    op.create_table(
        "team_members",
        sa.Column("team_id", IdType, nullable=False),
        sa.Column("agent_id", IdType, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_members_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_team_members_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "agent_id", name=op.f("pk_team_members")),
    )
    op.create_index(op.f("ix_team_members_agent_id"), "team_members", ["agent_id"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", IdType, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=True),
        sa.Column("details", JSONType, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor", "at"], unique=False)
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_action_at", table_name="audit_log")
    op.drop_index("ix_audit_log_actor_at", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index(op.f("ix_team_members_agent_id"), table_name="team_members")
    op.drop_table("team_members")
    with op.batch_alter_table("agents") as batch:
        batch.drop_constraint(op.f("uq_agents_email"), type_="unique")
        for column in ("last_assigned_at", "max_open", "status", "role", "password_hash", "email"):
            batch.drop_column(column)
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_constraint(op.f("fk_handoffs_team_id_teams"), type_="foreignkey")
        batch.drop_column("team_id")
    op.drop_table("teams")
    op.drop_table("kb_categories")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("body")
