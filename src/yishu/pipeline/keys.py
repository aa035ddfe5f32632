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
