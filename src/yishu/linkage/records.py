"""The conformed records that linkage works on: one DuckDB table per entity type.

The governance pipeline's conform stage produces these tables; ``prepare`` builds them from a
synthetic city's deliveries. Keep the schema here, in one place:

``link_person``: record_id (``source#row``), source, row_number, id_raw, citizen_id (valid, 18
characters, else NULL), id_state (valid / invalid / missing), name, name_py (pinyin without tones:
homophones agree), sex ('1' / '2'), birth_date, phone (normalised mobile), address (text as given),
grid (grid code where the source knows it), address_code (filled by the address engine, may be NULL).

``link_organisation``: record_id, source, row_number, code_raw, uscc (valid or NULL), code_state,
name, name_key (legal-form and bracket variants folded), representative, address, address_code.

``link_house``: record_id, source, row_number, unit_no, address, address_code, area.
"""

from __future__ import annotations

ENTITY_TABLES = {"person": "link_person", "organisation": "link_organisation", "house": "link_house"}

# Roles in a synth manifest (or catalogue attributes) that feed each record column.
PERSON_ROLES = {
    "citizen_id": "id_raw",
    "disability_no": "id_raw",  # the card number is the citizen ID plus two digits
    "name": "name_raw",
    "sex": "sex_raw",
    "birth_date": "birth_raw",
    "phone": "phone_raw",
    "address": "address",
    "grid": "grid",
}
ORGANISATION_ROLES = {
    "uscc": "code_raw",
    "org_name": "name_raw",
    "rep_name": "representative",
    "address": "address",
}
HOUSE_ROLES = {"unit_no": "unit_no", "address": "address", "area": "area"}
ROLES = {"person": PERSON_ROLES, "organisation": ORGANISATION_ROLES, "house": HOUSE_ROLES}
