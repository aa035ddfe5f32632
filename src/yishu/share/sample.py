"""A small release in the contract of ``yishu.pipeline.schema``, built by package code: people,
organisations and houses across two districts of 黄石市 with townships, communities and grids, and
provenance for the golden records. The share service's tests and benchmark and the console use
it before a governance run has produced a real release; it is not a synthetic city (that is
``yishu.synth``), only enough rows to exercise grants, masking and jurisdictions.
"""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa

from yishu.pipeline.release import Release, ReleaseBuilder
from yishu.pipeline.schema import ENTITY_KEY, JURISDICTION_COLUMNS
from yishu.standards import citizen_id, uscc

DISTRICTS = {"420202": "黄石港区", "420203": "西塞山区"}
TOWNS = ("001", "002")
COMMUNITIES = ("001", "002")
GRIDS = ("001", "002")
PERSON = ("citizen_id", "name", "sex", "ethnicity", "birth_date", "marital_status", "household_no",
          "relation_to_head", "status", "hukou_address", "death_date", "actual_address", "phone",
          "disability_card_no", "disability_type", "disability_grade", "benefit", "medical_insurance",
          "employment", "employer_name", "employer_uscc", "pension_type", "pension_status")  # fmt: skip
ORGANISATION = ("uscc", "name", "kind", "legal_representative", "registered_address", "business_address",
                "established", "status", "tax_status", "industry", "employees")  # fmt: skip
HOUSE = ("unit_no", "owner_name", "owner_code", "address", "area", "use", "registered")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗欧阳"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
ROADS = ("杭州", "武汉", "湖滨", "广场", "团城山", "黄石")


def grids() -> list[str]:
    return [d + t + c + g for d in DISTRICTS for t in TOWNS for c in COMMUNITIES for g in GRIDS]


def _address(rng: random.Random, grid: str) -> str:
    district = DISTRICTS[grid[:6]]
    return (f"湖北省黄石市{district}第{grid[6:9]}街道{rng.choice(ROADS)}路{rng.randint(1, 300)}号"
            f"{rng.randint(1, 20)}栋{rng.randint(1, 4)}单元{rng.randint(1, 30):02d}{rng.randint(1, 4):02d}室")  # fmt: skip


def _place(grid: str | None) -> dict:
    if grid is None:
        return dict.fromkeys(JURISDICTION_COLUMNS)
    return {"address_code": grid + "0001", "district_code": grid[:6], "town_code": grid[:9],
            "community_code": grid[:12], "grid_code": grid, "jurisdiction": grid}  # fmt: skip


