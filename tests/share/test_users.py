"""Users, demo users, the CLI, tokens and sessions, rate limits, expiry, and failing closed when
the audit cannot be written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sharekit import GA, PASSWORD, grant, make_workspace
from typer.testing import CliRunner

from yishu.cli import app as cli
from yishu.server.app import create_app
from yishu.share import auth, users
from yishu.share.errors import RULES, ShareError
from yishu.share.ratelimit import RateLimiter
from yishu.share.tables import api_token, app_user
from yishu.share.tables import grant as grant_t


def test_demo_users_one_per_role_with_places_from_the_release(ws):
    made = users.create_demo_users(ws)
    assert sorted(u["role"] for u in made) == sorted(users.ROLES)
    by_role = {u["role"]: u for u in made}
    assert (
        len(by_role["township_staff"]["jurisdiction"]) == 9
        and len(by_role["grid_worker"]["jurisdiction"]) == 15
    )
    assert by_role["grid_worker"]["jurisdiction"].startswith(by_role["township_staff"]["jurisdiction"])
    engine = ws.engine()
    try:
        for u in made:
            assert auth.login(engine, u["name"], u["password"]).role == u["role"]
        again = users.create_demo_users(ws)  # a second run gives new passwords to the same users
        assert len(users.list_users(engine)) == len(users.ROLES)
        assert auth.login(engine, again[0]["name"], again[0]["password"]).name == again[0]["name"]
        provider = users.find_user(engine, by_role["provider_officer"]["name"])
        assert provider.org_name == "黄石市公安局"  # the provider of the first conditional resource
    finally:
        engine.dispose()


def test_demo_users_without_a_release(tmp_path):
    ws = make_workspace(tmp_path / "bare", release=False)
    made = users.create_demo_users(ws)
    assert all(u["jurisdiction"].startswith("4202") for u in made)


def test_cli_user_add_and_list(tmp_path):
    ws = make_workspace(tmp_path / "ws", release=False)
    runner = CliRunner()
    home = str(ws.home)
    r = runner.invoke(cli, ["user", "add", "wang", "--role", "grid_worker", "--org", "社区A", "--jurisdiction",
                            "420202001001001", "--password-stdin", "--home", home], input="a long password\n")  # fmt: skip
    assert r.exit_code == 0, r.output
    bad = runner.invoke(cli, ["user", "add", "li", "--role", "king", "--org", "x", "--password-stdin", "--home", home],
                        input="a long password\n")  # fmt: skip
    assert bad.exit_code == 1 and "role 'king'" in bad.output
    bad = runner.invoke(cli, ["user", "add", "li", "--role", "consumer", "--org", "x", "--jurisdiction", "12345",
                              "--password-stdin", "--home", home], input="a long password\n")  # fmt: skip
    assert bad.exit_code == 1 and "jurisdiction" in bad.output
    listed = json.loads(runner.invoke(cli, ["user", "list", "--json", "--home", home]).stdout)
    assert [(u["name"], u["role"], u["org"], u["jurisdiction"]) for u in listed] == [
        ("wang", "grid_worker", "社区A", "420202001001001")]  # fmt: skip
    engine = ws.engine()
    stored = sa.select(app_user.c.password_hash)
    with engine.connect() as conn:
        assert conn.execute(stored).scalar().startswith("$argon2id$")
    engine.dispose()


def test_tokens_are_hashed_scoped_expiring_and_revocable(ws, client, actors):
    engine = actors.engine
    made = auth.create_token(engine, actors.users["civil"].user_id, "read only", ["data"], 1)
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(api_token.c.token_hash).where(api_token.c.token_id == made["token_id"])
        ).scalar()
    assert made["token"] not in stored and len(stored) == 64
    h = {"Authorization": f"Bearer {made['token']}"}
    r = client.get("/api/v1/applications", headers=h)
    assert r.status_code == 403 and r.json()["error"]["rule"] == "auth.scope"
    gid = grant(client, actors, "civil", GA, ["姓名"])
    assert client.get(f"/api/v1/grants/{gid}/records", headers=h).status_code == 200
    with engine.begin() as conn:
        conn.execute(sa.update(api_token).where(api_token.c.token_id == made["token_id"])
                     .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))  # fmt: skip
    r = client.get(f"/api/v1/grants/{gid}/records", headers=h)
    assert r.status_code == 401 and r.json()["error"]["rule"] == "auth.token"
    with pytest.raises(ShareError):
        auth.create_token(engine, actors.users["civil"].user_id, "x", ["everything"], 1)
    # tokens are made from a console session, and revoked at once
    client.post("/api/v1/auth/login", json={"name": "town", "password": PASSWORD})
    made = client.post("/api/v1/tokens", json={"name": "script", "scopes": ["data"], "days": 7}).json()
    listed = client.get("/api/v1/tokens").json()
    assert [t["name"] for t in listed] == ["test", "script"] and "token" not in listed[1]
    assert client.delete(f"/api/v1/tokens/{made['token_id']}").status_code == 204
    client.cookies.clear()
    r = client.get("/api/v1/me", headers={"Authorization": f"Bearer {made['token']}"})
    assert r.status_code == 401


def test_expired_grants_and_moved_users_are_refused(ws, client, actors):
    gid = grant(client, actors, "town", GA, ["姓名"])
    url = f"/api/v1/grants/{gid}/records"
    assert client.get(url, headers=actors.headers("town")).status_code == 200
    with actors.engine.begin() as conn:  # the user moves to another district: the grant no longer nests
        conn.execute(sa.update(app_user).where(app_user.c.name == "town").values(jurisdiction="420203001"))
    r = client.get(url, headers=actors.headers("town"))
    assert r.status_code == 403 and r.json()["error"]["rule"] == "grant.rows"
    with actors.engine.begin() as conn:
        conn.execute(sa.update(app_user).where(app_user.c.name == "town").values(jurisdiction="420202001"))
        conn.execute(sa.update(grant_t).where(grant_t.c.grant_id == gid)
                     .values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))  # fmt: skip
    r = client.get(url, headers=actors.headers("town"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "grant.expired"


def test_rate_limits_per_user(ws, actors):
    ws.settings["rate_limit_per_minute"] = 5
    with TestClient(create_app(ws)) as c:
        codes = [c.get("/api/v1/me", headers=actors.headers("civil")).status_code for _ in range(7)]
        assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
        assert c.get("/api/v1/me", headers=actors.headers("town")).status_code == 200  # another user's budget
        r = c.get("/api/v1/me", headers=actors.headers("civil"))
        assert r.json()["error"]["rule"] == "auth.rate_limit"


def test_rate_limiter_refills():
    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])
    assert all(limiter.allow("k") for _ in range(60)) and not limiter.allow("k")
    now[0] += 1.0
    assert limiter.allow("k") and not limiter.allow("k")
    assert RateLimiter(0).allow("k")


def test_nothing_is_served_when_the_audit_cannot_be_written(tmp_path, actors, client):
    gid = grant(client, actors, "civil", GA, ["姓名"])
    with actors.engine.begin() as conn:  # break the audit: its table is gone
        conn.execute(sa.text("ALTER TABLE audit_log RENAME TO audit_log_moved"))
    r = client.get(f"/api/v1/grants/{gid}/records", headers=actors.headers("civil"))
    assert r.status_code == 503 and r.json()["error"]["rule"] == "audit.durable"
    assert "records" not in r.text


def test_every_rule_named_by_the_code_is_listed():
    import pathlib
    import re

    src = pathlib.Path(__file__).resolve().parents[2] / "src" / "yishu"
    named = set()
    for path in list((src / "share").glob("*.py")) + list((src / "server").glob("*.py")):
        named |= set(re.findall(r'"((?:auth|role|org|user|jurisdiction|application|grant|query|export|audit)\.[a-z_]+)"\s*(?:,\s*\d+)?\)',
                                path.read_text(encoding="utf-8")))  # fmt: skip
    assert named and named <= set(RULES)


def test_without_a_release_data_requests_answer_503_with_the_rule(tmp_path):
    from sharekit import Actors

    ws = make_workspace(tmp_path / "bare", release=False)
    actors = Actors(ws).standard()
    try:
        with TestClient(create_app(ws)) as c:
            gid = grant(c, actors, "civil", GA, ["姓名"])
            r = c.get(f"/api/v1/grants/{gid}/records", headers=actors.headers("civil"))
            assert r.status_code == 503 and r.json()["error"] == {
                "code": "release.none", "message": "there is no release of the base database yet",
                "rule": "grant.release"}  # fmt: skip
            assert c.get("/health").json()["status"] == "ok"
    finally:
        actors.close()


def test_a_workspace_from_before_the_share_service_gets_its_tables(tmp_path, database_url):
    from alembic import command

    from yishu import controlplane
    from yishu.controlplane.database import _config

    ws = make_workspace(tmp_path / "old", database_url, release=False)
    engine = ws.engine()
    command.downgrade(_config(engine), "0004")
    assert controlplane.current_revision(engine) == "0004"
    made = users.create_demo_users(ws)
    assert controlplane.current_revision(engine) == controlplane.head_revision() and len(made) == len(
        users.ROLES
    )
    command.downgrade(_config(engine), "0004")
    with TestClient(create_app(ws)) as c:
        assert c.get("/api/v1/me").json()["error"]["code"] == "auth.required"
    assert controlplane.current_revision(engine) == controlplane.head_revision()
    engine.dispose()
