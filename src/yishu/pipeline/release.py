"""Releases (版本): immutable versions of the base database, switched atomically.

Chosen format: versioned Parquet folders with an atomic pointer. A table is one Parquet file
(``<table>.parquet``) or, when it is large, a folder of parts in key order (``<table>/part-00000.parquet``
...: DuckDB writes one Parquet file on one thread, so the parts of a large table are written side
by side). A release is built in a private
folder (``releases/.building-<uuid>``), every file is fsynced, the folder is renamed to its number,
and only then is ``releases/CURRENT`` replaced (write, fsync, ``os.replace``: atomic on POSIX).
A crash at any point (kill -9) leaves the previous release current and readable; the next build
removes the leftovers and succeeds. Past releases stay readable by number. Why not DuckLake or
Iceberg: both work here only through version-locked extension wheels, add a catalogue to keep
consistent, and buy time travel that numbered folders already give; Parquet is read as it is by
DuckDB, Spark and pyarrow (see docs/architecture.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from yishu.workspace import Workspace

CURRENT = "CURRENT"
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def releases_dir(ws: Workspace) -> Path:
    return ws.data_dir / "releases"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


@dataclass(frozen=True)
class Release:
    id: int
    path: Path
    created_at: str
    tables: dict[str, int]  # table -> rows
    meta: dict

    def files(self, table: str) -> list[Path]:
        """The Parquet files of ``table``, in key order (one, or the parts of a large table)."""
        single = self.path / f"{table}.parquet"
        if single.is_file():
            return [single]
        return sorted((self.path / table).glob("part-*.parquet"))

    def scan(self, table: str) -> str:
        """SQL that reads ``table`` (DuckDB's ``read_parquet`` of its files)."""
        return scan(self.files(table))

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with one read-only view per table of this release."""
        con = duckdb.connect()
        for table in self.tables:
            con.execute(f"CREATE VIEW {table} AS SELECT * FROM {self.scan(table)}")
        return con

    def as_dict(self) -> dict:
        return {"id": self.id, "created_at": self.created_at, "tables": self.tables, "meta": self.meta,
                "path": str(self.path)}  # fmt: skip


def scan(files: list[Path]) -> str:
    """SQL that reads Parquet ``files`` as one table, in their order."""
    return "read_parquet([" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "])"


def _load(path: Path) -> Release:
    manifest = json.loads((path / "release.json").read_text(encoding="utf-8"))
    return Release(manifest["id"], path, manifest["created_at"], manifest["tables"], manifest.get("meta", {}))


def list_releases(ws: Workspace) -> list[Release]:
    root = releases_dir(ws)
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.is_dir() and p.name.isdigit() and (p / "release.json").is_file()]
    return [_load(p) for p in sorted(found, key=lambda p: int(p.name))]


def current_release(ws: Workspace) -> Release | None:
    pointer = releases_dir(ws) / CURRENT
    if not pointer.is_file():
        return None
    return _load(releases_dir(ws) / pointer.read_text(encoding="utf-8").strip())


def get_release(ws: Workspace, release_id: int) -> Release:
    path = releases_dir(ws) / str(release_id)
    if not (path / "release.json").is_file():
        raise KeyError(f"release {release_id} does not exist in {ws.home}")
    return _load(path)


class ReleaseBuilder:
    """Build a release table by table, then ``commit`` it; nothing is visible before the commit."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.root = releases_dir(ws)
        self.root.mkdir(parents=True, exist_ok=True)
        for leftover in self.root.glob(".building-*"):  # a crashed build: its folder is never read
            shutil.rmtree(leftover, ignore_errors=True)
        self.folder = self.root / f".building-{uuid.uuid4().hex}"
        self.folder.mkdir()
        self.tables: dict[str, int] = {}
        self.seconds: dict[str, float] = {}  # table -> seconds its files took, summed over parts

    def add_table(self, name: str, con: duckdb.DuckDBPyConnection, query: str | list[str]) -> int:
        """Write the result of ``query`` (SQL on ``con``) as table ``name``; returns its rows. A list of
        queries makes a table of parts, one file each, in the list's order."""
        return self.add_tables(con, {name: query})[name]

    def add_tables(self, con: duckdb.DuckDBPyConnection, tables: dict[str, str | list[str]],
                   writers: int = 1) -> dict[str, int]:  # fmt: skip
        """``add_table`` for each table, by ``writers`` files written at a time (each on a cursor
        of ``con``: DuckDB writes one Parquet file on one thread; with one writer, on ``con`` itself,
        which also sees its temporary tables and registered frames). Returns each table's rows."""
        files = []  # (target, query), largest tables first as given
        for name, query in tables.items():
            if not _NAME.fullmatch(name):
                raise ValueError(f"release table name {name!r} must be lower_snake_case")
            if name in self.tables:
                raise ValueError(f"release table {name!r} added twice")
            self.tables[name] = 0
            if isinstance(query, str):
                files.append((name, self.folder / f"{name}.parquet", query))
            else:
                (self.folder / name).mkdir()
                files += [
                    (name, self.folder / name / f"part-{i:05d}.parquet", q) for i, q in enumerate(query)
                ]

        def copy(on: duckdb.DuckDBPyConnection, target: Path, query: str) -> tuple[int, float]:
            started = time.perf_counter()
            on.execute(f"COPY ({query}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)")
            rows = on.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchall()[0][0]
            return rows, time.perf_counter() - started

        def write(target: Path, query: str) -> tuple[int, float]:
            cursor = con.cursor()
            try:
                return copy(cursor, target, query)
            finally:
                cursor.close()

        if writers <= 1 or len(files) == 1:
            counts = [copy(con, target, query) for _name, target, query in files]
        else:
            with ThreadPoolExecutor(writers) as pool:
                counts = list(pool.map(lambda f: write(f[1], f[2]), files))
        for (name, _target, _query), (rows, seconds) in zip(files, counts, strict=True):
            self.tables[name] += rows
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds
        return {name: self.tables[name] for name in tables}

    def commit(self, meta: dict | None = None) -> Release:
        existing = [int(p.name) for p in self.root.iterdir() if p.is_dir() and p.name.isdigit()]
        release_id = max(existing, default=0) + 1
        current = current_release(self.ws)
        manifest = {"id": release_id, "created_at": datetime.now(UTC).isoformat(), "tables": self.tables,
                    "parent": current.id if current else None, "meta": meta or {}}  # fmt: skip
        (self.folder / "release.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        for f in self.folder.iterdir():
            if f.is_dir():  # the parts of a large table
                for part in f.iterdir():
                    _fsync_file(part)
                _fsync_dir(f)
            else:
                _fsync_file(f)
        _fsync_dir(self.folder)
        final = self.root / str(release_id)
        os.rename(self.folder, final)
        _fsync_dir(self.root)
        pointer = self.root / f"{CURRENT}.tmp"
        pointer.write_text(str(release_id), encoding="utf-8")
        _fsync_file(pointer)
        os.replace(pointer, self.root / CURRENT)
        _fsync_dir(self.root)
        return _load(final)

    def abandon(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def diff(ws: Workspace, a: int, b: int, key: str = "entity_id") -> dict:
    """Per table: rows in each release; for tables with ``key``: keys added, removed, changed."""
    ra, rb = get_release(ws, a), get_release(ws, b)
    out = {}
    con = duckdb.connect()
    for table in sorted(set(ra.tables) | set(rb.tables)):
        entry: dict = {"rows": [ra.tables.get(table), rb.tables.get(table)]}
        if table in ra.tables and table in rb.tables:
            pa_, pb = ra.scan(table), rb.scan(table)
            cols_a = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {pa_}").fetchall()]
            cols_b = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {pb}").fetchall()]
            unique = (
                key in cols_a
                and key in cols_b
                and all(
                    con.execute(f"SELECT count(*) = count(DISTINCT {key}) FROM {p}").fetchall()[0][0]
                    for p in (pa_, pb)
                )
            )  # rows compared by key only where the key identifies a row (not in provenance, link ...)
            if unique and cols_a == cols_b:
                added, removed, changed = con.execute(
                    f"""
                    WITH x AS (SELECT {key}, md5(CAST(to_json(t) AS VARCHAR)) AS h FROM {pa_} t),
                         y AS (SELECT {key}, md5(CAST(to_json(t) AS VARCHAR)) AS h FROM {pb} t)
                    SELECT (SELECT count(*) FROM y ANTI JOIN x USING ({key})),
                           (SELECT count(*) FROM x ANTI JOIN y USING ({key})),
                           (SELECT count(*) FROM x JOIN y USING ({key}) WHERE x.h <> y.h)
                    """
                ).fetchall()[0]
                entry.update({"added": added, "removed": removed, "changed": changed})
        out[table] = entry
    return out
