"""The `forgehooks` command: serve, worker, db, users, tokens, projects, emit."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import json
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from forgehooks.config import Settings
from forgehooks.core.codec import to_jsonable
from forgehooks.core.errors import ForgehooksError
from forgehooks.core.events import EventKind
from forgehooks.core.projects import Role
from forgehooks.dialects.wires import load_wires
from forgehooks.engine import attempt_log
from forgehooks.services import accounts, alerts, events, projects
from forgehooks.services.runtime import Runtime
from forgehooks.sources.commands import HELP_MARKUP, TokenOpt, UrlOpt, git_hook_app

if TYPE_CHECKING:
    from rich.console import Console

# The app (FastAPI, the faces' routes and models, the console's templates), alembic and rich
# are imported by the commands that use them: `forgehooks worker` loads none of them.

app = typer.Typer(
    help="forgehooks: webhooks for code forges, five platforms' APIs at once.",
    no_args_is_help=True,
    rich_markup_mode=HELP_MARKUP,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True, rich_markup_mode=HELP_MARKUP)
users_app = typer.Typer(help="Users.", no_args_is_help=True, rich_markup_mode=HELP_MARKUP)
tokens_app = typer.Typer(help="Personal access tokens.", no_args_is_help=True, rich_markup_mode=HELP_MARKUP)
projects_app = typer.Typer(help="Projects and members.", no_args_is_help=True, rich_markup_mode=HELP_MARKUP)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(projects_app, name="projects")
app.add_typer(git_hook_app, name="git-hook")

T = TypeVar("T")
JsonOpt = Annotated[bool, typer.Option("--json", help="print the created object as one JSON object")]


@functools.cache
def _console() -> Console:
    """Where messages go (stderr), made on first use."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)  # lines as long as they are when not a terminal


def delivery_runtime(settings: Settings) -> Runtime:
    """A runtime with every face's wire format but none of their routes: all but `serve` need no more."""
    return Runtime.build(settings, load_wires())


def _with_runtime(work: Callable[[Runtime], Awaitable[T]]) -> T:
    """Run `work` against the configured database, turning domain errors into exit code 1."""
    settings = Settings()

    async def main() -> T:
        rt = delivery_runtime(settings)
        try:
            return await work(rt)
        finally:
            await rt.close()

    try:
        return asyncio.run(main())
    except ForgehooksError as exc:
        _console().print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(1) from exc


def _configure_logging(settings: Settings) -> None:
    """Text logs at INFO on stderr; attempt lines as bare JSON when FORGEHOOKS_ATTEMPT_LOG=json."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # The access log writes a record per request: skip what no format here shows (the
    # caller's frame, thread and process), as the logging HOWTO's "Optimization" advises.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    attempt_log.configure(settings.attempt_log)


def deliveries_phrase(count: int) -> str:
    """`1 delivery`, `2 deliveries`."""
    return f"{count} deliver{'y' if count == 1 else 'ies'}"


def _emit_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(obj), default=str) + "\n")


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply the schema migrations to the configured database."""
    from forgehooks.store.migrate import upgrade

    settings = Settings()
    upgrade(settings.resolved_database_url, revision, schema=settings.database_schema or None)
    _console().print(f"database at {revision}: {settings.resolved_database_url.split('@')[-1]}")


@db_app.command("prune")
def db_prune(
    older_than_days: Annotated[int, typer.Option(help="delete events older than this many days")] = 30,
) -> None:
    """Delete old events whose deliveries are all finished, with their bodies and attempts."""
    from datetime import timedelta

    from forgehooks.core.clock import utcnow
    from forgehooks.store.retention import prune_events

    async def work(rt: Runtime) -> int:
        total = 0
        while True:
            async with rt.db.transaction() as conn:
                pruned = await prune_events(conn, utcnow() - timedelta(days=older_than_days))
            total += pruned
            if not pruned:
                return total

    _console().print(f"pruned {_with_runtime(work)} events older than {older_than_days} days")


