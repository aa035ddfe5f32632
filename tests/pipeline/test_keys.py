"""Release queries spell the run's keys out after sorting by them (``keys.Names``): the same rows, in
the same order, as joining the names first would give."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest

from yishu.pipeline import keys, standardise, survive

# the release queries as they were written with joins (the reference)
JOINED_PROVENANCE = f"""
    SELECT e.entity_type, e.entity_id, a.attribute, p.value, d.source, d.delivery_id, {keys.row_of("p.rid")} AS row_number,
           {keys.record_id("d.prefix", "p.rid")} AS record_id, d.arrived_at, CAST(p.rank AS INTEGER) AS authority_rank,
           p.chosen
    FROM provenance p
    JOIN gov_entity e USING (eno)
    JOIN gov_attribute a USING (aid)
    JOIN gov_delivery d ON d.delivery_id = {keys.delivery_of("p.rid")}
    {{where}}
    ORDER BY p.eno, p.aid, p.rank, p.rid"""
JOINED_RECORD_ADDRESS = f"""
    SELECT {keys.record_id("d.prefix", "r.rid")} AS record_id, d.source, d.delivery_id,
           {keys.row_of("r.rid")} AS row_number, a.attribute, r.text, r.address_code, r.level, r.confidence, r.status,
           r.reasons, r.district_code, r.town_code, r.community_code, r.grid_code
    FROM record_address r
    JOIN gov_delivery d ON d.delivery_id = {keys.delivery_of("r.rid")}
    LEFT JOIN gov_attribute a USING (aid)
    ORDER BY r.rid, r.aid"""


@pytest.fixture
def con():
    """A run's small tables with sparse delivery ids, a name with a quote, arrival times to the
    microsecond, and long tables in random order, on two threads that need not keep row order."""
    rng = random.Random(7)
    con = duckdb.connect(config={"threads": 2, "preserve_insertion_order": False})
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    con.execute("CREATE TABLE gov_attribute AS SELECT * FROM (VALUES (1, 'house.address', 'house'), "
                "(2, 'person.actual_address', 'person'), (3, 'person.name', 'person'), "
                "(4, 'person.o''neil', 'person')) t(aid, attribute, entity_type)")  # fmt: skip
    con.execute("CREATE TABLE gov_delivery AS SELECT CAST(delivery_id AS BIGINT) AS delivery_id, source, prefix, arrived_at FROM (VALUES "
                "(3, 'A 户籍', 'A 户籍#', TIMESTAMPTZ '2026-01-02 03:04:05.123456+00'), "
                "(70000, 'B 社保', 'B 社保#70000.', TIMESTAMPTZ '2026-06-30 23:59:59.000001+08'), "
                "(70001, 'C''s', NULL, TIMESTAMPTZ '2025-12-31 16:00:00+00')) t(delivery_id, source, prefix, arrived_at)")  # fmt: skip
    # entities 1-250 people, 251-500 houses, each with values of its own type's attributes only (as
    # candidates are built); a record gives one value per attribute, so the sort keys are unique
    con.execute(
        "CREATE TABLE gov_entity AS SELECT range + 1 AS eno, "
        "CASE WHEN range < 250 THEN 'person' ELSE 'house' END AS entity_type, "
        "'E' || lpad(CAST(range + 1 AS VARCHAR), 6, '0') AS entity_id FROM range(500)"
    )
    deliveries = [3, 70000, 70001]
    rows = {}
    while len(rows) < 20_000:
        eno = rng.randint(1, 500)
        aid = rng.randint(2, 4) if eno <= 250 else 1
        rid = keys.ROW_SPAN * rng.choice(deliveries) + rng.randint(1, 10**6)
        rows[eno, aid, rid] = (rng.choice([None, "甲", "乙", f"v{rng.randint(0, 9)}"]), rng.choice([-1, 0, 1, 100]),
                               rng.random() < 0.3)  # fmt: skip
    names = ("eno", "aid", "rid", "value", "rank", "chosen")
    con.register(
        "p", pa.table(dict(zip(names, zip(*[(*k, *v) for k, v in rows.items()], strict=True), strict=True)))
    )
    con.execute(
        "CREATE TABLE provenance AS SELECT eno, CAST(aid AS INTEGER) AS aid, value, rid, CAST(rank AS INTEGER) AS rank, "
        "chosen FROM p"
    )
    con.unregister("p")
    con.execute(
        "CREATE TABLE record_address AS SELECT rid, CASE WHEN aid = 4 THEN 9 ELSE aid END AS aid, value AS text, "
        "'4202' || aid AS address_code, 'room' AS level, 0.5 AS confidence, 'matched' AS status, NULL AS reasons, "
        "'420202' AS district_code, NULL AS town_code, NULL AS community_code, NULL AS grid_code "
        "FROM (SELECT DISTINCT ON (rid, aid) rid, aid, value FROM provenance)"
    )
    return con


def _rows(con, query: str) -> list[tuple]:
    # timestamps as text (fetching TIMESTAMPTZ needs pytz), in the session's zone
    return con.execute(
        f"SELECT * REPLACE (CAST(arrived_at AS VARCHAR) AS arrived_at) FROM ({query})"
        if "arrived_at" in query
        else query
    ).fetchall()


def test_provenance_spelled_after_the_sort_is_the_joined_table(con):
    names = keys.Names(con)
    assert _rows(con, survive.provenance_release(names)) == _rows(con, JOINED_PROVENANCE.format(where=""))
    part = _rows(con, survive.provenance_release(names, 200, 350))
    assert part == _rows(con, JOINED_PROVENANCE.format(where="WHERE p.eno > 200 AND p.eno <= 350"))
    assert len(part) > 1000 and {r[3] for r in part} >= {None, "甲"}
    assert {r[0] for r in part} == {"person", "house"}
    assert {r[8] for r in part} == {"2026-01-02 11:04:05.123456+08", "2026-06-30 23:59:59.000001+08",
                                    "2026-01-01 00:00:00+08"}  # fmt: skip
    types = "SELECT column_name, column_type FROM (DESCRIBE {})"
    assert (
        con.execute(types.format(survive.provenance_release(names))).fetchall()
        == con.execute(types.format(JOINED_PROVENANCE.format(where=""))).fetchall()
    )


def test_record_address_spelled_after_the_sort_is_the_joined_table(con):
    names = keys.Names(con)
    spelled = _rows(con, standardise.record_address_release(names))
    assert spelled == _rows(con, JOINED_RECORD_ADDRESS)
    assert any(r[4] is None for r in spelled)  # an attribute the run does not know stays NULL
    assert any(r[0] is None for r in spelled)  # a delivery without a prefix: no record id, as before


def test_names_need_attributes_numbered_from_one(con):
    con.execute("UPDATE gov_attribute SET aid = aid + 1")
    with pytest.raises(ValueError, match="aid must number the attributes 1, 2"):
        keys.Names(con)
