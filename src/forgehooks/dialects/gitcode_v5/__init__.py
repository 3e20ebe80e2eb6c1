"""The GitCode v5 face: /api/v5/repos/{owner}/{repo}/hooks, delivering GitCode's webhooks."""
