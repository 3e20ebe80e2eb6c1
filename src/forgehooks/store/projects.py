"""Projects, found by any of their identities."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from forgehooks.core.clock import as_utc
from forgehooks.core.errors import Conflict
from forgehooks.core.ids import new_hex32, new_uuid, storable_id
from forgehooks.core.projects import Project
from forgehooks.store.tables import memberships, projects


def _project(row: Any) -> Project:
    return Project(
        id=row.id,
        hex_id=row.hex_id,
        uuid=row.uuid,
        path=row.path,
        organization_id=row.organization_id,
        name=row.name,
        description=row.description,
        default_branch=row.default_branch,
        visibility=row.visibility,
        created_at=as_utc(row.created_at),
    )


class ProjectRepository:
    """Projects by numeric id, 32-hex id, UUID or owner/name path."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    async def create(
        self,
        *,
        path: str,
        name: str,
        description: str,
        organization_id: str,
        default_branch: str,
        visibility: str,
        now: datetime,
    ) -> Project:
        """Insert a project with fresh identities; Conflict when the path is taken."""
        values = {
            "hex_id": new_hex32(),
            "uuid": new_uuid(),
            "path": path,
            "name": name,
            "description": description,
            "organization_id": organization_id or new_hex32()[:24],
            "default_branch": default_branch,
            "visibility": visibility,
            "created_at": now,
        }
        try:
            async with self.conn.begin_nested():
                result = await self.conn.execute(projects.insert().values(**values).returning(*projects.c))
        except IntegrityError as exc:
            raise Conflict(f"project {path!r} already exists") from exc
        return _project(result.one())

    async def _one(self, condition: ColumnElement[bool]) -> Project | None:
        row = (await self.conn.execute(select(projects).where(condition))).first()
        return _project(row) if row else None

    async def get(self, project_id: int) -> Project | None:
        """By numeric id."""
        return await self._one(projects.c.id == project_id)

    async def by_identity(self, identity: str) -> Project | None:
        """By numeric id, 32-hex id, UUID or path, whichever `identity` looks like."""
        if identity.isdigit():
            if not storable_id(int(identity)):
                return None  # beyond BIGINT: no such project (the database would raise)
            return await self._one(projects.c.id == int(identity))
        if "/" in identity:
            return await self._one(projects.c.path == identity)
        if len(identity) == 32 and all(c in "0123456789abcdef" for c in identity.lower()):
            return await self._one(projects.c.hex_id == identity.lower())
        if len(identity) == 36 and identity.count("-") == 4:
            return await self._one(projects.c.uuid == identity.lower())
        return None

    async def list(
        self, *, member_id: int | None, offset: int, limit: int
    ) -> tuple[builtins.list[Project], int]:
        """Projects (those of a member, or all for None), by id, with the total count."""
        query = select(projects)
        count = select(func.count()).select_from(projects)
        if member_id is not None:
            member = projects.c.id.in_(
                select(memberships.c.project_id).where(memberships.c.user_id == member_id)
            )
            query, count = query.where(member), count.where(member)
        rows = await self.conn.execute(query.order_by(projects.c.id).offset(offset).limit(limit))
        total = (await self.conn.execute(count)).scalar_one()
        return [_project(r) for r in rows], int(total)
