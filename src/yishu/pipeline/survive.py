"""Survivorship (一数一源): golden records whose every attribute comes from its authoritative source.

Candidates are the usable values of linked records (``gov_value`` with state ok, rows accepted),
plus the answers of grid workers (source 网格核验, events). For each entity and attribute the value
chosen is the first in this order:

1. a verification answer (rank -1): a person in the field checked exactly this value;
2. the authority map's order of sources (rank 0 = authoritative), sources it does not list last;
3. the more recent delivery;
4. the value more of that source's records of the entity agree on;
5. the smaller value, then the earlier delivery and row (only to make the choice deterministic).

Address attributes compare by standard address code when the text matched the register (two ways
of writing one address are not a conflict), else by the delivered text. Every candidate stays in
``provenance`` with its source, delivery, row, arrival time and rank; ``conflict`` lists the
values that disagree with the chosen one, with a severity = sources disagreeing / sources with a
value, which the verification tasks use.

The working tables are keyed by numbers (``keys``): ``candidate`` and ``provenance`` (eno, aid,
value, rid, rank, sid, and ``chosen``) and ``conflict`` (eno, aid, chosen_value, chosen_sid,
other_value, other_sid, severity); ``provenance_release`` and ``CONFLICT_RELEASE`` spell them out
for the release.

Why our own code: survivorship by an authority map with provenance per value is what MDM products
sell; no open-source library we found does it over SQL engines (../shared/research).
"""

from __future__ import annotations

import pyarrow as pa

