"""Applications (共享申请), approvals (审批) and grants (授权).

A consumer applies for columns of a catalogue resource with purpose, legal basis and duration
(and, optionally, fields whose masking should be lifted and why). A conditionally shared
(有条件) resource waits for an officer of its providing department, then for the bureau; an
unconditionally shared (无条件) one goes straight to the bureau; a refused (不予共享) one cannot be
applied for. Every decision is recorded with its reason. The bureau's approval creates the grant:
the approved columns (with the catalogue's attribute, grade and masking as approved), the
applicant's jurisdiction, the purpose and the expiry. A grant can be revoked at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from yishu.catalogue.model import Catalogue, Resource
from yishu.share.errors import ShareError
from yishu.share.masking import needs_mask
from yishu.share.tables import Prepared, application, aware, decision, grant, when
from yishu.share.users import User

APPLICANT_ROLES = ("consumer", "township_staff", "grid_worker", "provider_officer")
BUREAU_ROLES = ("bureau_admin", "bureau_operator")
MAX_DAYS = 365
STATUSES = ("pending_provider", "pending_bureau", "approved", "rejected", "withdrawn")


def _now() -> datetime:
    return datetime.now(UTC)


def _resource(catalogue: Catalogue, code: str) -> Resource:
    try:
        return catalogue.resources[code]
    except KeyError:
        raise ShareError("application.unknown_resource", f"the catalogue has no resource {code!r}",
                         "application.resource_exists", 404) from None  # fmt: skip


def _row_dict(row) -> dict:
    d = dict(row._mapping)
    for key in ("fields", "unmask_fields"):
        if key in d:
            d[key] = json.loads(d[key])
    for key in ("created_at", "updated_at"):
        if d.get(key) is not None:
            d[key] = aware(d[key]).isoformat()
    return d


def apply(engine: sa.Engine, catalogue: Catalogue, user: User, resource_code: str, fields: list[str],
          purpose: str, legal_basis: str, duration_days: int, unmask_fields: list[str] | None = None,
          unmask_purpose: str | None = None) -> dict:  # fmt: skip
    if user.role not in APPLICANT_ROLES:
        raise ShareError("role.forbidden", f"role {user.role} cannot apply for data (applicants: "
                         f"{', '.join(APPLICANT_ROLES)})", "role.required")  # fmt: skip
    resource = _resource(catalogue, resource_code)
    if resource.share_type == "refused":
        raise ShareError("application.not_shareable", f"resource {resource_code} is not shared (不予共享): "
                         f"{resource.share_basis or ''}".strip(), "application.shareable")  # fmt: skip
    columns = [f.column for f in resource.fields]
    fields = list(dict.fromkeys(fields or []))
    unknown = [f for f in fields if f not in columns]
    if not fields or unknown:
        raise ShareError("application.unknown_field", f"fields must be columns of resource {resource_code}; "
                         f"not columns: {unknown}" if unknown else "an application names at least one field",
                         "application.fields", 422)  # fmt: skip
    unmask = list(dict.fromkeys(unmask_fields or []))
    if any(f not in fields for f in unmask):
        raise ShareError("application.invalid", "unmask_fields must be among the fields applied for",
                         "application.fields", 422)  # fmt: skip
    if unmask and not (unmask_purpose or "").strip():
        raise ShareError("application.invalid", "lifting masking needs a stated unmask_purpose",
                         "application.valid", 422)  # fmt: skip
    if not (purpose or "").strip() or not (legal_basis or "").strip():
        raise ShareError("application.invalid", "an application states its purpose and legal basis",
                         "application.valid", 422)  # fmt: skip
    if not 1 <= int(duration_days) <= MAX_DAYS:
        raise ShareError(
            "application.invalid", f"duration_days must be 1 to {MAX_DAYS}", "application.valid", 422
        )
    status = "pending_provider" if resource.share_type == "conditional" else "pending_bureau"
    now = _now()
    with engine.begin() as conn:
        result = conn.execute(sa.insert(application).values(
            applicant_id=user.user_id, resource_code=resource_code, fields=json.dumps(fields, ensure_ascii=False),
            purpose=purpose.strip(), legal_basis=legal_basis.strip(), duration_days=int(duration_days),
            unmask_fields=json.dumps(unmask, ensure_ascii=False), unmask_purpose=(unmask_purpose or None),
            status=status, created_at=now, updated_at=now))  # fmt: skip
        return get_application(conn, result.inserted_primary_key[0])


def get_application(conn: sa.Connection, application_id: int) -> dict | None:
    row = conn.execute(sa.select(application).where(application.c.application_id == application_id)).first()
    if row is None:
        return None
    out = _row_dict(row)
    out["decisions"] = [
        {"stage": d.stage, "decision": d.decision, "reason": d.reason, "decided_by": d.decided_by,
         "decided_at": aware(d.decided_at).isoformat()}
        for d in conn.execute(sa.select(decision).where(decision.c.application_id == application_id)
                              .order_by(decision.c.decision_id))
    ]  # fmt: skip
    g = conn.execute(sa.select(grant.c.grant_id).where(grant.c.application_id == application_id)).first()
    out["grant_id"] = g.grant_id if g else None
    return out


def _visible(user: User, app: dict, catalogue: Catalogue) -> bool:
    if user.role in BUREAU_ROLES or app["applicant_id"] == user.user_id:
        return True
    if user.role == "provider_officer":
        res = catalogue.resources.get(app["resource_code"])
        return res is not None and res.provider == user.org_name
    return False


def read_application(engine: sa.Engine, catalogue: Catalogue, user: User, application_id: int) -> dict:
    with engine.connect() as conn:
        app = get_application(conn, application_id)
    if app is None or not _visible(user, app, catalogue):
        raise ShareError("application.not_found", f"no application {application_id} that you may see",
                         "application.stage", 404)  # fmt: skip
    return app


def list_applications(
    engine: sa.Engine, catalogue: Catalogue, user: User, status: str | None = None
) -> list[dict]:
    query = sa.select(application.c.application_id).order_by(application.c.application_id)
    if status:
        query = query.where(application.c.status == status)
    if user.role not in BUREAU_ROLES and user.role != "provider_officer":
        query = query.where(application.c.applicant_id == user.user_id)
    with engine.connect() as conn:
        apps = [get_application(conn, r.application_id) for r in conn.execute(query)]
    return [a for a in apps if _visible(user, a, catalogue)]


def decide(engine: sa.Engine, catalogue: Catalogue, user: User, application_id: int, verdict: str, reason: str,
           lift_masking: bool = True) -> dict:  # fmt: skip
    """Approve or reject at the stage the application waits for; the bureau's approval grants."""
    if verdict not in ("approve", "reject"):
        raise ShareError("decision.invalid", "decision is approve or reject", "application.stage", 422)
    if not (reason or "").strip():
        raise ShareError("decision.no_reason", "every decision states its reason", "application.reason", 422)
    now = _now()
    with engine.begin() as conn:
        app = get_application(conn, application_id)
        if app is None or not _visible(user, app, catalogue):
            raise ShareError("application.not_found", f"no application {application_id} that you may see",
                             "application.stage", 404)  # fmt: skip
        resource = _resource(catalogue, app["resource_code"])
        if app["status"] == "pending_provider":
            stage = "provider"
            if user.role != "provider_officer" or user.org_name != resource.provider:
                raise ShareError("decision.not_provider", f"application {application_id} waits for an officer of "
                                 f"{resource.provider}", "application.provider")  # fmt: skip
        elif app["status"] == "pending_bureau":
            stage = "bureau"
            if user.role not in BUREAU_ROLES:
                raise ShareError("decision.not_bureau", f"application {application_id} waits for the bureau",
                                 "application.stage")  # fmt: skip
        else:
            raise ShareError("decision.closed", f"application {application_id} is {app['status']}",
                             "application.stage", 409)  # fmt: skip
        # Only move from the state just read: a concurrent decision makes this update miss.
        new = "rejected" if verdict == "reject" else "pending_bureau" if stage == "provider" else "approved"
        moved = conn.execute(sa.update(application).where(application.c.application_id == application_id,
                                                          application.c.status == app["status"])
                             .values(status=new, updated_at=now))  # fmt: skip
        if moved.rowcount != 1:
            raise ShareError("decision.closed", f"application {application_id} was decided meanwhile",
                             "application.stage", 409)  # fmt: skip
        conn.execute(sa.insert(decision).values(application_id=application_id, stage=stage, decision=verdict,
                                                reason=reason.strip(), decided_by=user.user_id, decided_at=now))  # fmt: skip
        if new == "approved":
            _create_grant(conn, app, resource, now, lift_masking)
        return get_application(conn, application_id)


