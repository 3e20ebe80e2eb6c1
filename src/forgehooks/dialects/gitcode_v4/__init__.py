"""Face gitcode_v4: GitCode's GitLab-compatible v4 API (hooks, tests, commit statuses, quality)."""
