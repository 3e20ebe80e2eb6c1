"""Deliveries: held ones indexed by age.

Every worker expires held deliveries past the retention once a minute (and when it
starts). Without an index that was a scan of the whole delivery log, on SQLite under the
write lock: with a million finished rows, claims and records waited for it.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

HELD = "state = 'held'"


def upgrade() -> None:
    op.create_index(
        "ix_deliveries_held",
        "deliveries",
        ["created_at"],
        postgresql_where=sa.text(HELD),
        sqlite_where=sa.text(HELD),
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_held", table_name="deliveries")
