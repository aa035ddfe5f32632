"""Address standardisation in the pipeline: every distinct text of an accepted row matched once."""

from __future__ import annotations

import duckdb

from yishu.address import AddressRegister
from yishu.pipeline import standardise


def _values(con, texts: list[str], quarantined: set[int]) -> None:
    con.execute("CREATE TABLE gov_field (field INTEGER, element VARCHAR)")
    con.execute("INSERT INTO gov_field VALUES (1, 'address'), (2, 'phone')")
    con.execute("CREATE TABLE gov_value (rid BIGINT, field INTEGER, raw VARCHAR, value VARCHAR)")
    con.execute("CREATE TABLE gov_row (rid BIGINT, quarantine VARCHAR)")
    for i, text in enumerate(texts):
        con.execute(
            "INSERT INTO gov_value VALUES (?, 1, ?, ?), (?, 2, '火星路1号', '火星路1号')", [i, text, text, i]
        )
        con.execute("INSERT INTO gov_row VALUES (?, ?)", [i, "duplicate_row" if i in quarantined else None])


def test_texts_are_matched_once_in_chunks(small_city, monkeypatch):
    register = AddressRegister.from_parquet(small_city / "truth" / "addresses.parquet")
    known = [r[0] for r in duckdb.connect().execute(
        f"SELECT text FROM '{small_city}/truth/addresses.parquet' ORDER BY address_code LIMIT 40").fetchall()]  # fmt: skip
    texts = [*known, *known[:10], "火星路999号"]  # repeats, and one the register does not know
    whole, chunked = duckdb.connect(), duckdb.connect()
    for con in (whole, chunked):
        _values(con, [*texts, "只在隔离行里的地址"], quarantined={len(texts)})
    assert standardise.match_texts(whole, register) == len(known) + 1
    monkeypatch.setattr(standardise, "CHUNK", 7)  # several chunks, the last one short
    assert standardise.match_texts(chunked, register) == len(known) + 1
    got = whole.execute("SELECT * FROM address_match ORDER BY text").fetchall()
    assert got == chunked.execute("SELECT * FROM address_match ORDER BY text").fetchall()
    by_text = {r[0]: r for r in got}
    assert "只在隔离行里的地址" not in by_text  # a quarantined row's address is not matched
    assert "火星路1号" not in by_text  # nor a value of another element
    assert by_text["火星路999号"][1] is None and by_text["火星路999号"][6] == "unmatched"
    matched = [t for t in known if by_text[t][6] == "matched"]
    assert len(matched) >= 0.9 * len(known)
    assert all(by_text[t][1] == register.match(t).address_code for t in known)