@db_app.command("rotate-key")
def db_rotate_key() -> None:
    """Re-encrypt every hook secret under the first key of FORGEHOOKS_SECRET_KEY."""
    from forgehooks.store.retention import reencrypt_secrets

    async def work(rt: Runtime) -> int:
        async with rt.db.transaction() as conn:
            return await reencrypt_secrets(conn, rt.box)

    _console().print(f"re-encrypted {_with_runtime(work)} hook secrets with the newest key")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="listen address")] = None,
    port: Annotated[int | None, typer.Option(help="listen port")] = None,
    workers: Annotated[int | None, typer.Option(help="embedded delivery workers (0: none)")] = None,
    processes: Annotated[
        int,
        typer.Option(min=1, help="API processes sharing the port (PostgreSQL only; each with its workers)"),
    ] = 1,
) -> None:
    """Run the API, the console and (by default) the delivery workers in one process, or in
    `--processes` processes on PostgreSQL."""
    import uvicorn

    from forgehooks.api.app import create_app
    from forgehooks.store.migrate import upgrade

    overrides: dict[str, Any] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    settings = Settings(**overrides)
    if processes > 1 and settings.resolved_database_url.startswith("sqlite"):
        _console().print(
            "[red]--processes needs PostgreSQL[/red] (FORGEHOOKS_DATABASE_URL): one process serves SQLite"
        )
        raise typer.Exit(2)
    _configure_logging(settings)
    upgrade(settings.resolved_database_url, schema=settings.database_schema or None)
    issued = _with_runtime(accounts.ensure_admin)
    base = settings.base_url()
    if issued is not None:
        _console().print("[bold]First start:[/bold] created user [cyan]admin[/cyan]; its token (shown once):")
        _console().print(f"  [green]{issued.value}[/green]")
    _console().print(f"API:     {base}/api/forgehooks/v1  (OpenAPI: {base}/docs)")
    _console().print(f"Console: {base}/")
    if processes > 1:
        # uvicorn starts the processes, each building its app from the environment; rate
        # limits are counted in the database, so they hold across them (services/limits.py)
        if workers is not None:
            os.environ["FORGEHOOKS_EMBEDDED_WORKER"] = "true" if workers else "false"
        uvicorn.run(
            "forgehooks.api.app:create_app",
            factory=True,
            workers=processes,
            host=settings.host,
            port=settings.port,
            log_level="info",
            loop="uvloop",
            http="httptools",
        )
        return
    application = create_app(settings, workers=workers)
    # Everything built so far lives as long as the process: kept out of the collector's
    # reach, a full collection no longer walks ~170k objects (an 80 ms pause every few
    # thousand requests, which was the API's p99).
    gc.collect()
    gc.freeze()
    uvicorn.run(
        application, host=settings.host, port=settings.port, log_level="info", loop="uvloop", http="httptools"
    )


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="sends in flight")] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="serve this worker's Prometheus metrics on this port")
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="listen address of --metrics-port")] = "127.0.0.1",
) -> None:
    """Run delivery workers only (scale out: as many as you like on PostgreSQL)."""
    overrides: dict[str, Any] = {"worker_concurrency": concurrency} if concurrency else {}
    settings = Settings(**overrides)
    _configure_logging(settings)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        from forgehooks.engine import process_metrics

        start_http_server(metrics_port, addr=metrics_host, registry=process_metrics.REGISTRY)

    async def main() -> None:
        rt = delivery_runtime(settings)
        # as in `serve`: what is built by now lives as long as the process, so the
        # collector's full collections need not walk it (measured in the embedded worker:
        # two full collections of 90 ms each in 30,000 deliveries, 6 µs a delivery)
        gc.collect()
        gc.freeze()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        try:
            await asyncio.gather(rt.new_worker().run(stop), alerts.watch(rt, stop))
        finally:
            await rt.close()

    try:
        import uvloop

        uvloop.run(main())
    except ImportError:
        asyncio.run(main())


@users_app.command("create")
def users_create(
    username: str,
    admin: Annotated[bool, typer.Option("--admin", help="make the user an administrator")] = False,
    name: str = "",
    email: str = "",
    as_json: JsonOpt = False,
) -> None:
    """Create a user."""
    user = _with_runtime(
        lambda rt: accounts.create_user(rt, username, name=name, email=email, is_admin=admin)
    )
    _emit_json(user) if as_json else _console().print(f"created user {user.username} (id {user.id})")


