"""Apply the Alembic migrations programmatically (`forgehooks db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str, schema: str | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations and `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["schema"] = schema
    return config


def upgrade(url: str, revision: str = "head", schema: str | None = None) -> None:
    """Bring the database at `url` to `revision` (blocking; run outside the event loop)."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url, schema), revision)


def downgrade(url: str, revision: str, schema: str | None = None) -> None:
    """Take the database at `url` back to `revision` (blocking; run outside the event loop)."""
    command.downgrade(alembic_config(url, schema), revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the table definitions."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
