"""``yishu serve``: the share service (FastAPI on uvicorn)."""

from __future__ import annotations

from typing import Annotated

import typer

from yishu.cli.common import HomeOption, app, console, run
from yishu.workspace import Workspace


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on (default: the host setting).")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: the port setting).")] = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each with its own audit writer; one chain).")
    ] = 1,
    home: HomeOption = None,
) -> None:
    """Run the share service: API under /api/v1, OpenAPI at /openapi.json."""
    import uvicorn

    from yishu import controlplane
    from yishu.server.app import create_app

    ws = run(lambda: Workspace.open(home))
    engine = ws.engine()
    controlplane.upgrade(engine)  # a workspace made before the share service gets its tables
    application = create_app(ws, engine)
    from yishu.console import mount  # the web console under /console (issue 9)

    mount(application, ws)
    host = host or ws.settings["host"]
    port = port or ws.settings["port"]
    console.print(
        f"yishu share service on http://{host}:{port} (OpenAPI at /openapi.json), workspace {ws.home}"
    )
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
