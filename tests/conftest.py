"""Shared fixtures: one small synthetic city per test session, built by package code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from yishu.synth import generate

CITY, PERSONS, SEED = "370600", 5000, 7


@pytest.fixture(scope="session")
def small_city(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("city") / "yantai"
    generate(CITY, PERSONS, SEED, out)
    return out


@pytest.fixture(scope="session")
def manifest(small_city) -> dict:
    return json.loads((small_city / "manifest.json").read_text(encoding="utf-8"))


SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the checkout (reference data); $YISHU_SHARED overrides. CI always has it;
    elsewhere a test that needs it is skipped when it is missing."""
    path = Path(os.environ.get("YISHU_SHARED") or SHARED)
    if not (path / "data").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{path}: the shared reference data is missing in CI")
        pytest.skip(f"{path}: the shared reference data is not beside this checkout")
    return path


PG_URL = os.environ.get("YISHU_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_admin():
    """An engine on the real PostgreSQL ($YISHU_TEST_POSTGRES). CI always has it (a test fails
    there without it); elsewhere a test that needs it is skipped when no server answers."""
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL)
    try:
        with engine.connect():
            pass
    except Exception:
        engine.dispose()
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_URL} in CI")
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_schema(pg_admin):
    """A fresh PostgreSQL schema for one test, dropped afterwards: yields (schema, url)."""
    import uuid

    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:10]}"
    with pg_admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield schema, f"{PG_URL}?options=-csearch_path%3D{schema}"
    with pg_admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
