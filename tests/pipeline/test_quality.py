"""Quality: hand-built working tables with known defects, exact figures per dimension and scope."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import duckdb
import pytest
from typer.testing import CliRunner

from yishu import charts
from yishu.cli import app
from yishu.cli.quality import render_html
from yishu.pipeline.keys import ROW_SPAN
from yishu.pipeline.quality import (
    DIMENSIONS,
    SPARK,
    StepError,
    compute_quality,
    steps,
    summarise,
    top_reasons,
)
from yishu.pipeline.release import ReleaseBuilder
from yishu.workspace import Workspace

runner = CliRunner()

A, B, C = "公安户籍人口", "医保参保", "网格员采集"
ID1, ID3, ID4 = "11010519491231002X", "110105198001010016", "110105199003070033"  # ID1 female, ID3 male
G1, G2 = "370602001001001", "370602002001001"  # two grids in two towns of one district
AS_OF = datetime(2026, 11, 25, tzinfo=UTC)

DELIVERIES = [  # delivery_id, source, arrived_at, rows_in, accepted, quarantined, update_cycle
    (1, A, "2026-11-20 02:00:00+00", 4, 4, 0, "daily"),  # followed 4 days later: late
    (2, A, "2026-11-24 02:00:00+00", 5, 4, 1, "daily"),  # latest, due 11-25 02:00 + 12 h: on time
    (3, B, "2026-10-01 00:00:00+00", 3, 3, 0, "monthly"),  # latest, overdue since 11-01
    (4, C, "2026-11-01 00:00:00+00", 2, 1, 1, None),  # no update cycle: timeliness not measured
]

P, CTX = "person", None
# record_id, delivery_id, source, entity_type, attribute, element, value, state, reason
VALUES = [
    ("a1", 2, A, P, "person.citizen_id", "citizen_id", ID1, "ok", None),
    ("a1", 2, A, P, "person.name", "person_name", "张三", "ok", None),
    ("a1", 2, A, P, "person.birth_date", "birth_date", "1949-12-31", "ok", None),  # agrees with ID1
    ("a1", 2, A, P, "person.sex", "sex", "2", "ok", None),  # agrees with ID1
    ("a2", 2, A, P, "person.citizen_id", "citizen_id", None, "invalid", "citizen_id.check_digit"),
    ("a2", 2, A, P, "person.name", "person_name", "李四", "ok", None),
    ("a2", 2, A, P, "person.birth_date", "birth_date", None, "empty", None),
    ("a2", 2, A, P, "person.sex", "sex", "1", "ok", None),
    ("a3", 2, A, P, "person.citizen_id", "citizen_id", ID3, "ok", None),
    ("a3", 2, A, P, "person.name", "person_name", "王五", "ok", None),
    ("a3", 2, A, P, "person.birth_date", "birth_date", "1980-01-02", "ok", None),  # ID3 says 01-01
    ("a3", 2, A, P, "person.sex", "sex", "1", "ok", None),  # agrees with ID3
    ("a4", 1, A, P, "person.citizen_id", "citizen_id", ID4, "ok", None),
    ("a4", 1, A, P, "person.name", "person_name", None, "empty", None),
    ("a4", 1, A, P, CTX, "grid_name", None, "invalid", "grid_name.unknown"),  # context field
    ("b1", 3, B, P, "person.citizen_id", "citizen_id", ID1, "ok", None),
    ("b1", 3, B, P, "person.name", "person_name", "张三", "ok", None),
    ("b1", 3, B, P, "person.birth_date", "birth_date", "1949-12-31", "ok", None),
    ("b1", 3, B, P, "person.sex", "sex", "1", "ok", None),  # ID1 says female
    ("b1", 3, B, P, "person.phone", "phone", None, "invalid", "phone.format"),
    ("c1", 4, C, P, "person.citizen_id", "citizen_id", ID1, "ok", None),
    ("c1", 4, C, P, "person.name", "person_name", "张山", "ok", None),
]
JURISDICTION = {"a1": G1, "a2": G1, "a3": G2, "b1": G2, "c1": G1}  # a4's address did not match

# entity P1 = a1 + b1 + c1; the others have one source each
PROVENANCE = [  # entity_id, attribute, value, source, record_id, chosen
    ("P1", "person.citizen_id", ID1, A, "a1", True),
    ("P1", "person.citizen_id", ID1, B, "b1", False),
    ("P1", "person.citizen_id", ID1, C, "c1", False),
    ("P1", "person.name", "张三", A, "a1", True),
    ("P1", "person.name", "张三", B, "b1", False),
    ("P1", "person.name", "张山", C, "c1", False),
    ("P1", "person.birth_date", "1949-12-31", A, "a1", True),
    ("P1", "person.birth_date", "1949-12-31", B, "b1", False),
    ("P1", "person.sex", "2", A, "a1", True),
    ("P1", "person.sex", "1", B, "b1", False),
    ("P1", "person.phone", None, B, "b1", False),  # no value: not measured
    ("P2", "person.name", "李四", A, "a2", True),
    ("P3", "person.name", "王五", A, "a3", True),
]
CONFLICTS = [  # entity_id, attribute, chosen_value, chosen_source, other_value, other_source
    ("P1", "person.name", "张三", A, "张山", C),
    ("P1", "person.sex", "2", A, "1", B),
]


def build(con: duckdb.DuckDBPyConnection) -> None:
    """The working tables of a governance run (keyed as ``yishu.pipeline.keys`` says) from the rows above."""
    sid = {s: i for i, s in enumerate(sorted({d[1] for d in DELIVERIES}), start=1)}
    con.execute(
        "CREATE TABLE gov_delivery (delivery_id BIGINT, sid INTEGER, source VARCHAR, arrived_at TIMESTAMPTZ,"
        " rows_in BIGINT, accepted BIGINT, quarantined BIGINT, update_cycle VARCHAR)"
    )
    con.executemany(
        "INSERT INTO gov_delivery VALUES (?, ?, ?, CAST(? AS TIMESTAMPTZ), ?, ?, ?, ?)",
        [(d[0], sid[d[1]], *d[1:]) for d in DELIVERIES],
    )
    fields = {}  # (delivery, attribute, element) -> field
    for _r, d, s, et, at, el, *_rest in VALUES:
        fields.setdefault((d, s, et, at, el), len(fields) + 1)
    con.execute(
        "CREATE TABLE gov_field (field INTEGER, delivery_id BIGINT, sid INTEGER, source VARCHAR, entity_type VARCHAR,"
        " attribute VARCHAR, element VARCHAR, column_name VARCHAR)"
    )
    con.executemany(
        "INSERT INTO gov_field VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(f, d, sid[s], s, et, at, el, el) for (d, s, et, at, el), f in fields.items()],
    )
    attributes = sorted({v[4] for v in VALUES if v[4]} | {p[1] for p in PROVENANCE})
    aid = {a: i for i, a in enumerate(attributes, start=1)}
    con.execute("CREATE TABLE gov_attribute (aid INTEGER, attribute VARCHAR, entity_type VARCHAR)")
    con.executemany("INSERT INTO gov_attribute VALUES (?, ?, 'person')", [(i, a) for a, i in aid.items()])
    delivery_of = {v[0]: v[1] for v in VALUES}
    rid = {r: d * ROW_SPAN + int(r[1]) for r, d in delivery_of.items()}
    con.execute(
        "CREATE TABLE gov_value (rid BIGINT, field INTEGER, raw VARCHAR, value VARCHAR, reason VARCHAR)"
    )
    con.executemany(  # an invalid value was delivered (raw) and has no normal form
        "INSERT INTO gov_value VALUES (?, ?, ?, ?, ?)",
        [(rid[r], fields[(d, s, et, at, el)], None if st == "empty" else v or "?", v, rs)
         for r, d, s, et, at, el, v, st, rs in VALUES],
    )  # fmt: skip
    con.execute(
        "CREATE TABLE record_jurisdiction (rid BIGINT, district_code VARCHAR, town_code VARCHAR,"
        " community_code VARCHAR, grid_code VARCHAR)"
    )
    con.executemany(
        "INSERT INTO record_jurisdiction VALUES (?, ?, ?, ?, ?)",
        [
            (rid[r], *((g[:6], g[:9], g[:12], g) if (g := JURISDICTION.get(r)) else (None,) * 4))
            for r in sorted(rid)
        ],
    )
    eno = {e: i for i, e in enumerate(sorted({p[0] for p in PROVENANCE}), start=1)}
    con.execute(
        "CREATE TABLE provenance (eno BIGINT, aid INTEGER, value VARCHAR, rid BIGINT, rank INTEGER, sid INTEGER,"
        " chosen BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO provenance VALUES (?, ?, ?, ?, 0, ?, ?)",
        [(eno[e], aid[a], v, rid[r], sid[s], c) for e, a, v, s, r, c in PROVENANCE],
    )
    con.execute(
        "CREATE TABLE conflict (eno BIGINT, aid INTEGER, chosen_value VARCHAR, chosen_sid INTEGER,"
        " other_value VARCHAR, other_sid INTEGER, severity DOUBLE)"
    )
    con.executemany(
        "INSERT INTO conflict VALUES (?, ?, ?, ?, ?, ?, 1.0)",
        [(eno[e], aid[a], cv, sid[cs], ov, sid[os]) for e, a, cv, cs, ov, os in CONFLICTS],
    )


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    build(c)
    compute_quality(c, AS_OF)
    yield c
    c.close()


def figures(con) -> dict[tuple[str, str, str], tuple[int, int]]:
    rows = con.execute("SELECT dimension, scope_kind, scope, measured, passed, score FROM quality").fetchall()
    for _d, _k, _s, measured, passed, score in rows:
        assert score == pytest.approx(passed / measured)
    return {(d, k, s): (m, p) for d, k, s, m, p, _score in rows}


# (dimension, scope kind, scope) -> (measured, passed), worked out by hand from the tables above
EXPECTED = [
    # conformance: non-empty values, ok among ok / invalid
    ("conformance", "source", A, 13, 11),  # a1 4/4, a2 2/3, a3 4/4, a4 1/2 (context field counts)
    ("conformance", "source", B, 5, 4),  # the phone is invalid
    ("conformance", "source", C, 2, 2),
    ("conformance", "element", "citizen_id", 6, 5),
    ("conformance", "element", "grid_name", 1, 0),
    ("conformance", "grid", G1, 9, 8),  # a1, a2, c1
    ("conformance", "community", G1[:12], 9, 8),
    ("conformance", "town", G1[:9], 9, 8),
    ("conformance", "grid", G2, 9, 8),  # a3, b1
    ("conformance", "district", G1[:6], 18, 16),
    # completeness: values of attribute fields, present among delivered
    ("completeness", "source", A, 14, 12),  # a2's birth date and a4's name are empty
    ("completeness", "source", B, 5, 5),  # an invalid value is present
    ("completeness", "element", "birth_date", 4, 3),
    ("completeness", "element", "person_name", 6, 5),
    ("completeness", "grid", G1, 10, 9),
    # accuracy: non-chosen candidates against the chosen value
    ("accuracy", "source", B, 4, 3),  # sex differs
    ("accuracy", "source", C, 2, 1),  # name differs
    ("accuracy", "element", "citizen_id", 2, 2),
    ("accuracy", "element", "person_name", 2, 1),
    ("accuracy", "element", "sex", 1, 0),
    ("accuracy", "grid", G1, 2, 1),  # c1's
    ("accuracy", "grid", G2, 4, 3),  # b1's
    ("accuracy", "district", G1[:6], 6, 4),
    # consistency: same data across sources (conflicts) + ID against birth date and sex
    ("consistency", "source", A, 8, 5),  # same data 2/4 (name, sex in conflict), a1 2/2, a3 1/2
    ("consistency", "source", B, 6, 4),  # same data 3/4, b1 1/2
    ("consistency", "source", C, 2, 1),
    ("consistency", "element", "birth_date", 5, 4),  # same data 2/2, records 2/3
    ("consistency", "element", "sex", 5, 2),  # same data 0/2, records 2/3
    ("consistency", "element", "citizen_id", 3, 3),
    ("consistency", "grid", G1, 8, 5),  # candidates from a1 2/4 and c1 1/2, a1 2/2
    ("consistency", "grid", G2, 8, 5),  # candidates from b1 3/4, a3 1/2, b1 1/2
    # timeliness: deliveries refreshed within their cycle; values by their delivery
    ("timeliness", "source", A, 2, 1),
    ("timeliness", "source", B, 1, 0),
    ("timeliness", "element", "citizen_id", 5, 3),  # a1, a2, a3 on time; a4, b1 late; c1 no cycle
    ("timeliness", "grid", G1, 8, 8),
    ("timeliness", "grid", G2, 9, 4),
    # accessibility: accepted among rows in
    ("accessibility", "source", A, 9, 8),
    ("accessibility", "source", B, 3, 3),
    ("accessibility", "source", C, 2, 1),
]


@pytest.mark.parametrize(("dimension", "kind", "scope", "measured", "passed"), EXPECTED)
def test_figures(con, dimension, kind, scope, measured, passed):
    assert figures(con)[(dimension, kind, scope)] == (measured, passed)


def test_not_measured(con):
    got = figures(con)
    assert ("timeliness", "source", C) not in got  # no update cycle
    assert not any(k == "element" and d == "accessibility" for d, k, _s in got)  # source scope only
    assert ("conformance", "element", "phone") in got and ("accuracy", "element", "phone") not in got
    assert {k for _d, k, _s in got} == {"source", "element", "district", "town", "community", "grid"}


def test_steps_are_named_and_portable():
    names = [s.name for s in steps(AS_OF)]
    assert names[-1] == "quality" and len(names) == len(set(names))
    text = " ".join(s.sql for s in steps(AS_OF)).lower()
    for duckdb_only in ("::", "strftime", "regexp_full_match", "list_", "struct_pack", "qualify", "epoch"):
        assert duckdb_only not in text


def test_grace_changes_timeliness():
    c = duckdb.connect()
    build(c)
    compute_quality(c, datetime(2026, 11, 25, 15, tzinfo=UTC))  # 13 h past the daily deadline
    assert figures(c)[("timeliness", "source", A)] == (2, 0)


def test_summary(con):
    s = summarise(con)
    dims = {d["dimension"]: d for d in s["dimensions"]}
    assert [d["dimension"] for d in s["dimensions"]] == list(DIMENSIONS)
    assert (dims["conformance"]["measured"], dims["conformance"]["passed"]) == (20, 17)
    assert dims["accuracy"]["score"] == pytest.approx(4 / 6)
    assert dims["consistency"]["score"] == pytest.approx(10 / 16)
    assert dims["timeliness"]["score"] == pytest.approx(1 / 3)
    assert dims["accessibility"]["score"] == pytest.approx(12 / 14)
    assert s["overall"] == pytest.approx(sum(d["score"] for d in s["dimensions"]) / 6)
    assert [e["rank"] for e in s["sources"]] == [1, 2, 3]
    assert s["sources"][0]["overall"] >= s["sources"][-1]["overall"]
    assert [d["scope"] for d in s["jurisdictions"]] == ["370602"]
    assert [t["scope"] for t in s["jurisdictions"][0]["towns"]] == [G1[:9], G2[:9]]
    assert s["worst_elements"][0]["scope"] == "grid_name"  # 0 of 1 conformant
    assert [(r["reason"], r["count"]) for r in s["fix"]] == [
        ("citizen_id.check_digit", 1),
        ("grid_name.unknown", 1),
        ("phone.format", 1),
    ]
    assert top_reasons(con, 1)[0]["sources"] == [{"source": A, "count": 1}]


def _release(tmp_path, con):
    ws = Workspace.init(tmp_path / "ws").workspace
    b = ReleaseBuilder(ws)
    b.add_table("quality", con, "SELECT * FROM quality")
    b.add_table(
        "quarantine",
        con,
        "SELECT f.delivery_id, f.source, v.rid % 4294967296 AS row_number, f.column_name, f.attribute, v.reason,"
        " NULL AS detail, v.raw FROM gov_value v JOIN gov_field f USING (field)"
        " WHERE v.raw IS NOT NULL AND v.value IS NULL",
    )
    b.commit()
    return ws


def test_report_json(tmp_path, con):
    ws = _release(tmp_path, con)
    out = tmp_path / "q.json"
    result = runner.invoke(
        app, ["quality", "report", "--format", "json", "--out", str(out), "--home", str(ws.home)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(data) >= {
        "release",
        "overall",
        "dimensions",
        "sources",
        "worst_elements",
        "jurisdictions",
        "fix",
    }
    assert data["release"] == 1
    dim = data["dimensions"][0]
    assert set(dim) >= {"dimension", "label", "measured", "passed", "score"}
    assert (dim["dimension"], dim["measured"], dim["passed"]) == ("conformance", 20, 17)
    src = data["sources"][0]
    assert set(src) >= {"rank", "scope", "overall", "scores", "measured", "passed"}
    assert set(src["scores"]) == set(DIMENSIONS)
    assert data["fix"][0]["reason"] == "citizen_id.check_digit"  # read from the release's quarantine
    assert data["fix"][0]["element_name"] == "公民身份号码"  # from the built-in catalogue
    assert (data["worst_elements"][0]["scope"], data["worst_elements"][0]["name"]) == ("grid_name", "网格")
    # stdout when no --out
    printed = runner.invoke(app, ["quality", "report", "--format", "json", "--home", str(ws.home)])
    assert json.loads(printed.output)["release"] == 1


def test_report_html(tmp_path, con):
    ws = _release(tmp_path, con)
    out = tmp_path / "q.html"
    result = runner.invoke(
        app, ["quality", "report", "--format", "html", "--out", str(out), "--home", str(ws.home)]
    )
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", html)  # nothing fetched
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html
    assert "<script" not in html and "<link" not in html
    assert 'title="11 / 13 合格">84.6%' in html  # conformance of A, with its counts
    for text in ("规范性", "准确性", "85.0%", "66.7%", A, B, "citizen_id.check_digit", "芝罘区", "<svg"):
        assert text in html, text
    english = runner.invoke(
        app,
        ["quality", "report", "--format", "html", "--lang", "en", "--release", "1", "--home", str(ws.home)],
    )
    assert english.exit_code == 0 and "Conformance" in english.output and "规范性" not in english.output


def test_report_without_release(tmp_path):
    ws = Workspace.init(tmp_path / "ws").workspace
    result = runner.invoke(app, ["quality", "report", "--home", str(ws.home)])
    assert result.exit_code == 1 and "no release" in result.output


def test_render_html_directly(con):
    html = render_html(summarise(con), release=None, lang="zh")
    assert html.startswith("<!DOCTYPE html>") and "数据质量报告" in html


def test_charts_are_svg():
    bar = charts.bar_chart([("规范性", 0.85), ("<b>", None)], width=300)
    assert bar.startswith("<svg") and "85.0%" in bar and "&lt;b&gt;" in bar and "—" in bar
    heat = charts.heat_table(["x"], [("row", [0.5])])
    assert "<table" in heat and "50.0%" in heat


def test_failing_step_is_named():
    c = duckdb.connect()
    build(c)
    c.execute("DROP TABLE conflict")
    with pytest.raises(StepError, match="quality_check_entity"):
        compute_quality(c, AS_OF)


def test_empty_inputs_give_an_empty_report(tmp_path):
    c = duckdb.connect()
    build(c)
    for table in ("gov_value", "gov_delivery", "provenance", "conflict", "record_jurisdiction"):
        c.execute(f"DELETE FROM {table}")
    compute_quality(c, AS_OF)
    assert c.execute("SELECT count(*) FROM quality").fetchone()[0] == 0
    s = summarise(c)
    assert s["overall"] is None and all(d["score"] is None for d in s["dimensions"])
    html = render_html(s, lang="en")
    assert "not measured" in html and "No invalid values found." in html
    ws = Workspace.init(tmp_path / "ws").workspace
    b = ReleaseBuilder(ws)
    b.add_table("person", c, "SELECT 1 AS entity_id")
    b.commit()
    result = runner.invoke(app, ["quality", "report", "--release", "1", "--home", str(ws.home)])
    assert result.exit_code == 1 and "no quality table" in result.output


def test_spark_sql_reads_as_spark_and_gives_the_same_figures(con):
    """Each step as the Spark dialect writes it, parsed as Spark SQL and run on DuckDB: same table."""
    sqlglot = pytest.importorskip("sqlglot")
    c = duckdb.connect()
    c.execute("SET TimeZone = 'UTC'")
    build(c)
    for step in steps(AS_OF, SPARK):
        query = sqlglot.transpile(step.sql, read="spark", write="duckdb")[0]
        c.execute(f"CREATE OR REPLACE TABLE {step.name} AS {query}")
    assert figures(c) == figures(con)
