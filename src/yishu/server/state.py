"""What the server keeps for its lifetime: the workspace, one control-plane engine, the audit
writer, the rate limiter and the current release."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from yishu.audit.chain import AuditLog
from yishu.catalogue import store
from yishu.catalogue.model import Catalogue
from yishu.server.auditing import AuditWriter
from yishu.share.data import ReleaseCache
from yishu.share.ratelimit import RateLimiter
from yishu.workspace import Workspace


@dataclass
class ServerState:
    ws: Workspace
    engine: sa.Engine
    writer: AuditWriter
    limiter: RateLimiter
    releases: ReleaseCache
    settings: dict = field(default_factory=dict)

    @classmethod
    def open(cls, ws: Workspace, engine: sa.Engine | None = None) -> ServerState:
        engine = engine or ws.engine()
        s = ws.settings
        return cls(ws, engine, AuditWriter(AuditLog(engine, s["audit_hash"])), RateLimiter(s["rate_limit_per_minute"]),
                   ReleaseCache(ws, s["engine_threads"]), dict(s))  # fmt: skip

    def catalogue(self) -> Catalogue:
        return store.read(self.engine)

    def close(self) -> None:
        self.writer.close()
        self.engine.dispose()
