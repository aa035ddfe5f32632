"""The tables of a release of the base database: the contract between the governance pipeline
(which writes them) and everything that reads a release (share service, console, evaluation).

Every release (``yishu.pipeline.release``) holds these Parquet tables. Attribute values are text
in their normalised form (dates ISO ``YYYY-MM-DD``, codes as the standard writes them); an
unknown value is NULL.

Jurisdiction codes nest by prefix: city (4 digits) < district (6) < township (9) < community
(12) < grid (15). Each entity row carries ``jurisdiction``, its most specific known code, so a
reader scoped to code J sees exactly the rows with ``starts_with(jurisdiction, J)``; a row with an
unknown jurisdiction (NULL) is seen only by city-wide readers.
"""

from __future__ import annotations

ENTITY_TYPES = ("person", "organisation", "house")

# The columns every entity table has besides its attributes (one column per attribute of that
# entity type in the catalogue's authority map, e.g. person.name -> person.name).
ENTITY_KEY = "entity_id"
JURISDICTION_COLUMNS = ("address_code", "district_code", "town_code", "community_code", "grid_code",
                        "jurisdiction")  # fmt: skip

# The attribute whose standard address places an entity in its jurisdiction.
PLACING_ATTRIBUTE = {
    "person": ("actual_address", "hukou_address"),
    "organisation": ("business_address", "registered_address"),
    "house": ("address",),
}

TABLES = {
    "person": "golden records of people: entity_id, one column per person.* attribute of the "
    "authority map, then address_code, district_code, town_code, community_code, grid_code, jurisdiction",
    "organisation": "golden records of organisations: entity_id, organisation.* attributes, jurisdiction columns",
    "house": "golden records of houses: entity_id, house.* attributes, jurisdiction columns",
    "provenance": "every candidate value behind a golden record: entity_type, entity_id, attribute, value, "
    "source, delivery_id, row_number, record_id, arrived_at, authority_rank (0 = authoritative), chosen",
    "conflict": "sources disagreeing about an attribute: entity_type, entity_id, attribute, chosen_value, "
    "chosen_source, other_value, other_source, severity (0-1)",
    "link": "every record and the entity it belongs to: record_id, source, delivery_id, row_number, "
    "entity_type, entity_id, method, match_probability",
    "address": "standard addresses in use: address_code, text, level, district_code, town_code, "
    "community_code, grid_code",
    "record_address": "every delivered address text and its match: record_id, source, attribute, text, "
    "address_code, level, confidence, status (matched / proposed / unmatched)",
    "task": "verification tasks of this run: task_id, kind (conflict / address / link), entity_type, "
    "entity_id, attribute, grid_code, jurisdiction, question (JSON: candidates with their sources), status",
    "quarantine": "rows and values that could not be used: delivery_id, source, row_number, column_name "
    "(NULL for a whole row), attribute, reason (a stable code), detail, raw",
    "reconciliation": "per delivery used: delivery_id, source, rows_in, accepted, quarantined, exact",
    "quality": "GB/T 36344 figures: dimension, scope_kind (source / element / district / town / community / "
    "grid), scope, measured, passed, score",
}
