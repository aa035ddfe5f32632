from __future__ import annotations

import duckdb
import pytest

from yishu.standards import sql


@pytest.fixture(scope="session")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    sql.register(connection)
    return connection
