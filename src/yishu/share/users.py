"""People and organisations: org units (the bureau, departments, townships, communities) and users
with a role, each bound to a jurisdiction code.

Passwords are hashed with Argon2id (argon2-cffi, OWASP parameters: 19 MiB, 2 passes, 1 lane).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from yishu.share.errors import ShareError
from yishu.share.tables import app_user, org_unit

ROLES = ("bureau_admin", "bureau_operator", "provider_officer", "consumer", "township_staff", "grid_worker",
         "auditor")  # fmt: skip
ORG_KINDS = ("bureau", "department", "township", "community")
KIND_FOR_ROLE = {"bureau_admin": "bureau", "bureau_operator": "bureau", "auditor": "bureau",
                 "provider_officer": "department", "consumer": "department", "township_staff": "township",
                 "grid_worker": "community"}  # fmt: skip
JURISDICTION_LENGTHS = (4, 6, 9, 12, 15)  # city < district < township < community < grid
_NAME = re.compile(r"[\w.\-@\u4e00-\u9fff]{1,100}")

hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = hasher.hash("yishu: compared against when the user does not exist")


def check_jurisdiction(code: str) -> str:
    code = (code or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) in JURISDICTION_LENGTHS):
        raise ShareError("jurisdiction.invalid", f"jurisdiction {code!r} is not a code of 4, 6, 9, 12 or 15 digits",
                         "jurisdiction.format", 422)  # fmt: skip
    return code


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ShareError("user.weak_password", "a password needs at least 8 characters", "user.valid", 422)
    return hasher.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    try:
        return hasher.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class User:
    user_id: int
    name: str
    role: str
    org_id: int
    org_name: str
    org_kind: str
    jurisdiction: str
    disabled: bool = False

    def as_dict(self) -> dict:
        return {"user_id": self.user_id, "name": self.name, "role": self.role, "org_id": self.org_id,
                "org": self.org_name, "org_kind": self.org_kind, "jurisdiction": self.jurisdiction,
                "disabled": self.disabled}  # fmt: skip


_USER_COLUMNS = (app_user.c.user_id, app_user.c.name, app_user.c.role, app_user.c.org_id,
                 org_unit.c.name.label("org_name"), org_unit.c.kind.label("org_kind"), app_user.c.jurisdiction,
                 app_user.c.disabled)  # fmt: skip


def _user(row) -> User:
    return User(row.user_id, row.name, row.role, row.org_id, row.org_name, row.org_kind, row.jurisdiction,
                bool(row.disabled))  # fmt: skip


def user_query():
    return sa.select(*_USER_COLUMNS).join(org_unit, org_unit.c.org_id == app_user.c.org_id)


def get_user(conn: sa.Connection, user_id: int) -> User | None:
    row = conn.execute(user_query().where(app_user.c.user_id == user_id)).first()
    return _user(row) if row else None


def find_user(engine: sa.Engine, name: str) -> User | None:
    with engine.connect() as conn:
        row = conn.execute(user_query().where(app_user.c.name == name)).first()
    return _user(row) if row else None


def ensure_org(conn: sa.Connection, name: str, kind: str, jurisdiction: str | None = None) -> int:
    """The org unit called ``name``, created with ``kind`` if it does not exist."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ShareError("org.invalid", "an org unit needs a name of 1 to 200 characters", "org.unknown", 422)
    found = conn.execute(sa.select(org_unit.c.org_id).where(org_unit.c.name == name)).first()
    if found:
        return found.org_id
    if kind not in ORG_KINDS:
        raise ShareError(
            "org.invalid", f"org kind {kind!r} is not one of {', '.join(ORG_KINDS)}", "org.unknown", 422
        )
    if jurisdiction is not None:
        check_jurisdiction(jurisdiction)
    result = conn.execute(sa.insert(org_unit).values(name=name, kind=kind, jurisdiction=jurisdiction,
                                                     created_at=datetime.now(UTC)))  # fmt: skip
    return result.inserted_primary_key[0]


def list_orgs(engine: sa.Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(org_unit).order_by(org_unit.c.org_id)).mappings().all()
    return [{"org_id": r["org_id"], "name": r["name"], "kind": r["kind"], "jurisdiction": r["jurisdiction"]}
            for r in rows]  # fmt: skip


