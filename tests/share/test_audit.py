"""The hash-chained audit log: SM3 and SHA-256, tamper detection (edit, delete, reorder) on SQLite
and PostgreSQL, one chain from many writers, and ``yishu audit verify``."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa
from sharekit import make_workspace
from typer.testing import CliRunner

from yishu.audit import AuditEntry, AuditLog, verify
from yishu.audit.hashing import HAVE_OPENSSL_SM3, sm3, sm3_pure
from yishu.cli import app as cli

# GB/T 32905-2016 appendix A
ABC = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
ABCD16 = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"


def test_sm3_matches_the_standard_vectors_in_both_implementations():
    assert sm3_pure(b"abc") == ABC and sm3_pure(b"abcd" * 16) == ABCD16
    assert sm3(b"abc") == ABC and sm3(b"abcd" * 16) == ABCD16
    for n in (0, 1, 55, 56, 63, 64, 65, 1000):
        data = bytes(range(256)) * 4
        assert sm3(data[:n]) == sm3_pure(data[:n])
    assert isinstance(HAVE_OPENSSL_SM3, bool)


@pytest.fixture
def engine(tmp_path, database_url):
    ws = make_workspace(tmp_path / "ws", database_url, release=False)
    e = ws.engine()
    yield ws, e
    e.dispose()


def _fill(engine, n=12, algorithm="sm3"):
    log = AuditLog(engine, algorithm)
    for i in range(n):
        log.append(AuditEntry("GET", f"/api/v1/grants/1/records/P{i:07d}", 200, actor_id=1, actor_name="u",
                              grant_id=1, purpose="p", query={"i": i}, rows=1, entity_ids=[f"P{i:07d}"],
                              release_id=1, client="127.0.0.1"))  # fmt: skip


def _table():
    from yishu.share.tables import audit_log

    return audit_log


@pytest.mark.parametrize("algorithm", ["sm3", "sha256"])
def test_an_untouched_chain_verifies(engine, algorithm):
    ws, e = engine
    _fill(e, 5, algorithm)
    _fill(e, 3, "sha256" if algorithm == "sm3" else "sm3")  # the algorithm may change along the chain
    result = verify(e)
    assert result.ok and result.records == 8 and sum(result.algorithms.values()) == 8


def test_an_edited_record_is_named(engine):
    ws, e = engine
    _fill(e)
    with e.begin() as conn:
        conn.execute(sa.update(_table()).where(_table().c.seq == 7).values(rows=0))
    result = verify(e)
    assert not result.ok and result.first_bad == 7 and "edited" in result.problem


def test_an_edited_record_with_a_recomputed_hash_is_named_by_its_successor(engine):
    from yishu.audit.chain import record_hash

    ws, e = engine
    _fill(e)
    t = _table()
    with e.begin() as conn:
        row = dict(conn.execute(sa.select(t).where(t.c.seq == 4)).mappings().one())
        row["actor_name"] = "someone else"
        conn.execute(sa.update(t).where(t.c.seq == 4).values(actor_name=row["actor_name"],
                                                              hash=record_hash(row["prev_hash"], row)))  # fmt: skip
    result = verify(e)
    assert not result.ok and result.first_bad == 5 and "does not link to record 4" in result.problem


def test_a_deleted_record_is_named(engine):
    ws, e = engine
    _fill(e)
    with e.begin() as conn:
        conn.execute(sa.delete(_table()).where(_table().c.seq == 3))
    result = verify(e)
    assert not result.ok and result.first_bad == 3 and "missing" in result.problem


def test_records_cut_from_the_end_are_noticed(engine):
    ws, e = engine
    _fill(e)
    with e.begin() as conn:
        conn.execute(sa.delete(_table()).where(_table().c.seq >= 11))
    result = verify(e)
    assert not result.ok and result.first_bad == 11 and "end of the chain" in result.problem


def test_reordered_records_are_named(engine):
    ws, e = engine
    _fill(e)
    t = _table()
    with e.begin() as conn:  # swap records 5 and 6 (their sequence numbers)
        conn.execute(sa.update(t).where(t.c.seq == 5).values(seq=-5))
        conn.execute(sa.update(t).where(t.c.seq == 6).values(seq=5))
        conn.execute(sa.update(t).where(t.c.seq == -5).values(seq=6))
    result = verify(e)
    assert not result.ok and result.first_bad == 5


def test_swapped_contents_are_named(engine):
    ws, e = engine
    _fill(e)
    t = _table()
    cols = [c.name for c in t.c if c.name != "seq"]
    with e.begin() as conn:
        a = dict(conn.execute(sa.select(t).where(t.c.seq == 8)).mappings().one())
        b = dict(conn.execute(sa.select(t).where(t.c.seq == 9)).mappings().one())
        conn.execute(sa.update(t).where(t.c.seq == 8).values({c: b[c] for c in cols}))
        conn.execute(sa.update(t).where(t.c.seq == 9).values({c: a[c] for c in cols}))
    result = verify(e)
    assert not result.ok and result.first_bad == 8


def test_many_writers_make_one_chain(engine):
    ws, e = engine
    log = AuditLog(e, "sm3")
    errors = []

    def work(k):
        try:
            for i in range(15):
                log.append_many([AuditEntry("GET", f"/w{k}/{i}", 200), AuditEntry("GET", f"/w{k}/{i}b", 200)])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors
    result = verify(e)
    assert result.ok and result.records == 4 * 15 * 2


def test_cli_verify_reports_and_fails_on_tampering(engine):
    ws, e = engine
    _fill(e, 4)
    runner = CliRunner()
    ok = runner.invoke(cli, ["audit", "verify", "--home", str(ws.home), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["ok"] is True
    with e.begin() as conn:
        conn.execute(sa.update(_table()).where(_table().c.seq == 2).values(endpoint="/elsewhere"))
    bad = runner.invoke(cli, ["audit", "verify", "--home", str(ws.home), "--json"])
    assert bad.exit_code == 1 and json.loads(bad.stdout)["first_bad"] == 2
    text = runner.invoke(cli, ["audit", "verify", "--home", str(ws.home)])
    assert text.exit_code == 1 and "record 2" in text.output


def test_large_accesses_keep_the_first_ids_and_the_total():
    ids = [f"P{i:07d}" for i in range(1000)]
    record = AuditEntry("GET", "/api/v1/grants/1/export.csv", 200, rows=5000, entity_ids=ids).as_record("sm3")
    assert json.loads(record["entity_ids"]) == {"first": ids, "total": 5000}
    small = AuditEntry("GET", "/x", 200, rows=2, entity_ids=["a", "b"]).as_record("sha256")
    assert json.loads(small["entity_ids"]) == ["a", "b"]
    huge = AuditEntry("GET", "/x", 200, grant_id=2**40, actor_id=-1).as_record("sm3")
    assert huge["grant_id"] is None and huge["actor_id"] is None  # not ids of ours: never stored as such
