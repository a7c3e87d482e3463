"""coverage reports run in the background: questions, results by chunk, the runner's lease

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime
from app.types import JSONType

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coverage_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("groups", sa.Integer(), nullable=False),
        sa.Column("questions", JSONType, nullable=False),
        sa.Column("report_groups", JSONType, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim", sa.String(length=32), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_jobs")),
    )
    op.create_index(op.f("ix_coverage_jobs_status"), "coverage_jobs", ["status"], unique=False)
    op.create_index(
        op.f("ix_coverage_jobs_finished_at"), "coverage_jobs", ["finished_at"], unique=False
    )
    op.create_table(
        "coverage_job_results",
        sa.Column("job_id", sa.String(length=32), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("results", JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["coverage_jobs.id"],
            name=op.f("fk_coverage_job_results_job_id_coverage_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", "start", name=op.f("pk_coverage_job_results")),
    )


def downgrade() -> None:
    op.drop_table("coverage_job_results")
    op.drop_index(op.f("ix_coverage_jobs_finished_at"), table_name="coverage_jobs")
    op.drop_index(op.f("ix_coverage_jobs_status"), table_name="coverage_jobs")
    op.drop_table("coverage_jobs")
