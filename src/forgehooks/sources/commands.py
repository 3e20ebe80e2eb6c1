"""CLI commands of the event sources: `forgehooks git-hook install|run|flush`."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from forgehooks.sources import post_receive

if TYPE_CHECKING:
    from rich.console import Console

#: Help in rich panels on a terminal; plain text, wrapped by click, when piped or captured.
HELP_MARKUP: Literal["rich"] | None = "rich" if sys.stdout.isatty() else None

git_hook_app = typer.Typer(
    help="Git post-receive integration: pushes become events.",
    no_args_is_help=True,
    rich_markup_mode=HELP_MARKUP,
)

UrlOpt = Annotated[
    str, typer.Option(envvar="FORGEHOOKS_URL", help="the service's base URL, e.g. http://127.0.0.1:8080")
]
TokenOpt = Annotated[str, typer.Option(envvar="FORGEHOOKS_TOKEN", help="a personal access token")]


@functools.cache
def _console() -> Console:
    """Where messages go (stderr), made on first use: `forgehooks worker` imports this module."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)  # lines as long as they are when not a terminal


def _default_url() -> str:
    from forgehooks.config import Settings

    return Settings().base_url()


@git_hook_app.command("install")
def install(
    repo: Annotated[Path, typer.Argument(help="path to the bare repository")],
    project: Annotated[str, typer.Option(help="OWNER/NAME of the forgehooks project")],
    url: UrlOpt = "",
    token: TokenOpt = "",
    force: Annotated[bool, typer.Option(help="replace a post-receive hook that is not forgehooks'")] = False,
    user_from_env: Annotated[
        str, typer.Option(help="variable naming the pusher (default: GL_USERNAME, GL_USER, REMOTE_USER)")
    ] = "",
) -> None:
    """Install a post-receive hook that publishes each pushed branch or tag as an event."""
    if not token:
        raise typer.BadParameter("a token is needed (--token or FORGEHOOKS_TOKEN)", param_hint="--token")
    try:
        target = post_receive.install(
            repo, project, url or _default_url(), token, force=force, user_from_env=user_from_env
        )
    except post_receive.HookSetupError as exc:
        _console().print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    _console().print(f"installed {target} for project [cyan]{project}[/cyan]")


@git_hook_app.command("run")
def run(
    repo: Annotated[Path | None, typer.Option(help="the repository (default: $GIT_DIR)")] = None,
) -> None:
    """What the installed hook calls: read "old new ref" lines on stdin; never fails the push."""
    where = repo or post_receive.repo_from_environment()
    try:
        report = post_receive.run(where, sys.stdin.read())
        lines = report.lines(post_receive.git_dir_of(where) / post_receive.SPOOL_FOLDER)
    except Exception as exc:  # a push must never fail because of forgehooks
        lines = [f"forgehooks: events not published: {exc}"]
    for line in lines:
        sys.stderr.write(line + "\n")


@git_hook_app.command("flush")
def flush(
    repo: Annotated[Path, typer.Argument(help="path to the bare repository")] = Path("."),
    budget: Annotated[float, typer.Option(help="seconds to spend sending")] = 60.0,
) -> None:
    """Send the events that wait in a repository's spool."""
    try:
        report = post_receive.flush(repo, budget=budget)
    except post_receive.HookSetupError as exc:
        _console().print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    _console().print(f"sent {report.sent}, refused {report.rejected}, still waiting {report.left}")
    for error in report.errors:
        _console().print(f"  refused: {error}")
    if report.left:
        _console().print(f"  waiting because: {report.problem}")
        raise typer.Exit(1)


if __name__ == "__main__":  # what the installed post-receive runs: a quick start for every push
    git_hook_app()
