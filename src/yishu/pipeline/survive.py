"""Survivorship (一数一源): golden records whose every attribute comes from its authoritative source.

Candidates are the usable values of linked records (``gov_value`` with state ok, rows accepted),
plus the answers of grid workers (source 网格核验, events). For each entity and attribute the value
chosen is the first in this order:

1. a verification answer (rank -1): a person in the field checked exactly this value;
2. the authority map's order of sources (rank 0 = authoritative), sources it does not list last;
3. the more recent delivery;
4. the value more of that source's records of the entity agree on;
5. the smaller value, then record id (only to make the choice deterministic).

Address attributes compare by standard address code when the text matched the register (two ways
of writing one address are not a conflict), else by the delivered text. Every candidate stays in
``provenance`` with its source, delivery, row, arrival time and rank; ``conflict`` lists the
values that disagree with the chosen one, with a severity = sources disagreeing / sources with a
value, which the verification tasks use.

Why our own code: survivorship by an authority map with provenance per value is what MDM products
sell; no open-source library we found does it over SQL engines (../shared/research).
"""

from __future__ import annotations

import pyarrow as pa

from yishu.catalogue.model import Catalogue
from yishu.pipeline.conform import ACCEPTED
from yishu.pipeline.steps import Step
from yishu.standards.sql import lit

VERIFIER = "网格核验"
DECEASED_STATUS = "死亡注销"
ADDRESS_ELEMENT = "address"


def authority_table(catalogue: Catalogue) -> pa.Table:
    rows = [
        (attr, source, rank)
        for attr, sources in catalogue.authority.items()
        for rank, source in enumerate(sources)
    ]
    return pa.table({"attribute": [r[0] for r in rows], "source": [r[1] for r in rows],
                     "authority_rank": pa.array([r[2] for r in rows], pa.int32())})  # fmt: skip


def attributes(catalogue: Catalogue, entity_type: str) -> list[str]:
    """The attributes of an entity type, in the authority map's order (its golden columns)."""
    return [a for a in catalogue.authority if a.split(".", 1)[0] == entity_type]


def address_attributes(catalogue: Catalogue) -> set[str]:
    return {
        f.attribute
        for r in catalogue.resources.values()
        for f in r.fields
        if f.attribute and f.element == ADDRESS_ELEMENT
    }


