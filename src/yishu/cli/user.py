"""``yishu user``: add and list users of the share service."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from yishu.cli.common import HomeOption, app, console, run
from yishu.share import users
from yishu.share.errors import ShareError
from yishu.workspace import Workspace

user_app = typer.Typer(help="Users of the share service (用户).", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _open(home):
    from yishu import controlplane

    ws = run(lambda: Workspace.open(home))
    engine = ws.engine()
    controlplane.upgrade(engine)
    return ws, engine


def _domain(action):
    def call():
        try:
            return action()
        except ShareError as exc:
            raise ValueError(f"{exc.message} ({exc.code})") from None

    return run(call)


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="One of: " + ", ".join(users.ROLES) + ".")],
    org: Annotated[str, typer.Option(help="Org unit (department, township, community); created if new.")],
    jurisdiction: Annotated[
        str | None,
        typer.Option(help="Jurisdiction code (4, 6, 9, 12 or 15 digits); default the org's or the city."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Create a user bound to an org unit and a jurisdiction."""
    if not password_stdin:
        run(lambda: (_ for _ in ()).throw(ValueError("give the password on stdin with --password-stdin")))
    password = sys.stdin.readline().rstrip("\r\n")
    ws, engine = _open(home)
    try:
        user = _domain(lambda: users.add_user(engine, name, role, org, password, jurisdiction,
                                              city=ws.settings["city"]))  # fmt: skip
    finally:
        engine.dispose()
    console.print(f"Added user {user.name} ({user.role}, {user.org_name}, jurisdiction {user.jurisdiction})")


@user_app.command("list")
def list_cmd(
    home: HomeOption = None, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
):
    """Every user with role, org unit and jurisdiction."""
    _, engine = _open(home)
    try:
        found = users.list_users(engine)
    finally:
        engine.dispose()
    if as_json:
        print(json.dumps([u.as_dict() for u in found], ensure_ascii=False, indent=2))
        return
    if not found:
        console.print("No users yet.")
        return
    table = Table(title="Users")
    for col in ("id", "name", "role", "org", "jurisdiction"):
        table.add_column(col)
    for u in found:
        table.add_row(str(u.user_id), u.name, u.role, u.org_name, u.jurisdiction)
    console.print(table)
