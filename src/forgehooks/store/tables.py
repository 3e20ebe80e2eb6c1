"""Table definitions (SQLAlchemy Core). The Alembic migrations must produce exactly these."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = DateTime(timezone=True)
ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER only

users = Table(
    "users",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("username", String(255), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("email", String(255), nullable=False),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("created_at", TS, nullable=False),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", TS, nullable=False),
    Column("expires_at", TS),
    Column("revoked_at", TS),
    Column("last_used_at", TS),
)

projects = Table(
    "projects",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("hex_id", String(32), nullable=False, unique=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("path", String(511), nullable=False, unique=True),
    Column("organization_id", String(64), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("default_branch", String(255), nullable=False, default="main"),
    Column("visibility", String(16), nullable=False, default="private"),
    Column("created_at", TS, nullable=False),
)

memberships = Table(
    "memberships",
    metadata,
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ID, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", Integer, nullable=False),
    Index("ix_memberships_user_id", "user_id"),
)

hooks = Table(
    "hooks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("uuid", String(36), nullable=False, unique=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("url", Text, nullable=False),
    Column("events", JSON, nullable=False),
    Column("branch_filter_strategy", String(16), nullable=False),
    Column("branch_filter_pattern", Text, nullable=False, default=""),
    Column("secret_encrypted", Text, nullable=False, default=""),
    Column("secret_scheme", String(16), nullable=False),
    Column("ssl_verify", Boolean, nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("name", String(255), nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("active", Boolean, nullable=False),
    Column("standard_webhooks", Boolean, nullable=False, default=False),
    Column("extras", JSON, nullable=False),
    Column("custom_headers_encrypted", Text, nullable=False, server_default=""),
    Column("url_variables_encrypted", Text, nullable=False, server_default=""),
    Column("ordered", Boolean, nullable=False, server_default=text("false")),
    Column("previous_secret_encrypted", Text, nullable=False, server_default=""),
    Column("previous_secret_until", TS),
    # What the maintainers were last alerted about, so each disable is announced once.
    Column("alerted_disabled", Boolean, nullable=False, server_default=text("false")),
    Column("alerted_until", TS),
    Column("dialect", String(32), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("last_status_code", Integer),
    Column("last_message", Text, nullable=False, default=""),
    Column("last_at", TS),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("disabled_until", TS),
    Column("disabled", Boolean, nullable=False, default=False),
    # Deleted hooks stay as tombstones so their delivery log survives (as cancelled).
    Column("deleted_at", TS),
    Index("ix_hooks_project_id", "project_id"),
)

events = Table(
    "events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor_id", ID),
    Column("occurred_at", TS, nullable=False),
    Column("payload", JSON, nullable=False),
    Index("ix_events_project_id_occurred_at", "project_id", "occurred_at"),
)

bodies = Table(
    "bodies",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("event_id", String(36), ForeignKey("events.id", ondelete="CASCADE"), nullable=False),
    Column("dialect", String(32), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_bodies_event_id", "event_id"),
)

#: Partial-index predicates, written once: a query must repeat them word for word (as SQL
#: text, not bound parameters) for SQLite's and PostgreSQL's planners to use the index.
DUE_UNORDERED = "state = 'queued' AND NOT ordered"
HELD = "state = 'held'"
PENDING_ORDERED = "ordered AND state IN ('queued', 'held')"

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(36), primary_key=True),
    # No foreign keys in the delivery log (migration 0006 says why): a delivery is written
    # only with its hook, event and body in the same transaction, and retention deletes
    # attempts, deliveries, bodies and events itself.
    Column("hook_id", ID, nullable=False),
    Column("event_id", String(36), nullable=False),
    Column("body_id", ID, nullable=False),
    Column("project_id", ID, nullable=False),
    Column("event_kind", String(40), nullable=False),
    Column("dialect", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempt_count", Integer, nullable=False, default=0),
    # While queued: when it is due. A claim moves it to the lease's end, so a delivery
    # whose worker died becomes due again by itself.
    Column("next_attempt_at", TS, nullable=False),
    Column("lease_token", String(36)),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("last_status_code", Integer),
    Column("last_error", Text, nullable=False, default=""),
    # Copied from its hook at fan-out (and again when the hook is updated): an ordered
    # delivery goes out only as the oldest pending delivery of its hook (store/queue.py).
    Column("ordered", Boolean, nullable=False, server_default=text("false")),
    # The claim's scan of unordered due work: ordered rows waiting behind their hook's
    # head are not in it, so a long ordered backlog costs the other hooks nothing. In the
    # claim's order (due, then created), so it is read from its start and stops at the
    # limit (migration 0011). The hook is in it so that the claim's skipping of busy hooks
    # is tested on the entry.
    Index(
        "ix_deliveries_due",
        "next_attempt_at",
        "created_at",
        "hook_id",
        postgresql_where=text(DUE_UNORDERED),
        sqlite_where=text(DUE_UNORDERED),
    ),
    # Each ordered hook's pending deliveries in creation order: its head is the first entry.
    Index(
        "ix_deliveries_ordered_pending",
        "hook_id",
        "created_at",
        "id",
        postgresql_where=text(PENDING_ORDERED),
        sqlite_where=text(PENDING_ORDERED),
    ),
    # Held deliveries by age, for their expiry past the retention (a worker's maintenance,
    # every minute): without it that was a scan of the whole log under the write lock.
    Index("ix_deliveries_held", "created_at", postgresql_where=text(HELD), sqlite_where=text(HELD)),
    Index("ix_deliveries_hook_id_created_at", "hook_id", "created_at"),
    Index("ix_deliveries_event_id", "event_id"),
    Index("ix_deliveries_project_id_created_at", "project_id", "created_at"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("delivery_id", String(36), nullable=False),  # no foreign key: see deliveries
    Column("number", Integer, nullable=False),
    Column("started_at", TS, nullable=False),
    Column("duration_ms", Float, nullable=False),
    Column("request_url", Text, nullable=False),
    Column("request_headers", JSON, nullable=False),
    Column("response_status", Integer),
    Column("response_headers", JSON, nullable=False),
    Column("response_body", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("verdict", String(16), nullable=False),
    # why the attempt ended as it did (core.deliveries.Reason); "" for attempts made before
    Column("reason", String(24), nullable=False, server_default=""),
    Index("ix_attempts_delivery_id", "delivery_id"),
    Index("ix_attempts_started_at", "started_at"),
)

commit_statuses = Table(
    "commit_statuses",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("sha", String(64), nullable=False),
    Column("ref", String(255), nullable=False, default=""),
    Column("status", String(16), nullable=False),
    Column("name", String(255), nullable=False),
    Column("target_url", Text, nullable=False, default=""),
    Column("description", Text, nullable=False, default=""),
    Column("stage", String(255), nullable=False, default=""),
    Column("trigger_user", String(255)),
    Column("build_id", String(255), nullable=False, default=""),
    Column("merge_request_iid", Integer),
    Column("author_id", ID, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("started_at", TS),
    Column("finished_at", TS),
    Column("updated_at", TS, nullable=False),
    Index("ix_commit_statuses_project_id_sha", "project_id", "sha"),
)

quality_reports = Table(
    "quality_reports",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("project_id", ID, ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("sha", String(64), nullable=False),
    Column("ref", String(255), nullable=False, default=""),
    Column("stage", String(255), nullable=False, default=""),
    Column("status", String(16), nullable=False),
    Column("url", Text, nullable=False, default=""),
    Column("message", Text),
    Column("merge_request_id", Integer),
    Column("merge_request_iid", Integer),
    Column("quality_data", JSON, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Index("ix_quality_reports_project_id_sha", "project_id", "sha"),
)

#: Publishes remembered by their Idempotency-Key: a retried request answers what the first
#: one created (see store/idempotency.py). The key is the caller's own, so it is scoped to
#: the user; `fingerprint` is a hash of the request, `response` what it answered.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", ID, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

#: Calls per key and minute, added up by every API process (see services/limits.py): a rate
#: limit holds across processes. `key` is a hash of the limit's name and the caller's key.
rate_counts = Table(
    "rate_counts",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("bucket", BigInteger, primary_key=True),  # minutes since the epoch
    Column("count", Integer, nullable=False),
)

#: One row: a number every change to tokens, users, projects or memberships raises, in the
#: same transaction (SQLite). Each process's cache of who a token is and what a user may do
#: in a project (store/access_cache.py) is kept only while the number stays the same, so a
#: token revoked by another process (the CLI) stops working at once. PostgreSQL processes
#: are told by NOTIFY instead, and never read it.
access_generation = Table(
    "access_generation",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("generation", BigInteger, nullable=False),
)
