"""The pipeline as a queue of named SQL steps (in the manner of Splink's ``internals/pipeline``).

A ``Step`` is a name, the table it produces and a SELECT. ``run`` renders each through the dialect,
creates the table, and reports progress; a database error names the step and carries its SQL, so a
failure at row 3 million says where it happened. ``explain`` lists the steps without running them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from yishu.pipeline.dialect import DUCKDB, Dialect


@dataclass(frozen=True)
class Step:
    name: str
    output: str
    sql: str  # a SELECT (or WITH ... SELECT) producing the output table

    def render(self, dialect: Dialect = DUCKDB) -> str:
        return dialect.create_table(self.output, dialect.render(self.sql))


class StepError(RuntimeError):
    """A step that failed: names it and keeps its SQL."""

    def __init__(self, step: Step, error: Exception):
        self.step, self.error = step, error
        super().__init__(
            f"step {step.name!r} (-> {step.output}) failed: {error}\n--- SQL ---\n{step.sql.strip()}"
        )


def run(
    con,
    steps: Iterable[Step],
    dialect: Dialect = DUCKDB,
    progress: Callable[[str], None] | None = None,
    timings: dict[str, float] | None = None,
) -> None:
    """Run ``steps`` in order on ``con`` (a DuckDB connection, or anything with ``execute``)."""
    for step in steps:
        started = time.perf_counter()
        if progress:
            progress(step.name)
        try:
            con.execute(step.render(dialect))
        except Exception as error:  # every engine has its own error classes
            raise StepError(step, error) from error
        if timings is not None:
            timings[step.name] = round(time.perf_counter() - started, 3)
