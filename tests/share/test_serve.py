"""``yishu serve`` in a real process on loopback: it answers, and when it is killed with SIGKILL in
the middle of load, every 200 a client received has its audit record and the chain verifies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx
import sqlalchemy as sa
from sharekit import GA, Actors, make_workspace

from yishu.audit.chain import verify
from yishu.catalogue import store
from yishu.pipeline.release import current_release
from yishu.share import applications as apps
from yishu.share.tables import audit_log


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(home, port) -> subprocess.Popen:
    env = dict(os.environ, YISHU_RATE_LIMIT_PER_MINUTE="0")
    proc = subprocess.Popen([sys.executable, "-c", "from yishu.cli import main; main()", "serve", "--host",
                             "127.0.0.1", "--port", str(port), "--home", str(home)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise AssertionError("yishu serve did not answer within 60 s")


def test_serve_answers_and_a_kill_9_loses_no_audit_record(tmp_path):
    ws = make_workspace(tmp_path / "ws")
    actors = Actors(ws).standard()
    cat = store.read(actors.engine)
    a = apps.apply(actors.engine, cat, actors.users["civil"], GA, ["姓名", "公民身份号码"], "p", "b", 30)
    apps.decide(actors.engine, cat, actors.users["police"], a["application_id"], "approve", "ok")
    gid = apps.decide(actors.engine, cat, actors.users["admin"], a["application_id"], "approve", "ok")[
        "grant_id"
    ]
    con = current_release(ws).connect()
    ids = [r[0] for r in con.execute("SELECT entity_id FROM person ORDER BY entity_id").fetchall()]
    con.close()
    port = _free_port()
    proc = _start(ws.home, port)
    got: list[tuple[int, str, str]] = []
    stop = threading.Event()

    def client(k):
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", headers=actors.headers("civil"), timeout=5
        ) as c:
            i = k
            while not stop.is_set():
                eid = ids[i % len(ids)]
                i += 7
                try:
                    r = c.get(f"/api/v1/grants/{gid}/records/{eid}")
                except httpx.HTTPError:
                    if proc.poll() is not None:
                        return
                    continue
                got.append((r.status_code, r.headers.get("x-audit-seq"), eid))

    try:
        spec = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
        assert "/api/v1/grants/{grant_id}/records/{entity_id}" in spec["paths"]
        threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    ok = [(int(seq), eid) for status, seq, eid in got if status == 200]
    assert len(ok) >= 10, f"too few answers before the kill: {len(ok)}"
    with actors.engine.connect() as conn:
        rows = {r.seq: r for r in conn.execute(sa.select(audit_log.c.seq, audit_log.c.endpoint, audit_log.c.status,
                                                         audit_log.c.entity_ids))}  # fmt: skip
    for seq, eid in ok:
        assert seq in rows, f"the 200 for {eid} has no audit record {seq}"
        assert rows[seq].endpoint == f"/api/v1/grants/{gid}/records/{eid}" and rows[seq].status == 200
        assert eid in rows[seq].entity_ids
    result = verify(actors.engine)
    assert result.ok, result.problem
    # a restarted server goes on with the same chain
    proc = _start(ws.home, port)
    try:
        r = httpx.get(
            f"http://127.0.0.1:{port}/api/v1/grants/{gid}/records/{ids[0]}", headers=actors.headers("civil")
        )
        assert r.status_code == 200 and int(r.headers["x-audit-seq"]) > max(s for s, _ in ok)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert verify(actors.engine).ok
    actors.close()
