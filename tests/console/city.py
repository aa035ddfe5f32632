"""A small, fixed workspace for the console tests: the built-in catalogue, deliveries, one
governance run, a release of people, houses and organisations in two communities of 烟台市芝罘区,
provenance, conflicts, quality figures and verification tasks. Every value is fixed (no randomness)."""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import sqlalchemy as sa

from yishu.catalogue import install_builtin, load_catalogue
from yishu.catalogue import store as catalogue_store
from yishu.pipeline.release import ReleaseBuilder
from yishu.standards import citizen_id
from yishu.workspace import Workspace

CITY = "370600"
GA, WG = "370600-GA-0001", "370600-WG-0001"  # 户籍人口基本信息 (公安), 网格员实有人口采集信息
GRID_A = "370602001001001"  # 友谊街社区第1网格: the grid worker's
GRID_B = "370602001001002"  # 友谊街社区第2网格
GRID_C = "370602001002001"  # 建昌街社区第1网格
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马"
GIVEN = ["秀英", "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "超"]
GRIDS = [GRID_A] * 5 + [GRID_B] * 4 + [GRID_C] * 3 + [None]  # the last one's address matched nothing


def _cid(i: int) -> str:
    body = f"370602{1950 + i * 5}{(i % 12) + 1:02d}{(i % 27) + 1:02d}{100 + i:03d}"
    return body + citizen_id.check_char(body)


def people() -> list[dict]:
    out = []
    for i, grid in enumerate(GRIDS):
        road = "友谊街" if (grid or "").startswith("370602001001") else "建昌街"
        place = {"address_code": f"A{grid}{i:03d}", "district_code": grid[:6], "town_code": grid[:9],
                 "community_code": grid[:12], "grid_code": grid, "jurisdiction": grid} if grid else dict.fromkeys(
                 ("address_code", "district_code", "town_code", "community_code", "grid_code", "jurisdiction"))  # fmt: skip
        out.append({
            "entity_id": f"P{i + 1:04d}", "citizen_id": _cid(i), "name": SURNAMES[i] + GIVEN[i],
            "sex": "2" if i % 2 == 0 else "1", "birth_date": f"{1950 + i * 5}-{(i % 12) + 1:02d}-{(i % 27) + 1:02d}",
            "phone": f"138{i:04d}{8000 + i:04d}", "status": "1",
            "actual_address": f"山东省烟台市芝罘区向阳街道{road}{i + 1}号{i % 3 + 1}单元{i + 1}01室",
            "hukou_address": f"山东省烟台市芝罘区向阳街道{road}{i + 1}号", **place,
        })  # fmt: skip
    return out


def houses() -> list[dict]:
    return [
        {"entity_id": f"H{i + 1:04d}", "address": f"山东省烟台市芝罘区向阳街道友谊街{i + 1}号", "owner_name": SURNAMES[i] + GIVEN[i],
         "address_code": f"A{grid}{i:03d}", "district_code": grid[:6], "town_code": grid[:9],
         "community_code": grid[:12], "grid_code": grid, "jurisdiction": grid}
        for i, grid in enumerate([GRID_A, GRID_A, GRID_B, GRID_C])
    ]  # fmt: skip


def organisations() -> list[dict]:
    return [
        {"entity_id": f"O{i + 1:04d}", "uscc": code, "name": name, "legal_representative": rep,
         "business_address": f"山东省烟台市芝罘区向阳街道友谊街{20 + i}号",
         "address_code": None, "district_code": grid[:6], "town_code": grid[:9], "community_code": grid[:12],
         "grid_code": grid, "jurisdiction": grid}
        for i, (code, name, rep, grid) in enumerate([
            ("91350100M000100Y43", "烟台市友谊商贸有限公司", "王伟", GRID_A),
            ("91370602MA3C8XYZ1K", "烟台建昌餐饮店", "李芳", GRID_C),
        ])
    ]  # fmt: skip


SOURCES = [  # source, format, rows in, quarantined
    ("公安户籍人口", "csv", 12, 0), ("医保参保", "xlsx", 11, 1), ("网格员采集", "jsonl", 9, 2),
    ("不动产登记", "csv", 4, 0), ("市场监管企业登记", "csv", 2, 0),
]  # fmt: skip


def _table(rows: list[dict]) -> pa.Table:
    columns = list(rows[0])
    return pa.table({c: [r[c] for r in rows] for c in columns})


def provenance(persons: list[dict]) -> list[dict]:
    out = []
    for i, p in enumerate(persons):
        for attr in ("citizen_id", "name", "sex", "birth_date", "hukou_address", "status"):
            out.append(_prov("person", p["entity_id"], attr, p[attr], "公安户籍人口", 1, i + 1, 0, True))
        out.append(_prov("person", p["entity_id"], "phone", p["phone"], "网格员采集", 3, i + 1, 1, True))
        out.append(
            _prov(
                "person",
                p["entity_id"],
                "actual_address",
                p["actual_address"],
                "网格员采集",
                3,
                i + 1,
                1,
                True,
            )
        )
        out.append(_prov("person", p["entity_id"], "name", p["name"], "医保参保", 2, i + 1, 3, False))
        if i == 0:  # the conflict of task T1: 医保参保 has another phone
            out.append(_prov("person", p["entity_id"], "phone", "13912345678", "医保参保", 2, 1, 2, False))
    return out


def _prov(et, eid, attr, value, source, delivery, row, rank, chosen) -> dict:
    return {"entity_type": et, "entity_id": eid, "attribute": f"{et}.{attr}", "value": value, "source": source,
            "delivery_id": delivery, "row_number": row, "record_id": f"{source}:{delivery}:{row}",
            "arrived_at": T0 + timedelta(hours=delivery), "authority_rank": rank, "chosen": chosen}  # fmt: skip


def quality() -> list[dict]:
    rows = []
    figures = {
        ("source", "公安户籍人口"): (0.99, 0.98), ("source", "医保参保"): (0.93, 0.85),
        ("source", "网格员采集"): (0.72, 0.64), ("element", "citizen_id"): (0.97, 0.99),
        ("element", "phone"): (0.81, 0.75), ("element", "address"): (0.66, 0.7),
        ("district", "370602"): (0.9, 0.88), ("town", "370602001"): (0.9, 0.88),
        ("community", "370602001001"): (0.95, 0.9), ("community", "370602001002"): (0.78, 0.83),
    }  # fmt: skip
    for (kind, scope), (conformance, completeness) in figures.items():
        for dimension, score in (("conformance", conformance), ("completeness", completeness)):
            rows.append({"dimension": dimension, "scope_kind": kind, "scope": scope, "measured": 1000,
                         "passed": round(score * 1000), "score": score})  # fmt: skip
    return rows


def tasks(persons: list[dict]) -> list[dict]:
    """Tasks shaped as ``yishu.pipeline.tasks`` writes them (question: candidates and severity)."""
    p1, p2, p6, p10 = persons[0], persons[1], persons[5], persons[9]
    return [
        {"task_id": "T1", "kind": "conflict", "entity_type": "person", "entity_id": p1["entity_id"],
         "attribute": "person.phone", "grid_code": GRID_A, "jurisdiction": GRID_A,
         "question": {"severity": 0.8, "candidates": [
             {"value": p1["phone"], "sources": ["网格员采集"], "chosen": True},
             {"value": "13912345678", "sources": ["医保参保"], "chosen": False},
         ]}},
        {"task_id": "T2", "kind": "address", "entity_type": "person", "entity_id": p2["entity_id"],
         "attribute": "person.actual_address", "grid_code": GRID_A, "jurisdiction": GRID_A,
         "question": {"severity": 1.0, "candidates": [
             {"value": "友谊街2号后院", "level": "road", "reasons": ["no door number"],
              "community_code": GRID_A[:12]}]}},
        {"task_id": "T3", "kind": "conflict", "entity_type": "person", "entity_id": p6["entity_id"],
         "attribute": "person.name", "grid_code": GRID_B, "jurisdiction": GRID_B,
         "question": {"severity": 0.7, "candidates": [
             {"value": p6["name"], "sources": ["公安户籍人口"], "chosen": True},
             {"value": "杨伟", "sources": ["医保参保"], "chosen": False}]}},
        {"task_id": "T4", "kind": "link", "entity_type": "person", "entity_id": p10["entity_id"],
         "attribute": "_link:医保参保:2:10", "grid_code": GRID_C, "jurisdiction": GRID_C,
         "question": {"severity": 0.28, "candidates": [
             {"value": "医保参保:2:10", "note": "姓名同音，出生日期一致", "match_probability": 0.72}]}},
    ]  # fmt: skip


def build(home: Path) -> Workspace:
    """Create the workspace at ``home`` with everything the console shows."""
    ws = Workspace.init(home, city=CITY).workspace
    install_builtin(ws.catalogue_dir, CITY)
    engine = ws.engine()
    try:
        catalogue_store.save(engine, load_catalogue(ws.catalogue_dir))
        persons = people()
        with engine.begin() as conn:
            for n, (source, fmt, rows_in, quarantined) in enumerate(SOURCES, start=1):
                conn.execute(
                    sa.text(
                        "INSERT INTO delivery (delivery_id, source, origin, sha256, size, format, encoding, columns, "
                        "rows_in, rows_landed, rows_quarantined, stored_path, landed_path, arrived_at) VALUES "
                        "(:id, :source, :origin, :sha, 1000, :fmt, 'utf-8', '[]', :rows_in, :landed, :q, '', '', :at)"
                    ),
                    {"id": n, "source": source, "origin": f"{source}.{fmt}", "sha": f"{n:064d}", "fmt": fmt,
                     "rows_in": rows_in, "landed": rows_in - quarantined, "q": quarantined,
                     "at": T0 + timedelta(hours=n)},
                )  # fmt: skip
        con = duckdb.connect()
        tables = {"person": persons, "house": houses(), "organisation": organisations(),
                  "provenance": provenance(persons), "quality": quality(),
                  "conflict": [{"entity_type": "person", "entity_id": "P0001", "attribute": "person.phone",
                                "chosen_value": persons[0]["phone"], "chosen_source": "网格员采集",
                                "other_value": "13912345678", "other_source": "医保参保", "severity": 0.8}],
                  "reconciliation": [{"delivery_id": n, "source": s, "rows_in": r, "accepted": r - q,
                                      "quarantined": q} for n, (s, _, r, q) in enumerate(SOURCES, start=1)]}  # fmt: skip
        builder = ReleaseBuilder(ws)
        for name, rows in tables.items():
            con.register(f"src_{name}", _table(rows))
            builder.add_table(name, con, f"SELECT * FROM src_{name}")
        release = builder.commit({"fixture": "console"})
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO govern_run (run_id, started_at, finished_at, status, release_id, authority_version, "
                    "deliveries, summary) VALUES (1, :s, :f, 'done', :r, 1, :d, '{}')"
                ),
                {"s": T0 + timedelta(hours=6), "f": T0 + timedelta(hours=6, minutes=3), "r": release.id,
                 "d": json.dumps(list(range(1, len(SOURCES) + 1)))},
            )  # fmt: skip
            for task in tasks(persons):
                conn.execute(
                    sa.text(
                        "INSERT INTO verification_task (task_id, kind, entity_type, entity_id, attribute, grid_code, "
                        "jurisdiction, question, status, first_release, last_release) VALUES (:task_id, :kind, "
                        ":entity_type, :entity_id, :attribute, :grid_code, :jurisdiction, :question, 'open', :r, :r)"
                    ),
                    {**task, "question": json.dumps(task["question"], ensure_ascii=False), "r": release.id},
                )
    finally:
        engine.dispose()
    return ws


