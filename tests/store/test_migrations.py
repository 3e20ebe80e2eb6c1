"""The Alembic migrations produce exactly the schema of store/tables.py, on both backends."""

from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from forgehooks.config import Settings
from forgehooks.store.database import Database
from forgehooks.store.migrate import downgrade, upgrade
from forgehooks.store.tables import metadata


async def schema_differences(settings: Settings) -> tuple[list[object], set[str]]:
    """What differs between the database's schema and store/tables.py; its table names."""
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
    return differences, tables


async def test_migrated_schema_matches_table_definitions(settings: Settings) -> None:
    differences, tables = await schema_differences(settings)
    assert differences == []
    assert {t.name for t in metadata.sorted_tables} <= tables


async def test_the_latest_migrations_go_down_and_up_again(settings: Settings) -> None:
    # the delivery log's index and keys were rebuilt on both backends (SQLite copies tables)
    url, schema = settings.resolved_database_url, settings.database_schema or None
    await asyncio.to_thread(downgrade, url, "0004", schema)
    differences, _ = await schema_differences(settings)
    assert differences, "the downgrade changed the schema back"
    await asyncio.to_thread(upgrade, url, "head", schema)
    differences, _ = await schema_differences(settings)
    assert differences == []


async def test_on_postgresql_the_deliveries_are_vacuumed_after_a_fixed_number_of_changes(
    settings: Settings,
) -> None:
    if settings.resolved_database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL's autovacuum")
    db = Database(settings.resolved_database_url, schema=settings.database_schema or None)
    relation = "deliveries" if not settings.database_schema else f"{settings.database_schema}.deliveries"
    try:
        async with db.reading() as conn:
            found = (
                await conn.execute(
                    text(f"SELECT reloptions FROM pg_class WHERE oid = '{relation}'::regclass")
                )
            ).scalar_one()
    finally:
        await db.dispose()
    assert set(found) == {
        "autovacuum_vacuum_scale_factor=0",
        "autovacuum_vacuum_threshold=10000",
        "autovacuum_vacuum_cost_delay=0",
    }
