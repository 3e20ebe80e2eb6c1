"""Hooks: remember which disable was announced to the maintainers.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hooks") as batch_op:
        batch_op.add_column(
            sa.Column("alerted_disabled", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch_op.add_column(sa.Column("alerted_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hooks") as batch_op:
        batch_op.drop_column("alerted_until")
        batch_op.drop_column("alerted_disabled")
