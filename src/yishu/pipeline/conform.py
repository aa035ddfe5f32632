"""Conform and validate: every delivered value mapped to its data element, normalised by the
standards layer, and judged; rows that cannot be used quarantined with their reasons.

Input: the landed Parquet of each delivery in use (``ingest``) and the catalogue resource of its
source (column -> data element -> standards macro -> entity attribute). Output tables:

``gov_value``    one row per delivered value of a mapped column: delivery_id, source, row_number,
                 record_id, entity_type, attribute, element, column_name, raw, value (normal form,
                 NULL when empty or invalid), state (ok / empty / invalid), reason (stable code).
``gov_row``      one row per landed row: delivery_id, source, row_number, record_id, quarantine
                 (NULL when accepted, else the reason code), detail.
``gov_delivery`` per delivery in use: delivery_id, source, arrived_at, rows_in, accepted,
                 quarantined, update_cycle.
``quarantine``   rows and values that could not be used (the release table; see ``schema``).

Which deliveries are in use: a source's latest delivery is its current full snapshot; sources whose
resource is updated in real time (events such as 网格核验 answers) contribute every delivery.
Record ids are ``source#row`` for snapshots and ``source#delivery.row`` for event sources.

Rows quarantined here: ``duplicate_row`` (the same content as an earlier row of the delivery: kept,
with the row it repeats) and ``no_identity`` (no value at all in any field that identifies the
entity: citizen ID, disability card, name; credit code, name; unit number, address). Invalid values
in a usable row are kept in ``quarantine`` at value level and the row goes on without them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from yishu.catalogue.model import Catalogue, DataElement, Resource
from yishu.pipeline.steps import Step
from yishu.standards.sql import lit

EVENT_CYCLES = ("realtime",)
IDENTITY = {
    "person": ("person.citizen_id", "person.disability_card_no", "person.name"),
    "organisation": ("organisation.uscc", "organisation.name"),
    "house": ("house.unit_no", "house.address"),
}
IDENTITY_ELEMENTS = ("entity_id",)  # event sources name the entity they speak of
# ``gov_value v`` of an accepted row. (NOT IN the few quarantined rows: four times faster in DuckDB
# than joining every value to ``gov_row``, which builds a hash table of every row.)
ACCEPTED = "v.record_id NOT IN (SELECT record_id FROM gov_row WHERE quarantine IS NOT NULL)"


@dataclass(frozen=True)
class DeliveryInUse:
    delivery_id: int
    source: str
    arrived_at: str
    rows_in: int
    rows_landed: int
    rows_quarantined: int
    landed_path: Path
    columns: tuple[str, ...]
    resource: Resource | None
    mapped: tuple[tuple[str, str, str | None], ...] = ()  # (column, element, attribute) delivered and mapped

    @property
    def event(self) -> bool:
        return self.resource is not None and self.resource.update_cycle in EVENT_CYCLES

    @property
    def quarantine_path(self) -> Path:
        return self.landed_path.with_name(f"{self.delivery_id}.quarantine.parquet")


def mapping(columns: tuple[str, ...], resource: Resource | None, confirmed: dict[str, str]) -> tuple:
    """The delivered columns mapped to data elements: the resource's own columns, then columns a
    person confirmed for this source (``yishu catalog map --confirm``) standing in for a resource
    field of the same element that this delivery lacks (a department renamed a column)."""
    if resource is None:
        return ()
    present = set(columns)
    out = [(f.column, f.element, f.attribute) for f in resource.fields if f.column in present]
    covered = {f.element for f in resource.fields if f.column in present}
    for column, element in confirmed.items():
        if column in present and column not in {c for c, _e, _a in out} and element not in covered:
            attribute = next((f.attribute for f in resource.fields if f.element == element), None)
            out.append((column, element, attribute))
            covered.add(element)
    return tuple(out)


def deliveries_in_use(rows: list[dict], catalogue: Catalogue,
                      confirmed: dict[str, dict[str, str]] | None = None) -> list[DeliveryInUse]:  # fmt: skip
    """From the control plane's delivery rows: each source's latest, or all for event sources."""
    by_source: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda r: r["delivery_id"]):
        by_source.setdefault(row["source"], []).append(row)
    out = []
    for source in sorted(by_source):
        try:
            resource = catalogue.resource_for_source(source)
        except KeyError:
            resource = None
        chosen = by_source[source]
        if resource is None or resource.update_cycle not in EVENT_CYCLES:
            chosen = chosen[-1:]
        for r in chosen:
            arrived = r["arrived_at"]
            columns = tuple(json.loads(r["columns"]))
            out.append(DeliveryInUse(r["delivery_id"], source, arrived.isoformat() if hasattr(arrived, "isoformat")
                                     else str(arrived), r["rows_in"], r["rows_landed"], r["rows_quarantined"],
                                     Path(r["landed_path"]), columns, resource,
                                     mapping(columns, resource, (confirmed or {}).get(source, {}))))  # fmt: skip
    return out


def normaliser(element: DataElement, raw: str) -> str:
    """The SQL that turns ``raw`` (trimmed, non-empty text) into the element's normal form or NULL."""
    if element.check.normalise:
        return f"CAST({element.check.normalise}({raw}) AS VARCHAR)"
    if element.type == "date":
        return f"CAST(yishu_date({raw}) AS VARCHAR)"
    if element.type == "integer":
        return f"CAST(TRY_CAST(regexp_replace({raw}, '[,，\\s]', '', 'g') AS BIGINT) AS VARCHAR)"
    if element.type == "decimal":
        return f"CAST(TRY_CAST(regexp_replace({raw}, '[,，\\s]', '', 'g') AS DECIMAL(18, 2)) AS VARCHAR)"
    if element.id.endswith("_name"):  # names: no space between two Chinese characters (黄石 兴旺 -> 黄石兴旺)
        cjk = "[\\x{4e00}-\\x{9fff}]"
        return (f"regexp_replace(regexp_replace(regexp_replace({raw}, '\\s+', ' ', 'g'), "
                f"'({cjk}) ({cjk})', '\\1\\2', 'g'), '({cjk}) ({cjk})', '\\1\\2', 'g')")  # fmt: skip
    return f"regexp_replace({raw}, '\\s+', ' ', 'g')"


