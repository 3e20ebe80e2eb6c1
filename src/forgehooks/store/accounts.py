"""Users, personal access tokens (hashes only) and project memberships."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update

from forgehooks.core.clock import as_utc
from forgehooks.core.errors import Conflict
from forgehooks.core.ids import storable_id
from forgehooks.core.projects import Membership, Role, Token, User
from forgehooks.store.access_cache import access_changed, cached
from forgehooks.store.driver import Connection, IntegrityError
from forgehooks.store.tables import memberships, tokens, users


def token_hash(value: str) -> str:
    """SHA-256 of a token value: tokens are long and random, so no salt or stretching is needed."""
    return hashlib.sha256(value.encode()).hexdigest()


#: Where each column sits in rows of whole users and tokens (table order, as `select(table)`
#: and `returning(*table.c)` give them): read by position, as a Row's attributes cost more.
USER_AT = {column.name: position for position, column in enumerate(users.c)}
TOKEN_AT = {column.name: position for position, column in enumerate(tokens.c)}


def _user(row: Sequence[Any]) -> User:
    return User(
        id=row[USER_AT["id"]],
        username=row[USER_AT["username"]],
        name=row[USER_AT["name"]],
        email=row[USER_AT["email"]],
        is_admin=row[USER_AT["is_admin"]],
        created_at=as_utc(row[USER_AT["created_at"]]),
    )


def _token(row: Sequence[Any]) -> Token:
    expires_at = row[TOKEN_AT["expires_at"]]
    last_used_at = row[TOKEN_AT["last_used_at"]]
    return Token(
        id=row[TOKEN_AT["id"]],
        user_id=row[TOKEN_AT["user_id"]],
        name=row[TOKEN_AT["name"]],
        created_at=as_utc(row[TOKEN_AT["created_at"]]),
        expires_at=as_utc(expires_at) if expires_at else None,
        revoked=row[TOKEN_AT["revoked_at"]] is not None,
        last_used_at=as_utc(last_used_at) if last_used_at else None,
    )


#: A token with its owner's columns after its own, in one statement: every API request asks.
TOKEN_OWNER = (
    select(tokens, users)
    .join(users, users.c.id == tokens.c.user_id)
    .where(tokens.c.token_hash == bindparam("token_hash"))
)


async def token_owner(conn: Connection, value: str) -> tuple[Token, User] | None:
    """The token whose hash matches `value` and the user it belongs to (cached per process
    until access changes: store/access_cache.py)."""
    hashed = token_hash(value)

    async def load() -> tuple[Token, User] | None:
        rows = await conn.fetch(TOKEN_OWNER, {"token_hash": hashed})
        if not rows:
            return None
        return _token(rows[0]), _user(rows[0][len(tokens.c) :])

    return await cached(conn, ("token", hashed), load)


class UserRepository:
    """Users by id or username."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def create(self, *, username: str, name: str, email: str, is_admin: bool, now: datetime) -> User:
        """Insert a user; Conflict when the username is taken."""
        try:
            async with self.conn.begin_nested():
                result = await self.conn.execute(
                    users.insert()
                    .values(username=username, name=name, email=email, is_admin=is_admin, created_at=now)
                    .returning(*users.c)
                )
        except IntegrityError as exc:
            raise Conflict(f"user {username!r} already exists") from exc
        await access_changed(self.conn)
        return _user(result.one())

    async def get(self, user_id: int) -> User | None:
        """The user with this id."""
        row = (await self.conn.execute(select(users).where(users.c.id == user_id))).first()
        return _user(row) if row else None

    async def by_username(self, username: str) -> User | None:
        """The user with this username."""
        row = (await self.conn.execute(select(users).where(users.c.username == username))).first()
        return _user(row) if row else None

    async def count(self) -> int:
        """How many users exist."""
        return int((await self.conn.execute(select(func.count()).select_from(users))).scalar_one())


class TokenRepository:
    """Personal access tokens; the value itself is never stored."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def create(
        self, *, user_id: int, name: str, value: str, expires_at: datetime | None, now: datetime
    ) -> Token:
        """Store the hash of `value` for the user."""
        result = await self.conn.execute(
            tokens.insert()
            .values(
                user_id=user_id,
                name=name,
                token_hash=token_hash(value),
                created_at=now,
                expires_at=expires_at,
            )
            .returning(*tokens.c)
        )
        await access_changed(self.conn)
        return _token(result.one())

    async def by_value(self, value: str) -> Token | None:
        """The token whose hash matches `value`."""
        query = select(tokens).where(tokens.c.token_hash == token_hash(value))
        row = (await self.conn.execute(query)).first()
        return _token(row) if row else None

    async def list_for_user(self, user_id: int) -> list[Token]:
        """A user's tokens, newest first."""
        query = select(tokens).where(tokens.c.user_id == user_id).order_by(tokens.c.id.desc())
        return [_token(r) for r in await self.conn.execute(query)]

    async def revoke(self, token_id: int, now: datetime) -> bool:
        """Mark a token revoked; False when there is no such token."""
        if not storable_id(token_id):
            return False
        result = await self.conn.execute(
            update(tokens)
            .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        await access_changed(self.conn)
        return bool(result.rowcount)

    async def touch(self, token_id: int, now: datetime) -> None:
        """Record when a token was last used."""
        await self.conn.execute(update(tokens).where(tokens.c.id == token_id).values(last_used_at=now))


class MembershipRepository:
    """Who has which role in which project."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    async def set_role(self, project_id: int, user_id: int, role: Role) -> Membership:
        """Add the member or change their role."""
        await self.conn.execute(
            delete(memberships).where(
                memberships.c.project_id == project_id, memberships.c.user_id == user_id
            )
        )
        await self.conn.execute(
            memberships.insert().values(project_id=project_id, user_id=user_id, role=int(role))
        )
        await access_changed(self.conn)
        return Membership(project_id=project_id, user_id=user_id, role=role)

    async def role_of(self, project_id: int, user_id: int) -> Role | None:
        """The user's role in the project, if any."""
        query = select(memberships.c.role).where(
            memberships.c.project_id == project_id, memberships.c.user_id == user_id
        )
        role = (await self.conn.execute(query)).scalar_one_or_none()
        return Role(role) if role is not None else None

    async def remove(self, project_id: int, user_id: int) -> bool:
        """Remove a member; False when they were not one."""
        result = await self.conn.execute(
            delete(memberships).where(
                memberships.c.project_id == project_id, memberships.c.user_id == user_id
            )
        )
        await access_changed(self.conn)
        return bool(result.rowcount)

    async def list_for_project(self, project_id: int) -> list[tuple[User, Role]]:
        """Members of a project with their roles."""
        query = (
            select(users, memberships.c.role)
            .join(memberships, memberships.c.user_id == users.c.id)
            .where(memberships.c.project_id == project_id)
            .order_by(users.c.username)
        )
        return [(_user(r), Role(r.role)) for r in await self.conn.execute(query)]
