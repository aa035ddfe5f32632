"""The console in a real browser (Debian's Chromium driven by Playwright): logging in, approving an
application, resolving a verification task, the same person masked differently for two users, a
grid worker refused outside their grid (and audited), the English switch, the keyboard and a
phone-sized screen. Screenshots of the main pages go to artifacts/."""

from __future__ import annotations

import json
import re

import city
import sqlalchemy as sa
from city import GA, WG

PERSON = city.people()[0]  # P0001 in GRID_A, the grid worker's grid
OUTSIDE = city.people()[5]  # P0006 in GRID_B


def _audit(ws, **where) -> list[dict]:
    from yishu.audit.chain import read

    engine = ws.engine()
    try:
        records = read(engine, limit=100000)
    finally:
        engine.dispose()
    return [r for r in records if all(r[k] == v for k, v in where.items())]


def test_login_rejects_a_wrong_password_in_chinese(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/")
    assert page.url.startswith(f"{server}/login")  # not logged in: the login page
    page.get_by_label("用户名").fill("minzheng")
    page.get_by_label("密码").fill("wrong-password")
    page.keyboard.press("Enter")
    assert page.get_by_role("alert").inner_text() == "用户名或密码错误。"
    assert page.get_by_label("用户名").input_value() == "minzheng"
    context.close()


def test_login_lands_on_home_with_the_dashboards(login, artifacts):
    s = login("admin")
    page = s.page
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("heading", level=1).inner_text() == "首页"
    for heading in ("数据源与最新批次", "数据治理运行", "数据质量", "待核验任务", "待我审批"):
        assert page.get_by_role("heading", name=heading).count() >= 1, heading
    # the quality chart: one CSS bar per department (its sources' counts added), lowest score first
    bars = page.get_by_role("list", name="按部门").locator("li")
    labels = bars.locator(".label").all_inner_texts()
    assert labels == ["社会治理网格化服务中心", "医疗保障局", "公安局"]  # 烟台市 is the context
    assert bars.first.locator(".value").inner_text() == "68.0%"
    s.shot(artifacts, "home")


def test_catalogue_search_and_resource_page(login, artifacts):
    s = login("minzheng")
    s.goto("/catalogue")
    s.page.get_by_label("搜索资源、字段或数据元").fill("身份证")
    s.page.get_by_role("button", name="搜索").click()
    names = s.page.locator("#main table tbody a").all_inner_texts()
    assert "户籍人口基本信息" in names
    s.shot(artifacts, "catalogue-search")
    s.page.get_by_role("link", name="户籍人口基本信息").click()
    assert s.page.get_by_role("heading", level=1).inner_text().startswith("户籍人口基本信息")
    text = s.page.locator("#main").inner_text()
    assert "有条件共享" in text and "公民身份号码" in text and "权威来源" in text
    assert "运行 #1 → 版本 1" in text  # lineage: delivery #1 -> governance run 1 -> release 1
    assert "2026-11-20 18:00" in text  # delivery #1 arrived 10:00 UTC: shown in Beijing time
    s.shot(artifacts, "resource")


def test_approve_an_application_through_provider_and_bureau(login, console_ws, artifacts):
    app = city.grant(console_ws, "jiedao", WG, ["姓名", "手机"], approve=False)
    number = app["application_id"]
    provider = login("wanggezhongxin")
    provider.goto("/sharing")
    provider.page.locator("#to-decide").get_by_role("link", name=f"#{number}").click()
    provider.page.get_by_label("审批意见").fill("用途明确，同意共享")
    provider.page.get_by_role("button", name="同意").click()
    assert provider.page.locator("#application-status").get_attribute("data-status") == "pending_bureau"
    bureau = login("admin")
    bureau.goto(f"/sharing/applications/{number}")
    bureau.page.get_by_label("审批意见").fill("符合共享条件")
    bureau.shot(artifacts, "application-approval")
    bureau.page.get_by_role("button", name="同意").click()
    assert bureau.page.get_by_role("status").inner_text() == "已同意。"
    assert bureau.page.locator("#application-status").inner_text() == "已同意"
    applicant = login("jiedao")
    applicant.goto("/sharing")
    grants = applicant.page.locator("#grants").inner_text()
    assert "网格员采集" in grants or "网格" in grants
    assert applicant.page.locator("#grants tbody tr").count() == 2  # the GA grant of the fixture and this one
    applicant.shot(artifacts, "sharing")
    decided = _audit(console_ws, actor_name="admin", endpoint=f"/console/sharing/applications/{number}")
    assert decided and decided[-1]["query"]["verdict"] == "approve"


def test_grid_worker_resolves_a_verification_task(login, console_ws, artifacts):
    s = login("wangge", width=390, height=844)  # grid workers use phones
    s.goto("/tasks")
    assert s.page.locator(".task-list li").count() == 2  # T1 and T2 are in their grid; T3, T4 are not
    s.page.get_by_role("link", name="数据冲突 · 手机").click()
    candidates = s.page.get_by_role("group", name="各来源的值：请选择正确的一项")
    assert "网格员采集" in candidates.inner_text() and "医保参保" in candidates.inner_text()
    s.shot(artifacts, "task-phone")
    s.page.get_by_label(re.compile("13912345678")).check()
    s.page.get_by_role("button", name="提交核验结果").click()
    assert s.page.get_by_role("status").inner_text() == "任务 T1 已提交核验结果。"
    engine = console_ws.engine()
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT status, answer, answered_by FROM verification_task WHERE task_id = 'T1'")
        ).one()
    engine.dispose()
    assert row.status == "answered" and row.answered_by == "wangge"
    assert json.loads(row.answer) == {"action": "choose", "value": "13912345678"}


