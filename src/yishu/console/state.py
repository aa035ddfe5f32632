"""The console's hold on a workspace: the control-plane engine, the catalogue, the current release.

When the console is mounted on the share service's app it shares that app's engine, release cache
and audit writer (``app.state.share``) rather than opening second ones."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import sqlalchemy as sa
from starlette.requests import Request

from yishu.catalogue import store
from yishu.catalogue.model import Catalogue
from yishu.console.data import ReleaseView
from yishu.workspace import Workspace


class Console:
    def __init__(self, ws: Workspace, engine: sa.Engine | None = None, server=None):
        self.ws = ws
        self.server = server  # yishu.server.state.ServerState, when mounted on the share service
        self._engine = engine or (server.engine if server is not None else None)

    @cached_property
    def engine(self) -> sa.Engine:
        return self._engine or self.ws.engine()

    @cached_property
    def release_cache(self):
        """The share service's cache of the current release (its own when mounted on the server)."""
        if self.server is not None:
            return self.server.releases
        from yishu.share.data import ReleaseCache

        return ReleaseCache(self.ws, self.ws.settings.get("engine_threads", 2))

    def release_data(self):
        return self.release_cache.get()

    def append_audit(self, entry) -> int:
        """Append one audit record and wait for its commit (the server's group-commit writer if any)."""
        if self.server is not None:
            return self.server.writer.submit(entry).result(timeout=30)
        from yishu.audit import AuditLog

        return AuditLog(self.engine, self.ws.settings.get("audit_hash", "sm3")).append(entry)

    def catalogue(self) -> Catalogue:
        return store.read(self.engine)

    @contextmanager
    def release(self) -> Iterator[ReleaseView | None]:
        view = ReleaseView.open(self.ws)
        try:
            yield view
        finally:
            if view is not None:
                view.close()


def console(request: Request) -> Console:
    return request.app.state.yishu_console
