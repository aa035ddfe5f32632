"""Rendering: the Jinja2 environment, the language of a request, and page responses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from yishu.console import jurisdiction, messages

PREFIX = "/console"

env = jinja2.Environment(
    loader=jinja2.PackageLoader("yishu.console", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: the share service's user as the console needs it."""

    username: str
    display_name: str
    roles: tuple[str, ...]
    jurisdiction: str | None  # None or "" = city-wide

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


# Which roles see which part of the console (the share service enforces the data behind it).
TASK_ROLES = ("grid_worker", "township_staff", "bureau_admin", "bureau_operator")
APPROVER_ROLES = ("bureau_admin", "bureau_operator", "provider_officer")
AUDIT_ROLES = ("auditor", "bureau_admin")
# Auditors read the audit log and nothing else of the data (the share service's rule
# role.auditor_read_only): the base database and sharing are for every other role.
DATA_ROLES = (
    "bureau_admin",
    "bureau_operator",
    "provider_officer",
    "consumer",
    "township_staff",
    "grid_worker",
)
NAV = (
    ("home", "/", None),
    ("catalogue", "/catalogue", None),
    ("base", "/base", DATA_ROLES),
    ("sharing", "/sharing", DATA_ROLES),
    ("tasks", "/tasks", TASK_ROLES),
    ("audit", "/audit", AUDIT_ROLES),
)


def language(request: Request) -> str:
    """``?lang=``, else the language cookie, else the workspace's ``language`` setting (zh)."""
    asked = request.query_params.get("lang") or request.cookies.get(messages.COOKIE)
    if asked in messages.LANGUAGES:
        return asked
    state = getattr(request.app.state, "yishu_console", None)
    return messages.pick(state.ws.settings.get("language") if state is not None else None)


# Times are stored in UTC and shown in China Standard Time (UTC+8, no daylight saving).
CST = timezone(timedelta(hours=8))


def _fmt_time(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if value.tzinfo is None:  # the control plane on SQLite gives back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CST).strftime("%Y-%m-%d %H:%M")


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _num(value: Any) -> str:
    return "—" if value is None else f"{value:,}"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


env.filters["time"] = _fmt_time
env.filters["json"] = _json
env.filters["pct"] = _pct
env.filters["num"] = _num


# Every page loads only what this server serves (no CDN can slip in), cannot be framed, and posts
# its forms only here. Inline style attributes are allowed: the CSS bar charts set their widths.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def url(path: str) -> str:
    return PREFIX + path


def render(request: Request, template: str, viewer: Viewer | None, status_code: int = 200,
           **context: Any) -> HTMLResponse:  # fmt: skip
    lang = language(request)
    t = messages.Translator(lang)
    nav = [
        {"key": key, "href": url(path), "label": t(f"nav.{key}"),
         "current": request.url.path == url(path) or (path != "/" and request.url.path.startswith(url(path)))}
        for key, path, roles in NAV
        if viewer is not None and (roles is None or viewer.has(*roles))
    ]  # fmt: skip
    other = "en" if lang == "zh" else "zh"
    switch = urlencode(
        [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", other)]
    )
    html = env.get_template(template).render(
        switch_href=f"{request.url.path}?{switch}",
        request=request, t=t, lang=lang, html_lang=messages.HTML_LANG[lang], viewer=viewer, nav=nav, url=url,
        jname=lambda code: jurisdiction.name(code, lang) if code else t("common.citywide"),
        pname=lambda code: jurisdiction.name(code, lang) if code else t("base.unplaced"),
        path=request.url.path, query=str(request.url.query), **context,
    )  # fmt: skip
    response = HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)
    if request.query_params.get("lang") in messages.LANGUAGES:
        response.set_cookie(messages.COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax")
    return response
