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
    """Run the share service: API under /api/v1, OpenAPI at /openapi.json, the console under /console."""
    ws = run(lambda: Workspace.open(home))
    serve_workspace(ws, host, port, workers)


def serve_workspace(
    ws: Workspace, host: str | None = None, port: int | None = None, workers: int = 1
) -> None:
    """Serve ``ws`` until interrupted (``yishu serve`` and ``yishu demo``)."""
    import uvicorn

    from yishu import controlplane
    from yishu.console import mount
    from yishu.server.app import create_app

    engine = ws.engine()
    controlplane.upgrade(engine)  # a workspace made before the share service gets its tables
    host = host or ws.settings["host"]
    port = port or ws.settings["port"]
    console.print(
        f"yishu share service on http://{host}:{port} (OpenAPI at /openapi.json, console at /console/), "
        f"workspace {ws.home}"
    )
    if workers > 1:  # each worker builds its own app from the workspace (yishu.server.asgi)
        import os

        engine.dispose()
        os.environ["YISHU_HOME"] = str(ws.home)
        uvicorn.run("yishu.server.asgi:app_factory", factory=True, workers=workers, host=host, port=port,
                    log_level="warning", access_log=False)  # fmt: skip
        return
    application = create_app(ws, engine)
    mount(application, ws)  # the web console under /console
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
