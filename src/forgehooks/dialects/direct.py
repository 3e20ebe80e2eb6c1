"""Parameters read straight from the request, documented and validated as FastAPI would.

FastAPI handles every declared header or query parameter on each request in about 20 µs
of Python apiece (FastAPI 0.165, measured in-process): for a hook list's three credential
places and two to four paging numbers, a third of its time. A face declares those as
`Text`s and `Number`s instead; its dependency reads them from the request, and
`document` shows them in the OpenAPI of every route that depends on it, in the shape
FastAPI gives the same parameter. A bad number raises the `RequestValidationError` FastAPI
would raise (same error type, message and location), which each face renders in its shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import Field, TypeAdapter, ValidationError


@dataclass(frozen=True, slots=True)
class Text:
    """An optional string in a header (any case) or the query, such as a token."""

    name: str
    where: Literal["header", "query"]
    description: str = ""

    def read(self, request: Request) -> str | None:
        """The value given here, if any (a repeated query parameter: its last value)."""
        source = request.headers if self.where == "header" else request.query_params
        return source.get(self.name)

    def parameter(self) -> dict[str, Any]:
        """The OpenAPI parameter object, as FastAPI writes an optional `str` one."""
        schema = {"anyOf": [{"type": "string"}, {"type": "null"}]}
        return _parameter(self.name, self.where, schema, self.description)


@dataclass(frozen=True, slots=True)
class Number:
    """An integer query parameter with optional bounds; absent, it is `default`."""

    name: str
    default: int | None
    ge: int | None = None
    le: int | None = None
    description: str = ""
    _adapter: TypeAdapter[int | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        number = Annotated[int, Field(ge=self.ge, le=self.le)]
        adapter = TypeAdapter(number if self.default is not None else number | None)
        object.__setattr__(self, "_adapter", adapter)

    def read(self, request: Request) -> int | None:
        """The number given, or the default; RequestValidationError as FastAPI's when bad."""
        raw = request.query_params.get(self.name)
        if raw is None:
            return self.default
        try:
            return self._adapter.validate_python(raw)
        except ValidationError as exc:
            errors = [{**e, "loc": ("query", self.name, *e["loc"])} for e in exc.errors(include_url=False)]
            raise RequestValidationError(errors) from None

    def read_int(self, request: Request) -> int:
        """`read` of a number that has a default, so is never None."""
        value = self.read(request)
        if value is None:
            raise TypeError(f"{self.name} has no default")
        return value

    def parameter(self) -> dict[str, Any]:
        """The OpenAPI parameter object, as FastAPI writes this parameter."""
        schema = self._adapter.json_schema()
        if self.default is not None:
            schema["default"] = self.default
        return _parameter(self.name, "query", schema, self.description)


def _parameter(name: str, where: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    """An optional parameter's OpenAPI object: FastAPI titles the schema after the name and
    repeats the description in it."""
    schema = {**schema, "title": name.replace("_", " ").title()}
    parameter: dict[str, Any] = {"in": where, "name": name, "required": False, "schema": schema}
    if description:
        schema["description"] = parameter["description"] = description
    return parameter


class Documented(Protocol):
    """A parameter that can say how the OpenAPI document shows it."""

    def parameter(self) -> dict[str, Any]:
        """The OpenAPI parameter object."""
        ...


def document(router: APIRouter, dependency: Callable[..., Any], parameters: Sequence[Documented]) -> None:
    """Show `parameters` in the OpenAPI of each of the router's routes that use `dependency`."""
    shown = [p.parameter() for p in parameters]
    for route in router.routes:
        if isinstance(route, APIRoute) and _uses(route.dependant, dependency):
            extra = dict(route.openapi_extra or {})
            extra["parameters"] = [*extra.get("parameters", []), *shown]
            route.openapi_extra = extra


def _uses(dependant: Dependant, dependency: Callable[..., Any]) -> bool:
    return any(d.call is dependency or _uses(d, dependency) for d in dependant.dependencies)
