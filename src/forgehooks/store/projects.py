"""Projects, found by any of their identities."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select

from forgehooks.core.clock import as_utc
from forgehooks.core.errors import Conflict
from forgehooks.core.ids import new_hex32, new_uuid, storable_id
from forgehooks.core.projects import Project, Role
from forgehooks.store.access_cache import access_changed, cached
from forgehooks.store.driver import Connection, IntegrityError
from forgehooks.store.tables import memberships, projects

#: Where each column sits in rows of whole projects (table order, as `select(projects)` and
#: `returning(*projects.c)` give them): read by position, as a Row's attributes cost more.
AT = {column.name: position for position, column in enumerate(projects.c)}


def _project(row: Sequence[Any]) -> Project:
    return Project(
        id=row[AT["id"]],
        hex_id=row[AT["hex_id"]],
        uuid=row[AT["uuid"]],
        path=row[AT["path"]],
        organization_id=row[AT["organization_id"]],
        name=row[AT["name"]],
        description=row[AT["description"]],
        default_branch=row[AT["default_branch"]],
        visibility=row[AT["visibility"]],
        created_at=as_utc(row[AT["created_at"]]),
    )


def _by(column: ColumnElement[Any]) -> Select[Any]:
    """A project and the asking user's role in it (NULL for outsiders), by one identity."""
    member = and_(memberships.c.project_id == projects.c.id, memberships.c.user_id == bindparam("user_id"))
    return (
        select(projects, memberships.c.role)
        .outerjoin(memberships, member)
        .where(column == bindparam("identity"))
    )


# built once: every API request looks its project up by one of these
BY_ID, BY_PATH, BY_HEX, BY_UUID = (
    _by(c) for c in (projects.c.id, projects.c.path, projects.c.hex_id, projects.c.uuid)
)


def identity_lookup(identity: str) -> tuple[Select[Any], int | str] | None:
    """The statement and value that find `identity`, whichever identity it looks like."""
    if identity.isdigit():
        # beyond BIGINT: no such project (the database would raise)
        return (BY_ID, int(identity)) if storable_id(int(identity)) else None
    if "/" in identity:
        return BY_PATH, identity
    if len(identity) == 32 and all(c in "0123456789abcdef" for c in identity.lower()):
        return BY_HEX, identity.lower()
    if len(identity) == 36 and identity.count("-") == 4:
        return BY_UUID, identity.lower()
    return None


async def project_with_role(
    conn: Connection, identity: str, user_id: int
) -> tuple[Project, Role | None] | None:
    """A project by any identity and the user's role in it, in one statement."""
    found = identity_lookup(identity)
    if found is None:
        return None
    statement, value = found

    async def load() -> tuple[Project, Role | None] | None:
        rows = await conn.fetch(statement, {"identity": value, "user_id": user_id})
        if not rows:
            return None
        role = rows[0][len(projects.c)]
        return _project(rows[0]), Role(role) if role is not None else None

    # cached per process until access changes (store/access_cache.py)
    return await cached(conn, ("project", id(statement), value, user_id), load)


class ProjectRepository:
    """Projects by numeric id, 32-hex id, UUID or owner/name path."""

    def __init__(self, conn: Connection) -> None:
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
        await access_changed(self.conn)
        return _project(result.one())

    async def _one(self, condition: ColumnElement[bool]) -> Project | None:
        row = (await self.conn.execute(select(projects).where(condition))).first()
        return _project(row) if row else None

    async def get(self, project_id: int) -> Project | None:
        """By numeric id."""
        return await self._one(projects.c.id == project_id)

    async def by_identity(self, identity: str) -> Project | None:
        """By numeric id, 32-hex id, UUID or path, whichever `identity` looks like."""
        found = identity_lookup(identity)
        if found is None:
            return None
        statement, value = found
        rows = await self.conn.fetch(statement, {"identity": value, "user_id": None})
        return _project(rows[0]) if rows else None

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
