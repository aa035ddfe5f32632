"""登录 / 退出: the console's session cookie is the share service's console session."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse

from yishu.console import share
from yishu.console.messages import Translator
from yishu.console.state import Console, console
from yishu.console.web import PREFIX, language, render, url
from yishu.share.errors import ShareError

router = APIRouter()


def _safe_next(target: str) -> str:
    """Only a path inside the console (no scheme, no //host) may follow a login."""
    return target if target.startswith(PREFIX + "/") and not target.startswith("//") else url("/")


@router.get("/login")
def login_page(request: Request, next: str = ""):
    return render(request, "login.html", None, next=_safe_next(next), error="", username="")


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""), next: str = Form(""),
          c: Console = Depends(console)):  # fmt: skip
    t = Translator(language(request))
    try:
        session = share.login(c, username.strip(), password)
    except ShareError as exc:
        message = t("auth.locked") if exc.status == 423 else t("auth.failed")
        return render(request, "login.html", None, status_code=exc.status, next=_safe_next(next), error=message,
                      username=username)  # fmt: skip
    response = RedirectResponse(_safe_next(next), status_code=303)
    hours = c.ws.settings.get("session_hours", 8)
    response.set_cookie(share.SESSION_COOKIE, session, max_age=hours * 3600, httponly=True, samesite="strict",
                        path="/", secure=bool(c.ws.settings.get("cookie_secure", False)))  # fmt: skip
    return response


@router.post("/logout")
def logout(request: Request, c: Console = Depends(console)):
    share.logout(request, c)
    response = RedirectResponse(url("/login"), status_code=303)
    response.delete_cookie(share.SESSION_COOKIE, path="/")
    return response
