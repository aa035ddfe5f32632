"""The console without a browser: message catalogues, jurisdiction names, task answers, routing,
and assets that never point off the machine."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import city
import pytest
import sqlalchemy as sa
from city import require_chromium
from fastapi.testclient import TestClient

from yishu.console import jurisdiction, messages
from yishu.console import tasks as answers

PACKAGE = Path(resources.files("yishu.console"))


def test_both_catalogues_have_the_same_keys_and_no_empty_message():
    zh, en = messages.catalogue("zh"), messages.catalogue("en")
    assert set(zh) == set(en)
    assert all(v.strip() for v in zh.values()) and all(v.strip() for v in en.values())
    # the same placeholders in both languages
    fields = re.compile(r"\{(\w+)\}")
    assert {k: sorted(fields.findall(v)) for k, v in zh.items()} == {
        k: sorted(fields.findall(v)) for k, v in en.items()
    }
    # Chinese is Chinese: every zh message but the language switch has a CJK character
    assert [k for k, v in zh.items() if not re.search(r"[\u4e00-\u9fff]", v)] == ["app.switch_language"]


def test_every_literal_key_in_templates_and_code_exists():
    zh = messages.catalogue("zh")
    used = set()
    for path in [*PACKAGE.joinpath("templates").glob("*.html"), *PACKAGE.rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        # t("a.b") or t("a.b", n=...) (not a prefix completed at run time: t("entity." ~ type))
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z_.0-9]+)["']\s*[,)]""", text))
    assert used, "no message keys found: the pattern is wrong"
    assert sorted(used - set(zh)) == []


def test_a_missing_key_is_an_error_not_a_fallback():
    t = messages.Translator("zh")
    with pytest.raises(KeyError, match="i18n/zh.json"):
        t("no.such.key")
    assert messages.Translator("fr").lang == "zh"  # unknown language: the default


@pytest.mark.parametrize(
    ("code", "zh", "level"),
    [("3706", "烟台市", "city"), ("370602", "芝罘区", "district"), ("370602001", "向阳街道", "township"),
     ("370602001001", "友谊街社区", "community"), ("370602001001003", "友谊街社区第3网格", "grid")],
)  # fmt: skip
def test_jurisdiction_names_and_levels(code, zh, level):
    assert jurisdiction.name(code) == zh
    assert jurisdiction.level(code) == level
    assert jurisdiction.path(code)[-1] == code and jurisdiction.path(code)[0] == "3706"


def test_within_is_by_prefix_and_unknown_is_city_wide_only():
    assert jurisdiction.within("370602001001001", "370602001")
    assert not jurisdiction.within("370602001002001", "370602001001")
    assert jurisdiction.within(None, None) and jurisdiction.within(None, "3706")
    assert not jurisdiction.within(None, "370602")  # unknown jurisdiction: city-wide readers only


def test_assets_never_leave_the_machine():
    """No CDN: no template, stylesheet or script names an http(s) address or protocol-relative URL."""
    for path in [*PACKAGE.joinpath("templates").glob("*.html"), *PACKAGE.joinpath("static").iterdir()]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://|(src|href)=\"//|url\(\s*['\"]?//|@import", text), path.name


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = city.build(tmp_path_factory.mktemp("tasks") / "home")
    city.add_users(ws)
    return ws


def _task(ws, task_id):
    engine = ws.engine()
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT * FROM verification_task WHERE task_id = :t"), {"t": task_id}
        ).one()
    engine.dispose()
    return row


@pytest.mark.parametrize(
    ("answer", "message"),
    [({"action": "guess"}, "unknown action"), ({"action": "enter", "value": "  "}, "needs a value"),
     ({"action": "choose"}, "needs a value")],
)  # fmt: skip
def test_malformed_answers_are_refused(ws, answer, message):
    with pytest.raises(answers.TaskError, match=message):
        answers.answer(ws, "T3", answer, "wangge")
    assert _task(ws, "T3").status == "open"


def test_an_answer_is_recorded_once(ws):
    with pytest.raises(answers.TaskError, match="same or different"):
        answers.answer(ws, "T4", {"action": "moved"}, "wangge")  # a link task asks: the same one?
    stored = answers.answer(ws, "T4", {"action": "choose", "value": "same"}, "wangge")
    assert stored == {"action": "choose", "value": "same"}
    row = _task(ws, "T4")
    assert (row.status, row.answered_by, json.loads(row.answer)) == ("answered", "wangge", stored)
    with pytest.raises(answers.TaskError, match="not open"):
        answers.answer(ws, "T4", {"action": "choose", "value": "different"}, "wangge")
    with pytest.raises(answers.TaskError, match="no verification task"):
        answers.answer(ws, "T404", {"action": "deceased"}, "wangge")