def test_enter_needs_a_value_and_records_it(login, console_ws):
    s = login("wangge")
    s.goto("/tasks/T2")
    s.page.get_by_label("都不对，填写核实的值").check()
    value = s.page.get_by_label("核实的值", exact=True)
    assert value.is_visible() and value.get_attribute("required") is not None
    value.fill("山东省烟台市芝罘区向阳街道友谊街2号")
    s.page.get_by_role("button", name="提交核验结果").click()
    engine = console_ws.engine()
    with engine.connect() as conn:
        answer = conn.execute(sa.text("SELECT answer FROM verification_task WHERE task_id = 'T2'")).scalar()
    engine.dispose()
    assert json.loads(answer) == {"action": "enter", "value": "山东省烟台市芝罘区向阳街道友谊街2号"}


def test_same_person_masked_differently_for_two_users(login, artifacts):
    def citizen_id(user: str) -> str:
        s = login(user)
        s.goto(f"/entity/person/{PERSON['entity_id']}")
        cell = s.page.locator('#attributes tr[data-attribute="citizen_id"] [data-value]')
        s.page.locator("#attributes details").first.locator("summary").click()  # the other sources' values
        s.shot(artifacts, f"person-{user}")
        html = s.page.content()
        assert PERSON["name"] not in html  # 姓名 is masked for both: in the record and in its provenance
        assert PERSON["phone"] not in html  # not granted to either
        return cell.inner_text()

    full = citizen_id("minzheng")  # their grant lifts masking of 公民身份号码
    masked = citizen_id("jiedao")  # theirs does not
    assert full == PERSON["citizen_id"]
    assert masked == PERSON["citizen_id"][:6] + "*" * 8 + PERSON["citizen_id"][-4:]
    assert full != masked


