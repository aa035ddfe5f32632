"""Small helpers for a DuckDB connection, shared by the layers that work on one."""

from __future__ import annotations


def tables(con) -> set[str]:
    """The names of the tables and views visible on ``con``."""
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


_BYTES = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
          "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}  # fmt: skip


def memory_limit(con) -> int:
    """The engine's memory limit in bytes (DuckDB shows it cut to a tenth of its unit: ``'7.4 GiB'``)."""
    number, _, unit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0].partition(" ")
    return int(float(number) * _BYTES.get(unit, 1))
