"""schemathesis against /openapi.json, in process on the ASGI app: no request it generates makes a
server error, for a consumer holding grants and for a bureau admin."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from sharekit import GA, SJ, Actors, make_workspace

from yishu.catalogue import store
from yishu.server.app import create_app
from yishu.share import applications as apps


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ws = make_workspace(tmp_path_factory.mktemp("openapi") / "ws")
    actors = Actors(ws).standard()
    cat = store.read(actors.engine)
    u = actors.users
    for code, fields in ((GA, ["姓名", "公民身份号码", "户籍地址"]), (SJ, ["企业名称", "统一社会信用代码"])):
        a = apps.apply(actors.engine, cat, u["civil"], code, fields, "p", "b", 30)
        if a["status"] == "pending_provider":
            apps.decide(actors.engine, cat, u["police"], a["application_id"], "approve", "ok")
        apps.decide(actors.engine, cat, u["admin"], a["application_id"], "approve", "ok")
    app = create_app(ws)
    yield app, actors
    actors.close()


SETTINGS = settings(max_examples=10, derandomize=True, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


def _operations(app):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    ops = [result.ok() for result in schema.get_all_operations()]
    assert len(ops) >= 25
    return ops


@pytest.mark.parametrize("who", ["civil", "admin"])
def test_no_request_makes_a_server_error(world, who):
    app, actors = world
    headers = actors.headers(who)
    runs = 0
    for operation in _operations(app):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @SETTINGS
            def check(case):
                case.call_and_validate(headers=headers, checks=[not_a_server_error])

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to negate (no parameters, no body)
            runs += 1
    assert runs >= 50
