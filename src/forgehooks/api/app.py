"""The app factory: the five faces, the native API, health, and the embedded delivery worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI
from starlette.routing import Match
from starlette.types import Scope

from forgehooks import console
from forgehooks.api import docs, errors, guards, health, log_redaction, metrics, native
from forgehooks.api.faces import load_faces
from forgehooks.api.middleware import EncodedSlashMiddleware
from forgehooks.config import Settings
from forgehooks.services import alerts
from forgehooks.services.limits import window_for
from forgehooks.services.runtime import Runtime

log = logging.getLogger("forgehooks")


class Routes(APIRouter):
    """A router's routes behind a look at the path's start: a request is not matched against
    the pattern of each route of a router none of whose paths can match it (FastAPI tries
    every route of every router in turn, and those of the router found twice), about a
    tenth of a hook list's time. The starts are each route's path up to its first parameter.
    """

    def __init__(self, router: APIRouter) -> None:
        super().__init__()
        self.starts = tuple({getattr(r, "path", "").split("{", 1)[0] for r in router.routes})
        self.include_router(router)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        """No match at once for a path outside the router's starts."""
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        if not path.startswith(self.starts):
            return Match.NONE, {}
        return super().matches(scope)


def build_runtime(settings: Settings) -> Runtime:
    """A runtime with every face's wire format registered."""
    return Runtime.build(settings, [f.wire for f in load_faces()])


def create_app(
    settings: Settings | None = None, *, runtime: Runtime | None = None, workers: int | None = None
) -> FastAPI:
    """The whole HTTP service. `workers` embedded delivery workers (default: 1 if enabled)."""
    settings = settings or (runtime.settings if runtime else Settings())
    rt = runtime or build_runtime(settings)
    faces = load_faces()
    worker_count = workers if workers is not None else (1 if settings.embedded_worker else 0)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log_redaction.install()  # here: the server has configured its loggers by now
        stop = asyncio.Event()
        tasks = [asyncio.create_task(rt.new_worker().run(stop)) for _ in range(worker_count)]
        tasks.append(asyncio.create_task(alerts.watch(rt, stop)))
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            if runtime is None:
                await rt.close()

    app = FastAPI(
        title="forgehooks",
        version="0.1.0",
        description="Webhooks for code forges, wire-compatible with five platforms' webhook APIs.",
        lifespan=lifespan,
        docs_url=None,  # served by api/docs.py from the installed package: no CDN, works offline
        redoc_url=None,
    )
    app.state.runtime = rt
    app.state.faces = faces
    app.include_router(Routes(health.router))
    app.include_router(Routes(metrics.router))
    app.include_router(Routes(docs.router))
    app.include_router(Routes(native.router))
    for face in faces:
        app.include_router(Routes(face.router))
    # after the faces: every API request is matched against the routes before its own, and
    # the console's (all under `/-/`, none in the OpenAPI document) need not be among them
    app.include_router(Routes(console.router))
    renderers = [(prefix, face.render_error) for face in faces for prefix in face.prefixes]
    renderers.append((native.PREFIX, errors.native_error))
    render = errors.install(app, renderers)
    if settings.api_rate_limit > 0:
        rt.api_calls = window_for(rt.db, "api_calls", settings.api_rate_limit)
    places = guards.CredentialPlaces.of(place for face in faces for place in face.credentials)
    guards.install(app, settings, render, rt.api_calls if settings.api_rate_limit > 0 else None, places)
    app.add_middleware(EncodedSlashMiddleware)
    return app
