"""The delivery log without foreign keys: deliveries to hooks, events and bodies, attempts to deliveries.

These are the service's highest-volume rows (a fan-out to 1,000 hooks writes 1,000
deliveries in one transaction). Each key cost a lookup and, on PostgreSQL, a lock on the
referenced row (1,000 hook rows locked by every such fan-out), and no cascade of theirs
was used: hooks are tombstoned, never deleted, and retention deletes attempts, deliveries,
bodies and events itself, in that order. The rows are written only with the hook, event
and body read or written in the same transaction. GitLab's webhook log drops its key to
the hooks for the same reason. Measured (PostgreSQL, 1,000-row fan-out, ten publishes
each, alternating): publish median 47 and 59 ms without, 49 and 86 ms with them.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

#: (table, constraint, column, referenced table)
KEYS = (
    ("deliveries", "fk_deliveries_hook_id_hooks", "hook_id", "hooks"),
    ("deliveries", "fk_deliveries_event_id_events", "event_id", "events"),
    ("deliveries", "fk_deliveries_body_id_bodies", "body_id", "bodies"),
    ("attempts", "fk_attempts_delivery_id_deliveries", "delivery_id", "deliveries"),
)


def upgrade() -> None:
    for table in ("attempts", "deliveries"):
        with op.batch_alter_table(table) as batch_op:
            for owner, name, _, _ in KEYS:
                if owner == table:
                    batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    for table in ("deliveries", "attempts"):
        with op.batch_alter_table(table) as batch_op:
            for owner, name, column, referenced in KEYS:
                if owner == table:
                    batch_op.create_foreign_key(name, referenced, [column], ["id"], ondelete="CASCADE")
