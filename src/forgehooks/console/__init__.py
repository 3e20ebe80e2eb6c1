"""The web console: server-rendered pages over the services, served at `/` and under `/-/`."""

from forgehooks.console.routes import router

__all__ = ["router"]
