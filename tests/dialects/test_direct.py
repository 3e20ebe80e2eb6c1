"""Parameters read straight from the request answer and document exactly as FastAPI's own.

Two routes of one app take the same parameters, one declared to FastAPI, one read by
`dialects.direct`; their validation errors and OpenAPI parameters must be the same.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from forgehooks.dialects.direct import Number, Text, document

SIZE = Number("per_page", 20, ge=1, le=100, description="items per page")
PAGE = Number("Page", None, ge=1, le=1000)
TOKEN = Text("PRIVATE-TOKEN", "header", "a token")


async def direct(request: Request) -> dict[str, Any]:
    return {"size": SIZE.read(request), "page": PAGE.read(request), "token": TOKEN.read(request)}


def _app() -> FastAPI:
    router = APIRouter()

    @router.get("/declared")
    async def declared(
        per_page: Annotated[int, Query(ge=1, le=100, description="items per page")] = 20,
        page: Annotated[int | None, Query(alias="Page", ge=1, le=1000)] = None,
        token: Annotated[str | None, Header(alias="PRIVATE-TOKEN", description="a token")] = None,
    ) -> dict[str, Any]:
        return {"size": per_page, "page": page, "token": token}

    @router.get("/direct")
    async def read(values: Annotated[dict[str, Any], Depends(direct)]) -> dict[str, Any]:
        return values

    document(router, direct, [SIZE, PAGE, TOKEN])
    app = FastAPI()
    app.include_router(router)

    @app.exception_handler(RequestValidationError)
    async def errors(_: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(json.loads(json.dumps(exc.errors(), default=str)), status_code=422)

    return app


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"per_page": "5"},
        {"per_page": "x"},
        {"per_page": "0"},
        {"per_page": "101"},
        {"Page": ""},
        {"Page": "7"},
    ],
)
async def test_a_number_is_read_and_refused_as_fastapi_does(query: dict[str, str]) -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        headers = {"private-token": "t"}
        declared = await client.get("/declared", params=query, headers=headers)
        read = await client.get("/direct", params=query, headers=headers)
    assert (read.status_code, read.json()) == (declared.status_code, declared.json())


def test_the_openapi_parameters_are_fastapis() -> None:
    paths = _app().openapi()["paths"]

    def parameters(path: str) -> list[str]:
        return sorted(json.dumps(p, sort_keys=True) for p in paths[path]["get"]["parameters"])

    assert parameters("/direct") == parameters("/declared")
