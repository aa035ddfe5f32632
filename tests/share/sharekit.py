"""Helpers of the share-service tests: workspaces, actors with tokens, granting through the API."""

from __future__ import annotations

from yishu.catalogue import store
from yishu.catalogue.builtin import install_builtin
from yishu.catalogue.validate import load_catalogue
from yishu.share import auth, users
from yishu.share.sample import build_sample_release
from yishu.workspace import Workspace

CITY = "420200"
PASSWORD = "correct horse battery"
GA = f"{CITY}-GA-0001"  # 户籍人口基本信息: conditional, provider 黄石市公安局
SJ = f"{CITY}-SJ-0001"  # 市场主体登记信息: unconditional


def make_workspace(path, database_url=None, release: bool = True) -> Workspace:
    ws = Workspace.init(path, city=CITY, database_url=database_url).workspace
    install_builtin(ws.catalogue_dir, CITY)
    engine = ws.engine()
    try:
        store.save(engine, load_catalogue(ws.catalogue_dir))
    finally:
        engine.dispose()
    if release:
        build_sample_release(ws)
    return ws


class Actors:
    """Users of a workspace, each with a bearer token of every scope."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self.engine = ws.engine()
        self.tokens: dict[str, str] = {}
        self.users: dict[str, users.User] = {}

    def add(self, name: str, role: str, org: str, jurisdiction: str | None = None) -> dict:
        user = users.add_user(self.engine, name, role, org, PASSWORD, jurisdiction, city=CITY)
        token = auth.create_token(self.engine, user.user_id, "test", list(auth.SCOPES), 30)["token"]
        self.users[name], self.tokens[name] = user, token
        return self.headers(name)

    def headers(self, name: str) -> dict:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def standard(self) -> Actors:
        self.add("admin", "bureau_admin", "数据局", "4202")
        self.add("operator", "bureau_operator", "数据局", "4202")
        self.add("police", "provider_officer", "黄石市公安局", "4202")
        self.add("civil", "consumer", "黄石市民政局", "4202")
        self.add("town", "township_staff", "街道 420202001", "420202001")
        self.add("grid", "grid_worker", "社区 420202001001", "420202001001001")
        self.add("auditor", "auditor", "数据局", "4202")
        return self

    def close(self):
        self.engine.dispose()


def grant(client, actors, applicant: str, resource: str, fields: list[str], unmask: list[str] | None = None,
          days: int = 30) -> int:  # fmt: skip
    """Apply and have every stage approve; the grant id."""
    body = {"resource_code": resource, "fields": fields, "purpose": "test purpose", "legal_basis": "test basis",
            "duration_days": days, "unmask_fields": unmask or [],
            "unmask_purpose": "verify identity" if unmask else None}  # fmt: skip
    r = client.post("/api/v1/applications", json=body, headers=actors.headers(applicant))
    assert r.status_code == 201, r.text
    app = r.json()
    if app["status"] == "pending_provider":
        r = client.post(f"/api/v1/applications/{app['application_id']}/decisions",
                        json={"decision": "approve", "reason": "provider agrees"}, headers=actors.headers("police"))  # fmt: skip
        assert r.status_code == 200, r.text
    r = client.post(f"/api/v1/applications/{app['application_id']}/decisions",
                    json={"decision": "approve", "reason": "bureau agrees"}, headers=actors.headers("admin"))  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    return r.json()["grant_id"]