def test_grid_worker_outside_their_grid_gets_403_in_chinese_and_is_audited(login, console_ws, artifacts):
    s = login("wangge")
    response = s.goto(f"/entity/person/{OUTSIDE['entity_id']}")
    assert response.status == 403
    assert s.page.get_by_role("heading", level=1).inner_text() == "403 · 无权访问"
    assert "不在您的辖区内" in s.page.get_by_role("alert").inner_text()
    assert OUTSIDE["name"] not in s.page.content()
    s.shot(artifacts, "forbidden")
    denied = _audit(console_ws, actor_name="wangge", status=403)
    assert any(OUTSIDE["entity_id"] in r["entity_ids"] for r in denied)
    # the auditor sees the attempt, and the chain is intact
    auditor = login("shenji")
    auditor.goto("/audit?actor=wangge")
    assert auditor.page.locator("#chain-status").get_attribute("data-ok") == "true"
    rows = auditor.page.locator('#audit-records tr[data-status="403"]')
    assert rows.count() >= 1 and OUTSIDE["entity_id"] in rows.first.inner_text()
    auditor.shot(artifacts, "audit")


def test_auditor_only_pages_refuse_others(login, console_ws):
    s = login("minzheng")
    assert s.goto("/audit").status == 403
    assert s.page.get_by_role("navigation", name="主导航").get_by_role("link", name="审计日志").count() == 0
    assert _audit(console_ws, actor_name="minzheng", status=403, endpoint="/console/audit")


def test_drill_down_from_city_to_grid(login, artifacts):
    s = login("admin")
    s.goto("/base")
    unplaced = s.page.locator("#main table").first.locator("tr", has_text="未落图")
    assert unplaced.locator("td").nth(1).inner_text() == "1"  # one person whose address matched nothing
    assert s.page.get_by_role("link", name="实有人口 (13)").count() == 1  # city-wide: placed or not
    for name in ("芝罘区", "向阳街道", "友谊街社区", "友谊街社区第1网格"):
        s.page.locator("#main table").first.get_by_role("link", name=name, exact=True).click()
        assert s.page.get_by_role("heading", level=1).inner_text().startswith(f"基础库 · {name}")
    assert s.page.locator("#main").get_by_text("共 5 条").count() == 1
    s.shot(artifacts, "base-grid")


def test_english_switch_keeps_the_page_and_sticks(login):
    s = login("admin")
    s.goto("/catalogue?q=低保")
    s.page.get_by_role("link", name="English").click()
    assert s.page.locator("html").get_attribute("lang") == "en"
    assert s.page.get_by_role("heading", level=1).inner_text() == "Data resource catalogue"
    assert s.page.get_by_label("Search resources, fields or data elements").input_value() == "低保"
    s.goto("/tasks")
    assert s.page.get_by_role("heading", level=1).inner_text() == "Verification tasks"
    s.page.get_by_role("link", name="中文").click()
    assert s.page.get_by_role("heading", level=1).inner_text() == "核验任务"


