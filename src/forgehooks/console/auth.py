"""Console sessions: the personal access token in an HttpOnly, SameSite=Lax cookie, and CSRF tokens.

Signed-in forms carry an HMAC of the session token, which a cross-site page cannot compute
because it cannot read the cookie. The sign-in form, before any session exists, uses a
random double-submit value kept in its own HttpOnly cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response

from forgehooks.core.errors import NotFound, PermissionDenied
from forgehooks.core.projects import Project, Role, User
from forgehooks.services import accounts, projects
from forgehooks.services.runtime import Runtime

SESSION_COOKIE = "forgehooks_session"
SIGN_IN_COOKIE = "forgehooks_sign_in"
CSRF_FIELD = "csrf_token"
SESSION_SECONDS = 8 * 3600


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A signed-in console user and the CSRF token their forms carry."""

    user: User
    csrf: str


def runtime_of(request: Request) -> Runtime:
    """The app's runtime."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def csrf_for(token: str) -> str:
    """The CSRF token bound to one session token."""
    return hmac.new(token.encode(), b"forgehooks console csrf", hashlib.sha256).hexdigest()


async def current_session(request: Request) -> Session:
    """The signed-in user; Unauthenticated (the console redirects to sign-in) otherwise."""
    token = request.cookies.get(SESSION_COOKIE)
    user = await accounts.authenticate(runtime_of(request), token)
    assert token is not None
    return Session(user=user, csrf=csrf_for(token))


def _same(expected: str, given: object) -> bool:
    return isinstance(given, str) and bool(given) and hmac.compare_digest(expected, given)


async def checked_session(request: Request) -> Session:
    """The signed-in user of a POST whose form carries this session's CSRF token; 403 otherwise."""
    session = await current_session(request)
    form = await request.form()
    if not _same(session.csrf, form.get(CSRF_FIELD)):
        raise PermissionDenied("the form's CSRF token is missing or wrong; reload the page and retry")
    return session


def new_sign_in_csrf() -> str:
    """A fresh random value for the sign-in form and its cookie."""
    return secrets.token_urlsafe(32)


async def check_sign_in_csrf(request: Request) -> None:
    """The sign-in form must echo its cookie's random value."""
    form = await request.form()
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not _same(expected, form.get(CSRF_FIELD)):
        raise PermissionDenied("the sign-in form expired; reload the page and retry")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def remember_sign_in_csrf(request: Request, response: Response, value: str) -> None:
    """Keep the sign-in form's CSRF value in a short-lived cookie."""
    response.set_cookie(
        SIGN_IN_COOKIE,
        value,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/-/",
    )


def start_session(request: Request, response: Response, token: str) -> None:
    """Keep the token in the session cookie, unreadable by scripts and not sent cross-site on POST."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/-/")


def end_session(response: Response) -> None:
    """Forget the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")


async def member_project(
    request: Request, session: Session, identity: str, needed: Role
) -> tuple[Project, Role]:
    """The project and the user's role in it; members only (others get 404), `needed` or 403."""
    rt = runtime_of(request)
    project = await projects.find_project(rt, identity)
    role = await projects.role_in(rt, session.user, project)
    if role is None:
        raise NotFound("404 Project Not Found")
    if role < needed:
        raise PermissionDenied(f"this needs the {needed.name.lower()} role in {project.path}")
    return project, role
