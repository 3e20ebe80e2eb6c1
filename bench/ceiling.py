"""The FastAPI ceiling: a bare FastAPI app answering one constant JSON body, served like forgehooks.

    .venv/bin/python bench/ceiling.py --port 8081 --body page.json

Same uvicorn settings as `forgehooks serve` (uvloop, httptools, one process, access log
on): what wrk measures against it is the most one API process of this stack can answer
with a body of that size on this machine, so a face's figure reads as a share of it.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Response

PATH = "/api/v4/projects/{project_id}/hooks"


def create_app(body: bytes) -> FastAPI:
    """One GET route with a path parameter, answering `body` as JSON."""
    app = FastAPI()

    @app.get(PATH)
    async def page(project_id: str) -> Response:
        return Response(body, media_type="application/json")

    return app


def main() -> None:
    """Serve until stopped."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="file holding the JSON body to answer")
    args = parser.parse_args()
    app = create_app(args.body.read_bytes())
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="info", loop="uvloop", http="httptools")


if __name__ == "__main__":
    main()
