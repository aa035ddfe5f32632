"""Masking (脱敏) by the catalogue's masking kind, in Python and as DuckDB SQL that agree.

The server masks in SQL, so a masked value leaves DuckDB already masked; the Python forms are the
reference the tests compare the SQL with. Conventions (PRODUCT.md): citizen ID keeps the first 6
and last 4 characters (110105********002X), mobile 3 + 4 (138****8000), a name keeps the surname
(张*), an address is cut after its road or, without one, its township, else its county; a date
keeps its year; ``redact`` hides everything.

Only fields graded L3 or L4 are masked (L1 and L2 may be opened or shared as they are); a grant
may lift masking on named fields for a stated purpose.
"""

from __future__ import annotations

import re

MASKED_GRADES = ("L3", "L4")
REDACTED = "***"

# An address: the text before its first door-number digit, cut after the last road word in it
# (街 of 街道 is a township, not a road); else the township; else the county.
_ROAD = re.compile(r"^([^0-9０-９]*(?:路|街|巷|大道|胡同|弄))(?:[^道]|$)")
_TOWN = re.compile(r"^([^0-9０-９]*?(?:街道|镇|乡))")
_COUNTY = re.compile(r"^([^0-9０-９]*?(?:区|县|旗))")
_SQL_ROAD = r"^([^0-9０-９]*(路|街|巷|大道|胡同|弄))([^道]|$)"
_SQL_TOWN = r"^([^0-9０-９]*?(街道|镇|乡))"
_SQL_COUNTY = r"^([^0-9０-９]*?(区|县|旗))"


def needs_mask(masking: str, grade: str) -> bool:
    return masking != "none" and grade in MASKED_GRADES


def mask(kind: str, value: str | None) -> str | None:
    if value is None:
        return None
    n = len(value)
    if kind == "none":
        return value
    if kind == "citizen_id":
        return value[:6] + "*" * (n - 10) + value[-4:] if n >= 11 else "*" * n
    if kind == "phone":
        return value[:3] + "*" * (n - 7) + value[-4:] if n >= 8 else "*" * n
    if kind == "name":
        return value[:1] + "*" * max(n - 1, 1) if n else value
    if kind == "address":
        for pattern in (_ROAD, _TOWN, _COUNTY):
            m = pattern.match(value)
            if m:
                return m.group(1) + REDACTED
        return REDACTED
    if kind == "year":
        return value[:4]
    return REDACTED  # redact, and any kind this code does not know: fail closed


def mask_sql(kind: str, column: str) -> str:
    """A DuckDB expression masking ``column`` (a quoted identifier) like ``mask``."""
    c = column
    n = f"length({c})"
    if kind == "none":
        return c
    if kind == "citizen_id":
        return f"CASE WHEN {n} >= 11 THEN left({c}, 6) || repeat('*', {n} - 10) || right({c}, 4) ELSE repeat('*', {n}) END"
    if kind == "phone":
        return f"CASE WHEN {n} >= 8 THEN left({c}, 3) || repeat('*', {n} - 7) || right({c}, 4) ELSE repeat('*', {n}) END"
    if kind == "name":
        return f"CASE WHEN {n} = 0 THEN {c} ELSE left({c}, 1) || repeat('*', greatest({n} - 1, 1)) END"
    if kind == "address":
        parts = [f"CASE WHEN regexp_matches({c}, '{p}') THEN regexp_extract({c}, '{p}', 1) || '{REDACTED}'"
                 for p in (_SQL_ROAD, _SQL_TOWN, _SQL_COUNTY)]  # fmt: skip
        return (
            f"CASE WHEN {c} IS NULL THEN NULL ELSE coalesce("
            + ", ".join(f"{p} END" for p in parts)
            + f", '{REDACTED}') END"
        )
    if kind == "year":
        return f"left({c}, 4)"
    return f"CASE WHEN {c} IS NULL THEN NULL ELSE '{REDACTED}' END"
