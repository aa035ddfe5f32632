"""The ASGI application for ``yishu serve --workers N``: each worker process builds its own app
(control-plane engine, audit writer, rate limiter) for the workspace named by ``YISHU_HOME``."""

from __future__ import annotations


def app_factory():
    from yishu.console import mount
    from yishu.server.app import create_app
    from yishu.workspace import Workspace

    ws = Workspace.open()  # $YISHU_HOME, set by yishu serve
    application = create_app(ws, ws.engine())
    mount(application, ws)
    return application
