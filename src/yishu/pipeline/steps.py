"""The pipeline as a queue of named SQL steps (in the manner of Splink's ``internals/pipeline``).

A ``Step`` is a name, the table it produces and a SELECT. ``run`` renders each through the dialect,
creates the table, and reports progress; a database error names the step and carries its SQL, so a
failure at row 3 million says where it happened. ``explain`` lists the steps without running them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from yishu.pipeline.dialect import DUCKDB, Dialect

# ``/*part:KEY*/`` in a step's SQL marks where it filters its input when it runs in parts (after a
# WHERE or AND). A step whose every row depends only on rows with the same KEY (an entity) can run
# over one part of the keys at a time: ``run(..., parts=n)`` creates the table from part 0 and
# inserts parts 1 to n-1. Each part's sort or hash table then fits in memory where the whole
# would spill to disk (a window over 100 million candidate values took five times as long per
# row as one over 32 million). Rendered whole, the marks vanish.
PART = re.compile(r"/\*part:([^*]+)\*/")


@dataclass(frozen=True)
class Step:
    name: str
    output: str
    sql: str  # a SELECT (or WITH ... SELECT) producing the output table
    view: bool = False  # a view: read where it is, by each step that reads it (nothing is written)

    def render(self, dialect: Dialect = DUCKDB) -> str:
        make = dialect.create_view if self.view else dialect.create_table
        return make(self.output, dialect.render(PART.sub("", self.sql)))

    @property
    def partable(self) -> bool:
        return bool(PART.search(self.sql))

    def render_part(self, part: int, parts: int) -> str:
        """The SQL of one part (DuckDB): part 0 creates the table, the others insert into it."""
        sql = PART.sub(lambda m: f" AND hash({m.group(1)}) % {parts} = {part}", self.sql)
        if part == 0:
            return (DUCKDB.create_view if self.view else DUCKDB.create_table)(self.output, sql)
        return f"INSERT INTO {self.output} {sql}"


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
    parts: int = 1,
) -> None:
    """Run ``steps`` in order on ``con`` (a DuckDB connection, or anything with ``execute``).
    ``parts``: how many parts the steps marked with ``/*part:KEY*/`` run in (DuckDB only)."""
    for step in steps:
        started = time.perf_counter()
        if progress:
            progress(step.name)
        try:
            if parts > 1 and step.partable and dialect is DUCKDB:
                for part in range(parts):
                    con.execute(step.render_part(part, parts))
            else:
                con.execute(step.render(dialect))
        except Exception as error:  # every engine has its own error classes
            raise StepError(step, error) from error
        if timings is not None:
            timings[step.name] = round(time.perf_counter() - started, 3)