def test_keyboard_only_login_and_navigation(browser, server):
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/login")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    page.keyboard.type("minzheng")
    page.keyboard.press("Tab")
    page.keyboard.type(city.PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/")
    page.keyboard.press("Tab")  # the first stop is the skip link
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"
    for _ in range(10):  # then the navigation: follow 数据目录 with Enter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "数据目录":
            break
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/catalogue")
    context.close()


MAIN_PAGES = ["/", "/catalogue", f"/catalogue/{GA}", "/base", f"/entity/person/{PERSON['entity_id']}",
              "/tasks", "/tasks/T3", "/tasks/T4", "/sharing", f"/sharing/apply?resource={GA}"]  # fmt: skip


def test_every_control_has_a_label(login):
    s = login("admin")
    for path in MAIN_PAGES + ["/audit"]:
        assert s.goto(path).status == 200, path
        unlabeled = s.page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
                .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                              && !(el.tagName === 'BUTTON' && el.textContent.trim()))
                .map(el => el.outerHTML)"""
        )
        assert unlabeled == [], (path, unlabeled)


def test_phone_screen_has_no_sideways_scrolling(login, artifacts):
    s = login("admin", width=390, height=844)
    for path in MAIN_PAGES:
        s.goto(path)
        overflow = s.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, (path, overflow)
    s.goto("/")
    s.shot(artifacts, "home-phone")


def test_no_request_leaves_the_machine(login):
    s = login("admin")
    outside = []
    s.page.on(
        "request", lambda r: outside.append(r.url) if not r.url.startswith("http://127.0.0.1") else None
    )
    for path in MAIN_PAGES:
        s.goto(path)
    assert outside == []


def test_apply_through_the_form(login, console_ws):
    s = login("minzheng")
    s.goto(f"/catalogue/{WG}")
    s.page.get_by_role("link", name="申请共享").click()
    s.page.get_by_role("group", name="字段", exact=True).get_by_label("姓名").check()
    s.page.get_by_role("group", name="字段", exact=True).get_by_label("手机").check()
    s.page.get_by_label("用途").fill("高龄津贴入户核查")
    s.page.get_by_label("法律依据").fill("《老年人权益保障法》")
    s.page.get_by_role("button", name="提交申请").click()
    assert s.page.get_by_role("status").inner_text() == "申请已提交。"
    assert s.page.locator("#application-status").get_attribute("data-status") == "pending_provider"
    assert "姓名、手机" in s.page.locator("#main").inner_text()


def test_refused_application_shows_the_share_service_rule(login):
    s = login("minzheng")
    s.goto(f"/sharing/apply?resource={GA}")
    s.page.get_by_label("用途").fill("核查")
    s.page.get_by_label("法律依据").fill("依据")
    s.page.get_by_role("button", name="提交申请").click()  # no field chosen
    alert = s.page.get_by_role("alert").inner_text()
    assert alert.startswith("未能完成：") and "application.fields" in alert


def test_api_token_is_shown_once_and_can_be_revoked(login):
    s = login("jiedao")
    s.goto("/sharing")
    s.page.get_by_label("令牌名称").fill("街道报表")
    s.page.get_by_label("有效天数").fill("7")
    s.page.get_by_role("button", name="生成令牌").click()
    secret = s.page.locator("#new-token").inner_text()
    assert secret.startswith("ys_") and len(secret) > 40
    s.page.reload()
    assert s.page.locator("#new-token").count() == 0  # shown once
    s.page.get_by_role("button", name="撤销 街道报表").click()
    assert s.page.get_by_role("status").inner_text() == "令牌已撤销。"
    import urllib.request

    request = urllib.request.Request(
        s.base.removesuffix("/console") + "/api/v1/me", headers={"Authorization": f"Bearer {secret}"}
    )
    try:
        urllib.request.urlopen(request)
        status = 200
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 401  # the revoked token no longer opens the API


def test_township_staff_start_at_their_township_and_see_no_unplaced_entity(login):
    s = login("jiedao")
    s.goto("/base")
    assert s.page.get_by_role("heading", level=1).inner_text().startswith("基础库 · 向阳街道")
    assert s.page.get_by_role("link", name="实有人口 (12)").count() == 1  # the 13th has no jurisdiction
    assert "未落图" not in s.page.locator("#main table").first.inner_text()
    assert s.goto("/base?j=370602002").status == 403  # a neighbouring township


def test_grid_worker_list_shows_only_granted_columns_masked(login, artifacts):
    s = login("wangge", width=390, height=844)
    s.goto("/base")
    assert s.page.get_by_role("heading", level=1).inner_text().startswith("基础库 · 友谊街社区第1网格")
    headers = s.page.locator("#main table thead th").all_inner_texts()
    assert headers == [
        "编号",
        "姓名",
        "公民身份号码",
        "手机",
        "住址",
        "辖区",
    ]  # 性别 and 出生日期 are not granted
    first = s.page.locator("#main table tbody tr").first.inner_text()
    assert PERSON["phone"][:3] + "****" + PERSON["phone"][-4:] in first and PERSON["phone"] not in first
    s.shot(artifacts, "base-grid-worker-phone")