def reason(element: DataElement, raw: str) -> str:
    """The stable reason code of an invalid value (more precise for the national identifiers)."""
    if element.check.sql == "yishu_id_valid":
        return (f"CASE WHEN NOT regexp_full_match(yishu_id_number({raw}), '[0-9]{{17}}[0-9X]') "
                f"THEN '{element.id}.format' WHEN NOT yishu_id_check_ok(yishu_id_number({raw})) "
                f"THEN '{element.id}.check_digit' ELSE '{element.id}.invalid' END")  # fmt: skip
    if element.check.sql == "yishu_uscc_valid":
        return (f"CASE WHEN length(regexp_replace(upper({raw}), '[^0-9A-Z]', '', 'g')) <> 18 "
                f"THEN '{element.id}.format' ELSE '{element.id}.check_digit' END")  # fmt: skip
    return lit(f"{element.id}.invalid")


def _record_id(d: DeliveryInUse) -> str:
    if d.event:
        return f"{lit(d.source + '#' + str(d.delivery_id) + '.')} || CAST(_row_number AS VARCHAR)"
    return f"{lit(d.source + '#')} || CAST(_row_number AS VARCHAR)"


def _quote(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def value_select(d: DeliveryInUse, catalogue: Catalogue, read) -> str | None:
    """One delivery's mapped values in long form, raw (the part of ``gov_raw`` it contributes).
    One scan of the landed file: each row's values are unnested from a list (a SELECT per column
    read the file once per column and built the record id once per value: 20% slower at 1M persons)."""
    if d.resource is None or not d.mapped:
        return None
    values = ", ".join(
        f"struct_pack(attribute := {lit(attribute) if attribute else 'CAST(NULL AS VARCHAR)'}, "
        f"element := {lit(element)}, column_name := {lit(column)}, raw := nullif(trim({_quote(column)}), ''))"
        for column, element, attribute in d.mapped
    )
    return f"""SELECT delivery_id, {lit(d.source)} AS source, row_number, record_id,
                      {lit(d.resource.entity_type)} AS entity_type, v.attribute, v.element, v.column_name, v.raw
               FROM (SELECT _delivery_id AS delivery_id, _row_number AS row_number, {_record_id(d)} AS record_id,
                            unnest([{values}]) AS v
                     FROM {read(d.landed_path)})"""


def _groups(elements: list[DataElement], build) -> dict[str, list[str]]:
    """Elements grouped by the SQL expression ``build`` gives them, so each standards macro appears
    once per query. (One CASE over every element is 15x slower in DuckDB: it evaluates branches
    over whole vectors.)"""
    groups: dict[str, list[str]] = {}
    for e in elements:
        groups.setdefault(build(e), []).append(e.id)
    return groups


def conform_select(used: list[DeliveryInUse], catalogue: Catalogue) -> str:
    """``gov_value`` from ``gov_raw``: the normal form, the state (ok / empty / invalid) and the reason
    code of every value (precise for the national identifiers: format or check digit).

    Each distinct (element, raw) pair is normalised once and joined back: deliveries repeat values
    (every person's ID, name and birth date in several sources; sex and ethnicity almost always).
    Normalisers are applied bare (they return NULL for NULL): wrapped in ``CASE WHEN raw IS NOT
    NULL`` DuckDB 1.5 runs the standards macros about 100 times slower."""
    ids = sorted({element for d in used for _column, element, _attribute in d.mapped})
    elements = [catalogue.elements[i] for i in ids]
    parts = [
        f"SELECT element, raw, {expr} AS value FROM distinct_raw WHERE element IN ({', '.join(map(lit, group))})"
        for expr, group in _groups(elements, lambda e: normaliser(e, "raw")).items()
    ] or ["SELECT element, raw, CAST(NULL AS VARCHAR) AS value FROM distinct_raw"]
    precise = [
        f"SELECT element, raw, {reason(e, 'raw')} AS reason FROM normal "
        f"WHERE element = {lit(e.id)} AND value IS NULL"
        for e in elements
        if e.check.sql in ("yishu_id_valid", "yishu_uscc_valid")
    ] or ["SELECT CAST(NULL AS VARCHAR) AS element, CAST(NULL AS VARCHAR) AS raw, "
          "CAST(NULL AS VARCHAR) AS reason WHERE 1 = 0"]  # fmt: skip
    return f"""
        WITH distinct_raw AS (SELECT DISTINCT element, raw FROM gov_raw WHERE raw IS NOT NULL),
             normal AS ({" UNION ALL ".join(parts)}),
             why AS ({" UNION ALL ".join(precise)}),
             judged AS (SELECT n.element, n.raw, n.value,
                               CASE WHEN n.value IS NULL THEN coalesce(w.reason, n.element || '.invalid') END AS reason
                        FROM normal n LEFT JOIN why w ON w.element = n.element AND w.raw = n.raw)
        SELECT g.*, j.value,
               CASE WHEN g.raw IS NULL THEN 'empty' WHEN j.value IS NULL THEN 'invalid' ELSE 'ok' END AS state,
               j.reason
        FROM gov_raw g
        LEFT JOIN judged j ON j.element = g.element AND j.raw = g.raw"""


def row_select(d: DeliveryInUse, read) -> str:
    """One delivery's rows with a content hash (for duplicates)."""
    cols = ", ".join(f"coalesce({_quote(c)}, '')" for c in d.columns) or "''"
    return (f"SELECT _delivery_id AS delivery_id, {lit(d.source)} AS source, _row_number AS row_number, "
            f"{_record_id(d)} AS record_id, {lit(d.resource.entity_type if d.resource else '')} AS entity_type, "
            f"md5(concat_ws(chr(31), {cols})) AS content FROM {read(d.landed_path)}")  # fmt: skip


def steps(used: list[DeliveryInUse], catalogue: Catalogue, read) -> list[Step]:
    """The conform steps over the deliveries in use. ``read(path)`` is the dialect's Parquet reader."""
    values = [s for d in used if (s := value_select(d, catalogue, read))]
    rows = [row_select(d, read) for d in used]
    empty_values = ("SELECT CAST(NULL AS BIGINT) AS delivery_id, CAST(NULL AS VARCHAR) AS source, "
                    "CAST(NULL AS BIGINT) AS row_number, CAST(NULL AS VARCHAR) AS record_id, "
                    "CAST(NULL AS VARCHAR) AS entity_type, CAST(NULL AS VARCHAR) AS attribute, "
                    "CAST(NULL AS VARCHAR) AS element, CAST(NULL AS VARCHAR) AS column_name, "
                    "CAST(NULL AS VARCHAR) AS raw WHERE 1 = 0")  # fmt: skip
    identity = " OR ".join(
        f"(v.entity_type = {lit(t)} AND v.attribute IN ({', '.join(lit(a) for a in attrs)}))"
        for t, attrs in IDENTITY.items()
    )
    no_resource = [lit(d.source) for d in used if d.resource is None]
    ingest_bad = [
        f"SELECT _delivery_id AS delivery_id, {lit(d.source)} AS source, _row_number AS row_number, "
        f"CAST(NULL AS VARCHAR) AS column_name, CAST(NULL AS VARCHAR) AS attribute, "
        f"CASE WHEN strpos(reason, ':') > 0 THEN split_part(reason, ':', 1) ELSE reason END AS reason, "
        f"'line ' || CAST(line AS VARCHAR) || ' of ' || file || ': ' || reason AS detail, raw "
        f"FROM {read(d.quarantine_path)}"
        for d in used
        if d.quarantine_path.is_file()
    ]
    return [
        Step("landed values", "gov_raw", " UNION ALL ".join(values) if values else empty_values),
        Step("conform values", "gov_value", conform_select(used, catalogue)),
        Step(
            "row identity",
            "gov_row_identity",
            f"""SELECT v.record_id, max(CASE WHEN {identity} OR v.element IN ({", ".join(map(lit, IDENTITY_ELEMENTS))})
                                             THEN CASE WHEN v.raw IS NOT NULL THEN 1 ELSE 0 END END) AS has_identity,
                       max(CASE WHEN v.raw IS NOT NULL THEN 1 ELSE 0 END) AS has_any
                FROM gov_value v GROUP BY v.record_id""",
        ),
        Step(
            "quarantine rows",
            "gov_row",
            f"""WITH r AS ({" UNION ALL ".join(rows)}),
                     d AS (SELECT *, min(row_number) OVER (PARTITION BY delivery_id, content) AS first_row FROM r)
                SELECT d.delivery_id, d.source, d.row_number, d.record_id, d.entity_type,
                       CASE WHEN d.source IN ({", ".join(no_resource) or "NULL"}) THEN 'source.not_in_catalogue'
                            WHEN d.first_row < d.row_number THEN 'duplicate_row'
                            WHEN coalesce(i.has_any, 0) = 0 THEN 'empty_row'
                            WHEN coalesce(i.has_identity, 0) = 0 THEN 'no_identity' END AS quarantine,
                       CASE WHEN d.first_row < d.row_number THEN 'same content as row ' || CAST(d.first_row AS VARCHAR)
                            WHEN d.source IN ({", ".join(no_resource) or "NULL"}) THEN 'no catalogue resource for this source'
                            WHEN coalesce(i.has_any, 0) = 0 THEN 'no value in any catalogued column'
                            WHEN coalesce(i.has_identity, 0) = 0 THEN 'no value in any identifying column' END AS detail
                FROM d LEFT JOIN gov_row_identity i USING (record_id)""",
        ),
        Step(
            "quarantine",
            "quarantine",
            " UNION ALL ".join(
                [
                    "SELECT delivery_id, source, row_number, CAST(NULL AS VARCHAR) AS column_name, "
                    "CAST(NULL AS VARCHAR) AS attribute, quarantine AS reason, detail, CAST(NULL AS VARCHAR) AS raw "
                    "FROM gov_row WHERE quarantine IS NOT NULL",
                    "SELECT v.delivery_id, v.source, v.row_number, v.column_name, v.attribute, v.reason, "
                    "'value rejected; the row goes on without it', v.raw "
                    "FROM gov_value v WHERE v.state = 'invalid'",
                    *ingest_bad,
                ]
            ),
        ),
    ]


def delivery_table(used: list[DeliveryInUse]):
    """``gov_delivery`` rows as a pyarrow table (accepted and quarantined are filled by SQL later)."""
    import pyarrow as pa

    return pa.table(
        {
            "delivery_id": pa.array([d.delivery_id for d in used], pa.int64()),
            "source": pa.array([d.source for d in used], pa.string()),
            "arrived_at": pa.array([d.arrived_at for d in used], pa.string()),
            "rows_in": pa.array([d.rows_in for d in used], pa.int64()),
            "ingest_quarantined": pa.array([d.rows_quarantined for d in used], pa.int64()),
            "update_cycle": pa.array(
                [d.resource.update_cycle if d.resource else None for d in used], pa.string()
            ),
        }
    )


RECONCILE = Step(
    "reconcile",
    "gov_delivery",
    """SELECT d.delivery_id, d.source, CAST(d.arrived_at AS TIMESTAMPTZ) AS arrived_at, d.rows_in,
              coalesce(r.accepted, 0) AS accepted, d.ingest_quarantined + coalesce(r.quarantined, 0) AS quarantined,
              d.update_cycle
       FROM gov_delivery_in d
       LEFT JOIN (SELECT delivery_id, count(*) FILTER (WHERE quarantine IS NULL) AS accepted,
                         count(*) FILTER (WHERE quarantine IS NOT NULL) AS quarantined
                  FROM gov_row GROUP BY delivery_id) r USING (delivery_id)""",
)
