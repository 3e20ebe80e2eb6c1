"""Projects, users, roles and personal access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from forgehooks.core.events import ProjectSnapshot


class Role(IntEnum):
    """Project roles, ordered by power (GitLab's access levels)."""

    REPORTER = 20  #: reads the project
    DEVELOPER = 30  #: pushes code
    MAINTAINER = 40  #: manages hooks and settings
    OWNER = 50  #: everything, including members


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A person or bot that holds tokens and memberships."""

    id: int
    username: str
    name: str
    email: str
    is_admin: bool = False
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Token:
    """A personal access token; the secret value is shown once, only its hash is stored."""

    id: int
    user_id: int
    name: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked: bool = False
    last_used_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Project:
    """A repository with every identity the five faces need."""

    id: int
    hex_id: str
    uuid: str
    path: str  # owner/name, unique
    organization_id: str
    name: str
    description: str
    default_branch: str
    visibility: str
    created_at: datetime

    @property
    def owner(self) -> str:
        """The namespace part of the path."""
        return self.path.rsplit("/", 1)[0]

    @property
    def slug(self) -> str:
        """The last part of the path."""
        return self.path.rsplit("/", 1)[-1]

    def snapshot(self, base_url: str) -> ProjectSnapshot:
        """The project as an event carries it; URLs are built from the service's base URL."""
        base = base_url.rstrip("/")
        host = base.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
        return ProjectSnapshot(
            id=self.id,
            hex_id=self.hex_id,
            uuid=self.uuid,
            path=self.path,
            name=self.name,
            description=self.description,
            default_branch=self.default_branch,
            visibility=self.visibility,
            web_url=f"{base}/{self.path}",
            git_http_url=f"{base}/{self.path}.git",
            git_ssh_url=f"git@{host}:{self.path}.git",
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Membership:
    """A user's role in a project."""

    project_id: int
    user_id: int
    role: Role
