"""Projects and memberships, and the access check every face performs."""

from __future__ import annotations

import re

from forgehooks.core import limits
from forgehooks.core.clock import utcnow
from forgehooks.core.errors import InvalidInput, NotFound, PermissionDenied
from forgehooks.core.limits import check_lengths
from forgehooks.core.projects import Project, Role, User
from forgehooks.services.runtime import Runtime
from forgehooks.store.accounts import MembershipRepository, UserRepository
from forgehooks.store.projects import ProjectRepository, project_with_role

PATH_PART = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*$")


def validate_path(path: str) -> str:
    """`owner/name` (nested groups allowed), each part a slug."""
    parts = path.strip("/").split("/")
    if len(parts) < 2 or not all(PATH_PART.match(p) for p in parts) or len(path) > 511:
        raise InvalidInput("path", "must be OWNER/NAME with letters, digits, '_', '-' and '.'")
    return "/".join(parts)


async def create_project(
    rt: Runtime,
    owner: User,
    path: str,
    *,
    description: str = "",
    organization_id: str = "",
    default_branch: str = "main",
    visibility: str = "private",
) -> Project:
    """A new project; its creator becomes its owner."""
    path = validate_path(path)
    if visibility not in ("private", "internal", "public"):
        raise InvalidInput("visibility", "must be private, internal or public")
    check_lengths(
        (
            ("description", description, limits.TEXT),
            ("organization_id", organization_id, 64),
            ("default_branch", default_branch, limits.NAME),
        )
    )
    async with rt.db.transaction() as conn:
        project = await ProjectRepository(conn).create(
            path=path,
            name=path.rsplit("/", 1)[-1],
            description=description,
            organization_id=organization_id,
            default_branch=default_branch,
            visibility=visibility,
            now=utcnow(),
        )
        await MembershipRepository(conn).set_role(project.id, owner.id, Role.OWNER)
    return project


async def find_project(rt: Runtime, identity: str) -> Project:
    """A project by any identity; NotFound otherwise."""
    async with rt.db.reading() as conn:
        project = await ProjectRepository(conn).by_identity(identity)
    if project is None:
        raise NotFound("404 Project Not Found")
    return project


async def role_in(rt: Runtime, user: User, project: Project) -> Role | None:
    """The user's role (admins count as owners)."""
    if user.is_admin:
        return Role.OWNER
    async with rt.db.reading() as conn:
        return await MembershipRepository(conn).role_of(project.id, user.id)


async def access(
    rt: Runtime, user: User, identity: str, needed: Role, *, hide_from_outsiders: bool = True
) -> Project:
    """The project if `user` holds at least `needed` in it.

    Outsiders get NotFound by default (like GitLab, so ids cannot be probed), or
    PermissionDenied when the face documents a 403; members lacking the role get
    PermissionDenied.
    """
    async with rt.db.reading() as conn:  # one statement for both: every API call does this
        found = await project_with_role(conn, identity, user.id)
    if found is None:
        raise NotFound("404 Project Not Found")
    project, role = found
    if user.is_admin:
        role = Role.OWNER
    if role is None:
        if hide_from_outsiders:
            raise NotFound("404 Project Not Found")
        raise PermissionDenied("403 Forbidden: not a member of this project")
    if role < needed:
        raise PermissionDenied(f"403 Forbidden: needs the {needed.name.lower()} role")
    return project


async def add_member(rt: Runtime, project: Project, username: str, role: Role) -> None:
    """Add a user to a project or change their role."""
    async with rt.db.transaction() as conn:
        user = await UserRepository(conn).by_username(username)
        if user is None:
            raise NotFound(f"user {username!r} not found")
        await MembershipRepository(conn).set_role(project.id, user.id, role)


async def list_members(rt: Runtime, project: Project) -> list[tuple[User, Role]]:
    """Members of a project with their roles."""
    async with rt.db.reading() as conn:
        return await MembershipRepository(conn).list_for_project(project.id)


async def list_projects(
    rt: Runtime, user: User, *, offset: int = 0, limit: int = 20
) -> tuple[list[Project], int]:
    """Projects the user is a member of (all of them for an admin)."""
    async with rt.db.reading() as conn:
        return await ProjectRepository(conn).list(
            member_id=None if user.is_admin else user.id, offset=offset, limit=limit
        )
