"""The app factory: ``create_app(ws)`` gives the FastAPI app of the share service.

Tests run it in process; ``yishu serve`` runs it on uvicorn; the console mounts its own router on
it (``app.include_router``). Errors are JSON ``{"error": {"code", "message", "rule"}}``. OpenAPI is
served at ``/openapi.json``; the interactive docs pages are off (they would load scripts from a CDN,
and yishu runs offline).
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from yishu import __version__
from yishu.server import routes_admin, routes_audit, routes_auth, routes_data, routes_share
from yishu.server.auditing import AuditMiddleware
from yishu.server.state import ServerState
from yishu.share.errors import ShareError
from yishu.workspace import Workspace


def _error(status: int, code: str, message: str, rule: str | None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "rule": rule}}, status_code=status)


def create_app(ws: Workspace, engine=None) -> FastAPI:
    from yishu import controlplane

    share = ServerState.open(ws, engine)
    controlplane.upgrade(share.engine)  # no-op when current; adds the share tables to an older workspace

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        share.close()

    app = FastAPI(title="yishu share service", version=__version__, openapi_url="/openapi.json",
                  docs_url=None, redoc_url=None, lifespan=lifespan,
                  description="Applications, approvals, grants, masked data and the audit log of yishu (一数).")  # fmt: skip
    app.state.share = share

    @app.exception_handler(ShareError)
    async def share_error(request: Request, exc: ShareError) -> JSONResponse:
        return JSONResponse(exc.as_dict(), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        where = "; ".join(".".join(str(x) for x in e.get("loc", ())) + ": " + str(e.get("msg", ""))
                          for e in exc.errors()[:5])  # fmt: skip
        return _error(422, "request.invalid", f"the request is not valid: {where}", "query.valid")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, f"http.{exc.status_code}", str(exc.detail), None)

    @app.get("/health", tags=["meta"])
    def health() -> dict:
        """Liveness: the service answers (not audited, no data)."""
        return {"status": "ok", "version": __version__}

    for module in (routes_auth, routes_admin, routes_share, routes_data, routes_audit):
        app.include_router(module.router)
    app.add_middleware(AuditMiddleware, writer_for=lambda scope: share.writer)
    return app


def app_from_environment() -> FastAPI:
    """The app of the workspace named by ``$YISHU_HOME``: the factory uvicorn calls in each worker
    process of ``yishu serve --workers N``."""
    return create_app(Workspace.open())