def _create_grant(
    conn: sa.Connection, app: dict, resource: Resource, now: datetime, lift_masking: bool
) -> None:
    from yishu.share.users import get_user

    applicant = get_user(conn, app["applicant_id"])
    by_column = {f.column: f for f in resource.fields}
    unmask = set(app["unmask_fields"]) if lift_masking else set()
    fields = [{"column": c, "attribute": by_column[c].attribute, "grade": by_column[c].grade,
               "masking": by_column[c].masking if needs_mask(by_column[c].masking, by_column[c].grade) else "none",
               "unmasked": c in unmask}
              for c in app["fields"]]  # fmt: skip
    purpose = app["purpose"] + (f"; unmasked: {app['unmask_purpose']}" if unmask else "")
    conn.execute(sa.insert(grant).values(
        application_id=app["application_id"], grantee_id=applicant.user_id, resource_code=resource.code,
        entity_type=resource.entity_type, fields=json.dumps(fields, ensure_ascii=False),
        unmasked_fields=json.dumps(sorted(unmask), ensure_ascii=False), purpose=purpose,
        jurisdiction=applicant.jurisdiction, granted_at=now, expires_at=now + timedelta(days=app["duration_days"])))  # fmt: skip


def withdraw(engine: sa.Engine, user: User, application_id: int, reason: str) -> None:
    if not (reason or "").strip():
        raise ShareError("decision.no_reason", "a withdrawal states its reason", "application.reason", 422)
    now = _now()
    with engine.begin() as conn:
        moved = conn.execute(sa.update(application)
                             .where(application.c.application_id == application_id,
                                    application.c.applicant_id == user.user_id,
                                    application.c.status.in_(("pending_provider", "pending_bureau")))
                             .values(status="withdrawn", updated_at=now))  # fmt: skip
        if moved.rowcount != 1:
            raise ShareError("application.not_found", f"you have no pending application {application_id}",
                             "application.stage", 404)  # fmt: skip
        conn.execute(sa.insert(decision).values(application_id=application_id, stage="applicant",
                                                decision="withdraw", reason=reason.strip(), decided_by=user.user_id,
                                                decided_at=now))  # fmt: skip


