"""Event sources: git pushes through a post-receive hook, and the guided demo."""
