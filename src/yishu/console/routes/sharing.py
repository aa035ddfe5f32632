"""共享: applications and approvals, the viewer's grants, API tokens. Every rule is the share
service's (``yishu.share.applications``, ``yishu.share.auth``); its refusals are shown as they are."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse

from yishu.console import share
from yishu.console.errors import NotFound
from yishu.console.labels import Labels
from yishu.console.messages import Translator
from yishu.console.state import Console, console
from yishu.console.web import DATA_ROLES, Viewer, language, render, url
from yishu.share import applications, auth
from yishu.share.errors import ShareError


def _data_roles(
    request: Request, viewer: Viewer = Depends(share.viewer), c: Console = Depends(console)
) -> None:
    share.require_role(request, c, viewer, DATA_ROLES, request.url.path)


router = APIRouter(dependencies=[Depends(_data_roles)])


def _error(t: Translator, exc: ShareError) -> str:
    return t("sharing.refused", message=str(exc.args[0] if exc.args else exc), rule=exc.rule)


@router.get("/sharing")
def sharing(request: Request, done: str = "", viewer: Viewer = Depends(share.viewer), c: Console = Depends(console),
            token: str = ""):  # fmt: skip
    t = Translator(language(request))
    user = request.state.yishu_user
    catalogue = c.catalogue()
    apps = [
        share.describe(c, a, catalogue) for a in applications.list_applications(c.engine, catalogue, user)
    ]
    mine = [a for a in apps if a["applicant_id"] == user.user_id]
    to_decide = [a for a in apps if share.can_decide(user, a, catalogue)]
    others = [a for a in apps if a not in mine and a not in to_decide]
    grants = applications.grants_of(c.engine, user)
    tokens = auth.list_tokens(c.engine, user.user_id)
    response = render(
        request, "sharing.html", viewer, mine=mine, to_decide=to_decide, others=others, grants=grants,
        tokens=tokens, done=done, new_token=request.cookies.get("yishu_new_token") if token else None,
        resources=catalogue.resources, labels=Labels(catalogue, t), user=user,
        can_apply=user.role in applications.APPLICANT_ROLES, scopes=auth.SCOPES,
    )  # fmt: skip
    if token:
        response.delete_cookie("yishu_new_token", path=url("/sharing"))
    return response


@router.get("/sharing/apply")
def apply_page(request: Request, resource: str = "", viewer: Viewer = Depends(share.viewer),
               c: Console = Depends(console)):  # fmt: skip
    t = Translator(language(request))
    catalogue = c.catalogue()
    r = catalogue.resources.get(resource)
    if r is None:
        raise NotFound(t("error.no_resource", code=resource))
    return render(request, "apply.html", viewer, r=r, error="", form={}, labels=Labels(catalogue, t),
                  elements=catalogue.elements)  # fmt: skip


@router.post("/sharing/apply")
async def apply(request: Request, viewer: Viewer = Depends(share.viewer), c: Console = Depends(console)):
    t = Translator(language(request))
    form = await request.form()
    catalogue = c.catalogue()
    r = catalogue.resources.get(str(form.get("resource", "")))
    if r is None:
        raise NotFound(t("error.no_resource", code=form.get("resource", "")))
    try:
        days = int(str(form.get("duration_days") or "0"))
    except ValueError:
        days = 0
    try:
        app = applications.apply(
            c.engine, catalogue, request.state.yishu_user, r.code, list(form.getlist("fields")),
            str(form.get("purpose", "")), str(form.get("legal_basis", "")), days,
            list(form.getlist("unmask_fields")), str(form.get("unmask_purpose", "")) or None,
        )  # fmt: skip
    except ShareError as exc:
        return render(request, "apply.html", viewer, status_code=exc.status, r=r, error=_error(t, exc), form=form,
                      labels=Labels(catalogue, t), elements=catalogue.elements)  # fmt: skip
    share.record(request, c, viewer, "POST", request.url.path, 200,
                 {"resource": r.code, "application_id": app["application_id"]})  # fmt: skip
    return RedirectResponse(
        url(f"/sharing/applications/{app['application_id']}?done=applied"), status_code=303
    )


@router.get("/sharing/applications/{application_id}")
def application_page(request: Request, application_id: int, done: str = "", viewer: Viewer = Depends(share.viewer),
                     c: Console = Depends(console)):  # fmt: skip
    t = Translator(language(request))
    catalogue = c.catalogue()
    user = request.state.yishu_user
    try:
        app = applications.read_application(c.engine, catalogue, user, application_id)
    except ShareError:
        raise NotFound(t("error.no_application", id=application_id)) from None
    return render(request, "application.html", viewer, a=share.describe(c, app, catalogue), done=done, error="",
                  can_decide=share.can_decide(user, app, catalogue), r=catalogue.resources.get(app["resource_code"]),
                  labels=Labels(catalogue, t), user=user)  # fmt: skip


@router.post("/sharing/applications/{application_id}")
def decide(request: Request, application_id: int, verdict: str = Form(""), reason: str = Form(""),
           viewer: Viewer = Depends(share.viewer), c: Console = Depends(console)):  # fmt: skip
    t = Translator(language(request))
    catalogue = c.catalogue()
    user = request.state.yishu_user
    try:
        if verdict == "withdraw":
            applications.withdraw(c.engine, user, application_id, reason)
        else:
            applications.decide(c.engine, catalogue, user, application_id, verdict, reason)
    except ShareError as exc:
        share.record(request, c, viewer, "POST", request.url.path, exc.status, {"verdict": verdict})
        try:
            app = applications.read_application(c.engine, catalogue, user, application_id)
        except ShareError:
            raise NotFound(t("error.no_application", id=application_id)) from None
        return render(request, "application.html", viewer, status_code=exc.status, a=share.describe(c, app, catalogue),
                      done="", error=_error(t, exc), can_decide=share.can_decide(user, app, catalogue),
                      r=catalogue.resources.get(app["resource_code"]), labels=Labels(catalogue, t), user=user)  # fmt: skip
    share.record(request, c, viewer, "POST", request.url.path, 200, {"verdict": verdict, "reason": reason})
    return RedirectResponse(url(f"/sharing/applications/{application_id}?done={verdict}"), status_code=303)


@router.post("/sharing/grants/{grant_id}/revoke")
def revoke_grant(request: Request, grant_id: int, reason: str = Form(""), viewer: Viewer = Depends(share.viewer),
                 c: Console = Depends(console)):  # fmt: skip
    t = Translator(language(request))
    try:
        applications.revoke(c.engine, c.catalogue(), request.state.yishu_user, grant_id, reason)
    except ShareError as exc:
        raise share.Forbidden(_error(t, exc)) from None
    share.record(request, c, viewer, "POST", request.url.path, 200, {"reason": reason})
    return RedirectResponse(url("/sharing?done=revoked"), status_code=303)


@router.post("/sharing/tokens")
def create_token(request: Request, name: str = Form(""), days: int = Form(30), scopes: list[str] = Form([]),
                 viewer: Viewer = Depends(share.viewer), c: Console = Depends(console)):  # fmt: skip
    t = Translator(language(request))
    try:
        token = auth.create_token(c.engine, request.state.yishu_user.user_id, name.strip(), scopes, days,
                                  c.ws.settings.get("token_max_days", 90))  # fmt: skip
    except ShareError as exc:
        raise share.Forbidden(_error(t, exc)) from None
    share.record(
        request, c, viewer, "POST", request.url.path, 200, {"token_id": token["token_id"], "name": name}
    )
    # The secret is shown once: carried to the next page in a short-lived, HTTP-only cookie.
    response = RedirectResponse(url("/sharing?token=1#tokens"), status_code=303)
    response.set_cookie("yishu_new_token", token["token"], max_age=60, httponly=True, samesite="strict",
                        path=url("/sharing"))  # fmt: skip
    return response


@router.post("/sharing/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, viewer: Viewer = Depends(share.viewer),
                 c: Console = Depends(console)):  # fmt: skip
    t = Translator(language(request))
    try:
        auth.revoke_token(c.engine, request.state.yishu_user.user_id, token_id)
    except ShareError as exc:
        raise share.Forbidden(_error(t, exc)) from None
    share.record(request, c, viewer, "POST", request.url.path, 200, {"token_id": token_id})
    return RedirectResponse(url("/sharing?done=token_revoked#tokens"), status_code=303)
