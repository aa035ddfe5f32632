"""Append to and verify the hash-chained audit log.

Record ``n`` stores ``hash_n = H(hash_{n-1} || canonical(record_n))`` with ``H`` its algorithm
(SM3 by default, SHA-256 on request), ``hash_0`` sixty-four zeros, and the canonical form the JSON
list of the hashed columns (sequence number included, so moving a record breaks the chain).
``audit_head`` holds the last sequence number and hash; an append updates it first, which takes
the database's write lock on SQLite and the row lock on PostgreSQL, so appends from any number of
threads and processes form one chain. ``verify`` walks the chain and names the first record that
was edited, deleted or moved, and notices records cut from the end.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa

from yishu.audit.hashing import HASHES
from yishu.share.tables import Prepared, audit_head, audit_log

ALGORITHMS = tuple(HASHES)
GENESIS = "0" * 64
HASHED = ("seq", "at", "actor_id", "actor_name", "grant_id", "purpose", "method", "endpoint", "query",
          "status", "rows", "entity_ids", "release_id", "client", "algorithm")  # fmt: skip
MAX_ENTITY_IDS = 1000  # beyond this the query and release identify the rows; the ids are not listed


def digest(algorithm: str, data: bytes) -> str:
    try:
        return HASHES[algorithm](data)
    except KeyError:
        raise ValueError(f"unknown audit hash {algorithm!r} (known: {', '.join(HASHES)})") from None


def canonical(record: dict) -> str:
    return json.dumps([record[k] for k in HASHED], ensure_ascii=False, separators=(",", ":"))


def record_hash(prev_hash: str, record: dict) -> str:
    return digest(record["algorithm"], (prev_hash + canonical(record)).encode("utf-8"))


@dataclass
class AuditEntry:
    """One access, as the server saw it."""

    method: str
    endpoint: str
    status: int
    actor_id: int | None = None
    actor_name: str | None = None
    grant_id: int | None = None
    purpose: str | None = None
    query: dict = field(default_factory=dict)
    rows: int | None = None
    entity_ids: list[str] | None = None
    release_id: int | None = None
    client: str | None = None
    at: datetime | None = None

    def as_record(self, algorithm: str) -> dict:
        def small(n):  # an id that is not a 32-bit positive integer is not an id of ours
            return n if isinstance(n, int) and 0 < n < 2**31 else None

        ids = self.entity_ids
        if ids is not None and (len(ids) > MAX_ENTITY_IDS or (self.rows or 0) > len(ids)):
            total = max(
                len(ids), self.rows or 0
            )  # an export: the first ids, the query and release name the rest
            ids_text = json.dumps({"first": ids[:MAX_ENTITY_IDS], "total": total}, ensure_ascii=False)
        else:
            ids_text = json.dumps(ids if ids is not None else [], ensure_ascii=False)
        return {
            "at": (self.at or datetime.now(UTC)).isoformat(timespec="microseconds"),
            "actor_id": small(self.actor_id), "actor_name": self.actor_name, "grant_id": small(self.grant_id),
            "purpose": self.purpose, "method": self.method, "endpoint": self.endpoint[:2000],
            "query": json.dumps(self.query, ensure_ascii=False, sort_keys=True, default=str)[:20000],
            "status": int(self.status), "rows": self.rows if self.rows is None or 0 <= self.rows < 2**31 else None, "entity_ids": ids_text,
            "release_id": small(self.release_id), "client": (self.client or "")[:64] or None, "algorithm": algorithm,
        }  # fmt: skip


_LOCK_HEAD = Prepared(sa.update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
_READ_HEAD = Prepared(sa.select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1))


class AuditLog:
    """Appends to the chain in the control plane; ``append_many`` commits a batch in one transaction."""

    def __init__(self, engine: sa.Engine, algorithm: str = "sm3"):
        if algorithm not in HASHES:
            raise ValueError(f"unknown audit hash {algorithm!r} (known: {', '.join(HASHES)})")
        self.engine, self.algorithm = engine, algorithm

    def append(self, entry: AuditEntry) -> int:
        return self.append_many([entry])[0]

    def append_many(self, entries: Iterable[AuditEntry]) -> list[int]:
        records = [e.as_record(self.algorithm) for e in entries]
        if not records:
            return []
        with self.engine.begin() as conn:
            # The UPDATE comes first: it takes the write lock before the head is read.
            conn.execute(sa.update(audit_head).where(audit_head.c.id == 1).values(seq=audit_head.c.seq))
            head = conn.execute(
                sa.select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
            ).one()
            seq, prev = int(head.seq), head.hash
            for record in records:
                seq += 1
                record["seq"] = seq
                record["prev_hash"] = prev
                record["hash"] = prev = record_hash(prev, record)
            conn.execute(sa.insert(audit_log), records)
            conn.execute(sa.update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=prev))
        return [r["seq"] for r in records]


def read(engine: sa.Engine, *, after: int = 0, limit: int = 100, actor_id: int | None = None,
         grant_id: int | None = None) -> list[dict]:  # fmt: skip
    """Records after sequence number ``after``, oldest first."""
    query = sa.select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(limit)
    if actor_id is not None:
        query = query.where(audit_log.c.actor_id == actor_id)
    if grant_id is not None:
        query = query.where(audit_log.c.grant_id == grant_id)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    out = []
    for r in rows:
        d = dict(r)
        d["query"] = json.loads(d["query"])
        d["entity_ids"] = json.loads(d["entity_ids"])
        out.append(d)
    return out


@dataclass
class VerifyResult:
    ok: bool
    records: int
    first_bad: int | None = None  # sequence number of the first record that fails
    problem: str | None = None
    algorithms: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"ok": self.ok, "records": self.records, "first_bad": self.first_bad, "problem": self.problem,
                "algorithms": self.algorithms}  # fmt: skip


def verify(engine: sa.Engine, batch: int = 5000) -> VerifyResult:
    """Walk the chain from the start; the first broken link is named."""
    expected_seq, prev, count = 1, GENESIS, 0
    algorithms: dict[str, int] = {}
    with engine.connect() as conn:
        head = conn.execute(sa.select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).one()
        last = 0
        while True:
            rows = conn.execute(
                sa.select(audit_log).where(audit_log.c.seq > last).order_by(audit_log.c.seq).limit(batch)
            ).mappings().all()  # fmt: skip
            if not rows:
                break
            for r in rows:
                rec = dict(r)
                seq = int(rec["seq"])
                if seq != expected_seq:
                    return VerifyResult(False, count, expected_seq,
                                        f"record {expected_seq} is missing (the next record is {seq})", algorithms)  # fmt: skip
                if rec["prev_hash"] != prev:
                    return VerifyResult(False, count, seq,
                                        f"record {seq} does not link to record {seq - 1} (prev_hash differs): "
                                        "a record was rewritten, inserted or moved", algorithms)  # fmt: skip
                if rec["algorithm"] not in HASHES:
                    return VerifyResult(False, count, seq, f"record {seq} names an unknown hash {rec['algorithm']!r}",
                                        algorithms)  # fmt: skip
                if record_hash(prev, rec) != rec["hash"]:
                    return VerifyResult(False, count, seq,
                                        f"record {seq} does not match its hash: its content was edited or moved",
                                        algorithms)  # fmt: skip
                algorithms[rec["algorithm"]] = algorithms.get(rec["algorithm"], 0) + 1
                prev, expected_seq, count, last = rec["hash"], seq + 1, count + 1, seq
    if int(head.seq) != count:
        if int(head.seq) > count:
            return VerifyResult(False, count, count + 1,
                                f"records {count + 1}..{head.seq} are missing from the end of the chain", algorithms)  # fmt: skip
        return VerifyResult(False, count, int(head.seq) + 1,
                            f"record {int(head.seq) + 1} and later are not in the chain head", algorithms)  # fmt: skip
    if head.hash != prev:
        return VerifyResult(False, count, count, f"record {count} does not match the chain head", algorithms)
    return VerifyResult(True, count, algorithms=algorithms)
