"""Hooks: custom headers, URL variables, ordered delivery, secret rotation overlap.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hooks") as batch_op:
        batch_op.add_column(
            sa.Column("custom_headers_encrypted", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("url_variables_encrypted", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("ordered", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch_op.add_column(
            sa.Column("previous_secret_encrypted", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hooks") as batch_op:
        for name in (
            "previous_secret_until",
            "previous_secret_encrypted",
            "ordered",
            "url_variables_encrypted",
            "custom_headers_encrypted",
        ):
            batch_op.drop_column(name)
