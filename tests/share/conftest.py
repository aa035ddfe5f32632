"""Share-service fixtures: a workspace with the built-in catalogue and a sample release, on SQLite
and on the real PostgreSQL (a fresh schema per test, dropped afterwards)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sharekit import PG_URL, Actors, drop_schema, make_workspace, pg_schema_url, postgres_available

from yishu.server.app import create_app
from yishu.workspace import Workspace


@pytest.fixture(scope="session")
def pg_admin():
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL} in CI")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")
    engine = sa.create_engine(PG_URL)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request):
    """None (the workspace's SQLite) or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield None
        return
    admin = request.getfixturevalue("pg_admin")
    schema, url = pg_schema_url(admin)
    yield url
    drop_schema(admin, schema)


@pytest.fixture
def ws(tmp_path, database_url) -> Workspace:
    return make_workspace(tmp_path / "ws", database_url)


@pytest.fixture
def client(ws):
    with TestClient(create_app(ws)) as c:
        yield c


@pytest.fixture
def actors(ws):
    a = Actors(ws).standard()
    yield a
    a.close()
