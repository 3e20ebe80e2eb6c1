"""The web console: server-rendered pages over the services, served at `/` and under `/-/`."""

from fastapi import APIRouter

from forgehooks.console import hook_pages, routes

router = APIRouter()
router.include_router(routes.router)
router.include_router(hook_pages.router)

__all__ = ["router"]
