"""Applications, approvals, grants and the data API end to end, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io

import pyarrow.parquet as pq
from sharekit import GA, PASSWORD, SJ, grant

from yishu.pipeline.release import current_release


def _release_rows(ws, sql: str) -> list[tuple]:
    con = current_release(ws).connect()
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_login_sets_a_strict_httponly_cookie_and_me_answers(client, actors):
    r = client.post("/api/v1/auth/login", json={"name": "civil", "password": PASSWORD})
    assert r.status_code == 200, r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    me = client.get("/api/v1/me").json()
    assert me["user"]["name"] == "civil" and me["via"] == "session"
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").json()["error"]["code"] == "auth.required"


def test_wrong_passwords_lock_the_account(client, actors):
    for _ in range(5):
        r = client.post("/api/v1/auth/login", json={"name": "civil", "password": "wrong password"})
        assert r.status_code == 401 and r.json()["error"]["rule"] == "auth.credentials"
    r = client.post("/api/v1/auth/login", json={"name": "civil", "password": PASSWORD})
    assert r.status_code == 423 and r.json()["error"] == {
        "code": "auth.locked", "message": r.json()["error"]["message"], "rule": "auth.lockout"}  # fmt: skip
    unknown = client.post("/api/v1/auth/login", json={"name": "nobody", "password": "whatever1"})
    assert unknown.json()["error"]["code"] == "auth.invalid_credentials"


def test_conditional_resource_needs_provider_then_bureau(client, actors):
    body = {"resource_code": GA, "fields": ["姓名"], "purpose": "p", "legal_basis": "b", "duration_days": 10}
    app = client.post("/api/v1/applications", json=body, headers=actors.headers("civil")).json()
    assert app["status"] == "pending_provider"
    aid = app["application_id"]
    r = client.post(f"/api/v1/applications/{aid}/decisions", json={"decision": "approve", "reason": "ok"},
                    headers=actors.headers("admin"))  # fmt: skip
    assert r.status_code == 403 and r.json()["error"]["rule"] == "application.provider"
    r = client.post(f"/api/v1/applications/{aid}/decisions", json={"decision": "approve", "reason": " "},
                    headers=actors.headers("police"))  # fmt: skip
    assert r.status_code == 422 and r.json()["error"]["rule"] == "application.reason"
    r = client.post(f"/api/v1/applications/{aid}/decisions", json={"decision": "approve", "reason": "法定职责"},
                    headers=actors.headers("police"))  # fmt: skip
    assert r.json()["status"] == "pending_bureau"
    r = client.post(f"/api/v1/applications/{aid}/decisions", json={"decision": "reject", "reason": "目的不明确"},
                    headers=actors.headers("operator"))  # fmt: skip
    done = r.json()
    assert done["status"] == "rejected" and done["grant_id"] is None
    assert [(d["stage"], d["decision"], d["reason"]) for d in done["decisions"]] == [
        ("provider", "approve", "法定职责"), ("bureau", "reject", "目的不明确")]  # fmt: skip
    r = client.post(f"/api/v1/applications/{aid}/decisions", json={"decision": "approve", "reason": "again"},
                    headers=actors.headers("admin"))  # fmt: skip
    assert r.status_code == 409 and r.json()["error"]["code"] == "decision.closed"


def test_unconditional_skips_the_provider_and_refused_cannot_be_applied_for(client, actors):
    body = {
        "resource_code": SJ,
        "fields": ["企业名称"],
        "purpose": "p",
        "legal_basis": "b",
        "duration_days": 10,
    }
    app = client.post("/api/v1/applications", json=body, headers=actors.headers("civil")).json()
    assert app["status"] == "pending_bureau"
    refused = [r for r in client.get("/api/v1/resources", headers=actors.headers("civil")).json()
               if r["share_type"] == "refused"]  # fmt: skip
    if refused:
        r = client.post("/api/v1/applications", json=body | {"resource_code": refused[0]["code"],
                        "fields": [refused[0]["fields"][0]["column"]]}, headers=actors.headers("civil"))  # fmt: skip
        assert r.status_code == 403 and r.json()["error"]["rule"] == "application.shareable"
    r = client.post(
        "/api/v1/applications", json=body | {"fields": ["不存在"]}, headers=actors.headers("civil")
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "application.unknown_field"


def test_masked_fields_rows_in_jurisdiction_and_nothing_else(ws, client, actors):
    gid = grant(client, actors, "town", GA, ["姓名", "公民身份号码", "户籍地址"])
    r = client.get(f"/api/v1/grants/{gid}/records", params={"limit": 1000}, headers=actors.headers("town"))
    assert r.status_code == 200, r.text
    body = r.json()
    expected = _release_rows(ws, "SELECT entity_id, citizen_id, name FROM person "
                                 "WHERE starts_with(jurisdiction, '420202001') ORDER BY entity_id")  # fmt: skip
    assert body["total"] == len(expected) > 0
    assert body["fields"] == ["entity_id", "name", "citizen_id", "hukou_address"]
    for rec, (eid, cid, name) in zip(body["records"], expected, strict=True):
        assert rec["entity_id"] == eid
        assert rec["citizen_id"] == cid[:6] + "********" + cid[-4:]
        assert rec["name"] == name[0] + "*" * (len(name) - 1)
        assert rec["hukou_address"].endswith("***") and "号" not in rec["hukou_address"]
    # A field outside the grant cannot be filtered, sorted or exported on.
    for params in ({"filter": "phone:eq:13800000000"}, {"sort": "phone"}, {"filter": "name:prefix:张"}):
        r = client.get(f"/api/v1/grants/{gid}/records", params=params, headers=actors.headers("town"))
        assert r.status_code == 403
        assert r.json()["error"]["rule"] in ("grant.fields", "grant.masked_field")
    # A row outside the jurisdiction answers exactly like one that does not exist.
    outside = _release_rows(
        ws, "SELECT entity_id FROM person WHERE starts_with(jurisdiction, '420203') LIMIT 1"
    )[0][0]
    a = client.get(f"/api/v1/grants/{gid}/records/{outside}", headers=actors.headers("town"))
    b = client.get(f"/api/v1/grants/{gid}/records/P9999999", headers=actors.headers("town"))
    assert a.status_code == b.status_code == 404
    assert a.json()["error"]["code"] == b.json()["error"]["code"] == "data.not_found"
    assert outside not in a.text


def test_unmasking_for_a_stated_purpose_and_lookup_by_citizen_id(ws, client, actors):
    gid = grant(client, actors, "civil", GA, ["姓名", "公民身份号码"], unmask=["公民身份号码"])
    eid, cid, name = _release_rows(
        ws, "SELECT entity_id, citizen_id, name FROM person ORDER BY entity_id LIMIT 1"
    )[0]
    r = client.get(f"/api/v1/grants/{gid}/lookup/citizen-id/{cid}", headers=actors.headers("civil"))
    assert r.status_code == 200, r.text
    [rec] = r.json()["records"]
    assert rec == {"entity_id": eid, "name": name[0] + "*" * (len(name) - 1), "citizen_id": cid}
    # the unmasked field can now be filtered on
    r = client.get(f"/api/v1/grants/{gid}/records", params={"filter": f"citizen_id:eq:{cid}"},
                   headers=actors.headers("civil"))  # fmt: skip
    assert [x["entity_id"] for x in r.json()["records"]] == [eid]


def test_profile_shows_provenance_masked_like_the_attribute(ws, client, actors):
    gid = grant(client, actors, "civil", GA, ["姓名"])
    eid, name = _release_rows(ws, "SELECT entity_id, name FROM person ORDER BY entity_id LIMIT 1")[0]
    r = client.get(f"/api/v1/grants/{gid}/records/{eid}/profile", headers=actors.headers("civil"))
    assert r.status_code == 200, r.text
    prof = r.json()
    assert set(prof["provenance"]) == {"name"}  # citizen_id, phone, address provenance are not granted
    values = [p["value"] for p in prof["provenance"]["name"]]
    assert values and all(v.endswith("*") and v[0] == name[0] for v in values)
    assert (
        prof["provenance"]["name"][0]["source"] == "公安户籍人口" and prof["provenance"]["name"][0]["chosen"]
    )


def test_exports_stream_only_the_grant(ws, client, actors):
    gid = grant(client, actors, "grid", GA, ["姓名", "性别"])
    r = client.get(f"/api/v1/grants/{gid}/export.csv", headers=actors.headers("grid"))
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    expected = _release_rows(ws, "SELECT entity_id FROM person WHERE starts_with(jurisdiction, '420202001001001') "
                                 "ORDER BY entity_id")  # fmt: skip
    assert rows[0] == ["entity_id", "name", "sex"]
    assert [r[0] for r in rows[1:]] == [e for (e,) in expected]
    r = client.get(
        f"/api/v1/grants/{gid}/export.parquet", params={"sort": "-sex"}, headers=actors.headers("grid")
    )
    table = pq.read_table(io.BytesIO(r.content))
    assert table.column_names == ["entity_id", "name", "sex"] and table.num_rows == len(expected)
    assert all(v.endswith("*") for v in table.column("name").to_pylist())


def test_revocation_and_ownership_take_effect_at_once(client, actors):
    gid = grant(client, actors, "civil", GA, ["姓名"])
    url = f"/api/v1/grants/{gid}/records"
    assert client.get(url, headers=actors.headers("civil")).status_code == 200
    other = client.get(url, headers=actors.headers("town"))
    assert other.status_code == 404 and other.json()["error"]["rule"] == "grant.owner"
    r = client.post(f"/api/v1/grants/{gid}/revoke", json={"reason": "purpose fulfilled"},
                    headers=actors.headers("police"))  # fmt: skip
    assert r.status_code == 200 and r.json()["active"] is False
    r = client.get(url, headers=actors.headers("civil"))
    assert r.status_code == 403 and r.json()["error"] == {
        "code": "grant.revoked", "message": f"grant {gid} was revoked", "rule": "grant.active"}  # fmt: skip


def test_auditor_reads_audit_and_nothing_else(client, actors):
    gid = grant(client, actors, "civil", GA, ["姓名"])
    client.get(f"/api/v1/grants/{gid}/records", params={"limit": 3}, headers=actors.headers("civil"))
    r = client.get("/api/v1/applications", headers=actors.headers("auditor"))
    assert r.status_code == 403 and r.json()["error"]["rule"] == "role.auditor_read_only"
    assert client.get("/api/v1/audit", headers=actors.headers("civil")).status_code == 403
    records = client.get("/api/v1/audit", params={"limit": 1000}, headers=actors.headers("auditor")).json()
    data = [x for x in records if x["endpoint"] == f"/api/v1/grants/{gid}/records"]
    assert data[-1]["rows"] == 3 and len(data[-1]["entity_ids"]) == 3 and data[-1]["grant_id"] == gid
    assert data[-1]["purpose"] == "test purpose" and data[-1]["actor_name"] == "civil"
    assert data[-1]["client"] == "testclient" and data[-1]["algorithm"] == "sm3"
    assert client.get("/api/v1/audit/verify", headers=actors.headers("auditor")).json()["ok"] is True
    for method in ("put", "patch", "delete"):
        assert getattr(client, method)("/api/v1/audit", headers=actors.headers("auditor")).status_code == 405
