"""Deterministic linkage on valid keys, with key repair.

A record with a valid citizen ID (credit code, real-estate unit number) takes it as its key. A
record whose ID is invalid is repaired when exactly one of its repair candidates (one digit changed,
or two adjacent digits swapped, that pass GB 11643) is the key of a record with the same name (or
the same pinyin) and a birth date that agrees; it then links as that ID and says so.
"""

from __future__ import annotations

import duckdb

from yishu.standards.sql import id_compact


def person_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``link_person_key(record_id, key, method, note)`` for keyed and repaired records.

    The repair candidates of ``citizen_id.repair_candidates`` (valid numbers one digit change or one
    adjacent transposition away), found from the other side: the valid IDs of records that agree on
    name (or pinyin) and birth date and are that one edit away (Hamming distance 1, or 2 with
    Damerau-Levenshtein distance 1). A valid ID passes the check the candidates pass, so the result
    is the same, without generating 170 candidates for every invalid ID."""
    compact = id_compact("id_raw")
    edit = ("(hamming(b.compact, g.citizen_id) = 1 OR (hamming(b.compact, g.citizen_id) = 2 "
            "AND damerau_levenshtein(b.compact, g.citizen_id) = 1))")  # fmt: skip
    agree = "(g.birth_date = b.birth_date OR g.birth_date IS NULL OR b.birth_date IS NULL)"
    con.execute(
        f"""
        CREATE OR REPLACE TABLE link_person_key AS
        WITH bad AS (
            SELECT record_id, name, name_py, birth_date, {compact} AS compact
            FROM link_person WHERE id_state = 'invalid' AND length({compact}) = 18
        ), good AS (
            SELECT DISTINCT citizen_id, name, name_py, birth_date FROM link_person WHERE citizen_id IS NOT NULL
        ), agreeing AS (
            SELECT b.record_id, g.citizen_id AS candidate FROM bad b JOIN good g ON g.name = b.name
            WHERE {agree} AND {edit}
            UNION
            SELECT b.record_id, g.citizen_id FROM bad b JOIN good g ON g.name_py = b.name_py
            WHERE {agree} AND {edit}
        ), single AS (
            SELECT record_id, any_value(candidate) AS candidate
            FROM agreeing GROUP BY record_id HAVING count(*) = 1
        )
        SELECT record_id, citizen_id AS key, 'key' AS method, 'valid citizen ID' AS note
        FROM link_person WHERE citizen_id IS NOT NULL
        UNION ALL
        SELECT s.record_id, s.candidate, 'repaired',
               'invalid ID ' || p.id_raw || ' repaired to ' || s.candidate || ': name and birth date agree'
        FROM single s JOIN link_person p USING (record_id)
        """
    )


def organisation_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Keys for organisations: the valid credit code; else the keyed organisation of the same name,
    chosen by a credit code one or two characters away (a typo), the same legal representative, or
    being the only one of that name."""
    con.execute(
        """
        CREATE OR REPLACE TABLE link_organisation_key AS
        WITH keyed AS (
            SELECT name_key, uscc, min(representative) AS representative
            FROM link_organisation WHERE uscc IS NOT NULL GROUP BY ALL
        ), scored AS (
            SELECT o.record_id, k.uscc,
                   2 * coalesce(CAST(levenshtein(upper(o.code_raw), k.uscc) <= 2 AS INTEGER), 0)
                   + coalesce(CAST(o.representative = k.representative AS INTEGER), 0) AS score,
                   count(*) OVER (PARTITION BY o.record_id) AS candidates
            FROM link_organisation o JOIN keyed k USING (name_key) WHERE o.uscc IS NULL
        ), best AS (
            SELECT record_id, first(uscc ORDER BY score DESC, uscc) AS uscc, max(score) AS score, any_value(candidates) AS candidates,
                   count(*) FILTER (WHERE score = (SELECT max(s2.score) FROM scored s2 WHERE s2.record_id = scored.record_id)) AS ties
            FROM scored GROUP BY record_id
        )
        SELECT record_id, uscc AS key, 'key' AS method, 'valid credit code' AS note
        FROM link_organisation WHERE uscc IS NOT NULL
        UNION ALL
        SELECT o.record_id, b.uscc, 'name',
               coalesce('credit code ' || o.code_raw || ' invalid', 'no credit code') || '; same name as ' || b.uscc
               || CASE WHEN b.score >= 2 THEN ', credit code one typo away'
                       WHEN b.score = 1 THEN ', same legal representative' ELSE ', the only one of that name' END
        FROM link_organisation o JOIN best b USING (record_id)
        WHERE b.ties = 1 AND (b.score > 0 OR b.candidates = 1)
        UNION ALL
        SELECT o.record_id, 'N:' || o.name_key, 'name', 'no usable credit code; linked by name'
        FROM link_organisation o
        WHERE o.uscc IS NULL AND o.record_id NOT IN (
            SELECT record_id FROM best WHERE ties = 1 AND (score > 0 OR candidates = 1))
        """
    )


def house_keys(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE OR REPLACE TABLE link_house_key AS
        SELECT record_id, coalesce(unit_no, 'A:' || address) AS key,
               CASE WHEN unit_no IS NOT NULL THEN 'key' ELSE 'address' END AS method,
               CASE WHEN unit_no IS NOT NULL THEN 'real-estate unit number' ELSE 'same address' END AS note
        FROM link_house WHERE coalesce(unit_no, address) IS NOT NULL
        """
    )
