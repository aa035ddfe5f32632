"""The standards layer: Chinese identifiers, divisions, code lists and value normalisation.

Python forms live in one module per concept; ``yishu.standards.sql.register(con)`` installs the
same checks in DuckDB as ``yishu_*`` macros. This facade re-exports the everyday functions.
"""

from __future__ import annotations

from yishu.standards.citizen_id import CitizenId, repair_candidates, upgrade_15
from yishu.standards.citizen_id import is_valid as is_valid_citizen_id
from yishu.standards.citizen_id import parse as parse_citizen_id
from yishu.standards.codelists import ethnicity_code, marital_status_code, sex_code
from yishu.standards.dates import normalise_date, parse_date
from yishu.standards.divisions import code_for_name, describe, find, full_name, is_known_county, name_for_code
from yishu.standards.names import normalise_name
from yishu.standards.phone import Phone, normalise_phone, parse_phone
from yishu.standards.profile import Profile, profile_values
from yishu.standards.uscc import CreditCode
from yishu.standards.uscc import is_valid as is_valid_credit_code
from yishu.standards.uscc import parse as parse_credit_code

__all__ = [
    "CitizenId",
    "CreditCode",
    "Phone",
    "Profile",
    "code_for_name",
    "describe",
    "ethnicity_code",
    "find",
    "full_name",
    "is_known_county",
    "is_valid_citizen_id",
    "is_valid_credit_code",
    "marital_status_code",
    "name_for_code",
    "normalise_date",
    "normalise_name",
    "normalise_phone",
    "parse_citizen_id",
    "parse_credit_code",
    "parse_date",
    "parse_phone",
    "profile_values",
    "repair_candidates",
    "sex_code",
    "upgrade_15",
]
