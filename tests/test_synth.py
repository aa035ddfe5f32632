"""The synthetic city: determinism, valid identifiers, real geography, formats, defect rates."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
from stdnum.cn import ric, uscc

from yishu.standards.divisions import subtree
from yishu.synth import generate
from yishu.synth import reader as synth_reader

CITY, PERSONS, SEED = "370600", 5000, 7  # as in conftest.small_city


def read_delivery(city: Path, src: dict) -> list[dict]:
    rows = list(synth_reader.read_delivery(city, src))
    assert len(rows) == src["rows"]
    return rows


def test_same_seed_gives_identical_truth(small_city, tmp_path):
    again = tmp_path / "again"
    generate(CITY, PERSONS, SEED, again)
    for name in ("persons", "organisations", "houses", "addresses", "records", "grids"):
        a = pq.read_table(small_city / "truth" / f"{name}.parquet")
        b = pq.read_table(again / "truth" / f"{name}.parquet")
        assert a.equals(b), name
    for src in json.loads((again / "manifest.json").read_text(encoding="utf-8"))["sources"]:
        assert (small_city / src["file"]).read_bytes() == (again / src["file"]).read_bytes() or src[
            "format"
        ] == "xlsx"


def test_other_seed_gives_another_city(small_city, tmp_path):
    generate(CITY, 300, SEED + 1, tmp_path / "other")
    a = pq.read_table(small_city / "truth" / "persons.parquet").column("citizen_id").to_pylist()[:300]
    b = pq.read_table(tmp_path / "other" / "truth" / "persons.parquet").column("citizen_id").to_pylist()
    assert a != b


def test_identifiers_pass_the_national_checks(small_city):
    persons = pq.read_table(small_city / "truth" / "persons.parquet").to_pylist()
    assert len(persons) == PERSONS
    ids = [p["citizen_id"] for p in persons]
    assert len(set(ids)) == len(ids)
    for p in persons:
        assert ric.is_valid(p["citizen_id"]), p["citizen_id"]
        assert ric.get_birth_date(p["citizen_id"]) == p["birth_date"]
        assert int(p["citizen_id"][16]) % 2 == (1 if p["sex"] == "1" else 0)
    orgs = pq.read_table(small_city / "truth" / "organisations.parquet").column("uscc").to_pylist()
    assert len(orgs) > 200 and len(set(orgs)) == len(orgs)
    assert all(uscc.is_valid(code) for code in orgs)


def test_addresses_lie_under_real_yantai_divisions(small_city):
    real = {d.code for d in subtree(CITY) if d.level == 5}
    addresses = pq.read_table(small_city / "truth" / "addresses.parquet").to_pylist()
    codes = [a["address_code"] for a in addresses]
    assert len(set(codes)) == len(codes)
    for a in addresses:
        assert a["division_code"] in real
        assert a["address_code"].startswith(a["division_code"]) and len(a["address_code"]) == 28
        assert a["grid_code"].startswith(a["division_code"]) and len(a["grid_code"]) == 15
        assert a["text"].startswith("山东省烟台市")
    records = pq.read_table(small_city / "truth" / "records.parquet")
    known = set(codes)
    assert all(c in known for c in records.column("address_code").to_pylist() if c is not None)


def test_grids_hold_about_200_to_400_households(tmp_path):
    out = tmp_path / "huangshi"
    generate("420200", 30_000, 3, out)
    grids = pq.read_table(out / "truth" / "grids.parquet").to_pylist()
    by_community = Counter(g["division_code"] for g in grids)
    full = [g["households"] for g in grids if by_community[g["division_code"]] > 1]
    assert full, "some community should be big enough for several grids"
    # Grids close at 200-400 households; the last grid of a community takes the remainder.
    closed = sorted(full)[len(full) // 4 :]
    assert 150 <= sorted(closed)[len(closed) // 2] <= 450


def test_deliveries_formats_and_encodings(small_city, manifest):
    sources = manifest["sources"]
    assert len(sources) >= 11
    assert {s["format"] for s in sources} >= {"csv", "xlsx", "jsonl"}
    assert {s["encoding"] for s in sources if s["format"] == "csv"} >= {"gbk", "utf-8-sig"}
    gbk = next(s for s in sources if s["encoding"] == "gbk")
    raw = (small_city / gbk["file"]).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    bom = next(s for s in sources if s["encoding"] == "utf-8-sig")
    assert (small_city / bom["file"]).read_bytes().startswith(b"\xef\xbb\xbf")
    xlsx = next(s for s in sources if s["format"] == "xlsx")
    sheet = openpyxl.load_workbook(small_city / xlsx["file"]).active
    assert sheet.merged_cells.ranges, "Excel deliveries carry a merged title row"
    assert str(sheet.cell(1, 1).value).endswith(("表", "信息", "）"))


def _records_by_row(small_city) -> dict[tuple[str, int], dict]:
    recs = pq.read_table(small_city / "truth" / "records.parquet").to_pylist()
    return {(r["source"], r["row_number"]): r for r in recs}


ID_COLUMNS = {
    "残疾人证号",
    "公民身份号码",
    "身份证件号码",
    "sfzh",
    "证件号码",
    "社会保障号码",
    "承租人证件号码",
    "身份证",
}


def test_defect_rates_measured_against_truth_match_the_manifest(small_city, manifest):
    persons = {p["person_id"]: p for p in pq.read_table(small_city / "truth" / "persons.parquet").to_pylist()}
    records = _records_by_row(small_city)
    counts: Counter = Counter()
    expected: Counter = Counter()
    for src in manifest["sources"]:
        if src["entity_type"] != "person":
            continue
        column = next(c["name"] for c in src["columns"] if c["name"] in ID_COLUMNS)
        rates = src["defect_rates"]
        n = {"rows": 0, "delivered": 0, "born19": 0}
        for number, row in enumerate(read_delivery(small_city, src), start=1):
            rec = records[(src["source"], number)]
            if rec["duplicate_of"] is not None:
                continue
            truth = persons[rec["person_id"]]["citizen_id"]
            value = row.get(column)
            value = "" if value is None else str(value)
            if column == "残疾人证号" and value:
                value = value[:-2]  # the disability card number is the ID plus type and grade
            n["rows"] += 1
            if value == "":
                counts["id_missing"] += 1
                continue
            n["delivered"] += 1
            if truth[6:8] == "19":
                n["born19"] += 1
            if len(value) == 15:
                counts["id_legacy15"] += value == truth[:6] + truth[8:17]
            elif value != truth and value.isascii():
                diff = [i for i in range(18) if value[i] != truth[i]]
                if len(diff) == 1:
                    counts["id_typo"] += 1
                elif len(diff) == 2 and diff[1] == diff[0] + 1 and value[diff[0]] == truth[diff[1]]:
                    counts["id_transposition"] += 1
                assert not ric.is_valid(value)
            elif not value.isascii():
                counts["id_fullwidth"] += 1
        expected["id_missing"] += rates["id_missing"] * n["rows"]
        for name in ("id_typo", "id_transposition", "id_fullwidth"):
            expected[name] += rates[name] * n["delivered"]
        expected["id_legacy15"] += rates["id_legacy15"] * n["born19"]
    for name, want in expected.items():
        assert want > 20, name
        assert abs(counts[name] - want) / want < 0.2, (name, counts[name], want)


def test_stale_addresses_and_duplicates_match_the_manifest(small_city, manifest):
    persons = {p["person_id"]: p for p in pq.read_table(small_city / "truth" / "persons.parquet").to_pylist()}
    recs = pq.read_table(small_city / "truth" / "records.parquet").to_pylist()
    carriers = {
        "卫健出生与死亡",
        "民政救助与高龄津贴",
        "残联残疾人",
        "医保参保",
        "人社就业与养老保险",
        "网格员采集",
    }
    movers = [
        r
        for r in recs
        if r["source"] in carriers
        and r["duplicate_of"] is None
        and persons[r["person_id"]]["previous_address_code"] is not None
    ]
    stale = sum(r["address_code"] == persons[r["person_id"]]["previous_address_code"] for r in movers)
    assert abs(stale / len(movers) - 0.40) / 0.40 < 0.2
    for src in manifest["sources"]:
        rows = [r for r in recs if r["source"] == src["source"]]
        dups = sum(r["duplicate_of"] is not None for r in rows)
        distinct = len(rows) - dups
        want = src["defect_rates"]["duplicate_row"] * distinct
        assert abs(dups - want) <= max(1.0, 0.2 * want), src["source"]


def test_dates_come_in_at_least_six_formats(small_city, manifest):
    import re

    patterns = {
        "iso": r"^\d{4}-\d{2}-\d{2}$",
        "compact": r"^\d{8}$",
        "slash": r"^\d{4}/\d{1,2}/\d{1,2}$",
        "chinese": r"^\d{4}年\d{1,2}月\d{1,2}日$",
        "dotted": r"^\d{1,2}\.\d{1,2}\.\d{4}$",
        "excel_serial": r"^\d{5}(\.0)?$",
        "iso_time": r"^\d{4}-\d{2}-\d{2} 00:00:00$",
    }
    date_columns = {
        "出生日期",
        "出生年月",
        "出生年月日",
        "csrq",
        "成立日期",
        "djrq",
        "登记时间",
        "租赁起始日期",
    }
    seen = set()
    for src in manifest["sources"]:
        for row in read_delivery(small_city, src):
            for col in date_columns & set(row):
                value = str(row[col]) if row[col] is not None else ""
                for name, pat in patterns.items():
                    if re.match(pat, value):
                        seen.add(name)
    assert len(seen) >= 6, seen


def test_truth_writer_types_a_column_that_the_first_chunk_leaves_empty(tmp_path):
    import pyarrow.parquet as pq

    from yishu.synth.city import TruthWriter

    writer = TruthWriter(tmp_path / "addresses.parquet")
    writer.write({"address_code": ["a"], "village_group": [None], "note": [None]})
    writer.write({"address_code": ["b"], "village_group": [3], "note": ["x"]})
    writer.close()
    table = pq.read_table(tmp_path / "addresses.parquet")
    assert table.column("village_group").to_pylist() == [None, 3]
    assert table.column("note").to_pylist() == [None, "x"]
    assert writer.rows == 2