from yishu.catalogue.model import Catalogue
from yishu.pipeline import keys
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
    """The survivorship steps: answers, attributes, answer values and the values of records (before
    linkage), then candidates, provenance and conflicts (``survival[4:]``, after it)."""
    addresses = ", ".join(lit(a) for a in sorted(address_attributes(catalogue))) or "NULL"
    # the attributes values can have: the catalogue's, and those grid workers' answers name
    candidate_attribute = "attribute LIKE '%.%' AND attribute NOT LIKE '\\_%' ESCAPE '\\'"
    return [
        Step(
            "verification answers",
            "verification_answer",
            f"""
            WITH a AS (
                SELECT v.rid,
                       max(CASE WHEN f.element = 'entity_id' THEN v.value END) AS entity_id,
                       max(CASE WHEN f.element = 'attribute_name' THEN v.value END) AS attribute,
                       max(CASE WHEN f.element = 'verified_value' THEN v.value END) AS value,
                       max(CASE WHEN f.element = 'verification_answer' THEN v.value END) AS answer
                FROM gov_value v JOIN gov_field f USING (field)
                WHERE f.source = {lit(VERIFIER)} AND {ACCEPTED}
                GROUP BY v.rid)
            SELECT a.*, d.arrived_at FROM a JOIN gov_delivery d ON d.delivery_id = {keys.delivery_of("a.rid")}
            WHERE a.entity_id IS NOT NULL AND a.answer IS NOT NULL""",
        ),
        Step(
            "attributes",
            "gov_attribute",
            f"""
            SELECT CAST(row_number() OVER (ORDER BY attribute) AS INTEGER) AS aid, attribute,
                   split_part(attribute, '.', 1) AS entity_type, attribute IN ({addresses}) AS address
            FROM (SELECT attribute FROM gov_field UNION SELECT attribute FROM authority
                  UNION SELECT attribute FROM verification_answer
                  UNION SELECT 'person.status' UNION SELECT 'person.death_date')
            WHERE {candidate_attribute}""",
        ),
        Step(
            "answer values",
            "gov_answer",
            f"""
            SELECT x.rid, a.entity_type, x.entity_id, a.aid,
                   CASE WHEN x.answer = 'deceased' AND x.attribute = 'person.status' THEN {lit(DECEASED_STATUS)}
                        WHEN x.answer = 'not_found' THEN NULL
                        WHEN a.address THEN coalesce(m.address_code, x.value)
                        ELSE x.value END AS value
            FROM (SELECT entity_id, attribute, value, answer, rid FROM verification_answer
                  WHERE answer IN ('choose', 'enter', 'moved', 'not_found')
                  UNION ALL
                  SELECT entity_id, 'person.status', NULL, answer, rid FROM verification_answer WHERE answer = 'deceased'
                  UNION ALL
                  SELECT entity_id, 'person.death_date', coalesce(value, CAST(CAST(arrived_at AS DATE) AS VARCHAR)),
                         'enter', rid
                  FROM verification_answer WHERE answer = 'deceased') x
            JOIN gov_attribute a USING (attribute)
            LEFT JOIN address_match m ON m.text = x.value""",
        ),
        Step(
            "values of records",
            "gov_candidate",
            # before linkage, so that the value table can go: the candidates of accepted records, by record
            f"""
            SELECT v.rid, f.aid, CASE WHEN f.address THEN coalesce(ra.address_code, v.value) ELSE v.value END AS value,
                   f.authority_rank AS rank, d.arrival, f.sid
            FROM gov_value v
            JOIN (SELECT f.field, f.delivery_id, f.sid, f.authority_rank, a.aid, a.address
                  FROM gov_field f JOIN gov_attribute a USING (attribute) WHERE a.entity_type = f.entity_type) f
              USING (field)
            JOIN gov_delivery d ON d.delivery_id = f.delivery_id AND NOT d.event
            LEFT JOIN record_address ra ON ra.rid = v.rid AND ra.aid = f.aid
            WHERE v.value IS NOT NULL AND {ACCEPTED}""",
        ),
        Step(
            "candidates",
            "candidate",
            # ``multi``: the candidates of an entity may repeat a source's value (two records of one
            # source, two columns of a record for one attribute, answers); only theirs need ``support``
            f"""
            WITH repeats AS (SELECT delivery_id FROM gov_field f JOIN gov_attribute a USING (attribute)
                             GROUP BY delivery_id, a.aid HAVING count(*) > 1),
                 multi AS (SELECT eno FROM link GROUP BY eno, delivery_id HAVING count(*) > 1
                           UNION SELECT eno FROM link WHERE delivery_id IN (SELECT delivery_id FROM repeats)
                           UNION SELECT e.eno FROM gov_answer JOIN gov_entity e USING (entity_type, entity_id))
            SELECT c.*, c.eno IN (SELECT eno FROM multi) AS multi
            FROM (SELECT l.eno, c.aid, c.value, c.rid, c.rank, c.arrival, c.sid
                  FROM gov_candidate c JOIN link l USING (rid)
                  UNION ALL
                  SELECT e.eno, x.aid, x.value, x.rid, -1, d.arrival, d.sid
                  FROM gov_answer x JOIN gov_entity e USING (entity_type, entity_id)
                  JOIN gov_delivery d ON d.delivery_id = {keys.delivery_of("x.rid")}) c""",
        ),
        Step(
            "provenance",
            "provenance",
            # ``support`` (how many of the source's candidates agree) counted only where it can exceed 1
            """
            SELECT eno, aid, value, rid, rank, sid,
                   row_number() OVER (PARTITION BY eno, aid
                                      ORDER BY rank, arrival, support DESC, value NULLS LAST, rid) = 1 AS chosen
            FROM (SELECT eno, aid, value, rid, rank, arrival, sid, 1 AS support
                  FROM candidate WHERE NOT multi /*part:eno*/
                  UNION ALL
                  SELECT eno, aid, value, rid, rank, arrival, sid,
                         count(*) OVER (PARTITION BY eno, aid, sid, value) AS support
                  FROM candidate WHERE multi /*part:eno*/)
            """,
        ),
        Step(
            "conflicts",
            "conflict",
            # only the entity attributes with two different values (or a value and none) can conflict:
            # find them in one pass, then compare within them
            """
            WITH g AS (SELECT eno, aid FROM provenance WHERE true /*part:eno*/
                       GROUP BY eno, aid
                       HAVING min(value) <> max(value) OR (count(value) > 0 AND count(value) < count(*))),
                 p AS (SELECT p.* FROM provenance p JOIN g USING (eno, aid) WHERE true /*part:p.eno*/),
                 c AS (SELECT eno, aid, value AS chosen_value, sid AS chosen_sid, rank AS chosen_rank
                       FROM p WHERE chosen),
                 s AS (SELECT p.eno, p.aid, count(DISTINCT p.sid) AS sources,
                              count(DISTINCT CASE WHEN p.value IS DISTINCT FROM c.chosen_value THEN p.sid END)
                                  AS disagreeing
                       FROM p JOIN c USING (eno, aid)
                       GROUP BY ALL)
            SELECT DISTINCT p.eno, p.aid, c.chosen_value, c.chosen_sid, p.value AS other_value, p.sid AS other_sid,
                   round(CAST(s.disagreeing AS DOUBLE) / s.sources, 4) AS severity
            FROM p JOIN c USING (eno, aid)
            JOIN s USING (eno, aid)
            WHERE p.value IS DISTINCT FROM c.chosen_value AND c.chosen_rank >= 0
            """,
        ),
    ]


