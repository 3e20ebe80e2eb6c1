"""The Alembic migrations produce exactly the schema of store/tables.py, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from forgehooks.config import Settings
from forgehooks.store.database import Database
from forgehooks.store.tables import metadata


async def test_migrated_schema_matches_table_definitions(settings: Settings) -> None:
    db = Database(settings.resolved_database_url, schema=settings.database_schema or None)
    try:
        async with db.engine.connect() as conn:

            def diff(sync_conn):  # type: ignore[no-untyped-def]
                context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
                return compare_metadata(context, metadata)

            differences = await conn.run_sync(diff)
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await db.dispose()
    assert differences == []
    assert {t.name for t in metadata.sorted_tables} <= tables
