"""Where a face finds the caller's token: read straight from the request, documented as FastAPI would.

FastAPI runs every declared header or query parameter through pydantic on each request,
about 20 µs apiece (FastAPI 0.165, measured in-process): for the three optional strings a
face's credential dependency only looks up, that was about a tenth of a hook list's time.
A face names those places as `Credential`s instead; its dependency reads them with
`Credential.read`, and `document` shows them in the OpenAPI of every route that depends on
it, in the shape FastAPI gives an optional string parameter, so clients see no difference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from forgehooks.services.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Credential:
    """One place a token may come in: a header (any case) or a query parameter."""

    name: str
    where: Literal["header", "query"]
    description: str = ""

    def read(self, request: Request) -> str | None:
        """The value given here, if any (a repeated query parameter: its last value)."""
        source = request.headers if self.where == "header" else request.query_params
        return source.get(self.name)

    def parameter(self) -> dict[str, Any]:
        """The OpenAPI parameter object, as FastAPI writes an optional `str` one."""
        schema: dict[str, Any] = {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "title": self.name.replace("_", " ").title(),
        }
        parameter: dict[str, Any] = {"in": self.where, "name": self.name, "required": False, "schema": schema}
        if self.description:
            schema["description"] = parameter["description"] = self.description
        return parameter


def runtime_of(request: Request) -> Runtime:
    """The app's runtime, for a dependency that takes the request alone."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def document(router: APIRouter, dependency: Callable[..., Any], credentials: Sequence[Credential]) -> None:
    """Show `credentials` as parameters of each of the router's routes that use `dependency`."""
    shown = [c.parameter() for c in credentials]
    for route in router.routes:
        if isinstance(route, APIRoute) and _uses(route.dependant, dependency):
            extra = dict(route.openapi_extra or {})
            extra["parameters"] = [*extra.get("parameters", []), *shown]
            route.openapi_extra = extra


def _uses(dependant: Dependant, dependency: Callable[..., Any]) -> bool:
    return any(d.call is dependency or _uses(d, dependency) for d in dependant.dependencies)
