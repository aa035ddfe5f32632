"""The console's one door to the share service (``yishu.share``, ``yishu.audit``): who is logged
in, denials with their audit record, masking by grant, applications, grants and tokens.

Nothing here decides access or masks a value itself: it asks the share service and turns the
answer into what a page needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.requests import Request

from yishu.audit import AuditEntry
from yishu.console.errors import Forbidden, LoginRequired
from yishu.console.state import Console
from yishu.console.web import Viewer
from yishu.share import auth
from yishu.share.errors import ShareError
from yishu.share.users import User

SESSION_COOKIE = "yishu_session"  # the share service's session cookie (yishu.server.security.COOKIE)


def _viewer(user: User) -> Viewer:
    return Viewer(username=user.name, display_name=f"{user.name}（{user.org_name}）", roles=(user.role,),
                  jurisdiction=user.jurisdiction)  # fmt: skip


def user_of(request: Request) -> User | None:
    value = request.cookies.get(SESSION_COOKIE)
    if not value:
        return None
    c: Console = request.app.state.yishu_console
    try:
        with c.engine.connect() as conn:
            return auth.session_user(conn, value)
    except ShareError:
        return None


def viewer(request: Request) -> Viewer:
    """FastAPI dependency: the logged-in viewer, else the login page."""
    user = user_of(request)
    if user is None:
        raise LoginRequired()
    request.state.yishu_user = user
    return _viewer(user)


def login(c: Console, name: str, password: str) -> str:
    """A new session cookie value for name and password; ShareError when they do not match."""
    s = c.ws.settings
    user = auth.login(c.engine, name, password, max_failures=s.get("login_max_failures", 5),
                      lockout_minutes=s.get("login_lockout_minutes", 15))  # fmt: skip
    return auth.create_session(c.engine, user.user_id, hours=s.get("session_hours", 8))


def logout(request: Request, c: Console) -> None:
    value = request.cookies.get(SESSION_COOKIE)
    if value:
        auth.end_session(c.engine, value)


# --- audit ---------------------------------------------------------------------------------------


def record(request: Request, c: Console, viewer: Viewer | None, method: str, endpoint: str, status: int,
           query: dict | None = None, entity_ids: list[str] | None = None, rows: int | None = None,
           grant_id: int | None = None, release_id: int | None = None) -> int:  # fmt: skip
    user: User | None = getattr(request.state, "yishu_user", None)
    entry = AuditEntry(
        method=method, endpoint=endpoint, status=status, actor_id=user.user_id if user else None,
        actor_name=viewer.username if viewer else None, query=query or {}, entity_ids=entity_ids, rows=rows,
        grant_id=grant_id, release_id=release_id, client=request.client.host if request.client else None,
    )  # fmt: skip
    return c.append_audit(entry)


def deny(request: Request, c: Console, viewer: Viewer, what: str, message: str,
         entity_ids: list[str] | None = None) -> None:  # fmt: skip
    """Record the refused attempt in the audit log, then answer 403."""
    record(request, c, viewer, request.method, request.url.path, 403,
           {"denied": what, **dict(request.query_params)}, entity_ids=entity_ids)  # fmt: skip
    raise Forbidden(message)


def require_role(request: Request, c: Console, viewer: Viewer, roles: tuple[str, ...], what: str) -> None:
    if not viewer.has(*roles):
        from yishu.console.messages import Translator
        from yishu.console.web import language

        deny(request, c, viewer, what, Translator(language(request))("error.role"))


# --- masking and grants --------------------------------------------------------------------------


@dataclass
class EntityView:
    row: dict
    provenance: list[dict]
    masked: set[str] = field(default_factory=set)  # attributes shown masked
    hidden: set[str] = field(default_factory=set)  # attributes no grant of the viewer's shows
    grant_ids: list[int] = field(default_factory=list)


def _user(request: Request) -> User:
    return request.state.yishu_user


def _views(c: Console, user: User, entity_type: str):
    """The share service's view of the current release through each active grant of ``user`` on
    ``entity_type``: which columns, masked how, which rows."""
    from yishu.share import applications, data

    release_data = c.release_data()
    out = []
    for g in applications.grants_of(c.engine, user):
        if g.grantee_id != user.user_id or not g.active or g.entity_type != entity_type:
            continue
        try:
            out.append(data.view(release_data, user, g))
        except ShareError:
            continue  # e.g. the user's jurisdiction no longer nests with the grant's
    return release_data, out


def _merge(into: dict, masked: set[str], record: dict, columns: dict) -> None:
    """Several grants may show one attribute: the least masked value wins."""
    for name, col in columns.items():
        if name not in record:
            continue
        if name not in into or (name in masked and not col.masked):
            into[name] = record[name]
            if col.masked:
                masked.add(name)
            else:
                masked.discard(name)


def granted_columns(request: Request, c: Console, entity_type: str) -> set[str]:
    """Columns any active grant of the viewer shows (masked or not)."""
    _, views = _views(c, _user(request), entity_type)
    return {name for v in views for name in v.columns}


def searchable(request: Request, c: Console, entity_type: str) -> set[str]:
    """Columns the viewer's grants show unmasked: the only ones a search may look into (searching a
    masked column would reveal what masking hides, rule grant.masked_field)."""
    _, views = _views(c, _user(request), entity_type)
    return {name for v in views for name, col in v.columns.items() if not col.masked}


def mask_rows(request: Request, c: Console, viewer: Viewer, entity_type: str,
              rows: list[dict]) -> tuple[list[dict], set[str]]:  # fmt: skip
    """List rows as the viewer's grants show them: ids and placement as they are, every attribute
    through the share service (granted and masked, or left out). Also: the columns shown masked."""
    from yishu.pipeline.schema import ENTITY_KEY, JURISDICTION_COLUMNS
    from yishu.share import data

    if not rows:
        return rows, set()
    release_data, views = _views(c, _user(request), entity_type)
    ids = [r[ENTITY_KEY] for r in rows]
    shown: dict[str, dict] = {i: {} for i in ids}
    masked: dict[str, set[str]] = {i: set() for i in ids}
    for v in views:
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            result = data.list_records(release_data, v, [f"{ENTITY_KEY}:in:{'|'.join(chunk)}"], None, 100, 0)
            for rec in result["records"]:
                _merge(shown[rec[ENTITY_KEY]], masked[rec[ENTITY_KEY]], rec, v.columns)
    out = []
    for r in rows:
        kept = {k: r[k] for k in (ENTITY_KEY, *JURISDICTION_COLUMNS) if k in r}
        out.append({**{k: None for k in r}, **shown[r[ENTITY_KEY]], **kept})
    return out, set().union(*masked.values())


def attribute_columns(row: dict) -> list[str]:
    """A golden record's attribute columns: not the key, not placement, not the ``<address>_code``
    that the pipeline writes beside an address attribute."""
    from yishu.pipeline.schema import ENTITY_KEY, JURISDICTION_COLUMNS

    return [k for k in row if k != ENTITY_KEY and k not in JURISDICTION_COLUMNS
            and not (k.endswith("_code") and k[: -len("_code")] in row)]  # fmt: skip


def entity_view(request: Request, c: Console, viewer: Viewer, entity_type: str, row: dict,
                provenance: list[dict]) -> EntityView:  # fmt: skip
    """一人一档 / 一企一档 as the viewer's grants show it: ``yishu.share.data.profile`` through each
    grant. ``provenance`` (the release's rows for this entity) is used only for an attribute the
    profile returned no candidates for (a release naming provenance ``person.name`` where the share
    service looks up ``name``), and then masked by the share service's ``mask`` like the attribute."""
    from yishu.pipeline.schema import ENTITY_KEY, JURISDICTION_COLUMNS
    from yishu.share import data
    from yishu.share.masking import mask

    release_data, views = _views(c, _user(request), entity_type)
    shown: dict = {}
    masked: set[str] = set()
    prov: dict[str, list[dict]] = {}
    kinds: dict[str, str] = {}  # attribute -> masking kind of the grant column that shows it
    grant_ids = []
    for v in views:
        try:
            profile = data.profile(release_data, v, row[ENTITY_KEY])
        except ShareError:
            continue  # the entity lies outside this grant's rows
        grant_ids.append(v.grant.grant_id)
        before = dict(shown)
        _merge(shown, masked, profile["record"], v.columns)
        by_name = {f.get("attribute", "").partition(".")[2]: f.get("masking", "none") for f in v.grant.fields}
        for name in v.columns:
            if name not in before or shown.get(name) != before.get(name):
                kinds[name] = by_name.get(name, "none") if v.columns[name].masked else "none"
                prov[name] = [{**p, "attribute": name} for p in profile["provenance"].get(name, [])]
    for name in shown:
        if not prov.get(name):
            prov[name] = [
                {**p, "attribute": name,
                 "value": mask(kinds.get(name, "none"), None if p["value"] is None else str(p["value"]))}
                for p in provenance if p["attribute"] in (name, f"{entity_type}.{name}")
            ]  # fmt: skip
    attributes = attribute_columns(row)
    hidden = {a for a in attributes if a not in shown}
    kept = {k: row[k] for k in (ENTITY_KEY, *JURISDICTION_COLUMNS) if k in row}
    shown_row = {**{a: None for a in attributes}, **shown, **kept}
    return EntityView(shown_row, [p for ps in prov.values() for p in ps], masked, hidden, grant_ids)


def can_decide(user: User, app: dict, catalogue) -> bool:
    """Whether ``user`` is who the application waits for (the share service checks again on decide)."""
    from yishu.share.applications import BUREAU_ROLES

    if app["status"] == "pending_bureau":
        return user.role in BUREAU_ROLES
    if app["status"] == "pending_provider":
        resource = catalogue.resources.get(app["resource_code"])
        return user.role == "provider_officer" and resource is not None and resource.provider == user.org_name
    return False


def pending_approvals(request: Request, c: Console) -> list[dict]:
    """Applications waiting for the viewer's decision, with the resource's name and the applicant's."""
    from yishu.share import applications

    user = _user(request)
    catalogue = c.catalogue()
    pending = [a for a in applications.list_applications(c.engine, catalogue, user)
               if can_decide(user, a, catalogue)]  # fmt: skip
    return [describe(c, a, catalogue) for a in pending]


def describe(c: Console, app: dict, catalogue) -> dict:
    from yishu.share.users import get_user

    resource = catalogue.resources.get(app["resource_code"])
    with c.engine.connect() as conn:
        applicant = get_user(conn, app["applicant_id"])
    return {**app, "id": app["application_id"], "resource_name": resource.name if resource else app["resource_code"],
            "applicant": f"{applicant.name}（{applicant.org_name}）" if applicant else str(app["applicant_id"])}  # fmt: skip


def tasks_for(c: Console, entity_type: str, entity_id: str) -> list[dict]:
    from yishu.console import data

    return data.tasks_for_entity(c.engine, entity_type, entity_id)
