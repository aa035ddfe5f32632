"""The worked examples of research/standards.md, in Python and SQL."""

from __future__ import annotations

import datetime as dt

import pytest

from yishu.standards import citizen_id, divisions, uscc


def test_id_check_character_examples() -> None:
    assert citizen_id.check_char("11010519491231002") == "X"
    assert sum(int(d) * w for d, w in zip("11010519491231002", citizen_id.WEIGHTS, strict=True)) == 167
    assert citizen_id.check_char("44052418800101001") == "4"


def test_id_upgrade_example() -> None:
    assert citizen_id.upgrade_15("110105491231002") == "11010519491231002X"
    parsed = citizen_id.parse("110105491231002")
    assert parsed.number == "11010519491231002X"
    assert parsed.upgraded_from == "110105491231002"


def test_id_parse_parts() -> None:
    parsed = citizen_id.parse("11010519491231002X")
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == "2"  # 17th digit 2 is even
    assert parsed.county_code == "110105"
    assert parsed.county_name == "北京市朝阳区"
    assert parsed.county_current


def test_id_from_abolished_county_is_valid() -> None:
    body = "110103" + "19800101" + "001"  # 崇文区, abolished 2010
    parsed = citizen_id.parse(body + citizen_id.check_char(body))
    assert not parsed.county_current
    assert parsed.county_name == "北京市崇文区"


def test_uscc_example() -> None:
    assert uscc.check_char("91350100M000100Y4") == "3"
    parsed = uscc.parse("91350100M000100Y43")
    assert (parsed.department_name, parsed.org_type_name) == ("工商", "企业")
    assert parsed.county_code == "350100"
    assert parsed.org_code == "M000100Y-4"


def test_short_division_names() -> None:
    assert divisions.code_for_name("黄石港") == "420202000000"
    assert divisions.code_for_name("芝罘") == "370602000000"
    assert divisions.describe("420202").full_name == "湖北省黄石市黄石港区"


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        ("yishu_id_valid", "11010519491231002X", True),
        ("yishu_id_normalise", "110105491231002", "11010519491231002X"),
        ("yishu_uscc_valid", "91350100M000100Y43", True),
        ("yishu_uscc_valid", "91350100M000100Y44", False),
    ],
)
def test_worked_examples_in_sql(con, function: str, value: str, expected: object) -> None:
    assert con.execute(f"SELECT {function}(?)", [value]).fetchall()[0][0] == expected
