"""messages: what the customer sent (kind, caption, media, location)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    ("caption", sa.Text()),
    ("media_id", sa.String(255)),
    ("media_url", sa.Text()),
    ("media_mime_type", sa.String(255)),
    ("media_filename", sa.String(255)),
    ("latitude", sa.Float()),
    ("longitude", sa.Float()),
    ("location_name", sa.String(255)),
    ("location_address", sa.Text()),
)


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        # Every message stored before was text (or an unreadable kind shown as text).
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="text"))
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
        batch.drop_column("kind")
