"""SQLite's write-ahead log is copied into the database file by the checkpoint thread, not
by the event loop's connection at commit."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from sqlalchemy import Column, Integer, LargeBinary, MetaData, Table

from forgehooks.store.database import Database

scratch = Table("scratch", MetaData(), Column("id", Integer, primary_key=True), Column("data", LargeBinary))


async def test_the_log_reaches_the_database_file_without_a_commit_checkpointing(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(scratch.metadata.create_all)
        size_before = path.stat().st_size
        async with db.transaction() as driver:
            sqlite = driver.backend.conn  # type: ignore[attr-defined]
            rows = [(os.urandom(4000),) for _ in range(2000)]  # about 8 MB of pages in the log
            sqlite.executemany("INSERT INTO scratch (data) VALUES (?)", rows)
            [[pages]] = sqlite.execute("PRAGMA wal_autocheckpoint").fetchall()
        assert pages == 0, "the loop's connection must not checkpoint at commit"
        for _ in range(50):  # the checkpoint thread runs every half second
            if path.stat().st_size > size_before + 4_000_000:
                break
            await asyncio.sleep(0.1)
        assert path.stat().st_size > size_before + 4_000_000, "the log was not copied into the file"
    finally:
        await db.dispose()
