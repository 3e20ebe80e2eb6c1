"""Fixtures for the Codeup v3 face: a repository inside an organization and the query it needs."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from forgehooks.core.projects import Project
from forgehooks.services import projects
from forgehooks.services.runtime import Runtime
from tests.conftest import Seed

ORG = "60811b5eed6e867404f6abcd"


@dataclass
class Repo:
    """alice's repository acme/gadgets in organization ORG, and her token."""

    project: Project
    token: str

    @property
    def hooks(self) -> str:
        """The hooks collection path."""
        return f"/api/v3/projects/{self.project.id}/hooks"

    def query(self, token: str | None = None, org: str | None = ORG) -> dict[str, str]:
        """AccessToken and OrganizationId query parameters."""
        params = {"AccessToken": token or self.token}
        if org is not None:
            params["OrganizationId"] = org
        return params


@pytest.fixture
async def repo(runtime: Runtime, seed: Seed) -> Repo:
    """A repository of an organization, owned by alice."""
    project = await projects.create_project(
        runtime, seed.user, "acme/gadgets", description="Gadgets", organization_id=ORG
    )
    return Repo(project=project, token=seed.token)