# --- people and grants (the share service's functions) --------------------------------------------

PASSWORD = "console-test-pw"
USERS = [  # name, role, org, jurisdiction
    ("admin", "bureau_admin", "数据局", "3706"),
    ("gongan", "provider_officer", "烟台市公安局", "3706"),
    ("wanggezhongxin", "provider_officer", "烟台市社会治理网格化服务中心", "3706"),
    ("minzheng", "consumer", "民政局", "3706"),
    ("jiedao", "township_staff", "向阳街道办事处", "370602001"),
    ("wangge", "grid_worker", "友谊街社区", GRID_A),
    ("shenji", "auditor", "数据局", "3706"),
]


def add_users(ws: Workspace) -> None:
    from yishu.share import users

    engine = ws.engine()
    try:
        for name, role, org, jurisdiction in USERS:
            users.add_user(engine, name, role, org, PASSWORD, jurisdiction, city=CITY)
    finally:
        engine.dispose()


def grant(ws: Workspace, applicant: str, resource_code: str, fields: list[str], unmask: list[str] = (),
          approve: bool = True) -> dict:  # fmt: skip
    """An application by ``applicant``, approved by the provider and the bureau unless ``approve`` is false."""
    from yishu.share import applications
    from yishu.share.users import find_user

    engine = ws.engine()
    try:
        catalogue = catalogue_store.read(engine)
        resource = catalogue.resources[resource_code]
        app = applications.apply(engine, catalogue, find_user(engine, applicant), resource_code, fields,
                                 "核对辖区实有人口", "《个人信息保护法》第十三条第一款第（三）项", 90, list(unmask),
                                 "入户核查需核对完整证件号码" if unmask else None)  # fmt: skip
        if approve:
            provider = next(
                n for n, role, org, _ in USERS if role == "provider_officer" and org == resource.provider
            )
            for who in (provider, "admin"):
                app = applications.decide(engine, catalogue, find_user(engine, who), app["application_id"],
                                          "approve", "同意")  # fmt: skip
        return app
    finally:
        engine.dispose()


# --- the browser -----------------------------------------------------------------------------------


def chromium_path() -> str | None:
    if "YISHU_CHROMIUM" in os.environ:  # an explicit choice (tests set it to a missing file)
        return os.environ["YISHU_CHROMIUM"] if Path(os.environ["YISHU_CHROMIUM"]).is_file() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def require_chromium() -> str:
    """Chromium's path; else skip with the reason, or fail in CI (CI=true), where it must be there."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing in CI (/usr/bin/chromium): .ci/run must install it")
        pytest.skip("Chromium is not installed (apt-get install -y chromium): browser tests skipped")
    return path
