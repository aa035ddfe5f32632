"""Probabilistic linkage with Splink (Fellegi-Sunter) for people without a usable citizen ID.

Comparisons understand Chinese: names agree exactly, by the same pinyin (homophones: 李明 / 黎明),
or within one character edit, after traditional-to-simplified and width folding (the standards
layer's ``yishu_name``); birth dates agree exactly, to the month or to the year; phones exactly;
addresses by their tail (door, building, unit, room) or by Jaro-Winkler similarity. Names get a
term-frequency adjustment, so that 王伟 agreeing says less than 欧阳明 agreeing.

The m probabilities are estimated from records that share a valid citizen ID (the deterministic
links are the labels), u from random pairs; blocking only generates pairs in which at least one
record lacks a key, which keeps the pair count proportional to the keyless records. Blocking by
address uses the place: the standard address code where the address engine found one, else the
address key (door and room numbers). The numbers alone recur across a city (5组14号 is in every
village), so blocking on them grows with the square of the city: a 100,000-person city gave 2.1
million surname-and-numbers pairs against 0.7 million surname-and-code pairs.
"""

from __future__ import annotations

import contextlib
import logging
import warnings

import duckdb

THRESHOLD = 0.9

NEEDS_KEYLESS = "(l.citizen_id IS NULL OR r.citizen_id IS NULL)"
BLOCKING = [
    f"l.name = r.name AND l.birth_date = r.birth_date AND {NEEDS_KEYLESS}",
    f"l.phone = r.phone AND {NEEDS_KEYLESS}",
    f"l.name_py = r.name_py AND l.birth_date = r.birth_date AND {NEEDS_KEYLESS}",
    f"l.name = r.name AND l.place = r.place AND {NEEDS_KEYLESS}",
    f"l.surname = r.surname AND l.place = r.place AND {NEEDS_KEYLESS}",
    f"l.given = r.name AND l.place = r.place AND {NEEDS_KEYLESS}",
    f"r.given = l.name AND l.place = r.place AND {NEEDS_KEYLESS}",
    f"l.name = r.name AND l.grid = r.grid AND {NEEDS_KEYLESS}",
]


def settings():
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    name = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name").configure(tf_adjustment_column="name", tf_adjustment_weight=1.0),
            cll.ExactMatchLevel("name_py").configure(label_for_charts="same pinyin (homophone)"),
            cll.LevenshteinLevel("name", 1),
            cll.CustomLevel(
                "(name_l IN ('小' || surname_r, '老' || surname_r) OR name_r IN ('小' || surname_l, '老' || surname_l))",
                label_for_charts="nickname of the same surname (小王, 老王)",
            ),
            cll.CustomLevel(
                "(name_l = given_r OR name_r = given_l)", label_for_charts="given name only (超波)"
            ),
            cll.ElseLevel(),
        ],
    )
    birth = cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(
                "substr(CAST(birth_date_l AS VARCHAR), 1, 7) = substr(CAST(birth_date_r AS VARCHAR), 1, 7)",
                label_for_charts="same year and month",
            ),  # fmt: skip
            cll.CustomLevel("year(birth_date_l) = year(birth_date_r)", label_for_charts="same year"),
            cll.ElseLevel(),
        ],
    )
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.NullLevel("address"),
            cll.ExactMatchLevel("address_key").configure(label_for_charts="same door / room numbers"),
            cll.JaroWinklerLevel("address", 0.9),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=BLOCKING,
        comparisons=[name, birth, cl.ExactMatch("phone"), cl.ExactMatch("sex"), address],
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


@contextlib.contextmanager
def _quiet_splink():
    """Splink narrates training at INFO level and warns, at WARNING, of comparison levels never seen
    among same-ID pairs (they keep Splink's defaults, as intended); keep the command's output readable."""
    import splink  # noqa: F401  (its import configures its loggers: set ours after it)

    names = ["splink", *(n for n in logging.root.manager.loggerDict if n.startswith("splink"))]
    levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.ERROR)
    try:
        yield
    finally:
        for n, level in levels.items():
            logging.getLogger(n).setLevel(level)


# Same-ID pairs the m probabilities are estimated from, at most (about): above it, the pairs of a
# deterministic sample of the IDs (by hash). m is a share of pairs per comparison level, which a
# million pairs estimate closely: at a million people (m from about a third of the IDs) the same
# pairs were scored as with every ID, and the m estimate took 4 s instead of 8.5.
M_PAIRS = 1_000_000


def predict(con: duckdb.DuckDBPyConnection, threshold: float = THRESHOLD, seed: int = 1) -> str:
    """Score the candidate pairs; returns the name of a table of pairs at or above ``threshold``.

    Every estimate is a function of the records, not of their order in a table: Splink (5.x)
    samples the u pairs by a hash of the record id and the seed, the m sample is a hash of the ID,
    and both count pairs, which sums exactly in any order. So the same records give the same
    pairs and probabilities on every run."""
    with _quiet_splink():
        return _predict(con, threshold, seed)


def _predict(con: duckdb.DuckDBPyConnection, threshold: float, seed: int) -> str:
    from splink import DuckDBAPI, Linker

    same = con.execute(
        """SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM (
               SELECT count(*) AS n FROM link_person_key GROUP BY key)"""
    ).fetchall()[0][0]
    every = max(1, round(same / M_PAIRS))  # the m sample: the IDs whose hash is a multiple of this
    con.execute(
        f"""
        CREATE OR REPLACE TABLE link_person_input AS
        SELECT p.record_id, k.key AS citizen_id, CASE WHEN hash(k.key) % {every} = 0 THEN k.key END AS m_sample,
               p.name, p.name_py, p.birth_date, p.phone, p.sex, p.grid,
               p.address, p.address_key, coalesce(p.address_code, 'K:' || p.address_key) AS place,
               CASE WHEN p.name SIMILAR TO '[小老].' THEN substring(p.name, 2, 1) ELSE substring(p.name, 1, 1) END
                   AS surname,
               CASE WHEN length(p.name) >= 3 THEN substring(p.name, 2) END AS given
        FROM link_person p LEFT JOIN link_person_key k USING (record_id)
        """
    )
    keyless = con.execute("SELECT count(*) FROM link_person_input WHERE citizen_id IS NULL").fetchall()[0][0]
    if keyless == 0:
        con.execute(
            "CREATE OR REPLACE TABLE link_person_pairs AS SELECT NULL::VARCHAR AS record_id_l, "
            "NULL::VARCHAR AS record_id_r, NULL::DOUBLE AS match_probability, NULL::DOUBLE AS match_weight WHERE false"
        )
        return "link_person_pairs"
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register("link_person_input"), settings())
    total = con.execute("SELECT count(*) FROM link_person").fetchall()[0][0]
    prior = max(float(same or 1) / max(total * (total - 1) / 2, 1), 1e-9)
    linker._settings_obj._probability_two_random_records_match = prior
    linker.training.estimate_u_using_random_sampling(
        max_pairs=min(2_000_000, max(total * 20, 100_000)), seed=seed
    )
    linker.training.estimate_m_from_label_column("m_sample")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # levels never seen among same-ID pairs keep Splink's defaults
        pairs = linker.inference.predict(threshold_match_probability=threshold)
    con.execute(f"CREATE OR REPLACE TABLE link_person_pairs AS SELECT * FROM {pairs.physical_name}")
    return "link_person_pairs"
