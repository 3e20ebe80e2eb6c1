"""GitLab's event header values (`Push Hook`, `Tag Push Hook`, ...) by canonical kind."""

from __future__ import annotations

from collections.abc import Mapping

from forgehooks.core.events import EventFamily, EventKind

GITLAB_EVENT = "X-Gitlab-Event"
GITLAB_TOKEN = "X-Gitlab-Token"
TAG_PUSH_HOOK = "Tag Push Hook"

#: GitLab's header value of each family (tags get `Tag Push Hook`).
FAMILY_HOOKS: Mapping[EventFamily, str] = {
    EventFamily.REF: "Push Hook",
    EventFamily.MERGE_REQUEST: "Merge Request Hook",
    EventFamily.NOTE: "Note Hook",
    EventFamily.ISSUE: "Issue Hook",
    EventFamily.PIPELINE: "Pipeline Hook",
    EventFamily.COLLABORATOR: "Member Hook",
    EventFamily.SYSTEM: "System Hook",
}


def hook_name(kind: EventKind, overrides: Mapping[EventFamily, str] | None = None) -> str:
    """The `<Kind> Hook` value of `kind`; a face may rename some families."""
    if kind.is_tag:
        return TAG_PUSH_HOOK
    return (overrides or {}).get(kind.family) or FAMILY_HOOKS[kind.family]
