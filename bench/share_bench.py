"""The share service under load on loopback: single-entity lookups with the audit on.

    python bench/share_bench.py                      # 3 runs of 20,000 lookups, then the kill -9 check
    python bench/share_bench.py --runs 1 --requests 5000 --json

A workspace with the built-in catalogue and a sample release (``yishu.share.sample``) is made in a
temporary folder; a consumer gets a grant on 户籍人口基本信息 (five fields, three of them masked)
and a bearer token. ``yishu serve`` runs in a subprocess on 127.0.0.1 with the rate limit off; an
asyncio load generator in this process (a minimal keep-alive HTTP/1.1 client; same 2-core
machine) sends ``GET
/api/v1/grants/{id}/records/{entity_id}`` for random entities from a fixed number of concurrent
connections, bounded by a request count and a time limit. Every response carries the sequence
number of its audit record (``X-Audit-Seq``); afterwards each 200's record is looked up in the
control plane, and the chain is verified.

Kill check: the server is killed with SIGKILL in the middle of a run; every 200 the client
received must have its audit record (the record is committed before the response is sent), the
chain must verify, and a restarted server must go on appending to it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "share"))

from sharekit import GA, Actors, make_workspace  # noqa: E402

from yishu.audit.chain import verify  # noqa: E402
from yishu.catalogue import store  # noqa: E402
from yishu.pipeline.release import current_release  # noqa: E402
from yishu.share import applications as apps  # noqa: E402
from yishu.share import auth  # noqa: E402
from yishu.share.tables import audit_log  # noqa: E402

FIELDS = ["姓名", "公民身份号码", "性别", "出生日期", "户籍地址"]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup(home: Path, persons: int):
    ws = make_workspace(home, release=False)
    from yishu.share.sample import build_sample_release

    build_sample_release(ws, persons=persons, organisations=persons // 10, houses=persons // 5)
    actors = Actors(ws).standard()
    cat = store.read(actors.engine)
    a = apps.apply(actors.engine, cat, actors.users["civil"], GA, FIELDS, "benchmark", "benchmark", 30)
    apps.decide(actors.engine, cat, actors.users["police"], a["application_id"], "approve", "ok")
    gid = apps.decide(actors.engine, cat, actors.users["admin"], a["application_id"], "approve", "ok")[
        "grant_id"
    ]
    token = auth.create_token(actors.engine, actors.users["civil"].user_id, "bench", ["data"], 1)["token"]
    con = current_release(ws).connect()
    ids = [r[0] for r in con.execute("SELECT entity_id FROM person").fetchall()]
    con.close()
    actors.close()
    return ws, gid, token, ids


class Server:
    def __init__(self, home: Path, port: int, workers: int = 1):
        env = dict(os.environ, YISHU_RATE_LIMIT_PER_MINUTE="0")
        self.port = port
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from yishu.cli import main; main()", "serve", "--host", "127.0.0.1",
             "--port", str(port), "--home", str(home), "--workers", str(workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.proc.stderr.read().decode()[-2000:]}")
        raise RuntimeError("server did not start in 60 s")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server and its worker processes so far."""
        import psutil

        try:
            procs = [psutil.Process(self.proc.pid)]
            procs += procs[0].children(recursive=True)
            return sum(sum(p.cpu_times()[:2]) for p in procs)
        except psutil.Error:
            return float("nan")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()


class Connection:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams: the load generator runs on the
    same 2 cores as the server, so it must cost little per request (httpx costs several times more)."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.reader = self.writer = None

    async def get(self, path: str) -> tuple[int, dict, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.token}\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return status, headers, body

    def close(self):
        if self.writer is not None:
            self.writer.close()


async def load(port, gid, token, ids, requests, seconds, concurrency, seed, kill_after=None, server=None):
    rng = random.Random(seed)
    results = []  # (status, latency s, audit seq, entity id)
    errors = 0
    counter = iter(range(requests))
    stop_at = time.monotonic() + seconds

    async def worker():
        nonlocal errors
        conn = Connection(port, token)
        try:
            for _ in counter:
                if time.monotonic() > stop_at:
                    return
                eid = rng.choice(ids)
                t0 = time.perf_counter()
                try:
                    status, headers, _ = await conn.get(f"/api/v1/grants/{gid}/records/{eid}")
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    errors += 1
                    conn.close()
                    conn = Connection(port, token)
                    if server is not None and server.proc.poll() is not None:
                        return
                    continue
                results.append((status, time.perf_counter() - t0, headers.get("x-audit-seq"), eid))
        finally:
            conn.close()

    async def killer():
        await asyncio.sleep(kill_after)
        server.kill()

    t0 = time.perf_counter()
    tasks = [asyncio.create_task(worker()) for _ in range(concurrency)]
    if kill_after is not None:
        tasks.append(asyncio.create_task(killer()))
    await asyncio.gather(*tasks)
    return results, errors, time.perf_counter() - t0


