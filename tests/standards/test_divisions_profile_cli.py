from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from yishu.cli import app
from yishu.standards import divisions, profile


def test_existing_api_still_works() -> None:
    top, rest = divisions.prefecture("420200")
    assert top.name == "黄石市"
    assert all(d.code.startswith("4202") for d in rest)
    assert divisions.level_of("420202000000") == 3


def test_hierarchy() -> None:
    assert [d.name for d in divisions.ancestors("420202")] == ["湖北省", "黄石市"]
    assert "420202000000" in [d.code for d in divisions.children("420200")]
    assert divisions.full_name("370602") == "山东省烟台市芝罘区"


def test_historical_codes() -> None:
    info = divisions.describe("110103")
    assert (info.name, info.current) == ("崇文区", False)
    assert info.history[0].end == 2010
    assert divisions.is_known_county("110103")
    with pytest.raises(KeyError, match="not a current or historical"):
        divisions.describe("999999")


def test_name_lookup() -> None:
    assert divisions.code_for_name("芝罘区") == "370602000000"
    assert divisions.short_name("广西壮族自治区") == "广西"
    assert divisions.short_name("沙县") == "沙县"
    with pytest.raises(KeyError, match="ambiguous"):
        divisions.code_for_name("朝阳区")
    assert divisions.code_for_name("朝阳区", within="110000").startswith("110105")


def test_division_name_in_sql(con) -> None:
    rows = con.execute("SELECT yishu_division_name('420202'), yishu_division_name('110103')").fetchall()
    assert rows == [("黄石港区", "崇文区")]


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["11010519491231002X", "110105491231002", "bad"], "citizen_id"),
        (["91350100M000100Y43"] * 3, "credit_code"),
        (["13800138000", "0535-6123456", "+86 139 0000 0000"], "phone"),
        (["张三", "李小明", "阿沛·阿旺晋美"], "person_name"),
        (["山东省烟台市芝罘区南大街100号", "黄石港区湖滨大道5号3单元"], "address"),
        (["1990-01-02", "1990年1月2日", "19900102"], "date"),
        (["420202", "370602", "110105"], "division_code"),
        (["hello", "something else", "其它说明文字, 随便写写"], "free_text"),
    ],
)
def test_profile(values: list[str], kind: str) -> None:
    result = profile.profile_values(values)
    assert result.kind == kind
    assert 0.6 <= result.confidence <= 1.0 or kind == "free_text"


def test_profile_flags_personal_information() -> None:
    assert profile.profile_values(["13800138000"]).personal
    assert not profile.profile_values(["1990-01-02"]).personal


runner = CliRunner()


def test_cli_json_for_invalid_id_has_candidates() -> None:
    result = runner.invoke(app, ["check", "id", "110105194912310021", "11010519491231002X", "--json"])
    assert result.exit_code == 0
    bad, good = (json.loads(line) for line in result.stdout.splitlines())
    assert not bad["valid"]
    assert "11010519491231002X" in bad["candidates"]
    assert good["valid"] and good["birth_date"] == "1949-12-31"


def test_cli_table_and_reasons() -> None:
    result = runner.invoke(app, ["check", "date", "19900231"])
    assert result.exit_code == 0
    assert "day 31 does not exist in February 1990" in result.stdout
    result = runner.invoke(app, ["check", "phone", "0535-6123456转801", "--json"])
    assert json.loads(result.stdout)["number"] == "0535-6123456-801"
    result = runner.invoke(app, ["check", "division", "芝罘", "--json"])
    assert json.loads(result.stdout)["matches"][0]["code"] == "370602000000"


def test_cli_unknown_kind_exits_1() -> None:
    result = runner.invoke(app, ["check", "passport", "X"])
    assert result.exit_code == 1