def steps(catalogue: Catalogue) -> list[Step]:
    addresses = ", ".join(lit(a) for a in sorted(address_attributes(catalogue))) or "NULL"
    verifications = f"""
        WITH a AS (
            SELECT v.record_id, any_value(v.source) AS source, any_value(v.delivery_id) AS delivery_id,
                   any_value(v.row_number) AS row_number,
                   max(CASE WHEN v.element = 'entity_id' THEN v.value END) AS entity_id,
                   max(CASE WHEN v.element = 'attribute_name' THEN v.value END) AS attribute,
                   max(CASE WHEN v.element = 'verified_value' THEN v.value END) AS value,
                   max(CASE WHEN v.element = 'verification_answer' THEN v.value END) AS answer
            FROM gov_value v
            WHERE v.source = {lit(VERIFIER)} AND {ACCEPTED}
            GROUP BY v.record_id)
        SELECT a.*, d.arrived_at FROM a JOIN gov_delivery d USING (delivery_id)
        WHERE a.entity_id IS NOT NULL AND a.answer IS NOT NULL"""
    return [
        Step("verification answers", "verification_answer", verifications),
        Step(
            "candidates",
            "candidate",
            f"""
            SELECT l.entity_type, l.entity_id, v.attribute,
                   CASE WHEN v.attribute IN ({addresses}) THEN coalesce(ra.address_code, v.value) ELSE v.value END
                       AS value,
                   v.source, v.delivery_id, v.row_number, v.record_id, d.arrived_at,
                   coalesce(au.authority_rank, 100) AS authority_rank
            FROM gov_value v
            JOIN link l ON l.record_id = v.record_id
            JOIN gov_delivery d ON d.delivery_id = v.delivery_id
            LEFT JOIN record_address ra ON ra.record_id = v.record_id AND ra.attribute = v.attribute
            LEFT JOIN authority au ON au.attribute = v.attribute AND au.source = v.source
            WHERE {ACCEPTED} AND v.state = 'ok' AND v.attribute IS NOT NULL
              AND split_part(v.attribute, '.', 1) = l.entity_type
            UNION ALL
            SELECT split_part(x.attribute, '.', 1), x.entity_id, x.attribute,
                   CASE WHEN x.answer = 'deceased' AND x.attribute = 'person.status' THEN {lit(DECEASED_STATUS)}
                        WHEN x.answer = 'not_found' THEN NULL
                        WHEN x.attribute IN ({addresses}) THEN coalesce(m.address_code, x.value)
                        ELSE x.value END,
                   x.source, x.delivery_id, x.row_number, x.record_id, x.arrived_at, -1
            FROM (SELECT entity_id, attribute, value, answer, source, delivery_id, row_number, record_id, arrived_at
                  FROM verification_answer WHERE answer IN ('choose', 'enter', 'moved', 'not_found')
                  UNION ALL
                  SELECT entity_id, 'person.status', NULL, answer, source, delivery_id, row_number, record_id,
                         arrived_at FROM verification_answer WHERE answer = 'deceased'
                  UNION ALL
                  SELECT entity_id, 'person.death_date', coalesce(value, CAST(CAST(arrived_at AS DATE) AS VARCHAR)),
                         'enter', source, delivery_id, row_number, record_id, arrived_at
                  FROM verification_answer WHERE answer = 'deceased') x
            LEFT JOIN address_match m ON m.text = x.value
            WHERE x.attribute LIKE '%.%' AND x.attribute NOT LIKE '\\_%' ESCAPE '\\'
            """,
        ),
        Step(
            "provenance",
            "provenance",
            """
            SELECT entity_type, entity_id, attribute, value, source, delivery_id, row_number, record_id, arrived_at,
                   authority_rank,
                   row_number() OVER (PARTITION BY entity_type, entity_id, attribute
                                      ORDER BY authority_rank, arrived_at DESC, support DESC, value NULLS LAST,
                                               record_id) = 1 AS chosen
            FROM (SELECT *, count(*) OVER (PARTITION BY entity_type, entity_id, attribute, source, value) AS support
                  FROM candidate WHERE true /*part:entity_id*/)
            """,
        ),
        Step(
            "conflicts",
            "conflict",
            # only the entity attributes with two different values (or a value and none) can conflict:
            # find them in one pass, then compare within them
            """
            WITH g AS (SELECT entity_type, entity_id, attribute FROM provenance WHERE true /*part:entity_id*/
                       GROUP BY entity_type, entity_id, attribute
                       HAVING min(value) <> max(value) OR (count(value) > 0 AND count(value) < count(*))),
                 p AS (SELECT p.* FROM provenance p JOIN g USING (entity_type, entity_id, attribute)
                       WHERE true /*part:p.entity_id*/),
                 c AS (SELECT entity_type, entity_id, attribute, value AS chosen_value, source AS chosen_source,
                              authority_rank AS chosen_rank
                       FROM p WHERE chosen),
                 s AS (SELECT p.entity_type, p.entity_id, p.attribute, count(DISTINCT p.source) AS sources,
                              count(DISTINCT CASE WHEN p.value IS DISTINCT FROM c.chosen_value THEN p.source END)
                                  AS disagreeing
                       FROM p JOIN c USING (entity_type, entity_id, attribute)
                       GROUP BY ALL)
            SELECT DISTINCT p.entity_type, p.entity_id, p.attribute, c.chosen_value, c.chosen_source,
                   p.value AS other_value, p.source AS other_source,
                   round(CAST(s.disagreeing AS DOUBLE) / s.sources, 4) AS severity
            FROM p JOIN c USING (entity_type, entity_id, attribute)
            JOIN s USING (entity_type, entity_id, attribute)
            WHERE p.value IS DISTINCT FROM c.chosen_value AND c.chosen_rank >= 0
            """,
        ),
    ]


def golden_step(catalogue: Catalogue, entity_type: str, placing: tuple[str, ...]) -> Step:
    """One golden table: a column per attribute, address attributes as text plus ``<name>_code``,
    then the jurisdiction of the first placing attribute that has a standard address."""
    addresses = address_attributes(catalogue)
    columns = []
    for attr in attributes(catalogue, entity_type):
        name = attr.split(".", 1)[1]
        pick = f"max(CASE WHEN p.attribute = {lit(attr)} THEN p.value END)"
        if attr in addresses:
            columns.append(
                f"coalesce(max(CASE WHEN p.attribute = {lit(attr)} THEN a.text END), {pick}) AS {name}"
            )
            columns.append(f"max(CASE WHEN p.attribute = {lit(attr)} THEN a.address_code END) AS {name}_code")
        else:
            columns.append(f"{pick} AS {name}")
    place = [f"g.{p}_code" for p in placing if f"{entity_type}.{p}" in addresses]
    code = (
        f"coalesce({', '.join(place)})"
        if len(place) > 1
        else (place[0] if place else "CAST(NULL AS VARCHAR)")
    )
    return Step(
        f"golden {entity_type}",
        entity_type,
        f"""
        WITH g AS (
            SELECT e.entity_id, {", ".join(columns)}
            FROM (SELECT DISTINCT entity_id FROM link WHERE entity_type = {lit(entity_type)} /*part:entity_id*/) e
            LEFT JOIN (SELECT * FROM provenance WHERE entity_type = {lit(entity_type)} AND chosen /*part:entity_id*/) p
              ON p.entity_id = e.entity_id
            LEFT JOIN address_register a ON a.address_code = p.value
            GROUP BY e.entity_id)
        SELECT g.*, {code} AS address_code, a.district_code, a.town_code, a.community_code, a.grid_code,
               coalesce(a.grid_code, a.community_code, a.town_code, a.district_code) AS jurisdiction
        FROM g LEFT JOIN address_register a ON a.address_code = {code}
        """,
    )
