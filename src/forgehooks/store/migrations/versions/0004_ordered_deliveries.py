"""Deliveries: the ordered flag and the indexes of ordered claiming.

`deliveries.ordered` is copied from the hook; pending deliveries of hooks already marked
ordered get it here. The due index leaves ordered rows out (their heads are found through
`ix_deliveries_ordered_pending`), so an ordered hook's backlog is never scanned by the
claim of unordered work.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DUE_UNORDERED = "state = 'queued' AND NOT ordered"
PENDING_ORDERED = "ordered AND state IN ('queued', 'held')"


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.add_column(
            sa.Column("ordered", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
    op.execute(
        "UPDATE deliveries SET ordered = true WHERE state IN ('queued', 'held')"
        " AND hook_id IN (SELECT id FROM hooks WHERE ordered)"
    )
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text(DUE_UNORDERED),
        sqlite_where=sa.text(DUE_UNORDERED),
    )
    op.create_index(
        "ix_deliveries_ordered_pending",
        "deliveries",
        ["hook_id", "created_at", "id"],
        postgresql_where=sa.text(PENDING_ORDERED),
        sqlite_where=sa.text(PENDING_ORDERED),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_ordered_pending", table_name="deliveries")
    op.drop_index("ix_deliveries_due", table_name="deliveries")
    op.create_index(
        "ix_deliveries_due",
        "deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("state = 'queued'"),
        sqlite_where=sa.text("state = 'queued'"),
    )
    with op.batch_alter_table("deliveries") as batch_op:
        batch_op.drop_column("ordered")
