"""Console fixtures: one workspace (tests/console/city.py), the share service's app with the console
mounted, served by uvicorn on a free loopback port, and Debian's Chromium driven by Playwright.

Browser tests skip with the reason when Chromium is missing, except in CI (CI=true), where a
missing browser fails them: .ci/run installs it."""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import city  # noqa: E402
from city import GA, WG, require_chromium  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="session")
def console_ws(tmp_path_factory):
    ws = city.build(tmp_path_factory.mktemp("console") / "home")
    city.add_users(ws)
    city.grant(ws, "minzheng", GA, ["公民身份号码", "姓名", "性别", "出生日期", "户籍地址"], ["公民身份号码"])
    city.grant(ws, "jiedao", GA, ["公民身份号码", "姓名", "性别", "出生日期"])
    city.grant(ws, "wangge", WG, ["姓名", "身份证", "手机", "住址"])
    return ws


@pytest.fixture(scope="session")
def console_app(console_ws):
    from yishu.console import mount
    from yishu.server.app import create_app

    app = create_app(console_ws)
    mount(app, console_ws)
    return app


@pytest.fixture(scope="session")
def server(console_app):
    """The app on uvicorn in a thread; yields the console's base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(console_app, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                            lifespan="off")  # fmt: skip
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the console server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/console"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    path = require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class Session:
    """One user's browser context, logged in through the console's login form."""

    def __init__(self, browser, base: str, user: str, width: int = 1280, height: int = 900, lang: str = "zh"):
        self.base = base
        self.context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        self.page = self.context.new_page()
        self.page.goto(f"{base}/login?lang={lang}")
        self.page.get_by_label("用户名" if lang == "zh" else "User name").fill(user)
        self.page.get_by_label("密码" if lang == "zh" else "Password").fill(city.PASSWORD)
        self.page.locator("main button[type=submit]").click()
        self.page.wait_for_url(f"{base}/")

    def goto(self, path: str):
        return self.page.goto(self.base + path)

    def shot(self, artifacts: Path, name: str) -> Path:
        target = artifacts / f"{name}.png"
        self.page.screenshot(path=str(target), full_page=True)
        return target

    def close(self):
        self.context.close()


@pytest.fixture
def login(browser, server):
    sessions = []

    def _login(user: str, **kw) -> Session:
        s = Session(browser, server, user, **kw)
        sessions.append(s)
        return s

    yield _login
    for s in sessions:
        s.close()
