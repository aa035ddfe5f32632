"""Ingest (归集): take a delivery in as it arrived, store it immutably and account for every row.

A delivery is one file, the parts of one file, or one database table. Its original bytes are kept
under ``HOME/data/deliveries`` by content hash; its rows land as text in
``HOME/data/landed/<delivery_id>.parquet`` (``_delivery_id``, ``_row_number`` and the delivered
columns), and rows that cannot be read are kept in ``<delivery_id>.quarantine.parquet`` with their
line and reason. For every delivery: rows in = landed + quarantined. The same bytes delivered again
by the same source are recognised by their hash and not loaded twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa

from yishu.pipeline.detect import DeliveryError, detect_format
from yishu.pipeline.read import Reader, Rows
from yishu.workspace import Workspace

BATCH = 100_000
meta = sa.MetaData()
delivery_t = sa.Table(
    "delivery", meta, sa.Column("delivery_id", sa.Integer, primary_key=True),
    *(sa.Column(c) for c in ("source", "origin", "sha256", "size", "format", "encoding", "delimiter",
                             "header_row", "columns", "rows_in", "rows_landed", "rows_quarantined",
                             "stored_path", "landed_path", "arrived_at")),
)  # fmt: skip
file_t = sa.Table(
    "delivery_file", meta,
    *(sa.Column(c) for c in ("delivery_id", "part", "name", "sha256", "size", "first_row", "rows")),
)  # fmt: skip


@dataclass
class IngestResult:
    delivery_id: int
    source: str
    origin: str
    sha256: str
    duplicate: bool
    rows_in: int
    rows_landed: int
    rows_quarantined: int
    format: str
    encoding: str | None = None
    columns: list[str] = field(default_factory=list)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _sha256(paths: list[Path]) -> tuple[str, list[tuple[str, int]]]:
    whole = hashlib.sha256()
    parts = []
    for path in paths:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        whole.update(h.digest())
        parts.append((h.hexdigest(), path.stat().st_size))
    return (parts[0][0] if len(paths) == 1 else whole.hexdigest()), parts


class _Landing:
    """Streams rows and quarantined rows to Parquet."""

    def __init__(self, folder: Path, stem: str, columns: list[str], delivery_id: int):
        self.folder, self.stem, self.columns, self.delivery_id = folder, stem, columns, delivery_id
        self.schema = pa.schema(
            [("_delivery_id", pa.int64()), ("_row_number", pa.int64()), *((c, pa.string()) for c in columns)]
        )
        self.bad_schema = pa.schema([("_delivery_id", pa.int64()), ("_row_number", pa.int64()), ("file", pa.string()),
                                     ("line", pa.int64()), ("raw", pa.string()), ("reason", pa.string())])  # fmt: skip
        self.numbers: list[int] = []
        self.rows: list[list] = []
        self.tables: list[pa.Table] = []  # rows not yet written, in order
        self.pending = 0
        self.bad: list[tuple] = []
        self.writer = pq.ParquetWriter(folder / f"{stem}.parquet.tmp", self.schema, compression="zstd")
        self.landed = self.quarantined = 0
        self.reasons: dict[str, int] = {}

    def add(self, items, offset: int, file: str) -> int:
        """Every row and quarantined row of one file, row numbers shifted by ``offset``; how many."""
        numbers, rows, count = self.numbers, self.rows, 0
        for item in items:
            if type(item) is Rows:
                self._stage()
                n = len(item.numbers)
                ids = pa.array(np.full(n, self.delivery_id, dtype=np.int64))
                self._table([ids, pa.array(item.numbers + offset), *item.columns])
                count += n
                numbers, rows = self.numbers, self.rows
                continue
            count += 1
            if len(item) == 2:
                numbers.append(item[0] + offset)
                rows.append(item[1])
                if len(rows) >= BATCH:
                    self._stage()
                    numbers, rows = self.numbers, self.rows
            else:
                number, line, raw, reason = item
                self.bad.append((number + offset, file, line, raw, reason))
                key = reason.split(":")[0] if ":" in reason else reason
                self.reasons[key] = self.reasons.get(key, 0) + 1
        return count

    def _stage(self) -> None:
        """Rows read in Python as a table."""
        if not self.rows:
            return
        n = len(self.rows)
        columns = [pa.array(np.full(n, self.delivery_id, dtype=np.int64)), pa.array(self.numbers, pa.int64())]
        values = zip(*self.rows, strict=True) if self.columns else ()
        columns += [pa.array(column, pa.string()) for column in values]
        self.numbers, self.rows = [], []
        self._table(columns)

    def _table(self, columns: list[pa.Array]) -> None:
        self.tables.append(pa.Table.from_arrays(columns, schema=self.schema))
        self.pending += len(columns[0])
        if self.pending >= BATCH:
            self._write(everything=False)

    def _write(self, everything: bool) -> None:
        """Row groups of BATCH rows; the last, smaller one only at the end."""
        table = pa.concat_tables(self.tables) if len(self.tables) > 1 else self.tables[0]
        start = 0
        while table.num_rows - start >= BATCH or (everything and start < table.num_rows):
            group = table.slice(start, BATCH)
            self.writer.write_table(group, row_group_size=BATCH)
            start += group.num_rows
        self.tables = [table.slice(start)] if start < table.num_rows else []
        self.pending = table.num_rows - start
        self.landed += start

    def close(self) -> tuple[Path, Path | None]:
        self._stage()
        if self.tables:
            self._write(everything=True)
        self.writer.close()
        final = self.folder / f"{self.stem}.parquet"
        os.replace(self.folder / f"{self.stem}.parquet.tmp", final)
        bad_path = None
        if self.bad:
            bad_path = self.folder / f"{self.stem}.quarantine.parquet"
            table = pa.table(
                {"_delivery_id": [self.delivery_id] * len(self.bad), "_row_number": [b[0] for b in self.bad],
                 "file": [b[1] for b in self.bad], "line": [b[2] for b in self.bad],
                 "raw": [b[3] for b in self.bad], "reason": [b[4] for b in self.bad]},
                schema=self.bad_schema,
            )  # fmt: skip
            pq.write_table(table, bad_path)
        self.quarantined = len(self.bad)
        return final, bad_path


def _read(path: Path, fmt: str) -> tuple[list[str], object, list]:
    """A part read whole: its columns, what was detected, and its items, runs of rows as ``Rows``
    (compact to send from a forked process: one text array per column)."""
    reader = Reader(path, fmt)
    items, numbers, rows = [], [], []

    def flush():
        if rows:
            values = zip(*rows, strict=True) if reader.columns else ()
            items.append(Rows(np.array(numbers, dtype=np.int64), [pa.array(c, pa.string()) for c in values]))
            numbers.clear()
            rows.clear()

    for item in reader.rows():
        if type(item) is tuple and len(item) == 2:
            numbers.append(item[0])
            rows.append(item[1])
            if len(rows) >= BATCH:
                flush()
        else:
            flush()
            items.append(item)
    flush()
    return reader.columns, reader.detected, items


def _read_part(job: tuple[Path, str]):
    return _read(*job)


class _ReadAhead:
    """The parts of the deliveries to come, read in ``processes`` forked processes, at most
    ``2 * processes`` parts ahead of the one being landed (each part read is held in memory)."""

    def __init__(self, jobs: list[tuple[Path, str]], processes: int):
        import multiprocessing

        self.jobs, self.next = jobs, 0
        self.pool = multiprocessing.get_context("fork").Pool(processes)
        self.pending: list = []
        self.ahead = 2 * processes  # a process that finishes early starts the next part
        self._fill()

    def _fill(self) -> None:
        while self.next < len(self.jobs) and len(self.pending) < self.ahead:
            self.pending.append(self.pool.apply_async(_read_part, (self.jobs[self.next],)))
            self.next += 1

    def take(self, path: Path):
        """The next part, which must be ``path`` (the order of ``jobs``)."""
        index = self.next - len(self.pending)
        if self.jobs[index][0] != path:
            raise RuntimeError(f"read ahead out of order: {path} asked, {self.jobs[index][0]} read")
        done = self.pending.pop(0)
        self._fill()
        return done.get()

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


def ingest_files(
    ws: Workspace, source: str, paths: list[str | Path], origin: str | None = None,
    read_ahead: _ReadAhead | None = None,
) -> IngestResult:  # fmt: skip
    """Ingest one delivery made of one file or of several parts of one table, in order.
    ``read_ahead``: where its parts are being read already (``ingest_manifest``)."""
    paths = [Path(p) for p in paths]
    if not source or not source.strip():
        raise ValueError("a delivery needs its source (--source)")
    for path in paths:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such file")
    formats = {detect_format(p) for p in paths}
    if len(formats) != 1:
        raise DeliveryError(f"the parts of one delivery must have one format, got {sorted(formats)}")
    fmt = formats.pop()
    sha, part_hashes = _sha256(paths)
    parts_read = [read_ahead.take(p) for p in paths] if read_ahead is not None else None
    origin = origin or str(paths[0].resolve())
    engine = ws.engine()
    try:
        with engine.begin() as conn:
            existing = conn.execute(
                sa.select(delivery_t).where(delivery_t.c.source == source, delivery_t.c.sha256 == sha)
            ).first()
            if existing is not None:
                return IngestResult(existing.delivery_id, source, existing.origin, sha, True, existing.rows_in,
                                    existing.rows_landed, existing.rows_quarantined, existing.format,
                                    existing.encoding, json.loads(existing.columns))  # fmt: skip
            delivery_id = conn.execute(
                sa.insert(delivery_t).values(
                    source=source, origin=origin, sha256=sha, size=sum(s for _h, s in part_hashes), format=fmt,
                    columns="[]", rows_in=0, rows_landed=0, rows_quarantined=0, stored_path="", landed_path="",
                    arrived_at=datetime.now(UTC),
                )
            ).inserted_primary_key[0]  # fmt: skip
            store = ws.data_dir / "deliveries" / sha[:2] / sha
            store.mkdir(parents=True, exist_ok=True)
            landed_dir = ws.data_dir / "landed"
            landed_dir.mkdir(parents=True, exist_ok=True)
            landing = None
            first_row, detected, columns = 1, None, None
            for part, (path, (part_sha, size)) in enumerate(zip(paths, part_hashes, strict=True), start=1):
                if parts_read is None:
                    reader = Reader(path, fmt)
                    items = reader.rows()
                    first = next(items, None)
                    part_columns, part_detected = reader.columns, reader.detected
                else:
                    part_columns, part_detected, read_items = parts_read[part - 1]
                    items = iter(read_items)
                    first = next(items, None)
                if columns is None:
                    columns, detected = part_columns, part_detected
                    landing = _Landing(landed_dir, str(delivery_id), columns, delivery_id)
                elif part_columns != columns:
                    raise DeliveryError(
                        f"{path}: part {part} has other columns than part 1 ({part_columns} != {columns})"
                    )
                rows = landing.add(
                    _chain([first] if first is not None else [], items), first_row - 1, path.name
                )
                target = store / path.name
                if not target.exists():
                    shutil.copyfile(path, target)
                conn.execute(sa.insert(file_t).values(delivery_id=delivery_id, part=part, name=path.name,
                                                      sha256=part_sha, size=size, first_row=first_row, rows=rows))  # fmt: skip
                first_row += rows
            landed_path, _bad = landing.close()
            rows_in = landing.landed + landing.quarantined
            conn.execute(
                sa.update(delivery_t).where(delivery_t.c.delivery_id == delivery_id).values(
                    encoding=detected.encoding, delimiter=detected.delimiter, header_row=detected.header_row,
                    columns=json.dumps(columns, ensure_ascii=False), rows_in=rows_in, rows_landed=landing.landed,
                    rows_quarantined=landing.quarantined, stored_path=str(store), landed_path=str(landed_path),
                )
            )  # fmt: skip
    finally:
        engine.dispose()
    return IngestResult(delivery_id, source, origin, sha, False, rows_in, landing.landed, landing.quarantined,
                        fmt, detected.encoding, columns, landing.reasons)  # fmt: skip


def _chain(first: list, rest):
    yield from first
    yield from rest


# Rows below which a manifest is read in this process (forking costs more than it saves)
READ_AHEAD_FROM = 200_000


def ingest_manifest(
    ws: Workspace, manifest_path: str | Path, processes: int | None = None
) -> list[IngestResult]:
    """Every delivery a synth city's manifest lists, each with its source id and parts, in order.

    Reading and parsing (Excel above all) is pure Python and takes most of the time; ``processes``
    forked processes (the workspace's ``engine_threads`` by default) read the parts to come while
    this process lands the current one, so deliveries are stored, numbered and landed in the
    manifest's order exactly as one by one."""
    manifest_path = Path(manifest_path)
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    city = manifest_path.parent
    deliveries_ = [(s["source"], [city / part["file"] for part in s["files"]]) for s in manifest["sources"]]
    processes = ws.settings.get("engine_threads", 1) if processes is None else processes
    read_ahead = None
    if processes > 1 and sum(s.get("rows", 0) for s in manifest["sources"]) >= READ_AHEAD_FROM:
        jobs = [(p, detect_format(p)) for _source, paths in deliveries_ for p in paths if p.is_file()]
        if len(jobs) == sum(len(paths) for _source, paths in deliveries_):  # else: the error, one by one
            read_ahead = _ReadAhead(jobs, processes)
    try:
        return [ingest_files(ws, source, paths, read_ahead=read_ahead) for source, paths in deliveries_]
    finally:
        if read_ahead is not None:
            read_ahead.close()


def ingest_path(ws: Workspace, path: str | Path, source: str | None) -> list[IngestResult]:
    """A file, a folder of files (one delivery each, source from --source) or a manifest.json."""
    path = Path(path)
    if path.name == "manifest.json" or (
        path.is_dir() and (path / "manifest.json").is_file() and source is None
    ):
        return ingest_manifest(ws, path if path.name == "manifest.json" else path / "manifest.json")
    if source is None:
        raise ValueError(f"{path}: give the source that delivered it (--source), or a synth manifest.json")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in
                       (".csv", ".txt", ".tsv", ".jsonl", ".ndjson", ".json", ".xlsx", ".xlsm", ".parquet"))  # fmt: skip
        if not files:
            raise FileNotFoundError(f"{path}: no delivery files in this folder")
        return [ingest_files(ws, source, [f]) for f in files]
    return [ingest_files(ws, source, [path])]