def test_moved_keeps_the_new_address_and_not_found_keeps_nothing():
    assert answers.check_answer({"action": "moved", "value": " 烟台市莱山区 "}) == {
        "action": "moved",
        "value": "烟台市莱山区",
    }
    assert answers.check_answer({"action": "moved", "value": ""}) == {"action": "moved", "value": None}
    assert answers.check_answer({"action": "not_found", "value": "x"}) == {
        "action": "not_found",
        "value": None,
    }


@pytest.fixture(scope="module")
def client(ws):
    from yishu.console import mount
    from yishu.server.app import create_app

    app = create_app(ws)
    mount(app, ws)
    mount(app, ws)  # idempotent
    return TestClient(app, base_url="http://127.0.0.1")


def test_pages_need_a_session_and_keep_where_they_were_going(client):
    r = client.get("/console/base?type=house", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/login?next=/console/base%3Ftype%3Dhouse"
    assert client.get("/", follow_redirects=False).headers["location"] == "/console/"


def test_login_refuses_an_outside_next(client):
    r = client.post("/console/login", data={"username": "admin", "password": city.PASSWORD,
                                            "next": "https://evil.example/"}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/console/"
    client.cookies.clear()


def test_pages_forbid_other_origins(client):
    policy = client.get("/console/login").headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "http" not in policy


def test_static_files_and_chinese_404(client):
    css = client.get("/console/static/console.css")
    assert css.status_code == 200 and "@media (max-width: 640px)" in css.text
    r = client.get("/console/no-such-page")
    assert (
        r.status_code == 404 and "页面不存在" in r.text and r.headers["content-type"].startswith("text/html")
    )
    assert client.get("/api/v1/no-such-endpoint").headers["content-type"].startswith("application/json")


def test_task_answer_over_http_and_grid_scope(client, ws):
    client.post("/console/login", data={"username": "wangge", "password": city.PASSWORD})
    r = client.post("/console/tasks/T3", data={"choice": "choose:0"}, follow_redirects=False)
    assert r.status_code == 403 and "不在您的辖区内" in r.text  # T3 is in another grid
    assert _task(ws, "T3").status == "open"
    r = client.post("/console/tasks/T1", data={"choice": "enter", "value": ""}, follow_redirects=False)
    assert r.status_code == 400 and "无法提交" in r.text
    r = client.post("/console/tasks/T1", data={"choice": "choose:1"}, follow_redirects=False)
    assert r.status_code == 303
    assert json.loads(_task(ws, "T1").answer) == {"action": "choose", "value": "13912345678"}
    client.cookies.clear()


def test_yishu_serve_mounts_the_console(ws, monkeypatch):
    import uvicorn
    from typer.testing import CliRunner

    from yishu.cli import app

    served = {}
    monkeypatch.setattr(uvicorn, "run", lambda application, **kw: served.update(app=application, **kw))
    result = CliRunner().invoke(app, ["serve", "--home", str(ws.home), "--port", "8999"])
    assert result.exit_code == 0, result.output
    assert served["port"] == 8999
    http = TestClient(served["app"], base_url="http://127.0.0.1")
    assert "<title>登录" in http.get("/console/login").text
    assert http.get("/api/v1/me").status_code == 401  # the share service's API beside it


def test_without_chromium_browser_tests_skip_but_fail_in_ci(monkeypatch, tmp_path):
    monkeypatch.setenv("YISHU_CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"):
        require_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="missing in CI"):
        require_chromium()
    fake = tmp_path / "chromium"
    fake.write_text("")
    monkeypatch.setenv("YISHU_CHROMIUM", str(fake))
    assert require_chromium() == str(fake)


def test_an_answered_link_task_shows_its_answer(client):
    client.post("/console/login", data={"username": "admin", "password": city.PASSWORD})
    page = client.get("/console/tasks/T4").text  # answered "same" above
    assert (
        "<h1>身份关联存疑</h1>" in page
        and "确认为：<b>是同一个</b>" in page
        and "<form" not in page.split("<main")[1]
    )
    client.cookies.clear()


def test_auditors_read_the_audit_log_and_no_data(client, ws):
    client.post("/console/login", data={"username": "shenji", "password": city.PASSWORD})
    home = client.get("/console/").text
    assert "审计日志" in home and "基础库" not in home
    for path in ("/console/base", "/console/entity/person/P0001", "/console/sharing", "/console/tasks"):
        r = client.get(path)
        assert r.status_code == 403 and "无权访问" in r.text, path
    client.cookies.clear()


def test_auditor_sees_a_broken_chain(client, ws):
    client.post("/console/login", data={"username": "shenji", "password": city.PASSWORD})
    page = client.get("/console/audit")
    assert page.status_code == 200 and 'data-ok="true"' in page.text
    engine = ws.engine()
    with engine.begin() as conn:  # someone edits a record behind the log's back
        conn.execute(sa.text("UPDATE audit_log SET actor_name = 'nobody' WHERE seq = 1"))
    engine.dispose()
    page = client.get("/console/audit")
    assert 'data-ok="false"' in page.text and "哈希链断裂：第 1 条记录起校验失败" in page.text
    client.cookies.clear()
