"""The Huawei CodeArts Repo v4 face: project webhooks under /v4/projects/{project_id}/hooks."""
