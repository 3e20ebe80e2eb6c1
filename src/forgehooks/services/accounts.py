"""Users and personal access tokens: create, authenticate, revoke."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from forgehooks.core import limits
from forgehooks.core.clock import utcnow
from forgehooks.core.errors import InvalidInput, NotFound, PermissionDenied, Unauthenticated
from forgehooks.core.ids import new_token_value
from forgehooks.core.limits import check_lengths
from forgehooks.core.projects import Token, User
from forgehooks.services.runtime import Runtime
from forgehooks.store.accounts import TokenRepository, UserRepository, token_owner


@dataclass(frozen=True, slots=True, kw_only=True)
class IssuedToken:
    """A new token with its secret value, which is shown only this once."""

    token: Token
    value: str


async def create_user(
    rt: Runtime, username: str, *, name: str = "", email: str = "", is_admin: bool = False
) -> User:
    """A new user; Conflict when the username is taken."""
    if not username or "/" in username or len(username) > 255:
        raise InvalidInput("username", "must be 1-255 characters without '/'")
    check_lengths((("name", name, limits.NAME), ("email", email, limits.NAME)))
    async with rt.db.transaction() as conn:
        return await UserRepository(conn).create(
            username=username,
            name=name or username,
            email=email or f"{username}@forgehooks.local",
            is_admin=is_admin,
            now=utcnow(),
        )


async def find_user(rt: Runtime, username: str) -> User:
    """A user by username; NotFound otherwise."""
    async with rt.db.reading() as conn:
        user = await UserRepository(conn).by_username(username)
    if user is None:
        raise NotFound(f"user {username!r} not found")
    return user


async def issue_token(
    rt: Runtime, user: User, *, name: str = "default", expires_at: datetime | None = None
) -> IssuedToken:
    """A new personal access token for the user."""
    check_lengths((("name", name, limits.NAME),))
    value = new_token_value()
    async with rt.db.transaction() as conn:
        token = await TokenRepository(conn).create(
            user_id=user.id, name=name, value=value, expires_at=expires_at, now=utcnow()
        )
    return IssuedToken(token=token, value=value)


async def authenticate(rt: Runtime, value: str | None) -> User:
    """The user a token value belongs to; Unauthenticated when missing, wrong, expired or revoked."""
    if not value:
        raise Unauthenticated("401 Unauthorized: a personal access token is required")
    now = utcnow()
    async with rt.db.reading() as conn:
        found = await token_owner(conn, value)
    if found is None:
        raise Unauthenticated("401 Unauthorized: invalid token")
    token, user = found
    if token.revoked:
        raise Unauthenticated("401 Unauthorized: token revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise Unauthenticated("401 Unauthorized: token expired")
    return user


async def revoke_token(rt: Runtime, actor: User, token_id: int) -> None:
    """Revoke one of the actor's tokens (an admin may revoke any)."""
    async with rt.db.transaction() as conn:
        repo = TokenRepository(conn)
        owned = {t.id for t in await repo.list_for_user(actor.id)}
        if token_id not in owned and not actor.is_admin:
            raise PermissionDenied("not your token")
        if not await repo.revoke(token_id, utcnow()):
            raise NotFound(f"token {token_id} not found or already revoked")


async def list_tokens(rt: Runtime, user: User) -> list[Token]:
    """A user's tokens."""
    async with rt.db.reading() as conn:
        return await TokenRepository(conn).list_for_user(user.id)


async def ensure_admin(rt: Runtime) -> IssuedToken | None:
    """On first start (no users yet) create `admin` and return its token; else None."""
    async with rt.db.reading() as conn:
        if await UserRepository(conn).count() > 0:
            return None
    admin = await create_user(rt, "admin", name="Administrator", is_admin=True)
    return await issue_token(rt, admin, name="first-start")