def add_user(engine: sa.Engine, name: str, role: str, org: str, password: str, jurisdiction: str | None = None,
             *, city: str = "420200", org_kind: str | None = None) -> User:  # fmt: skip
    """Create a user in org unit ``org`` (created if new). The jurisdiction defaults to the org
    unit's, else the city (its first four digits)."""
    if not _NAME.fullmatch(name or ""):
        raise ShareError(
            "user.invalid", "a user name has 1 to 100 letters, digits or . - _ @", "user.valid", 422
        )
    if role not in ROLES:
        raise ShareError("user.invalid", f"role {role!r} is not one of {', '.join(ROLES)}", "user.valid", 422)
    password_hash = hash_password(password)
    with engine.begin() as conn:
        if conn.execute(sa.select(app_user.c.user_id).where(app_user.c.name == name)).first():
            raise ShareError("user.exists", f"a user called {name!r} already exists", "user.valid", 409)
        org_id = ensure_org(conn, org, org_kind or KIND_FOR_ROLE[role])
        if jurisdiction is None:
            org_j = conn.execute(
                sa.select(org_unit.c.jurisdiction).where(org_unit.c.org_id == org_id)
            ).scalar()
            jurisdiction = org_j or city[:4]
        jurisdiction = check_jurisdiction(jurisdiction)
        result = conn.execute(
            sa.insert(app_user).values(name=name, role=role, org_id=org_id, jurisdiction=jurisdiction,
                                       password_hash=password_hash, failed_logins=0, disabled=False,
                                       created_at=datetime.now(UTC))
        )  # fmt: skip
        return get_user(conn, result.inserted_primary_key[0])


def set_password(engine: sa.Engine, name: str, password: str) -> None:
    password_hash = hash_password(password)
    with engine.begin() as conn:
        done = conn.execute(sa.update(app_user).where(app_user.c.name == name)
                            .values(password_hash=password_hash, failed_logins=0, locked_until=None))  # fmt: skip
        if done.rowcount != 1:
            raise ShareError("user.not_found", f"no user called {name!r}", "user.valid", 404)


def list_users(engine: sa.Engine) -> list[User]:
    with engine.connect() as conn:
        return [_user(r) for r in conn.execute(user_query().order_by(app_user.c.user_id))]


def _demo_places(ws) -> tuple[str, str]:
    """A township and a grid with people in them: from the current release if there is one,
    else from the division table (the city's first township; no grid)."""
    from yishu.pipeline.release import current_release

    city = ws.settings["city"]
    release = current_release(ws)
    if release is not None and "person" in release.tables:
        con = release.connect()
        try:
            row = con.execute(
                "SELECT town_code, grid_code FROM person WHERE grid_code IS NOT NULL AND town_code IS NOT NULL "
                "GROUP BY ALL ORDER BY count(*) DESC, grid_code LIMIT 1"
            ).fetchone()
        finally:
            con.close()
        if row:
            return row[0], row[1]
    from yishu.standards import divisions

    towns = [d.code for d in divisions.subtree(city) if len(d.code.rstrip("0")) > 6]
    town = towns[0][:9] if towns else city[:6]
    return town, town


def create_demo_users(ws) -> list[dict]:
    """One demo user per role with a generated password; returns name, role, password, jurisdiction.

    Running it again gives the same users new passwords. The provider officer works for the
    department authoritative for citizen IDs (公安 in the built-in catalogue) if its resource is
    conditionally shared, else for the provider of the first such resource, so it can approve
    applications for it."""
    from yishu import controlplane
    from yishu.catalogue import store

    city = ws.settings["city"]
    town, grid = _demo_places(ws)
    engine = ws.engine()
    try:
        controlplane.upgrade(engine)  # a workspace made before the share service gets its tables
        provider = "公安局"
        try:
            catalogue = store.read(engine)
            conditional = [r for r in catalogue.resources.values() if r.share_type == "conditional"]
            authoritative = catalogue.authority.get("person.citizen_id", ())
            for r in conditional:  # the department authoritative for citizen IDs, else the first
                if authoritative and r.source == authoritative[0]:
                    conditional.insert(0, r)
                    break
            if conditional:
                provider = conditional[0].provider
        except sa.exc.SQLAlchemyError:
            pass
        plan = [
            ("demo_admin", "bureau_admin", "数据局", city[:4]),
            ("demo_operator", "bureau_operator", "数据局", city[:4]),
            ("demo_provider", "provider_officer", provider, city[:4]),
            ("demo_consumer", "consumer", "民政局", city[:4]),
            ("demo_township", "township_staff", f"街道办事处 {town}", town),
            ("demo_grid", "grid_worker", f"社区 {grid[:12]}", grid),
            ("demo_auditor", "auditor", "数据局", city[:4]),
        ]
        out = []
        for name, role, org, jurisdiction in plan:
            password = secrets.token_urlsafe(12)
            if find_user(engine, name) is None:
                add_user(engine, name, role, org, password, jurisdiction, city=city)
            else:
                set_password(engine, name, password)
            out.append({"name": name, "role": role, "password": password, "jurisdiction": jurisdiction})
        return out
    finally:
        engine.dispose()