@tokens_app.command("create")
def tokens_create(
    user: Annotated[str, typer.Option("--user", help="the token's owner")],
    name: str = "cli",
    expires_at: Annotated[datetime | None, typer.Option(help="expiry time (ISO-8601)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a personal access token; its value is printed once."""

    async def work(rt: Runtime) -> accounts.IssuedToken:
        return await accounts.issue_token(
            rt, await accounts.find_user(rt, user), name=name, expires_at=expires_at
        )

    issued = _with_runtime(work)
    if as_json:
        _emit_json(to_jsonable(issued.token) | {"token": issued.value})
    else:
        _console().print(f"token for {user} (shown once):")
        sys.stdout.write(issued.value + "\n")


@projects_app.command("create")
def projects_create(
    path: Annotated[str, typer.Argument(help="OWNER/NAME")],
    owner: Annotated[str, typer.Option(help="the owning user")] = "admin",
    description: str = "",
    organization_id: str = "",
    as_json: JsonOpt = False,
) -> None:
    """Create a project (with numeric, 32-hex and UUID ids)."""

    async def work(rt: Runtime) -> Any:
        user = await accounts.find_user(rt, owner)
        return await projects.create_project(
            rt, user, path, description=description, organization_id=organization_id
        )

    project = _with_runtime(work)
    if as_json:
        _emit_json(project)
    else:
        _console().print(
            f"created {project.path}: id {project.id}, hex_id {project.hex_id}, uuid {project.uuid}, "
            f"organization_id {project.organization_id}"
        )


@projects_app.command("add-member")
def projects_add_member(
    path: Annotated[str, typer.Argument(help="OWNER/NAME")],
    username: str,
    role: Annotated[str, typer.Option(help="owner, maintainer, developer or reporter")] = "developer",
) -> None:
    """Add a user to a project with a role."""
    try:
        parsed = Role[role.upper()]
    except KeyError as exc:
        raise typer.BadParameter("role must be owner, maintainer, developer or reporter") from exc

    async def work(rt: Runtime) -> None:
        await projects.add_member(rt, await projects.find_project(rt, path), username, parsed)

    _with_runtime(work)
    _console().print(f"{username} is now {parsed.name.lower()} of {path}")


@app.command()
def emit(
    project: Annotated[str, typer.Argument(help="project id or OWNER/NAME")],
    kind: Annotated[EventKind, typer.Argument(help="event kind")],
    body: Annotated[str, typer.Option(help="the body as JSON, or @file.json")] = "",
    user: Annotated[str, typer.Option(help="the acting user")] = "admin",
    sample: Annotated[bool, typer.Option(help="publish a realistic sample body")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Publish one canonical event to a project's hooks."""
    from forgehooks.core.clock import utcnow
    from forgehooks.core.samples import sample_body

    raw = Path(body[1:]).read_text() if body.startswith("@") else body

    async def work(rt: Runtime) -> events.Published:
        found = await projects.find_project(rt, project)
        actor = events.actor_of(await accounts.find_user(rt, user))
        if sample or not raw:
            parsed = sample_body(kind, found.snapshot(rt.settings.base_url()), actor, utcnow())
        else:
            parsed = events.parse_body(kind, json.loads(raw))
        return await events.publish(rt, events.build_event(rt, found, kind, parsed, actor))

    published = _with_runtime(work)
    if as_json:
        _emit_json(published)
    else:
        _console().print(f"event {published.event_id}: {deliveries_phrase(published.deliveries)}")


@app.command()
def demo(
    url: UrlOpt = "",
    token: TokenOpt = "",
    wait: Annotated[float, typer.Option(help="seconds to wait for deliveries")] = 20.0,
) -> None:
    """Show the whole product: hooks through all five faces, a real git push, what each received.

    Without --url and --token the demo starts a throwaway service of its own (local targets
    allowed, removed afterwards); with them it uses that service and its demo project.
    """
    from forgehooks.api.sandbox import Sandbox, sandbox
    from forgehooks.sources.demo import DemoFailed, run_demo

    out = _console()
    with contextlib.ExitStack() as stack:
        if not url and not token:
            out.print("Starting a throwaway forgehooks service for the demo…")
            own = stack.enter_context(sandbox())
        else:
            if not token:
                raise typer.BadParameter("a token is needed with --url (--token or FORGEHOOKS_TOKEN)")
            own = Sandbox(url=url or Settings().base_url(), token=token)
        try:
            result = asyncio.run(run_demo(own.url, own.token, out, wait=wait))
        except DemoFailed as exc:
            out.print(f"[red]error:[/red] {exc}")
            if advice := exc.advice():
                out.print(advice)
            out.print("The demo removed the hooks it had made and revoked its git token.")
            raise typer.Exit(1) from exc
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def receive(port: Annotated[int, typer.Option(help="port on 127.0.0.1")] = 9000) -> None:
    """A receiver for trying hooks out: prints one line for every POST to 127.0.0.1:PORT/<name>."""
    from rich.console import Console

    from forgehooks.sources.demo import receive_forever

    out = Console(highlight=False, soft_wrap=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(receive_forever(port, out))


@app.command()
def replay(
    project: Annotated[str, typer.Argument(help="project id or OWNER/NAME")],
    since: Annotated[datetime, typer.Option(help="replay deliveries created since this time (ISO-8601)")],
    hook: Annotated[int | None, typer.Option(help="only this hook's deliveries")] = None,
    failed_only: Annotated[bool, typer.Option("--failed-only", help="only deliveries that failed")] = False,
) -> None:
    """Send again every finished delivery of a project (or hook) since a time, with the same ids."""
    from rich.progress import Progress

    from forgehooks.services.replay import replay as replay_batches

    async def work(rt: Runtime) -> int:
        found = await projects.find_project(rt, project)
        done = 0
        with Progress(console=_console()) as progress:
            task = progress.add_task("replaying", total=None)
            async for done, total in replay_batches(
                rt, found, since=since, hook_id=hook, failed_only=failed_only
            ):
                progress.update(task, completed=done, total=total)
        return done

    _console().print(f"queued {deliveries_phrase(_with_runtime(work))} again")


if __name__ == "__main__":
    app()
