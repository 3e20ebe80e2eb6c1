"""`forgehooks worker` imports only what delivering needs: no web framework, no face's routes.

A worker process holds every module it imported for its whole life, so the FastAPI app, the
console's templates or alembic imported by accident would cost each worker ~25 MB of RSS.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from forgehooks.api.faces import load_faces
from forgehooks.dialects.wires import load_wires

# Runs the real command in a fresh interpreter; its `alerts.watch` stands in for a signal:
# it notes what the worker registered, then stops it (the worker drains and exits).
CHILD = """
import json, sys
from forgehooks.services import alerts

seen = {}

async def watch(rt, stop):
    seen["wires"] = sorted(rt.wires)
    stop.set()

alerts.watch = watch
from forgehooks.cli import app

app(["worker"], standalone_mode=False)
print(json.dumps({"wires": seen["wires"], "modules": sorted(sys.modules)}))
"""

#: Packages and modules a worker must not import (pydantic stays: the settings use it).
FORBIDDEN = (
    "fastapi",
    "starlette",
    "uvicorn",
    "jinja2",
    "alembic",
    "mako",
    "rich",
    "xmltodict",
    "forgehooks.api",
    "forgehooks.console",
    "forgehooks.dialects.face",
)

#: A face's modules that only serving its API needs.
FACE_ONLY = ("face", "routes", "schemas", "errors", "auth", "paging", "parameters", "envelope")


def test_the_worker_command_imports_no_web_stack(tmp_path: Path) -> None:
    env = os.environ | {
        "FORGEHOOKS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/fh.db",
        "FORGEHOOKS_DATA_DIR": str(tmp_path),
        "FORGEHOOKS_ALERT_URL": "",
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    modules = set(seen["modules"])

    loaded = sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))
    assert loaded == []
    faces = [f.name for f in load_faces()]
    face_only = sorted(
        m
        for m in modules
        for name in faces
        for part in FACE_ONLY
        if m == f"forgehooks.dialects.{name}.{part}"
    )
    assert face_only == []
    # ...and it still delivers in every face's format
    assert {f"forgehooks.dialects.{name}.wire" for name in faces} <= modules
    assert seen["wires"] == sorted([*faces, "forgehooks"])


def test_the_wires_are_the_faces_wires() -> None:
    faces = load_faces()
    assert [type(w) for w in load_wires()] == [type(f.wire) for f in faces]
    assert [w.dialect for w in load_wires()] == [f.name for f in faces]
