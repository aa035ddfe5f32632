"""Engine differences, in one place.

The governance steps are written once, in the SQL that DuckDB speaks, using only functions that
have a counterpart in Spark SQL; the standards macros (``yishu_*``) are installed on each engine by
its dialect. ``Dialect.render`` turns a step's SQL into the engine's: DuckDB runs it as written;
Spark gets it through sqlglot, which rewrites parsed SQL (function names, casts, ``QUALIFY``)
rather than editing text with regexes. Nothing outside this module names an engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC

import sqlglot
from sqlglot.errors import ErrorLevel


@dataclass(frozen=True)
class Dialect:
    name: str
    sqlglot_name: str

    @staticmethod
    def read_parquet(path) -> str:
        """Steps read Parquet in DuckDB's spelling; ``render`` rewrites it (Spark: parquet.`path`)."""
        return "read_parquet('" + str(path).replace("'", "''") + "')"

    def render(self, sql: str) -> str:
        if self.name == "duckdb":
            return sql
        out = sqlglot.transpile(
            sql, read="duckdb", write=self.sqlglot_name, unsupported_level=ErrorLevel.RAISE
        )
        return ";\n".join(out)

    def create_table(self, name: str, select: str) -> str:
        if self.name == "duckdb":
            return f"CREATE OR REPLACE TABLE {name} AS {select}"
        return f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {select}"

    def create_view(self, name: str, select: str) -> str:
        if self.name == "duckdb":
            return f"CREATE OR REPLACE VIEW {name} AS {select}"
        return f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {select}"

    def timestamp(self, ts) -> str:
        """A literal for an aware datetime (Spark reads TIMESTAMP in the session zone: the literal
        carries its UTC offset)."""
        text = ts.astimezone(UTC).isoformat(sep=" ")
        return f"TIMESTAMPTZ '{text}'" if self.name == "duckdb" else f"TIMESTAMP '{text}'"


DUCKDB = Dialect("duckdb", "duckdb")
SPARK = Dialect("spark", "spark")
DIALECTS = {"duckdb": DUCKDB, "spark": SPARK}
