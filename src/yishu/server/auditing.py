"""Every API request leaves an audit record, committed before the response's first byte.

``AuditMiddleware`` wraps the whole API: when the app starts its response, the middleware builds the
record (user, grant, purpose, endpoint, query, status, rows, entity ids, release, client address;
routes add what they know to ``request.state.audit``), hands it to the ``AuditWriter`` and waits for
the commit; only then does the response go out, with the record's sequence number in the header
``X-Audit-Seq``. If the append fails the caller gets a 503 and none
of the response. The writer commits whatever records are waiting in one transaction (group commit),
so concurrent requests share the cost of the durable write.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from concurrent.futures import Future
from datetime import UTC, datetime

from yishu.audit.chain import AuditEntry, AuditLog

log = logging.getLogger("yishu.server")
_STOP = object()


class AuditWriter:
    def __init__(self, audit_log: AuditLog, max_batch: int = 256):
        self.log, self.max_batch = audit_log, max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, entry: AuditEntry) -> Future:
        future: Future = Future()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="yishu-audit", daemon=True)
                self._thread.start()
        self._queue.put((entry, future))
        return future

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            batch, stop = [item], False
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            self._append(batch)
            if stop:
                return

    def _append(self, batch: list) -> None:
        try:
            seqs = self.log.append_many([e for e, _ in batch])
        except Exception as exc:
            if len(batch) > 1:  # one bad record must not fail the others: one by one
                for item in batch:
                    self._append([item])
                return
            log.exception("audit append failed")
            batch[0][1].set_exception(exc)  # that request fails closed
        else:
            for (_, f), seq in zip(batch, seqs, strict=True):
                f.set_result(seq)

    def close(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._queue.put(_STOP)
                self._thread.join(timeout=10)
            self._thread = None


def _error_body(status: int, code: str, message: str, rule: str | None) -> bytes:
    return json.dumps(
        {"error": {"code": code, "message": message, "rule": rule}}, ensure_ascii=False
    ).encode()


class AuditMiddleware:
    """Pure ASGI middleware (no buffering of bodies, so streamed exports stay streamed)."""

    def __init__(self, app, writer_for, prefix: str = "/api/"):
        self.app, self.writer_for, self.prefix = app, writer_for, prefix

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        info: dict = {}
        scope.setdefault("state", {})["audit"] = info
        at = datetime.now(UTC)
        started = False
        dropped = False

        async def send_audited(message):
            nonlocal started, dropped
            if message["type"] == "http.response.start":
                started = True
                try:
                    seq = await self._append(scope, info, message["status"], at)
                except Exception:
                    dropped = True
                    body = _error_body(503, "audit.unavailable", "the access could not be audited, so nothing "
                                       "is served", "audit.durable")  # fmt: skip
                    await send({"type": "http.response.start", "status": 503,
                                "headers": [(b"content-type", b"application/json"),
                                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
                    await send({"type": "http.response.body", "body": body, "more_body": False})
                    return
                message = dict(message)
                message["headers"] = [*message.get("headers", []), (b"x-audit-seq", str(seq).encode())]
            elif dropped:
                return
            await send(message)

        try:
            await self.app(scope, receive, send_audited)
        except Exception:
            log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            body = _error_body(500, "server.error", "internal error; it has been logged", None)
            await send_audited({"type": "http.response.start", "status": 500,
                                "headers": [(b"content-type", b"application/json"),
                                            (b"content-length", str(len(body)).encode())]})  # fmt: skip
            await send_audited({"type": "http.response.body", "body": body, "more_body": False})

    async def _append(self, scope, info: dict, status: int, at: datetime) -> int:
        query_string = scope.get("query_string", b"").decode("latin-1")
        from urllib.parse import parse_qs

        query = {
            k: v if len(v) > 1 else v[0] for k, v in parse_qs(query_string, keep_blank_values=True).items()
        }
        query.update(info.get("query", {}))
        client = scope.get("client")
        entry = AuditEntry(
            method=scope.get("method", ""), endpoint=scope.get("path", ""), status=status,
            actor_id=info.get("actor_id"), actor_name=info.get("actor_name"), grant_id=info.get("grant_id"),
            purpose=info.get("purpose"), query=query, rows=info.get("rows"), entity_ids=info.get("entity_ids"),
            release_id=info.get("release_id"), client=client[0] if client else None, at=at,
        )  # fmt: skip
        return await asyncio.wrap_future(self.writer_for(scope).submit(entry))
