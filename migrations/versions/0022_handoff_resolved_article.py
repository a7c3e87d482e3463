"""the calibration's customer evidence: the article an agent resolved with, and what a
calibration read of it

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 02:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_article", sa.String(length=120), nullable=True))
    with op.batch_alter_table("kb_calibrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("customers_checked", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("evidence_mark", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kb_calibrations", schema=None) as batch_op:
        batch_op.drop_column("evidence_mark")
        batch_op.drop_column("customers_checked")
    with op.batch_alter_table("handoffs", schema=None) as batch_op:
        batch_op.drop_column("resolved_article")
