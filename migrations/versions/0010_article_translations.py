"""articles: English translations and a revision number for edit preconditions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.types import JSONType

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Server defaults fill the existing rows: no translation, first revision.
    with op.batch_alter_table("articles") as batch:
        batch.add_column(
            sa.Column("translations", JSONType, nullable=False, server_default=sa.text("'{}'"))
        )
        batch.add_column(
            sa.Column("revision", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("revision")
        batch.drop_column("translations")
