"""Data quality (数据质量): the six GB/T 36344-2018 dimensions as named SQL steps.

Inputs (tables in one connection; the conform and survive stages write them, keyed as in ``keys``):
``gov_value`` (one row per delivered value) with ``gov_field`` (its column), ``gov_delivery`` (one
row per delivery), ``record_jurisdiction`` (record -> district, town, community, grid),
``gov_attribute``, ``provenance`` and ``conflict`` (``survive``). Output: the release
table ``quality`` (dimension, scope_kind, scope, measured, passed, score = passed / measured), one
row per dimension and scope with at least one unit measured. ``scope_kind`` is ``source``,
``element`` (data element id), ``district``, ``town``, ``community`` or ``grid`` (jurisdiction codes
of the record the unit came from; units of a record whose address did not match count at the source
and element scopes only).

Definitions (the unit counted as ``measured``, and when it ``passed``):

conformance (规范性)
    unit: a delivered value that is not empty (``state`` in ok / invalid), of any field, including
    context fields that feed no attribute; passed: ``state = 'ok'``, its element's standard check
    accepted it. Invalid values carry their reason code; ``top_reasons`` lists them.
completeness (完整性)
    unit: a delivered value of a field that feeds an attribute (``attribute IS NOT NULL``); passed:
    ``state <> 'empty'`` (an invalid value is present: it fails conformance, not completeness).
accuracy (准确性)
    unit: a provenance row that was not chosen (``chosen = false``), with a value, for an entity
    attribute that has a chosen value; passed: its value equals the chosen (authoritative) value.
    The chosen row itself is not counted. Scoped by the candidate's source, the element of the field
    it came from (via ``gov_value`` on source and attribute) and its record's jurisdiction.
consistency (一致性), two rules whose units are added:
    same data: unit: a provenance row with a value whose entity attribute has values from two or more
    sources; passed: no ``conflict`` row for that entity attribute names its source (as the chosen or
    the other source). Consistency is mutual: the authoritative source also fails when another
    source contradicts it (accuracy says which side is wrong).
    related data: unit: a record with a valid citizen ID (``person.citizen_id``, state ok) and a valid
    birth date (``person.birth_date``) or a sex of 1 / 2 (``person.sex``), one unit for each;
    passed: the birth date equals the ID's digits 7-14 (as YYYY-MM-DD), the sex equals the parity of
    the ID's 17th digit (odd = 1). Scoped by the element of the birth date or sex field (the ID is
    the key the rule trusts).
timeliness (时效性)
    unit at the source scope: a delivery of a source with an update cycle (daily, weekly, monthly,
    quarterly, yearly; realtime counts as daily; irregular or none is not measured) that arrived by
    ``as_of``; passed: it was refreshed in time, i.e. the source's next delivery arrived, or, for
    the latest delivery, ``as_of`` is, no later than one cycle (calendar days, months or years) plus
    ``grace`` after it arrived. A delivery that is overdue today fails; so does every past delivery
    that was followed late. At the element and jurisdiction scopes the unit is a delivered value,
    passed when its delivery passed.
accessibility (可访问性)
    unit: a row in (``rows_in``) of a delivery; passed: the row was accepted (landed and usable,
    ``accepted``). Source scope only: a row that was not accepted has no usable value or address.

The SQL avoids engine-only functions (CASE, COALESCE, window LEAD, INTERVAL arithmetic, UNION ALL,
CAST); the few spellings that differ (timestamp literals, temporary tables) are in ``Dialect``
(``DUCKDB``, ``SPARK``; a test reads every step as Spark SQL and checks it gives the same table).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from yishu.duck import tables
from yishu.pipeline.dialect import DUCKDB, SPARK, Dialect
from yishu.pipeline.steps import Step, StepError, run
from yishu.standards.sql import lit

DIMENSIONS = ("conformance", "completeness", "accuracy", "consistency", "timeliness", "accessibility")
SCOPE_KINDS = ("source", "element", "district", "town", "community", "grid")
JURISDICTION_LEVELS = (("district", "district_code"), ("town", "town_code"),
                       ("community", "community_code"), ("grid", "grid_code"))  # fmt: skip
LABELS = {
    "zh": {"conformance": "规范性", "completeness": "完整性", "accuracy": "准确性",
           "consistency": "一致性", "timeliness": "时效性", "accessibility": "可访问性"},
    "en": {d: d.capitalize() for d in DIMENSIONS},
}  # fmt: skip

# The attributes the related-data consistency rule compares.
ID_ATTRIBUTE, BIRTH_ATTRIBUTE, SEX_ATTRIBUTE = "person.citizen_id", "person.birth_date", "person.sex"

# One update cycle, as an interval (SQL standard spelling, also Spark's).
CYCLES = {
    "realtime": "INTERVAL '1' DAY",
    "daily": "INTERVAL '1' DAY",
    "weekly": "INTERVAL '7' DAY",
    "monthly": "INTERVAL '1' MONTH",
    "quarterly": "INTERVAL '3' MONTH",
    "yearly": "INTERVAL '1' YEAR",
}

# The columns of ``quality_check``: units counted per group of scopes. The wide check tables
# (``quality_check_value``, ``quality_check_entity``) count several dimensions in one pass, a
# ``<dimension>_measured`` and ``<dimension>_passed`` column each; ``quality_check`` unpivots them.
CHECK_COLUMNS = (
    "dimension, source, element, district_code, town_code, community_code, grid_code, measured, passed"
)


def _unpivot(table: str, dimension: str, source: str = "source") -> str:
    """One dimension of a wide check table in the columns of ``quality_check``. (Timeliness of
    values has no source scope: a source's timeliness is its deliveries'.)"""
    return (
        f"SELECT {lit(dimension)} AS dimension, {source} AS source, element, district_code, town_code,"
        f" community_code, grid_code, {dimension}_measured AS measured, {dimension}_passed AS passed"
        f" FROM {table} WHERE {dimension}_measured > 0"
    )


def _grace(grace: timedelta) -> str:
    return f"INTERVAL '{int(grace.total_seconds())}' SECOND"


def steps(as_of: datetime, d: Dialect = DUCKDB, grace: timedelta = timedelta(hours=12)) -> list[Step]:
    """The quality steps in order; the last one is ``quality``."""
    as_of_sql = d.timestamp(as_of)
    due = "CASE update_cycle " + " ".join(f"WHEN {lit(c)} THEN arrived_at + {i}" for c, i in CYCLES.items())
    due += " END"
    cycles = ", ".join(lit(c) for c in CYCLES)
    scopes = "district_code, town_code, community_code, grid_code"
    j_scopes = ", ".join("j." + s for s in scopes.split(", "))
    out = [
        Step(
            "quality_delivery",
            "quality_delivery",
            f"""
            SELECT delivery_id, source, update_cycle, arrived_at, next_arrived,
                   CASE WHEN coalesce(next_arrived, {as_of_sql}) <= due + {_grace(grace)} THEN 1 ELSE 0 END
                       AS timely
            FROM (
                SELECT delivery_id, source, update_cycle, arrived_at, {due} AS due,
                       LEAD(arrived_at) OVER (PARTITION BY source ORDER BY arrived_at, delivery_id)
                           AS next_arrived
                FROM gov_delivery
                WHERE update_cycle IN ({cycles}) AND arrived_at <= {as_of_sql}
            ) t
            """,
        ),
        Step(  # one pass over the values (by field): conformance, completeness and timeliness
            "quality_check_value",
            "quality_check_value",
            f"""
            SELECT f.source, f.element, f.attribute, {scopes},
                   sum(c.present) AS conformance_measured, sum(c.ok) AS conformance_passed,
                   sum(CASE WHEN f.attribute IS NOT NULL THEN c.n ELSE 0 END) AS completeness_measured,
                   sum(CASE WHEN f.attribute IS NOT NULL THEN c.present ELSE 0 END) AS completeness_passed,
                   sum(CASE WHEN t.timely IS NOT NULL THEN c.n ELSE 0 END) AS timeliness_measured,
                   sum(CASE WHEN t.timely = 1 THEN c.n ELSE 0 END) AS timeliness_passed
            FROM (SELECT v.field, {j_scopes}, count(*) AS n,
                         sum(CASE WHEN v.raw IS NOT NULL THEN 1 ELSE 0 END) AS present,
                         sum(CASE WHEN v.value IS NOT NULL THEN 1 ELSE 0 END) AS ok
                  FROM gov_value v LEFT JOIN record_jurisdiction j ON j.rid = v.rid
                  GROUP BY v.field, {j_scopes}) c
            JOIN gov_field f USING (field)
            LEFT JOIN quality_delivery t ON t.delivery_id = f.delivery_id
            GROUP BY f.source, f.element, f.attribute, {scopes}
            """,
        ),
        Step(
            "quality_check_delivery",
            "quality_check_delivery",
            f"""
            SELECT 'timeliness' AS dimension, source, CAST(NULL AS VARCHAR) AS element,
                   {", ".join(f"CAST(NULL AS VARCHAR) AS {s}" for s in scopes.split(", "))},
                   count(*) AS measured, sum(timely) AS passed
            FROM quality_delivery GROUP BY source
            UNION ALL
            SELECT 'accessibility', source, CAST(NULL AS VARCHAR),
                   {", ".join("CAST(NULL AS VARCHAR)" for _ in scopes.split(", "))},
                   sum(rows_in), sum(accepted)
            FROM gov_delivery GROUP BY source HAVING sum(rows_in) > 0
            """,
        ),
        Step(  # accuracy and same-data consistency; k: each entity attribute with two or more candidates
            "quality_check_entity",
            "quality_check_entity",
            f"""
            SELECT s.source, c.element, {scopes}, sum(c.accuracy_measured) AS accuracy_measured,
                   sum(c.accuracy_passed) AS accuracy_passed, sum(c.consistency_measured) AS consistency_measured,
                   sum(c.consistency_passed) AS consistency_passed
            FROM (
                SELECT p.sid, e.element, {j_scopes},
                       sum(CASE WHEN NOT p.chosen AND k.chosen_value IS NOT NULL THEN 1 ELSE 0 END)
                           AS accuracy_measured,
                       sum(CASE WHEN NOT p.chosen AND p.value = k.chosen_value THEN 1 ELSE 0 END) AS accuracy_passed,
                       sum(k.sources) AS consistency_measured,
                       sum(CASE WHEN k.sources = 1 AND x.sid IS NULL THEN 1 ELSE 0 END) AS consistency_passed
                FROM provenance p
                JOIN (SELECT eno, aid, min(CASE WHEN chosen THEN value END) AS chosen_value,
                             CASE WHEN min(sid) < max(sid) THEN 1 ELSE 0 END AS sources
                      FROM provenance WHERE value IS NOT NULL /*part:eno*/
                      GROUP BY eno, aid HAVING count(*) > 1) k
                  ON k.eno = p.eno AND k.aid = p.aid
                LEFT JOIN (SELECT f.sid, a.aid, min(f.element) AS element
                           FROM gov_field f JOIN gov_attribute a USING (attribute) GROUP BY f.sid, a.aid) e
                  ON e.sid = p.sid AND e.aid = p.aid
                LEFT JOIN (SELECT eno, aid, chosen_sid AS sid FROM conflict WHERE true /*part:eno*/
                           UNION
                           SELECT eno, aid, other_sid FROM conflict WHERE true /*part:eno*/) x
                  ON x.eno = p.eno AND x.aid = p.aid AND x.sid = p.sid
                LEFT JOIN record_jurisdiction j ON j.rid = p.rid
                WHERE p.value IS NOT NULL /*part:p.eno*/
                GROUP BY p.sid, e.element, {j_scopes}) c
            JOIN (SELECT DISTINCT sid, source FROM gov_delivery) s USING (sid)
            GROUP BY s.source, c.element, {scopes}
            """,
        ),
        Step(
            "quality_check_record",
            "quality_check_record",
            f"""
            SELECT 'consistency' AS dimension, f.source, f.element, {j_scopes}, count(*) AS measured,
                   sum(CASE WHEN v.value = CASE f.attribute
                        WHEN {lit(BIRTH_ATTRIBUTE)} THEN substring(i.value, 7, 4) || '-'
                             || substring(i.value, 11, 2) || '-' || substring(i.value, 13, 2)
                        ELSE CASE WHEN CAST(substring(i.value, 17, 1) AS INTEGER) % 2 = 1
                                  THEN '1' ELSE '2' END
                        END THEN 1 ELSE 0 END) AS passed
            FROM gov_value i
            JOIN gov_field fi ON fi.field = i.field AND fi.attribute = {lit(ID_ATTRIBUTE)}
            JOIN gov_value v ON v.rid = i.rid
            JOIN gov_field f ON f.field = v.field AND f.attribute IN ({lit(BIRTH_ATTRIBUTE)}, {lit(SEX_ATTRIBUTE)})
            LEFT JOIN record_jurisdiction j ON j.rid = v.rid
            WHERE i.value IS NOT NULL AND v.value IS NOT NULL
              AND (f.attribute = {lit(BIRTH_ATTRIBUTE)} OR v.value IN ('1', '2'))
            GROUP BY f.source, f.element, {j_scopes}
            """,
        ),
        Step(
            "quality_check",
            "quality_check",
            " UNION ALL ".join(
                [
                    _unpivot("quality_check_value", "conformance"),
                    _unpivot("quality_check_value", "completeness"),
                    _unpivot("quality_check_value", "timeliness", source="CAST(NULL AS VARCHAR)"),
                    _unpivot("quality_check_entity", "accuracy"),
                    _unpivot("quality_check_entity", "consistency"),
                    f"SELECT {CHECK_COLUMNS} FROM quality_check_delivery",
                    f"SELECT {CHECK_COLUMNS} FROM quality_check_record",
                ]
            ),
        ),
    ]
    per_scope = [("source", "source"), ("element", "element"), *JURISDICTION_LEVELS]
    out.append(
        Step(
            "quality",
            "quality",
            " UNION ALL ".join(
                f"""
                SELECT dimension, {lit(kind)} AS scope_kind, {column} AS scope,
                       CAST(sum(measured) AS BIGINT) AS measured, CAST(sum(passed) AS BIGINT) AS passed,
                       CAST(sum(passed) AS DOUBLE) / sum(measured) AS score
                FROM quality_check WHERE {column} IS NOT NULL
                GROUP BY dimension, {column} HAVING sum(measured) > 0
                """
                for kind, column in per_scope
            ),
        )
    )
    return out


def run_steps(con, steps_: list[Step], d: Dialect = DUCKDB, keep: bool = False, parts: int = 1) -> None:
    """Materialise each step in order on ``con`` (``yishu.pipeline.steps.run``); the intermediate
    tables are dropped afterwards unless ``keep`` (the debug mode: every one stays readable).
    ``parts``: the entity checks run in parts of the entities (their rows are summed by scope later)."""
    run(con, steps_, d, parts=parts)
    if not keep:
        for step in steps_[:-1]:
            con.execute(f"DROP TABLE IF EXISTS {step.output}")


# the checks of delivered values (they read ``gov_value``, which a governance run drops before
# linkage): a run computes them first (``only="values"``) and the entity checks at the end
VALUE_CHECKS = ("quality_delivery", "quality_check_value", "quality_check_delivery", "quality_check_record")


def compute_quality(
    con,
    as_of: datetime,
    *,
    grace: timedelta = timedelta(hours=12),
    keep: bool = False,
    parts: int = 1,
    only: str | None = None,
) -> None:
    """Create table ``quality`` in ``con`` from the governance working tables (see the module doc).

    ``as_of``: the run timestamp (timezone-aware; a naive one is taken as UTC); ``grace``: how late
    a delivery may arrive after its cycle and still be on time. ``only``: ``"values"`` computes the
    checks of delivered values and keeps their tables, ``"entities"`` the rest and ``quality``."""
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    every = steps(as_of, grace=grace)
    if only == "values":
        run(con, [s for s in every if s.name in VALUE_CHECKS], parts=parts)
        return
    if only == "entities":
        run(con, [s for s in every if s.name not in VALUE_CHECKS], parts=parts)
        if not keep:
            for step in every[:-1]:
                con.execute(f"DROP TABLE IF EXISTS {step.output}")
        return
    run_steps(con, every, keep=keep, parts=parts)


def top_reasons(con, limit: int = 10) -> list[dict]:
    """The most frequent reasons values were invalid (what to fix), with the sources they came from.

    Reads ``gov_value`` when the connection has it (a governance run), else the release's
    ``quarantine`` table."""
    present = tables(con)
    if "gov_value" in present:
        base = (
            "SELECT v.reason, f.source, f.element AS field FROM gov_value v JOIN gov_field f USING (field) "
            "WHERE v.raw IS NOT NULL AND v.value IS NULL"
        )
    elif "quarantine" in present:
        base = "SELECT reason, source, column_name AS field FROM quarantine"
    else:
        return []
    rows = con.execute(
        f"""
        SELECT reason, count(*) AS n, field, source FROM ({base}) t
        WHERE reason IS NOT NULL GROUP BY reason, field, source ORDER BY n DESC, reason, field, source
        """
    ).fetchall()
    by_reason: dict[str, dict] = {}
    for reason, n, field, source in rows:
        entry = by_reason.setdefault(reason, {"reason": reason, "count": 0, "sources": {}, "fields": {}})
        entry["count"] += n
        entry["sources"][source] = entry["sources"].get(source, 0) + n
        if field is not None:
            entry["fields"][field] = entry["fields"].get(field, 0) + n
    out = sorted(by_reason.values(), key=lambda e: (-e["count"], e["reason"]))[:limit]
    for e in out:
        e["sources"] = [
            {"source": s, "count": n} for s, n in sorted(e["sources"].items(), key=lambda x: -x[1])
        ]
        e["fields"] = [{"field": f, "count": n} for f, n in sorted(e["fields"].items(), key=lambda x: -x[1])]
    return out


def _score(passed: int, measured: int) -> float | None:
    return passed / measured if measured else None


def _mean(scores) -> float | None:
    known = [s for s in scores if s is not None]
    return sum(known) / len(known) if known else None


def summarise(con, *, worst: int = 10, reasons: int = 10) -> dict:
    """The report's figures from the ``quality`` table of ``con`` (a run or a release connection).

    ``dimensions``: per dimension the units measured and passed over every source (each unit
    belongs to one source) and the score; ``overall``: the mean of the dimension scores;
    ``sources``: the league table, best first; ``worst_elements``: the elements with the lowest
    mean score; ``jurisdictions``: districts with their towns; ``fix``: ``top_reasons``."""
    rows = con.execute(
        "SELECT dimension, scope_kind, scope, measured, passed FROM quality ORDER BY scope_kind, scope, dimension"
    ).fetchall()
    by: dict[str, dict[str, dict[str, tuple[int, int]]]] = {k: {} for k in SCOPE_KINDS}
    for dim, kind, scope, measured, passed in rows:
        by.setdefault(kind, {}).setdefault(scope, {})[dim] = (int(measured), int(passed))

    def entry(scope: str, dims: dict[str, tuple[int, int]]) -> dict:
        scores = {d: _score(p, m) for d, (m, p) in dims.items()}
        return {
            "scope": scope,
            "overall": _mean(scores.values()),
            "scores": {d: scores.get(d) for d in DIMENSIONS},
            "measured": {d: dims[d][0] for d in DIMENSIONS if d in dims},
            "passed": {d: dims[d][1] for d in DIMENSIONS if d in dims},
        }

    dimensions = []
    for dim in DIMENSIONS:
        measured = sum(v[dim][0] for v in by["source"].values() if dim in v)
        passed = sum(v[dim][1] for v in by["source"].values() if dim in v)
        dimensions.append({"dimension": dim, "measured": measured, "passed": passed,
                           "score": _score(passed, measured)})  # fmt: skip
    sources = sorted((entry(s, d) for s, d in by["source"].items()),
                     key=lambda e: (-(e["overall"] or 0), e["scope"]))  # fmt: skip
    for rank, e in enumerate(sources, 1):
        e["rank"] = rank
    elements = sorted((entry(s, d) for s, d in by["element"].items()),
                      key=lambda e: (e["overall"] if e["overall"] is not None else 2, e["scope"]))  # fmt: skip
    towns = [entry(s, d) for s, d in sorted(by["town"].items())]
    districts = []
    for code, dims in sorted(by["district"].items()):
        e = entry(code, dims)
        e["towns"] = [t for t in towns if t["scope"].startswith(code)]
        districts.append(e)
    return {
        "dimensions": dimensions,
        "overall": _mean(d["score"] for d in dimensions),
        "sources": sources,
        "worst_elements": elements[:worst],
        "jurisdictions": districts,
        "fix": top_reasons(con, reasons),
    }


__all__ = ["DIMENSIONS", "DUCKDB", "SCOPE_KINDS", "SPARK", "Dialect", "Step", "StepError", "compute_quality", "run_steps", "steps",
           "summarise", "top_reasons"]  # fmt: skip
