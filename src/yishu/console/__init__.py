"""The web console (控制台): Chinese first, English on request, served by ``yishu serve``.

``mount(app, ws)`` adds the console to the share service's FastAPI app under ``/console``: pages
rendered on the server with Jinja2, one stylesheet and a little vanilla JS from this package (no
CDN, works offline). Access and masking are the share service's (``yishu.console.share``).
"""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.staticfiles import StaticFiles

from yishu.console import errors
from yishu.console.messages import Translator
from yishu.console.state import Console
from yishu.console.web import PREFIX, language, render, url
from yishu.workspace import Workspace

__all__ = ["PREFIX", "mount"]


def _user_or_none(request: Request):
    from yishu.console import share

    user = share.user_of(request)
    return share._viewer(user) if user else None


def mount(app: FastAPI, ws: Workspace, engine=None) -> None:
    """Serve the console from ``app`` under ``/console`` (idempotent per app)."""
    if getattr(app.state, "yishu_console", None) is not None:
        return
    from yishu.console.routes import audit, auth, base, catalogue, home, sharing, tasks

    app.state.yishu_console = Console(ws, engine, getattr(app.state, "share", None))
    static = str(resources.files("yishu.console").joinpath("static"))
    app.mount(PREFIX + "/static", StaticFiles(directory=static), name="console-static")
    for module in (auth, home, catalogue, base, tasks, sharing, audit):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)

    if not any(getattr(r, "path", None) == "/" for r in app.routes):

        @app.get("/", include_in_schema=False)
        def _root():
            return RedirectResponse(url("/"), status_code=307)

    @app.get(PREFIX, include_in_schema=False)
    def _console_root():
        return RedirectResponse(url("/"), status_code=307)

    @app.get(PREFIX + "/{rest:path}", include_in_schema=False)
    def _console_unknown(rest: str, request: Request):
        raise errors.NotFound(Translator(language(request))("error.no_page"))

    @app.exception_handler(errors.LoginRequired)
    def _login_required(request: Request, exc: errors.LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(url("/login") + "?next=" + _quote(target), status_code=303)

    @app.exception_handler(errors.ConsoleError)
    def _console_error(request: Request, exc: errors.ConsoleError):
        t = Translator(language(request))
        return render(request, "error.html", _user_or_none(request), status_code=exc.status, code=exc.status,
                      heading=t(f"error.{exc.status}"), message=exc.message)  # fmt: skip


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="/")