def build_sample_release(ws, persons: int = 300, organisations: int = 60, houses: int = 120,
                         seed: int = 7) -> Release:  # fmt: skip
    """Build and commit a release; about one row in twenty has an unknown jurisdiction, and some
    are placed only down to the township."""
    rng = random.Random(seed)
    cells = grids()

    def where() -> str | None:
        r = rng.random()
        if r < 0.05:
            return None
        return rng.choice(cells)

    people, prov = [], []
    for i in range(persons):
        grid = where()
        county = (grid or "420202")[:6]
        body = f"{county}{rng.randint(1940, 2015)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
        cid = body + citizen_id.check_char(body)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        row = dict.fromkeys(PERSON)
        row.update({"citizen_id": cid, "name": name, "sex": "1" if int(body[16]) % 2 else "2", "ethnicity": "01",
                    "birth_date": f"{body[6:10]}-{body[10:12]}-{body[12:14]}", "marital_status": rng.choice("1234"),
                    "household_no": f"H{rng.randint(10**7, 10**8 - 1)}", "status": "1",
                    "hukou_address": _address(rng, grid or cells[0]), "actual_address": _address(rng, grid or cells[0]),
                    "phone": f"1{rng.choice('3589')}{rng.randint(10**8, 10**9 - 1)}",
                    "medical_insurance": rng.choice(["城镇职工", "城乡居民", None])})  # fmt: skip
        if (
            grid is not None and grid.endswith("002") and rng.random() < 0.5
        ):  # placed down to the township only
            place = _place(grid) | {"community_code": None, "grid_code": None, "jurisdiction": grid[:9]}
        else:
            place = _place(grid)
        entity = f"P{i + 1:07d}"
        people.append({ENTITY_KEY: entity, **row, **place})
        for attribute in ("citizen_id", "name", "phone", "actual_address"):
            prov.append(("person", entity, attribute, row[attribute], "公安户籍人口" if attribute != "phone" else "网格员采集",
                         1, i + 2, f"公安户籍人口#{i + 2}", "2026-01-02 08:00:00", 0, True))  # fmt: skip
            other = row[attribute][:-1] + ("0" if row[attribute][-1] != "0" else "1")
            prov.append(("person", entity, attribute, other, "医保参保", 3, i + 5, f"医保参保#{i + 5}",
                         "2026-01-05 08:00:00", 1, False))  # fmt: skip
    orgs = []
    for i in range(organisations):
        grid = where()
        county = (grid or "420202")[:6]
        org = "".join(rng.choice("0123456789ABCDEFGH") for _ in range(8))
        body = "91" + county + org + uscc.org_check_char(org)
        code = body[:17] + uscc.check_char(body[:17])
        row = dict.fromkeys(ORGANISATION)
        row.update({"uscc": code, "name": f"黄石{rng.choice(ROADS)}{i + 1}号商贸有限公司", "kind": "有限责任公司",
                    "legal_representative": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    "registered_address": _address(rng, grid or cells[0]), "established": f"{rng.randint(1990, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    "status": "存续", "industry": "F", "employees": str(rng.randint(1, 500))})  # fmt: skip
        entity = f"O{i + 1:07d}"
        orgs.append({ENTITY_KEY: entity, **row, **_place(grid)})
        for attribute in ("uscc", "name", "legal_representative"):
            prov.append(("organisation", entity, attribute, row[attribute], "市场监管企业登记", 2, i + 2,
                         f"市场监管企业登记#{i + 2}", "2026-01-03 08:00:00", 0, True))  # fmt: skip
    homes = []
    for i in range(houses):
        grid = where()
        owner = people[rng.randrange(len(people))]
        row = dict.fromkeys(HOUSE)
        row.update({"unit_no": f"420200{i + 1:013d}", "owner_name": owner["name"], "owner_code": owner["citizen_id"],
                    "address": _address(rng, grid or cells[0]), "area": f"{rng.randint(40, 160)}.00", "use": "住宅",
                    "registered": "2019-03-01"})  # fmt: skip
        homes.append({ENTITY_KEY: f"H{i + 1:07d}", **row, **_place(grid)})
    con = duckdb.connect()
    columns = {"person": (ENTITY_KEY, *PERSON, *JURISDICTION_COLUMNS), "organisation":
               (ENTITY_KEY, *ORGANISATION, *JURISDICTION_COLUMNS), "house": (ENTITY_KEY, *HOUSE, *JURISDICTION_COLUMNS)}  # fmt: skip
    for table, rows in (("person", people), ("organisation", orgs), ("house", homes)):
        cols = columns[table]
        con.register(f"src_{table}", pa.table({c: pa.array([r[c] for r in rows], pa.string()) for c in cols}))
    prov_cols = ("entity_type", "entity_id", "attribute", "value", "source", "delivery_id", "row_number",
                 "record_id", "arrived_at", "authority_rank", "chosen")  # fmt: skip
    con.register("src_provenance", pa.table({c: [p[i] for p in prov] for i, c in enumerate(prov_cols)}))
    builder = ReleaseBuilder(ws)
    try:
        for table in ("person", "organisation", "house"):
            builder.add_table(table, con, f"SELECT * FROM src_{table} ORDER BY {ENTITY_KEY}")
        builder.add_table("provenance", con,
                          # attributes named as the pipeline names them: entity.attribute (person.name)
                          "SELECT entity_type, entity_id, entity_type || '.' || attribute AS attribute, value, source, "
                          "CAST(delivery_id AS INTEGER) AS delivery_id, "
                          "CAST(row_number AS INTEGER) AS row_number, record_id, CAST(arrived_at AS TIMESTAMP) AS arrived_at, "
                          "CAST(authority_rank AS INTEGER) AS authority_rank, chosen FROM src_provenance "
                          "ORDER BY entity_type, entity_id, attribute, authority_rank")  # fmt: skip
        return builder.commit({"sample": True, "seed": seed})
    except BaseException:
        builder.abandon()
        raise
    finally:
        con.close()
