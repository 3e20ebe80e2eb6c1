"""Use cases called by the faces, the console, the CLI and event sources."""
