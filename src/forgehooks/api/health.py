"""Liveness and readiness: is the process up, can it reach the database."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from forgehooks.dialects.face import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(rt: RuntimeDep) -> JSONResponse:
    """The database answers."""
    try:
        async with rt.db.reading() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # reported, not raised: readiness is a status
        return JSONResponse({"status": "unavailable", "error": str(exc)[:200]}, status_code=503)
    return JSONResponse({"status": "ok"})