@dataclass(frozen=True)
class Grant:
    grant_id: int
    application_id: int
    grantee_id: int
    resource_code: str
    entity_type: str
    fields: tuple[dict, ...]
    purpose: str
    jurisdiction: str
    granted_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None

    @property
    def active(self) -> bool:
        now = _now()
        return self.revoked_at is None and self.granted_at <= now < self.expires_at

    def as_dict(self) -> dict:
        return {"grant_id": self.grant_id, "application_id": self.application_id, "grantee_id": self.grantee_id,
                "resource_code": self.resource_code, "entity_type": self.entity_type, "fields": list(self.fields),
                "purpose": self.purpose, "jurisdiction": self.jurisdiction,
                "granted_at": self.granted_at.isoformat(), "expires_at": self.expires_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
                "revoke_reason": self.revoke_reason, "active": self.active}  # fmt: skip


def _grant(row) -> Grant:
    return Grant(row.grant_id, row.application_id, row.grantee_id, row.resource_code, row.entity_type,
                 tuple(json.loads(row.fields)), row.purpose, row.jurisdiction, when(row.granted_at),
                 when(row.expires_at), when(row.revoked_at), row.revoke_reason)  # fmt: skip


_GRANT = Prepared(sa.select(grant).where(grant.c.grant_id == sa.bindparam("grant_id")))


def grants_of(engine: sa.Engine, user: User) -> list[Grant]:
    query = sa.select(grant).order_by(grant.c.grant_id)
    if user.role not in BUREAU_ROLES:
        query = query.where(grant.c.grantee_id == user.user_id)
    with engine.connect() as conn:
        return [_grant(r) for r in conn.execute(query)]


def usable_grant(conn: sa.Connection, user: User, grant_id: int) -> Grant:
    """The grant if ``user`` holds it and it is active now; read fresh on every request, so a
    revocation or expiry is effective at once."""
    row = _GRANT.execute(conn, grant_id=grant_id).first()
    if row is None or row.grantee_id != user.user_id:
        raise ShareError("grant.not_found", f"you hold no grant {grant_id}", "grant.owner", 404)
    g = _grant(row)
    if g.revoked_at is not None:
        raise ShareError("grant.revoked", f"grant {grant_id} was revoked", "grant.active")
    if not g.active:
        raise ShareError("grant.expired", f"grant {grant_id} is not in force (expired)", "grant.active")
    return g


def revoke(engine: sa.Engine, catalogue: Catalogue, user: User, grant_id: int, reason: str) -> Grant:
    if not (reason or "").strip():
        raise ShareError("decision.no_reason", "a revocation states its reason", "application.reason", 422)
    now = _now()
    with engine.begin() as conn:
        row = conn.execute(sa.select(grant).where(grant.c.grant_id == grant_id)).first()
        if row is None:
            raise ShareError("grant.not_found", f"no grant {grant_id}", "grant.owner", 404)
        resource = catalogue.resources.get(row.resource_code)
        provider = resource.provider if resource else None
        if user.role not in BUREAU_ROLES and not (
            user.role == "provider_officer" and user.org_name == provider
        ):
            raise ShareError("role.forbidden", "grants are revoked by the bureau or the providing department",
                             "role.required")  # fmt: skip
        if row.revoked_at is not None:
            raise ShareError("grant.revoked", f"grant {grant_id} is already revoked", "grant.active", 409)
        conn.execute(sa.update(grant).where(grant.c.grant_id == grant_id)
                     .values(revoked_at=now, revoked_by=user.user_id, revoke_reason=reason.strip()))  # fmt: skip
        conn.execute(sa.insert(decision).values(application_id=row.application_id, stage="bureau"
                                                if user.role in BUREAU_ROLES else "provider", decision="revoke",
                                                reason=reason.strip(), decided_by=user.user_id, decided_at=now))  # fmt: skip
        return _grant(conn.execute(sa.select(grant).where(grant.c.grant_id == grant_id)).first())