def ingest_table(ws: Workspace, url: str, table: str, source: str) -> IngestResult:
    """A database table by SQLAlchemy URL: exported to Parquet as delivered, then ingested."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            result = conn.execute(sa.select(sa.table(table, *(sa.column(c["name"]) for c in
                                                               sa.inspect(conn).get_columns(table)))))  # fmt: skip
            names = list(result.keys())
            rows = [[None if v is None else str(v) for v in row] for row in result]
    except sa.exc.NoSuchTableError:
        raise ValueError(f"{url}: no table {table!r}") from None
    finally:
        engine.dispose()
    export = ws.data_dir / "exports"
    export.mkdir(parents=True, exist_ok=True)
    data = pa.table({n: [r[j] for r in rows] for j, n in enumerate(names)},
                    schema=pa.schema([(n, pa.string()) for n in names]))  # fmt: skip
    safe = "".join(ch if ch.isalnum() else "_" for ch in table)
    tmp = export / f"{safe}.parquet"
    pq.write_table(data, tmp)
    return ingest_files(
        ws, source, [tmp], origin=f"{sa.engine.make_url(url).render_as_string(hide_password=True)}#{table}"
    )


def deliveries(ws: Workspace, source: str | None = None) -> list[dict]:
    engine = ws.engine()
    try:
        with engine.connect() as conn:
            query = sa.select(delivery_t).order_by(delivery_t.c.delivery_id)
            if source:
                query = query.where(delivery_t.c.source == source)
            return [dict(r._mapping) for r in conn.execute(query)]
    finally:
        engine.dispose()
