"""Small helpers for a DuckDB connection, shared by the layers that work on one."""

from __future__ import annotations


def tables(con) -> set[str]:
    """The names of the tables and views visible on ``con``."""
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
