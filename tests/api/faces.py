"""Every face's hooks collection with its credential, for tests that walk all faces."""

from __future__ import annotations

from forgehooks.core.projects import Project
from tests.conftest import Seed

API = "/api/forgehooks/v1"
#: The native API and the five faces.
FACES = ["native", "gitcode_v4", "codeup_v3", "gitcode_v5", "gitflic", "codearts_v4"]
#: The dialect each face stores on the hooks it creates.
DIALECTS = {"native": "forgehooks"} | {face: face for face in FACES[1:]}


def face_paths(seed: Seed) -> dict[str, tuple[str, dict[str, str]]]:
    """Each face's hooks collection and its credential header (Codeup and v5 take it in the query)."""
    return project_paths(seed.project, seed.token)


def project_paths(p: Project, t: str) -> dict[str, tuple[str, dict[str, str]]]:
    """`face_paths` of project `p` with token `t`."""
    return {
        "native": (f"{API}/projects/{p.id}/hooks", {"Authorization": f"Bearer {t}"}),
        "gitcode_v4": (f"/api/v4/projects/{p.id}/hooks", {"PRIVATE-TOKEN": t}),
        "codeup_v3": (
            f"/api/v3/projects/{p.id}/hooks?AccessToken={t}&OrganizationId={p.organization_id}",
            {},
        ),
        "gitcode_v5": (f"/api/v5/repos/{p.owner}/{p.slug}/hooks?access_token={t}", {}),
        "gitflic": (f"/project/{p.owner}/{p.slug}/setting/webhook", {"Authorization": f"token {t}"}),
        "codearts_v4": (f"/v4/projects/{p.hex_id}/hooks", {"X-Auth-Token": t}),
    }
