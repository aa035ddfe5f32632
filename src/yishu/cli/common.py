"""What every command shares: the app, the --home option and error handling."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from yishu import __version__

app = typer.Typer(
    name="yishu",
    help="yishu (一数): one data item, one authoritative source, one standard.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Piped output (CI logs, files) gets a wide fixed width instead of rich's 80 columns.
console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)

HomeOption = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Workspace directory (else $YISHU_HOME, else ./yishu-home).",
        show_default=False,
    ),
]

T = TypeVar("T")

# Errors that are the user's to fix: shown as one line, never as a traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, KeyError, FileNotFoundError, RuntimeError)


def run(action: Callable[[], T]) -> T:
    """Call the API; turn a domain error into ``error: ...`` on stderr and exit code 1."""
    try:
        return action()
    except USER_ERRORS as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        err_console.print(f"[bold red]error:[/] {message}", highlight=False)
        raise typer.Exit(1) from None


def _version(value: bool) -> None:
    if value:
        print(f"yishu {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """yishu (一数): one data item, one authoritative source, one standard."""


def stdout_is_terminal() -> bool:
    return sys.stdout.isatty()