SOURCES = "(SELECT DISTINCT sid, source FROM gov_delivery)"


# the release tables ``provenance`` and ``conflict``: entities, attributes, sources and records spelled out
def provenance_release(names: keys.Names, after: int | None = None, upto: int | None = None) -> str:
    """The release table ``provenance`` (of the entities ``after < eno <= upto`` when given, a part of
    it), in key order: the rows sorted by their numbers, then the names spelled (``keys.Names``)."""
    within = " AND ".join(
        c
        for c in (
            f"p.eno > {after}" if after is not None else "",
            f"p.eno <= {upto}" if upto is not None else "",
        )
        if c
    )
    return f"""
    SELECT {names.entity_type("aid")} AS entity_type, entity_id, {names.attribute("aid")} AS attribute, value,
           {names.source("dno")} AS source, {keys.delivery_of("rid")} AS delivery_id, {keys.row_of("rid")} AS row_number,
           {names.record_id("dno", "rid")} AS record_id, {names.arrived_at("dno")} AS arrived_at,
           CAST(rank AS INTEGER) AS authority_rank, chosen
    FROM (SELECT e.entity_id, p.aid, p.value, p.rid, d.dno, p.rank, p.chosen
          FROM provenance p
          JOIN gov_entity e USING (eno)
          {names.delivery_number("d", "p.rid")}
          {"WHERE " + within if within else ""}
          ORDER BY p.eno, p.aid, p.rank, p.rid)"""


CONFLICT_RELEASE = f"""
    SELECT e.entity_type, e.entity_id, a.attribute, c.chosen_value, s.source AS chosen_source, c.other_value,
           o.source AS other_source, c.severity
    FROM conflict c
    JOIN gov_entity e USING (eno)
    JOIN gov_attribute a USING (aid)
    JOIN {SOURCES} s ON s.sid = c.chosen_sid
    JOIN {SOURCES} o ON o.sid = c.other_sid
    ORDER BY c.eno, c.aid, o.source, c.other_value"""


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
            FROM (SELECT eno, entity_id FROM gov_entity WHERE entity_type = {lit(entity_type)} AND linked /*part:eno*/) e
            LEFT JOIN (SELECT p.eno, t.attribute, p.value, CASE WHEN t.address THEN p.value END AS code
                       FROM provenance p JOIN gov_attribute t USING (aid)
                       WHERE t.entity_type = {lit(entity_type)} AND p.chosen /*part:p.eno*/) p
              ON p.eno = e.eno
            -- only address attributes look up the register (a NULL code finds nothing at once)
            LEFT JOIN address_register a ON a.address_code = p.code
            GROUP BY e.eno, e.entity_id)
        SELECT g.*, {code} AS address_code, a.district_code, a.town_code, a.community_code, a.grid_code,
               coalesce(a.grid_code, a.community_code, a.town_code, a.district_code) AS jurisdiction
        FROM g LEFT JOIN address_register a ON a.address_code = {code}
        """,
    )
