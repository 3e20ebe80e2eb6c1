"""Jinja2 templates of the console and the filters they use."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from forgehooks.console.charts import activity_chart, describe
from forgehooks.console.masking import mask_url
from forgehooks.core.clock import as_utc, utcnow
from forgehooks.core.deliveries import Attempt, Verdict
from forgehooks.core.hooks import Hook

#: Bodies longer than this are cut on the page (the log keeps them whole).
SHOWN_BODY_CHARS = 200_000

HERE = Path(__file__).parent
STATIC = HERE / "static"


def when(moment: datetime | None) -> str:
    """A stored time as `YYYY-MM-DD HH:MM:SS UTC`."""
    if moment is None:
        return "never"
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S UTC")


def iso(moment: datetime | None) -> str:
    """A time for the `datetime` attribute of `<time>`."""
    return as_utc(moment).isoformat() if moment is not None else ""


def hook_state(hook: Hook, now: datetime | None = None) -> tuple[str, str]:
    """A hook's state as words and a CSS class: active, temporarily disabled until ..., disabled."""
    now = now or utcnow()
    if hook.disabled:
        return "disabled", "failed"
    if hook.disabled_until is not None and hook.disabled_until > now:
        return f"temporarily disabled until {when(hook.disabled_until)}", "paused"
    if not hook.active:
        return "inactive", "paused"
    return "active", "ok"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectHealth:
    """How a project's hooks are doing, for the projects list."""

    hooks: int
    failing: int  # paused or disabled after failures: their deliveries wait
    off: int  # switched off by a maintainer

    @classmethod
    def of(cls, hooks: list[Hook], now: datetime | None = None) -> ProjectHealth:
        """Count the hooks by the state the hook pages show."""
        tones = [hook_state(h, now)[1] for h in hooks]
        failing = sum(1 for h, tone in zip(hooks, tones, strict=True) if tone != "ok" and h.active)
        return cls(hooks=len(hooks), failing=failing, off=sum(1 for h in hooks if not h.active))

    @property
    def tone(self) -> str:
        """The CSS class of the health badge."""
        return "failed" if self.failing else ("paused" if self.off else "ok")

    @property
    def words(self) -> str:
        """The health in a few words."""
        if not self.hooks:
            return "no hooks"
        if self.failing:
            return f"{self.failing} of {self.hooks} not delivering"
        if self.off == self.hooks:
            return "all switched off"
        return f"{self.hooks - self.off} delivering" + (f", {self.off} switched off" if self.off else "")


def sent_by_hand(attempts: list[Attempt], automatic: int) -> set[int]:
    """Numbers of the attempts a person asked for (a resend or replay), not the retry schedule.

    The worker tries again only after a `retry` verdict and at most `automatic` times; an
    attempt after a success or a final answer, or past the schedule, was asked for.
    """
    ordered = sorted(attempts, key=lambda a: a.number)
    return {
        later.number
        for earlier, later in itertools.pairwise(ordered)
        if earlier.verdict is not Verdict.RETRY or later.number > automatic
    }


def breakable_url(url: str) -> Markup:
    """A (masked) URL that wraps after its separators, not in the middle of a word."""
    pieces = re.split(r"(?<=[/?&=.#-])(?![/?&=.#-])", mask_url(url))
    return Markup("<wbr>").join(escape(piece) for piece in pieces if piece)


def pretty_body(body: bytes | str) -> str:
    """A body for reading: indented when it is JSON, cut when huge."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    if text[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    if len(text) > SHOWN_BODY_CHARS:
        return text[:SHOWN_BODY_CHARS] + f"\n... ({len(text) - SHOWN_BODY_CHARS} more characters)"
    return text


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=when, iso=iso, masked_url=breakable_url, pretty=pretty_body)
    env.globals.update(activity_chart=activity_chart, describe=describe, hook_state=hook_state)
    return env


TEMPLATES = _environment()


def face_titles(request: Request) -> dict[str, str]:
    """Each face's dialect name and title, as the app loaded them."""
    titles = {"forgehooks": "forgehooks (native)"}
    for face in getattr(request.app.state, "faces", []):
        titles[face.name] = face.title
    return titles


def page(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """Render one console page."""
    html = TEMPLATES.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


#: Every page: no framing, no outside resources, no caching of private data.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
