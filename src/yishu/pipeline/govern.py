"""``yishu govern``: deliveries to a new release of the base database, in named SQL steps.

Stages: answers of grid workers delivered (``tasks.deliver_answers``) -> deliveries in use ->
conform and validate (``conform``) -> reconcile -> standardise addresses (``standardise``) ->
link (``link``) -> survive (``survive``) -> golden records -> verification tasks (``tasks``) ->
quality (``quality``) -> release (``release.ReleaseBuilder``) -> tasks synced to the control plane.

Each run works in an in-memory DuckDB database (what outgrows the engine's memory limit spills to
``data/work/spill``) and starts from the current release's linkage state (the id registry), so a
run killed at any point changes nothing that the next run reads: the rerun builds the same release
an uninterrupted run would have. (In memory, not a database file: with narrow, integer-keyed working
tables (``keys``) DuckDB builds a table of the values of a million people in a quarter of the CPU
time a file takes, and spills it when it must. Tables a later stage no longer reads are dropped as
the run goes.) One run at a time (a lock file). The run is recorded in the control plane's
``govern_run``.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import duckdb
import sqlalchemy as sa

from yishu.catalogue import store as catalogue_store
from yishu.duck import memory_limit
from yishu.duck import tables as duck_tables
from yishu.linkage import ids
from yishu.pipeline import conform, keys, link, quality, standardise, survive, tasks
from yishu.pipeline import steps as pipeline_steps
from yishu.pipeline.dialect import DUCKDB
from yishu.pipeline.ingest import deliveries
from yishu.pipeline.release import Release, ReleaseBuilder, current_release
from yishu.pipeline.schema import PLACING_ATTRIBUTE
from yishu.standards.sql import lit
from yishu.workspace import Workspace

run_t = sa.Table(
    "govern_run", sa.MetaData(), sa.Column("run_id", sa.Integer, primary_key=True),
    *(sa.Column(c) for c in ("started_at", "finished_at", "status", "release_id", "authority_version",
                             "deliveries", "summary")),
)  # fmt: skip

# linkage state carried from release to release: work table -> release table
ID_STATE = {"link_registry": "id_registry", "link_fingerprint": "id_fingerprint", "link_sequence": "id_sequence",
            "link_event": "id_event", "link_run": "id_run"}  # fmt: skip

# the release tables and the query each is written from (read by key: sorted by it), or the function
# of the run's ``keys.Names`` that gives it
RELEASE_TABLES = {
    "person": "SELECT * FROM person ORDER BY entity_id",
    "organisation": "SELECT * FROM organisation ORDER BY entity_id",
    "house": "SELECT * FROM house ORDER BY entity_id",
    "provenance": survive.provenance_release,
    "conflict": survive.CONFLICT_RELEASE,
    "link": link.LINK_RELEASE,
    "address": "SELECT * FROM address ORDER BY address_code",
    "record_address": standardise.record_address_release,
    "task": "SELECT * FROM task ORDER BY task_id",
    "quarantine": "SELECT * FROM quarantine ORDER BY delivery_id, row_number, column_name, reason",
    "reconciliation": "SELECT * FROM reconciliation ORDER BY delivery_id",
    "quality": "SELECT * FROM quality ORDER BY dimension, scope_kind, scope",
}


# Rows of a part of a large release table (provenance): DuckDB writes a Parquet file on one thread, so
# the parts are written side by side, each sorted on its own (its entities follow the last part's).
RELEASE_PART_ROWS = 8_000_000


def _ranges(con, table: str, key: str, rows_per_part: int) -> list[tuple[int | None, int | None]]:
    """Ranges ``(after, upto]`` of the integer ``key`` that split ``table`` into parts of about
    ``rows_per_part`` rows (by counts of key buckets: exact, and the same on every run)."""
    buckets = con.execute(
        f"SELECT {key} // 4096 AS b, count(*) FROM {table} GROUP BY b ORDER BY b"
    ).fetchall()
    total = sum(n for _b, n in buckets)
    parts = max(1, -(-total // rows_per_part))
    bounds, seen = [], 0
    for b, n in buckets:
        seen += n
        if len(bounds) < parts - 1 and seen >= total * (len(bounds) + 1) / parts:
            bounds.append(b * 4096 + 4095)
    edges = [None, *bounds, None]
    return list(zip(edges[:-1], edges[1:], strict=True))


def _load_register(path):
    from yishu.address import AddressRegister

    return AddressRegister.from_parquet(path)


class GovernError(RuntimeError):
    """A governance run that cannot start or failed (names the step where it failed)."""


@dataclass
class GovernResult:
    run_id: int
    release: Release
    deliveries: list[int]
    reconciliation: list[dict]
    counts: dict[str, int]
    linkage: dict
    tasks: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "release": self.release.id, "deliveries": self.deliveries,
                "reconciliation": self.reconciliation, "counts": self.counts, "linkage": self.linkage,
                "tasks": self.tasks, "timings": self.timings, "seconds": round(self.seconds, 2)}  # fmt: skip


def _lock(ws: Workspace):
    path = ws.data_dir / "govern.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "w")  # noqa: SIM115 (held for the whole run)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise GovernError(f"another governance run holds {path}; wait for it to finish") from None
    return handle


def _restore_ids(con, release: Release | None) -> None:
    con.execute(ids.SCHEMA)
    if release is None:
        return
    for work, stored in ID_STATE.items():
        if stored in release.tables:
            con.execute(f"INSERT INTO {work} SELECT * FROM {release.scan(stored)}")


def _drop(con, *names: str) -> None:
    """Drop working tables (and views) a later stage no longer reads."""
    kinds = dict(con.execute("SELECT table_name, table_type FROM information_schema.tables").fetchall())
    for name in sorted(names, key=lambda n: kinds.get(n) != "VIEW"):  # views first
        if name in kinds:
            con.execute(f'DROP {"VIEW" if kinds[name] == "VIEW" else "TABLE"} "{name}"')


# Rows of candidate values per part of the survivorship steps, per GiB the engine may use (see
# ``steps.PART``): at 8 GB (7.4 GiB), the 32 million values of a million people in two parts (a little
# faster than one, and 0.9 GB less); the 100 million of 3.2 million people in six (a quarter faster).
PART_ROWS_PER_GIB = 2_500_000


def _parts(con, table: str) -> int:
    """How many parts the steps over ``table`` run in, by its rows and the engine's memory limit."""
    rows = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    gib = memory_limit(con) / 2**30
    return max(1, -(-rows // max(1, int(gib * PART_ROWS_PER_GIB))))


def _start_run(ws: Workspace, used: list[conform.DeliveryInUse], authority_version: int | None) -> int:
    engine = ws.engine()
    try:
        with engine.begin() as conn:
            # a run that was killed never finished: say so
            conn.execute(sa.update(run_t).where(run_t.c.status == "running").values(status="interrupted"))
            return conn.execute(sa.insert(run_t).values(
                started_at=datetime.now(UTC), status="running", authority_version=authority_version,
                deliveries=json.dumps([d.delivery_id for d in used]))).inserted_primary_key[0]  # fmt: skip
    finally:
        engine.dispose()


def _finish_run(ws: Workspace, run_id: int, status: str, release_id: int | None, summary: dict) -> None:
    engine = ws.engine()
    try:
        with engine.begin() as conn:
            conn.execute(sa.update(run_t).where(run_t.c.run_id == run_id).values(
                finished_at=datetime.now(UTC), status=status, release_id=release_id,
                summary=json.dumps(summary, ensure_ascii=False, default=str)))  # fmt: skip
    finally:
        engine.dispose()


def govern(
    ws: Workspace,
    progress: Callable[[str], None] | None = None,
    as_of: datetime | None = None,
) -> GovernResult:
    """Run the pipeline on every delivery in use and commit a new release."""
    started = time.perf_counter()
    lock = _lock(ws)
    try:
        return _govern(ws, progress, as_of, started)
    finally:
        lock.close()


def _govern(ws, progress, as_of, started) -> GovernResult:
    engine = ws.engine()
    try:
        catalogue = catalogue_store.read(engine)
        authority_version = catalogue_store.current_authority_version(engine)
        confirmed = catalogue_store.confirmed_mappings(engine)
    finally:
        engine.dispose()
    if not catalogue.resources:
        raise GovernError(
            f"{ws.home}: no catalogue loaded; run 'yishu catalog init' and 'yishu catalog load'"
        )
    say = progress or (lambda _m: None)
    say("delivering verification answers")
    tasks.deliver_answers(ws)
    used = conform.deliveries_in_use(deliveries(ws), catalogue, confirmed)
    if not used:
        raise GovernError(f"{ws.home}: nothing delivered yet; run 'yishu ingest' first")
    run_id = _start_run(ws, used, authority_version)
    work = ws.data_dir / "work"
    for leftover in work.glob("govern-*"):  # the database files of runs before in-memory working tables
        leftover.unlink(missing_ok=True)
    shutil.rmtree(work / "spill", ignore_errors=True)  # what a killed run spilled
    work.mkdir(parents=True, exist_ok=True)
    timings: dict[str, float] = {}
    con = duckdb.connect(":memory:", config={"threads": ws.settings["engine_threads"],
                                         "memory_limit": ws.settings["engine_memory_limit"],
                                         "temp_directory": str(work / "spill"),
                                         # every release table is written ORDER BY its key: no step needs
                                         # the engine to keep rows in order, which costs memory at scale
                                         "preserve_insertion_order": False,
                                         "autoinstall_known_extensions": False,
                                         "autoload_known_extensions": False})  # fmt: skip
    try:
        link.register_functions(con)
        previous = current_release(ws)
        _restore_ids(con, previous)

        def run(step_list, parts: int = 1):
            for step in step_list:
                pipeline_steps.run(con, [step], DUCKDB, say, timings, parts)

        read = DUCKDB.read_parquet
        # the address register's indexes are built in Python (a quarter of a minute for a city of 3 million)
        # on a thread while the engine conforms the values, which leaves part of a core idle
        register_file = standardise.register_path(ws)
        loader = ThreadPoolExecutor(1)
        register_loading = loader.submit(_load_register, register_file) if register_file.is_file() else None
        loader.shutdown(wait=False)
        for table, arrow in (("gov_delivery_in", conform.delivery_table(used)),
                             ("gov_field", conform.field_table(used, catalogue)),
                             ("authority", survive.authority_table(catalogue))):  # fmt: skip
            con.register(f"{table}_arrow", arrow)
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM {table}_arrow")
            con.unregister(f"{table}_arrow")
        run(conform.steps(used, catalogue, read))
        run([conform.RECONCILE])
        _drop(con, "gov_normal", "gov_raw_plain", "gov_raw_lookup")
        survival = survive.steps(catalogue)
        run(survival[:2])  # verification answers, attributes
        standardise.register_table(con, register_file if register_file.is_file() else None, read)
        say("matching addresses to the register")
        t = time.perf_counter()
        register = register_loading.result() if register_loading else None
        standardise.match_texts(con, register, ws.settings["engine_threads"])
        del register, register_loading  # its indexes are the largest Python object of the run: free them
        timings["match addresses"] = round(time.perf_counter() - t, 3)
        run(standardise.STEPS)
        run([link.RECORD_CODE, *(link.raw_step(t, used, read) for t in ("person", "organisation", "house"))])
        _drop(con, "record_code")
        run([survival[2], link.DETACHED])  # answers first: refused links stand alone
        run(survival[3:4])  # the values of records, so that the value table can go before linkage
        # as of the end of the run's day (UTC): the same figures for any run that day, so a rerun after
        # a crash builds the same release
        day = (as_of or datetime.now(UTC)).astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        say("measuring the quality of values")
        t = time.perf_counter()
        quality.compute_quality(con, day + timedelta(days=1), only="values")
        timings["quality of values"] = round(time.perf_counter() - t, 3)
        _drop(con, "gov_value")
        say("linking records to people, organisations and houses")
        t = time.perf_counter()
        before = duck_tables(con)
        link.prepare(con, ws.settings["engine_threads"])
        _drop(con, "raw_person", "raw_organisation", "raw_house")
        linkage = link.link(con)
        # the linkage's working tables (its id state, restored before, stays)
        _drop(con, *(duck_tables(con) - before - {"link", "gov_entity"}))
        timings["link"] = round(time.perf_counter() - t, 3)
        run(survival[4:5])
        _drop(con, "gov_candidate")
        parts = _parts(con, "candidate")
        run(survival[5:], parts)
        _drop(con, "candidate")
        for et in ("person", "organisation", "house"):  # in parts by the entity type's own values
            values = f"(SELECT 1 FROM provenance p JOIN gov_attribute a USING (aid) WHERE a.entity_type = {lit(et)})"
            run(
                [survive.golden_step(catalogue, et, PLACING_ATTRIBUTE[et])],
                _parts(con, values) if parts > 1 else 1,
            )
        run([pipeline_steps.Step("addresses in use", "address",
                                 """SELECT * FROM address_register WHERE address_code IN (
                                        SELECT address_code FROM person UNION SELECT address_code FROM organisation
                                        UNION SELECT address_code FROM house UNION SELECT address_code FROM record_address)""")])  # fmt: skip
        run(tasks.steps(ws.settings["task_conflict_threshold"], ws.settings["task_link_probability"]))
        run([pipeline_steps.Step("reconciliation", "reconciliation",
                                 "SELECT delivery_id, source, rows_in, accepted, quarantined, "
                                 "rows_in = accepted + quarantined AS exact FROM gov_delivery")])  # fmt: skip
        say("measuring quality")
        t = time.perf_counter()
        quality.compute_quality(con, day + timedelta(days=1), parts=parts, only="entities")
        timings["quality"] = round(time.perf_counter() - t, 3)
        say("writing the release")
        t = time.perf_counter()
        builder = ReleaseBuilder(ws)
        try:
            names = keys.Names(con)
            queries = {"provenance": [survive.provenance_release(names, after, upto)
                                      for after, upto in _ranges(con, "provenance", "eno", RELEASE_PART_ROWS)],
                       **{t: q(names) if callable(q) else q for t, q in RELEASE_TABLES.items() if t != "provenance"},
                       # read whole by the next run: in no order
                       **{stored: f"SELECT * FROM {work}" for work, stored in ID_STATE.items()}}  # fmt: skip
            written = builder.add_tables(con, queries, writers=ws.settings["engine_threads"])
            # seconds of each table's files, summed (written side by side: more than the clock's)
            timings.update({f"write {t}": round(s, 3) for t, s in builder.seconds.items()})
            counts = {t: written[t] for t in RELEASE_TABLES}
            reconciliation = [dict(zip(("delivery_id", "source", "rows_in", "accepted", "quarantined", "exact"), r,
                                       strict=True))
                              for r in con.execute("SELECT * FROM reconciliation ORDER BY delivery_id").fetchall()]  # fmt: skip
            meta = {"run_id": run_id, "authority_version": authority_version,
                    "deliveries": [d.delivery_id for d in used], "linkage": linkage.as_dict(),
                    "as_of": day.date().isoformat()}  # fmt: skip
            release = builder.commit(meta)
            timings["writing the release"] = round(time.perf_counter() - t, 3)
        except BaseException:
            builder.abandon()
            raise
        task_counts = tasks.sync(ws, con, release.id)
    except Exception as error:
        _finish_run(ws, run_id, "failed", None, {"error": str(error)})
        raise
    finally:
        con.close()
        shutil.rmtree(work / "spill", ignore_errors=True)
    result = GovernResult(run_id, release, [d.delivery_id for d in used], reconciliation, counts,
                          linkage.as_dict(), task_counts, timings, time.perf_counter() - started)  # fmt: skip
    _finish_run(ws, run_id, "done", release.id, result.as_dict())
    return result


def runs(ws: Workspace) -> list[dict]:
    engine = ws.engine()
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(run_t).order_by(run_t.c.run_id))]
    finally:
        engine.dispose()
