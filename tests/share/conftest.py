"""Share-service fixtures: a workspace with the built-in catalogue and a sample release, on SQLite
and on the real PostgreSQL (a fresh schema per test, dropped afterwards)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sharekit import Actors, make_workspace

from yishu.server.app import create_app
from yishu.workspace import Workspace


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request):
    """None (the workspace's SQLite) or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield None
        return
    _schema, url = request.getfixturevalue("pg_schema")
    yield url


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
