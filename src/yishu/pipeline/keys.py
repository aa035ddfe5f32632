"""The integer keys of a governance run's working tables.

Working tables name a record, an entity, an attribute, a source and a delivered column by numbers;
the release tables spell them out (``record_id``, ``entity_id``, ``attribute``, ``source``):

``rid``    a record: ``delivery_id * 2^32 + row_number`` (BIGINT), so either part is arithmetic on
           it and no table is needed to go back; ``record_id`` (``source#row``, or
           ``source#delivery.row`` for event sources) is ``gov_delivery.prefix`` and the row number.
``field``  a mapped column of a delivery in use (``gov_field``: delivery, source, column, data
           element, attribute, authority rank).
``aid``    an attribute (``gov_attribute``), numbered in the order of the attribute names.
``sid``    a source (``gov_delivery.sid``).
``eno``    an entity (``gov_entity``), numbered in the order of entity type and entity id, so that
           ordering by ``eno, aid`` orders rows as ``entity_type, entity_id, attribute`` would.

Why: the long tables of a city of 3 million people hold 100 million values. Written with string
keys (record ids, attribute and source names repeated in every row) DuckDB spent most of a run
compressing and comparing those strings: landing the values of a million people took 74 s with
them and 32 s narrow, and survivorship's window over their 32 million candidates 162 s by strings
and 67 s by integers (docs/benchmarks.md).
"""

from __future__ import annotations

from yishu.standards.sql import lit

ROW_SPAN = 4294967296  # 2^32: row numbers of one delivery stay below it


def rid(delivery: str, row: str) -> str:
    """SQL of a record key from SQL of its delivery id and row number."""
    return f"({delivery} * {ROW_SPAN} + {row})"


def delivery_of(record: str) -> str:
    """SQL of the delivery id of a record key."""
    return f"({record} // {ROW_SPAN})"


def row_of(record: str) -> str:
    """SQL of the row number of a record key."""
    return f"({record} % {ROW_SPAN})"


def record_id(prefix: str, record: str) -> str:
    """SQL of the record id (``source#row``) from the delivery's ``prefix`` and a record key."""
    return f"{prefix} || CAST({row_of(record)} AS VARCHAR)"


class Names:
    """The names behind a run's small keys (attributes, deliveries), spelled out in a release query
    by lookups in list literals instead of joins.

    Why: a long release table is sorted by its keys before it is written. A join spells the names
    before the sort, which then carries every string of every row (and a join does not keep an
    order, so it cannot come after); a projection keeps the order, so a lookup can spell them after
    it, on rows the sort moved as numbers. Writing the provenance of 100,000 people took 2.1 s
    instead of 3.1 s this way, with the same file (docs/benchmarks.md). The attributes are looked
    up by ``aid`` (1, 2, ...), the deliveries by ``dno`` (``delivery_number``)."""

    def __init__(self, con):
        attributes = con.execute(
            "SELECT aid, attribute, entity_type FROM gov_attribute ORDER BY aid"
        ).fetchall()
        if [a for a, _, _ in attributes] != list(range(1, len(attributes) + 1)):
            raise ValueError("gov_attribute.aid must number the attributes 1, 2, ...")
        deliveries = con.execute(
            "SELECT source, prefix, CAST(arrived_at AS VARCHAR) FROM gov_delivery ORDER BY delivery_id"
        ).fetchall()

        def listed(values, sql_type: str) -> str:
            return f"CAST([{', '.join('NULL' if v is None else lit(v) for v in values)}] AS {sql_type}[])"

        self._attribute = listed([a for _, a, _ in attributes], "VARCHAR")
        self._entity_type = listed([t for _, _, t in attributes], "VARCHAR")
        self._source = listed([s for s, _, _ in deliveries], "VARCHAR")
        self._prefix = listed([p for _, p, _ in deliveries], "VARCHAR")
        # the text of a TIMESTAMPTZ carries its offset: read back, it is the same instant
        self._arrived_at = listed([t for _, _, t in deliveries], "TIMESTAMPTZ")

    @staticmethod
    def delivery_number(alias: str, record: str) -> str:
        """A join giving ``alias.dno``, the delivery's number (1, 2, ... in the order of delivery ids,
        as ``__init__`` lists them; the delivery ids of a workspace that has run for years are sparse)
        for the record key ``record``."""
        return (
            "JOIN (SELECT delivery_id, CAST(row_number() OVER (ORDER BY delivery_id) AS INTEGER) AS dno "
            f"FROM gov_delivery) {alias} ON {alias}.delivery_id = {delivery_of(record)}"
        )

    def attribute(self, aid: str) -> str:
        return f"{self._attribute}[{aid}]"

    def entity_type(self, aid: str) -> str:
        """The entity type of an attribute (``person.name`` is a person's)."""
        return f"{self._entity_type}[{aid}]"

    def source(self, dno: str) -> str:
        return f"{self._source}[{dno}]"

    def arrived_at(self, dno: str) -> str:
        return f"{self._arrived_at}[{dno}]"

    def record_id(self, dno: str, record: str) -> str:
        """SQL of the record id from the delivery's number and the record key."""
        return record_id(f"{self._prefix}[{dno}]", record)