def summarise(results, errors, elapsed) -> dict:
    ok = [r for r in results if r[0] == 200]
    lat = sorted(r[1] for r in ok)
    q = (lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000) if lat else (lambda p: float("nan"))
    return {"requests": len(results) + errors, "ok": len(ok), "non_200": len(results) - len(ok), "errors": errors,
            "seconds": round(elapsed, 2), "throughput": round(len(ok) / elapsed, 1), "p50_ms": round(q(0.50), 2),
            "p99_ms": round(q(0.99), 2)}  # fmt: skip


def audited(ws, results, gid) -> tuple[int, int]:
    """(200 responses, those whose audit record is in the log with the same endpoint)."""
    ok = [r for r in results if r[0] == 200]
    seqs = {int(r[2]): r[3] for r in ok if r[2]}
    engine = ws.engine()
    found = 0
    try:
        with engine.connect() as conn:
            items = sorted(seqs.items())
            for i in range(0, len(items), 500):
                chunk = dict(items[i : i + 500])
                rows = conn.execute(sa.select(audit_log.c.seq, audit_log.c.endpoint, audit_log.c.status)
                                    .where(audit_log.c.seq.in_(list(chunk)))).all()  # fmt: skip
                found += sum(1 for r in rows
                             if r.status == 200 and r.endpoint == f"/api/v1/grants/{gid}/records/{chunk[r.seq]}")  # fmt: skip
    finally:
        engine.dispose()
    return len(ok), found


def chain_ok(ws) -> dict:
    engine = ws.engine()
    try:
        return verify(engine).as_dict()
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20_000, help="most requests per run")
    parser.add_argument("--seconds", type=float, default=30, help="longest run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 check")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    out: dict = {"machine": machine(), "persons": args.persons, "concurrency": args.concurrency,
                 "workers": args.workers, "runs": []}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "ws"
        ws, gid, token, ids = setup(home, args.persons)
        port = free_port()
        server = Server(home, port, args.workers)
        try:
            asyncio.run(load(port, gid, token, ids, 500, 30, 8, seed=0))  # warm up
            for run in range(args.runs):
                cpu0, load0 = server.cpu_seconds(), os.getloadavg()[0]
                results, errors, elapsed = asyncio.run(
                    load(port, gid, token, ids, args.requests, args.seconds, args.concurrency, seed=run + 1)
                )
                summary = summarise(results, errors, elapsed)
                cpu = server.cpu_seconds() - cpu0
                summary["server_cpu_ms_per_request"] = round(cpu * 1000 / max(summary["ok"], 1), 3)
                summary["load_average"] = round((load0 + os.getloadavg()[0]) / 2, 1)
                summary["audited"] = audited(ws, results, gid)[1]
                out["runs"].append(summary)
                if not args.json:
                    print(f"run {run + 1}: {summary}", flush=True)
        finally:
            server.stop()
        med = sorted(out["runs"], key=lambda r: r["throughput"])[len(out["runs"]) // 2]
        out["median"] = {"throughput": med["throughput"], "p99_ms": statistics.median(r["p99_ms"] for r in out["runs"]),
                         "p50_ms": statistics.median(r["p50_ms"] for r in out["runs"]),
                         "server_cpu_ms_per_request": statistics.median(r["server_cpu_ms_per_request"] for r in out["runs"])}  # fmt: skip
        if not args.no_kill:
            server = Server(home, port, args.workers)
            results, errors, elapsed = asyncio.run(
                load(
                    port,
                    gid,
                    token,
                    ids,
                    args.requests,
                    20,
                    args.concurrency,
                    seed=99,
                    kill_after=1.5,
                    server=server,
                )
            )
            ok, found = audited(ws, results, gid)
            after_kill = chain_ok(ws)
            server = Server(home, port, args.workers)  # a restarted server appends to the same chain
            asyncio.run(load(port, gid, token, ids, 200, 10, 4, seed=100))
            server.stop()
            out["kill"] = {"ok_before_kill": ok, "with_audit_record": found, "lost": ok - found,
                           "failed_after_kill": errors, "chain_after_kill": after_kill,
                           "chain_after_restart": chain_ok(ws)}  # fmt: skip
        out["chain"] = chain_ok(ws)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(f"machine: {out['machine']}")
        print(f"median of {args.runs} runs: {out['median']}")
        if "kill" in out:
            print(f"kill -9: {out['kill']}")
        print(f"audit chain: {out['chain']}")


if __name__ == "__main__":
    main()
